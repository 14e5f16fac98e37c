// The nginx tier: instances and workers that proxy each request to an app server picked by
// ./pick-peer.ts, with connect and read timeouts and proxy_next_upstream, following nginx
// src/http/ngx_http_upstream.c.
import { DeadlineQueue } from '../../engine/deadlines.js';
import type { Engine } from '../../engine/engine.js';
import type { RngStream } from '../../engine/rng.js';
import type { NginxCounters } from './counters.js';
import type { Fault, NextUpstreamCondition, Scenario } from '../../scenario/types.js';
import { OUTCOME_ERROR, OUTCOME_TIMEOUT, type RequestTable } from '../client/requests.js';
import type { TraceHook } from '../shared/trace-hook.js';
import { nginxName } from '../../scenario/topology.js';
import { type PeerConfig, RoundRobinPeers } from './pick-peer.js';
import { Port } from '../shared/port.js';
import { check } from '../../engine/assert.js';
import type { ProcCpu } from '../host/hosts.js';

/** Where nginx sends a request upstream, and where it sends the answer back. */
export interface UpstreamTier {
  /** Proxies `req` to app server `server` from nginx instance `instance`. */
  /** Returns when the connection attempt reaches the server (µs from now), or -1 if unknown or never. */
  deliver(req: number, server: number, instance: number): number;
}
export interface Downstream {
  respond(req: number, delay_us: number): void;
}

const BALANCE_RR = 0;
const BALANCE_IP_HASH = 1;
const BALANCE_LEAST_CONN = 2;

/**
 * The nginx tier: `instances` nginx servers, each with `workers` worker processes. Every worker
 * keeps its own peer state, as real nginx does without a shared `zone`.
 * Request flow follows ngx_http_upstream.c: pick a peer, connect (proxy_connect_timeout), wait
 * for the answer (proxy_read_timeout); on an error or a timeout, free the peer as failed and
 * move on (ngx_http_upstream_next) while tries remain, the condition is listed in
 * proxy_next_upstream, proxy_next_upstream_timeout has not passed, and the request may be
 * repeated (a non-idempotent one that was already sent is not, unless `non_idempotent`).
 */
export class NginxTier {
  private readonly primary: RoundRobinPeers[]; // [instance * workers + worker]
  private readonly backup: (RoundRobinPeers | null)[];
  // per instance: peer index -> app server index (with sites, an instance's upstream is its site's servers)
  private readonly primaryServer: Int32Array[];
  private readonly backupServer: Int32Array[];
  private readonly balance: number;
  private readonly retryOnError: boolean;
  private readonly retryOnTimeout: boolean;
  private readonly retryNonIdempotent: boolean;
  private readonly idempotent: boolean;
  private readonly maxTries: number;
  private readonly nextUpstreamTimeout_us: number;
  private readonly kRequest: number;
  readonly responseKind: number;
  private readonly connectTimers: DeadlineQueue;
  private readonly readTimers: DeadlineQueue;
  private readonly downstream = new Port<Downstream>('nginx -> downstream');
  trace: TraceHook | null = null;
  private readonly nodeNames: string[];
  private readonly serverNames: string[];
  // per instance: its CPU when placed on a host (null: unlimited), and the work on the way in and out
  private cpu: (ProcCpu | null)[] | null = null;
  private cpuIn_us = 0;
  private cpuOut_us = 0;
  private kCpuIn = -1;
  private kCpuOut = -1;
  /**
   * Take an answer when the app sends it, when nothing can change before it arrives (see
   * takeAnswerAhead). Set by the wiring: a run option, and off when what lies downstream is not
   * order-free (an LVS that counts connections, sites).
   */
  answersAhead = false;
  private faultTimes = new Float64Array(0); // starts and ends of all faults, sorted
  private faultIdx = 0;

