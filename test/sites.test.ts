// Sites behind a GSLB, worked by hand: who reaches a dark site and until when (the DNS TTL), when
// the GSLB stops and resumes handing a site out (interval x fall/rise after the first check that
// sees the change), a site killed and recovered as a whole, the site link down, and the errors
// a wrong `sites:` block gives.
import fc from 'fast-check';
import { runScenario } from '../src/model/stack.js';
import { parseScenario, ScenarioError } from '../src/scenario/load.js';
import type { Summary } from '../src/metrics/summary.js';
import { Topology } from '../src/scenario/topology.js';
import { Connectivity } from '../src/model/shared/connectivity.js';
import { Engine } from '../src/engine/engine.js';
import { RngStreams } from '../src/engine/rng.js';

// dc1 is a standby (weight 0): every answer names dc2 while the GSLB hands it out, so the DNS is
// worked out without any draw. Ten users arrive every 100 ms from 0 (uniform), each may retry five
// times, at once after a 150 ms timeout. Checks every 130 ms (130, 260, 390, 520, ...): no tie
// with an arrival or a retry.
const tiny = (o: { ttl: string; faults: string; retries?: number; extra?: string }) => `
name: tiny
tickets: { inventory: 100, script: fixed }
users:
  load: { open: { users: 10, rate: 10/s, shape: uniform } }
  timeout: 150ms
  retries: ${o.retries ?? 5}
  retry_backoff: 0s
nginx:
  instances: 2
  upstream: { servers: [ { name: app1 }, { name: app2 } ] }
app: { local_check: exact }
sites:
  - { name: dc1, weight: 0, nginx: [nginx1], servers: [app1] }
  - { name: dc2, weight: 1, nginx: [nginx2], servers: [app2] }
gslb: { ttl: ${o.ttl}, interval: 130ms, fall: 3, rise: 2 }
faults:
${o.faults}
${o.extra ?? ''}`;

const run = (yaml: string): Summary => runScenario(parseScenario(yaml, 'tiny.yaml')).report.summary;
const site = (s: Summary, name: string) => {
  const x = s.tiers.site?.[name];
  if (x === undefined) throw new Error(`no site ${name}`);
  return x;
};

describe('DNS TTL: users with a cached answer keep reaching the dark site', () => {
  // dc2 goes dark at 250 ms. Checks at 260, 390, 520 fail: removed at 520 ms. Users 0-2 (0, 100,
  // 200 ms) are served by dc2. Users 3, 4, 5 (300, 400, 500 ms) are still told dc2 and lose every
  // request sent before their TTL runs out; users 6-9 (600..900 ms) are told dc1.
  const kill = '  - { at: 250ms, kill: dc2 }';

  test('TTL 1 s: users 3-5 send all six tries to dc2 (last at 1050, 1150, 1250 ms < 1300, 1400, 1500) and fail', () => {
    const s = run(tiny({ ttl: '1s', faults: kill }));
    expect(site(s, 'dc2').last_removed_ms).toBe(520);
    expect(site(s, 'dc2').requests).toBe(3 + 3 * 6);
    expect(site(s, 'dc2').lost).toBe(18);
    expect(site(s, 'dc2').users_failed_dark).toBe(3);
    expect(s.gslb?.users_failed_dark).toBe(3);
    expect(site(s, 'dc1').answers).toBe(4);
    expect(site(s, 'dc1').requests).toBe(4);
    expect(s.users).toMatchObject({ total: 10, succeeded: 7, failed: 3, failed_timeout: 3 });
    expect(s.requests.total).toBe(3 + 18 + 4);
  });

  test('TTL 400 ms: each of users 3-5 loses three tries, then re-resolves to dc1 at its fourth (750, 850, 950 ms) and is served', () => {
    const s = run(tiny({ ttl: '400ms', faults: kill }));
    expect(site(s, 'dc2').lost).toBe(9);
    expect(site(s, 'dc2').users_failed_dark).toBe(0);
    expect(site(s, 'dc2').users_moved_away).toBe(3);
    expect(site(s, 'dc1').answers).toBe(4 + 3);
    expect(site(s, 'dc1').requests).toBe(7);
    expect(s.users).toMatchObject({ succeeded: 10, failed: 0, retried: 3 });
  });

  test('TTL 0: every try asks again, so only the tries before the removal at 520 ms are lost', () => {
    // user 3: 300, 450 lost, 600 -> dc1; user 4: 400 lost, 550 -> dc1; user 5: 500 lost, 650 -> dc1
    const s = run(tiny({ ttl: '0s', faults: kill }));
    expect(site(s, 'dc2').lost).toBe(4);
    expect(s.users.succeeded).toBe(10);
  });
});

