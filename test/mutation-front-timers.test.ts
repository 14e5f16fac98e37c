// keepalived's timers where mutation-front-keepalived.test.ts stops short: a director's checkers
// stopped in the middle of a check and started again (stale events, generations, the phase drawn
// within delay_loop), checks whose server changes while they run (settled or not), awakeCount, the
// reconvergence record of a recovery; VRRP's skew for version 3, a takeover cancelled and
// scheduled again, equal priorities, preempt_delay and the interval a preempted master closes.
// Check phases (seed 7, TCP_CHECK, latency 50us: period = delay_loop 6s + 100us = 6_000_100):
// lvs1/nginx2 14_356, lvs2/nginx2 116_962. VRRP advert phase of lvs2 (advert_int 1s): 286_007.
// Timings from check_tcp.c tcp_epilog and vrrp.c, as the model follows them.
import { Engine } from '../src/engine/engine.js';
import { RngStreams } from '../src/engine/rng.js';
import { NetMetrics } from '../src/model/front/counters.js';
import { HealthCheckers } from '../src/model/front/healthcheck.js';
import { VRRP_BACKUP, VRRP_MASTER, VrrpPairs, vrrpSkewMin_us } from '../src/model/front/vrrp.js';
import { parseScenario } from '../src/scenario/load.js';
import type { HealthCheck, LvsConfig } from '../src/scenario/network-types.js';
import { RecordingPool } from './support/checked-pool.js';

const SEED = 7;

function lvsConfig(extra = ''): LvsConfig {
  const s = parseScenario(`lvs:\n  directors: 2\n  latency: 50us\n${extra}`, 'test.yaml');
  if (!s.lvs) throw new Error('no lvs');
  return s.lvs;
}

let kinds = 0;

function checkers(retry: number) {
  const cfg = lvsConfig(`  health_check: { delay_loop: 6s, connect_timeout: 2s, retry: ${retry}, delay_before_retry: 1s }\n`);
  const engine = new Engine();
  const pool = new RecordingPool(engine);
  const m = new NetMetrics(100_000, 1, 2, 2);
  const hc = new HealthCheckers(engine, cfg, cfg.health_check as HealthCheck, new RngStreams(SEED), m, pool, ['nginx1', 'nginx2']);
  const at = (t: number, f: () => void) => engine.at(t, engine.register(`test.${kinds++}`, f), 0);
  const nginx2 = (t: number, alive: boolean) =>
    at(t, () => {
      pool.alive[1] = alive;
      hc.rsChanged(1);
    });
  const awake: number[] = [];
  const count = (t: number) => at(t, () => awake.push(hc.awakeCount));
  return { engine, pool, hc, m, at, nginx2, awake, count };
}

describe('HealthCheckers: directors stopped and started', () => {
  test('lvs2 stopped during a failing check gives no verdict; started again, it checks half a delay_loop later', () => {
    const { engine, pool, hc, at, nginx2, awake, count } = checkers(0);
    // both checkers of nginx2 wake: lvs1's next check 14_356 + 6_000_100 = 6_014_456, lvs2's 6_117_062
    nginx2(2_000_000, false);
    count(2_000_001);
    at(7_000_000, () => hc.directorDown(1)); // lvs2's check (result due 8_117_062) is dropped
    count(7_000_001);
    at(20_000_000, () => hc.directorUp(1, () => 0.5)); // next check 20s + 0.5 x 6s, result 2s later
    count(20_000_001);
    engine.run({ until_us: 30_000_000 });
    expect(awake).toEqual([2, 1, 2]);
    expect(pool.verdicts).toEqual([
      [8_014_456, 0, 1, false],
      [25_000_000, 1, 1, false],
    ]);
  });

  test('stopped and started again between a failing check and its result: the old result stays dropped', () => {
    const { engine, pool, hc, at, nginx2 } = checkers(0);
    nginx2(2_000_000, false); // lvs2's check at 6_117_062 fails, result due 8_117_062
    nginx2(6_500_000, true);
    at(7_000_000, () => hc.directorDown(1));
    at(7_500_000, () => hc.directorUp(1, () => 0.5)); // nginx2 alive: no check until it changes
    engine.run({ until_us: 30_000_000 });
    expect(pool.verdicts.filter((v) => v[1] === 1)).toEqual([]);
  });

  test('a check started before the stop is not run again after the start', () => {
    const { engine, pool, hc, at, nginx2 } = checkers(0);
    // lvs2: down at 8_117_062, its next check is due 14_117_062 (stale after the stop)
    nginx2(2_000_000, false);
    at(9_000_000, () => hc.directorDown(1));
    at(10_000_000, () => hc.directorUp(1, () => 0.5)); // check at 13s fails (nginx2 still dead)
    nginx2(13_500_000, true); // the stale check at 14_117_062 would have found it alive
    engine.run({ until_us: 30_000_000 });
    // 15s: the 13s check's failure takes it down again (up was reset); 21s: the next one succeeds
    expect(pool.verdicts.filter((v) => v[1] === 1)).toEqual([
      [8_117_062, 1, 1, false],
      [15_000_000, 1, 1, false],
      [21_000_100, 1, 1, true],
    ]);
  });

  test('a check woken after a start-settle-sleep is a new one: the check pending before the stop stays dropped', () => {
    const { engine, pool, hc, at, nginx2 } = checkers(0);
    // lvs2: down at 8_117_062, its next check due 14_117_062 (stale after the stop)
    nginx2(2_000_000, false);
    at(9_000_000, () => hc.directorDown(1));
    at(10_000_000, () => hc.directorUp(1, () => 0.5)); // dead: check at 13s
    nginx2(12_000_000, true); // the 13s check succeeds at 13_000_100 and lvs2 sleeps, next 19_000_100
    nginx2(13_500_000, false); // woken: its check at 19_000_100 fails at 21_000_100
    engine.run({ until_us: 30_000_000 });
    expect(pool.verdicts.filter((v) => v[1] === 1)).toEqual([
      [8_117_062, 1, 1, false],
      [21_000_100, 1, 1, false],
    ]);
  });

  test("lvs1 stopped: lvs2's checker of nginx1 carries on", () => {
    const { engine, pool, hc, at } = checkers(0);
    at(2_000_000, () => {
      pool.alive[0] = false;
      hc.rsChanged(0); // lvs1 checks nginx1 at 5_288_064, lvs2 at 578_346 + 6_000_100 = 6_578_446
    });
    at(3_000_000, () => hc.directorDown(0));
    engine.run({ until_us: 10_000_000 });
    expect(pool.verdicts).toEqual([[8_578_446, 1, 0, false]]);
  });

  test('event kinds are check.start and check.result (they enter the fingerprint)', () => {
    const { engine } = checkers(0);
    expect(() => engine.register('check.start', () => {})).toThrow('event kind check.start is registered twice');
    expect(() => engine.register('check.result', () => {})).toThrow('event kind check.result is registered twice');
  });
});

