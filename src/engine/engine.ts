// The discrete-event core: a clock, an event queue and a dispatch table. It knows nothing of
// the model. An event is (time_us, kind, entity, arg); components register one handler per
// kind and keep their own state, so the loop allocates nothing per event.
// Events run in (time, seq) order, seq being the order they were scheduled in. Events whose
// delay is one of the declared fixed delays go to a FIFO lane instead of the heap: they are
// born sorted, and the loop merges the lane heads with the heap top.
import { ColumnPool } from './columns.js';
import { Lane } from './lane.js';
import { EventQueue } from './queue.js';

// Events scheduled by code run ahead of time (see runAhead), held until the time it ran for.
// `delay_us` < 0: an absolute `at` of `time_us`. `next` links one batch, -1 ends it.
const HELD_COLUMNS = { delay_us: Float64Array, time_us: Float64Array, kind: Int32Array, entity: Int32Array, arg: Int32Array, next: Int32Array };

/** FNV-1a of a string's UTF-16 code units, as a signed 32-bit integer. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h | 0;
}

export type EventHandler = (entity: number, arg: number) => void;

export type RunOptions = {
  until_us?: number; // stop before the first event later than this
  stopWhen?: () => boolean; // checked after every event
  onProgress?: (now_us: number, events: number) => void; // called every progressEvery events
  progressEvery?: number;
};

export class Engine {
  now_us = 0;
  events = 0;
  /**
   * FNV-1a over (time, kind name, entity, arg) of every event run, and over every outcome the
   * components note (`note`): a fingerprint of the whole run, of what happened as well as when.
   * The kind enters as a hash of its name, so the order components register in does not matter.
   */
  fingerprint = 0x811c9dc5;
  private readonly queue = new EventQueue(4096);
  private readonly lanes: Lane[] = [];
  // each lane's head time (Infinity when empty) and seq: the loop compares these, not the lanes' columns
  private laneHead_us = new Float64Array(0);
  private laneHeadSeq = new Float64Array(0);
  private running = false;
  private seq = 0;
  private readonly handlers: EventHandler[] = [];
  private readonly kindNames: string[] = [];
  private kindNameHashes = new Int32Array(16);
  /** While code runs ahead (beginAhead..endAhead): how far now_us has been moved forward, else 0. */
  aheadBy_us = 0;
  private ahead = false;
  private readonly held = new ColumnPool(HELD_COLUMNS, 16);
  private heldFirst = -1; // the batch of the code running ahead now
  private heldLast = -1;
  private readonly kReplay: number;

  constructor() {
    this.kReplay = this.register('engine.replay', (first) => this.replay(first));
  }

  /** Registers a handler and returns the kind number to schedule it with. */
  register(name: string, handler: EventHandler): number {
    if (this.kindNames.includes(name)) throw new Error(`event kind ${name} is registered twice`);
    const kind = this.handlers.length;
    this.handlers.push(handler);
    this.kindNames.push(name);
    if (kind === this.kindNameHashes.length) {
      const grown = new Int32Array(kind * 2);
      grown.set(this.kindNameHashes);
      this.kindNameHashes = grown;
    }
    this.kindNameHashes[kind] = fnv1a(name);
    return kind;
  }

  /** Folds an outcome (a reply, a result, who got a ticket) into the fingerprint; allocates nothing. */
  note(value: number): void {
    this.fingerprint = Math.imul(this.fingerprint ^ (value | 0), 16777619);
  }

  kindName(kind: number): string {
    return this.kindNames[kind] ?? `kind${kind}`;
  }

  /** Declares a delay that many events share (a wire's latency); it gets its own FIFO lane. Before run(). */
  declareFixedDelay(delay_us: number): void {
    if (this.running) throw new Error(`fixed delay ${delay_us} us declared while events run`);
    if (this.lanes.some((l) => l.delay_us === delay_us)) return;
    this.lanes.push(new Lane(delay_us));
    this.growLaneHeads();
  }

  private growLaneHeads(): void {
    const heads = new Float64Array(this.lanes.length).fill(Infinity);
    heads.set(this.laneHead_us);
    this.laneHead_us = heads;
    const seqs = new Float64Array(this.lanes.length);
    seqs.set(this.laneHeadSeq);
    this.laneHeadSeq = seqs;
  }

  /** Schedules an event `delay_us` from now. Delays are whole microseconds. */
  schedule(delay_us: number, kind: number, entity: number, arg = 0): void {
    if (!(delay_us >= 0)) throw new RangeError(`negative or NaN delay ${delay_us} for ${this.kindName(kind)}`);
    if (this.ahead) {
      this.hold(delay_us, 0, kind, entity, arg);
      return;
    }
    const lanes = this.lanes;
    for (let i = 0; i < lanes.length; i++) {
      if (lanes[i].delay_us === delay_us) {
        const l = lanes[i];
        if (l.size === 0) {
          this.laneHead_us[i] = this.now_us + delay_us;
          this.laneHeadSeq[i] = this.seq;
        }
        l.push(this.now_us + delay_us, this.seq++, kind, entity, arg);
        return;
      }
    }
    this.queue.push(this.now_us + delay_us, this.seq++, kind, entity, arg);
  }

  /**
   * Declares a chain of events that the caller schedules one at a time, each with `atInChain` at a
   * time no earlier than the last (the users' next arrival): they are born sorted, so they get a
   * FIFO lane instead of the heap. Before run(). Returns the chain's number.
   */
  declareChain(): number {
    if (this.running) throw new Error('event chain declared while events run');
    this.lanes.push(new Lane(-1, 16)); // delay -1: schedule() never picks it
    this.growLaneHeads();
    return this.lanes.length - 1;
  }

  /** Schedules an event of chain `chain` at `time_us`, like `at`: in the chain's lane when in order, else in the heap. */
  atInChain(chain: number, time_us: number, kind: number, entity: number, arg = 0): void {
    const l = this.lanes[chain];
    if (this.ahead || l.delay_us !== -1 || !(time_us >= this.now_us) || (l.size > 0 && time_us < l.cols.time_us[l.slot(l.size - 1)])) {
      this.at(time_us, kind, entity, arg);
      return;
    }
    if (l.size === 0) {
      this.laneHead_us[chain] = time_us;
      this.laneHeadSeq[chain] = this.seq;
    }
    l.push(time_us, this.seq++, kind, entity, arg);
  }

  /** Schedules an event at an absolute time, which must not be in the past. */
  at(time_us: number, kind: number, entity: number, arg = 0): void {
    if (!(time_us >= this.now_us)) throw new RangeError(`event ${this.kindName(kind)} at ${time_us} is before now (${this.now_us})`);
    if (this.ahead) {
      this.hold(-1, time_us, kind, entity, arg);
      return;
    }
    this.queue.push(time_us, this.seq++, kind, entity, arg);
  }

  /**
   * Runs code now that would have run `lead_us` from now, as the handler of an event scheduled
   * now with that delay: now_us reads as that time until endAhead. The caller must know that
   * nothing the code reads or changes can change before then (each caller states why). What the
   * code schedules is held and scheduled at that time by one replay event in the place of the
   * event it saves, so it runs in the same (time, seq) order; when it schedules nothing, one
   * event fewer runs.
   */
  beginAhead(lead_us: number): void {
    if (this.ahead) throw new Error('code run ahead cannot run more code ahead');
    if (!(lead_us >= 0)) throw new RangeError(`negative or NaN lead ${lead_us}`);
    this.ahead = true;
    this.aheadBy_us = lead_us;
    this.now_us += lead_us;
  }

  endAhead(): void {
    const lead = this.aheadBy_us;
    this.now_us -= lead;
    this.ahead = false;
    this.aheadBy_us = 0;
    if (this.heldFirst < 0) return;
    const first = this.heldFirst;
    this.heldFirst = this.heldLast = -1;
    this.schedule(lead, this.kReplay, first);
  }

  private hold(delay_us: number, time_us: number, kind: number, entity: number, arg: number): void {
    const i = this.held.alloc();
    const c = this.held.cols;
    c.delay_us[i] = delay_us;
    c.time_us[i] = time_us;
    c.kind[i] = kind;
    c.entity[i] = entity;
    c.arg[i] = arg;
    c.next[i] = -1;
    if (this.heldLast >= 0) c.next[this.heldLast] = i;
    else this.heldFirst = i;
    this.heldLast = i;
  }

  /** Schedules a held batch, as the code run ahead would have scheduled it at this time. */
  private replay(first: number): void {
    for (let i = first; i >= 0; ) {
      const c = this.held.cols; // scheduling never grows the pool, but read it fresh anyway
      const next = c.next[i];
      const d = c.delay_us[i];
      if (d >= 0) this.schedule(d, c.kind[i], c.entity[i], c.arg[i]);
      else this.at(c.time_us[i], c.kind[i], c.entity[i], c.arg[i]);
      this.held.free(i);
      i = next;
    }
  }

  get pending(): number {
    let n = this.queue.size;
    for (const l of this.lanes) n += l.size;
    return n;
  }

  /** Runs events in (time, seq) order until none is left or a stop condition holds. */
  run(opts: RunOptions = {}): void {
    this.running = true;
    try {
      // The run's end is written here, outside the loop: V8 compiles the loop while it runs (on
      // stack replacement), and a store it had not yet run would throw it back to the interpreter.
      this.fingerprint = this.loop(opts) >>> 0;
    } finally {
      this.running = false;
    }
  }

  /** Runs the events; returns the fingerprint as a signed int. `events` counts as they run. */
  private loop(opts: RunOptions): number {
    const q = this.queue;
    const lanes = this.lanes;
    const laneCount = lanes.length;
    const handlers = this.handlers;
    const kindHashes = this.kindNameHashes;
    const heads = this.laneHead_us;
    const headSeqs = this.laneHeadSeq;
    const until = opts.until_us ?? Infinity;
    const stopWhen = opts.stopWhen;
    const onProgress = opts.onProgress;
    const every = opts.progressEvery ?? 1 << 18;
    let fp = this.fingerprint;
    let untilProgress = every;
    for (;;) {
      // the earliest of the heap top and the lane heads, by (time, seq)
      let from = -1; // a lane, or -1 for the heap
      let t = Infinity;
      let s = Infinity;
      if (q.size > 0) {
        t = q.peekTime();
        s = q.peekSeq();
      }
      for (let i = 0; i < laneCount; i++) {
        const lt = heads[i];
        if (lt < t || (lt === t && lt !== Infinity && headSeqs[i] < s)) {
          from = i;
          t = lt;
          s = headSeqs[i];
        }
      }
      if (t === Infinity || t > until) break;
      let kind: number;
      let entity: number;
      let arg: number;
      if (from < 0) {
        q.pop();
        kind = q.popped_kind;
        entity = q.popped_entity;
        arg = q.popped_arg;
      } else {
        const l = lanes[from];
        const h = l.head;
        const c = l.cols;
        kind = c.kind[h];
        entity = c.entity[h];
        arg = c.arg[h];
        l.drop();
        if (l.size > 0) {
          heads[from] = c.time_us[l.head];
          headSeqs[from] = c.seq[l.head];
        } else heads[from] = Infinity;
      }
      this.now_us = t;
      // `t | 0` is t mod 2^32 for whole microseconds: cheap, and enough for a fingerprint
      fp = Math.imul(fp ^ (t | 0), 16777619);
      fp = Math.imul(fp ^ kindHashes[kind], 16777619);
      fp = Math.imul(fp ^ entity, 16777619);
      // what the handler notes folds in after its event
      this.fingerprint = Math.imul(fp ^ arg, 16777619);
      handlers[kind](entity, arg);
      fp = this.fingerprint;
      this.events++;
      if (stopWhen !== undefined && stopWhen()) break;
      if (--untilProgress === 0) {
        untilProgress = every;
        if (onProgress !== undefined) onProgress(t, this.events);
      }
    }
    return fp;
  }
}
