// The users: open load (N users arriving as a Poisson or evenly spaced process) or closed load
// (`concurrency` clients that each send their next request when the last one is answered, as
// `ab -n requests -c concurrency` does). Each user wants one ticket and has a client IP. A user
// stops waiting after `timeout`; after an error or a timeout they may click again (`retries`),
// after a jittered backoff. A user counts once in users.*, however many requests they send.
import { DeadlineQueue } from '../../engine/deadlines.js';
import type { Engine } from '../../engine/engine.js';
import type { RngStream } from '../../engine/rng.js';
import type { Ledger } from '../../metrics/ledger.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Scenario } from '../../scenario/types.js';
import type { TraceHook } from '../shared/trace-hook.js';
import type { ProcCpu } from '../host/hosts.js';
import { check } from '../../engine/assert.js';
import {
  OUTCOME_ERROR,
  OUTCOME_NONE,
  OUTCOME_OK,
  OUTCOME_SOLD_OUT,
  OUTCOME_TIMEOUT,
  type RequestTable,
} from './requests.js';

export interface FrontDoor {
  /** Hands a request to the first tier after `delay_us` on the wire. */
  accept(req: number, delay_us: number): void;
}

const CLIENT_IP_BASE = (10 << 24) >>> 0; // simulated 10.0.0.0/8 pool; never real traffic

/** How many users a load brings: open load's users, or closed load's requests (like ab -n). */
export function usersIn(load: Scenario['users']['load']): number {
  return load.kind === 'open' ? load.users : load.requests;
}

/** How long after its last send a request may still be waited for: every try, timeout and backoff. */
export function patience_us(users: Scenario['users']): number {
  return (users.retries + 1) * (users.timeout_us + 2 * users.retry_backoff_us);
}

export class Users {
  readonly total: number;
  readonly requestsSent: Uint16Array;
  readonly final: Uint8Array; // last outcome of each user (OUTCOME_*)
  private readonly client: Int32Array; // closed load: the client that issued each user
  private nextUser = 0;
  private arrivalClock_us = 0; // exact (fractional) arrival time, rounded only when scheduled
  private readonly kArrival: number;
  private readonly kResponse: number;
  private readonly kClientNext: number;
  private readonly kRetry: number;
  private readonly arrivals: number; // open load: the engine's chain for the next arrival
  private readonly timers: DeadlineQueue | null;
  trace: TraceHook | null = null;
  /**
   * Take an answer when it is sent rather than when it arrives (see respond). A run option: tests
   * turn it off to show it changes nothing but the event count and fingerprint.
   */
  answerFastPath = true;
  private readonly open: boolean;
  private readonly poisson: boolean; // open load: Poisson arrivals, else evenly spaced
  private readonly meanGap_us: number; // open load: between two arrivals
  // placed on a host: the load generator's own work per request runs on its cores first
  private cpu: ProcCpu | null = null;
  private cpuCost_us = 0;
  private kSent = -1;

  constructor(
    private readonly engine: Engine,
    private readonly users: Scenario['users'],
    private readonly frontLatency_us: number, // users -> the first tier (one way)
    private readonly requests: RequestTable,
    private readonly metrics: Metrics,
    private readonly ledger: Ledger,
    private readonly front: FrontDoor,
    readonly ip: Uint32Array, // each user's address, shared with the tiers that hash on it
    private readonly rng: RngStream, // arrivals and addresses
    private readonly retryRng: RngStream, // backoff jitter: retries must not shift arrivals
  ) {
    const load = users.load;
    this.total = usersIn(load);
    check(ip.length === this.total, () => `${ip.length} client addresses for ${this.total} users`);
    this.requestsSent = new Uint16Array(this.total);
    this.final = new Uint8Array(this.total);
    this.client = new Int32Array(load.kind === 'closed' ? this.total : 0);
    this.open = load.kind === 'open';
    this.poisson = load.kind === 'open' && load.shape === 'poisson';
    this.meanGap_us = load.kind === 'open' ? 1e6 / load.rate_per_s : 0;
    this.kArrival = engine.register('user.arrive', () => this.onArrival());
    this.kResponse = engine.register('user.response', (req) => this.onResponse(req));
    this.kClientNext = engine.register('user.client_next', (client, ip) => this.startUser(client, ip));
    this.kRetry = engine.register('user.retry', (u) => this.send(u));
    this.arrivals = load.kind === 'open' ? engine.declareChain() : -1;
    const rq = requests;
    this.timers =
      users.timeout_us > 0
        ? new DeadlineQueue(engine, 'user', users.timeout_us, (r, use) => rq.use[r] === use && !rq.abandoned[r], (r) => this.onTimeout(r))
        : null;
  }

