// A FIFO service station: `servers` identical servers and one queue of waiting jobs in front
// (an M/G/c station when the caller draws service times), for any component that serves work:
// the app's Go handler behind its lock channel, Redis's command thread, later a CPU or a replica.
// One object holds `stations` independent stations (the app tier keeps one per server), all in
// flat typed arrays indexed by station, so nothing is allocated per event.
//
// A job is any non-negative int32 (a request slot, a command slot). The station only keeps the
// books: which job holds which server, who waits, how long the servers were busy. Drawing the
// service time and scheduling the completion stay with the caller, so its random draws and
// events come in the order it chooses.
//
// The invariants are checked on every change and a breach throws: 0 <= busy <= servers, a job
// finishes only where it is in service, the queue never underflows, and a job waits only while
// every server is busy.
//
// Given a LoadBins, a station also integrates its busy servers and its queue over time bins (for
// nodes.csv): each change first credits the span since the previous one with the old state.
import type { LoadBins } from './load-bins.js';

export class Station {
  readonly stations: number;
  readonly servers: number;
  private readonly busy: Int32Array; // [station]: servers in use
  private readonly slotJob: Int32Array; // [station * servers + k]: the job on server k, -1 if idle
  private readonly slotSince_us: Float64Array; // [station * servers + k]: when that job started
  private readonly busy_us: Float64Array; // [station]: service time of the jobs that left service
  private readonly gen: Int32Array; // [station]: bumped by kill
  // The queues: station s's ring is queue[s * queueCap, (s + 1) * queueCap), queueCap a power
  // of two shared by all stations, so wrap-around is a mask; all rings grow together.
  private queue: Int32Array;
  private queueCap: number;
  private readonly queueHead: Int32Array;
  private readonly queueLen: Int32Array;
  private lost: Int32Array; // kill's answer, reused
  private readonly load: LoadBins | null;
  private readonly changed_us: Float64Array; // [station]: the last change, credited up to there

  constructor(stations: number, servers: number, initialQueue = 64, load: LoadBins | null = null) {
    if (!Number.isInteger(stations) || stations < 1) throw new Error(`station: need at least one station, got ${stations}`);
    if (!Number.isInteger(servers) || servers < 1) throw new Error(`station: need at least one server per station, got ${servers}`);
    this.stations = stations;
    this.servers = servers;
    this.busy = new Int32Array(stations);
    this.slotJob = new Int32Array(stations * servers).fill(-1);
    this.slotSince_us = new Float64Array(stations * servers);
    this.busy_us = new Float64Array(stations);
    this.gen = new Int32Array(stations);
    let cap = 1;
    while (cap < initialQueue) cap <<= 1;
    this.queueCap = cap;
    this.queue = new Int32Array(stations * cap);
    this.queueHead = new Int32Array(stations);
    this.queueLen = new Int32Array(stations);
    this.lost = new Int32Array(servers + cap);
    if (load && load.nodes !== stations) throw new Error(`station: load bins for ${load.nodes} nodes, but ${stations} stations`);
    this.load = load;
    this.changed_us = new Float64Array(stations);
  }

  /** Credits station `s`'s busy servers and queue since its last change, up to `now_us`. */
  private account(s: number, now_us: number): void {
    if (this.load === null) return;
    this.load.credit(s, this.changed_us[s], now_us, this.busy[s], this.queueLen[s]);
    this.changed_us[s] = now_us;
  }

  /** Credits every station up to `now_us` (the end of a run; a station left busy would be missed). */
  accountAll(now_us: number): void {
    for (let s = 0; s < this.stations; s++) this.account(s, now_us);
  }

  /**
   * `job` arrives at station `s`. Returns true if a server was free and the job is now in
   * service (the caller schedules its completion), false if it waits in the queue.
   */
  arrive(s: number, job: number, now_us: number): boolean {
    if (!(job >= 0)) throw new Error(`station ${s}: job ${job} is not a job number (a non-negative integer)`);
    this.account(s, now_us);
    if (this.busy[s] < this.servers) {
      this.take(s, job, now_us);
      return true;
    }
    this.enqueue(s, job);
    return false;
  }

