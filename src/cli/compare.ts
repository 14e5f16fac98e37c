// `sim compare A.yaml B.yaml [--replications R]` or `sim compare DIR_A DIR_B`: two designs side by
// side. Scenarios run on common random numbers (replication r has the same seed on both sides, the
// seeds sim sweep gives), so each difference is paired and gets a Student-t interval and a plain
// verdict. Writes compare.json, compare.csv, compare.md, overlaid time charts and index.html;
// --markdown prints the table as Markdown; --fail-if exits 1 when its condition holds.
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { expectPathProblem } from '../metrics/expect-paths.js';
import { summarySkeleton } from '../model/summary-skeleton.js';
import { fmtNum } from '../report/format.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { type Comparison, compareSides, markdown, method, type Side, terminalTable, verdicts } from '../study/compare.js';
import { compareCharts } from '../study/compare-charts.js';
import { CompareInputError, readDirSide } from '../study/compare-input.js';
import { type CompareExtra, writeCompare } from '../study/compare-write.js';
import { evaluateFailIf, type FailIf, FailIfError, parseFailIf } from '../study/fail-if.js';
import { type GateResult, type GateTask, runGateTask, type Series } from '../study/gate-worker.js';
import { taskPool } from '../study/pool.js';
import { HEADLINE_METRICS } from '../study/sweep-metrics.js';
import { replicationSeed, scenarioHash } from '../study/sweep-plan.js';
import { UsageError } from './errors.js';
import { setCurrentScenarioFile } from './input-errors.js';
import { checkOutputPath } from './out-paths.js';
import { buildIdentity } from './provenance.js';
import { shellQuote } from './quote.js';

type CompareArgs = {
  a: string;
  b: string;
  replications?: number;
  'set-a'?: string[];
  'set-b'?: string[];
  set?: string[];
  seed?: number;
  workers?: number;
  out?: string;
  markdown: boolean;
  'fail-if'?: string[];
  confidence: number;
};

type Loaded = { comparison: Comparison; series: { A: Series | null; B: Series | null }; sides: CompareExtra['sides']; notes: string[] };

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

const numberOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function whole(name: string, v: number, min: number): number {
  if (!Number.isSafeInteger(v) || v < min) throw new UsageError(`compare: --${name} must be an integer >= ${min} (got ${v})`);
  return v;
}

function parseConditions(texts: readonly string[]): FailIf[] {
  return texts.map((t) => {
    try {
      return parseFailIf(t);
    } catch (e) {
      if (e instanceof FailIfError) throw new UsageError(`compare: --fail-if ${JSON.stringify(t)}: ${e.message}`);
      throw e;
    }
  });
}

/** A side as the user named it: the file, the --set flags of both sides, then its own. */
function sourceOf(file: string, both: readonly string[], own: readonly string[], flag: string): string {
  return [file, ...both.flatMap((s) => ['--set', s]), ...own.flatMap((s) => [flag, s])].map(shellQuote).join(' ');
}

