// Topology, whole: every node, link, site index and fault target of a two-site scenario with a
// front per site and a replica in the second site, of a per-site Redis split, and of a plain one.
// Each list is written out by hand from the scenario's text and the rules in topology.ts.
import { parseScenario } from '../src/scenario/load.js';
import { Topology, type TopologyLink } from '../src/scenario/topology.js';

// dc1: nginx1, app1, router r1, directors lvs1-2 (links 10 us); dc2: nginx2, app2, r2, lvs3-4 (50 us);
// Redis in dc1, replica1 in dc2; site link 2 ms; proxy 100 us, app -> Redis 100 us
const TWO_SITES = `nginx:
  instances: 2
  upstream:
    servers: [{ name: app1 }, { name: app2 }]
sites:
  - name: dc1
    nginx: [nginx1]
    servers: [app1]
    network:
      routers: [r1]
      links: [{ a: r1, b: lvs1, latency: 10us }, { a: r1, b: lvs2, latency: 10us }]
    lvs: { directors: 2 }
  - name: dc2
    nginx: [nginx2]
    servers: [app2]
    network:
      routers: [r2]
      links: [{ a: r2, b: lvs3 }, { a: r2, b: lvs4 }]
    lvs: { directors: 2 }
site_link: { latency: 2ms }
redis:
  site: dc1
  replicas: [{ name: replica1, site: dc2 }]
`;

const names = (xs: readonly { name: string }[]) => xs.map((x) => x.name);
const linkRows = (ls: readonly TopologyLink[]) => ls.map((l) => [l.kind, l.index, l.name, l.a.name, l.b.name, l.latency_us, l.rngStream]);

