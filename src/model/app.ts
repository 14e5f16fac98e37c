// The article's app server (Go). Its handler takes a channel of size 1 as a lock, so one
// request is served at a time, FIFO. Inside the lock it deducts the local stock and, only on
// local success, runs the Redis script synchronously; the sale succeeds only if both succeed:
//
//   <-done
//   if localSpike.LocalDeductionStock() && remoteSpike.RemoteDeductionStock(redisConn) { ok }
//   done <- 1
//
// LocalDeductionStock is `LocalSalesVolume++; return LocalSalesVolume < LocalInStock`, which
// sells LocalInStock - 1 (`local_check: source`); `exact` sells LocalInStock.
// `concurrency: c` widens the channel to c: up to c requests inside at once, one FIFO queue
// in front (an M/M/c station with exponential service).
import type { Engine } from '../engine/engine.js';
import { IntRing } from '../engine/ring.js';
import type { RngStreams } from '../engine/rng.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Fault, Scenario } from '../scenario/types.js';
import type { FaultTarget } from './faults.js';
import { OUTCOME_ERROR, OUTCOME_OK, OUTCOME_SOLD_OUT, type RequestTable } from './requests.js';
import { makeSampler, type Sampler } from './service-time.js';

export interface Inventory {
  /** Sends the deduction for `req` to Redis; the reply comes back through AppTier.redisReply. */
  submit(server: number, req: number, gen: number, user: number, delay_us: number): void;
}
export interface UpstreamClient {
  upstreamResponse(req: number, delay_us: number): void;
}

