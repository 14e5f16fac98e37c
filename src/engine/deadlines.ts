// Timeouts that all have the same length (a client's timeout, nginx's proxy_read_timeout).
// Their deadlines are armed in time order, so they sit in a FIFO; most are never needed (the
// answer comes first), so instead of one event per timeout a single wake-up is kept for the
// earliest deadline still live, and dead entries are dropped lazily. `tag` tells a live entry
// from a stale one: the owner bumps it when the awaited thing completes.
import type { Engine } from './engine.js';

export class DeadlineQueue {
  private deadline_us = new Float64Array(1024);
  private entity = new Int32Array(1024);
  private tag = new Int32Array(1024);
  private head = 0;
  private size = 0;
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

  /** Starts a timeout of `timeout_us` from now for (entity, tag). */
  arm(entity: number, tag: number): void {
    // Most timeouts die young: dropping dead ones at the head keeps the ring near the live count.
    const mask = this.deadline_us.length - 1;
    while (this.size > 0 && !this.isLive(this.entity[this.head], this.tag[this.head])) {
      this.head = (this.head + 1) & mask;
      this.size--;
    }
    if (this.size === this.deadline_us.length) this.grow();
    const i = (this.head + this.size) & (this.deadline_us.length - 1);
    const d = this.engine.now_us + this.timeout_us;
    this.deadline_us[i] = d;
    this.entity[i] = entity;
    this.tag[i] = tag;
    this.size++;
    if (this.wakeupAt_us < 0 && !this.waking) {
      this.wakeupAt_us = d;
      this.engine.at(d, this.kWake, 0);
    }
  }

  private wake(): void {
    const now = this.engine.now_us;
    const mask = this.deadline_us.length - 1;
    this.wakeupAt_us = -1;
    this.waking = true;
    while (this.size > 0) {
      const i = this.head;
      const e = this.entity[i];
      const t = this.tag[i];
      const live = this.isLive(e, t);
      if (live && this.deadline_us[i] > now) {
        this.wakeupAt_us = this.deadline_us[i];
        this.engine.at(this.wakeupAt_us, this.kWake, 0);
        break;
      }
      this.head = (i + 1) & mask;
      this.size--;
      if (live) this.onExpire(e, t);
    }
    this.waking = false;
  }

  private grow(): void {
    const n = this.deadline_us.length * 2;
    const mask = this.deadline_us.length - 1;
    const d = new Float64Array(n);
    const e = new Int32Array(n);
    const t = new Int32Array(n);
    for (let k = 0; k < this.size; k++) {
      const j = (this.head + k) & mask;
      d[k] = this.deadline_us[j];
      e[k] = this.entity[j];
      t[k] = this.tag[j];
    }
    this.deadline_us = d;
    this.entity = e;
    this.tag = t;
    this.head = 0;
  }
}