  constructor(
    private readonly engine: Engine,
    private readonly nginx: Scenario['nginx'],
    method: Scenario['users']['method'],
    private readonly clientLatency_us: number, // nginx -> users (one way)
    private readonly requests: RequestTable,
    readonly counters: NginxCounters,
    private readonly upstream: UpstreamTier,
    private readonly clientIp: Uint32Array,
    private readonly workerRng: RngStream[], // one stream per instance
    upstreamOf: (instance: number) => readonly number[], // the app servers in each instance's upstream block
  ) {
    const up = nginx.upstream;
    this.nodeNames = Array.from({ length: nginx.instances }, (_, k) => nginxName(k));
    this.serverNames = up.servers.map((s) => s.name);
    const toPeer = (i: number): PeerConfig => ({
      name: up.servers[i].name,
      weight: up.servers[i].weight,
      max_fails: up.servers[i].max_fails,
      // nginx parses fail_timeout in whole seconds (ngx_parse_time(value, 1))
      fail_timeout_s: Math.floor(up.servers[i].fail_timeout_us / 1e6),
      down: up.servers[i].down,
    });
    this.primaryServer = [];
    this.backupServer = [];
    this.primary = [];
    this.backup = [];
    for (let inst = 0; inst < nginx.instances; inst++) {
      const listed = upstreamOf(inst);
      const primaryIdx = listed.filter((i) => !up.servers[i].backup);
      const backupIdx = listed.filter((i) => up.servers[i].backup);
      this.primaryServer.push(Int32Array.from(primaryIdx));
      this.backupServer.push(Int32Array.from(backupIdx));
      for (let w = 0; w < nginx.workers; w++) {
        this.primary.push(new RoundRobinPeers([]));
        this.backup.push(null);
      }
    }
    this.freshPeers = (inst) => {
      const primaryIdx = Array.from(this.primaryServer[inst]);
      const backupIdx = Array.from(this.backupServer[inst]);
      for (let w = 0; w < nginx.workers; w++) {
        const p = new RoundRobinPeers(primaryIdx.map(toPeer));
        p.single = primaryIdx.length === 1 && backupIdx.length === 0;
        this.primary[inst * nginx.workers + w] = p;
        this.backup[inst * nginx.workers + w] = backupIdx.length > 0 ? new RoundRobinPeers(backupIdx.map(toPeer)) : null;
      }
    };
    for (let inst = 0; inst < nginx.instances; inst++) this.freshPeers(inst);
    this.balance = up.balance === 'ip_hash' ? BALANCE_IP_HASH : up.balance === 'least_conn' ? BALANCE_LEAST_CONN : BALANCE_RR;
    const conds: readonly NextUpstreamCondition[] = up.next_upstream;
    const off = conds.includes('off');
    this.retryOnError = !off && conds.includes('error');
    this.retryOnTimeout = !off && conds.includes('timeout');
    this.retryNonIdempotent = conds.includes('non_idempotent');
    this.idempotent = method === 'GET';
    this.maxTries = up.next_upstream_tries;
    this.nextUpstreamTimeout_us = up.next_upstream_timeout_us;
    this.kRequest = engine.register('nginx.request', (req, instance) => this.onRequest(req, instance));
    this.responseKind = engine.register('nginx.upstream_response', (req, gen) => this.onUpstreamResponse(req, gen));
    const rq = requests;
    const waiting = (r: number, gen: number) => rq.ngxWaiting[r] === 1 && rq.gen[r] === gen;
    this.connectTimers = new DeadlineQueue(engine, 'nginx.connect', nginx.proxy_connect_timeout_us, (r, gen) => waiting(r, gen) && !rq.connected[r], (r) =>
      this.upstreamFailed(r, true),
    );
    this.readTimers = new DeadlineQueue(engine, 'nginx.read', nginx.proxy_read_timeout_us, waiting, (r) => this.upstreamFailed(r, true));
  }

  private readonly freshPeers: (instance: number) => void;

  /**
   * Instance `k` starts again (its site came back): every worker's upstream state is new, as after
   * a restart of nginx (no peer marked failed, smooth weighted round robin from the start).
   */
  restart(k: number): void {
    this.freshPeers(k);
  }

  /** The reply path: the users, or the LVS directors in front. */
  connect(downstream: Downstream): void {
    this.downstream.bind(downstream);
  }

  /** A request reaches nginx after `delay_us`: at `instance` when an LVS director chose it (-1: none). */
  accept(req: number, delay_us: number, instance = -1): void {
    this.engine.schedule(delay_us, this.kRequest, req, instance);
  }

  /** Instances placed on hosts: each request costs `in_us` of CPU before it is proxied, `out_us` before its answer leaves. */
  useCpu(cpu: (ProcCpu | null)[], in_us: number, out_us: number): void {
    this.cpu = cpu;
    this.cpuIn_us = in_us;
    this.cpuOut_us = out_us;
    this.kCpuIn = this.engine.register('nginx.cpu_in', (r, k) => this.forward(r, k));
    this.kCpuOut = this.engine.register('nginx.cpu_out', (r) => this.downstream.to.respond(r, this.clientLatency_us));
  }

  /** The answer to `r` goes back to the client, after nginx's own work on the way out if it is on a host. */
  private reply(r: number): void {
    const cpu = this.cpu === null ? null : this.cpu[this.requests.nginx[r]];
    if (cpu) cpu.run(this.cpuOut_us, this.kCpuOut, r, 0);
    else this.downstream.to.respond(r, this.clientLatency_us);
  }

  /** The app accepted the connection of the current attempt: the read timeout starts. */
  connected(req: number): void {
    this.requests.connected[req] = 1;
    this.readTimers.arm(req, this.requests.gen[req]);
  }

