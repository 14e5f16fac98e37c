// The CPUs of one host as Linux schedules them (EEVDF, kernel/sched/fair.c, 6.6 onwards): a core
// runs ONE thread at a time, for up to its slice or until it blocks; the other runnable threads
// wait in that core's run queue. The parts of fair.c kept, at equal weights (every process at nice 0):
// - each thread has a vruntime v (CPU µs received) and a virtual deadline d = v + slice set when
//   it is placed and when it uses up its slice (update_deadline);
// - per core, V is the mean v of its runnable threads (avg_vruntime); a thread is eligible when
//   v <= V; a core takes the eligible thread with the earliest deadline, ties in queue order
//   (pick_eevdf; the rb-tree puts an equal key after the ones already in it);
// - a thread picked runs protected until its deadline (set_protect_slice with RUN_TO_PARITY: all
//   slices equal, so vprot = deadline); a woken thread preempts its core's running one only when
//   that one is not protected (or not eligible) and the woken one would be picked
//   (check_preempt_wakeup_fair);
// - a thread that blocks keeps its lag V - v, clamped to max(2 x slice, one tick) (update_entity_lag),
//   and is placed at V - lag x (n + 1) / n when it wakes (place_entity, PLACE_LAG); one that blocks
//   owing CPU (lag < 0) stays counted in its core's V until it is eligible, then leaves with lag 0
//   (DELAY_DEQUEUE, DELAY_ZERO); woken before that, it stays on that core with its v and deadline
//   (ttwu_runnable);
// - a woken thread goes to its previous core if that is idle, else to an idle core
//   (select_idle_sibling), else to the less loaded core, its previous one on a tie: in this stack
//   each thread wakes mostly one other, so wake_wide() says no and wake_affine_weight() picks the
//   lighter of the waker's core and the previous one; the model does not know the waker, so it
//   takes the lighter core (runnable threads for the kernel's load average);
// - a core with nothing left pulls the longest-queued thread of the busiest other core, but not one
//   that ran in the last 0.5 ms (newidle balancing; task_hot, sysctl_sched_migration_cost); an idle
//   core pulls again at each 4 ms tick (HZ=250) while others have threads waiting (nohz idle
//   balancing, kicked from a busy core's tick), a cache-hot one after two failed tries
//   (nr_balance_failed > cache_nice_tries = 1); a moved thread keeps its lag and relative deadline
//   (PLACE_REL_DEADLINE).
// The kernel notices a slice's end at its next update_curr on that core (the tick, or a wake-up
// there, every ~0.1 ms under load), the model at the end itself.
//
// A process's work is a FIFO of pieces served by its threads: a single-threaded event loop (ab,
// nginx's worker, Node, Redis) takes its ready work one piece at a time and keeps the core while
// it has more, as epoll_wait returns at once when events are ready.
import { check } from '../../engine/assert.js';
import { ColumnPool } from '../../engine/columns.js';
import type { Engine } from '../../engine/engine.js';
import { IntRing } from '../../engine/ring.js';
import type { LoadBins } from '../shared/load-bins.js';
import type { Cpu } from './cpu.js';

/** TICK_NSEC at CONFIG_HZ=250 (Debian's, and the measuring machine's): the lag clamp, the balancing tick. */
const TICK_US = 4000;
/** sysctl_sched_migration_cost: a thread that ran this recently is cache-hot, not pulled by newidle balancing. */
const MIGRATION_COST_US = 500;
/** sched_domain's cache_nice_tries for cores sharing a cache: failed pulls before a hot thread moves. */
const CACHE_NICE_TRIES = 1;

const BLOCKED = 0; // no work: off the run queues
const WAITING = 1; // runnable, in its core's queue
const RUNNING = 2;
const DELAYED = 3; // no work, but still counted in its core's V until eligible (DELAY_DEQUEUE)

const WORK_COLUMNS = {
  work_us: Float64Array,
  kind: Int32Array, // the event that fires when it is done
  entity: Int32Array,
  arg: Int32Array,
};

