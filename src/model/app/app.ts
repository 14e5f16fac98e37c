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
// RemoteDeductionStock returns false on any Redis error, so the user hears "sold out" and the
// local deduction stays spent (`local_rollback: true` gives it back).
// `concurrency: c` widens the channel to c: up to c requests inside at once, one FIFO queue
// in front (an M/M/c station with exponential service).
import { DeadlineQueue } from '../../engine/deadlines.js';
import type { Engine } from '../../engine/engine.js';
import type { RngStream, RngStreams } from '../../engine/rng.js';
import type { Scenario } from '../../scenario/types.js';
import { unreachable } from '../../engine/assert.js';
import { type Connectivity, DATA_RTO_US, SYN_RTO_US } from '../shared/connectivity.js';
import type { AppFault, FaultHandler } from '../faults/injector.js';
import { OUTCOME_ERROR, OUTCOME_OK, OUTCOME_SOLD_OUT, type RequestTable } from '../client/requests.js';
import { makeSampler, type Sampler } from '../shared/service-time.js';
import { Station } from '../shared/station.js';
import type { TraceHook } from '../shared/trace-hook.js';
import type { AppCounters } from './counters.js';
import { Port } from '../shared/port.js';
import { ColumnPool } from '../../engine/columns.js';
import type { ProcCpu } from '../host/hosts.js';

export const REDIS_GRANTED = 1;
export const REDIS_REFUSED = 0;
export const REDIS_FAILED = -1;

export interface Inventory {
  /**
   * Takes a command slot for the deduction of handler run (job, use), for `user`; the slot is the
   * entity of commandKind, and the reply names (job, use) again.
   */
  newCommand(server: number, job: number, use: number, user: number, reqId: number): number;
  /** The event kind of a command arriving at Redis. */
  readonly commandKind: number;
  /**
   * The client of server `s` dials: a Sentinel-aware client first asks a Sentinel for the master
   * (go-redis FailoverClient's dialer calls MasterAddr on every new connection).
   */
  resolve?(s: number): void;
  /** The node server `s`'s client dials (the master it resolved). */
  nodeFor(s: number): number;
  /** Does server `s`'s dial succeed (a master resolved, its process up: not refused)? */
  dialable(s: number): boolean;
}
export interface UpstreamClient {
  /** The event kind of an answer (entity req, arg gen) reaching nginx. */
  readonly responseKind: number;
  connected(req: number): void;
  /** Takes the answer to `req`'s attempt `gen`, arriving `delay_us` from now, at once if that changes nothing; false: send it. */
  takeAnswerAhead(req: number, gen: number, delay_us: number): boolean;
}

export class AppTier implements FaultHandler<AppFault> {
  readonly count: number;
  readonly names: string[];
  readonly alive: Uint8Array;
  readonly localStock: Int32Array;
  readonly salesVolume: Float64Array; // LocalSalesVolume
  readonly localSold: Float64Array; // local deductions that succeeded (this life of the process)
  readonly concurrency: number;
  // Station s is server s's lock: `concurrency` handler runs (jobs) inside, the rest wait in FIFO
  // order. Completions are told stale by the job's `use` (moved on when a kill ends the job).
  private readonly lock: Station;
  // handler runs in flight (see newJob); `use` tells this run of a slot from earlier ones
  private readonly jobs = new ColumnPool({ req: Int32Array, server: Int32Array, gen: Int32Array, use: Int32Array, awaiting: Uint8Array, life: Int32Array, pending: Int8Array }, 256);
  // per server: bumped by each kill, so a job on the CPU outside the lock knows its process died
  private readonly life: Int32Array;
  // per server: its CPU when placed on a host (null: unlimited), and the work before, inside and after the lock
  private cpu: (ProcCpu | null)[] | null = null;
  private readonly cpuCost_us = { before: new Float64Array(0), lock: new Float64Array(0), after: new Float64Array(0), send: 0, reply: 0, gc: 0 };
  private gcEvery = 0; // a garbage collection pause at every gcEvery-th request a server receives (0: none)
  private gcCount = new Int32Array(0); // per server: requests received since its last pause
  private kCpuSend = -1;
  private kCpuReply = -1;
  private kCpuBefore = -1;
  private kCpuLock = -1;
  private kCpuAfter = -1;
  private readonly samplers: Sampler[];
  private readonly slowFactor: Float64Array;
  private readonly redisConnBroken: Uint8Array; // the pooled connection was reset: the next call dials
  private readonly exact: boolean;
  private readonly rollback: boolean;
  // per link: [k * count + s] nginx->app, then [nginxes * count + s] app->redis
  private readonly linkRngs: RngStream[];
  private readonly linkLatency_us: Float64Array;
  private readonly redisLinks: number; // index of the first link to Redis
  private readonly kArrive: number;
  private readonly kDone: number;
  private readonly kDialed: number;
  private readonly redisTimers: DeadlineQueue | null;
  private readonly dialTimers: DeadlineQueue | null;
  private readonly nginx = new Port<UpstreamClient>('app -> nginx');
  trace: TraceHook | null = null;

