// A growable FIFO of int32 on a ring buffer: O(1) push and shift, no Array#shift.

export class IntRing {
  private buf: Int32Array;
  private head = 0;
  private length_ = 0;

  constructor(initialCapacity = 64) {
    let c = 1;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: for capacities above 1 (64 is used) any power of two behaves the same, a smaller one grows sooner
    while (c < initialCapacity) c <<= 1; // a power of two, so wrap-around is a mask
    this.buf = new Int32Array(c);
  }

  get length(): number {
    return this.length_;
  }

  push(v: number): void {
    if (this.length_ === this.buf.length) this.grow();
    this.buf[(this.head + this.length_) & (this.buf.length - 1)] = v;
    this.length_++;
  }

  /** Removes and returns the oldest value; -1 when empty. */
  shift(): number {
    if (this.length_ === 0) return -1;
    const v = this.buf[this.head];
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.length_--;
    return v;
  }

  /** The i-th oldest value (0 = next to shift). */
  at(i: number): number {
    return this.buf[(this.head + i) & (this.buf.length - 1)];
  }

  clear(): void {
    this.head = 0;
    this.length_ = 0;
  }

  private grow(): void {
    const n = this.buf.length * 2;
    const next = new Int32Array(n);
    for (let i = 0; i < this.length_; i++) next[i] = this.buf[(this.head + i) & (this.buf.length - 1)];
    this.buf = next;
    this.head = 0;
  }
}
