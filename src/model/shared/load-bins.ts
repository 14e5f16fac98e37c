// Per-node, per-bin load of a tier's service stations: busy server-time, waiting job-time and
// completions, integrated over each time bin as the station changes state. Flat typed arrays
// indexed [bin * nodes + node] that grow by doubling, so nothing is allocated per event.
// The busy fraction of a bin is busy_us / (bin_us x servers); the mean queue is queue_us / bin_us.

export class LoadBins {
  busy_us: Float64Array; // [bin * nodes + node]: server-microseconds busy in the bin
  queue_us: Float64Array; // [bin * nodes + node]: job-microseconds spent waiting in the bin
  done: Float64Array; // [bin * nodes + node]: jobs that left service done in the bin
  used = 0; // bins written so far
  // For a tier without a service station (nginx): requests it holds, counted as its queue.
  private readonly held: Float64Array;
  private readonly heldSince_us: Float64Array;

  constructor(
    readonly nodes: number,
    readonly bin_us: number,
  ) {
    if (!(bin_us > 0)) throw new Error(`load bins: bin width must be positive, got ${bin_us}`);
    this.busy_us = new Float64Array(nodes * 64);
    this.queue_us = new Float64Array(nodes * 64);
    this.done = new Float64Array(nodes * 64);
    this.held = new Float64Array(nodes);
    this.heldSince_us = new Float64Array(nodes);
  }

  /** `node` takes (+1) or lets go of (-1) a request at `now_us`; the requests it holds are its queue. */
  hold(node: number, delta: number, now_us: number): void {
    this.credit(node, this.heldSince_us[node], now_us, 0, this.held[node]);
    this.heldSince_us[node] = now_us;
    this.held[node] += delta;
  }

  /** Node `node` had `busy` servers in use and `queued` jobs waiting from `from_us` to `to_us`. */
  credit(node: number, from_us: number, to_us: number, busy: number, queued: number): void {
    if (!(to_us > from_us) || (busy === 0 && queued === 0)) return;
    const w = this.bin_us;
    let b = Math.floor(from_us / w);
    const last = Math.ceil(to_us / w) - 1; // a span ending on a boundary adds nothing to the next bin
    this.reserve(last);
    let t = from_us;
    for (; b <= last; b++) {
      const end = Math.min(to_us, (b + 1) * w);
      const dt = end - t;
      if (dt > 0) {
        const i = b * this.nodes + node;
        this.busy_us[i] += busy * dt;
        this.queue_us[i] += queued * dt;
      }
      t = end;
    }
  }

  /** A job finished service at `node` at `now_us`. */
  finished(node: number, now_us: number): void {
    const b = Math.floor(now_us / this.bin_us);
    this.reserve(b);
    this.done[b * this.nodes + node]++;
  }

  private reserve(bin: number): void {
    if (bin >= this.used) this.used = bin + 1;
    const need = (bin + 1) * this.nodes;
    if (need <= this.busy_us.length) return;
    let n = this.busy_us.length;
    while (n < need) n *= 2;
    this.busy_us = grow(this.busy_us, n);
    this.queue_us = grow(this.queue_us, n);
    this.done = grow(this.done, n);
  }
}

function grow(a: Float64Array, n: number): Float64Array {
  const next = new Float64Array(n);
  next.set(a);
  return next;
}