  constructor(
    private readonly engine: Engine,
    app: Scenario['app'],
    private readonly requests: RequestTable,
    readonly counters: AppCounters,
    private readonly net: Connectivity,
    private readonly inventory: Inventory,
    rngs: RngStreams,
  ) {
    const servers = net.topology.apps;
    this.count = servers.length;
    this.names = servers.map((s) => s.name);
    this.alive = new Uint8Array(this.count).fill(1);
    this.localStock = Int32Array.from(app.local_stock);
    this.salesVolume = new Float64Array(this.count);
    this.localSold = new Float64Array(this.count);
    this.concurrency = app.concurrency;
    this.lock = new Station(this.count, this.concurrency, 256, counters.load);
    this.samplers = servers.map((s) => makeSampler(app.service_time, rngs.stream(`app:${s.name}`)));
    this.slowFactor = new Float64Array(this.count).fill(1);
    this.redisConnBroken = new Uint8Array(this.count);
    this.life = new Int32Array(this.count);
    this.exact = app.local_check === 'exact';
    this.rollback = app.local_rollback;
    // one stream per link: the proxy links (nginx * apps + app), then the links to Redis
    const links = [...net.topology.proxyLinks, ...net.topology.redisLinks];
    this.linkRngs = links.map((l) => net.rngFor(l));
    this.linkLatency_us = Float64Array.from(links, (l) => l.latency_us);
    this.redisLinks = net.topology.proxyLinks.length;
    this.kArrive = engine.register('app.request', (req, gen) => this.onArrive(req, gen));
    this.kDone = engine.register('app.local_done', (job, use) => this.onLocalDone(job, use));
    this.kDialed = engine.register('app.redis_dialed', (job, use) => this.onDialed(job, use));
    const awaiting = (j: number, use: number) => this.jobs.cols.awaiting[j] === 1 && this.jobs.cols.use[j] === use;
    const timeoutReply = (j: number, use: number) => this.redisReply(this.jobs.cols.server[j], j, use, REDIS_FAILED);
    this.redisTimers =
      app.redis_read_timeout_us > 0
        ? new DeadlineQueue(engine, 'app.redis_read', app.redis_read_timeout_us, awaiting, timeoutReply)
        : null;
    this.dialTimers =
      app.redis_connect_timeout_us > 0
        ? new DeadlineQueue(engine, 'app.redis_dial', app.redis_connect_timeout_us, awaiting, timeoutReply)
        : null;
  }