// Each topology is built in beforeEach, not in the describe body: code run outside a test counts
// for no test in a mutation run, which then never runs this file for the topology's mutants.
describe('two sites with fronts and a replica in the second', () => {
  let t: Topology;
  beforeEach(() => {
    t = Topology.of(parseScenario(TWO_SITES, 'x.yaml'));
  });

  test('nodes, by kind, with their indices', () => {
    expect(t.routed).toBe(true);
    expect(t.routers).toEqual([{ kind: 'router', index: 0, name: 'r1' }, { kind: 'router', index: 1, name: 'r2' }]);
    expect(t.directors.map((d) => [d.kind, d.index, d.name])).toEqual([['director', 0, 'lvs1'], ['director', 1, 'lvs2'], ['director', 2, 'lvs3'], ['director', 3, 'lvs4']]);
    expect(t.nginx.map((n) => [n.kind, n.index, n.name])).toEqual([['nginx', 0, 'nginx1'], ['nginx', 1, 'nginx2']]);
    expect(t.apps.map((n) => [n.kind, n.index, n.name])).toEqual([['app', 0, 'app1'], ['app', 1, 'app2']]);
    expect(t.redis).toEqual({ kind: 'redis', index: 0, name: 'redis' });
    expect(t.replicas).toEqual([{ kind: 'replica', index: 0, name: 'replica1' }]);
    expect(t.sites).toEqual([{ kind: 'site', index: 0, name: 'dc1' }, { kind: 'site', index: 1, name: 'dc2' }]);
    expect(names(t.stackNodes)).toEqual(['nginx1', 'nginx2', 'app1', 'app2', 'redis']);
    expect(names(t.processes)).toEqual(['app1', 'app2', 'redis']);
    expect(names(t.restartable)).toEqual(['app1', 'app2', 'redis', 'r1', 'r2', 'lvs1', 'lvs2', 'lvs3', 'lvs4', 'nginx1', 'nginx2']);
  });

  test('links: proxy [nginx x 2 + app], Redis over the site link from dc2, routed, site, replication', () => {
    expect(linkRows(t.proxyLinks)).toEqual([
      ['proxy', 0, 'nginx1-app1', 'nginx1', 'app1', 100, 'net:nginx1-app1'],
      ['proxy', 1, 'nginx1-app2', 'nginx1', 'app2', 100, 'net:nginx1-app2'],
      ['proxy', 2, 'nginx2-app1', 'nginx2', 'app1', 100, 'net:nginx2-app1'],
      ['proxy', 3, 'nginx2-app2', 'nginx2', 'app2', 100, 'net:nginx2-app2'],
    ]);
    // app2 is in dc2: 100 us + the 2 ms site link
    expect(linkRows(t.redisLinks)).toEqual([
      ['redis', 0, 'app1-redis', 'app1', 'redis', 100, 'net:app1-redis'],
      ['redis', 1, 'app2-redis', 'app2', 'redis', 2100, 'net:app2-redis'],
    ]);
    expect(linkRows(t.routedLinks)).toEqual([
      ['routed', 0, 'r1-lvs1', 'r1', 'lvs1', 10, 'net:r1-lvs1'],
      ['routed', 1, 'r1-lvs2', 'r1', 'lvs2', 10, 'net:r1-lvs2'],
      ['routed', 2, 'r2-lvs3', 'r2', 'lvs3', 50, 'net:r2-lvs3'],
      ['routed', 3, 'r2-lvs4', 'r2', 'lvs4', 50, 'net:r2-lvs4'],
    ]);
    expect(linkRows(t.siteLinks)).toEqual([['site', 0, 'dc1-dc2', 'dc1', 'dc2', 2000, 'net:dc1-dc2']]);
    // a replica in another site than Redis replicates over the site link
    expect(linkRows(t.replicationLinks)).toEqual([['replication', 0, 'redis-replica1', 'redis', 'replica1', 2000, 'net:redis-replica1']]);
  });

  test('sites of nodes, latencies between sites, upstreams', () => {
    expect([...t.siteOfStackNode]).toEqual([0, 1, 0, 1, 0]);
    expect([...t.siteOfReplica]).toEqual([1]);
    expect(t.stackNodes.map((n) => t.siteOf(n))).toEqual([0, 1, 0, 1, 0]);
    expect(t.siteOf(t.routers[1] ?? t.redis)).toBe(0); // not a stack node
    expect([t.siteLatency_us(0, 1), t.siteLatency_us(1, 0), t.siteLatency_us(1, 1), t.siteLatency_us(-1, 1), t.siteLatency_us(1, -1)]).toEqual([2000, 2000, 0, 0, 0]);
    expect(t.siteLink(0, 1).name).toBe('dc1-dc2');
    expect(t.siteLink(1, 0).name).toBe('dc1-dc2');
    expect(() => t.siteLink(1, 1)).toThrow('no site link between sites 1 and 1');
    expect(t.upstreamOf(0)).toEqual([0]);
    expect(t.upstreamOf(1)).toEqual([1]);
  });

  test('lookups by name: nodes, sites, links either way round except proxy and Redis links', () => {
    expect(t.node('r2')).toEqual({ kind: 'router', index: 1, name: 'r2' });
    expect(t.node('lvs3')?.kind).toBe('director');
    expect(t.node('replica1')?.kind).toBe('replica');
    expect(t.node('dc2')).toEqual({ kind: 'site', index: 1, name: 'dc2' });
    expect(t.node('nginx2')?.index).toBe(1);
    expect(t.node('nope')).toBeUndefined();
    expect(t.link('lvs2-r1')?.name).toBe('r1-lvs2');
    expect(t.link('dc2-dc1')?.name).toBe('dc1-dc2');
    expect(t.link('replica1-redis')?.name).toBe('redis-replica1');
    expect(t.link('nginx2-app1')?.index).toBe(2);
    expect(t.link('app1-nginx1')).toBeUndefined();
    expect(t.link('redis-app1')).toBeUndefined();
    expect(t.proxyLink(1, 0).name).toBe('nginx2-app1');
  });

  test('fault targets, per action', () => {
    const kill = ['app1', 'app2', 'redis', 'r1', 'r2', 'lvs1', 'lvs2', 'lvs3', 'lvs4', 'nginx1', 'nginx2', 'dc1', 'dc2', 'replica1'];
    expect(t.targets('kill')).toEqual(kill);
    expect(t.targets('recover')).toEqual(kill);
    expect(t.targets('slow')).toEqual(['app1', 'app2', 'redis']);
    expect(t.targets('restart')).toEqual(['redis']);
    expect(t.targets('partition')).toEqual(['nginx1', 'nginx2', 'app1', 'app2', 'redis']);
    // an nginx proxies only to its own site's servers
    expect(t.targets('drop')).toEqual(['nginx1-app1', 'nginx2-app2', 'app1-redis', 'app2-redis']);
    const down = ['r1-lvs1', 'lvs1-r1', 'r1-lvs2', 'lvs2-r1', 'r2-lvs3', 'lvs3-r2', 'r2-lvs4', 'lvs4-r2', 'dc1-dc2', 'dc2-dc1', 'redis-replica1', 'replica1-redis'];
    expect(t.targets('down')).toEqual(down);
    expect(t.targets('up')).toEqual(down);
    expect(t.targets('stop')).toEqual(['lvs1', 'lvs2', 'lvs3', 'lvs4']);
  });
});