describe('GSLB health checks', () => {
  test('removal at the first failing check plus (fall - 1) x interval; back at the first good one plus (rise - 1) x interval', () => {
    // dark from 250 to 700 ms: fails at 260, 390, 520 (removed); good at 780, 910 (restored at 910)
    const s = run(tiny({ ttl: '0s', faults: '  - { at: 250ms, kill: dc2, for: 450ms }' }));
    const events = (s.gslb?.timeline ?? []).map((e) => `${e.at_ms} ${e.site} ${e.event}`);
    expect(events).toEqual(['250 dc2 down', '520 dc2 removed', '700 dc2 up', '910 dc2 restored']);
    expect(site(s, 'dc2').dark_ms).toBe(450);
    // users 3 (300, 450), 4 (400), 5 (500) lost; 600 (user 3 again), 650, 700 ... go to dc1 until 910
    expect(site(s, 'dc2').lost).toBe(4);
    expect(site(s, 'dc2').checks_failed).toBe(4); // 260, 390, 520, 650
  });

  test('a site whose app servers are all dead fails its checks too, though the site itself is up', () => {
    const s = run(tiny({ ttl: '0s', faults: '  - { at: 250ms, kill: app2 }' }));
    expect(site(s, 'dc2').last_removed_ms).toBe(520);
    expect(site(s, 'dc2').lost).toBe(0); // nginx answers 502 at once: an error, not silence
    expect(site(s, 'dc2').alive_at_end).toBe(true);
  });
});

describe('a site killed and recovered as a whole', () => {
  test('its app servers die and come back; Redis dies with its site', () => {
    const faults = '  - { at: 250ms, kill: dc1 }\n  - { at: 600ms, recover: dc1 }';
    const s = run(tiny({ ttl: '0s', faults, extra: 'redis: { site: dc1 }' }));
    const kill = s.faults.find((f) => f.action === 'kill');
    expect(kill?.detail).toMatch(/^dark: app1 .*; redis /);
    expect(s.faults.find((f) => f.action === 'recover')?.detail).toMatch(/^back: app1 restarted .*; redis /);
    expect(site(s, 'dc1').dark_ms).toBe(350);
    // dc2's users lose Redis with dc1: their sales fail while it is gone (users 3..5 at 300-500 ms)
    expect(s.tiers.redis).toBeDefined();
    expect(site(s, 'dc2').app.redis_ok).toBe(10 - 3);
  });
});

describe('the site link', () => {
  test('down: an app in the other site waits for TCP to retransmit across it once it is back', () => {
    // one user at 0 ms, to dc2; Redis in dc1; the link is down from 0 to 500 ms. The app sends the
    // script call at 1.4 ms (1 ms to nginx, 0.1 ms to the app, 0.3 ms service); TCP retransmits at
    // 201.4 (still down) and 601.4 ms (RTO 200 then 400 ms); it arrives 5.1 ms later (100 us + the
    // 5 ms link), Redis takes 50 us, the reply 5.1 ms, then 0.1 ms to nginx and 1 ms to the user.
    const yaml = tiny({ ttl: '1s', faults: '  - { at: 0s, down: dc1-dc2, for: 500ms }', retries: 0 })
      .replace('users: 10, rate: 10/s', 'users: 1, rate: 10/s')
      .replace('timeout: 150ms', 'timeout: 5s');
    const s = run(yaml);
    expect(s.users.succeeded).toBe(1);
    expect(s.latency_ms.max).toBe(612.75); // 601.4 + 5.1 + 0.05 + 5.1 + 0.1 + 1
    expect(s.faults.map((f) => f.detail)).toEqual(['dc1 and dc2 cut off from each other', 'dc1 and dc2 reachable again']);
  });

  test('the link adds its latency to Redis calls from the other site only', () => {
    const yaml = tiny({ ttl: '1s', faults: '  []', retries: 0 }).replace('faults:\n  []', 'faults: []');
    const s = run(yaml.replace('gslb:', 'site_link: { latency: 20ms }\ngslb:'));
    // every user goes to dc2: 1 + 0.1 + 0.3 + (0.1 + 20) + 0.05 + (0.1 + 20) + 0.1 + 1 ms
    expect(s.latency_ms.max).toBe(42.75);
  });
});

