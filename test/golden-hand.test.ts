// Golden runs worked out by hand: small scenarios in test/fixtures/ whose headline figures are
// derived below from the scenario alone. test/golden.test.ts pins each one's whole summary.json
// (with its fingerprint) byte for byte, beside the shipped scenarios.
//
// The timings they share (the defaults): users <-> nginx 1 ms one way, nginx <-> app 100 us, app
// service 300 us (const), app <-> Redis 100 us, Redis 50 us. One user every 1 ms (uniform).
//   a sale:                1 + 0.1 + 0.3 + 0.1 + 0.05 + 0.1 + 0.1 + 1 = 2.75 ms
//   a local "sold out":    1 + 0.1 + 0.3 + 0.1 + 1                    = 2.5 ms
// No queue forms: a request holds the app's lock for at most 0.65 ms, less than the 1 ms gap.
// Quantiles: rank ceil(q n) of the sorted latencies, reported as the midpoint of its histogram
// bucket (64 us wide between 2048 and 4096 us), capped by the max:
//   2500 us -> [2496, 2560) -> 2527.5 -> 2.528 ms;   2700 or 2750 us -> [2688, 2752) -> 2.72 ms;
//   2950 us -> [2944, 3008) -> 2975.5, capped at the max 2950 -> 2.95 ms.
import { readFileSync } from 'node:fs';
import { runScenario } from '../src/model/stack.js';
import { loadScenario, parseScenario } from '../src/scenario/load.js';

const run = (name: string, set: string[] = []) => {
  const file = `test/fixtures/${name}.yaml`;
  return runScenario(parseScenario(readFileSync(file, 'utf8'), file, { set })).report.summary;
};

test('the fixtures load as scenarios', () => {
  for (const n of ['hand-local-check', 'hand-sell-out', 'hand-kill', 'hand-rollback']) expect(loadScenario(`test/fixtures/${n}.yaml`).name).toBe(n);
});

describe('hand-local-check: the article local check sells stock - 1', () => {
  // inventory 5, one server with local stock 4, 8 users. LocalSalesVolume++ then < 4: users 0, 1, 2
  // (volume 1, 2, 3) buy; user 3 (volume 4) and everyone after hear "sold out" from the app
  // without reaching Redis. sold 3, unsold 5 - 3 = 2: no server died (stranded 0), no Redis call
  // failed (burned 0), so both are never_reached. Never sold out: sell_out_ms null.
  // Latencies: 3 x 2.75, 5 x 2.5 ms. p50 = 4th = 2.5 -> 2.528; p90 = 8th (ceil 7.2) = 2.75 -> 2.72;
  // p99 = 8th -> 2.72; mean (8.25 + 12.5) / 8 = 2.59375 -> 2.594. Last answer 7 + 2.5 = 9.5 ms.
  const s = run('hand-local-check');
  test('headline figures', () => {
    expect(s.tickets).toMatchObject({ inventory: 5, sold: 3, oversold: 0, unsold: 2, stranded_local: 0, burned_local: 0 });
    expect(s.tickets.unsold_split).toEqual({ stranded_local: 0, burned_local: 0, never_reached: 2 });
    expect(s.users).toMatchObject({ total: 8, succeeded: 3, sold_out: 5, failed: 0, retried: 0 });
    expect(s.sell_out_ms).toBeNull();
    expect(s.latency_ms).toEqual({ p50: 2.528, p90: 2.72, p99: 2.72, p999: 2.72, max: 2.75, mean: 2.594 });
    expect(s.duration_ms).toBe(9.5);
    expect(s.tiers.redis.commands).toBe(3);
  });
});

describe('hand-sell-out: the inventory sells out exactly', () => {
  // inventory 3, local stock 10 (exact check), fixed script, 5 users. Users 0, 1, 2 buy; users 3, 4
  // pass the local check and Redis refuses them (2.75 ms too). The third ticket goes at user 2's
  // script: 2 + 1 + 0.1 + 0.3 + 0.1 + 0.05 = 3.55 ms, the sell-out time. All five take 2.75 ms:
  // every quantile 2.72, mean and max 2.75. Last answer 4 + 2.75 = 6.75 ms.
  const s = run('hand-sell-out');
  test('headline figures', () => {
    expect(s.tickets).toMatchObject({ inventory: 3, sold: 3, oversold: 0, unsold: 0, stranded_local: 0 });
    expect(s.tickets.unsold_split).toEqual({ stranded_local: 0, burned_local: 0, never_reached: 0 });
    expect(s.users).toMatchObject({ total: 5, succeeded: 3, sold_out: 2, failed: 0, retried: 0 });
    expect(s.sell_out_ms).toBe(3.55);
    expect(s.latency_ms).toEqual({ p50: 2.72, p90: 2.72, p99: 2.72, p999: 2.72, max: 2.75, mean: 2.75 });
    expect(s.duration_ms).toBe(6.75);
    expect(s.tiers.redis).toMatchObject({ commands: 5, script_ok: 3, script_refused: 2 });
  });
});