  /**
   * Servers placed on hosts: a handler run spends `before_us` of CPU before it takes the lock,
   * `lock_us` inside it (then its service time, off-CPU) and `after_us` after it (the reply and
   * the log line: Go sends the reply when the handler returns, after `done <- 1` and writeLog).
   * Every `gc_every`-th request a server receives first waits out a `gc_us` garbage collection
   * pause on its thread (the runtime stops the event loop to collect).
   */
  useCpu(cpu: (ProcCpu | null)[], cost: { before_us: number[]; lock_us: number[]; after_us: number[]; send_us: number; reply_us: number; gc_every?: number; gc_us?: number }): void {
    this.cpu = cpu;
    this.cpuCost_us.before = Float64Array.from(cost.before_us);
    this.cpuCost_us.lock = Float64Array.from(cost.lock_us);
    this.cpuCost_us.after = Float64Array.from(cost.after_us);
    this.cpuCost_us.send = cost.send_us;
    this.cpuCost_us.reply = cost.reply_us;
    this.cpuCost_us.gc = cost.gc_us ?? 0;
    this.gcEvery = cost.gc_every ?? 0;
    this.gcCount = new Int32Array(cpu.length);
    // the Redis client, inside the lock: writing the script call, and reading its reply
    this.kCpuSend = this.engine.register('app.cpu_send', (j, use) => {
      if (this.jobs.cols.use[j] === use) this.callRedis(this.jobs.cols.server[j], j, use);
    });
    this.kCpuReply = this.engine.register('app.cpu_reply', (j, use) => {
      const jc = this.jobs.cols;
      if (jc.use[j] !== use) return;
      const reply = jc.pending[j] - 2;
      jc.pending[j] = 0;
      this.takeReply(jc.server[j], j, reply);
    });
    this.kCpuBefore = this.engine.register('app.cpu_before', (j, use) => this.onCpuBefore(j, use));
    this.kCpuLock = this.engine.register('app.cpu_lock', (j, use) => {
      if (this.jobs.cols.use[j] === use) this.serviceAfterCpu(this.jobs.cols.server[j], j);
    });
    this.kCpuAfter = this.engine.register('app.cpu_after', (j, use) => this.onCpuAfter(j, use));
  }

  private cpuOf(s: number): ProcCpu | null {
    return this.cpu === null ? null : this.cpu[s];
  }

  /** The reply path: the nginx tier that waits for the answers. */
  connect(nginx: UpstreamClient): void {
    this.nginx.bind(nginx);
  }

  /** nginx instance `k` proxies `req` to server `s`: a new connection (SYN, then the request). */
  deliver(req: number, s: number, k: number): number {
    const rq = this.requests;
    this.counters.requests[s]++;
    rq.server[req] = s;
    rq.gen[req]++;
    const link = k * this.count + s;
    const net = this.net;
    return net.send(net.nginxNode[k], net.appNode[s], this.linkLatency_us[link], net.nginxAppLoss[link], SYN_RTO_US, this.linkRngs[link], this.kArrive, req, rq.gen[req]);
  }

  private onArrive(r: number, gen: number): void {
    const rq = this.requests;
    if (rq.gen[r] !== gen) return; // nginx moved on, or the user is gone
    const s = rq.server[r];
    if (!this.alive[s]) {
      // the process is gone: the connection is refused, nginx sees an error one hop later
      rq.status[r] = OUTCOME_ERROR;
      this.counters.lost[s]++;
      this.trace?.hop(r, 'app', this.names[s], 'refused', OUTCOME_ERROR);
      this.answerNginx(s, r);
      return;
    }
    rq.hold(r);
    this.trace?.hop(r, 'app', this.names[s], 'arrive');
    this.nginx.to.connected(r);
    const j = this.newJob(r, s, gen);
    const cpu = this.cpuOf(s);
    if (cpu) cpu.run(this.cpuCost_us.before[s] + this.gcPause(s), this.kCpuBefore, j, this.jobs.cols.use[j]);
    else if (this.lock.arrive(s, j, this.engine.now_us)) this.startService(s, j);
  }

  /** The garbage collection pause that falls on server `s`'s request arriving now: every gcEvery-th one. */
  private gcPause(s: number): number {
    if (this.gcEvery <= 0 || ++this.gcCount[s] < this.gcEvery) return 0;
    this.gcCount[s] = 0;
    return this.cpuCost_us.gc;
  }

  /** The handler's work before `<-done` is done: it queues for the lock, unless its process died meanwhile. */
  private onCpuBefore(j: number, use: number): void {
    const jc = this.jobs.cols;
    if (jc.use[j] !== use) return;
    const s = jc.server[j];
    if (jc.life[j] !== this.life[s]) this.lostOutsideLock(s, j);
    else if (this.lock.arrive(s, j, this.engine.now_us)) this.startService(s, j);
  }

