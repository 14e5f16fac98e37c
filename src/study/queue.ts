// A study's runs on a BullMQ queue: `sim sweep --queue URL` puts one job per run on it and collects
// the results; `sim worker --queue URL` (on any number of machines) runs them.
//
// - The queue is named after the ticketsim build, so a worker of another build never takes a job
//   whose result would differ.
// - A job's id is the run's content address (what runs, the build, the seed, the metrics kept), so a study submitted
//   again, or two studies that share a run, find the job already there (done, or still running).
// - A job carries the resolved scenario and the seed: a worker needs no scenario file.
// - A worker runs jobs on worker threads, so its main thread keeps renewing the jobs' locks. A
//   worker that dies stops renewing them; after the lock lapses, another worker's stalled check
//   puts its jobs back on the queue, and they run again.
import { createHash } from 'node:crypto';
import { type ConnectionOptions, Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Piscina } from 'piscina';
import type { Scenario } from '../scenario/types.js';
import type { RedisTarget } from './redis-target.js';
import type { Executor } from './sweep-run.js';
import { crashedResult, type ResolvedTask, type RunResult, type StudyTask } from './sweep-worker.js';

export type QueueJob = { key: string; scenario: Scenario; seed: number; paths: string[] };

/** How long a job's lock lasts unrenewed, and how often workers look for stalled jobs. */
export const DEFAULT_STALLED_MS = 30_000;
// a job put back this many times (its workers died each time) fails instead of running again
const MAX_STALLED = 3;
// completed and failed jobs are kept this long, so a study submitted again reuses them
const KEEP_S = 7 * 24 * 3600;
// a safety net beside the events: pending jobs are looked up this often
const POLL_MS = 5_000;

export function queueName(code: string): string {
  return `ticketsim-${createHash('sha256').update(code).digest('hex').slice(0, 12)}`;
}

/**
 * A job's id: the run's content address, plus the metrics it keeps (a sweep and an optimize of the
 * same runs keep different ones, and a finished job's result holds only its own).
 */
export const jobId = (key: string, paths: readonly string[]): string =>
  `run-${key}-${createHash('sha256').update([...paths].sort().join('\n')).digest('hex').slice(0, 8)}`;

/** BullMQ's connection options for `target`: BullMQ makes its own ioredis clients from them. */
function connectionTo(target: RedisTarget): ConnectionOptions {
  // maxRetriesPerRequest null: BullMQ's blocking commands must wait across reconnects
  return { host: target.host, port: target.port, db: target.db, password: target.password, connectTimeout: target.connect_timeout_ms, maxRetriesPerRequest: null };
}

/** Connects once and sends PING: rejects (within the connect timeout) if Redis is not there. */
export async function probeRedis(target: RedisTarget): Promise<void> {
  const c = new Redis({
    host: target.host,
    port: target.port,
    db: target.db,
    password: target.password,
    connectTimeout: target.connect_timeout_ms,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null, // one attempt: the caller reports the failure
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    // the socket's own error (ECONNREFUSED...) comes as an event; connect() only says "closed"
    c.once('error', reject).on('error', () => undefined);
    timer = setTimeout(() => reject(new Error(`no answer from ${target.host}:${target.port} within ${target.connect_timeout_ms} ms`)), target.connect_timeout_ms);
  });
  try {
    await Promise.race([c.connect().then(() => c.ping()), late]);
  } finally {
    clearTimeout(timer);
    c.disconnect();
  }
}

/** A job's outcome as the sweep records it: its result, or a failed run with the reason. */
function resultOf(value: unknown, paths: readonly string[]): RunResult {
  const v: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (v === null || typeof v !== 'object' || !('fingerprint' in v) || !('metrics' in v) || !('invariants' in v)) {
    return crashedResult(`QueueError: the job returned no result (${JSON.stringify(v)})`, paths);
  }
  const { metrics, invariants, fingerprint } = v;
  const r: RunResult = {
    metrics: Object.fromEntries(paths.map((p) => [p, metrics !== null && typeof metrics === 'object' && p in metrics ? numOrNull(Reflect.get(metrics, p)) : null])),
    invariants: {
      no_oversell: Reflect.get(Object(invariants), 'no_oversell') === true,
      ledger: Reflect.get(Object(invariants), 'ledger') === true,
      conservation: Reflect.get(Object(invariants), 'conservation') === true,
    },
    fingerprint: String(fingerprint),
  };
  if ('error' in v && typeof v.error === 'string') r.error = v.error;
  return r;
}

const numOrNull = (x: unknown): number | null => (typeof x === 'number' ? x : null);

type Waiting = { indices: number[]; paths: string[] };

export type QueueExecutor = { execute: Executor; close: () => Promise<void>; name: string };

/** The jobs of one batch of tasks, each settled once: by an event, or by looking the job up. */
class Batch {
  private readonly waiting = new Map<string, Waiting>();
  private readonly results: (RunResult | undefined)[];
  private left: number;
  readonly all: Promise<void>;
  private done: () => void = () => undefined;

  constructor(
    readonly tasks: readonly StudyTask[],
    private readonly each: (i: number, r: RunResult) => void,
  ) {
    this.results = new Array<RunResult | undefined>(tasks.length);
    this.left = tasks.length;
    this.all = new Promise<void>((r) => (this.done = r));
    tasks.forEach((t, i) => {
      const id = jobId(t.key, t.paths);
      const w = this.waiting.get(id);
      if (w) w.indices.push(i); // two configurations that resolve alike share one job
      else this.waiting.set(id, { indices: [i], paths: t.paths });
    });
    if (this.left === 0) this.done();
  }

