// Nginx upstream peer selection, following nginx src/http/ngx_http_upstream_round_robin.c
// (ngx_http_upstream_get_round_robin_peer, ngx_http_upstream_get_peer,
// ngx_http_upstream_free_round_robin_peer) and ngx_http_upstream_tries().
// Times inside the peer state are whole seconds, because nginx uses ngx_time().
import type { Engine } from '../engine/engine.js';
import type { RngStream } from '../engine/rng.js';
import type { Metrics } from '../metrics/metrics.js';
import type { NextUpstreamCondition, Scenario } from '../scenario/types.js';
import { OUTCOME_ERROR, type RequestTable } from './requests.js';

export type PeerConfig = {
  name: string;
  weight: number;
  max_fails: number;
  fail_timeout_s: number;
  down: boolean;
};

/** One nginx worker's view of one peer list (primary or backup), struct-of-arrays. */
export class RoundRobinPeers {
  readonly count: number;
  readonly names: string[];
  readonly weight: Int32Array;
  readonly effectiveWeight: Int32Array;
  readonly currentWeight: Float64Array; // can exceed int32 over long runs with big weights
  readonly fails: Int32Array;
  readonly maxFails: Int32Array;
  readonly failTimeout_s: Float64Array;
  readonly accessed_s: Float64Array;
  readonly checked_s: Float64Array;
  readonly down: Uint8Array;
  /** nginx's peers->single: one primary and no backup list; no failure accounting at all. */
  single = false;

  constructor(peers: readonly PeerConfig[]) {
    const n = peers.length;
    this.count = n;
    this.names = peers.map((p) => p.name);
    this.weight = Int32Array.from(peers, (p) => p.weight);
    this.effectiveWeight = Int32Array.from(peers, (p) => p.weight);
    this.currentWeight = new Float64Array(n);
    this.fails = new Int32Array(n);
    this.maxFails = Int32Array.from(peers, (p) => p.max_fails);
    this.failTimeout_s = Float64Array.from(peers, (p) => p.fail_timeout_s);
    this.accessed_s = new Float64Array(n);
    this.checked_s = new Float64Array(n);
    this.down = Uint8Array.from(peers, (p) => (p.down ? 1 : 0));
  }

  /** Non-down peers: nginx's peers->tries. */
  tries(): number {
    let t = 0;
    for (let i = 0; i < this.count; i++) if (!this.down[i]) t++;
    return t;
  }

  isFailedOut(i: number, now_s: number): boolean {
    return (
      this.maxFails[i] !== 0 &&
      this.fails[i] >= this.maxFails[i] &&
      now_s - this.checked_s[i] <= this.failTimeout_s[i]
    );
  }

  /**
   * ngx_http_upstream_get_peer: smooth weighted round robin over peers not yet tried by
   * this request. `tried` is a per-request bitmap (bit i of word i>>5). Returns -1 if none.
   */
  pick(now_s: number, tried: Uint32Array, triedOffset: number): number {
    if (this.single) {
      if (this.down[0]) return -1;
      return 0;
    }
    let best = -1;
    let total = 0;
    for (let i = 0; i < this.count; i++) {
      if (tried[triedOffset + (i >>> 5)] & (1 << (i & 31))) continue;
      if (this.down[i]) continue;
      if (this.isFailedOut(i, now_s)) continue;
      const ew = this.effectiveWeight[i];
      this.currentWeight[i] += ew;
      total += ew;
      if (ew < this.weight[i]) this.effectiveWeight[i] = ew + 1;
      // strict '>': ties go to the earliest peer in config order
      if (best < 0 || this.currentWeight[i] > this.currentWeight[best]) best = i;
    }
    if (best < 0) return -1;
    this.currentWeight[best] -= total;
    tried[triedOffset + (best >>> 5)] |= 1 << (best & 31);
    if (now_s - this.checked_s[best] > this.failTimeout_s[best]) this.checked_s[best] = now_s;
    return best;
  }