  private onRequest(r: number, chosen: number): void {
    const rq = this.requests;
    const nginx = this.nginx;
    // The LVS director's choice; without an LVS tier, a client address hash spreads users over instances.
    const inst = chosen >= 0 ? chosen : nginx.instances > 1 ? this.clientIp[rq.user[r]] % nginx.instances : 0;
    // Which worker accepts a connection is up to the kernel; model it as a fair draw.
    const worker = nginx.workers > 1 ? this.workerRng[inst].int(nginx.workers) : 0;
    rq.nginx[r] = inst;
    rq.worker[r] = worker;
    rq.nginxStart_us[r] = this.engine.now_us;
    const k = inst * nginx.workers + worker;
    const b = this.backup[k];
    // ngx_http_upstream_tries(): non-down primaries + non-down backups
    let tries = this.primary[k].tries() + (b ? b.tries() : 0);
    if (this.maxTries > 0 && tries > this.maxTries) tries = this.maxTries;
    rq.triesLeft[r] = tries;
    this.counters.requests[inst]++;
    this.counters.load.finished(inst, this.engine.now_us);
    this.counters.perWorker[inst][worker]++;
    this.trace?.hop(r, 'nginx', this.nodeNames[inst], 'accept');
    const cpu = this.cpu === null ? null : this.cpu[inst];
    if (cpu) cpu.run(this.cpuIn_us, this.kCpuIn, r, k);
    else this.forward(r, k);
  }

  private pickFrom(peers: RoundRobinPeers, r: number, now_s: number): number {
    const rq = this.requests;
    const off = r * rq.triedWords;
    if (this.balance === BALANCE_LEAST_CONN) return peers.pickLeastConn(now_s, rq.tried, off);
    if (this.balance === BALANCE_IP_HASH) return peers.pickIpHash(now_s, rq.tried, off, this.clientIp[rq.user[r]], rq.hashState, r, rq.hashTries);
    return peers.pick(now_s, rq.tried, off);
  }

  private forward(r: number, k: number): void {
    const rq = this.requests;
    const now_s = Math.floor(this.engine.now_us / 1e6);
    let peer = -1;
    if (!rq.onBackup[r]) peer = this.pickFrom(this.primary[k], r, now_s);
    const b = this.backup[k];
    if (peer < 0 && b !== null) {
      if (!rq.onBackup[r]) {
        // all primaries failed: switch to the backup list for the rest of this request
        rq.onBackup[r] = 1;
        const off = r * rq.triedWords;
        rq.tried.fill(0, off, off + rq.triedWords);
      }
      peer = this.pickFrom(b, r, now_s);
    }
    if (peer < 0) {
      // NGX_BUSY: "no live upstreams" -> 502 without contacting anyone
      this.answer(r, OUTCOME_ERROR);
      return;
    }
    rq.peer[r] = peer;
    const inst = rq.nginx[r];
    const server = rq.onBackup[r] ? this.backupServer[inst][peer] : this.primaryServer[inst][peer];
    this.trace?.hop(r, 'nginx', this.nodeNames[rq.nginx[r]], `proxy:${this.serverNames[server]}`);
    rq.ngxWaiting[r] = 1;
    rq.connected[r] = 0;
    rq.upstreamTimedOut[r] = 0;
    const arrival_us = this.upstream.deliver(r, server, rq.nginx[r]);
    // A SYN known to arrive in time cannot time out: the read timeout takes over from there.
    if (arrival_us < 0 || arrival_us >= this.connectTimers.timeout_us) this.connectTimers.arm(r, rq.gen[r]);
  }

  private peersOf(r: number): RoundRobinPeers {
    const rq = this.requests;
    const k = rq.nginx[r] * this.nginx.workers + rq.worker[r];
    if (!rq.onBackup[r]) return this.primary[k];
    const backup = this.backup[k];
    check(backup !== null, () => `request ${r} switched to a backup list that instance ${k} does not have`);
    return backup;
  }

  private onUpstreamResponse(r: number, gen: number): void {
    const rq = this.requests;
    if (!rq.ngxWaiting[r] || rq.gen[r] !== gen) return; // nginx gave up on that attempt already
    if (rq.status[r] === OUTCOME_ERROR) {
      this.upstreamFailed(r, false);
      return;
    }
    rq.ngxWaiting[r] = 0;
    const peers = this.peersOf(r);
    peers.free(rq.peer[r], Math.floor(this.engine.now_us / 1e6), false);
    if (rq.triesLeft[r] > 0) rq.triesLeft[r]--;
    this.trace?.hop(r, 'nginx', this.nodeNames[rq.nginx[r]], 'respond', rq.status[r]);
    this.letGo(r);
    this.reply(r);
  }