async function runScenarios(args: CompareArgs, metrics: readonly string[], conditions: readonly FailIf[]): Promise<Loaded> {
  const set = args.set ?? [];
  const load = (file: string, extra: readonly string[]): Scenario => {
    setCurrentScenarioFile(file);
    return loadScenario(file, { seed: args.seed, set: [...set, ...extra] });
  };
  const sa = load(args.a, args['set-a'] ?? []);
  const sb = load(args.b, args['set-b'] ?? []);
  const skeleton = { A: summarySkeleton(sa), B: summarySkeleton(sb) };
  for (const f of conditions) {
    for (const ref of f.refs) {
      const problem = expectPathProblem({ path: ref.path, op: 'eq', a: 0, b: 0, raw: '', line: 0 }, skeleton[ref.side]);
      if (problem !== null) throw new UsageError(`compare: --fail-if ${JSON.stringify(f.text)}: ${ref.side}.${ref.path}: ${problem}`);
    }
  }
  const replications = whole('replications', args.replications ?? 1, 1);
  const notes: string[] = [];
  if (sb.seed !== sa.seed) notes.push(`B's seed ${sb.seed} is replaced by A's (${sa.seed}): both sides run the same seeds`);
  if (scenarioHash(sa) === scenarioHash(sb)) notes.push('A and B run the same scenario (names, comments and expect: aside): every difference is 0');
  const base = sa.seed;
  const task = (file: string, extra: readonly string[], r: number): GateTask => ({ kind: 'compare', file, set: [...set, ...extra], seed: replicationSeed(base, r), paths: [...metrics], series: r === 1 });
  const tasks: GateTask[] = [];
  for (let r = 1; r <= replications; r++) tasks.push(task(args.a, args['set-a'] ?? [], r), task(args.b, args['set-b'] ?? [], r));
  const pool = taskPool<GateTask, GateResult>(new URL('../study/gate-worker.js', import.meta.url), runGateTask, args.workers ?? availableParallelism());
  let results: GateResult[];
  try {
    results = await pool.run(tasks);
  } finally {
    await pool.close();
  }
  const crashed = results.find((r) => r.crash !== null);
  if (crashed) throw new Error(`a run with seed ${crashed.seed} ${crashed.crash?.got ?? 'crashed'}`);
  const side = (label: 'A' | 'B', s: Scenario, file: string, own: readonly string[], flag: string): Side => ({
    label,
    name: s.name,
    source: sourceOf(file, set, own, flag),
    runs: results.filter((_, i) => i % 2 === (label === 'A' ? 0 : 1)).map((r) => ({ seed: r.seed, values: Object.fromEntries(metrics.map((m) => [m, numberOrNull(r.values[m])])) })),
  });
  const A = side('A', sa, args.a, args['set-a'] ?? [], '--set-a');
  const B = side('B', sb, args.b, args['set-b'] ?? [], '--set-b');
  return {
    comparison: compareSides(A, B, metrics, args.confidence),
    series: { A: results[0]?.series ?? null, B: results[1]?.series ?? null },
    sides: { A: { file: args.a, set: [...set, ...(args['set-a'] ?? [])] }, B: { file: args.b, set: [...set, ...(args['set-b'] ?? [])] } },
    notes,
  };
}

function readDirs(args: CompareArgs, metrics: readonly string[], conditions: readonly FailIf[]): Loaded {
  for (const flag of ['replications', 'set-a', 'set-b', 'set', 'seed', 'workers'] as const) {
    if (args[flag] !== undefined) throw new UsageError(`compare: --${flag} runs scenarios; ${args.a} and ${args.b} are directories of finished runs`);
  }
  const read = (dir: string) => {
    try {
      return readDirSide(dir, metrics);
    } catch (e) {
      throw e instanceof CompareInputError ? new UsageError(`compare: ${e.message}`) : e;
    }
  };
  const da = read(args.a);
  const db = read(args.b);
  for (const f of conditions) {
    for (const ref of f.refs) {
      const d = ref.side === 'A' ? da : db;
      if (!d.available(ref.path)) throw new UsageError(`compare: --fail-if ${JSON.stringify(f.text)}: ${ref.side}.${ref.path}: not in ${ref.side === 'A' ? args.a : args.b} (a ${d.kind} directory)`);
    }
  }
  const A: Side = { label: 'A', name: da.name, source: args.a, runs: da.runs };
  const B: Side = { label: 'B', name: db.name, source: args.b, runs: db.runs };
  const available = metrics.filter((m) => da.available(m) && db.available(m));
  return { comparison: compareSides(A, B, available, args.confidence), series: { A: da.series, B: db.series }, sides: { A: { dir: args.a, kind: da.kind }, B: { dir: args.b, kind: db.kind } }, notes: [] };
}

/** Each condition with both sides' values: a side's value of a metric is its mean over its runs. */
function judgeConditions(c: Comparison, conditions: readonly FailIf[]): CompareExtra['fail_if'] {
  return conditions.map((f) => {
    const at = (side: 'A' | 'B', p: string): number => {
      const s = side === 'A' ? c.a : c.b;
      const xs = s.runs.map((r) => r.values[p]).filter((v): v is number => typeof v === 'number');
      if (xs.length === 0) throw new UsageError(`compare: --fail-if ${JSON.stringify(f.text)}: ${side}.${p} has no value in any run (null)`);
      return xs.reduce((x, y) => x + y, 0) / xs.length;
    };
    return { expr: f.text, ...evaluateFailIf(f, at) };
  });
}

function commandOf(args: CompareArgs): string {
  const w = ['sim', 'compare', args.a, args.b];
  if (args.replications !== undefined) w.push('--replications', String(args.replications));
  if (args.seed !== undefined) w.push('--seed', String(args.seed));
  for (const [flag, xs] of [['--set', args.set], ['--set-a', args['set-a']], ['--set-b', args['set-b']], ['--fail-if', args['fail-if']]] as const) for (const x of xs ?? []) w.push(flag, x);
  if (args.confidence !== 0.95) w.push('--confidence', String(args.confidence));
  return w.map(shellQuote).join(' ');
}

