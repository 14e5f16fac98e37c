// `sim optimize FILE --minimize|--maximize key=lo..hi [--step s] --subject "metric op value"...
// --replications R`: the best value of a parameter for which every subject holds at the given
// confidence, over R replications with common random numbers, run on the sweep machinery (worker
// threads, the result store). Writes optimize.json, runs.csv, a chart per subject and index.html.
// Exit 0 with an answer, 1 when no value in the range meets every subject, 2 on bad input.
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { summarySkeleton } from '../model/summary-skeleton.js';
import { loadScenario, ScenarioError } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { INVENTORY } from '../study/optimize-judge.js';
import { describeOptimize, writeOptimize } from '../study/optimize-write.js';
import { type Axis, axisCount, axisText, type Subject } from '../study/optimize-plan.js';
import { type OptimizeSpec, runOptimize } from '../study/optimize-run.js';
import { ResultCache } from '../study/result-cache.js';
import { HEADLINE_METRICS, metricAt } from '../study/sweep-metrics.js';
import { scenarioHash, sha256 } from '../study/sweep-plan.js';
import { shellQuote } from './check.js';
import { UsageError } from './errors.js';
import { setCurrentScenarioFile } from './input-errors.js';
import { parseAxis, parseSubject } from './optimize-args.js';
import { buildIdentity } from './provenance.js';
import { executor, queuePool, startBar } from './sweep.js';

type OptimizeArgs = {
  file: string;
  minimize?: string[];
  maximize?: string[];
  step?: string[];
  subject?: string[];
  replications: number;
  confidence: number;
  workers?: number;
  out?: string;
  set?: string[];
  seed?: number;
  cache?: string;
  queue?: string;
};

/** The axes in the order given: every --minimize, then every --maximize; --step k goes with axis k. */
function axesOf(args: OptimizeArgs): Axis[] {
  const specs = [...(args.minimize ?? []).map((s) => ['minimize', s] as const), ...(args.maximize ?? []).map((s) => ['maximize', s] as const)];
  if (specs.length === 0) throw new UsageError('optimize: name the parameter: --minimize key=lo..hi or --maximize key=lo..hi');
  if (specs.length > 2) throw new UsageError(`optimize: at most two parameters (got ${specs.length})`);
  const steps = args.step ?? [];
  if (steps.length > specs.length) throw new UsageError(`optimize: ${steps.length} --step values for ${specs.length} parameter${specs.length === 1 ? '' : 's'}`);
  const axes = specs.map(([goal, s], i) => parseAxis(goal, s, steps[i]));
  if (axes.length === 2 && axes[0]?.key === axes[1]?.key) throw new UsageError(`optimize: ${axes[0]?.key ?? ''} is named twice`);
  for (const a of axes) {
    if ((args.set ?? []).some((s) => s.split('=')[0]?.trim() === a.key)) throw new UsageError(`optimize: ${a.key} is both --set and optimized; keep one`);
  }
  return axes;
}

function checkNumbers(args: OptimizeArgs): void {
  if (!Number.isSafeInteger(args.replications) || args.replications < 2) {
    throw new UsageError(`optimize: --replications must be an integer >= 2, for a confidence interval (got ${args.replications})`);
  }
  if (!(args.confidence > 0 && args.confidence < 1)) throw new UsageError(`optimize: --confidence must be between 0 and 1 (got ${args.confidence})`);
  if (args.workers !== undefined && !(Number.isSafeInteger(args.workers) && args.workers >= 1)) {
    throw new UsageError(`optimize: --workers must be an integer >= 1 (got ${args.workers})`);
  }
}

/** A subject's metric must be a number (or null) in this scenario's summary.json. */
function checkSubjects(subjects: readonly Subject[], s: Scenario): void {
  if (subjects.length === 0) throw new UsageError('optimize: give at least one --subject "metric op value" (e.g. "tickets.unsold < 1%")');
  const skeleton = summarySkeleton(s);
  for (const sub of subjects) {
    if (metricAt(skeleton, sub.metric) === undefined) throw new UsageError(`optimize: --subject ${JSON.stringify(sub.raw)}: ${sub.metric} is not a number in summary.json`);
  }
}

function commandOf(args: OptimizeArgs): string {
  const words = ['sim', 'optimize', args.file];
  for (const m of args.minimize ?? []) words.push('--minimize', m);
  for (const m of args.maximize ?? []) words.push('--maximize', m);
  for (const s of args.step ?? []) words.push('--step', s);
  for (const s of args.subject ?? []) words.push('--subject', s);
  words.push('--replications', String(args.replications));
  if (args.confidence !== 0.95) words.push('--confidence', String(args.confidence));
  if (args.seed !== undefined) words.push('--seed', String(args.seed));
  for (const s of args.set ?? []) words.push('--set', s);
  return words.map(shellQuote).join(' ');
}

