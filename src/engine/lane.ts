// A FIFO lane for events that all share one fixed delay (a wire with constant latency).
// Since `now` never goes back, such events arrive already sorted by (time, seq), so a ring
// buffer keeps them in order at O(1) instead of O(log n) heap work.
import { ColumnRing } from './columns.js';

const LANE_COLUMNS = {
  time_us: Float64Array,
  seq: Float64Array,
  kind: Int32Array,
  entity: Int32Array,
  arg: Int32Array,
};

/** The event at `head` is read through `cols`; `drop()` removes it. */
export class Lane extends ColumnRing<typeof LANE_COLUMNS> {
  constructor(
    readonly delay_us: number,
    capacity = 1024,
  ) {
    super(LANE_COLUMNS, capacity);
  }

  push(time_us: number, seq: number, kind: number, entity: number, arg: number): void {
    const i = this.pushSlot();
    const c = this.cols;
    c.time_us[i] = time_us;
    c.seq[i] = seq;
    c.kind[i] = kind;
    c.entity[i] = entity;
    c.arg[i] = arg;
  }
}
