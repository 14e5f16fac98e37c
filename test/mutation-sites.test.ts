// The GSLB on its own: its weighted DNS draw (against a scripted stream), the standbys and the
// all-down fallback, the users' cached answers and their TTL, and the fall/rise health checks.
// Expected values worked out by hand beside each check.
import { Engine } from '../src/engine/engine.js';
import { RngStream } from '../src/engine/rng.js';
import { SiteCounters } from '../src/model/sites/counters.js';
import { Gslb } from '../src/model/sites/gslb.js';
import { parseScenario } from '../src/scenario/load.js';
import type { Sites } from '../src/scenario/types.js';

class Scripted extends RngStream {
  draws = 0;
  constructor(private readonly randoms: number[]) {
    super('scripted', 1);
  }
  override random(): number {
    this.draws++;
    const v = this.randoms.shift();
    if (v === undefined) throw new Error('script: no random left');
    return v;
  }
}

// Three sites: dc1 weight 3, dc2 weight 1, dc3 a standby (weight 0). TTL 1 s, checks every 100 ms,
// fall 2, rise 2.
function sites(weights = [3, 1, 0]): Sites {
  const s = parseScenario(
    `name: g
tickets: { inventory: 10 }
nginx:
  instances: 3
  upstream: { servers: [ { name: app1 }, { name: app2 }, { name: app3 } ] }
sites:
  - { name: dc1, weight: ${weights[0]}, nginx: [nginx1], servers: [app1] }
  - { name: dc2, weight: ${weights[1]}, nginx: [nginx2], servers: [app2] }
  - { name: dc3, weight: ${weights[2]}, nginx: [nginx3], servers: [app3] }
gslb: { ttl: 1s, interval: 100ms, fall: 2, rise: 2 }
`,
    'g.yaml',
  ).sites;
  if (!s) throw new Error('no sites');
  return s;
}

function gslb(randoms: number[], healthy: (site: number) => boolean = () => true, weights = [3, 1, 0]) {
  const engine = new Engine();
  const counters = new SiteCounters(3, 1000);
  const rng = new Scripted(randoms);
  return { g: new Gslb(engine, sites(weights), 4, counters, rng, healthy), engine, counters, rng };
}

describe('a DNS answer: a weighted draw among the sites handed out', () => {
  test('weights 3 : 1 : 0 over [0, 4): below 3 dc1, from 3 dc2, never the standby', () => {
    // x = random x 4: 0 -> 0, 0.7499 -> 2.9996, 0.75 -> 3 (dc1 used up exactly), 0.9999 -> 3.9996
    const { g } = gslb([0, 0.7499, 0.75, 0.9999]);
    expect([g.answer(), g.answer(), g.answer(), g.answer()]).toEqual([0, 0, 1, 1]);
  });

  test('with only the standby handed out, it is answered', () => {
    // dc1 and dc2 fail the checks at 100 and 200 ms (fall 2) and leave the answers; the weights
    // of what is left are all 0, so the standbys count equally: 0.99 x 1 -> dc3
    const { g, engine, counters } = gslb([0.99], (s) => s === 2);
    g.start(() => engine.now_us < 200_000);
    engine.run();
    expect(Array.from(g.inDns)).toEqual([0, 0, 1]);
    expect(g.answer()).toBe(2);
    expect(Array.from(counters.checks)).toEqual([2, 2, 2]);
    expect(Array.from(counters.checksFailed)).toEqual([2, 2, 0]);
  });

  test('two standbys count equally', () => {
    // weights 3, 0, 0 and dc1 out: the standbys dc2 and dc3 get 1 each: 0.75 x 2 = 1.5 -> dc3
    const { g, engine } = gslb([0.75, 0.25], (s) => s !== 0, [3, 0, 0]);
    g.start(() => engine.now_us < 200_000);
    engine.run();
    expect(Array.from(g.inDns)).toEqual([0, 1, 1]);
    expect([g.answer(), g.answer()]).toEqual([2, 1]); // 0.25 x 2 = 0.5 -> dc2
  });

  test('a draw at the very top end (the fallback for a sum rounded there) takes the last weighted site', () => {
    // x = 1 x 4 = 4 is never below 0 after 3 and 1: the fallback scans down for a site with weight
    const { g } = gslb([1]);
    expect(g.answer()).toBe(1);
  });

  test('with none handed out, every site is answered by weight', () => {
    // weights 3, 1, 0 over [0, 4): 0.5 x 4 = 2 -> dc1, 0.8 x 4 = 3.2 -> dc2
    const { g, engine } = gslb([0.5, 0.8], () => false);
    g.start(() => engine.now_us < 200_000);
    engine.run();
    expect(Array.from(g.inDns)).toEqual([0, 0, 0]);
    expect([g.answer(), g.answer()]).toEqual([0, 1]);
  });
});

