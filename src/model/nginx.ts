// Nginx upstream peer selection, following nginx src/http/ngx_http_upstream_round_robin.c
// (ngx_http_upstream_get_round_robin_peer, ngx_http_upstream_get_peer,
// ngx_http_upstream_free_round_robin_peer) and ngx_http_upstream_tries().
// Times inside the peer state are whole seconds, because nginx uses ngx_time().

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
