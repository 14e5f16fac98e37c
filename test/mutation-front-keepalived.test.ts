// keepalived's dynamic part where keepalived-sim.test.ts stops short: VRRP's VIP intervals, log
// lines and pending takeovers, two pairs side by side, a start that finds keepalived running; the
// health checkers' HTTP_GET timing, their log lines and reconvergence record, and a director's
// checker stopping and starting. Timings from the same sources (vrrp.c vrrp_state_backup and
// vrrp_init_state, check_tcp.c tcp_epilog), worked out with the phases the model draws.
import { Engine } from '../src/engine/engine.js';
import { RngStreams } from '../src/engine/rng.js';
import { HealthCheckers } from '../src/model/front/healthcheck.js';
import { backupTakeoverAt_us, masterDown_us, vrrpSkew_us } from '../src/model/front/keepalived.js';
import { NetMetrics } from '../src/model/front/counters.js';
import { nextSendAtOrAfter_us } from '../src/model/front/routers.js';
import { VRRP_BACKUP, VRRP_DOWN, VRRP_MASTER, VrrpPairs } from '../src/model/front/vrrp.js';
import { parseScenario } from '../src/scenario/load.js';
import type { HealthCheck, LvsConfig } from '../src/scenario/network-types.js';
import { RecordingPool } from './support/checked-pool.js';

const SEED = 7;
const ADV = 1_000_000;

function lvsConfig(extra = ''): LvsConfig {
  const s = parseScenario(`lvs:\n  directors: 2\n${extra}`, 'test.yaml');
  if (!s.lvs) throw new Error('no lvs');
  return s.lvs;
}

let kinds = 0;
function pairs(cfg: LvsConfig) {
  const engine = new Engine();
  const m = new NetMetrics(100_000, 1, cfg.directors.length, 1);
  const vrrp = new VrrpPairs(engine, cfg, new RngStreams(SEED), m);
  const at = (t: number, f: () => void) => engine.at(t, engine.register(`test.${kinds++}`, f), 0);
  return { engine, vrrp, m, at };
}

const phaseOf = (name: string) => Math.floor(new RngStreams(SEED).stream(`vrrp:${name}`).random() * ADV);

/** When the backup (priority 100) of a master `name` that crashed at `crash` takes over. */
function takeover(name: string, crash: number): number {
  return backupTakeoverAt_us({
    firstAdvert_us: phaseOf(name),
    advertInt_us: ADV,
    stop_us: crash,
    masterDown_us: masterDown_us(100, ADV, 2),
    skew_us: vrrpSkew_us(100, ADV, 2),
    clean: false,
  });
}