  ids(): string[] {
    return [...this.waiting.keys()];
  }

  first(id: string): StudyTask | undefined {
    return this.tasks[this.waiting.get(id)?.indices[0] ?? -1];
  }

  completed(id: string, value: unknown): void {
    const w = this.waiting.get(id);
    if (w) this.settle(id, w, resultOf(value, w.paths));
  }

  failed(id: string, reason: string): void {
    const w = this.waiting.get(id);
    if (w) this.settle(id, w, crashedResult(`QueueError: ${reason}`, w.paths));
  }

  private settle(id: string, w: Waiting, r: RunResult): void {
    this.waiting.delete(id);
    for (const i of w.indices) {
      this.results[i] = r;
      this.left--;
      this.each(i, r);
    }
    if (this.left === 0) this.done();
  }

  /** Settles the job if it has finished. */
  async lookUp(queue: Queue<QueueJob, unknown>, id: string): Promise<void> {
    const job = await Job.fromId<QueueJob, unknown>(queue, id);
    if (job?.finishedOn === undefined) return;
    if (typeof job.failedReason === 'string' && job.failedReason !== '') this.failed(id, job.failedReason);
    else this.completed(id, job.returnvalue);
  }

  collected(): RunResult[] {
    return this.results.map((r) => {
      if (r === undefined) throw new Error('a queued run has no result');
      return r;
    });
  }
}

/**
 * Submits every task as a job (`resolve` gives the task's resolved scenario) and waits for all of
 * them. A job found done is not run again; one found failed (from an earlier submission) runs again.
 * A job that fails now (it stalled too often) is a failed run.
 */
export async function openQueueExecutor(
  target: RedisTarget,
  code: string,
  resolve: (t: StudyTask) => Scenario,
  tick: () => void,
  log: (line: string) => void,
): Promise<QueueExecutor> {
  const connection = connectionTo(target);
  const name = queueName(code);
  const queue = new Queue<QueueJob, unknown>(name, { connection });
  const events = new QueueEvents(name, { connection });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  let batch: Batch | null = null;
  events.on('completed', ({ jobId: id, returnvalue }) => batch?.completed(id, returnvalue));
  events.on('failed', ({ jobId: id, failedReason }) => batch?.failed(id, failedReason));
  const execute: Executor = async (tasks, each) => {
    const b = new Batch(tasks, (i, r) => {
      each(i, r);
      tick();
    });
    batch = b;
    const fresh: string[] = [];
    for (const id of b.ids()) {
      const job = await Job.fromId<QueueJob, unknown>(queue, id);
      if (job === undefined) fresh.push(id);
      else if (job.finishedOn !== undefined && typeof job.failedReason === 'string' && job.failedReason !== '') await job.retry('failed');
      else if (job.finishedOn !== undefined) b.completed(id, job.returnvalue);
    }
    const jobs = fresh.flatMap((id) => {
      const t = b.first(id);
      if (t === undefined) return [];
      const data: QueueJob = { key: t.key, scenario: resolve(t), seed: t.seed, paths: t.paths };
      return [{ name: 'run', data, opts: { jobId: id, removeOnComplete: { age: KEEP_S }, removeOnFail: { age: KEEP_S } } }];
    });
    if (jobs.length > 0) await queue.addBulk(jobs);
    if (b.ids().length > 0 && (await queue.getWorkersCount()) === 0) log(`sweep: no worker on queue ${name} yet: the runs wait for \`sim worker --queue URL\``);
    const timer = setInterval(() => void Promise.all(b.ids().map((id) => b.lookUp(queue, id))).catch(() => undefined), POLL_MS);
    try {
      await b.all;
    } finally {
      clearInterval(timer);
      batch = null;
    }
    return b.collected();
  };
  return { execute, name, close: async () => void (await Promise.all([events.close(), queue.close()])) };
}

export type QueueWorker = { close: () => Promise<void>; name: string };

/** Takes jobs of this build's queue and runs them on `concurrency` worker threads. */
export async function startQueueWorker(
  target: RedisTarget,
  code: string,
  opts: { concurrency: number; stalled_ms: number; log: (line: string) => void; elapsed_s: () => () => number },
): Promise<QueueWorker> {
  const connection = connectionTo(target);
  const name = queueName(code);
  // the jobs carry resolved scenarios: the threads need the model, not the YAML loader
  const pool = new Piscina<ResolvedTask, RunResult>({
    filename: new URL('./run-worker.js', import.meta.url).href,
    minThreads: opts.concurrency,
    maxThreads: opts.concurrency,
  });
  const worker = new Worker<QueueJob, RunResult>(
    name,
    async (job) => {
      const what = `${(job.id ?? '?').slice(0, 16)} (${job.data.scenario.name} seed ${job.data.seed})`; // run- and 12 hex
      opts.log(`worker: running ${what}`);
      const took = opts.elapsed_s(); // the log's own stopwatch, from the command line: no run reads it
      const r = await pool.run({ scenario: job.data.scenario, seed: job.data.seed, paths: job.data.paths });
      opts.log(`worker: ran ${what} in ${took().toFixed(2)} s${r.error === undefined ? '' : `: ${r.error}`}`);
      return r;
    },
    { connection, concurrency: opts.concurrency, lockDuration: opts.stalled_ms, stalledInterval: opts.stalled_ms, maxStalledCount: MAX_STALLED },
  );
  worker.on('error', (e) => opts.log(`worker: ${e.message}`));
  await worker.waitUntilReady();
  return {
    name,
    close: async () => {
      await worker.close();
      await pool.destroy();
    },
  };
}