  /** The reply and the log line are done: the answer leaves, unless the process died meanwhile. */
  private onCpuAfter(j: number, use: number): void {
    const jc = this.jobs.cols;
    if (jc.use[j] !== use) return;
    const s = jc.server[j];
    if (jc.life[j] !== this.life[s]) {
      this.lostOutsideLock(s, j);
      return;
    }
    const r = jc.req[j];
    if (this.current(j)) this.answerNginx(s, r);
    this.freeJob(j);
    this.requests.unhold(r);
  }

  /** A job on the CPU outside the lock when its process was killed: its connection is reset. */
  private lostOutsideLock(s: number, j: number): void {
    const r = this.jobs.cols.req[j];
    this.dropJob(s, j);
    this.counters.lost[s]++;
    this.freeJob(j);
    this.requests.unhold(r);
  }

  /** A killed job's request: if nginx still waits for it, the kernel resets its connection. */
  private dropJob(s: number, j: number): void {
    const rq = this.requests;
    const r = this.jobs.cols.req[j];
    if (this.current(j)) {
      rq.gen[r]++; // the attempt is over: nginx's timers for it are stale
      rq.status[r] = OUTCOME_ERROR;
      this.answerNginx(s, r); // the kernel resets the connection
    }
  }

  /**
   * One handler run: request `r`'s attempt at server `s`. It runs to its end even when nginx gives
   * up on the attempt and tries another server (Go does not cancel the handler when the client
   * closes): it still takes the lock, deducts local stock and calls Redis, and only its answer
   * goes nowhere. So the app's events name the job, not the request.
   */
  private newJob(r: number, s: number, gen: number): number {
    const j = this.jobs.alloc();
    const c = this.jobs.cols;
    c.req[j] = r;
    c.server[j] = s;
    c.gen[j] = gen;
    c.awaiting[j] = 0;
    c.use[j]++;
    c.life[j] = this.life[s];
    c.pending[j] = 0;
    return j;
  }

  /** Is nginx still waiting for this job's answer (the request's current attempt)? */
  private current(j: number): boolean {
    const c = this.jobs.cols;
    return this.requests.gen[c.req[j]] === c.gen[j];
  }

  /** Job `j` went inside the lock of server `s`: the local deduction takes a service time. */
  private startService(s: number, j: number): void {
    const cpu = this.cpuOf(s);
    if (cpu) cpu.run(this.cpuCost_us.lock[s] * this.slowFactor[s], this.kCpuLock, j, this.jobs.cols.use[j]);
    else this.serviceAfterCpu(s, j);
  }

  private serviceAfterCpu(s: number, j: number): void {
    const st = Math.round(this.samplers[s]() * this.slowFactor[s]);
    this.engine.schedule(st, this.kDone, j, this.jobs.cols.use[j]);
  }

  private onLocalDone(j: number, use: number): void {
    const jc = this.jobs.cols;
    if (jc.use[j] !== use) return; // the server died meanwhile
    const rq = this.requests;
    const r = jc.req[j];
    const s = jc.server[j];
    let ok: boolean;
    if (this.exact) {
      ok = this.salesVolume[s] < this.localStock[s];
      if (ok) this.salesVolume[s]++;
    } else {
      this.salesVolume[s]++;
      ok = this.salesVolume[s] < this.localStock[s];
    }
    this.trace?.hop(r, 'app', this.names[s], ok ? 'local_ok' : 'local_sold_out', ok ? 0 : OUTCOME_SOLD_OUT);
    if (!ok) {
      if (this.current(j)) rq.status[r] = OUTCOME_SOLD_OUT;
      this.counters.soldOut[s]++;
      this.finish(s, j);
      return;
    }
    this.localSold[s]++;
    this.counters.localSold[s]++;
    // the lock stays held while Redis answers
    jc.awaiting[j] = 1;
    const cpu = this.cpuOf(s);
    if (cpu) cpu.run(this.cpuCost_us.send, this.kCpuSend, j, use);
    else this.callRedis(s, j, use);
  }

  private callRedis(s: number, j: number, use: number): void {
    if (this.redisConnBroken[s]) this.dial(s, j, use);
    else this.sendToRedis(s, j, use);
  }