describe('VrrpPairs', () => {
  test('a crash: the pending takeover, the VIP intervals, the log line and the reconvergence record', () => {
    const { engine, vrrp, m, at } = pairs(lvsConfig());
    const crash = 5_300_000;
    const want = takeover('lvs1', crash);
    expect(want).toBeGreaterThan(crash + 2 * ADV);
    const pending: number[] = [];
    at(crash, () => {
      m.faultApplied(crash, 'kill', 'lvs1');
      vrrp.crash(0);
      pending.push(vrrp.takeoverAt_us(1), vrrp.takeoverAt_us(0), vrrp.nextTakeover_us());
    });
    engine.run();
    expect(pending).toEqual([want, Infinity, want]);
    expect([vrrp.takeoverAt_us(1), vrrp.nextTakeover_us()]).toEqual([Infinity, Infinity]);
    vrrp.finish(10_000_000);
    vrrp.finish(12_000_000); // closed intervals stay closed
    expect(m.vip).toEqual([
      { pair: 0, director: 'lvs1', from_us: 0, to_us: crash },
      { pair: 0, director: 'lvs2', from_us: want, to_us: 10_000_000 },
    ]);
    expect(m.timeline).toEqual([{ at_us: want, node: 'lvs2', event: 'vrrp master', detail: 'takes the VIP of pair 1 from lvs1' }]);
    expect(m.reconvergence).toEqual([{ at_us: crash, action: 'kill', target: 'lvs1', detected_us: want, converged_us: want, lost: 0 }]);
  });

  test('two pairs keep to themselves: lvs3 crashing moves pair 2 only', () => {
    // VrrpPairs reads only the director names and the vrrp block: two pairs without a network
    const { engine, vrrp, m, at } = pairs({ ...lvsConfig(), directors: ['lvs1', 'lvs2', 'lvs3', 'lvs4'] });
    expect([Array.from(vrrp.holder), Array.from(vrrp.state)]).toEqual([
      [0, 2],
      [VRRP_MASTER, VRRP_BACKUP, VRRP_MASTER, VRRP_BACKUP],
    ]);
    expect([vrrp.peer(2), vrrp.peer(3), vrrp.skew_us(3), vrrp.masterDown_us(2)]).toEqual([3, 2, 609_375, 3 * ADV + 414_062]);
    at(2_000_000, () => vrrp.crash(2));
    engine.run();
    const want = takeover('lvs3', 2_000_000);
    expect(Array.from(vrrp.holder)).toEqual([0, 3]);
    expect(m.timeline).toEqual([{ at_us: want, node: 'lvs4', event: 'vrrp master', detail: 'takes the VIP of pair 2 from lvs3' }]);
    vrrp.finish(9_000_000);
    expect(m.vip).toEqual([
      { pair: 1, director: 'lvs3', from_us: 0, to_us: 2_000_000 },
      { pair: 0, director: 'lvs1', from_us: 0, to_us: 9_000_000 },
      { pair: 1, director: 'lvs4', from_us: want, to_us: 9_000_000 },
    ]);
  });

  test('start() on a running keepalived changes nothing; the first director back alone waits advert_int + skew of 255', () => {
    const { engine, vrrp, m, at } = pairs(lvsConfig());
    at(500_000, () => {
      vrrp.start(0); // the master already: it stays master, no timer
      vrrp.start(1); // a backup already: no timer
    });
    at(600_000, () => expect([vrrp.nextTakeover_us(), vrrp.state[0], vrrp.state[1]]).toEqual([Infinity, VRRP_MASTER, VRRP_BACKUP]));
    at(1_000_000, () => vrrp.stop(1)); // a backup stopping: nobody takes anything
    at(1_000_001, () => expect(vrrp.nextTakeover_us()).toBe(Infinity));
    at(2_000_000, () => vrrp.crash(0));
    at(10_000_000, () => vrrp.start(0));
    engine.run();
    // lvs1 (`state MASTER`) alone: advert_int + VRRP_TIMER_SKEW_MIN (10^6 / 256 = 3906)
    expect(m.timeline).toEqual([{ at_us: 11_003_906, node: 'lvs1', event: 'vrrp master', detail: 'takes the VIP of pair 1' }]);
    expect([vrrp.state[0], vrrp.state[1]]).toEqual([VRRP_MASTER, VRRP_DOWN]);
    vrrp.finish(12_000_000);
    expect(m.vip).toEqual([
      { pair: 0, director: 'lvs1', from_us: 0, to_us: 2_000_000 },
      { pair: 0, director: 'lvs1', from_us: 11_003_906, to_us: 12_000_000 },
    ]);
  });

  test('a higher priority second director starts as master', () => {
    const { vrrp } = pairs(lvsConfig('  vrrp: { priority: [100, 200] }\n'));
    expect([vrrp.holder[0], vrrp.state[0], vrrp.state[1]]).toEqual([1, VRRP_BACKUP, VRRP_MASTER]);
  });
});

function checkers(hcYaml: string) {
  const cfg = lvsConfig(`  latency: 50us\n  health_check: ${hcYaml}\n`);
  const engine = new Engine();
  const pool = new RecordingPool(engine);
  const m = new NetMetrics(100_000, 1, 2, 2);
  const hc = new HealthCheckers(engine, cfg, cfg.health_check as HealthCheck, new RngStreams(SEED), m, pool, ['nginx1', 'nginx2']);
  const at = (t: number, f: () => void) => engine.at(t, engine.register(`test.${kinds++}`, f), 0);
  const kill = (k: number, alive = false) => () => {
    pool.alive[k] = alive;
    hc.rsChanged(k);
  };
  return { engine, pool, hc, m, at, kill };
}

