// A binary min-heap of events on typed arrays, ordered by (time_us, seq).
// seq is the insertion counter, so events at the same time fire in the order they were scheduled.
// Each event is four numbers; nothing is allocated per event once the arrays have grown.

export class EventQueue {
  private time_us: Float64Array;
  private seq: Float64Array;
  private kind: Int32Array;
  private entity: Int32Array;
  private arg: Int32Array;
  private size_ = 0;

  // The event most recently removed by pop().
  popped_time_us = 0;
  popped_kind = 0;
  popped_entity = 0;
  popped_arg = 0;

  constructor(initialCapacity = 1024) {
    this.time_us = new Float64Array(initialCapacity);
    this.seq = new Float64Array(initialCapacity);
    this.kind = new Int32Array(initialCapacity);
    this.entity = new Int32Array(initialCapacity);
    this.arg = new Int32Array(initialCapacity);
  }

  get size(): number {
    return this.size_;
  }

  /** Earliest event time, or Infinity when empty. */
  peekTime(): number {
    return this.size_ > 0 ? this.time_us[0] : Infinity;
  }

  /** Sequence number of the earliest event (only meaningful when not empty). */
  peekSeq(): number {
    return this.seq[0];
  }

  /** `s` is the caller's insertion counter: ties in time pop in increasing `s`. */
  push(time_us: number, s: number, kind: number, entity: number, arg: number): void {
    if (this.size_ === this.time_us.length) this.grow();
    // sift up with a hole instead of swaps
    let i = this.size_++;
    const t = this.time_us;
    const q = this.seq;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = t[parent];
      if (pt < time_us || (pt === time_us && q[parent] < s)) break;
      this.move(parent, i);
      i = parent;
    }
    t[i] = time_us;
    q[i] = s;
    this.kind[i] = kind;
    this.entity[i] = entity;
    this.arg[i] = arg;
  }

  /** Removes the earliest event into the popped_* fields. Returns false when empty. */
  pop(): boolean {
    if (this.size_ === 0) return false;
    const t = this.time_us;
    const q = this.seq;
    this.popped_time_us = t[0];
    this.popped_kind = this.kind[0];
    this.popped_entity = this.entity[0];
    this.popped_arg = this.arg[0];
    const last = --this.size_;
    if (last === 0) return true;
    const lt = t[last];
    const ls = q[last];
    const lk = this.kind[last];
    const le = this.entity[last];
    const la = this.arg[last];
    let i = 0;
    const half = last >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      const r = c + 1;
      if (r < last && (t[r] < t[c] || (t[r] === t[c] && q[r] < q[c]))) c = r;
      if (lt < t[c] || (lt === t[c] && ls < q[c])) break;
      this.move(c, i);
      i = c;
    }
    t[i] = lt;
    q[i] = ls;
    this.kind[i] = lk;
    this.entity[i] = le;
    this.arg[i] = la;
    return true;
  }

  clear(): void {
    this.size_ = 0;
  }

  private move(from: number, to: number): void {
    this.time_us[to] = this.time_us[from];
    this.seq[to] = this.seq[from];
    this.kind[to] = this.kind[from];
    this.entity[to] = this.entity[from];
    this.arg[to] = this.arg[from];
  }

  private grow(): void {
    const n = this.time_us.length * 2;
    const t = new Float64Array(n);
    t.set(this.time_us);
    this.time_us = t;
    const q = new Float64Array(n);
    q.set(this.seq);
    this.seq = q;
    const k = new Int32Array(n);
    k.set(this.kind);
    this.kind = k;
    const e = new Int32Array(n);
    e.set(this.entity);
    this.entity = e;
    const a = new Int32Array(n);
    a.set(this.arg);
    this.arg = a;
  }
}

// Every branch of push and pop runs once when this module loads (equal times, both children,
// growth): V8 compiles a branch it has never seen run as a bail-out, and the engine's loop, which
// inlines pop, is compiled while the heap is still tiny; its first deep pop would throw the whole
// loop back to the interpreter to be compiled again.
function exercise(): void {
  const q = new EventQueue(4);
  for (let i = 0; i < 16; i++) q.push((i * 7) & 3, 16 - i, 0, 0, 0);
  while (q.pop());
}
exercise();
