// `sim sweep FILE --vary key=v1,v2|key=lo..hi:step ... --replications R`: a parameter study. Runs
// the cross product of configurations x replications (replication r has the same seed in every
// configuration: common random numbers) on all cores, and writes sweep.csv, sweep.json (n, mean,
// sd, Student-t interval, min, max per configuration and metric), charts and index.html. Every
// configuration is loaded, and so checked, before anything runs.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { Piscina } from 'piscina';
import type { CommandModule } from 'yargs';
import { fmtNum } from '../report/format.js';
import type { Scenario } from '../scenario/types.js';
import { ResultCache } from '../study/result-cache.js';
import type { ResolvedTask, RunResult } from '../study/run-worker.js';
import { startSweepChartThread, type SweepChartThread } from '../study/sweep-chart-thread.js';
import { failureNote, studyStats } from '../study/sweep-output.js';
import { longestFirst, type RunRecord, runCost, type StudySpec, taskKey } from '../study/sweep-plan.js';
import { type Executor, runStudy } from '../study/sweep-run.js';
import type { StudyTask } from '../study/sweep-worker.js';
import { writeShard, writeStudy } from '../study/sweep-write.js';
import { UsageError } from './errors.js';
import { buildIdentity } from './provenance.js';
import { wholeAtLeast } from './sweep-args.js';
import type { buildSpec, SweepArgs } from './sweep-spec.js';

export { taskKey } from '../study/sweep-plan.js';

/**
 * Runs study tasks. `drained` is called once, when a thread first finds no run left to take (the
 * sweep then starts drawing its charts on the core that frees).
 */
export type Pool = { execute: Executor; close: () => Promise<void>; name?: string; onDrained?: (f: () => void) => void };

/** The runs go to a BullMQ queue; a job carries its configuration's resolved scenario. */
export async function queuePool(url: string, tick: () => void, scenarios: Map<string, Scenario> = new Map()): Promise<Pool> {
  // imported here: BullMQ and ioredis are a third of a local sweep's start-up
  const [{ reachQueue }, { openQueueExecutor }, { loadScenario }] = await Promise.all([import('./queue-args.js'), import('../study/queue.js'), import('../scenario/load.js')]);
  const target = await reachQueue(url);
  const resolve = (t: StudyTask): Scenario => {
    const key = taskKey(t.file, t.set);
    const s = scenarios.get(key) ?? loadScenario(t.file, { set: t.set });
    scenarios.set(key, s);
    return s;
  };
  const q = await openQueueExecutor(target, buildIdentity().code, resolve, tick, (line) => process.stderr.write(`${line}\n`));
  return { execute: q.execute, close: q.close, name: `queue ${q.name} at ${url}` };
}

/** A task as a thread takes it: resolved when its configuration was loaded here, else file and flags. */
function threadTask(t: StudyTask, scenarios: ReadonlyMap<string, Scenario>): StudyTask | ResolvedTask {
  const scenario = scenarios.get(taskKey(t.file, t.set));
  return scenario === undefined ? t : { scenario, seed: t.seed, paths: t.paths };
}

/** The order to start tasks in: the largest runs first, so no thread idles while one long run ends. */
function startOrder(tasks: readonly StudyTask[], scenarios: ReadonlyMap<string, Scenario>): number[] {
  return longestFirst(tasks.map((t) => {
    const s = scenarios.get(taskKey(t.file, t.set));
    return s === undefined ? 0 : runCost(s);
  }));
}

/** One worker: every run in this thread, one after the other (the model imported on first use). */
function inlineExecutor(tick: () => void, scenarios: ReadonlyMap<string, Scenario>): Executor {
  return async (tasks, each) => {
    const { default: run } = await import('../study/run-worker.js');
    const out: RunResult[] = [];
    for (const [i, t] of tasks.entries()) {
      const r = await run(threadTask(t, scenarios));
      out.push(r);
      each(i, r);
      tick();
      await new Promise((r) => setImmediate(r)); // let the progress bar draw
    }
    return out;
  };
}

