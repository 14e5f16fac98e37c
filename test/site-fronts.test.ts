// Each site's own front (routers, LVS directors) behind the GSLB, worked by hand: a user resolved to
// a site crosses only that site's routers and directors; a director crash is a VRRP failover inside
// its site at keepalived's time while the other site sees nothing of it; a site kill takes its
// routers, directors and nginx down and a recovery boots them; faults reach front nodes by name;
// and front node names must be unique across sites.
import { RngStreams } from '../src/engine/rng.js';
import { backupTakeoverAt_us, masterDown_us, vrrpSkew_us } from '../src/model/front/keepalived.js';
import { runScenario } from '../src/model/stack.js';
import type { SiteSummary, Summary } from '../src/metrics/summary.js';
import { parseScenario, ScenarioError } from '../src/scenario/load.js';
import { indexHtml } from '../src/report/html.js';
import { sim } from './support/sim-cli.js';

// As in sites.test.ts: ten users every 100 ms from 0 (uniform); dc1 is a standby (weight 0), so
// every answer names dc2 while the GSLB hands it out, with no draw. TTL 0: every try asks again.
// Each try times out after 150 ms and is retried at once, five times at most. The GSLB checks every
// 130 ms (130, 260, 390, 520, ...). dc1: border1 -> edge1 -> lvs1 (one active director, rr over
// nginx1, nginx2); dc2: border2 -> edge2, a VRRP pair lvs2 (priority 150: master) + lvs3 (rr over
// nginx3, nginx4). Single paths: no hash decides anything.
const tiny = (faults: string, dc2Links = '[ { a: border2, b: edge2 }, { a: edge2, b: lvs2 }, { a: edge2, b: lvs3 } ]') => `
name: tiny-fronts
tickets: { inventory: 100, script: fixed }
users:
  load: { open: { users: 10, rate: 10/s, shape: uniform } }
  timeout: 150ms
  retries: 5
  retry_backoff: 0s
nginx:
  instances: 4
  upstream: { servers: [ { name: app1 }, { name: app2 } ] }
app: { local_check: exact }
sites:
  - name: dc1
    weight: 0
    nginx: [nginx1, nginx2]
    servers: [app1]
    network:
      routers: [border1, edge1]
      links: [ { a: border1, b: edge1 }, { a: edge1, b: lvs1 } ]
    lvs: { directors: 1, mode: active_active, scheduler: rr, health_check: false }
  - name: dc2
    weight: 1
    nginx: [nginx3, nginx4]
    servers: [app2]
    network:
      routers: [border2, edge2]
      links: ${dc2Links}
      ospf: { hello_interval: 100ms, dead_interval: 400ms }
    lvs: { directors: 2, scheduler: rr, health_check: false }
gslb: { ttl: 0s, interval: 130ms, fall: 3, rise: 2 }
faults:
${faults}
`;

const run = (yaml: string): Summary => runScenario(parseScenario(yaml, 'tiny.yaml')).report.summary;
const site = (s: Summary, name: string): SiteSummary => {
  const x = s.tiers.site?.[name];
  if (x === undefined) throw new Error(`no site ${name}`);
  return x;
};
const requestsOf = (o: Record<string, { requests: number }> | undefined) => Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, v.requests]));