  /** ngx_http_upstream_free_round_robin_peer, for the peer a request used. */
  free(i: number, now_s: number, failed: boolean): void {
    if (this.single) {
      this.fails[i] = 0;
      return;
    }
    if (failed) {
      this.fails[i]++;
      this.accessed_s[i] = now_s;
      this.checked_s[i] = now_s;
      if (this.maxFails[i] !== 0) {
        // integer division, as in C
        this.effectiveWeight[i] -= Math.trunc(this.weight[i] / this.maxFails[i]);
      }
      if (this.effectiveWeight[i] < 0) this.effectiveWeight[i] = 0;
    } else if (this.accessed_s[i] < this.checked_s[i]) {
      // a success after a new check window marks the peer live again
      this.fails[i] = 0;
    }
  }
}

/** Indices picked by smooth WRR for `picks` requests with no failures (for `sim explain`). */
export function smoothWrrSequence(weights: readonly number[], picks: number): number[] {
  const peers = new RoundRobinPeers(
    weights.map((w, i) => ({ name: `s${i + 1}`, weight: w, max_fails: 1, fail_timeout_s: 10, down: false })),
  );
  peers.single = weights.length === 1;
  const words = Math.max(1, Math.ceil(weights.length / 32));
  const tried = new Uint32Array(words);
  const out: number[] = [];
  for (let k = 0; k < picks; k++) {
    tried.fill(0);
    const i = peers.pick(0, tried, 0);
    if (i < 0) break;
    out.push(i);
    peers.free(i, 0, false);
  }
  return out;
}

/** Where nginx sends a request upstream, and where it sends the answer back. */
export interface UpstreamTier {
  deliver(req: number, server: number, delay_us: number): void;
}
export interface Downstream {
  respond(req: number, delay_us: number): void;
}

/**
 * The nginx tier: `instances` nginx servers, each with `workers` worker processes. Every worker
 * keeps its own peer state, as real nginx does without a shared `zone`.
 * Request flow follows ngx_http_upstream.c: pick a peer, proxy, and on an upstream error free
 * the peer as failed and retry the next one (ngx_http_upstream_next) while tries remain and
 * `error` is listed in proxy_next_upstream.
 */