export const compareCommand: CommandModule<object, CompareArgs> = {
  command: 'compare <a> <b>',
  describe: 'Compare two scenarios (run on common random numbers) or two report/sweep directories: paired differences with intervals and a verdict (exit 0, 1 --fail-if held, 2 bad input)',
  builder: (y) =>
    y
      .positional('a', { type: 'string', demandOption: true, describe: 'side A: a scenario YAML file, or a report or sweep directory' })
      .positional('b', { type: 'string', demandOption: true, describe: 'side B: the same kind as A (the same file with --set-b compares a variant)' })
      .option('replications', { type: 'number', describe: 'runs per side, replication r with the same seed on both sides (default 1; 2 or more give intervals)' })
      .option('set-a', { type: 'string', array: true, describe: 'override a key on side A only (repeatable)' })
      .option('set-b', { type: 'string', array: true, describe: 'override a key on side B only (repeatable)' })
      .option('set', { type: 'string', array: true, describe: 'override a key on both sides (repeatable)' })
      .option('seed', { type: 'number', describe: "the seed of replication 1 on both sides (default: A's)" })
      .option('workers', { type: 'number', describe: 'worker threads (default: one per core)' })
      .option('out', { type: 'string', describe: 'output directory (default reports/<A>-vs-<B>/, or reports/<A>-compare/ when both are one scenario)' })
      .option('markdown', { type: 'boolean', default: false, describe: 'print the comparison as a Markdown table (for a pull-request comment)' })
      .option('fail-if', {
        type: 'string',
        array: true,
        describe: 'exit 1 when this holds, e.g. "B.tickets.oversold > A.tickets.oversold" or "B.latency_ms.p99 > 1.1 * A.latency_ms.p99" (a side\'s value is its mean over runs; repeatable)',
      })
      .option('confidence', { type: 'number', default: 0.95, describe: 'confidence level of the intervals' }),
  handler: async (args) => {
    if (!(args.confidence > 0 && args.confidence < 1)) throw new UsageError(`compare: --confidence must be between 0 and 1 (got ${args.confidence})`);
    if (args.workers !== undefined) whole('workers', args.workers, 1);
    const conditions = parseConditions(args['fail-if'] ?? []);
    const metrics = [...new Set([...HEADLINE_METRICS, ...conditions.flatMap((f) => f.refs.map((r) => r.path))])];
    const dirs = [isDir(args.a), isDir(args.b)];
    if (dirs[0] !== dirs[1]) throw new UsageError(`compare: ${dirs[0] ? args.a : args.b} is a directory and ${dirs[0] ? args.b : args.a} is not; compare two scenario files or two directories`);
    const loaded = dirs[0] ? readDirs(args, metrics, conditions) : await runScenarios(args, metrics, conditions);
    const c = loaded.comparison;
    const outDir = args.out ?? path.join('reports', c.a.name === c.b.name ? `${c.a.name}-compare` : `${c.a.name}-vs-${c.b.name}`);
    checkOutputPath(outDir, '--out', 'container');
    const fail_if = judgeConditions(c, conditions);
    const extra: CompareExtra = { command: commandOf(args), version: buildIdentity().version, sides: loaded.sides, fail_if };
    const { A, B } = loaded.series;
    // one scenario against a variant of itself: the legend names the variant
    const [la, lb] = c.a.name === c.b.name ? [c.a.source, c.b.source] : [c.a.name, c.b.name];
    const charts = A && B ? await compareCharts({ label: `A ${la}`, series: A }, { label: `B ${lb}`, series: B }, c.pairing === 'none' ? 'one run each' : 'replication 1 of each side') : {};
    await writeCompare(outDir, c, extra, charts);
    if (args.markdown) process.stdout.write(markdown(c));
    else process.stdout.write(describe(c, loaded.notes, fail_if, outDir));
    if (fail_if.some((f) => f.held)) process.exitCode = 1;
  },
};

function describe(c: Comparison, notes: readonly string[], fail_if: CompareExtra['fail_if'], outDir: string): string {
  const lines = [`compare A ${c.a.source} vs B ${c.b.source}`, `  ${method(c)}`, ...notes.map((n) => `  note: ${n}`), '', terminalTable(c)];
  for (const v of verdicts(c)) lines.push(`  ${v}`);
  for (const f of fail_if) lines.push(`  --fail-if ${f.expr}: ${f.held ? 'HOLDS (exit 1)' : 'does not hold'} (${fmtNum(f.left, 3)} vs ${fmtNum(f.right, 3)})`);
  lines.push(`  report: ${path.join(outDir, 'index.html')}`);
  return lines.join('\n') + '\n';
}