export class SliceCpu implements Cpu {
  private readonly work = new ColumnPool(WORK_COLUMNS, 256);
  private readonly lagLimit_us: number;
  // per process: its threads, its FIFO of pieces no thread has taken yet, the rounding carried
  private readonly threadsOf: number[][] = [];
  private readonly fifo: IntRing[] = [];
  private readonly residue: number[] = [];
  private readonly wake_us: number[] = []; // CPU per wake-up
  private readonly wakes: number[] = [];
  // per thread
  private readonly tProc: number[] = [];
  private readonly tState: number[] = [];
  private readonly tRq: number[] = []; // the core whose queue it is on, or last ran on; -1 never
  private readonly tV: number[] = []; // vruntime, µs, in its core's frame
  private readonly tD: number[] = []; // virtual deadline
  private readonly tProt: number[] = []; // protected until v reaches this
  private readonly tLag: number[] = []; // kept while blocked
  private readonly tPiece: number[] = []; // the piece it is on, -1 none
  private readonly tLeft: number[] = []; // µs of that piece left
  private readonly tQueued: number[] = []; // when it joined a queue (ties, and the oldest to pull)
  private readonly tRan_us: number[] = []; // when it last left a core (cache-hot)
  private queued = 0;
  // per core
  private readonly qList: number[][]; // waiting threads, the first qLen[c] entries
  private readonly qLen: number[];
  private readonly lastV: number[]; // V when nothing is runnable there (the kernel's zero_vruntime)
  private readonly cur: Int32Array;
  private readonly since_us: Float64Array;
  private readonly gen: Int32Array;
  private running = 0;
  private waiting = 0;
  private failedPulls = 0;
  private tickArmed = false;
  private busyCore = 0;
  private updated_us = 0;
  private readonly kCore: number;
  private readonly kTick: number;

  constructor(
    private readonly engine: Engine,
    readonly name: string,
    readonly cores: number,
    readonly slice_us: number,
    private readonly load: LoadBins | null = null,
    private readonly loadNode = 0,
  ) {
    check(cores >= 1 && Number.isInteger(cores), () => `host ${name}: cores must be a whole number >= 1 (got ${cores})`);
    check(slice_us > 0, () => `host ${name}: a time slice must be positive (got ${slice_us}; 0 is processor sharing)`);
    this.lagLimit_us = Math.max(2 * slice_us, TICK_US);
    this.qList = Array.from({ length: cores }, () => []);
    this.qLen = new Array<number>(cores).fill(0);
    this.lastV = new Array<number>(cores).fill(0);
    this.cur = new Int32Array(cores).fill(-1);
    this.since_us = new Float64Array(cores);
    this.gen = new Int32Array(cores);
    this.kCore = engine.register(`host.${name}.core`, (c, g) => this.onCore(c, g));
    this.kTick = engine.register(`host.${name}.tick`, () => this.onTick());
  }

  addProcess(threads: number, wake_us = 0): number {
    check(threads >= 1, () => `host ${this.name}: a process needs at least one thread`);
    check(wake_us >= 0, () => `host ${this.name}: negative CPU per wake-up ${wake_us}`);
    this.wake_us.push(wake_us);
    this.wakes.push(0);
    const p = this.threadsOf.length;
    const ids: number[] = [];
    for (let k = 0; k < threads; k++) {
      const t = this.tProc.length;
      ids.push(t);
      this.tProc.push(p);
      this.tState.push(BLOCKED);
      this.tRq.push(-1);
      for (const a of [this.tV, this.tD, this.tProt, this.tLag, this.tLeft, this.tQueued]) a.push(0);
      this.tRan_us.push(-Infinity);
      this.tPiece.push(-1);
      for (const q of this.qList) q.push(-1);
    }
    this.threadsOf.push(ids);
    this.fifo.push(new IntRing(64));
    this.residue.push(0);
    return p;
  }