describe("a user resolved to a site crosses only that site's routers and directors", () => {
  test('no fault: all ten users to dc2: border2, edge2 and the master lvs2 each see 10, nginx3/nginx4 5/5; dc1 sees none', () => {
    const s = run(tiny('  []'));
    expect(requestsOf(site(s, 'dc2').router)).toEqual({ border2: 10, edge2: 10 });
    expect(requestsOf(site(s, 'dc2').lvs)).toEqual({ lvs2: 10, lvs3: 0 });
    expect(site(s, 'dc2').lvs?.lvs2.per_nginx).toEqual({ nginx3: 5, nginx4: 5 });
    expect(requestsOf(site(s, 'dc1').router)).toEqual({ border1: 0, edge1: 0 });
    expect(requestsOf(site(s, 'dc1').lvs)).toEqual({ lvs1: 0 });
    // tiers.router and tiers.lvs list every site's nodes
    expect(requestsOf(s.tiers.router)).toEqual({ border1: 0, edge1: 0, border2: 10, edge2: 10 });
    expect(requestsOf(s.tiers.nginx)).toEqual({ nginx1: 0, nginx2: 0, nginx3: 5, nginx4: 5 });
    expect(s.users.succeeded).toBe(10);
  });

  test('dc2 dark at 250 ms: its front took users 0-2 (3 each); the 7 tries after the GSLB drops it (520 ms) cross dc1 only', () => {
    // dc2 gets users 0-2 (served) and the tries of users 3-5 before 520 ms: 300, 450 | 400 | 500 (lost
    // at the site: they never reach its routers). dc1 gets user 3 at 600, 4 at 550, 5 at 650 and
    // users 6-9: 7 requests; rr on lvs1 over [nginx2, nginx1] (keepalived adds each real server at
    // the head of the list) alternates from nginx2: 4 and 3.
    const s = run(tiny('  - { at: 250ms, kill: dc2 }'));
    expect(site(s, 'dc2').requests).toBe(7);
    expect(site(s, 'dc2').lost).toBe(4);
    expect(requestsOf(site(s, 'dc2').router)).toEqual({ border2: 3, edge2: 3 });
    expect(requestsOf(site(s, 'dc2').lvs)).toEqual({ lvs2: 3, lvs3: 0 });
    expect(site(s, 'dc1').requests).toBe(7);
    expect(requestsOf(site(s, 'dc1').router)).toEqual({ border1: 7, edge1: 7 });
    expect(site(s, 'dc1').lvs?.lvs1.per_nginx).toEqual({ nginx1: 3, nginx2: 4 });
    expect(s.network?.lost).toBe(0); // nothing is lost inside a front: the dark site drops them first
    expect(s.users.succeeded).toBe(10);
  });
});

describe('a site kill takes its front down; a recovery boots it', () => {
  test('dark at 250 ms: dc2 routers, directors and nginx instances down at the end; dc1 untouched', () => {
    const s = run(tiny('  - { at: 250ms, kill: dc2 }'));
    const dc2 = site(s, 'dc2');
    expect(Object.values(dc2.router ?? {}).map((r) => r.alive_at_end)).toEqual([false, false]);
    expect(Object.values(dc2.lvs ?? {}).map((d) => d.state_at_end)).toEqual(['DOWN', 'DOWN']);
    expect(s.tiers.nginx.nginx3.alive_at_end).toBe(false);
    expect(s.tiers.nginx.nginx4.alive_at_end).toBe(false);
    // lvs2 held its pair's VIP until the site went dark
    expect(dc2.front?.lvs.vip_holders).toEqual([{ pair: 1, director: 'lvs2', from_ms: 0, to_ms: 250 }]);
    const dc1 = site(s, 'dc1');
    expect(Object.values(dc1.router ?? {}).map((r) => r.alive_at_end)).toEqual([true, true]);
    expect(dc1.lvs?.lvs1.state_at_end).toBe('ACTIVE');
    expect(s.tiers.nginx.nginx1.alive_at_end).toBe(true);
  });

  test('dark 250-750 ms: the routers boot with empty tables and reconverge with the hellos; keepalived starts again', () => {
    // at 750 ms border2 and edge2 boot and say hello at once: the adjacency is Full at once, each
    // originates its LSA (MinLSInterval counts from the boot), SPF runs with no delay: back to the
    // routes they had. lvs2 (state MASTER by priority) waits advert_int + VRRP_TIMER_SKEW_MIN,
    // lvs3 master-down: lvs2 takes the VIP back at 750 + 1000 + 3.906 ms.
    const s = run(tiny('  - { at: 250ms, kill: dc2, for: 500ms }'));
    const dc2 = site(s, 'dc2');
    expect(Object.values(dc2.router ?? {}).map((r) => [r.alive_at_end, r.vip_route])).toEqual([
      [true, 'vip via edge2'],
      [true, 'vip connected'],
    ]);
    expect(dc2.lvs?.lvs2.state_at_end).toBe('MASTER');
    expect(dc2.lvs?.lvs3.state_at_end).toBe('BACKUP');
    expect(dc2.front?.lvs.vip_holders.map((v) => [v.director, v.from_ms])).toEqual([
      ['lvs2', 0],
      ['lvs2', 1753.906],
    ]);
    expect(dc2.alive_at_end).toBe(true);
    expect(s.tiers.nginx.nginx3.alive_at_end).toBe(true);
  });
});

