// keepalived, dynamic part: VRRP pairs (src/model/vrrp.ts VrrpPairs) against acassen/keepalived
// keepalived/vrrp/vrrp.c (vrrp_state_backup: master-down after the last advert, Skew_Time after a
// priority-0 advert; vrrp_init_state: `state MASTER` waits advert_int + VRRP_TIMER_SKEW_MIN), and
// health checks (src/model/healthcheck.ts HealthCheckers) against keepalived/check/check_tcp.c
// tcp_epilog (retry + 1 failures spaced delay_before_retry, each connect_timeout long).
import fc from 'fast-check';
import { Engine } from '../src/engine/engine.js';
import { RngStreams } from '../src/engine/rng.js';
import { HealthCheckers, type CheckedPool } from '../src/model/front/healthcheck.js';
import { backupTakeoverAt_us, masterDown_us, vrrpSkew_us, type VrrpVersion } from '../src/model/front/keepalived.js';
import { NetMetrics } from '../src/model/front/counters.js';
import { lastSendBefore_us, nextSendAtOrAfter_us } from '../src/model/front/routers.js';
import { VRRP_BACKUP, VRRP_DOWN, VRRP_MASTER, VrrpPairs, vrrpSkewMin_us } from '../src/model/front/vrrp.js';
import { parseScenario } from '../src/scenario/load.js';
import type { HealthCheck, LvsConfig } from '../src/scenario/network-types.js';

const SEED = 7;

function lvsConfig(extra = ''): LvsConfig {
  const s = parseScenario(`lvs:\n  directors: 2\n${extra}`, 'test.yaml');
  if (!s.lvs) throw new Error('no lvs');
  return s.lvs;
}

let kinds = 0;
const atFn = (engine: Engine) => (t: number, f: () => void) => engine.at(t, engine.register(`test.${kinds++}`, f), 0);

function pairAt(cfg: LvsConfig) {
  const engine = new Engine();
  const m = new NetMetrics(100_000, 1, 2, 1);
  const vrrp = new VrrpPairs(engine, cfg, new RngStreams(SEED), m);
  return { engine, vrrp, m, at: atFn(engine) };
}

/** The master's advert phase, drawn as VrrpPairs draws it. */
const phaseOf = (name: string, adv: number) => Math.floor(new RngStreams(SEED).stream(`vrrp:${name}`).random() * adv);