  submit(proc: number, work_us: number, kind: number, entity: number, arg: number): void {
    check(work_us >= 0, () => `host ${this.name}: negative CPU work ${work_us}`);
    // a thread with no work takes it: it was blocked (an event loop in epoll_wait), so it wakes
    // and pays for that before this piece's work; a busy one takes it from the FIFO without
    // blocking, and so does one that ran out of work this very µs (the tier's next step of the
    // same request, submitted when its last one finished: the same turn of the loop)
    const t = this.idleThread(proc);
    const woke = t >= 0 && !this.justBlocked(proc);
    const cost_us = woke ? work_us + this.wake_us[proc] : work_us;
    if (woke) this.wakes[proc]++;
    // whole µs (the engine's clock), the rounding carried so a process's CPU adds up exactly
    const whole = Math.max(0, Math.round(cost_us + this.residue[proc]));
    this.residue[proc] += cost_us - whole;
    const w = this.work.alloc();
    const c = this.work.cols;
    c.work_us[w] = whole;
    c.kind[w] = kind;
    c.entity[w] = entity;
    c.arg[w] = arg;
    this.sync();
    if (t < 0) this.fifo[proc].push(w);
    else this.wake(t, w);
  }

  wakeups(proc: number): number {
    return this.wakes[proc];
  }

  utilization(now_us: number): number {
    this.sync(now_us);
    return now_us > 0 ? this.busyCore / (now_us * this.cores) : 0;
  }

  get busyCore_us(): number {
    return this.busyCore;
  }

  get runningNow(): number {
    return this.running;
  }

  /** Whether a thread of `proc` ran out of work at this very µs. */
  private justBlocked(proc: number): boolean {
    const now = this.engine.now_us;
    for (const t of this.threadsOf[proc]) if ((this.tState[t] === BLOCKED || this.tState[t] === DELAYED) && this.tRan_us[t] === now) return true;
    return false;
  }

  /** A thread of `proc` with no work (blocked or delayed), the lowest first; -1 if all are busy. */
  private idleThread(proc: number): number {
    for (const t of this.threadsOf[proc]) if (this.tState[t] === BLOCKED || this.tState[t] === DELAYED) return t;
    return -1;
  }

  /** Brings the running threads' vruntime and work, the busy integral and the load bins up to `now_us`. */
  private sync(now_us = this.engine.now_us): void {
    const dt = now_us - this.updated_us;
    if (dt <= 0) return;
    for (let c = 0; c < this.cores; c++) {
      const t = this.cur[c];
      if (t < 0) continue;
      const ran = now_us - this.since_us[c];
      this.tV[t] += ran;
      this.tLeft[t] -= ran;
      this.since_us[c] = now_us;
    }
    this.busyCore += dt * this.running;
    this.load?.credit(this.loadNode, this.updated_us, now_us, this.running, this.waiting);
    this.updated_us = now_us;
  }

  /** Core `c`'s V: the mean vruntime of its runnable (and delayed) threads; delayed ones that became eligible leave. */
  private avg(c: number): number {
    let sum = 0;
    let n = 0;
    for (let t = 0; t < this.tState.length; t++) {
      if (this.tRq[t] === c && this.tState[t] !== BLOCKED) {
        sum += this.tV[t];
        n++;
      }
    }
    if (n === 0) return this.lastV[c];
    const V = sum / n;
    let left = false;
    for (let t = 0; t < this.tState.length; t++) {
      if (this.tRq[t] === c && this.tState[t] === DELAYED && this.tV[t] <= V) {
        this.tState[t] = BLOCKED; // dequeued at last, its debt paid (DELAY_ZERO: lag 0)
        this.tLag[t] = 0;
        left = true;
      }
    }
    this.lastV[c] = V;
    return left ? this.avg(c) : V;
  }

  /** Runnable (and delayed) threads on core `c`. */
  private runnableOn(c: number): number {
    let n = 0;
    for (let t = 0; t < this.tState.length; t++) if (this.tRq[t] === c && this.tState[t] !== BLOCKED) n++;
    return n;
  }

  private idle(c: number): boolean {
    return this.cur[c] < 0 && this.qLen[c] === 0;
  }

  /** select_idle_sibling: the previous core if idle, else an idle one; else wake_affine_weight's lighter core, the previous on a tie. */
  private selectCore(t: number): number {
    const prev = this.tRq[t];
    if (prev >= 0 && this.idle(prev)) return prev;
    for (let c = 0; c < this.cores; c++) if (this.idle(c)) return c;
    let best = prev >= 0 ? prev : 0;
    for (let c = 0; c < this.cores; c++) if (this.runnableOn(c) < this.runnableOn(best)) best = c;
    return best;
  }

