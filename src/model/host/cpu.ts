// The CPUs of one host as processor sharing among runnable threads: the limit of a scheduler
// whose slices are short against the work (`slice: 0`; eevdf.ts has Linux's slices). Every
// running thread of the host gets an equal share of the cores, but never more than one core
// (a thread runs on one core at a time). A process runs at most `threads` pieces of work at
// once — Redis one, nginx its workers, a Go server GOMAXPROCS — and the rest wait their turn in
// FIFO order. A piece of work then takes longer the busier the host is.
//
// Equal shares make every running piece progress at the same rate r(t) = min(1, cores / running),
// so the host keeps one "virtual work" clock V(t) = ∫ r dt: a piece that starts at V0 with w µs of
// work ends when V reaches V0 + w. Running pieces sit in a heap by that end; only the earliest
// has a wake-up scheduled, and a change in the running count reschedules it.
import { check } from '../../engine/assert.js';
import { ColumnPool } from '../../engine/columns.js';
import type { Engine } from '../../engine/engine.js';
import { EventQueue } from '../../engine/queue.js';
import { IntRing } from '../../engine/ring.js';
import type { LoadBins } from '../shared/load-bins.js';

/** What a tier's placed process needs of its host's CPUs, whichever way they are scheduled. */
export interface Cpu {
  readonly name: string;
  readonly cores: number;
  /**
   * A process placed on this host that runs at most `threads` pieces of work at once and spends
   * `wake_us` more each time one of its threads goes from idle to busy; returns its index.
   */
  addProcess(threads: number, wake_us?: number): number;
  /** Runs `work_us` of CPU for process `proc`; event (kind, entity, arg) fires when it is done. */
  submit(proc: number, work_us: number, kind: number, entity: number, arg: number): void;
  /** How often process `proc` has woken from idle so far. */
  wakeups(proc: number): number;
  /** The share of the host's cores in use, averaged from the start to `now_us`. */
  utilization(now_us: number): number;
  readonly busyCore_us: number;
  readonly runningNow: number;
}

const WORK_COLUMNS = {
  proc: Int32Array,
  work_us: Float64Array, // CPU time it needs
  kind: Int32Array, // the event that fires when it is done
  entity: Int32Array,
  arg: Int32Array,
};

export class HostCpu implements Cpu {
  private readonly work = new ColumnPool(WORK_COLUMNS, 256);
  private readonly ends = new EventQueue(256); // running work by its end on the virtual clock
  private readonly threads: number[] = [];
  private readonly wake_us: number[] = []; // per process: CPU per wake-up
  private readonly wakes: number[] = [];
  // per process: when a thread last ran out of work, and how many did then (the same µs is the same loop turn)
  private readonly freedAt_us: number[] = [];
  private readonly freedNow: number[] = [];
  private readonly runningOf: number[] = []; // per process: pieces running now
  private readonly waiting: IntRing[] = []; // per process: pieces waiting for a thread
  private running = 0;
  private virtual_us = 0; // V(t): the work a running piece has received since the start
  private updated_us = 0; // when V was last brought up to date
  private busyCore = 0; // ∫ min(running, cores) dt: core-µs spent
  private seq = 0;
  private wakeGen = 0; // tells the current wake-up from ones a change made stale
  private readonly kWake: number;

  constructor(
    private readonly engine: Engine,
    readonly name: string,
    readonly cores: number,
    // per time bin: core-µs busy, runnable pieces waiting for a core, pieces done (nodes.csv)
    private readonly load: LoadBins | null = null,
    private readonly loadNode = 0,
  ) {
    check(cores >= 1 && Number.isInteger(cores), () => `host ${name}: cores must be a whole number >= 1 (got ${cores})`);
    this.kWake = engine.register(`host.${name}.cpu`, (_e, gen) => this.onWake(gen));
  }

  addProcess(threads: number, wake_us = 0): number {
    check(threads >= 1, () => `host ${this.name}: a process needs at least one thread`);
    check(wake_us >= 0, () => `host ${this.name}: negative CPU per wake-up ${wake_us}`);
    this.threads.push(threads);
    this.wake_us.push(wake_us);
    this.wakes.push(0);
    this.freedAt_us.push(-1);
    this.freedNow.push(0);
    this.runningOf.push(0);
    this.waiting.push(new IntRing(64));
    return this.threads.length - 1;
  }

