// How nginx picks an upstream peer: smooth weighted round robin, ip_hash and least_conn, with
// max_fails/fail_timeout, following nginx src/http/ngx_http_upstream_round_robin.c
// (ngx_http_upstream_get_round_robin_peer, ngx_http_upstream_get_peer,
// ngx_http_upstream_free_round_robin_peer, ngx_http_upstream_tries()),
// src/http/modules/ngx_http_upstream_ip_hash_module.c and ngx_http_upstream_least_conn_module.c.
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
  private readonly cw: Float64Array; // current_weight; can exceed int32 over long runs with big weights
  readonly fails: Int32Array;
  readonly maxFails: Int32Array;
  readonly failTimeout_s: Float64Array;
  readonly accessed_s: Float64Array;
  readonly checked_s: Float64Array;
  readonly down: Uint8Array;
  readonly conns: Int32Array; // this worker's open connections to each peer
  /** Sum of weights of all peers, down ones included (peers->total_weight; ip_hash uses it). */
  readonly totalWeight: number;
  /** nginx's peers->single: one primary and no backup list; no failure accounting at all. */
  single = false;
  /**
   * Follow a precomputed period while no peer has failed: with every effective weight at its
   * weight and no peer excluded, smooth WRR repeats itself every W picks (W = the eligible
   * weights' sum), current weights included, so one period computed from the present state gives
   * every pick until a failure. A run option: tests turn it off to compare step by step.
   */
  planning = true;
  private anomalies = 0; // peers with fails != 0 or effective weight != weight
  private readonly anomalous: Uint8Array;
  private plan: Int32Array | null = null; // the picks of one period from the state it was made at
  private planStates: Float64Array | null = null; // current weights after each planned pick
  private planStep = 0;
  private cwStale = false; // cw lags the plan: the true state is planStates' row planStep - 1

  constructor(peers: readonly PeerConfig[]) {
    const n = peers.length;
    this.count = n;
    this.names = peers.map((p) => p.name);
    this.weight = Int32Array.from(peers, (p) => p.weight);
    this.effectiveWeight = Int32Array.from(peers, (p) => p.weight);
    this.cw = new Float64Array(n);
    this.anomalous = new Uint8Array(n);
    this.triedWords = Math.max(1, Math.ceil(n / 32));
    this.fails = new Int32Array(n);
    this.maxFails = Int32Array.from(peers, (p) => p.max_fails);
    this.failTimeout_s = Float64Array.from(peers, (p) => p.fail_timeout_s);
    this.accessed_s = new Float64Array(n);
    this.checked_s = new Float64Array(n);
    this.down = Uint8Array.from(peers, (p) => (p.down ? 1 : 0));
    this.conns = new Int32Array(n);
    this.totalWeight = peers.reduce((a, p) => a + p.weight, 0);
  }

  /** Non-down peers: nginx's peers->tries (`down` is configuration, so this is fixed). */
  tries(): number {
    if (this.tries_ < 0) {
      this.tries_ = 0;
      for (let i = 0; i < this.count; i++) if (!this.down[i]) this.tries_++;
    }
    return this.tries_;
  }

  private tries_ = -1;

  isFailedOut(i: number, now_s: number): boolean {
    return (
      this.maxFails[i] !== 0 &&
      this.fails[i] >= this.maxFails[i] &&
      now_s - this.checked_s[i] <= this.failTimeout_s[i]
    );
  }

  /** current_weight of every peer (brought up to date if a plan ran ahead). */
  get currentWeight(): Float64Array {
    this.syncCurrentWeight();
    return this.cw;
  }

  /**
   * ngx_http_upstream_get_peer: smooth weighted round robin over peers not yet tried by
   * this request. `tried` is a per-request bitmap (bit i of word i>>5). Returns -1 if none.
   */
  pick(now_s: number, tried: Uint32Array, triedOffset: number): number {
    if (this.single) {
      if (this.down[0]) return -1;
      this.conns[0]++;
      return 0;
    }
    if (this.anomalies === 0 && this.planning && this.untried(tried, triedOffset)) {
      const best = this.planned();
      if (best >= 0) return this.chosen(best, now_s, tried, triedOffset);
    }
    this.syncCurrentWeight();
    this.plan = null;
    return this.pickStep(now_s, tried, triedOffset);
  }

  /** One step of ngx_http_upstream_get_peer, on the current weights. */
  private pickStep(now_s: number, tried: Uint32Array, triedOffset: number): number {
    let best = -1;
    let bestWeight = 0;
    let total = 0;
    const cw = this.cw;
    const eff = this.effectiveWeight;
    const fails = this.fails;
    for (let i = 0; i < this.count; i++) {
      if (tried[triedOffset + (i >>> 5)] & (1 << (i & 31))) continue;
      if (this.down[i]) continue;
      if (fails[i] !== 0 && this.isFailedOut(i, now_s)) continue;
      const ew = eff[i];
      const c = cw[i] + ew;
      cw[i] = c;
      total += ew;
      if (ew < this.weight[i]) {
        eff[i] = ew + 1;
        this.noteAnomaly(i);
      }
      // strict '>': ties go to the earliest peer in config order
      if (best < 0 || c > bestWeight) {
        best = i;
        bestWeight = c;
      }
    }
    if (best < 0) return -1;
    cw[best] -= total;
    return this.chosen(best, now_s, tried, triedOffset);
  }

  private untried(tried: Uint32Array, triedOffset: number): boolean {
    for (let w = 0; w < this.triedWords; w++) if (tried[triedOffset + w] !== 0) return false;
    return true;
  }

  private readonly triedWords: number;

  /** The next pick of the plan, making one from the present state when there is none; -1 if none can be made. */
  private planned(): number {
    let plan = this.plan;
    if (plan === null) {
      plan = this.makePlan();
      if (plan === null) return -1;
    }
    const step = this.planStep;
    this.planStep = step + 1 === plan.length ? 0 : step + 1;
    this.cwStale = true;
    return plan[step];
  }

  // Periods longer than this are stepped one by one: their table would cost more than it saves.
  private static readonly MAX_PLAN_CELLS = 1 << 16;

  private makePlan(): Int32Array | null {
    const n = this.count;
    let period = 0;
    for (let i = 0; i < n; i++) if (!this.down[i]) period += this.weight[i];
    if (period === 0 || period * n > RoundRobinPeers.MAX_PLAN_CELLS) return null;
    const plan = new Int32Array(period);
    const states = new Float64Array(period * n);
    const cw = Float64Array.from(this.cw);
    for (let k = 0; k < period; k++) {
      let best = -1;
      for (let i = 0; i < n; i++) {
        if (this.down[i]) continue;
        cw[i] += this.weight[i];
        if (best < 0 || cw[i] > cw[best]) best = i;
      }
      cw[best] -= period;
      plan[k] = best;
      states.set(cw, k * n);
    }
    this.plan = plan;
    this.planStates = states;
    this.planStep = 0;
    return plan;
  }

  /** Writes the planned state back into current_weight before anything else reads or moves it. */
  private syncCurrentWeight(): void {
    if (!this.cwStale) return;
    this.cwStale = false;
    const plan = this.plan;
    const states = this.planStates;
    if (plan === null || states === null) return;
    const last = (this.planStep === 0 ? plan.length : this.planStep) - 1;
    const n = this.count;
    for (let i = 0; i < n; i++) this.cw[i] = states[last * n + i];
  }

  /** Keeps the count of peers that have failed or are below their weight. */
  private noteAnomaly(i: number): void {
    const bad = this.fails[i] !== 0 || this.effectiveWeight[i] !== this.weight[i] ? 1 : 0;
    if (bad === this.anomalous[i]) return;
    this.anomalous[i] = bad;
    this.anomalies += bad ? 1 : -1;
  }

  private chosen(best: number, now_s: number, tried: Uint32Array, triedOffset: number): number {
    tried[triedOffset + (best >>> 5)] |= 1 << (best & 31);
    if (now_s - this.checked_s[best] > this.failTimeout_s[best]) this.checked_s[best] = now_s;
    this.conns[best]++;
    return best;
  }

  private eligible(i: number, now_s: number, tried: Uint32Array, triedOffset: number): boolean {
    if (tried[triedOffset + (i >>> 5)] & (1 << (i & 31))) return false;
    return !this.down[i] && !this.isFailedOut(i, now_s);
  }

  /**
   * ngx_http_upstream_get_least_conn_peer (ngx_http_upstream_least_conn_module.c): the peer with
   * the fewest connections per weight; among several such, smooth WRR from the first of them.
   */
  pickLeastConn(now_s: number, tried: Uint32Array, triedOffset: number): number {
    if (this.single) return this.pick(now_s, tried, triedOffset);
    let best = -1;
    let many = false;
    for (let i = 0; i < this.count; i++) {
      if (!this.eligible(i, now_s, tried, triedOffset)) continue;
      if (best < 0 || this.conns[i] * this.weight[best] < this.conns[best] * this.weight[i]) {
        best = i;
        many = false;
      } else if (this.conns[i] * this.weight[best] === this.conns[best] * this.weight[i]) many = true;
    }
    if (best < 0) return -1;
    if (many) {
      this.syncCurrentWeight();
      this.plan = null;
      let total = 0;
      const first = best;
      for (let i = first; i < this.count; i++) {
        if (!this.eligible(i, now_s, tried, triedOffset)) continue;
        if (this.conns[i] * this.weight[first] !== this.conns[first] * this.weight[i]) continue;
        const ew = this.effectiveWeight[i];
        this.cw[i] += ew;
        total += ew;
        if (ew < this.weight[i]) {
          this.effectiveWeight[i] = ew + 1;
          this.noteAnomaly(i);
        }
        if (this.cw[i] > this.cw[best]) best = i;
      }
      this.cw[best] -= total;
    }
    return this.chosen(best, now_s, tried, triedOffset);
  }

  /**
   * ngx_http_upstream_get_ip_hash_peer (ngx_http_upstream_ip_hash_module.c): hash the first three
   * bytes of the IPv4 address; on a miss re-hash from the current hash; after 20 misses, or with
   * fewer than two peers, plain round robin. `state` holds [hash, tries] for this request.
   */
  pickIpHash(now_s: number, tried: Uint32Array, triedOffset: number, ip: number, state: Int32Array, stateIndex: number, triesState: Int32Array): number {
    if (triesState[stateIndex] > 20 || this.count < 2) return this.pick(now_s, tried, triedOffset);
    let hash = state[stateIndex];
    const b0 = (ip >>> 24) & 255;
    const b1 = (ip >>> 16) & 255;
    const b2 = (ip >>> 8) & 255;
    for (;;) {
      hash = (hash * 113 + b0) % 6271;
      hash = (hash * 113 + b1) % 6271;
      hash = (hash * 113 + b2) % 6271;
      let w = hash % this.totalWeight;
      let p = 0;
      while (w >= this.weight[p]) {
        w -= this.weight[p];
        p++;
      }
      if (this.eligible(p, now_s, tried, triedOffset)) {
        state[stateIndex] = hash;
        return this.chosen(p, now_s, tried, triedOffset);
      }
      if (++triesState[stateIndex] > 20) return this.pick(now_s, tried, triedOffset);
    }
  }

  /** ngx_http_upstream_free_round_robin_peer, for the peer a request used. */
  free(i: number, now_s: number, failed: boolean): void {
    this.conns[i]--;
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
      this.noteAnomaly(i);
    } else if (this.accessed_s[i] < this.checked_s[i]) {
      // a success after a new check window marks the peer live again
      this.fails[i] = 0;
      this.noteAnomaly(i);
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