  /** Thread `t` gets piece `w`: queued on a core, run there if it is free, or preempting if it should. */
  private wake(t: number, w: number): void {
    this.tPiece[t] = w;
    this.tLeft[t] = this.work.cols.work_us[w];
    let c = this.tRq[t];
    if (this.tState[t] === DELAYED) {
      this.enqueue(t, c); // still on its core's queue in the kernel: keeps its v and deadline
    } else {
      c = this.selectCore(t);
      this.place(t, c, this.tLag[t]);
      this.tD[t] = this.tV[t] + this.slice_us;
      this.enqueue(t, c);
    }
    if (this.cur[c] < 0) this.dispatch(c, this.pick(c, -1));
    else this.preemptFor(c, t);
    this.armTick();
  }

  /** place_entity: v = V - lag x (n + 1) / n on core `c` (t not yet counted there). */
  private place(t: number, c: number, lag: number): void {
    this.tRq[t] = -1;
    const V = this.avg(c);
    const n = this.runnableOn(c);
    this.tV[t] = V - (n > 0 ? (lag * (n + 1)) / n : lag);
    this.tRq[t] = c;
  }

  private enqueue(t: number, c: number): void {
    this.tState[t] = WAITING;
    this.tRq[t] = c;
    this.tQueued[t] = this.queued++;
    this.qList[c][this.qLen[c]++] = t;
    this.waiting++;
  }

  private unqueue(t: number): void {
    const c = this.tRq[t];
    const q = this.qList[c];
    const i = q.indexOf(t);
    check(i >= 0 && i < this.qLen[c], () => `host ${this.name}: thread ${t} is not waiting on core ${c}`);
    q[i] = q[--this.qLen[c]];
    this.waiting--;
  }

  /** check_preempt_wakeup_fair on core `c`: its thread yields to `t` if unprotected and `t` would be picked. */
  private preemptFor(c: number, t: number): void {
    const u = this.cur[c];
    const V = this.avg(c);
    if (this.tV[u] <= V && this.tV[u] < this.tProt[u]) return; // eligible and protected
    if (this.pick(c, u, V) !== t) return;
    this.preempt(c);
    this.dispatch(c, t);
  }

  /**
   * pick_eevdf on core `c`: the eligible thread with the earliest deadline among its waiting ones
   * and `curr` (-1: none); queue order on a tie, and `curr` only when strictly earlier.
   */
  private pick(c: number, curr: number, V = this.avg(c)): number {
    let best = -1;
    let earliest = -1; // the fallback when no waiting thread is eligible
    const q = this.qList[c];
    for (let i = 0; i < this.qLen[c]; i++) {
      const t = q[i];
      if (earliest < 0 || this.before(t, earliest)) earliest = t;
      if (this.tV[t] <= V && (best < 0 || this.before(t, best))) best = t;
    }
    if (curr >= 0 && this.tV[curr] <= V && (best < 0 || this.tD[curr] < this.tD[best])) return curr;
    return best >= 0 ? best : earliest;
  }

  private before(a: number, b: number): boolean {
    return this.tD[a] < this.tD[b] || (this.tD[a] === this.tD[b] && this.tQueued[a] < this.tQueued[b]);
  }

  /** Core `c` runs thread `t` (waiting there); it is protected until its deadline. */
  private dispatch(c: number, t: number): void {
    if (t < 0) return;
    this.unqueue(t);
    this.cur[c] = t;
    this.since_us[c] = this.engine.now_us;
    this.tState[t] = RUNNING;
    this.tProt[t] = this.tD[t];
    this.running++;
    this.arm(c);
  }

  /** The running thread of core `c` goes back to its queue, keeping its deadline. */
  private preempt(c: number): void {
    const t = this.cur[c];
    this.cur[c] = -1;
    this.running--;
    this.gen[c]++;
    this.tRan_us[t] = this.engine.now_us;
    this.enqueue(t, c);
  }

  /** One wake-up for core `c`: its piece's end or its slice's, whichever is first. */
  private arm(c: number): void {
    const t = this.cur[c];
    const toDeadline = this.tD[t] - this.tV[t];
    const left = Math.max(0, this.tLeft[t]);
    const delay = toDeadline > 0 && toDeadline < left ? Math.ceil(toDeadline) : left;
    this.engine.schedule(delay, this.kCore, c, ++this.gen[c]);
  }