  /** The users run on a host: each request costs `cost_us` of its CPU before it leaves (see host/hosts.ts). */
  useCpu(cpu: ProcCpu, cost_us: number): void {
    this.cpu = cpu;
    this.cpuCost_us = cost_us;
    this.kSent = this.engine.register('user.cpu_sent', (r) => this.front.accept(r, this.frontLatency_us));
  }

  /** Schedules the first arrivals; later ones are scheduled as earlier ones fire. */
  start(): void {
    const load = this.users.load;
    if (this.total === 0) return;
    if (load.kind === 'open') {
      this.engine.at(0, this.kArrival, 0);
      return;
    }
    const clients = Math.min(load.concurrency, this.total);
    for (let c = 0; c < clients; c++) {
      this.engine.at(0, this.kClientNext, c, this.rng.int(this.users.client_ips));
    }
  }

  /**
   * The answer to `req` reaches its user after `delay_us`. When nothing can happen to the user
   * before then (their timeout falls later, the outcome sends no retry, open load, no trace),
   * the answer is taken now, stamped with its arrival time: the same run, one event less per
   * request. What it changes (metrics, the ledger, the slot's release) is order-free. No timer
   * wake-up may fall in between either: it would find the request already answered, and a
   * wake-up's next time (hence its place among events at that time) depends on what it finds.
   */
  respond(req: number, delay_us: number): void {
    const rq = this.requests;
    const at_us = this.engine.now_us + delay_us;
    if (
      this.answerFastPath &&
      this.open &&
      this.trace === null &&
      !rq.abandoned[req] &&
      (this.timers === null || (at_us < rq.sent_us[req] + this.timers.timeout_us && !this.timers.actsWithin(this.engine.now_us - this.engine.aheadBy_us, at_us))) &&
      !this.mayRetry(rq.user[req], rq.status[req])
    ) {
      this.answer(req, at_us);
      return;
    }
    this.engine.schedule(delay_us, this.kResponse, req);
  }

  private onArrival(): void {
    const u = this.nextUser++;
    this.ip[u] = (CLIENT_IP_BASE + this.rng.int(this.users.client_ips)) >>> 0;
    this.send(u);
    if (this.nextUser < this.total) {
      if (!this.open) return;
      const gap_us = this.poisson ? this.rng.exp(this.meanGap_us) : this.meanGap_us;
      this.arrivalClock_us += gap_us;
      this.engine.atInChain(this.arrivals, Math.max(this.engine.now_us, Math.round(this.arrivalClock_us)), this.kArrival, 0);
    }
  }

  /** Closed load: client `client` (with address index `ipIndex`) starts its next user. */
  private startUser(client: number, ipIndex: number): void {
    if (this.nextUser >= this.total) return;
    const u = this.nextUser++;
    this.client[u] = client;
    this.ip[u] = (CLIENT_IP_BASE + ipIndex) >>> 0;
    this.send(u);
  }

  private send(u: number): void {
    const r = this.requests.alloc(u, this.engine.now_us);
    this.requestsSent[u]++;
    if (this.requestsSent[u] === 2) this.metrics.usersRetried++;
    this.metrics.requestsTotal++;
    this.metrics.arrivals.add(this.metrics.bin(this.engine.now_us), 1);
    this.timers?.arm(r, this.requests.use[r]);
    this.trace?.hop(r, 'user', 'user', this.requestsSent[u] > 1 ? 'retry' : 'send');
    if (this.cpu !== null) this.cpu.run(this.cpuCost_us, this.kSent, r, 0);
    else this.front.accept(r, this.frontLatency_us);
  }

