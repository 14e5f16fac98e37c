// The discrete-event core: a clock, an event queue and a dispatch table. It knows nothing of
// the model. An event is (time_us, kind, entity, arg); components register one handler per
// kind and keep their own state, so the loop allocates nothing per event.
import { EventQueue } from './queue.js';

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
  /** FNV-1a over (time, kind, entity) of every event run: a fingerprint of the whole run. */
  fingerprint = 0x811c9dc5;
  private readonly queue = new EventQueue(4096);
  private readonly handlers: EventHandler[] = [];
  private readonly kindNames: string[] = [];

  /** Registers a handler and returns the kind number to schedule it with. */
  register(name: string, handler: EventHandler): number {
    this.handlers.push(handler);
    this.kindNames.push(name);
    return this.handlers.length - 1;
  }

  kindName(kind: number): string {
    return this.kindNames[kind] ?? `kind${kind}`;
  }

  /** Schedules an event `delay_us` from now. Delays are whole microseconds. */
  schedule(delay_us: number, kind: number, entity: number, arg = 0): void {
    if (!(delay_us >= 0)) throw new RangeError(`negative or NaN delay ${delay_us} for ${this.kindName(kind)}`);
    this.queue.push(this.now_us + delay_us, kind, entity, arg);
  }

  /** Schedules an event at an absolute time, which must not be in the past. */
  at(time_us: number, kind: number, entity: number, arg = 0): void {
    if (!(time_us >= this.now_us)) throw new RangeError(`event ${this.kindName(kind)} at ${time_us} is before now (${this.now_us})`);
    this.queue.push(time_us, kind, entity, arg);
  }

  get pending(): number {
    return this.queue.size;
  }

  /** Runs events in (time, seq) order until the queue is empty or a stop condition holds. */
  run(opts: RunOptions = {}): void {
    const q = this.queue;
    const handlers = this.handlers;
    const until = opts.until_us ?? Infinity;
    const stopWhen = opts.stopWhen;
    const onProgress = opts.onProgress;
    const every = opts.progressEvery ?? 1 << 18;
    let fp = this.fingerprint;
    while (q.size > 0 && q.peekTime() <= until) {
      q.pop();
      const t = q.popped_time_us;
      const kind = q.popped_kind;
      const entity = q.popped_entity;
      this.now_us = t;
      fp = Math.imul(fp ^ (t % 4294967296), 16777619);
      fp = Math.imul(fp ^ kind, 16777619);
      fp = Math.imul(fp ^ entity, 16777619);
      handlers[kind](entity, q.popped_arg);
      this.events++;
      if (stopWhen !== undefined && stopWhen()) break;
      if (onProgress !== undefined && this.events % every === 0) onProgress(t, this.events);
    }
    this.fingerprint = fp >>> 0;
  }
}