describe("the page lists each site's front", () => {
  test('dc2 dark at 250 ms: its row shows its routers and directors down, with the requests they carried', () => {
    const report = runScenario(parseScenario(tiny('  - { at: 250ms, kill: dc2 }'), 'tiny.yaml')).report;
    const text = indexHtml(report, []).replace(/<[^>]+>/g, '|').replace(/\|+/g, '|');
    expect(text).toContain('|site|routers (requests)|directors (requests)|lost in front|at a VIP failover|held the VIP|');
    expect(text).toContain('|dc1|border1 7, edge1 7|lvs1 7|0|0|lvs1|');
    expect(text).toContain('|dc2|border2 3 (down), edge2 3 (down)|lvs2 3 (down), lvs3 0 (down)|0|0|lvs2|');
  });
});

describe('faults reach front nodes by name, and stay in their site', () => {
  test("dc2's border2-edge2 link down (carrier) at 250 ms: border2 has no route at once; the GSLB's probes of dc2's VIP fail", () => {
    // carrier: both ends see it at once, border2's SPF (no delay) leaves it without a VIP route. The
    // GSLB's probes of dc2's VIP fail from the check at 260 ms: dc2 is dropped at 520 ms (fall 3),
    // as if it were dark. Users 3-5's tries before then (300, 450 | 400 | 500 ms) die at border2;
    // their next tries, and users 6-9, go to dc1: 7 requests, all served.
    const links = '[ { a: border2, b: edge2, carrier: true }, { a: edge2, b: lvs2 }, { a: edge2, b: lvs3 } ]';
    const s = run(tiny('  - { at: 250ms, down: border2-edge2 }', links));
    const dc2 = site(s, 'dc2');
    expect(dc2.router?.border2.vip_route).toBe('vip unreachable');
    expect(dc2.router?.border2.no_route).toBe(4);
    expect(dc2.front?.network.lost).toBe(4);
    expect(dc2.last_removed_ms).toBe(520);
    expect(dc2.alive_at_end).toBe(true);
    expect(requestsOf(dc2.lvs)).toEqual({ lvs2: 3, lvs3: 0 });
    expect(requestsOf(site(s, 'dc1').router)).toEqual({ border1: 7, edge1: 7 });
    expect(site(s, 'dc1').front?.network.lost).toBe(0);
    expect(s.network?.lost).toBe(4);
    expect(s.users).toMatchObject({ succeeded: 10, failed: 0 });
  });

  test('the GSLB probe counts nothing: without faults every front counter is as without sites checks', () => {
    // border2 forwards exactly the ten users' packets, though the GSLB probed dc2's VIP every 130 ms
    const s = run(tiny('  []'));
    expect(site(s, 'dc2').router?.border2.requests).toBe(10);
    expect(site(s, 'dc2').checks).toBeGreaterThan(3);
  });
});