describe('VrrpPairs: a crash', () => {
  test('the backup takes over master-down after the last advert (vrrp_state_backup), as backupTakeoverAt_us says', () => {
    const cfg = lvsConfig();
    const { engine, vrrp, m, at } = pairAt(cfg);
    expect(vrrp.state[0]).toBe(VRRP_MASTER); // priority 150 > 100
    expect(vrrp.holder[0]).toBe(0);
    const crash = 5_300_000;
    at(crash, () => vrrp.crash(0));
    engine.run();
    const adv = 1_000_000;
    const phase = phaseOf('lvs1', adv);
    const want = backupTakeoverAt_us({
      firstAdvert_us: phase,
      advertInt_us: adv,
      stop_us: crash,
      masterDown_us: masterDown_us(100, adv, 2),
      skew_us: vrrpSkew_us(100, adv, 2),
      clean: false,
    });
    expect(vrrp.holder[0]).toBe(1);
    expect(vrrp.state[1]).toBe(VRRP_MASTER);
    expect(vrrp.state[0]).toBe(VRRP_DOWN);
    // the takeover is logged at the time it happened
    const ev = m.timeline.find((e) => e.event === 'vrrp master');
    expect(ev?.at_us).toBe(want);
    expect(ev?.node).toBe('lvs2');
  });

  test('property: takeover within [2 x advert_int + skew, 3 x advert_int + skew] of the crash, v2 and v3', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<VrrpVersion>(2, 3),
        fc.integer({ min: 1, max: 300 }), // centiseconds
        fc.integer({ min: 1, max: 254 }),
        fc.integer({ min: 0, max: 60_000_000 }),
        (version, cs, backupPrio, crash) => {
          const cfg = lvsConfig(`  vrrp: { version: ${version}, advert_int: ${cs * 10}ms, priority: [255, ${backupPrio}] }\n`);
          const { engine, vrrp, m, at } = pairAt(cfg);
          at(crash, () => vrrp.crash(0));
          engine.run();
          const adv = cfg.vrrp.advert_int_us;
          const skew = vrrpSkew_us(backupPrio, adv, version);
          const t = m.timeline.find((e) => e.event === 'vrrp master')?.at_us ?? NaN;
          expect(t - crash).toBeGreaterThanOrEqual(2 * adv + skew);
          expect(t - crash).toBeLessThanOrEqual(3 * adv + skew);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('a crashed backup changes nothing; both down leaves the VIP with nobody', () => {
    const { engine, vrrp, at } = pairAt(lvsConfig());
    at(1_000_000, () => vrrp.crash(1));
    at(2_000_000, () => vrrp.crash(0));
    engine.run();
    expect(vrrp.state[0]).toBe(VRRP_DOWN);
    expect(vrrp.state[1]).toBe(VRRP_DOWN);
    expect(vrrp.holder[0]).toBe(0); // the routers' ARP entry still points at the dead master
  });
});

describe('VrrpPairs: a clean stop (priority 0)', () => {
  test('the backup waits Skew_Time only: (256 - 100) / 256 s = 609375 us', () => {
    const { engine, vrrp, m, at } = pairAt(lvsConfig());
    at(3_000_000, () => vrrp.stop(0));
    engine.run();
    expect(m.timeline.find((e) => e.event === 'vrrp master')?.at_us).toBe(3_609_375);
    expect(vrrp.holder[0]).toBe(1);
  });

  test('VRRPv3 with advert_int 100 ms: skew = 156 * 10 cs * 625 / 16 = 60937 us', () => {
    const { engine, vrrp, m, at } = pairAt(lvsConfig('  vrrp: { version: 3, advert_int: 100ms }\n'));
    at(1_000_000, () => vrrp.stop(0));
    engine.run();
    expect(m.timeline.find((e) => e.event === 'vrrp master')?.at_us).toBe(1_060_937);
  });
});

describe('VrrpPairs: coming back (vrrp_init_state, preempt)', () => {
  test('`state MASTER` with the higher priority preempts after advert_int + VRRP_TIMER_SKEW_MIN', () => {
    const { engine, vrrp, m, at } = pairAt(lvsConfig());
    at(1_000_000, () => vrrp.crash(0));
    at(8_000_000, () => vrrp.start(0));
    engine.run();
    expect(vrrp.holder[0]).toBe(0);
    expect(vrrp.state[1]).toBe(VRRP_BACKUP);
    const masters = m.timeline.filter((e) => e.event === 'vrrp master').map((e) => [e.node, e.at_us]);
    expect(masters[1]).toEqual(['lvs1', 8_000_000 + 1_000_000 + vrrpSkewMin_us(1_000_000, 2)]);
    expect(vrrpSkewMin_us(1_000_000, 2)).toBe(3_906); // 10^6 / 256
  });

  test('nopreempt: the returning higher priority stays backup', () => {
    const { engine, vrrp, at } = pairAt(lvsConfig('  vrrp: { preempt: false }\n'));
    at(1_000_000, () => vrrp.crash(0));
    at(8_000_000, () => vrrp.start(0));
    engine.run();
    expect(vrrp.holder[0]).toBe(1);
    expect(vrrp.state[0]).toBe(VRRP_BACKUP);
  });

  test('preempt_delay: adverts keep restarting the timer until the delay passes, then master-down runs out', () => {
    const cfg = lvsConfig('  vrrp: { preempt_delay: 5s }\n');
    const { engine, vrrp, m, at } = pairAt(cfg);
    at(1_000_000, () => vrrp.crash(0));
    at(8_000_000, () => vrrp.start(0));
    engine.run();
    const takeover1 = m.timeline.filter((e) => e.event === 'vrrp master')[0].at_us; // lvs2, phased from here
    const lastAdvertOfLvs2 = lastSendBefore_us(takeover1, 1_000_000, 8_000_000 + 5_000_000);
    const want = Math.max(8_000_000 + 1_003_906, lastAdvertOfLvs2 + masterDown_us(150, 1_000_000, 2));
    expect(m.timeline.filter((e) => e.event === 'vrrp master')[1].at_us).toBe(want);
  });

  test('equal priorities: the first is master; coming back it does not preempt (a strictly higher priority is needed)', () => {
    const { engine, vrrp, m, at } = pairAt(lvsConfig('  vrrp: { priority: [100, 100] }\n'));
    expect(vrrp.holder[0]).toBe(0);
    at(1_000_000, () => vrrp.crash(0));
    at(8_000_000, () => vrrp.start(0));
    engine.run();
    expect(vrrp.holder[0]).toBe(1);
    expect(vrrp.state[0]).toBe(VRRP_BACKUP);
    expect(vrrp.state[1]).toBe(VRRP_MASTER);
    expect(m.timeline.filter((e) => e.event === 'vrrp master').map((e) => e.node)).toEqual(['lvs2']);
  });

  test('both down, then the lower priority returns alone: it becomes master after 3 x advert_int + skew', () => {
    const { engine, vrrp, m, at } = pairAt(lvsConfig());
    at(1_000_000, () => vrrp.crash(0));
    at(1_000_000, () => vrrp.crash(1));
    at(10_000_000, () => vrrp.start(1));
    engine.run();
    expect(m.timeline.find((e) => e.event === 'vrrp master')?.at_us).toBe(10_000_000 + masterDown_us(100, 1_000_000, 2));
    expect(vrrp.holder[0]).toBe(1);
  });
});

// ---- health checks ------------------------------------------------------------------------------

class Pool implements CheckedPool {
  alive = [true, true];
  verdicts: { at: number; d: number; k: number; up: boolean }[] = [];
  busyFlag = true;
  constructor(private readonly engine: Engine) {}
  rsAlive(k: number): boolean {
    return this.alive[k];
  }
  rsVerdict(d: number, k: number, up: boolean): void {
    this.verdicts.push({ at: this.engine.now_us, d, k, up });
  }
  busy(): boolean {
    return this.busyFlag && this.engine.now_us < 200_000_000;
  }
}

function checkers(extra: string) {
  const cfg = lvsConfig(`  latency: 50us\n  health_check: ${extra}\n`);
  const engine = new Engine();
  const pool = new Pool(engine);
  const hc = new HealthCheckers(engine, cfg, cfg.health_check as HealthCheck, new RngStreams(SEED), new NetMetrics(100_000, 1, 2, 2), pool, ['nginx1', 'nginx2']);
  return { engine, pool, hc, cfg, at: atFn(engine) };
}

/** The first check start at or after t of checker (director, nginx), on its drawn phase. */
function firstCheckAfter(director: string, nginx: string, period: number, t: number): number {
  const phase = Math.floor(new RngStreams(SEED).stream(`check:${director}:${nginx}`).random() * period);
  return nextSendAtOrAfter_us(phase, period, t);
}

describe('HealthCheckers: tcp_epilog', () => {
  test.each([
    [0, 1_000_000],
    [1, 1_000_000],
    [3, 2_000_000],
  ])('retry %i, delay_before_retry %i us: DOWN after retry + 1 failed checks', (retry, dbr) => {
    const { engine, pool, hc, at } = checkers(`{ delay_loop: 6s, connect_timeout: 2s, retry: ${retry}, delay_before_retry: ${dbr}us }`);
    const crash = 4_000_000;
    at(crash, () => {
      pool.alive[1] = false;
      hc.rsChanged(1);
    });
    engine.run({ until_us: 60_000_000 });
    const period = 6_000_000 + 100; // delay_loop + one round trip (2 x 50 us)
    for (const d of [0, 1]) {
      const first = firstCheckAfter(`lvs${d + 1}`, 'nginx2', period, crash);
      const want = first + (retry + 1) * 2_000_000 + retry * dbr;
      const v = pool.verdicts.find((x) => x.d === d && !x.up);
      expect(v).toEqual({ at: want, d, k: 1, up: false });
    }
    expect(pool.verdicts.some((x) => x.k === 0)).toBe(false); // nginx1 never failed a check
    expect(hc.up[0 * 2 + 1]).toBe(0);
  });

  test('a server that answers again is added back by the next check, on the tcp_epilog cadence', () => {
    const { engine, pool, hc, at } = checkers('{ delay_loop: 6s, connect_timeout: 2s, retry: 1, delay_before_retry: 1s }');
    at(4_000_000, () => {
      pool.alive[1] = false;
      hc.rsChanged(1);
    });
    const back = 30_000_000;
    at(back, () => {
      pool.alive[1] = true;
      hc.rsChanged(1);
    });
    engine.run({ until_us: 80_000_000 });
    const down = pool.verdicts.find((x) => x.d === 0 && !x.up)?.at ?? NaN;
    // after DOWN the next check is delay_loop later; a failing check on a DOWN server still takes
    // the retry branch of tcp_epilog: delay_before_retry while retry_it < retry, else delay_loop
    let start = down + 6_000_000;
    let retryIt = 0;
    while (start < back) {
      const end = start + 2_000_000;
      if (retryIt >= 1) {
        retryIt = 0;
        start = end + 6_000_000;
      } else {
        retryIt++;
        start = end + 1_000_000;
      }
    }
    expect(pool.verdicts.find((x) => x.d === 0 && x.up)?.at).toBe(start + 100);
  });

  test('a failure shorter than the gap between checks goes unnoticed', () => {
    const { engine, pool, hc, at } = checkers('{ delay_loop: 6s, connect_timeout: 2s, retry: 1, delay_before_retry: 1s }');
    const period = 6_000_100;
    const next = firstCheckAfter('lvs1', 'nginx1', period, 10_000_000);
    const next2 = firstCheckAfter('lvs2', 'nginx1', period, 10_000_000);
    // Each director checks every `period`; both have a check in [10 s, 10 s + period). The later
    // one's previous check was before the earlier one's next: down 1 ms after the former (its
    // answer took 100 us), back 1 us before the latter.
    const start = Math.max(next, next2) - period + 1_000;
    const end = Math.min(next, next2) - 1;
    expect(end - start).toBeGreaterThan(0);
    at(start, () => {
      pool.alive[0] = false;
      hc.rsChanged(0);
    });
    at(end, () => {
      pool.alive[0] = true;
      hc.rsChanged(0);
    });
    engine.run({ until_us: 60_000_000 });
    expect(pool.verdicts).toEqual([]);
  });

  test('with nothing left to do, a checker whose verdict is settled stops: the run ends', () => {
    const { engine, pool, hc, at } = checkers('{ delay_loop: 6s, connect_timeout: 2s }');
    pool.busyFlag = false;
    at(1_000_000, () => {
      pool.alive[0] = false;
      hc.rsChanged(0);
    });
    engine.run();
    expect(engine.now_us).toBeLessThan(30_000_000);
    expect(pool.verdicts.filter((v) => !v.up)).toHaveLength(2);
  });

  test('defaults: TCP_CHECK delay_before_retry 1 s, HTTP_GET 3 s; delay_loop 60 s, connect_timeout 5 s, retry 1', () => {
    expect(lvsConfig().health_check).toEqual({ type: 'TCP_CHECK', delay_loop_us: 60_000_000, connect_timeout_us: 5_000_000, retry: 1, delay_before_retry_us: 1_000_000 });
    expect(lvsConfig('  health_check: { type: HTTP_GET }\n').health_check?.delay_before_retry_us).toBe(3_000_000);
    expect(lvsConfig('  health_check: false\n').health_check).toBeNull();
  });
});
