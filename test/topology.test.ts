// The topology: node and link identity, and which targets each fault action accepts. The
// expectations are written out by hand from the scenarios' node lists.
import { parseScenario } from '../src/scenario/load.js';
import { Topology } from '../src/scenario/topology.js';

const FILE = 'scenarios/x.yaml';

const PLAIN = 'redis:\n  latency: 40us\nnginx:\n  instances: 2\n  proxy_latency: 70us\n  upstream:\n    servers: [{ name: a }, { name: b, weight: 2 }]\n';
const ROUTED =
  'network:\n  routers: [r1, r2]\n  ingress: r1\n  links:\n' +
  '    - { a: r1, b: r2, cost: 10 }\n    - { a: r2, b: lvs1, cost: 10 }\n    - { a: r2, b: lvs2, cost: 10 }\n' +
  'lvs: { directors: 2 }\nnginx:\n  instances: 2\n  upstream:\n    servers: [{ name: a }, { name: b }]\n';

describe('Topology', () => {
  test('without a routed network: processes, the stack links, and no network nodes', () => {
    const t = Topology.of(parseScenario(PLAIN, FILE));
    expect(t.routed).toBe(false);
    expect(t.targets('kill')).toEqual(['a', 'b', 'redis']);
    expect(t.targets('recover')).toEqual(['a', 'b', 'redis']);
    expect(t.targets('slow')).toEqual(['a', 'b', 'redis']);
    expect(t.targets('restart')).toEqual(['redis']);
    expect(t.targets('partition')).toEqual(['nginx1', 'nginx2', 'a', 'b', 'redis']);
    expect(t.targets('drop')).toEqual(['nginx1-a', 'nginx1-b', 'nginx2-a', 'nginx2-b', 'a-redis', 'b-redis']);
    expect(t.targets('down')).toEqual([]);
    expect(t.targets('stop')).toEqual([]);
  });

  test('with routers and directors: they, and nginx, take kill and recover; routed links either way round', () => {
    const t = Topology.of(parseScenario(ROUTED, FILE));
    expect(t.routed).toBe(true);
    expect(t.targets('kill')).toEqual(['a', 'b', 'redis', 'r1', 'r2', 'lvs1', 'lvs2', 'nginx1', 'nginx2']);
    expect(t.targets('slow')).toEqual(['a', 'b', 'redis']);
    expect(t.targets('stop')).toEqual(['lvs1', 'lvs2']);
    expect(t.targets('up')).toEqual(['r1-r2', 'r2-r1', 'r2-lvs1', 'lvs1-r2', 'r2-lvs2', 'lvs2-r2']);
    expect(t.link('lvs2-r2')).toBe(t.link('r2-lvs2'));
    expect(t.link('lvs2-r2')).toMatchObject({ kind: 'routed', index: 2, name: 'r2-lvs2' });
  });

  test('nodes and links by name, with their kind and index', () => {
    const t = Topology.of(parseScenario(PLAIN, FILE));
    expect(t.node('b')).toEqual({ kind: 'app', index: 1, name: 'b' });
    expect(t.node('nginx2')).toEqual({ kind: 'nginx', index: 1, name: 'nginx2' });
    expect(t.node('redis')).toEqual({ kind: 'redis', index: 0, name: 'redis' });
    expect(t.node('app1')).toBeUndefined();
    expect(t.link('nginx2-a')).toMatchObject({ kind: 'proxy', index: 2, rngStream: 'net:nginx2-a', latency_us: 70 });
    expect(t.link('a-redis')).toMatchObject({ latency_us: 40 });
    expect(t.proxyLink(1, 0)).toBe(t.link('nginx2-a'));
    expect(t.link('b-redis')).toMatchObject({ kind: 'redis', index: 1 });
    expect(t.link('redis-b')).toBeUndefined(); // only routed links are named either way round
  });

  test('the loader refuses a target the topology does not accept for the action', () => {
    expect(() => parseScenario(`${PLAIN}faults:\n  - { at: 1s, slow: nginx1 }\n`, FILE)).toThrow(
      'scenarios/x.yaml:9: faults[0].slow: unknown node "nginx1" (allowed: a, b, redis)',
    );
    expect(() => parseScenario(`${ROUTED}faults:\n  - { at: 1s, drop: r1-r2 }\n`, FILE)).toThrow(/faults\[0\]\.drop: unknown node "r1-r2"/);
  });
});