  /** A new connection to Redis after the old one was reset (one round trip; SYNs retransmitted). */
  private dial(s: number, j: number, use: number): void {
    this.dialTimers?.arm(j, use); // without a connect timeout the handler waits as long as TCP does
    this.inventory.resolve?.(s);
    const link = this.redisLinks + s;
    const net = this.net;
    net.send(net.appNode[s], this.inventory.nodeFor(s), 2 * this.linkLatency_us[link], net.appRedisLoss[s], SYN_RTO_US, this.linkRngs[link], this.kDialed, j, use);
  }

  private onDialed(j: number, use: number): void {
    const jc = this.jobs.cols;
    if (jc.use[j] !== use || !jc.awaiting[j]) return;
    const s = jc.server[j];
    if (!this.inventory.dialable(s)) {
      this.redisReply(s, j, use, REDIS_FAILED); // connection refused
      return;
    }
    this.redisConnBroken[s] = 0;
    this.sendToRedis(s, j, use);
  }

  private sendToRedis(s: number, j: number, use: number): void {
    this.redisTimers?.arm(j, use);
    const inv = this.inventory;
    const r = this.jobs.cols.req[j];
    const c = inv.newCommand(s, j, use, this.requests.user[r], this.requests.id[r]);
    const link = this.redisLinks + s;
    const net = this.net;
    net.send(net.appNode[s], inv.nodeFor(s), this.linkLatency_us[link], net.appRedisLoss[s], DATA_RTO_US, this.linkRngs[link], inv.commandKind, c, 0);
  }

  /** Redis's reply for job `j` (or the app's own timeout): REDIS_GRANTED, _REFUSED or _FAILED. */
  redisReply(server: number, j: number, use: number, reply: number): void {
    const jc = this.jobs.cols;
    if (jc.use[j] !== use || !jc.awaiting[j] || !this.alive[server]) {
      if (reply === REDIS_GRANTED) this.counters.redisOkLost[server]++;
      return;
    }
    jc.awaiting[j] = 0;
    const cpu = this.cpuOf(server);
    if (cpu) {
      jc.pending[j] = reply + 2; // read by the client on the CPU, still inside the lock
      cpu.run(this.cpuCost_us.reply, this.kCpuReply, j, use);
    } else this.takeReply(server, j, reply);
  }

  private takeReply(server: number, j: number, reply: number): void {
    const jc = this.jobs.cols;
    const rq = this.requests;
    const r = jc.req[j];
    const current = this.current(j);
    this.trace?.hop(r, 'app', this.names[server], reply === REDIS_GRANTED ? 'redis_ok' : reply === REDIS_REFUSED ? 'redis_refused' : 'redis_failed', reply === REDIS_GRANTED ? OUTCOME_OK : OUTCOME_SOLD_OUT);
    if (reply === REDIS_GRANTED) {
      if (current) rq.status[r] = OUTCOME_OK;
      this.counters.redisOk[server]++;
    } else {
      // RemoteDeductionStock returned false: the article answers "sold out" for both
      if (current) rq.status[r] = OUTCOME_SOLD_OUT;
      this.counters.soldOut[server]++;
      if (reply === REDIS_REFUSED) this.counters.redisRefused[server]++;
      else {
        this.counters.redisErrors[server]++;
        this.redisConnBroken[server] = 1;
        if (this.rollback) {
          this.salesVolume[server]--;
          this.localSold[server]--;
          this.counters.rolledBack[server]++;
        } else this.counters.burnedLocal[server]++;
      }
    }
    this.finish(server, j);
  }

  /**
   * Server `s`'s client switched master (+switch-master, or a new answer when it dialed): it closes
   * its pooled connections (the next call dials) and reaches the master with one-way `toRedis_us`.
   */
  masterChanged(s: number, toRedis_us: number): void {
    this.redisConnBroken[s] = 1;
    this.linkLatency_us[this.redisLinks + s] = toRedis_us;
  }