describe('a Redis per site (tickets.split: per_site)', () => {
  let t: Topology;
  beforeEach(() => {
    t = Topology.of(
      parseScenario(
      `tickets: { split: per_site }
nginx:
  instances: 2
  upstream:
    servers: [{ name: app1 }, { name: app2 }]
sites:
  - { name: dc1, nginx: [nginx1], servers: [app1] }
  - { name: dc2, nginx: [nginx2], servers: [app2] }
`,
        'x.yaml',
      ),
    );
  });
  test('redis is in every site: no site link on the way to it, and it is not a target of its own', () => {
    expect(t.routed).toBe(false);
    expect([...t.siteOfStackNode]).toEqual([0, 1, 0, 1, -1]);
    expect(t.redisLinks.map((l) => l.latency_us)).toEqual([100, 100]);
    expect(names(t.processes)).toEqual(['app1', 'app2']);
    expect(t.targets('restart')).toEqual([]);
    expect(t.targets('kill')).toEqual(['app1', 'app2', 'dc1', 'dc2']);
    // the site link (default 5 ms) can still go down
    expect(t.targets('down')).toEqual(['dc1-dc2', 'dc2-dc1']);
    expect(t.siteLinks.map((l) => l.latency_us)).toEqual([5000]);
    expect([...t.siteOfReplica]).toEqual([]); // no replicas, no entries
  });
});

// Three sites, Redis in the second: one link per pair, in the order (dc1, dc2), (dc1, dc3), (dc2, dc3);
// a site link is found by its two sites either way round, not by one end alone.
describe('three sites', () => {
  let t: Topology;
  beforeEach(() => {
    t = Topology.of(
      parseScenario(
        `nginx:
  instances: 3
  upstream:
    servers: [{ name: app1 }, { name: app2 }, { name: app3 }]
sites:
  - { name: dc1, nginx: [nginx1], servers: [app1] }
  - { name: dc2, nginx: [nginx2], servers: [app2] }
  - { name: dc3, nginx: [nginx3], servers: [app3] }
site_link: { latency: 3ms }
redis: { site: dc2 }
`,
        'x.yaml',
      ),
    );
  });
  test('a link per pair of sites, each found from either end', () => {
    expect(linkRows(t.siteLinks)).toEqual([
      ['site', 0, 'dc1-dc2', 'dc1', 'dc2', 3000, 'net:dc1-dc2'],
      ['site', 1, 'dc1-dc3', 'dc1', 'dc3', 3000, 'net:dc1-dc3'],
      ['site', 2, 'dc2-dc3', 'dc2', 'dc3', 3000, 'net:dc2-dc3'],
    ]);
    expect([t.siteLink(0, 2).name, t.siteLink(2, 0).name, t.siteLink(1, 2).name, t.siteLink(2, 1).name, t.siteLink(1, 0).name]).toEqual(['dc1-dc3', 'dc1-dc3', 'dc2-dc3', 'dc2-dc3', 'dc1-dc2']);
    // Redis in dc2 (the second site, not the first): app1 and app3 reach it over their site links
    expect([...t.siteOfStackNode]).toEqual([0, 1, 2, 0, 1, 2, 1]);
    expect(t.redisLinks.map((l) => l.latency_us)).toEqual([3100, 100, 3100]);
  });
});

test('servers without a name are app1, app2, ... in the order listed', () => {
  const t = Topology.of(parseScenario('nginx:\n  upstream:\n    servers: [{ weight: 2 }, { weight: 1 }]\n', 'x.yaml'));
  expect(names(t.apps)).toEqual(['app1', 'app2']);
});

describe('one site, no front', () => {
  let t: Topology;
  beforeEach(() => {
    t = Topology.of(parseScenario('nginx:\n  instances: 2\n  upstream:\n    servers: [{ name: a }, { name: b }, { name: c }]\nredis:\n  replicas: [{ name: rep, link_latency: 3ms }]\n', 'x.yaml'));
  });
  test('every node in site 0, every app in every upstream; a replica without a site is -1', () => {
    expect(t.routed).toBe(false);
    expect([...t.siteOfStackNode]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([...t.siteOfReplica]).toEqual([-1]);
    expect(t.upstreamOf(1)).toEqual([0, 1, 2]);
    expect(t.sites).toEqual([]);
    expect(t.siteLinks).toEqual([]);
    expect(t.replicationLinks.map((l) => [l.name, l.latency_us])).toEqual([['redis-rep', 3000]]);
    expect(t.targets('kill')).toEqual(['a', 'b', 'c', 'redis', 'rep']);
    expect(t.targets('stop')).toEqual([]);
    expect(t.proxyLink(1, 2).index).toBe(5);
  });
  test('a routed link to an unknown node is refused by name', () => {
    expect(
      () => new Topology({ appNames: [], nginxInstances: 0, proxyLatency_us: 0, redisLatency_us: 0, routed: { routers: ['r'], directors: [], links: [{ a: 'r', b: 'x', latency_us: 0 }] } }),
    ).toThrow('link end x is not a node of this topology');
  });
});
