// Timeouts that all have the same length (a client's timeout, nginx's proxy_read_timeout).
// Their deadlines are armed in time order, so they sit in a FIFO; most are never needed (the
// answer comes first), so instead of one event per timeout a single wake-up is kept for the
// earliest deadline still live, and dead entries are dropped lazily. `tag` tells a live entry
// from a stale one: the owner bumps it when the awaited thing completes.
import { ColumnRing } from './columns.js';
import type { Engine } from './engine.js';

const TIMEOUT_COLUMNS = { deadline_us: Float64Array, entity: Int32Array, tag: Int32Array };

export class DeadlineQueue {
  private readonly ring = new ColumnRing(TIMEOUT_COLUMNS, 1024);
  private wakeupAt_us = -1; // time of the pending wake-up, -1 if none
  private waking = false; // expiry handlers may arm new timeouts; wake() schedules for them
  private readonly kWake: number;

  constructor(
    private readonly engine: Engine,
    name: string,
    readonly timeout_us: number,
    private readonly isLive: (entity: number, tag: number) => boolean,
    private readonly onExpire: (entity: number, tag: number) => void,
  ) {
    this.kWake = engine.register(`${name}.timeout`, () => this.wake());
  }

  /**
   * Could this queue act between `from_us` and `to_us` (both included): is a wake-up due then, or
   * could a timeout armed meanwhile fall in it? Code run ahead over that span needs a no.
   */
  actsWithin(from_us: number, to_us: number): boolean {
    const w = this.wakeupAt_us;
    return (w >= from_us && w <= to_us) || this.waking || this.timeout_us <= to_us - from_us;
  }

  /** Starts a timeout of `timeout_us` from now for (entity, tag). */
  arm(entity: number, tag: number): void {
    const ring = this.ring;
    // Most timeouts die young: dropping dead ones at the head keeps the ring near the live count.
    while (ring.size > 0 && !this.isLive(ring.cols.entity[ring.head], ring.cols.tag[ring.head])) ring.drop();
    const i = ring.pushSlot();
    const c = ring.cols;
    const d = this.engine.now_us + this.timeout_us;
    c.deadline_us[i] = d;
    c.entity[i] = entity;
    c.tag[i] = tag;
    if (this.wakeupAt_us < 0 && !this.waking) {
      this.wakeupAt_us = d;
      this.engine.at(d, this.kWake, 0);
    }
  }

  private wake(): void {
    const now = this.engine.now_us;
    const ring = this.ring;
    this.wakeupAt_us = -1;
    this.waking = true;
    while (ring.size > 0) {
      const i = ring.head;
      const c = ring.cols; // an expiry handler may have armed timeouts and grown the ring
      const e = c.entity[i];
      const t = c.tag[i];
      const live = this.isLive(e, t);
      if (live && c.deadline_us[i] > now) {
        this.wakeupAt_us = c.deadline_us[i];
        this.engine.at(this.wakeupAt_us, this.kWake, 0);
        break;
      }
      ring.drop();
      if (live) this.onExpire(e, t);
    }
    this.waking = false;
  }
}
