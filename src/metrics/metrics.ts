// Run-level counters, time-series bins and the latency histogram that the model writes into while
// it runs. The model only adds to these; summarize.ts turns them into the report at the end.
import { LatencyHistogram } from './histogram.js';
import { OUTCOME_ERROR, OUTCOME_SOLD_OUT, OUTCOME_TIMEOUT } from './outcomes.js';

/** A growable array of per-bin counts. */
export class Bins {
  values = new Float64Array(256);
  used = 0;

  add(bin: number, v: number): void {
    if (bin >= this.values.length) {
      let n = this.values.length;
      while (n <= bin) n *= 2;
      const next = new Float64Array(n);
      next.set(this.values);
      this.values = next;
    }
    this.values[bin] += v;
    if (bin >= this.used) this.used = bin + 1;
  }
}

export type FaultRecord = { at_us: number; action: string; target: string; detail: string };

/**
 * What the run as a whole records, whichever tier writes it: the users' view of their requests,
 * the latency histogram and time series, tickets granted, the fault log. Each tier's own counters
 * live with the tier (src/model/<tier>/counters.ts), which also builds its section of the summary.
 */
export class Metrics {
  readonly bin_us: number;
  readonly latency = new LatencyHistogram(); // answered requests (latency_ms)
  // Every request a user sent, failures at their time to failure (a timeout at the user's
  // timeout): all of them, and split as Gatling does into OK (a ticket or "sold out") and KO.
  readonly latencyAll = new LatencyHistogram();
  readonly latencyOk = new LatencyHistogram();
  readonly latencyKo = new LatencyHistogram();
  // time series, by bin
  readonly arrivals = new Bins();
  readonly ok = new Bins();
  readonly soldOut = new Bins();
  readonly errors = new Bins();
  readonly timeouts = new Bins();
  readonly latencySum_us = new Bins();
  readonly sold = new Bins(); // tickets granted by Redis in each bin
  readonly timeoutsBySend = new Bins(); // timeouts, by the bin their request was sent in
  readonly errorsBySend = new Bins(); // errors, by the bin their request was sent in

  // requests as the users saw them
  requestsTotal = 0;
  requestsOk = 0;
  requestsSoldOut = 0;
  requestsErrors = 0;
  requestsTimeouts = 0;
  // The two times below are kept as doubles in a typed array, not as fields: sell-out writes its
  // time mid-run, and a field whose number representation changes then deoptimizes every
  // function compiled against a Metrics (the users' send and answer paths among them).
  private readonly times_us = new Float64Array([0, -1]);
  get lastResponse_us(): number {
    return this.times_us[0];
  }
  set lastResponse_us(t_us: number) {
    this.times_us[0] = t_us;
  }
  usersRetried = 0;
  lateAnswers = 0; // answers that reached a user who had stopped waiting
  // When each "sold out" answer was read, for those taken while Redis had not yet granted the
  // whole inventory: an answer may be taken ahead of its time, so the count waits for the end.
  private soldOutRead_us = new Float64Array(1024);
  private soldOutReads = 0;

  // tickets
  ticketsGranted = 0; // script replies that granted a ticket
  get sellOut_us(): number {
    return this.times_us[1];
  }
  set sellOut_us(t_us: number) {
    this.times_us[1] = t_us;
  }

  readonly faults: FaultRecord[] = [];

  constructor(bin_us: number) {
    this.bin_us = bin_us;
  }

  /** A request sent at `now_us - latency_us` ended with `outcome` at `now_us`, after `latency_us`. */
  ended(outcome: number, latency_us: number, now_us: number): number {
    const b = LatencyHistogram.bucketOf(latency_us);
    this.latencyAll.recordIn(b, latency_us);
    const ko = outcome === OUTCOME_ERROR || outcome === OUTCOME_TIMEOUT;
    (ko ? this.latencyKo : this.latencyOk).recordIn(b, latency_us);
    if (outcome === OUTCOME_TIMEOUT) this.timeoutsBySend.add(this.bin(now_us - latency_us), 1);
    else if (outcome === OUTCOME_ERROR) this.errorsBySend.add(this.bin(now_us - latency_us), 1);
    else if (outcome === OUTCOME_SOLD_OUT && (this.sellOut_us < 0 || now_us < this.sellOut_us)) this.noteSoldOutRead(now_us);
    return b;
  }

  private noteSoldOutRead(now_us: number): void {
    if (this.soldOutReads === this.soldOutRead_us.length) {
      const next = new Float64Array(this.soldOutRead_us.length * 2);
      next.set(this.soldOutRead_us);
      this.soldOutRead_us = next;
    }
    this.soldOutRead_us[this.soldOutReads++] = now_us;
  }

  /** "Sold out" answers read before Redis had granted the whole inventory (all of them if it never did). */
  soldOutWithStock(): number {
    if (this.sellOut_us < 0) return this.soldOutReads;
    let n = 0;
    for (let i = 0; i < this.soldOutReads; i++) if (this.soldOutRead_us[i] < this.sellOut_us) n++;
    return n;
  }

  bin(t_us: number): number {
    return Math.floor(t_us / this.bin_us);
  }

  /** The run's length for utilizations: up to the last answer, not the last event (idle timeout wake-ups may run long after it). */
  duration_us(): number {
    return Math.max(this.lastResponse_us, 1);
  }
}
