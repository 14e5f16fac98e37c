// The CPUs of one host as Linux schedules them (EEVDF, kernel/sched/fair.c, 6.6 onwards): a core
// runs ONE thread at a time, for up to its slice or until it blocks; the other runnable threads
// wait. The parts of fair.c kept, at equal weights (every process at nice 0):
// - each thread has a vruntime v (CPU µs received) and a virtual deadline d = v + slice set when
//   it is placed and when it uses up its slice (update_deadline);
// - V is the mean v of the runnable threads (avg_vruntime); a thread is eligible when v <= V;
//   a free core takes the eligible thread with the earliest deadline, ties in queue order
//   (pick_eevdf; the rb-tree puts an equal key after the ones already in it);
// - a thread picked runs protected until its deadline (set_protect_slice with RUN_TO_PARITY: all
//   slices equal, so vprot = deadline); a woken thread preempts a running one only when that one is
//   not protected (or not eligible) and the woken one would be picked (check_preempt_wakeup_fair);
// - a thread that blocks keeps its lag V - v, clamped to max(2 x slice, one tick) (update_entity_lag),
//   and is placed at V - lag x (n + 1) / n when it wakes (place_entity, PLACE_LAG); one that blocks
//   owing CPU (lag < 0) stays counted in V until it is eligible, then leaves with lag 0
//   (DELAY_DEQUEUE, DELAY_ZERO); woken before that, it keeps its v and deadline.
// Approximations: one run queue for the host's cores instead of one per core (a woken thread goes
// to an idle core when there is one, select_idle_sibling; newidle balancing pulls waiting threads
// to a core that goes idle); the kernel notices a slice's end at its next update_curr on that
// core (the tick, 4 ms at HZ=250, or a wake-up there, every ~0.1 ms under this load), the model at
// the end itself.
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

/** TICK_NSEC at CONFIG_HZ=250 (Debian's, and the measuring machine's), in the lag clamp. */
const TICK_US = 4000;