export class AppTier {
  readonly count: number;
  readonly names: string[];
  readonly alive: Uint8Array;
  readonly localStock: Int32Array;
  readonly salesVolume: Float64Array; // LocalSalesVolume
  readonly localSold: Float64Array; // local deductions that succeeded (this life of the process)
  readonly concurrency: number;
  private readonly busy: Int32Array; // requests inside the lock
  private readonly slots: Int32Array; // [server * concurrency + k]: request in slot k, -1 if free
  private readonly slotSince_us: Float64Array;
  private readonly queues: IntRing[];
  private readonly samplers: Sampler[];
  private readonly slowFactor: Float64Array;
  private readonly exact: boolean;
  private readonly kArrive: number;
  private readonly kDone: number;
  private inventory: Inventory | null = null;
  private nginx: UpstreamClient | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly scenario: Scenario,
    private readonly requests: RequestTable,
    private readonly metrics: Metrics,
    rngs: RngStreams,
  ) {
    const servers = scenario.nginx.upstream.servers;
    this.count = servers.length;
    this.names = servers.map((s) => s.name);
    this.alive = new Uint8Array(this.count).fill(1);
    this.localStock = Int32Array.from(scenario.app.local_stock);
    this.salesVolume = new Float64Array(this.count);
    this.localSold = new Float64Array(this.count);
    this.concurrency = scenario.app.concurrency;
    this.busy = new Int32Array(this.count);
    this.slots = new Int32Array(this.count * this.concurrency).fill(-1);
    this.slotSince_us = new Float64Array(this.count * this.concurrency);
    this.queues = servers.map(() => new IntRing(256));
    this.samplers = servers.map((s) => makeSampler(scenario.app.service_time, rngs.stream(`app:${s.name}`)));
    this.slowFactor = new Float64Array(this.count).fill(1);
    this.exact = scenario.app.local_check === 'exact';
    this.kArrive = engine.register('app.request', (req, gen) => this.onArrive(req, gen));
    this.kDone = engine.register('app.local_done', (req, gen) => this.onLocalDone(req, gen));
  }

  connect(inventory: Inventory, nginx: UpstreamClient): void {
    this.inventory = inventory;
    this.nginx = nginx;
  }

  deliver(req: number, server: number, delay_us: number): void {
    const rq = this.requests;
    rq.server[req] = server;
    rq.gen[req]++;
    this.engine.schedule(delay_us, this.kArrive, req, rq.gen[req]);
  }

  private onArrive(r: number, gen: number): void {
    const rq = this.requests;
    if (rq.gen[r] !== gen) return;
    const s = rq.server[r];
    if (!this.alive[s]) {
      // the process is gone: the connection is refused, nginx sees an error one hop later
      rq.status[r] = OUTCOME_ERROR;
      this.metrics.appLost[s]++;
      (this.nginx as UpstreamClient).upstreamResponse(r, this.scenario.nginx.proxy_latency_us);
      return;
    }
    if (this.busy[s] >= this.concurrency) this.queues[s].push(r);
    else this.startService(s, r);
  }

  private startService(s: number, r: number): void {
    const base = s * this.concurrency;
    let k = base;
    while (this.slots[k] >= 0) k++;
    this.slots[k] = r;
    this.slotSince_us[k] = this.engine.now_us;
    this.busy[s]++;
    const st = Math.round(this.samplers[s]() * this.slowFactor[s]);
    this.engine.schedule(st, this.kDone, r, this.requests.gen[r]);
  }

  private onLocalDone(r: number, gen: number): void {
    const rq = this.requests;
    if (rq.gen[r] !== gen) return; // the server died meanwhile
    const s = rq.server[r];
    let ok: boolean;
    if (this.exact) {
      ok = this.salesVolume[s] < this.localStock[s];
      if (ok) this.salesVolume[s]++;
    } else {
      this.salesVolume[s]++;
      ok = this.salesVolume[s] < this.localStock[s];
    }
    if (!ok) {
      rq.status[r] = OUTCOME_SOLD_OUT;
      this.metrics.appSoldOut[s]++;
      this.finish(s, r);
      return;
    }
    this.localSold[s]++;
    this.metrics.appLocalSold[s]++;
    // the lock stays held while Redis answers
    (this.inventory as Inventory).submit(s, r, gen, rq.user[r], this.scenario.redis.latency_us);
  }

  /** Redis's reply for a request: 1 ticket granted, 0 refused, -1 error (or the connection failed). */
  redisReply(server: number, r: number, gen: number, reply: number): void {
    const rq = this.requests;
    if (rq.gen[r] !== gen || rq.server[r] !== server || !this.alive[server]) {
      if (reply === 1) this.metrics.appRedisOkLost[server]++;
      return;
    }
    if (reply === 1) {
      rq.status[r] = OUTCOME_OK;
      this.metrics.appRedisOk[server]++;
    } else {
      // RemoteDeductionStock returned false: the article answers "sold out" for both
      rq.status[r] = OUTCOME_SOLD_OUT;
      if (reply === 0) this.metrics.appRedisRefused[server]++;
      else this.metrics.appRedisErrors[server]++;
      this.metrics.appSoldOut[server]++;
    }
    this.finish(server, r);
  }

  private finish(s: number, r: number): void {
    (this.nginx as UpstreamClient).upstreamResponse(r, this.scenario.nginx.proxy_latency_us);
    let k = s * this.concurrency;
    while (this.slots[k] !== r) k++;
    this.slots[k] = -1;
    this.metrics.appBusy_us[s] += this.engine.now_us - this.slotSince_us[k];
    this.busy[s]--;
    const next = this.queues[s].shift();
    if (next >= 0) this.startService(s, next);
  }

  /** Kills the process: queued and in-service requests are reset, local stock is lost. */
  kill(s: number): { lostRequests: number; strandedLocal: number } {
    if (!this.alive[s]) return { lostRequests: 0, strandedLocal: 0 };
    const stranded = this.remainingLocal(s);
    this.alive[s] = 0;
    const rq = this.requests;
    let lost = 0;
    const reset = (r: number) => {
      rq.gen[r]++; // its pending events (service end, Redis reply) are now stale
      rq.status[r] = OUTCOME_ERROR;
      lost++;
      (this.nginx as UpstreamClient).upstreamResponse(r, this.scenario.nginx.proxy_latency_us);
    };
    for (let k = s * this.concurrency; k < (s + 1) * this.concurrency; k++) {
      if (this.slots[k] < 0) continue;
      this.metrics.appBusy_us[s] += this.engine.now_us - this.slotSince_us[k];
      reset(this.slots[k]);
      this.slots[k] = -1;
    }
    const q = this.queues[s];
    for (let r = q.shift(); r >= 0; r = q.shift()) reset(r);
    this.busy[s] = 0;
    this.metrics.appLost[s] += lost;
    return { lostRequests: lost, strandedLocal: stranded };
  }

  /** The fault target for server `s`. */
  faultTarget(s: number): FaultTarget {
    return {
      applyFault: (f: Fault) => {
        if (f.action === 'kill') {
          const { lostRequests, strandedLocal } = this.kill(s);
          return `${lostRequests} requests reset, ${strandedLocal} local tickets stranded`;
        }
        this.recover(s);
        return `restarted with local stock ${this.localStock[s]}`;
      },
    };
  }

  /** Restarts the process: it reads its configured stock again, with LocalSalesVolume = 0. */
  recover(s: number): void {
    if (this.alive[s]) return;
    this.alive[s] = 1;
    this.salesVolume[s] = 0;
    this.localSold[s] = 0;
  }

  /** Local sales this server could still make. */
  remainingLocal(s: number): number {
    const left = this.exact ? this.localStock[s] - this.salesVolume[s] : this.localStock[s] - 1 - this.salesVolume[s];
    return Math.max(0, left);
  }

  queueLength(s: number): number {
    return this.queues[s].length + this.busy[s];
  }
}