  /**
   * `job`, in service at station `s`, is done. Returns the job that takes its server now (the
   * oldest waiting one; the caller schedules its completion), or -1 if none waits.
   */
  finish(s: number, job: number, now_us: number): number {
    const base = s * this.servers;
    const end = base + this.servers;
    let k = base;
    while (k < end && this.slotJob[k] !== job) k++;
    if (k === end) throw new Error(`station ${s}: job ${job} finishes but is not in service there`);
    this.account(s, now_us);
    this.load?.finished(s, now_us);
    this.busy_us[s] += now_us - this.slotSince_us[k];
    if (this.queueLen[s] > 0) {
      // The queue is not empty only while every server is busy, so the freed server is the one
      // the next job takes: it starts at once, and busy stays as it is.
      const next = this.dequeue(s);
      this.slotJob[k] = next;
      this.slotSince_us[k] = now_us;
      return next;
    }
    this.slotJob[k] = -1;
    if (--this.busy[s] < 0) throw new Error(`station ${s}: busy count went negative`);
    return -1;
  }

  /**
   * Kills station `s`: every job in service and every waiting job is dropped, and the station's
   * generation moves on so completions scheduled before now can be told apart as stale.
   * Returns the jobs lost, in service first (by server) then waiting (oldest first); the array
   * is reused by the next kill.
   */
  kill(s: number, now_us: number): Int32Array {
    const need = this.servers + this.queueLen[s];
    if (this.lost.length < need) this.lost = new Int32Array(need);
    const lost = this.lost;
    this.account(s, now_us);
    let n = 0;
    for (let k = s * this.servers, end = k + this.servers; k < end; k++) {
      const job = this.slotJob[k];
      if (job < 0) continue;
      this.busy_us[s] += now_us - this.slotSince_us[k];
      this.slotJob[k] = -1;
      lost[n++] = job;
    }
    if (n !== this.busy[s]) throw new Error(`station ${s}: ${n} jobs in service but the busy count is ${this.busy[s]}`);
    this.busy[s] = 0;
    while (this.queueLen[s] > 0) lost[n++] = this.dequeue(s);
    this.queueHead[s] = 0;
    this.gen[s]++;
    return lost.subarray(0, n);
  }

  /** Servers of station `s` in use. */
  busyCount(s: number): number {
    return this.busy[s];
  }

  /** Jobs waiting at station `s`. */
  queued(s: number): number {
    return this.queueLen[s];
  }

  /**
   * The busy-server integral of station `s` in server-microseconds, credited when a job leaves
   * service (done or killed): jobs still in service are not in it yet. Utilisation over a run
   * is this / (duration x servers).
   */
  busyTime_us(s: number): number {
    return this.busy_us[s];
  }

  /** The busy-server integral of station `s` up to `now_us`, jobs in service included. */
  busyTimeTo_us(s: number, now_us: number): number {
    let t = this.busy_us[s];
    for (let k = s * this.servers, end = k + this.servers; k < end; k++) {
      if (this.slotJob[k] >= 0) t += now_us - this.slotSince_us[k];
    }
    return t;
  }

  /** Station `s`'s generation: a completion scheduled with an older one was cut short by a kill. */
  generation(s: number): number {
    return this.gen[s];
  }

  /** Puts `job` on the lowest free server of `s` (there is one: busy < servers). */
  private take(s: number, job: number, now_us: number): void {
    const base = s * this.servers;
    const end = base + this.servers;
    let k = base;
    while (k < end && this.slotJob[k] >= 0) k++;
    if (k === end) throw new Error(`station ${s}: busy count ${this.busy[s]} < ${this.servers} servers, yet none is free`);
    this.slotJob[k] = job;
    this.slotSince_us[k] = now_us;
    this.busy[s]++;
  }

  private enqueue(s: number, job: number): void {
    if (this.queueLen[s] === this.queueCap) this.growQueues();
    const cap = this.queueCap;
    this.queue[s * cap + ((this.queueHead[s] + this.queueLen[s]) & (cap - 1))] = job;
    this.queueLen[s]++;
  }

  private dequeue(s: number): number {
    if (this.queueLen[s] <= 0) throw new Error(`station ${s}: the queue is empty, nothing to take from it`);
    const cap = this.queueCap;
    const h = this.queueHead[s];
    const job = this.queue[s * cap + h];
    this.queueHead[s] = (h + 1) & (cap - 1);
    this.queueLen[s]--;
    return job;
  }

  /** Doubles every station's ring, each one's waiting jobs moved to the start of its new ring. */
  private growQueues(): void {
    const old = this.queue;
    const oldCap = this.queueCap;
    const cap = oldCap * 2;
    const next = new Int32Array(this.stations * cap);
    for (let s = 0; s < this.stations; s++) {
      const h = this.queueHead[s];
      for (let i = 0; i < this.queueLen[s]; i++) next[s * cap + i] = old[s * oldCap + ((h + i) & (oldCap - 1))];
      this.queueHead[s] = 0;
    }
    this.queue = next;
    this.queueCap = cap;
  }
}