/** Loads the scenario with the parameters' values appended to --set; a refused value names its flag. */
function configurer(args: OptimizeArgs, axes: readonly Axis[]) {
  return (values: readonly string[]) => {
    const set = [...(args.set ?? []), ...axes.map((a, i) => `${a.key}=${values[i] ?? ''}`)];
    let s: Scenario;
    try {
      s = loadScenario(args.file, { seed: args.seed, set });
    } catch (e) {
      const i = e instanceof ScenarioError ? axes.findIndex((a) => e.via === `--set ${a.key}`) : -1;
      const a = axes[i];
      if (!(e instanceof ScenarioError) || a === undefined) throw e;
      throw new ScenarioError(e.file, e.line, e.keyPath === a.key ? '' : e.keyPath, e.detail, `--${a.goal} ${a.key}=${values[i] ?? ''}`);
    }
    return { values: [...values], set, scenario_hash: scenarioHash(s) };
  };
}

export function buildOptimize(args: OptimizeArgs): { spec: OptimizeSpec; configure: ReturnType<typeof configurer> } {
  checkNumbers(args);
  const axes = axesOf(args);
  const subjects = (args.subject ?? []).map(parseSubject);
  setCurrentScenarioFile(args.file);
  const first = loadScenario(args.file, { seed: args.seed, set: args.set ?? [] });
  checkSubjects(subjects, first);
  const configure = configurer(args, axes);
  const build = buildIdentity();
  const metrics = [...new Set<string>([...HEADLINE_METRICS, ...subjects.map((s) => s.metric), INVENTORY])];
  const spec: OptimizeSpec = {
    scenario: first.name,
    file: args.file,
    scenario_sha256: sha256(readFileSync(args.file, 'utf8')),
    version: build.version,
    commit: build.commit,
    command: commandOf(args),
    base_seed: first.seed,
    axes,
    subjects,
    replications: args.replications,
    confidence: args.confidence,
    metrics,
  };
  return { spec, configure };
}

export const optimizeCommand: CommandModule<object, OptimizeArgs> = {
  command: 'optimize <file>',
  describe: 'The best value of a parameter for which every --subject holds at the given confidence (exit 0, 1 no value meets them, 2 bad input)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'scenario YAML file' })
      .option('minimize', { type: 'string', array: true, describe: 'the parameter to make as small as the subjects allow: key=lo..hi' })
      .option('maximize', { type: 'string', array: true, describe: 'the parameter to make as large as the subjects allow: key=lo..hi (e.g. users.load.open.rate=10k/s..1M/s)' })
      .option('step', { type: 'string', array: true, describe: 'grid step of the parameter (default: a power of ten, about a hundredth of the range)' })
      .option('subject', { type: 'string', array: true, describe: 'a constraint "metric op value", op < <= > >=; N% of tickets.inventory for tickets.* (repeatable)' })
      .option('replications', { type: 'number', default: 10, describe: 'runs per candidate value (at least 2)' })
      .option('confidence', { type: 'number', default: 0.95, describe: 'confidence level of the intervals a subject is held to' })
      .option('workers', { type: 'number', describe: 'worker threads (default: one per core)' })
      .option('out', { type: 'string', describe: 'output directory (default reports/<name>-optimize/)' })
      .option('set', { type: 'string', array: true, describe: 'override a key in every run: --set nginx.workers=2 (repeatable)' })
      .option('seed', { type: 'number', describe: "the seed of replication 1 (default: the scenario's)" })
      .option('cache', { type: 'string', describe: 'store of run results: runs found there are not run again' })
      .option('queue', { type: 'string', describe: 'run on a BullMQ queue at redis://HOST:PORT instead of local threads; start `sim worker --queue URL` anywhere' }),
  handler: async (args) => {
    const { spec, configure } = buildOptimize(args);
    // both ends of every parameter load before anything runs
    for (const end of ['lo', 'hi']) configure(spec.axes.map((a) => axisText(a, end === 'lo' ? 0 : axisCount(a) - 1)));
    const workers = args.workers ?? availableParallelism();
    const outDir = args.out ?? path.join('reports', `${spec.scenario}-optimize`);
    const bar = startBar();
    const pool = args.queue === undefined ? executor(workers, bar.tick) : await queuePool(args.queue, bar.tick);
    let outcome: Awaited<ReturnType<typeof runOptimize>>;
    try {
      outcome = await runOptimize({ spec, execute: pool.execute, code: buildIdentity().code, cache: args.cache === undefined ? undefined : new ResultCache(args.cache), onRound: bar.add, configure });
    } finally {
      bar.stop();
      await pool.close();
    }
    await writeOptimize(outDir, spec, outcome);
    process.stdout.write(describeOptimize(spec, outcome, outDir));
    if (outcome.search.answer === null) process.exitCode = 1;
  },
};