export class NginxTier {
  private readonly primary: RoundRobinPeers[]; // [instance * workers + worker]
  private readonly backup: (RoundRobinPeers | null)[];
  readonly primaryServer: Int32Array; // peer index -> app server index
  readonly backupServer: Int32Array;
  private readonly retryOnError: boolean;
  private readonly maxTries: number;
  private readonly kRequest: number;
  private readonly kResponse: number;
  private upstream: UpstreamTier | null = null;
  private downstream: Downstream | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly scenario: Scenario,
    private readonly requests: RequestTable,
    private readonly metrics: Metrics,
    private readonly clientIp: Uint32Array,
    private readonly workerRng: RngStream[], // one stream per instance
  ) {
    const up = scenario.nginx.upstream;
    const toPeer = (i: number): PeerConfig => ({
      name: up.servers[i].name,
      weight: up.servers[i].weight,
      max_fails: up.servers[i].max_fails,
      // nginx parses fail_timeout in whole seconds (ngx_parse_time(value, 1))
      fail_timeout_s: Math.floor(up.servers[i].fail_timeout_us / 1e6),
      down: up.servers[i].down,
    });
    const primaryIdx: number[] = [];
    const backupIdx: number[] = [];
    up.servers.forEach((s, i) => (s.backup ? backupIdx : primaryIdx).push(i));
    this.primaryServer = Int32Array.from(primaryIdx);
    this.backupServer = Int32Array.from(backupIdx);
    const n = scenario.nginx.instances * scenario.nginx.workers;
    this.primary = [];
    this.backup = [];
    for (let k = 0; k < n; k++) {
      const p = new RoundRobinPeers(primaryIdx.map(toPeer));
      p.single = primaryIdx.length === 1 && backupIdx.length === 0;
      this.primary.push(p);
      this.backup.push(backupIdx.length > 0 ? new RoundRobinPeers(backupIdx.map(toPeer)) : null);
    }
    const conds: readonly NextUpstreamCondition[] = up.next_upstream;
    this.retryOnError = conds.includes('error') && !conds.includes('off');
    this.maxTries = up.next_upstream_tries;
    this.kRequest = engine.register('nginx.request', (req) => this.onRequest(req));
    this.kResponse = engine.register('nginx.upstream_response', (req) => this.onUpstreamResponse(req));
  }

  connect(upstream: UpstreamTier, downstream: Downstream): void {
    this.upstream = upstream;
    this.downstream = downstream;
  }

  accept(req: number, delay_us: number): void {
    this.engine.schedule(delay_us, this.kRequest, req);
  }

  /** The app server's answer (or its failure, in requests.status) reaches nginx. */
  upstreamResponse(req: number, delay_us: number): void {
    this.engine.schedule(delay_us, this.kResponse, req);
  }

  private onRequest(r: number): void {
    const rq = this.requests;
    const nginx = this.scenario.nginx;
    // Until the LVS tier exists, a client address hash spreads users over instances.
    const inst = nginx.instances > 1 ? this.clientIp[rq.user[r]] % nginx.instances : 0;
    // Which worker accepts a connection is up to the kernel; model it as a fair draw.
    const worker = nginx.workers > 1 ? this.workerRng[inst].int(nginx.workers) : 0;
    rq.nginx[r] = inst;
    rq.worker[r] = worker;
    const k = inst * nginx.workers + worker;
    const b = this.backup[k];
    // ngx_http_upstream_tries(): non-down primaries + non-down backups
    let tries = this.primary[k].tries() + (b ? b.tries() : 0);
    if (this.maxTries > 0 && tries > this.maxTries) tries = this.maxTries;
    rq.triesLeft[r] = tries;
    this.metrics.nginxRequests[inst]++;
    this.metrics.nginxPerWorker[inst][worker]++;
    this.forward(r, k);
  }

  private forward(r: number, k: number): void {
    const rq = this.requests;
    const now_s = Math.floor(this.engine.now_us / 1e6);
    const off = r * rq.triedWords;
    let peer = -1;
    if (!rq.onBackup[r]) peer = this.primary[k].pick(now_s, rq.tried, off);
    const b = this.backup[k];
    if (peer < 0 && b !== null) {
      if (!rq.onBackup[r]) {
        // all primaries failed: switch to the backup list for the rest of this request
        rq.onBackup[r] = 1;
        rq.tried.fill(0, off, off + rq.triedWords);
      }
      peer = b.pick(now_s, rq.tried, off);
    }
    if (peer < 0) {
      // NGX_BUSY: "no live upstreams" -> 502 without contacting anyone
      this.badGateway(r);
      return;
    }
    rq.peer[r] = peer;
    const server = rq.onBackup[r] ? this.backupServer[peer] : this.primaryServer[peer];
    this.metrics.appRequests[server]++;
    (this.upstream as UpstreamTier).deliver(r, server, this.scenario.nginx.proxy_latency_us);
  }

  private onUpstreamResponse(r: number): void {
    const rq = this.requests;
    const k = rq.nginx[r] * this.scenario.nginx.workers + rq.worker[r];
    const peers = rq.onBackup[r] ? (this.backup[k] as RoundRobinPeers) : this.primary[k];
    const now_s = Math.floor(this.engine.now_us / 1e6);
    const failed = rq.status[r] === OUTCOME_ERROR;
    peers.free(rq.peer[r], now_s, failed);
    if (rq.triesLeft[r] > 0) rq.triesLeft[r]--;
    if (peers.single) rq.triesLeft[r] = 0; // a single peer is never retried
    if (failed) {
      if (this.retryOnError && rq.triesLeft[r] > 0) {
        this.metrics.nginxRetries[rq.nginx[r]]++;
        this.forward(r, k);
        return;
      }
      this.badGateway(r);
      return;
    }
    (this.downstream as Downstream).respond(r, this.scenario.network.latency_us);
  }

  private badGateway(r: number): void {
    this.requests.status[r] = OUTCOME_ERROR;
    this.metrics.nginxBadGateway[this.requests.nginx[r]]++;
    (this.downstream as Downstream).respond(r, this.scenario.network.latency_us);
  }
}
