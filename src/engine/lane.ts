// A FIFO lane for events that all share one fixed delay (a wire with constant latency).
// Since `now` never goes back, such events arrive already sorted by (time, seq), so a ring
// buffer keeps them in order at O(1) instead of O(log n) heap work.

export class Lane {
  time_us: Float64Array;
  seq: Float64Array;
  kind: Int32Array;
  entity: Int32Array;
  arg: Int32Array;
  head = 0;
  size = 0;
  private mask: number;

  constructor(readonly delay_us: number, capacity = 1024) {
    let c = 1;
    while (c < capacity) c <<= 1;
    this.mask = c - 1;
    this.time_us = new Float64Array(c);
    this.seq = new Float64Array(c);
    this.kind = new Int32Array(c);
    this.entity = new Int32Array(c);
    this.arg = new Int32Array(c);
  }

  push(time_us: number, seq: number, kind: number, entity: number, arg: number): void {
    if (this.size > this.mask) this.grow();
    const i = (this.head + this.size) & this.mask;
    this.time_us[i] = time_us;
    this.seq[i] = seq;
    this.kind[i] = kind;
    this.entity[i] = entity;
    this.arg[i] = arg;
    this.size++;
  }

  /** Drops the head (read it through the arrays at `head` first). */
  drop(): void {
    this.head = (this.head + 1) & this.mask;
    this.size--;
  }

  private grow(): void {
    const n = (this.mask + 1) * 2;
    const copy = <T extends Float64Array | Int32Array>(a: T, b: T): T => {
      for (let k = 0; k < this.size; k++) b[k] = a[(this.head + k) & this.mask];
      return b;
    };
    this.time_us = copy(this.time_us, new Float64Array(n));
    this.seq = copy(this.seq, new Float64Array(n));
    this.kind = copy(this.kind, new Int32Array(n));
    this.entity = copy(this.entity, new Int32Array(n));
    this.arg = copy(this.arg, new Int32Array(n));
    this.head = 0;
    this.mask = n - 1;
  }
}