describe('health checks: fall and rise', () => {
  test('a site leaves after `fall` failures in a row and comes back after `rise` good checks', () => {
    // dc2 fails the checks at 100, 200 (removed at 200), 300; passes at 400, 500 (restored at 500)
    const { g, engine, counters } = gslb([], (s) => s !== 1 || engine.now_us < 100_000 || engine.now_us > 300_000);
    g.start(() => engine.now_us < 600_000);
    engine.run();
    expect(counters.timeline).toEqual([
      { at_us: 200_000, site: 1, event: 'removed', detail: '2 failed checks in a row: no longer handed out' },
      { at_us: 500_000, site: 1, event: 'restored', detail: '2 good checks in a row: handed out again' },
    ]);
    expect(Array.from(counters.checks)).toEqual([6, 6, 6]); // 100 .. 600 ms
    expect(Array.from(counters.checksFailed)).toEqual([0, 3, 0]);
  });

  test('a good check between failures starts the fall count again', () => {
    // dc2 fails at 100, passes at 200, fails at 300 and 400: removed at 400, not before
    const bad = new Set([100_000, 300_000, 400_000]);
    const { g, engine, counters } = gslb([], (s) => s !== 1 || !bad.has(engine.now_us));
    g.start(() => engine.now_us < 400_000);
    engine.run();
    expect(counters.timeline.map((e) => [e.at_us, e.event])).toEqual([[400_000, 'removed']]);
  });

  test('a failure between good checks starts the rise count again', () => {
    // dc2 fails at 100, 200 (removed), passes at 300, fails at 400, passes at 500, 600: restored
    // at 600, not 500
    const bad = new Set([100_000, 200_000, 400_000]);
    const { g, engine, counters } = gslb([], (s) => s !== 1 || !bad.has(engine.now_us));
    g.start(() => engine.now_us < 600_000);
    engine.run();
    expect(counters.timeline.map((e) => [e.at_us, e.event])).toEqual([
      [200_000, 'removed'],
      [600_000, 'restored'],
    ]);
  });
});

describe("the users' cached answers", () => {
  test('an answer is kept for its TTL, then asked again; a new site counts as a move', () => {
    // user 0 at 0: draw 0.9 -> dc2. At 999 ms still cached (no draw). At 1 s: TTL over, draw 0.1
    // -> dc1: a move away from dc2. User 1 at 0.5 s: draw 0.2 -> dc1.
    const { g, counters, rng } = gslb([0.9, 0.2, 0.1]);
    expect(g.siteFor(0, 0)).toBe(1);
    expect(g.siteFor(1, 500_000)).toBe(0);
    expect(g.siteFor(0, 999_999)).toBe(1);
    expect(rng.draws).toBe(2);
    expect(g.siteFor(0, 1_000_000)).toBe(0);
    expect(rng.draws).toBe(3);
    expect(Array.from(counters.answers)).toEqual([2, 1, 0]);
    expect(Array.from(counters.moved)).toEqual([0, 1, 0]);
    // cached answers per 1 ms bin: +1 where given, -1 where the TTL runs out
    // user 1 again at 0.9 s: still cached (site 0 is a cached answer like any other)
    expect(g.siteFor(1, 900_000)).toBe(0);
    expect(rng.draws).toBe(3);
    const d = counters.cachedDelta;
    expect([d[1].values[0], d[1].values[1000]]).toEqual([1, -1]);
    expect([d[0].values[500], d[0].values[1000], d[0].values[1500], d[0].values[2000]]).toEqual([1, 1, -1, -1]);
  });
});

describe('moves between sites', () => {
  test('a new answer naming the same site is no move; one away from site 0 is', () => {
    // user 2: 0 s draw 0.1 -> dc1; 1 s draw 0.1 -> dc1 again (no move); 2 s draw 0.9 -> dc2: a
    // move away from dc1
    const { g, counters } = gslb([0.1, 0.1, 0.9]);
    expect([g.siteFor(2, 0), g.siteFor(2, 1_000_000), g.siteFor(2, 2_000_000)]).toEqual([0, 0, 1]);
    expect(Array.from(counters.moved)).toEqual([1, 0, 0]);
    expect(Array.from(counters.answers)).toEqual([2, 1, 0]);
  });
});

describe('the checks', () => {
  test('the event kind is gslb.check (it enters the fingerprint)', () => {
    const { engine } = gslb([]);
    expect(() => engine.register('gslb.check', () => {})).toThrow('event kind gslb.check is registered twice');
  });
});