describe('HealthCheckers: the server changes during a check', () => {
  test('a check that succeeded on a server that died meanwhile keeps checking and finds it', () => {
    const { engine, pool, nginx2 } = checkers(0);
    nginx2(2_000_000, false); // wakes both checkers
    nginx2(3_000_000, true);
    nginx2(6_014_500, false); // lvs1's check started at 6_014_456 (alive), its result is due 6_014_556
    engine.run({ until_us: 30_000_000 });
    // lvs1: success at 6_014_556 but nginx2 is dead: next check 12_014_556, fails 2s later
    expect(pool.verdicts).toEqual([
      [8_117_062, 1, 1, false],
      [14_014_556, 0, 1, false],
    ]);
  });

  test('retry 1: a failed check whose server came back retries, then sleeps with retry_it reset', () => {
    const { engine, pool, nginx2 } = checkers(1);
    nginx2(2_000_000, false); // lvs1 checks at 6_014_456 (fails), lvs2 at 6_117_062 (fails)
    nginx2(7_000_000, true); // the retries (1s after the failures) succeed: both sleep
    nginx2(20_000_000, false);
    engine.run({ until_us: 40_000_000 });
    // lvs1 slept with next_us 9_014_556 + 6s; woken at 20s: 15_014_556 + 6_000_100 = 21_014_656,
    // fails at 23_014_656, retries at 24_014_656, fails (retry_it 1 = retry) at 26_014_656
    expect(pool.verdicts).toEqual([
      [26_014_656, 0, 1, false],
      [26_117_262, 1, 1, false],
    ]);
  });

  test('a recovery: up verdicts converge its record but do not detect it; settled checkers sleep', () => {
    const { engine, pool, m, at, nginx2, awake, count } = checkers(0);
    nginx2(2_000_000, false); // down verdicts at 8_014_456 (lvs1) and 8_117_062 (lvs2)
    at(10_000_000, () => m.faultApplied(10_000_000, 'recover', 'nginx2'));
    nginx2(10_000_000, true);
    count(10_000_001);
    count(20_000_000);
    engine.run({ until_us: 30_000_000 });
    // the checks after the down verdicts: 14_014_456 and 14_117_062, each 100 us long
    expect(pool.verdicts).toEqual([
      [8_014_456, 0, 1, false],
      [8_117_062, 1, 1, false],
      [14_014_556, 0, 1, true],
      [14_117_162, 1, 1, true],
    ]);
    expect(m.reconvergence).toEqual([{ at_us: 10_000_000, action: 'recover', target: 'nginx2', detected_us: -1, converged_us: 14_117_162, lost: 0 }]);
    expect(awake).toEqual([2, 0]);
  });
});

function pairs(extra = '') {
  const cfg = lvsConfig(extra);
  const engine = new Engine();
  const m = new NetMetrics(100_000, 1, 2, 1);
  const vrrp = new VrrpPairs(engine, cfg, new RngStreams(SEED), m);
  const masters: [number, number][] = [];
  vrrp.onMaster = (d) => masters.push([engine.now_us, d]);
  const at = (t: number, f: () => void) => engine.at(t, engine.register(`test.${kinds++}`, f), 0);
  const seen: number[][] = [];
  const look = (t: number) => at(t, () => seen.push([vrrp.takeoverAt_us(0), vrrp.takeoverAt_us(1), vrrp.nextTakeover_us()]));
  return { engine, vrrp, m, at, masters, seen, look };
}