  /** Runs `work_us` of CPU for process `proc`; event (kind, entity, arg) fires when it is done. */
  submit(proc: number, work_us: number, kind: number, entity: number, arg: number): void {
    check(work_us >= 0, () => `host ${this.name}: negative CPU work ${work_us}`);
    const w = this.work.alloc();
    const c = this.work.cols;
    c.proc[w] = proc;
    c.work_us[w] = work_us;
    c.kind[w] = kind;
    c.entity[w] = entity;
    c.arg[w] = arg;
    this.advance();
    if (this.runningOf[proc] < this.threads[proc]) {
      // a thread of it was idle: it wakes, and pays for it before this piece's work, unless it ran
      // out of work this very µs (the tier's next step of the same request: the same loop turn)
      if (this.freedAt_us[proc] === this.engine.now_us && this.freedNow[proc] > 0) this.freedNow[proc]--;
      else {
        c.work_us[w] += this.wake_us[proc];
        this.wakes[proc]++;
      }
      this.start(w);
    } else this.waiting[proc].push(w);
    this.reschedule();
  }

  wakeups(proc: number): number {
    return this.wakes[proc];
  }

  /** The share of the host's cores in use, averaged from the start to `now_us`. */
  utilization(now_us: number): number {
    this.advance(now_us);
    return now_us > 0 ? this.busyCore / (now_us * this.cores) : 0;
  }

  /** Core-µs used up to the last change (utilization() brings it up to a time). */
  get busyCore_us(): number {
    return this.busyCore;
  }

  /** Pieces of work running now, all processes together. */
  get runningNow(): number {
    return this.running;
  }

  private rate(): number {
    return this.running <= this.cores ? 1 : this.cores / this.running;
  }

  /** Brings the virtual clock and the busy integral up to `now_us`. */
  private advance(now_us = this.engine.now_us): void {
    const dt = now_us - this.updated_us;
    if (dt <= 0) return;
    this.virtual_us += dt * this.rate();
    const busy = Math.min(this.running, this.cores);
    this.busyCore += dt * busy;
    this.load?.credit(this.loadNode, this.updated_us, now_us, busy, this.running - busy);
    this.updated_us = now_us;
  }

  private start(w: number): void {
    const c = this.work.cols;
    this.runningOf[c.proc[w]]++;
    this.running++;
    this.ends.push(this.virtual_us + c.work_us[w], this.seq++, 0, w, 0);
  }

  /** Schedules one wake-up for the earliest end, at the present rate, in whole µs (rounded up). */
  private reschedule(): void {
    this.wakeGen++;
    if (this.ends.size === 0) return;
    const left = Math.max(0, this.ends.peekTime() - this.virtual_us);
    this.engine.schedule(Math.ceil(left / this.rate()), this.kWake, 0, this.wakeGen);
  }

  private onWake(gen: number): void {
    if (gen !== this.wakeGen) return; // the running count changed since it was scheduled
    this.advance();
    // rounding the wake-up up means V has reached every end due by now (within a rounding's worth)
    const due = this.virtual_us + 1e-6;
    while (this.ends.size > 0 && this.ends.peekTime() <= due) {
      this.ends.pop();
      this.finish(this.ends.popped_entity);
    }
    this.reschedule();
  }

  private finish(w: number): void {
    const c = this.work.cols;
    const proc = c.proc[w];
    check(this.runningOf[proc] > 0 && this.running > 0, () => `host ${this.name}: a piece finished that was not running`);
    this.runningOf[proc]--;
    this.running--;
    this.engine.schedule(0, c.kind[w], c.entity[w], c.arg[w]);
    this.load?.finished(this.loadNode, this.engine.now_us);
    this.work.free(w);
    const q = this.waiting[proc];
    if (q.length > 0) this.start(q.shift());
    else if (this.freedAt_us[proc] === this.engine.now_us) this.freedNow[proc]++;
    else {
      this.freedAt_us[proc] = this.engine.now_us;
      this.freedNow[proc] = 1;
    }
  }
}