describe("a director crash is a VRRP failover inside its site, at keepalived's time", () => {
  // Two sites half and half, each border -> edge -> a VRRP pair (lvs1 + lvs2 in dc1, lvs3 + lvs4 in
  // dc2), 14,000 users at 2k/s (7 s). lvs1 (dc1's master) crashes at 1500.05 ms, after its first
  // advert (its phase is under advert_int). The GSLB's probes of dc1's VIP fail from 2 s until
  // lvs2 takes over (4.1-5.1 s): at most four checks in a row, under fall 5, so dc1 stays in DNS.
  const pairs = (faults: string, weights = [1, 1]) => `
name: two-pairs
seed: 3
tickets: { inventory: 100000, script: fixed }
users:
  load: { open: { users: 14000, rate: 2k/s, shape: uniform } }
  timeout: 500ms
nginx:
  instances: 2
  upstream: { servers: [ { name: app1 }, { name: app2 } ] }
app: { local_check: exact, concurrency: 16, service_time: { const: 20us } }
redis: { service_time: { const: 10us } }
sites:
  - name: dc1
    weight: ${weights[0]}
    nginx: [nginx1]
    servers: [app1]
    network: { routers: [border1, edge1], links: [ { a: border1, b: edge1 }, { a: edge1, b: lvs1 }, { a: edge1, b: lvs2 } ] }
    lvs: { directors: 2, scheduler: rr, health_check: false }
  - name: dc2
    weight: ${weights[1]}
    nginx: [nginx2]
    servers: [app2]
    network: { routers: [border2, edge2], links: [ { a: border2, b: edge2 }, { a: edge2, b: lvs3 }, { a: edge2, b: lvs4 } ] }
    lvs: { directors: 2, scheduler: rr, health_check: false }
site_link: { latency: 100us }
gslb: { ttl: 30s, interval: 1s, fall: 5 }
faults:
${faults}
`;
  const crash_us = 1_500_050;
  // lvs1's adverts run from its phase (the stream vrrp:lvs1); lvs2 (priority 100) takes over
  // master-down (3 x 1 s + Skew_Time 609.375 ms) after the last advert lvs1 sent before the crash
  const phase_us = Math.floor(new RngStreams(3).stream('vrrp:lvs1').random() * 1_000_000);
  const takeover_us = backupTakeoverAt_us({
    firstAdvert_us: phase_us,
    advertInt_us: 1_000_000,
    stop_us: crash_us,
    masterDown_us: masterDown_us(100, 1_000_000, 2),
    skew_us: vrrpSkew_us(100, 1_000_000, 2),
    clean: false,
  });

  test('lvs2 holds dc1\'s VIP from the last advert + 3.609375 s; dc2\'s front counts exactly what it counts without the crash', () => {
    const s = run(pairs(`  - { at: ${crash_us}us, kill: lvs1 }`));
    const base = run(pairs('  []'));
    expect(site(s, 'dc1').front?.lvs.vip_holders.map((v) => [v.director, v.from_ms])).toEqual([
      ['lvs1', 0],
      ['lvs2', takeover_us / 1000],
    ]);
    expect(site(s, 'dc1').lvs?.lvs1.state_at_end).toBe('DOWN');
    expect(site(s, 'dc1').lvs?.lvs2.state_at_end).toBe('MASTER');
    const dc2 = site(s, 'dc2');
    expect(dc2.front?.lvs.vip_holders.map((v) => [v.director, v.from_ms])).toEqual([['lvs3', 0]]);
    expect(requestsOf(dc2.router)).toEqual(requestsOf(site(base, 'dc2').router));
    expect(requestsOf(dc2.lvs)).toEqual(requestsOf(site(base, 'dc2').lvs));
    expect(dc2.front?.network.lost).toBe(0);
    expect(dc2.front?.network.timeline).toEqual([]);
    expect(site(s, 'dc1').front?.network.lost).toBe(s.requests.timeouts); // every loss is dc1's failover
  });

  test('all users on dc1: the requests lost are exactly those reaching lvs1 in [crash, takeover)', () => {
    // user i sends at 500 i us and reaches the director 1 ms (users -> border1) + 50 + 50 us later.
    // Its path, and so the director the edge delivers the VIP to, is decided as it is sent (the
    // model's simplification): lost if sent before the takeover and arriving after the crash.
    const s = run(pairs(`  - { at: ${crash_us}us, kill: lvs1 }`, [1, 0]));
    let lost = 0;
    for (let i = 0; i < 14_000; i++) {
      const sent = 500 * i;
      if (sent + 1100 >= crash_us && sent < takeover_us) lost++;
    }
    expect(lost).toBeGreaterThan(5_200); // the window is 2.6-3.6 s at 2k/s
    expect(lost).toBeLessThan(7_200);
    expect(site(s, 'dc1').lvs?.lvs1.lost_on_failover).toBe(lost);
    expect(s.requests.timeouts).toBe(lost);
    expect(site(s, 'dc1').lvs?.lvs1.requests).toBe(2_998); // users 0..2997 reached lvs1 before the crash
    expect(site(s, 'dc1').lvs?.lvs2.requests).toBe(14_000 - 2_998 - lost);
  });
});

