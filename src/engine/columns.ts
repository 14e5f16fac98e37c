// Struct-of-arrays storage: named typed-array columns, `width` entries per slot (1 unless told),
// that grow together by doubling. Hot loops index the arrays directly; since growth swaps them
// for bigger ones, an owner either re-reads `cols.x` after anything that may grow, or passes
// `onGrow` to copy the new arrays into fields of its own.
//
// Slots are handed out in one of three fixed orders (runs are reproducible only if the order is):
//   ColumnRing    a FIFO on a power-of-two ring: push at the tail, drop at the head
//   ColumnPool    a free list: the most recently freed slot first, else a never-used one
//   ColumnCircle  a circle: the first free slot after the one handed out last

export type Column = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array | Int8Array;
export type ColumnType = new (length: number) => Column;
export type ColumnSpec = Readonly<Record<string, ColumnType>>;
export type ColumnsOf<S extends ColumnSpec> = { [K in keyof S]: InstanceType<S[K]> };

export interface ColumnOptions<S extends ColumnSpec> {
  /** Entries per slot of some columns (a bitmap of several words per slot). */
  readonly widths?: { readonly [K in keyof S]?: number };
  /** Called after every growth with the new arrays. */
  readonly onGrow?: (cols: ColumnsOf<S>) => void;
}

export class Columns<S extends ColumnSpec> {
  readonly cols: ColumnsOf<S>;
  capacity: number; // slots
  private readonly byName: Record<string, Column>; // `cols`, untyped, for growth
  private readonly names: string[];
  private readonly types: ColumnType[];
  private readonly widths: number[];
  private readonly onGrow: ((cols: ColumnsOf<S>) => void) | undefined;

  constructor(spec: S, capacity: number, opts: ColumnOptions<S> = {}) {
    this.capacity = Math.max(1, capacity);
    this.names = Object.keys(spec);
    this.types = this.names.map((n) => spec[n]);
    this.widths = this.names.map((n) => opts.widths?.[n] ?? 1);
    this.byName = {};
    for (let k = 0; k < this.names.length; k++) {
      this.byName[this.names[k]] = new this.types[k](this.capacity * this.widths[k]);
    }
    // Built column by column from `spec`, so it has exactly the keys ColumnsOf<S> names.
    this.cols = this.byName as ColumnsOf<S>;
    this.onGrow = opts.onGrow;
  }

  /** Doubles the capacity; every slot keeps its contents. */
  grow(): void {
    this.resize(0, this.capacity);
    this.notifyGrown();
  }

  /** Doubles the capacity, moving the `count` slots from `first` on (wrapping past the end) to 0, 1, ... */
  protected resize(first: number, count: number): void {
    const cap = this.capacity;
    const straight = Math.min(count, cap - first); // slots before the wrap
    for (let k = 0; k < this.names.length; k++) {
      const w = this.widths[k];
      const old = this.byName[this.names[k]];
      const next = new this.types[k](2 * cap * w);
      next.set(old.subarray(first * w, (first + straight) * w));
      next.set(old.subarray(0, (count - straight) * w), straight * w);
      this.byName[this.names[k]] = next;
    }
    this.capacity = 2 * cap;
  }

  protected notifyGrown(): void {
    this.onGrow?.(this.cols);
  }
}

/** A FIFO: entries leave in the order they came, at O(1) (no Array#shift). */
export class ColumnRing<S extends ColumnSpec> extends Columns<S> {
  head = 0; // slot of the oldest entry (read-only outside)
  size = 0; // entries (read-only outside)
  private mask: number;

  constructor(spec: S, capacity: number, opts: ColumnOptions<S> = {}) {
    let c = 1;
    while (c < capacity) c <<= 1; // a power of two, so wrap-around is a mask
    super(spec, c, opts);
    this.mask = c - 1;
  }

  /**
   * Adds an entry at the tail and returns its slot to fill. Read `cols` after the call, since it
   * may grow: `cols.x[pushSlot()] = v` evaluates `cols.x` first and can write into the old array.
   */
  pushSlot(): number {
    if (this.size === this.capacity) this.grow();
    const i = (this.head + this.size) & this.mask;
    this.size++;
    return i;
  }

  /** Drops the oldest entry (read it at `head` first). */
  drop(): void {
    this.head = (this.head + 1) & this.mask;
    this.size--;
  }

  /** Slot of the k-th oldest entry (0 = head). */
  slot(k: number): number {
    return (this.head + k) & this.mask;
  }

  /** Doubles the capacity; the entries keep their order, the oldest now at slot 0. */
  override grow(): void {
    this.resize(this.head, this.size);
    this.head = 0;
    this.mask = this.capacity - 1;
    this.notifyGrown();
  }
}

/** Slots on a free list: the most recently freed one is reused first. */
export class ColumnPool<S extends ColumnSpec> extends Columns<S> {
  private freeSlots: Int32Array; // a stack
  private freeCount = 0;
  used = 0; // slots handed out at least once; they are 0 .. used-1

  constructor(spec: S, capacity: number, opts: ColumnOptions<S> = {}) {
    super(spec, capacity, opts);
    this.freeSlots = new Int32Array(this.capacity);
  }

  alloc(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount];
    if (this.used === this.capacity) this.grow();
    return this.used++;
  }

  /** Returns a slot handed out by alloc (each at most once until it is handed out again). */
  free(slot: number): void {
    this.freeSlots[this.freeCount++] = slot;
  }

  /**
   * The free list grows with the pool, so it always has room for every slot (free has no growth
   * branch: one that first runs mid-run would throw its compiled callers back to the interpreter).
   */
  override grow(): void {
    super.grow();
    const next = new Int32Array(this.capacity);
    next.set(this.freeSlots);
    this.freeSlots = next;
  }
}

/** Slots handed out in a circle: the first free one after the slot handed out last. */
export class ColumnCircle<S extends ColumnSpec> extends Columns<S> {
  private taken: Uint8Array;
  private cursor = 0; // where the search for the next free slot starts
  live = 0; // slots taken

  constructor(spec: S, capacity: number, opts: ColumnOptions<S> = {}) {
    super(spec, capacity, opts);
    this.taken = new Uint8Array(this.capacity);
  }

  alloc(): number {
    // Growing at half full keeps the search for a free slot short.
    if (this.live * 2 >= this.capacity) this.grow();
    const taken = this.taken;
    const cap = this.capacity;
    let r = this.cursor;
    while (taken[r] !== 0) r = r + 1 === cap ? 0 : r + 1;
    this.cursor = r + 1 === cap ? 0 : r + 1;
    taken[r] = 1;
    this.live++;
    return r;
  }

  release(slot: number): void {
    this.taken[slot] = 0;
    this.live--;
  }

  override grow(): void {
    const taken = new Uint8Array(2 * this.capacity);
    taken.set(this.taken);
    this.taken = taken;
    super.grow();
  }
}