  /** The user stops waiting; the request goes on without them. */
  private onTimeout(r: number): void {
    const rq = this.requests;
    rq.abandoned[r] = 1;
    this.trace?.hop(r, 'user', 'user', 'gave_up', OUTCOME_TIMEOUT);
    this.record(OUTCOME_TIMEOUT, this.users.timeout_us, this.engine.now_us);
    this.finishOrRetry(rq.user[r], OUTCOME_TIMEOUT);
    if (rq.lost[r]) rq.unhold(r); // no answer will come to release it
  }

  private onResponse(r: number): void {
    const rq = this.requests;
    if (rq.abandoned[r]) {
      // nobody is listening: a ticket granted now has a holder who was never told
      this.metrics.lateAnswers++;
      this.trace?.hop(r, 'user', 'user', 'late_answer', rq.status[r]);
      rq.unhold(r);
      return;
    }
    this.answer(r, this.engine.now_us);
  }

  /** The user reads the answer to `r` at `now`. */
  private answer(r: number, now: number): void {
    const rq = this.requests;
    const u = rq.user[r];
    const outcome = rq.status[r];
    const latency_us = now - rq.sent_us[r];
    rq.abandoned[r] = 1; // answered: its timeout is void
    this.trace?.hop(r, 'user', 'user', 'answer', outcome);
    rq.unhold(r);
    this.record(outcome, latency_us, now);
    this.finishOrRetry(u, outcome);
  }

  private record(outcome: number, latency_us: number, now: number): void {
    this.engine.note(outcome);
    const m = this.metrics;
    const bin = m.bin(now);
    if (now > m.lastResponse_us) m.lastResponse_us = now; // answers taken early come out of order
    const bucket = m.ended(outcome, latency_us, now); // its latency's histogram bucket
    if (outcome === OUTCOME_TIMEOUT) {
      m.requestsTimeouts++;
      m.timeouts.add(bin, 1);
      if (latency_us < this.users.timeout_us) m.latency.recordIn(bucket, latency_us); // nginx's 504
      return;
    }
    m.latency.recordIn(bucket, latency_us);
    m.latencySum_us.add(bin, latency_us);
    if (outcome === OUTCOME_OK) {
      m.requestsOk++;
      m.ok.add(bin, 1);
    } else if (outcome === OUTCOME_SOLD_OUT) {
      m.requestsSoldOut++;
      m.soldOut.add(bin, 1);
    } else {
      m.requestsErrors++;
      m.errors.add(bin, 1);
    }
  }

  private finishOrRetry(u: number, outcome: number): void {
    this.final[u] = outcome;
    if (outcome === OUTCOME_OK) this.ledger.tell(u);
    if (this.mayRetry(u, outcome)) {
      // the user clicks "buy" again after a backoff, jittered +-50 %
      const backoff = Math.round(this.users.retry_backoff_us * (0.5 + this.retryRng.random()));
      this.engine.schedule(backoff, this.kRetry, u);
      return;
    }
    const load = this.users.load;
    if (load.kind === 'closed') {
      const c = this.client[u];
      this.engine.schedule(load.think_time_us, this.kClientNext, c, (this.ip[u] - CLIENT_IP_BASE) >>> 0);
    }
  }

  /** Would this outcome send user `u` clicking again? */
  private mayRetry(u: number, outcome: number): boolean {
    const failed = outcome === OUTCOME_ERROR || outcome === OUTCOME_TIMEOUT;
    return failed && this.requestsSent[u] <= this.users.retries;
  }

  /** At the end of the run: users never answered (no timeout set) count as timed out. */
  closeUnanswered(): void {
    for (let u = 0; u < this.nextUser; u++) {
      if (this.final[u] === OUTCOME_NONE) {
        this.final[u] = OUTCOME_TIMEOUT;
        this.metrics.requestsTimeouts++;
      }
    }
  }

  get arrived(): number {
    return this.nextUser;
  }
}