const firstCheckAfter = (director: string, nginx: string, period: number, t: number): number =>
  nextSendAtOrAfter_us(Math.floor(new RngStreams(SEED).stream(`check:${director}:${nginx}`).random() * period), period, t);

describe('HealthCheckers', () => {
  test('HTTP_GET: a check is two round trips (connect, then GET); the verdicts are logged', () => {
    const { engine, pool, m, at, kill } = checkers('{ type: HTTP_GET, delay_loop: 6s, connect_timeout: 2s, retry: 0, delay_before_retry: 1s }');
    at(4_000_000, () => m.faultApplied(4_000_000, 'kill', 'nginx2'));
    at(4_000_000, kill(1));
    engine.run({ until_us: 30_000_000 });
    const period = 6_000_000 + 200; // delay_loop + 2 x (2 x 50 us)
    const down = [0, 1].map((d) => firstCheckAfter(`lvs${d + 1}`, 'nginx2', period, 4_000_000) + 2_000_000);
    expect(pool.verdicts).toEqual([
      [Math.min(...down), down[0] < down[1] ? 0 : 1, 1, false],
      [Math.max(...down), down[0] < down[1] ? 1 : 0, 1, false],
    ]);
    expect(m.timeline.map((e) => [e.at_us, e.event, e.detail])).toEqual([
      [Math.min(...down), 'real server down', 'nginx2 (HTTP_GET)'],
      [Math.max(...down), 'real server down', 'nginx2 (HTTP_GET)'],
    ]);
    expect(m.reconvergence[0]).toMatchObject({ detected_us: Math.min(...down), converged_us: Math.max(...down) });
  });

  test('back up: the next check on the failure cadence succeeds after one HTTP_GET (200 us) and is logged up', () => {
    const { engine, pool, m, at, kill } = checkers('{ type: HTTP_GET, delay_loop: 6s, connect_timeout: 2s, retry: 0, delay_before_retry: 1s }');
    at(4_000_000, kill(1));
    at(20_000_000, kill(1, true));
    engine.run({ until_us: 60_000_000 });
    const period = 6_000_200;
    const downAt = firstCheckAfter('lvs1', 'nginx2', period, 4_000_000) + 2_000_000;
    // after the DOWN verdict: a failing check every delay_loop + connect_timeout (retry 0)
    let start = downAt + 6_000_000;
    while (start < 20_000_000) start += 2_000_000 + 6_000_000;
    expect(pool.verdicts.find((v) => v[1] === 0 && v[3])).toEqual([start + 200, 0, 1, true]);
    expect(m.timeline.find((e) => e.node === 'lvs1' && e.event === 'real server up')?.detail).toBe('nginx2 (HTTP_GET)');
  });

  test('a stopped director checks nothing; started again, it finds a dead server within a check', () => {
    const { engine, pool, hc, at, kill } = checkers('{ delay_loop: 6s, connect_timeout: 2s, retry: 1, delay_before_retry: 1s }');
    at(1_000_000, () => hc.directorDown(0));
    at(2_000_000, kill(1));
    const awake: number[] = [];
    at(2_000_001, () => awake.push(hc.awakeCount)); // lvs2's checker of nginx2 woke; lvs1's is stopped
    at(40_000_000, () => hc.directorUp(0, () => 0)); // first check at once (phase 0 within delay_loop)
    at(40_000_001, () => awake.push(hc.awakeCount));
    engine.run({ until_us: 80_000_000 });
    expect(awake).toEqual([1, 2]);
    const lvs1 = pool.verdicts.filter((v) => v[1] === 0);
    // retry 1: two failed checks of 2 s, 1 s apart
    expect(lvs1).toEqual([[40_000_000 + 2_000_000 + 1_000_000 + 2_000_000, 0, 1, false]]);
    expect(pool.verdicts.filter((v) => v[1] === 1)).toHaveLength(1);
    expect(Array.from(hc.up)).toEqual([1, 0, 1, 0]);
  });
});