describe('front node names are unique across sites', () => {
  const twoEdges = (dc2Router: string, dc2Link: string) => `
nginx: { instances: 2, upstream: { servers: [ { name: app1 }, { name: app2 } ] } }
sites:
  - name: dc1
    nginx: [nginx1]
    servers: [app1]
    network: { routers: [edge], links: [ { a: edge, b: lvs1 }, { a: edge, b: lvs2 } ] }
    lvs: {}
  - name: dc2
    nginx: [nginx2]
    servers: [app2]
    network: { routers: [${dc2Router}], links: [ { a: ${dc2Router}, b: ${dc2Link} } ] }
    lvs: { directors: 1, mode: active_active }
`;
  const errorOf = (yaml: string): string => {
    try {
      parseScenario(yaml, 'clash.yaml');
    } catch (e) {
      if (e instanceof ScenarioError) return e.message;
      throw e;
    }
    return 'no error';
  };

  test('a router named like one of another site is refused at its line', () => {
    expect(errorOf(twoEdges('edge', 'lvs3'))).toBe('clash.yaml:12: sites[1].network.routers[0]: "edge" is already a node of site dc1: node names must be unique across sites');
  });

  test("a router named like another site's director is refused", () => {
    expect(errorOf(twoEdges('lvs1', 'lvs3'))).toBe('clash.yaml:12: sites[1].network.routers[0]: "lvs1" is already a node of site dc1: node names must be unique across sites');
  });

  test("a link to another site's director is refused: dc2's directors are lvs3 on", () => {
    expect(errorOf(twoEdges('edge2', 'lvs1'))).toBe('clash.yaml:12: sites[1].network.links[0].b: unknown node "lvs1" (a router of network.routers or a director lvs3..3)');
  });

  test("a site named like a director is refused (a fault's target names one node)", () => {
    expect(errorOf(twoEdges('edge2', 'lvs3').replace('name: dc2', 'name: lvs1'))).toBe('clash.yaml:9: sites[1].name: "lvs1" is already a director of site dc1: sites and nodes share one name space');
  });

  test('a front in one site only is refused, and so are lvs: and network.routers at the top', () => {
    const one = twoEdges('edge2', 'lvs3').replace(/ {4}network: \{ routers: \[edge2\].*\n {4}lvs: .*\n/, '');
    expect(errorOf(one)).toBe('clash.yaml:9: sites[1]: has no front while site dc1 has one: either every site declares its routers and lvs, or none does');
    expect(errorOf(`${twoEdges('edge2', 'lvs3')}lvs: {}\n`)).toMatch(/^clash\.yaml:\d+: lvs: with sites, each site has its own directors/);
    expect(errorOf(`${twoEdges('edge2', 'lvs3')}network: { routers: [r9] }\n`)).toMatch(/^clash\.yaml:\d+: network\.routers: with sites, each site has its own routers/);
  });
});

describe('sim explain spf on a scenario with sites: each site its own OSPF domain', () => {
  test("dual-dc: border2 reaches the VIP through edge3 and edge4 only; border1 knows none of dc2's nodes", () => {
    const r = sim('explain', 'spf', '--topology', 'scenarios/dual-dc.yaml', '--json');
    expect(r.code).toBe(0);
    const routes = (JSON.parse(r.out) as { routes: Record<string, Record<string, { cost: number; nextHops: string[] }>> }).routes;
    expect(routes.border2.vip).toEqual({ cost: 20, nextHops: ['edge3', 'edge4'] });
    expect(Object.keys(routes.border1)).toEqual(['edge1', 'edge2', 'lvs1', 'lvs2', 'vip']);
  });
});