  /** ngx_http_upstream_next: an error (reset, refused) or a timeout on the current attempt. */
  private upstreamFailed(r: number, timedOut: boolean): void {
    const rq = this.requests;
    rq.ngxWaiting[r] = 0;
    this.trace?.hop(r, 'nginx', this.nodeNames[rq.nginx[r]], timedOut ? 'upstream_timeout' : 'upstream_error');
    const peers = this.peersOf(r);
    // error and timeout always count as a failure of the peer, retried or not
    peers.free(rq.peer[r], Math.floor(this.engine.now_us / 1e6), true);
    if (rq.triesLeft[r] > 0) rq.triesLeft[r]--;
    if (peers.single) rq.triesLeft[r] = 0; // a single peer is never retried
    const sent = rq.connected[r] === 1;
    const listed = timedOut ? this.retryOnTimeout : this.retryOnError;
    const repeatable = this.idempotent || this.retryNonIdempotent || !sent;
    const inTime = this.nextUpstreamTimeout_us === 0 || this.engine.now_us - rq.nginxStart_us[r] < this.nextUpstreamTimeout_us;
    if (rq.triesLeft[r] > 0 && listed && repeatable && inTime) {
      this.counters.retries[rq.nginx[r]]++;
      this.forward(r, rq.nginx[r] * this.nginx.workers + rq.worker[r]);
      return;
    }
    // 504 for a timeout, 502 for anything else
    this.answer(r, timedOut ? OUTCOME_TIMEOUT : OUTCOME_ERROR);
  }

  private answer(r: number, outcome: number): void {
    this.requests.status[r] = outcome;
    this.trace?.hop(r, 'nginx', this.nodeNames[this.requests.nginx[r]], outcome === OUTCOME_TIMEOUT ? 'respond_504' : 'respond_502', outcome);
    if (outcome === OUTCOME_TIMEOUT) this.counters.gatewayTimeout[this.requests.nginx[r]]++;
    else this.counters.badGateway[this.requests.nginx[r]]++;
    this.letGo(r);
    this.reply(r);
  }

  /**
   * nginx lets go of `r`: the time it held it joins its instance's load. Credited per request
   * (from when nginx took it) rather than as a running count, so an answer taken ahead of its
   * time adds the same: whole microseconds, so the sums are exact in any order.
   */
  private letGo(r: number): void {
    const rq = this.requests;
    this.counters.load.credit(rq.nginx[r], rq.nginxStart_us[r], this.engine.now_us, 0, 1);
  }

  /** The start and end of every fault in the run (takeAnswerAhead takes no answer across one). */
  noteFaultTimes(schedule: readonly Fault[]): void {
    const times: number[] = [];
    for (const f of schedule) {
      times.push(f.at_us);
      if (f.for_us > 0 || f.action === 'restart') times.push(f.at_us + f.for_us);
    }
    this.faultTimes = Float64Array.from(times.sort((a, b) => a - b));
  }

  /**
   * The app sends the answer to `r`'s attempt `gen`; it arrives `delay_us` from now. Takes it now,
   * as the event would then (engine.beginAhead), when nothing nginx or the tiers downstream read
   * or change for it can change before then: no fault starts or ends, no read timeout can fire
   * (a wake-up would find the request answered early), the request's own read timeout falls
   * later, and the peer has no failures, so freeing it early only lowers its connection count,
   * which round robin and ip_hash never read. Even if the peer fails meanwhile, the free at
   * arrival would not clear that failure: that needs a pick of the peer in a later second than
   * the failure (a new fail_timeout check window), so the span must not cross a second. Returns
   * false when the answer has to travel as an event.
   */
  takeAnswerAhead(r: number, gen: number, delay_us: number): boolean {
    if (!this.answersAhead || this.cpu !== null || this.trace !== null || this.balance === BALANCE_LEAST_CONN) return false;
    const rq = this.requests;
    if (rq.status[r] === OUTCOME_ERROR || !rq.ngxWaiting[r] || rq.gen[r] !== gen) return false;
    const now = this.engine.now_us;
    const at = now + delay_us;
    if (Math.floor(now / 1e6) !== Math.floor(at / 1e6)) return false;
    if (at - rq.nginxStart_us[r] >= this.readTimers.timeout_us || this.readTimers.actsWithin(now, at)) return false;
    if (this.faultWithin(now, at)) return false;
    if (this.peersOf(r).fails[rq.peer[r]] !== 0) return false;
    this.engine.beginAhead(delay_us);
    this.onUpstreamResponse(r, gen);
    this.engine.endAhead();
    return true;
  }

  private faultWithin(from_us: number, to_us: number): boolean {
    const ft = this.faultTimes;
    while (this.faultIdx < ft.length && ft[this.faultIdx] < from_us) this.faultIdx++;
    return this.faultIdx < ft.length && ft[this.faultIdx] <= to_us;
  }
}