  private onCore(c: number, g: number): void {
    if (g !== this.gen[c] || this.cur[c] < 0) return; // the core changed hands since
    this.sync();
    const t = this.cur[c];
    if (this.tLeft[t] <= 0) {
      this.pieceDone(t);
      const next = this.fifo[this.tProc[t]].shift();
      if (next < 0) {
        this.block(c, t);
        this.runNext(c, false);
        this.armTick();
        return;
      }
      this.tPiece[t] = next;
      this.tLeft[t] = this.work.cols.work_us[next];
    }
    if (this.tV[t] >= this.tD[t]) {
      this.tD[t] = this.tV[t] + this.slice_us; // update_deadline: a new request, and a resched
      if (this.qLen[c] > 0) {
        const best = this.pick(c, t);
        if (best !== t) {
          this.preempt(c);
          this.dispatch(c, best);
          return;
        }
      }
    }
    this.arm(c);
  }

  /** Free core `c` takes its next thread, or pulls one from the busiest other core (newidle balancing, or at a tick). */
  private runNext(c: number, tick: boolean): void {
    let t = this.pick(c, -1);
    if (t < 0) t = this.pull(c, tick);
    this.dispatch(c, t);
  }

  /**
   * The longest-queued thread of the busiest other core, moved to core `c` with its lag and relative
   * deadline; not one that left a core within MIGRATION_COST_US unless pulls failed before. -1: none.
   */
  private pull(c: number, tick: boolean): number {
    let src = -1;
    for (let o = 0; o < this.cores; o++) if (o !== c && this.qLen[o] > 0 && (src < 0 || this.qLen[o] > this.qLen[src])) src = o;
    if (src < 0) return -1;
    const hotOk = tick && this.failedPulls > CACHE_NICE_TRIES;
    const now = this.engine.now_us;
    let t = -1;
    const q = this.qList[src];
    for (let i = 0; i < this.qLen[src]; i++) {
      const u = q[i];
      if (!hotOk && now - this.tRan_us[u] < MIGRATION_COST_US) continue;
      if (t < 0 || this.tQueued[u] < this.tQueued[t]) t = u;
    }
    if (t < 0) {
      if (tick) this.failedPulls++;
      return -1;
    }
    this.failedPulls = 0;
    const lag = Math.min(this.lagLimit_us, Math.max(-this.lagLimit_us, this.avg(src) - this.tV[t]));
    const relD = this.tD[t] - this.tV[t];
    this.unqueue(t);
    this.place(t, c, lag);
    this.tD[t] = this.tV[t] + relD;
    this.enqueue(t, c);
    return t;
  }

  /** While a core idles and another has threads waiting, the next 4 ms tick balances (nohz idle balancing). */
  private armTick(): void {
    if (this.tickArmed || this.waiting === 0) return;
    let idle = false;
    for (let c = 0; c < this.cores; c++) if (this.idle(c)) idle = true;
    if (!idle) return;
    this.tickArmed = true;
    const now = this.engine.now_us;
    this.engine.at((Math.floor(now / TICK_US) + 1) * TICK_US, this.kTick, 0);
  }

  private onTick(): void {
    this.tickArmed = false;
    this.sync();
    for (let c = 0; c < this.cores; c++) if (this.idle(c)) this.runNext(c, true);
    this.armTick();
  }

  private pieceDone(t: number): void {
    const w = this.tPiece[t];
    const c = this.work.cols;
    this.engine.schedule(0, c.kind[w], c.entity[w], c.arg[w]);
    this.load?.finished(this.loadNode, this.engine.now_us);
    this.work.free(w);
    this.tPiece[t] = -1;
  }

  /** Thread `t` has no more work: it leaves core `c`, keeping its lag (or staying in V while it owes). */
  private block(c: number, t: number): void {
    const V = this.avg(c);
    const lag = Math.min(this.lagLimit_us, Math.max(-this.lagLimit_us, V - this.tV[t]));
    this.cur[c] = -1;
    this.running--;
    this.gen[c]++;
    this.tRan_us[t] = this.engine.now_us;
    this.tState[t] = lag < 0 ? DELAYED : BLOCKED;
    this.tLag[t] = lag < 0 ? 0 : lag;
  }
}