describe('schema errors: one line naming the key', () => {
  const good = tiny({ ttl: '1s', faults: '  []' }).replace('faults:\n  []', 'faults: []');
  const errorOf = (text: string): string => {
    try {
      parseScenario(text, 'x.yaml');
    } catch (e) {
      if (e instanceof ScenarioError) return e.message;
      throw e;
    }
    throw new Error('loaded');
  };
  test.each([
    ['a node in two sites', good.replace('servers: [app2] }', 'servers: [app2, app1] }'), /^x\.yaml:\d+: sites\[1\]\.servers\[1\]: "app1" is already in site dc1: node names must be unique across sites$/],
    ['one site', good.replace(/ {2}- \{ name: dc2.*\n/, ''), /sites: must list at least two sites \(got 1\)$/],
    ['an unknown server', good.replace('servers: [app2]', 'servers: [app9]'), /sites\[1\]\.servers\[0\]: unknown app server "app9" \(known: app1, app2\)$/],
    ['an nginx in no site', good.replace('nginx: [nginx2], ', 'nginx: [], '), /sites\[1\]\.nginx: must list at least one nginx instance/],
    ['a duplicate site', good.replace('name: dc2', 'name: dc1'), /sites\[1\]\.name: duplicate site name "dc1" \(also sites\[0\]\)$/],
    ['a site named like a node', good.replace('name: dc2', 'name: app1'), /"app1" is already a node name/],
    ['gslb without sites', good.replace(/sites:\n(  - .*\n)+/, ''), /gslb: needs sites:/],
    ['redis in no site', `${good}redis: { site: dc9 }\n`, /redis\.site: unknown site "dc9" \(sites: dc1, dc2\)$/],
    ['killing an unknown site', good.replace('faults: []', 'faults:\n  - { at: 1s, kill: dc9 }'), /faults\[0\]\.kill: unknown node "dc9"/],
    ['a link between unknown sites', good.replace('faults: []', 'faults:\n  - { at: 1s, down: dc1-dc9 }'), /faults\[0\]\.down: unknown node "dc1-dc9"/],
  ])('%s', (_what, text, want) => {
    expect(errorOf(text)).toMatch(want);
  });
});

describe('the topology and connectivity other tiers ask', () => {
  const yaml = tiny({ ttl: '1s', faults: '  []' }).replace('faults:\n  []', 'faults: []').replace('gslb:', 'site_link: { latency: 7ms }\ngslb:');
  const s = parseScenario(yaml, 'tiny.yaml');

  test('sites, their links and the faults they take', () => {
    const t = Topology.of(s);
    expect(t.sites.map((x) => x.name)).toEqual(['dc1', 'dc2']);
    expect(t.siteLinks.map((l) => `${l.name} ${l.latency_us}`)).toEqual(['dc1-dc2 7000']);
    expect(t.link('dc2-dc1')?.name).toBe('dc1-dc2');
    expect(t.nginx.map((n) => t.siteOf(n))).toEqual([0, 1]);
    expect(t.siteOf(t.redis)).toBe(0); // redis.site defaults to the first site
    expect(t.siteLatency_us(0, 1)).toBe(7000);
    expect(t.siteLatency_us(1, 1)).toBe(0);
    expect(t.upstreamOf(1)).toEqual([1]);
    expect(t.redisLinks.map((l) => l.latency_us)).toEqual([100, 7100]);
    expect(t.targets('kill')).toEqual(expect.arrayContaining(['dc1', 'dc2']));
    expect(t.targets('down')).toEqual(['dc1-dc2', 'dc2-dc1']);
    expect(t.targets('drop')).toEqual(['nginx1-app1', 'nginx2-app2', 'app1-redis', 'app2-redis']); // no proxy link across sites
  });

  test('without sites: one site, no site link, every server in every upstream', () => {
    const t = Topology.of(parseScenario('name: one\n', 'one.yaml'));
    expect(t.sites).toEqual([]);
    expect(t.siteLinks).toEqual([]);
    expect(t.upstreamOf(0)).toEqual([0, 1, 2, 3]);
    expect(t.targets('kill')).not.toContain('dc1');
  });

  test('the site link down: sites stop reaching each other, both ways, until it is up', () => {
    const engine = new Engine();
    const t = Topology.of(s);
    const net = new Connectivity(engine, t, new RngStreams(1));
    const down = { at_us: 0, for_us: 0, line: 0, action: 'down' as const, target: 'dc1-dc2' };
    expect(net.siteReachable(0, 1)).toBe(true);
    net.siteLinkFaults.applyFault(down, 0);
    expect([net.siteReachable(0, 1), net.siteReachable(1, 0), net.siteReachable(1, 1)]).toEqual([false, false, true]);
    expect(net.reachable(net.appNode[1], net.redisNode)).toBe(false);
    expect(net.reachable(net.appNode[0], net.redisNode)).toBe(true);
    expect(net.siteLatency_us(0, 1)).toBe(7000);
    net.siteLinkFaults.applyFault({ ...down, action: 'up' }, 0);
    expect(net.reachable(net.appNode[1], net.redisNode)).toBe(true);
  });
});

describe('weighted DNS answers', () => {
  test('weights 1:3 split 4000 users about 1:3, from the dns stream alone', () => {
    const yaml = tiny({ ttl: '30s', faults: '  []', retries: 0 })
      .replace('faults:\n  []', 'faults: []')
      .replace('users: 10, rate: 10/s', 'users: 4000, rate: 4k/s')
      .replace('weight: 0', 'weight: 1')
      .replace('dc2, weight: 1', 'dc2, weight: 3');
    const s = run(yaml);
    // binomial(4000, 1/4): sd 27, so 1000 +- 4 sd
    expect(site(s, 'dc1').answers).toBeGreaterThan(890);
    expect(site(s, 'dc1').answers).toBeLessThan(1110);
    expect(site(s, 'dc1').answers + site(s, 'dc2').answers).toBe(4000);
    // another seed moves the DNS draws but not the arrivals (uniform here)
    const other = run(yaml.replace('name: tiny', 'name: tiny\nseed: 2'));
    expect(site(other, 'dc1').answers).not.toBe(site(s, 'dc1').answers);
  });
});

describe('GSLB removal time, over random kill times, intervals and falls', () => {
  test('the first check at or after the kill, plus (fall - 1) x interval', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 900 }), fc.integer({ min: 20, max: 200 }), fc.integer({ min: 1, max: 5 }), (kill_ms, interval_ms, fall) => {
        const yaml = tiny({ ttl: '0s', faults: `  - { at: ${kill_ms}ms, kill: dc2 }` })
          .replace('interval: 130ms, fall: 3', `interval: ${interval_ms}ms, fall: ${fall}`);
        const s = run(yaml);
        // checks run at interval, 2 x interval, ...; one at the very time of the kill already sees it
        const first_ms = Math.max(1, Math.ceil(kill_ms / interval_ms)) * interval_ms;
        expect(site(s, 'dc2').last_removed_ms).toBe(first_ms + (fall - 1) * interval_ms);
      }),
      { seed: 17, numRuns: 25 },
    );
  });
});