describe('VrrpPairs', () => {
  test('VRRP_TIMER_SKEW_MIN: 1/256 s in version 2, advert_int in centiseconds x 625 / 16 us in version 3', () => {
    expect(vrrpSkewMin_us(1_000_000, 2)).toBe(3906);
    expect(vrrpSkewMin_us(2_000_000, 2)).toBe(3906);
    expect(vrrpSkewMin_us(2_000_000, 3)).toBe(7812); // 200 x 625 / 16 = 7812.5
    expect(vrrpSkewMin_us(1_500_000, 3)).toBe(5859); // 150 x 625 / 16 = 5859.375
  });

  test('a takeover cancelled by a crash and scheduled again fires once, at the second time', () => {
    const { engine, vrrp, m, at, masters, seen, look } = pairs();
    at(1_000_000, () => vrrp.stop(1)); // the backup stops
    at(2_000_000, () => vrrp.crash(0)); // the master crashes: nobody is left to take over
    look(2_000_001);
    at(3_000_000, () => vrrp.start(1)); // alone, state BACKUP: 3 x advert_int + skew(100) = 3_609_375
    look(3_000_001);
    at(4_000_000, () => vrrp.crash(1));
    look(4_000_001);
    at(5_000_000, () => vrrp.start(1));
    engine.run();
    expect(seen).toEqual([
      [Infinity, Infinity, Infinity],
      [Infinity, 6_609_375, 6_609_375],
      [Infinity, Infinity, Infinity],
    ]);
    expect(m.timeline).toEqual([{ at_us: 8_609_375, node: 'lvs2', event: 'vrrp master', detail: 'takes the VIP of pair 1 from lvs1' }]);
    expect(masters).toEqual([[8_609_375, 1]]);
  });

  test('equal priorities: the first director back wins, the second neither takes over nor preempts', () => {
    const { engine, vrrp, m, at, seen, look } = pairs('  vrrp: { priority: [100, 100] }\n');
    at(1_000_000, () => vrrp.stop(1));
    at(2_000_000, () => vrrp.crash(0));
    at(3_000_000, () => {
      vrrp.start(0); // state MASTER: advert_int + 3906 -> 4_003_906
      vrrp.start(1); // state BACKUP: 3_609_375 -> 6_609_375, finds lvs1 master
    });
    at(7_000_000, () => vrrp.stop(1));
    at(8_000_000, () => vrrp.start(1)); // lvs1 is master, same priority: no timer
    look(8_000_001);
    engine.run();
    expect(m.timeline).toEqual([{ at_us: 4_003_906, node: 'lvs1', event: 'vrrp master', detail: 'takes the VIP of pair 1' }]);
    expect([vrrp.holder[0], vrrp.state[0], vrrp.state[1]]).toEqual([0, VRRP_MASTER, VRRP_BACKUP]);
    expect(seen).toEqual([[Infinity, Infinity, Infinity]]);
  });

  test('preempt_delay: the higher priority preempts at the later of its own timer and master-down after the delay', () => {
    const { engine, vrrp, m, at, seen, look } = pairs('  vrrp: { priority: [100, 200], preempt_delay: 100ms }\n');
    // lvs2 master (adverts from 286_007); crash at 2s: lvs1 takes over at 1_286_007 + 3_609_375
    at(2_000_000, () => vrrp.crash(1));
    look(2_000_001);
    // lvs1's adverts from 4_895_382; at 10s lvs2 (state BACKUP, masterDown 3s + 56/256 s = 3_218_750)
    // preempts at max(10s + 3_218_750, 9_895_382 + 3_218_750) = 13_218_750
    at(10_000_000, () => vrrp.start(1));
    look(10_000_001);
    engine.run();
    vrrp.finish(20_000_000);
    expect(seen).toEqual([
      [4_895_382, Infinity, 4_895_382],
      [Infinity, 13_218_750, 13_218_750],
    ]);
    expect(m.timeline.map((e) => [e.at_us, e.detail])).toEqual([
      [4_895_382, 'takes the VIP of pair 1 from lvs2'],
      [13_218_750, 'takes the VIP of pair 1 from lvs1'],
    ]);
    expect(m.vip).toEqual([
      { pair: 0, director: 'lvs2', from_us: 0, to_us: 2_000_000 },
      { pair: 0, director: 'lvs1', from_us: 4_895_382, to_us: 13_218_750 },
      { pair: 0, director: 'lvs2', from_us: 13_218_750, to_us: 20_000_000 },
    ]);
  });

  test('the event kind is vrrp.takeover (it enters the fingerprint)', () => {
    const { engine } = pairs();
    expect(() => engine.register('vrrp.takeover', () => {})).toThrow('event kind vrrp.takeover is registered twice');
  });
});