  /** The answer goes back over the same connection. */
  private answerNginx(s: number, r: number): void {
    const k = this.requests.nginx[r];
    const link = k * this.count + s;
    const net = this.net;
    const from = net.appNode[s];
    const to = net.nginxNode[k];
    const gen = this.requests.gen[r];
    // a lossless wire that is up only schedules the answer's arrival: nginx may take it now
    if (net.nginxAppLoss[link] === 0 && net.reachable(from, to) && this.nginx.to.takeAnswerAhead(r, gen, this.linkLatency_us[link])) return;
    net.send(from, to, this.linkLatency_us[link], net.nginxAppLoss[link], DATA_RTO_US, this.linkRngs[link], this.nginx.to.responseKind, r, gen);
  }

  /** The handler returns: the answer goes back if nginx still waits for it, and the lock is free. */
  private finish(s: number, j: number): void {
    const r = this.jobs.cols.req[j];
    const cpu = this.cpuOf(s);
    if (cpu === null && this.current(j)) this.answerNginx(s, r);
    const next = this.lock.finish(s, j, this.engine.now_us);
    this.counters.busy_us[s] = this.lock.busyTime_us(s);
    if (cpu === null) {
      this.freeJob(j);
      this.requests.unhold(r);
    } else cpu.run(this.cpuCost_us.after[s], this.kCpuAfter, j, this.jobs.cols.use[j]);
    if (next >= 0) this.startService(s, next);
  }

  private freeJob(j: number): void {
    this.jobs.cols.use[j]++; // its pending events are stale from now on
    this.jobs.cols.awaiting[j] = 0;
    this.jobs.free(j);
  }

  /** Kills the process: queued and in-service requests are reset, local stock is lost. */
  kill(s: number): { lostRequests: number; strandedLocal: number } {
    if (!this.alive[s]) return { lostRequests: 0, strandedLocal: 0 };
    const stranded = this.remainingLocal(s);
    this.alive[s] = 0;
    this.life[s]++; // jobs on the CPU outside the lock find out when their work ends
    const rq = this.requests;
    const dropped = this.lock.kill(s, this.engine.now_us); // in service, then queued
    this.counters.busy_us[s] = this.lock.busyTime_us(s);
    const lost = dropped.length;
    for (let i = 0; i < lost; i++) {
      const j = dropped[i];
      const r = this.jobs.cols.req[j];
      // a grant the Redis client had not read yet is lost with the process
      if (this.jobs.cols.pending[j] - 2 === REDIS_GRANTED) this.counters.redisOkLost[s]++;
      this.dropJob(s, j);
      this.freeJob(j); // its pending events (service end, Redis reply) are stale
      rq.unhold(r);
    }
    this.counters.lost[s] += lost;
    this.counters.strandedAtKill += stranded;
    return { lostRequests: lost, strandedLocal: stranded };
  }

  /** Restarts the process: it reads its configured stock again, with LocalSalesVolume = 0. */
  recover(s: number): void {
    if (this.alive[s]) return;
    this.alive[s] = 1;
    this.salesVolume[s] = 0;
    this.localSold[s] = 0;
    this.redisConnBroken[s] = 1;
  }

  applyFault(f: AppFault, s: number): string {
    switch (f.action) {
      case 'kill': {
        const { lostRequests, strandedLocal } = this.kill(s);
        return `${lostRequests} requests reset, ${strandedLocal} local tickets stranded`;
      }
      case 'slow':
        this.slowFactor[s] = f.factor;
        return `service time x${f.factor}`;
      case 'recover':
        this.recover(s);
        return `restarted with local stock ${this.localStock[s]}`;
      default:
        return unreachable(f);
    }
  }

  endFault(f: AppFault, s: number): string {
    switch (f.action) {
      case 'slow':
        this.slowFactor[s] = 1;
        return 'service time back to normal';
      case 'kill': // a kill with `for`
      case 'recover':
        this.recover(s);
        return `restarted with local stock ${this.localStock[s]}`;
      default:
        return unreachable(f);
    }
  }

  /** Local sales this server could still make. */
  remainingLocal(s: number): number {
    const left = this.exact ? this.localStock[s] - this.salesVolume[s] : this.localStock[s] - 1 - this.salesVolume[s];
    return Math.max(0, left);
  }
}