const BLOCKED = 0; // no work: off the run queue
const WAITING = 1; // runnable, waiting for a core
const RUNNING = 2;
const DELAYED = 3; // no work, but still counted in V until eligible (DELAY_DEQUEUE)

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
  // per thread
  private readonly tProc: number[] = [];
  private readonly tState: number[] = [];
  private readonly tV: number[] = []; // vruntime, µs
  private readonly tD: number[] = []; // virtual deadline
  private readonly tProt: number[] = []; // protected until v reaches this
  private readonly tLag: number[] = []; // kept while blocked
  private readonly tPiece: number[] = []; // the piece it is on, -1 none
  private readonly tLeft: number[] = []; // µs of that piece left
  private readonly tQueued: number[] = []; // when it joined the queue (ties)
  private readonly waitList: number[] = []; // runnable threads waiting, the first waitLen entries
  private waitLen = 0;
  private queued = 0;
  // per core
  private readonly cur: Int32Array;
  private readonly since_us: Float64Array;
  private readonly gen: Int32Array;
  private running = 0;
  private lastV = 0; // V when nothing is runnable (the kernel's zero_vruntime)
  private busyCore = 0;
  private updated_us = 0;
  private readonly kCore: number;

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
    this.cur = new Int32Array(cores).fill(-1);
    this.since_us = new Float64Array(cores);
    this.gen = new Int32Array(cores);
    this.kCore = engine.register(`host.${name}.core`, (c, g) => this.onCore(c, g));
  }

  addProcess(threads: number): number {
    check(threads >= 1, () => `host ${this.name}: a process needs at least one thread`);
    const p = this.threadsOf.length;
    const ids: number[] = [];
    for (let k = 0; k < threads; k++) {
      const t = this.tProc.length;
      ids.push(t);
      this.tProc.push(p);
      this.tState.push(BLOCKED);
      for (const a of [this.tV, this.tD, this.tProt, this.tLag, this.tLeft, this.tQueued]) a.push(0);
      this.tPiece.push(-1);
      this.waitList.push(-1);
    }
    this.threadsOf.push(ids);
    this.fifo.push(new IntRing(64));
    this.residue.push(0);
    return p;
  }

  submit(proc: number, work_us: number, kind: number, entity: number, arg: number): void {
    check(work_us >= 0, () => `host ${this.name}: negative CPU work ${work_us}`);
    // whole µs (the engine's clock), the rounding carried so a process's CPU adds up exactly
    const whole = Math.max(0, Math.round(work_us + this.residue[proc]));
    this.residue[proc] += work_us - whole;
    const w = this.work.alloc();
    const c = this.work.cols;
    c.work_us[w] = whole;
    c.kind[w] = kind;
    c.entity[w] = entity;
    c.arg[w] = arg;
    this.sync();
    const t = this.idleThread(proc);
    if (t < 0) this.fifo[proc].push(w);
    else this.wake(t, w);
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
    this.load?.credit(this.loadNode, this.updated_us, now_us, this.running, this.waitLen);
    this.updated_us = now_us;
  }

  /** V: the mean vruntime of the runnable (and delayed) threads; delayed ones that became eligible leave. */
  private avg(): number {
    let sum = 0;
    let n = 0;
    for (let t = 0; t < this.tState.length; t++) {
      if (this.tState[t] !== BLOCKED) {
        sum += this.tV[t];
        n++;
      }
    }
    if (n === 0) return this.lastV;
    const V = sum / n;
    let left = false;
    for (let t = 0; t < this.tState.length; t++) {
      if (this.tState[t] === DELAYED && this.tV[t] <= V) {
        this.tState[t] = BLOCKED; // dequeued at last, its debt paid (DELAY_ZERO: lag 0)
        this.tLag[t] = 0;
        left = true;
      }
    }
    this.lastV = V;
    return left ? this.avg() : V;
  }

  /** Thread `t` gets piece `w`: placed on the run queue, on an idle core or preempting one if it should. */
  private wake(t: number, w: number): void {
    this.tPiece[t] = w;
    this.tLeft[t] = this.work.cols.work_us[w];
    if (this.tState[t] === DELAYED) {
      this.enqueue(t); // still on the queue in the kernel: keeps its v and deadline
    } else {
      const V = this.avg();
      const n = this.runnableCount();
      const lag = n > 0 ? (this.tLag[t] * (n + 1)) / n : this.tLag[t];
      this.tV[t] = V - lag;
      this.tD[t] = this.tV[t] + this.slice_us;
      this.enqueue(t);
    }
    const idle = this.cur.indexOf(-1);
    if (idle >= 0) this.dispatch(idle, this.pick(-1));
    else this.preemptFor(t);
  }

  private runnableCount(): number {
    let n = 0;
    for (let t = 0; t < this.tState.length; t++) if (this.tState[t] !== BLOCKED) n++;
    return n;
  }

  private enqueue(t: number): void {
    this.tState[t] = WAITING;
    this.tQueued[t] = this.queued++;
    this.waitList[this.waitLen++] = t;
  }

  /** check_preempt_wakeup_fair: the first core whose thread is unprotected and would lose to `t`. */
  private preemptFor(t: number): void {
    const V = this.avg();
    for (let c = 0; c < this.cores; c++) {
      const u = this.cur[c];
      if (this.tV[u] <= V && this.tV[u] < this.tProt[u]) continue; // eligible and protected
      if (this.pick(u, V) !== t) continue;
      this.preempt(c);
      this.dispatch(c, t);
      return;
    }
  }

  /**
   * pick_eevdf: the eligible thread with the earliest deadline among the waiting ones and `curr`
   * (-1: none); queue order on a tie, and `curr` only when strictly earlier. None eligible: the
   * earliest deadline (the host's one queue can hold only threads behind the running ones' mean).
   */
  private pick(curr: number, V = this.avg()): number {
    let best = -1;
    let any = -1;
    for (let i = 0; i < this.waitLen; i++) {
      const t = this.waitList[i];
      if (any < 0 || this.before(t, any)) any = t;
      if (this.tV[t] <= V && (best < 0 || this.before(t, best))) best = t;
    }
    if (curr >= 0 && this.tV[curr] <= V && (best < 0 || this.tD[curr] < this.tD[best])) return curr;
    return best >= 0 ? best : any;
  }

  private before(a: number, b: number): boolean {
    return this.tD[a] < this.tD[b] || (this.tD[a] === this.tD[b] && this.tQueued[a] < this.tQueued[b]);
  }

  private unqueue(t: number): void {
    const i = this.waitList.indexOf(t);
    check(i >= 0 && i < this.waitLen, () => `host ${this.name}: thread ${t} is not waiting`);
    this.waitList[i] = this.waitList[--this.waitLen];
  }

  /** Core `c` runs thread `t` (waiting); it is protected until its deadline. */
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

  /** The running thread of core `c` goes back to the queue, keeping its deadline. */
  private preempt(c: number): void {
    const t = this.cur[c];
    this.cur[c] = -1;
    this.running--;
    this.gen[c]++;
    this.enqueue(t);
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
        this.dispatch(c, this.pick(-1));
        return;
      }
      this.tPiece[t] = next;
      this.tLeft[t] = this.work.cols.work_us[next];
    }
    if (this.tV[t] >= this.tD[t]) {
      this.tD[t] = this.tV[t] + this.slice_us; // update_deadline: a new request, and a resched
      if (this.waitLen > 0) {
        const best = this.pick(t);
        if (best !== t) {
          this.preempt(c);
          this.dispatch(c, best);
          return;
        }
      }
    }
    this.arm(c);
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
    const V = this.avg();
    const lag = Math.min(this.lagLimit_us, Math.max(-this.lagLimit_us, V - this.tV[t]));
    this.cur[c] = -1;
    this.running--;
    this.gen[c]++;
    this.tState[t] = lag < 0 ? DELAYED : BLOCKED;
    this.tLag[t] = lag < 0 ? 0 : lag;
  }
}