describe('hand-kill: a server dies with its local stock', () => {
  // inventory 4, two servers with local stock 3 each (exact), 6 users; app2 dies at 1.5 ms,
  // before anyone reached it. User 0 -> app1 (2.75). User 1 (nginx at 2 ms): round robin picks
  // app2, refused 0.2 ms later, nginx retries on app1: 2.95 ms, 1 nginx retry. Users 2.. skip the
  // failed app2: user 2 buys app1's third unit (2.75); users 3, 4, 5 find app1 empty (2.5 each).
  // sold 3, unsold 1. app2's 3 units are stranded (stranded_local 3, stranded_at_kills 3); the
  // split gives the one unsold ticket to them: stranded 1, burned 0, never_reached 0.
  // Latencies 2.5 x 3, 2.75 x 2, 2.95: p50 = 3rd = 2.5 -> 2.528; p90 = p99 = 6th = 2.95;
  // mean (7.5 + 5.5 + 2.95) / 6 = 2.6583 -> 2.658. Last answer 5 + 2.5 = 7.5 ms.
  const s = run('hand-kill');
  test('headline figures', () => {
    expect(s.tickets).toMatchObject({ inventory: 4, sold: 3, unsold: 1, stranded_local: 3, stranded_at_kills: 3, burned_local: 0 });
    expect(s.tickets.unsold_split).toEqual({ stranded_local: 1, burned_local: 0, never_reached: 0 });
    expect(s.users).toMatchObject({ total: 6, succeeded: 3, sold_out: 3, failed: 0, retried: 0 });
    expect(s.tiers.nginx.nginx1?.retries).toBe(1);
    expect(s.sell_out_ms).toBeNull();
    expect(s.latency_ms).toEqual({ p50: 2.528, p90: 2.95, p99: 2.95, p999: 2.95, max: 2.95, mean: 2.658 });
    expect(s.duration_ms).toBe(7.5);
    expect([s.tiers.app.app1?.requests, s.tiers.app.app2?.requests]).toEqual([6, 1]);
  });
});

describe('hand-rollback: stock given back when Redis fails is sold again', () => {
  // inventory 2, one server with local stock 2 (exact, local_rollback), Redis (AOF always, so the
  // hash survives) restarting from 0.5 to 2.5 ms. User 0: local ok at 1.4, the command meets the
  // dead Redis and is refused at 1.6 ms: the app rolls its deduction back and answers "sold out"
  // (the article's answer to any failure, so no re-click): 1.6 + 0.1 + 1 = 2.7 ms. User 1: local ok
  // at 2.4, the connection was reset so the app dials again (a round trip: 2.6, Redis is back),
  // script at 2.7 + 0.05 = 2.75, answer at 3.95: 2.95 ms. User 2 buys the unit user 0 gave back
  // (script at 3.55 ms: sold out then). User 3: app1 empty, 2.5 ms.
  // sold 2, unsold 0, 1 rolled back and resold. Latencies 2.5, 2.7, 2.75, 2.95: p50 = 2nd = 2.7
  // -> 2.72; p90 = p99 = 4th = 2.95; mean 10.9 / 4 = 2.725. Last answer 3 + 2.5 = 5.5 ms.
  const s = run('hand-rollback');
  test('headline figures', () => {
    expect(s.tickets).toMatchObject({ inventory: 2, sold: 2, unsold: 0, stranded_local: 0, burned_local: 0 });
    expect(s.users).toMatchObject({ total: 4, succeeded: 2, sold_out: 2, failed: 0, retried: 0 });
    expect(s.tiers.app.app1).toMatchObject({ rolled_back: 1, redis_errors: 1, redis_ok: 2, burned_local: 0 });
    expect(s.sell_out_ms).toBe(3.55);
    expect(s.latency_ms).toEqual({ p50: 2.72, p90: 2.95, p99: 2.95, p999: 2.95, max: 2.95, mean: 2.725 });
    expect(s.duration_ms).toBe(5.5);
  });

  test('without rollback the unit burns: one ticket fewer sold', () => {
    // user 0's unit is spent on the failed call; user 1 takes the last one, user 2 finds app1 empty
    const b = run('hand-rollback', ['app.local_rollback=false']);
    expect(b.tickets).toMatchObject({ sold: 1, unsold: 1, burned_local: 1 });
    expect(b.tickets.unsold_split).toEqual({ stranded_local: 0, burned_local: 1, never_reached: 0 });
    expect(b.sell_out_ms).toBeNull();
  });
});
