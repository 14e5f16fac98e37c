// keepalived's real-server checkers (TCP_CHECK, HTTP_GET), one per (director, nginx instance).
// Follows acassen/keepalived keepalived/check/check_tcp.c (tcp_connect_thread, tcp_epilog) and
// check_http.c: a check connects (and for HTTP_GET asks for a page); a dead host answers nothing,
// so the check fails after connect_timeout. tcp_epilog: on success, or on a failure with
// retry_it >= retry, the next check is delay_loop later (a failure then marks the server DOWN and
// keepalived deletes it from the IPVS service; a success on a DOWN server adds it back); on a
// failure with retry_it < retry, the retry is delay_before_retry later. So a server is removed
// after retry + 1 failed checks, each connect_timeout long, spaced delay_before_retry.
//
// A checker whose verdict matches its server's state only repeats the same answer, so it sleeps
// (no events) and keeps its phase: checks start at phase + k x (delay_loop + check time). It wakes
// when its server dies or comes back. Checkers start UP (keepalived's default without `alpha`);
// the phase of each is drawn from the stream `check:<director>:<nginx>`.
import type { Engine } from '../../engine/engine.js';
import type { RngStreams } from '../../engine/rng.js';
import type { HealthCheck, LvsConfig } from '../../scenario/network-types.js';
import type { NetMetrics } from './counters.js';
import { nextSendAtOrAfter_us } from './routers.js';

export interface CheckedPool {
  /** Is nginx instance k's host up? (a check connects to it) */
  rsAlive(k: number): boolean;
  /** keepalived deletes (up = false) or adds back (true) real server k on director d. */
  rsVerdict(d: number, k: number, up: boolean): void;
  /** Is there still work going on? When not, checkers whose verdict is settled stop. */
  busy(): boolean;
}

export class HealthCheckers {
  private readonly K: number;
  readonly up: Uint8Array; // [d * K + k] the checker's verdict
  private readonly retryIt: Int32Array;
  private readonly next_us: Float64Array; // next check start (the phase while asleep)
  private readonly awake: Uint8Array;
  /** Checkers with a check in progress or scheduled (0: none can change the pool soon). */
  awakeCount = 0;
  private readonly outcome: Uint8Array; // result of the check in flight: 1 success
  private readonly gen: Int32Array;
  private readonly running: Uint8Array; // per director: keepalived's checker process runs
  private readonly period_us: number;
  private readonly checkTime_us: number; // a successful check: connect (and GET) round trips
  private readonly kStart: number;
  private readonly kResult: number;

  constructor(
    private readonly engine: Engine,
    private readonly cfg: LvsConfig,
    private readonly hc: HealthCheck,
    rngs: RngStreams,
    private readonly m: NetMetrics,
    private readonly pool: CheckedPool,
    private readonly rsNames: readonly string[], // the real servers (nginx instances), in k order
    kindSuffix = '', // with several fronts (sites): tells their event kinds apart
  ) {
    this.K = rsNames.length;
    const D = cfg.directors.length;
    const n = D * this.K;
    this.up = new Uint8Array(n).fill(1);
    this.retryIt = new Int32Array(n);
    this.next_us = new Float64Array(n);
    this.awake = new Uint8Array(n);
    this.outcome = new Uint8Array(n);
    this.gen = new Int32Array(n);
    this.running = new Uint8Array(D).fill(1);
    const rtt = 2 * cfg.latency_us;
    this.checkTime_us = this.hc.type === 'HTTP_GET' ? 2 * rtt : rtt;
    this.period_us = this.hc.delay_loop_us + this.checkTime_us;
    for (let d = 0; d < D; d++) {
      for (let k = 0; k < this.K; k++) {
        const rng = rngs.stream(`check:${cfg.directors[d]}:${rsNames[k]}`);
        this.next_us[d * this.K + k] = Math.floor(rng.random() * this.period_us);
      }
    }
    this.kStart = engine.register(`check.start${kindSuffix}`, (i, gen) => this.onStart(i, gen));
    this.kResult = engine.register(`check.result${kindSuffix}`, (i, gen) => this.onResult(i, gen));
  }

  /** nginx instance k died or came back: its checkers on every running director wake up. */
  rsChanged(k: number): void {
    for (let d = 0; d < this.cfg.directors.length; d++) if (this.running[d]) this.wake(d * this.K + k);
  }

  /** keepalived on d stopped or its host died: no more checks. */
  directorDown(d: number): void {
    this.running[d] = 0;
    for (let k = 0; k < this.K; k++) {
      const i = d * this.K + k;
      this.gen[i]++;
      this.sleep(i);
    }
  }

  /** keepalived on d starts: every server UP again, first checks within one delay_loop. */
  directorUp(d: number, rng: () => number): void {
    this.running[d] = 1;
    const now = this.engine.now_us;
    for (let k = 0; k < this.K; k++) {
      const i = d * this.K + k;
      this.gen[i]++;
      this.sleep(i);
      this.up[i] = 1;
      this.retryIt[i] = 0;
      this.next_us[i] = now + Math.floor(rng() * this.hc.delay_loop_us);
      if (!this.pool.rsAlive(k)) this.wake(i);
    }
  }

  private sleep(i: number): void {
    if (this.awake[i]) this.awakeCount--;
    this.awake[i] = 0;
  }

  private wake(i: number): void {
    if (this.awake[i]) return;
    this.awake[i] = 1;
    this.awakeCount++;
    const now = this.engine.now_us;
    // asleep, the checker kept checking on its period: the next of those checks
    const at = this.next_us[i] >= now ? this.next_us[i] : nextSendAtOrAfter_us(this.next_us[i], this.period_us, now);
    this.gen[i]++;
    this.engine.at(at, this.kStart, i, this.gen[i]);
  }

  private onStart(i: number, gen: number): void {
    if (gen !== this.gen[i]) return;
    const k = i % this.K;
    // the outcome is decided when the connection is attempted
    const ok = this.pool.rsAlive(k);
    this.outcome[i] = ok ? 1 : 0;
    this.engine.schedule(ok ? this.checkTime_us : this.hc.connect_timeout_us, this.kResult, i, gen);
  }

  /** tcp_epilog */
  private onResult(i: number, gen: number): void {
    if (gen !== this.gen[i]) return;
    const now = this.engine.now_us;
    const d = Math.floor(i / this.K);
    const k = i % this.K;
    const ok = this.outcome[i] === 1;
    let delay = this.hc.delay_loop_us;
    if (ok || this.retryIt[i] >= this.hc.retry) {
      this.retryIt[i] = 0;
      if (ok && !this.up[i]) this.verdict(d, k, i, true);
      else if (!ok && this.up[i]) this.verdict(d, k, i, false);
    } else {
      delay = this.hc.delay_before_retry_us;
      this.retryIt[i]++;
    }
    this.next_us[i] = now + delay;
    const settled = this.retryIt[i] === 0 && this.up[i] === (this.pool.rsAlive(k) ? 1 : 0);
    if (settled && (this.up[i] === 1 || !this.pool.busy())) {
      this.sleep(i); // sleeps on its period
      return;
    }
    this.engine.at(this.next_us[i], this.kStart, i, gen);
  }

  private verdict(d: number, k: number, i: number, up: boolean): void {
    const now = this.engine.now_us;
    this.up[i] = up ? 1 : 0;
    this.m.log(now, this.cfg.directors[d], up ? 'real server up' : 'real server down', `${this.rsNames[k]} (${this.hc.type})`);
    if (!up) this.m.detected(now);
    this.m.converged(now); // the pool changed: what the fault asked of the front end is done
    this.pool.rsVerdict(d, k, up);
  }
}