/**
 * Worker threads, or this thread for one worker; `tick` after every run. The threads start now and
 * import the model while this thread loads the configurations; a run whose configuration is in
 * `scenarios` (filled until the first run) goes to its thread resolved, so no thread loads it again.
 */
export function executor(workers: number, tick: () => void, scenarios: ReadonlyMap<string, Scenario> = new Map()): Pool {
  if (workers <= 1) return { execute: inlineExecutor(tick, scenarios), close: async () => undefined };
  const pool = new Piscina<StudyTask | ResolvedTask, RunResult>({
    filename: new URL('../study/run-worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
  });
  let drained: (() => void) | undefined;
  const execute: Executor = async (tasks, each) => {
    const results: RunResult[] = new Array<RunResult>(tasks.length);
    let done = 0;
    await Promise.all(
      startOrder(tasks, scenarios).map(async (i) => {
        const t = tasks[i] as StudyTask;
        const r = await pool.run(threadTask(t, scenarios));
        results[i] = r;
        each(i, r);
        tick();
        // the runs still going are the last ones, one per busy thread: this thread has none left
        if (++done + workers > tasks.length) drained?.();
      }),
    );
    return results;
  };
  return {
    execute,
    close: () => pool.destroy(),
    onDrained: (f) => {
      let called = false;
      drained = () => {
        if (!called) f();
        called = true;
      };
    },
  };
}

export const sweepCommand: CommandModule<object, SweepArgs> = {
  command: 'sweep <file>',
  describe: 'Parameter study: configurations x replications (common random numbers) on all cores or a queue, with Student-t intervals (exit 0, 1 some run failed, 2 bad input)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'scenario YAML file' })
      .option('vary', { type: 'string', array: true, describe: 'a parameter: key=v1,v2,... or key=lo..hi:step (repeatable; the cross product runs)' })
      .option('replications', { type: 'number', describe: 'runs per configuration (default 10; with --precision, the first round, default 5)' })
      .option('precision', { type: 'string', array: true, describe: 'add replications until the interval is this narrow: metric=±x or metric=±x% (repeatable)' })
      .option('confidence', { type: 'number', default: 0.95, describe: 'confidence level of the intervals' })
      .option('max-replications', { type: 'number', default: 200, describe: 'with --precision: at most this many runs per configuration' })
      .option('workers', { type: 'number', describe: 'worker threads (default: one per core)' })
      .option('out', { type: 'string', describe: 'output directory (default reports/<name>-sweep/)' })
      .option('set', { type: 'string', array: true, describe: 'override a key in every configuration: --set nginx.workers=2 (repeatable)' })
      .option('seed', { type: 'number', describe: "the seed of replication 1 (default: the scenario's)" })
      .option('shard', { type: 'string', describe: 'run only slice I of N (I from 0), e.g. --shard $JOB_COMPLETION_INDEX/8; combine with sim merge' })
      .option('cache', { type: 'string', describe: 'store of run results: runs found there are not run again' })
      .option('queue', { type: 'string', describe: 'run on a BullMQ queue at redis://HOST:PORT instead of local threads; start `sim worker --queue URL` anywhere' }),
  handler: async (args) => {
    const t0 = process.hrtime.bigint();
    // with a queue the runs happen in sim worker processes: a local thread count would do nothing
    if (args.queue !== undefined && args.workers !== undefined) throw new UsageError('sweep: --workers has no effect with --queue (give sim worker --concurrency N instead)');
    const workers = args.queue === undefined ? wholeAtLeast('workers', args.workers ?? availableParallelism(), 1) : 1;
    const bar = startBar();
    const scenarios = new Map<string, Scenario>();
    // the threads start first: they import the model while this thread loads the configurations
    const local = args.queue === undefined ? executor(workers, bar.tick, scenarios) : undefined;
    let built: ReturnType<typeof buildSpec>;
    try {
      built = (await import('./sweep-spec.js')).buildSpec(args, scenarios);
    } catch (e) {
      await local?.close();
      throw e;
    }
    const { spec, shard } = built;
    const pool = local ?? (await queuePool(args.queue ?? '', bar.tick, scenarios));
    const outDir = args.out ?? path.join('reports', `${spec.scenario}-sweep`);
    // the charts: drawn in a thread of their own, started on the first core the runs free
    let charts: SweepChartThread | undefined;
    if (!shard && spec.parameters.length > 0) pool.onDrained?.(() => (charts = startSweepChartThread()));
    let outcome: Awaited<ReturnType<typeof runStudy>>;
    try {
      outcome = await runStudy({
        spec,
        execute: pool.execute,
        code: buildIdentity().code,
        cache: args.cache === undefined ? undefined : new ResultCache(args.cache),
        shard,
        onRound: bar.add,
      });
    } catch (e) {
      await Promise.all([pool.close(), charts?.close()]);
      throw e;
    } finally {
      bar.stop();
    }
    const closed = pool.close(); // the threads end while the files are written
    try {
      if (shard) await writeShard(outDir, spec, shard, outcome.runs);
      else await writeStudy(outDir, spec, outcome.runs, charts?.render);
    } finally {
      await Promise.all([closed, charts?.close()]);
    }
    const wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
    process.stdout.write(describeStudy(spec, outcome, shard, outDir));
    process.stderr.write(`sweep: ${pool.name ?? `${workers} worker${workers === 1 ? '' : 's'}`}, ${wall_s.toFixed(2)} s, ${(outcome.executed / Math.max(wall_s, 1e-9)).toFixed(2)} runs/s\n`);
    const failed = failureNote(spec, outcome.runs);
    if (failed !== '') {
      process.stderr.write(failed);
      process.exitCode = 1;
    }
  },
};

function describeStudy(spec: StudySpec, o: { runs: RunRecord[]; executed: number; cached: number }, shard: { index: number; count: number } | undefined, outDir: string): string {
  const lines = [
    `sweep ${spec.scenario}: ${spec.configurations.length} configuration${spec.configurations.length === 1 ? '' : 's'}, ${o.runs.length} runs${shard ? ` (shard ${shard.index}/${shard.count})` : ''}: ${o.executed} executed, ${o.cached} from cache`,
  ];
  if (!shard) {
    const shown = spec.precision.length > 0 ? [...new Set(spec.precision.map((p) => p.metric))] : ['tickets.unsold', 'latency_ms.p99'];
    const pct = Math.round(spec.confidence * 1000) / 10;
    for (const c of studyStats(spec, o.runs)) {
      const conf = spec.configurations[c.index];
      const vals = spec.parameters.map((p, i) => `${p.key}=${conf?.values[i] ?? ''}`).join(' ');
      const ms = shown.map((m) => {
        const s = c.stats[m];
        if (s === undefined || s.mean === null) return `${m} -`;
        return `${m} ${fmtNum(s.mean, 3)}${s.half_width === null ? '' : ` ±${fmtNum(s.half_width, 3)}`}`;
      });
      lines.push(`  ${vals || '(as written)'}  n=${c.n}  ${ms.join('  ')}`);
    }
    lines.push(`  (± is the ${pct} % Student-t half-width)`);
  }
  lines.push(`  ${shard ? 'shard' : 'report'}: ${path.join(outDir, shard ? 'shard.json' : 'index.html')}`);
  return lines.join('\n') + '\n';
}

export function startBar(): { add: (n: number) => void; tick: () => void; stop: () => void } {
  if (!process.stderr.isTTY || process.env.CI) return { add: () => undefined, tick: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'sweeping [{bar}] {value}/{total} runs | {eta_formatted} left', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let total = 0;
  let done = 0;
  let started = false;
  return {
    add: (n) => {
      total += n;
      if (!started) bar.start(total, done);
      else bar.setTotal(total);
      started = true;
    },
    tick: () => bar.update(++done),
    stop: () => {
      if (started) bar.stop();
    },
  };
}
