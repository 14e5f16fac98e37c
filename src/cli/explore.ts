// `sim explore FILE --seeds N [--from S]`: swarm testing, as TigerBeetle's VOPR does it. Each
// seed draws its own fault kinds, rates and schedule (../study/swarm.ts) and runs the scenario
// with them; every seed that breaks an invariant or an expectation is reported with a replay
// line, its schedule, and the schedule shrunk to the faults that matter. Seeds run on all cores
// (piscina), and are reported in seed order, so the output does not depend on the worker count.
import { availableParallelism } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { Piscina } from 'piscina';
import { isMap, isScalar, parseDocument } from 'yaml';
import type { CommandModule } from 'yargs';
import { checkExpectPaths } from '../model/summary-skeleton.js';
import { runScenario } from '../model/stack.js';
import { writeFileAtomic } from '../report/atomic.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import type { ExploreResult, ExploreTask } from '../study/explore-worker.js';
import { describeKnobs, FAULT_KINDS, type FaultSpec, faultsBlock, formatDuration, kindsNamed } from '../study/swarm.js';
import { replayCommand, shellQuote } from './check.js';
import { UsageError } from './errors.js';
import { setCurrentScenarioFile } from './input-errors.js';
import { checkOutputPath } from './out-paths.js';

type ExploreArgs = {
  file: string;
  seeds: number;
  from: number;
  workers?: number;
  set?: string[];
  kinds?: string;
  out: string;
  'max-probes': number;
};

const wholeAtLeast = (name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER, why = ''): number => {
  if (!Number.isSafeInteger(v) || v < min) throw new UsageError(`explore: --${name} must be an integer >= ${min} (got ${v})`);
  if (v > max) throw new UsageError(`explore: --${name}: ${v} is over the limit of ${max}${why ? `: ${why}` : ''}`);
  return v;
};

/** Each seed is at least one run and holds a pending result, so a study is cut at this many. */
export const MAX_SEEDS = 1_000_000;

export const exploreCommand: CommandModule<object, ExploreArgs> = {
  command: 'explore <file>',
  describe: 'Swarm testing: per seed, random fault kinds, rates and schedule; report and shrink the seeds that break (exit 0 none, 1 some, 2 bad input)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'scenario YAML file' })
      .option('seeds', { type: 'number', demandOption: true, requiresArg: true, describe: 'how many seeds to try' })
      .option('from', { type: 'number', default: 1, describe: 'the first seed' })
      .option('workers', { type: 'number', describe: 'worker threads (default: one per core)' })
      .option('set', { type: 'string', array: true, describe: 'override a key: --set tickets.script=fixed (repeatable)' })
      .option('kinds', { type: 'string', describe: `only these fault kinds, comma-separated (default: all of ${Object.keys(FAULT_KINDS).join(',')})` })
      .option('out', { type: 'string', default: path.join('reports', 'explore'), describe: 'where the failing seeds’ scenario copies go' })
      .option('max-probes', { type: 'number', default: 500, describe: 'runs the shrinking of one seed may take' }),
  handler: async (args) => {
    const seeds = wholeAtLeast('seeds', args.seeds, 1, MAX_SEEDS, 'each seed is at least one run; explore further with --from');
    const from = wholeAtLeast('from', args.from, 0, Number.MAX_SAFE_INTEGER - seeds);
    const workers = wholeAtLeast('workers', args.workers ?? availableParallelism(), 1, 256, 'each worker is a thread with its own copy of the model');
    const maxProbes = wholeAtLeast('max-probes', args['max-probes'], 1, MAX_SEEDS, 'each probe is a run');
    const set = args.set ?? [];
    if (set.some((s) => /^\s*faults\s*[=.[]/.test(s))) throw new UsageError('explore: the swarm draws the faults; --set faults is not allowed here');
    const kinds = args.kinds === undefined ? undefined : args.kinds.split(',').map((k) => k.trim()).filter((k) => k !== '');
    try {
      kindsNamed(kinds);
    } catch (e) {
      throw new UsageError(`explore: --kinds: ${(e as Error).message}`);
    }
    setCurrentScenarioFile(args.file);
    const s = loadScenario(args.file, { set });
    checkExpectPaths(s);
    checkOutputPath(args.out, '--out', 'container');

    // Fault times fall within the length of a fault-free run of the file as written.
    const t0 = process.hrtime.bigint();
    const horizon_us = Math.max(1000, Math.round(runScenario(s).report.summary.duration_ms * 1000));
    const last = from + seeds - 1;
    // stdout depends only on the file, the flags and the seeds; the worker count and wall time,
    // which do not change any result, go to stderr
    process.stdout.write(`explore ${s.name}: seeds ${from}..${last}; faults within ${formatDuration(horizon_us - (horizon_us % 100))} (a fault-free run's length)\n`);
    process.stderr.write(`explore: ${plural(Math.min(workers, seeds), 'worker thread')}\n`);

    const pool = new Piscina<ExploreTask, ExploreResult>({
      filename: new URL('../study/explore-worker.js', import.meta.url).href,
      minThreads: Math.min(workers, seeds),
      maxThreads: Math.min(workers, seeds),
    });
    const bar = startBar(seeds);
    const pending = Array.from({ length: seeds }, (_, i) => {
      const p = pool.run({ file: args.file, set, seed: from + i, horizon_us, maxProbes, kinds });
      void p.then(bar.tick, () => undefined);
      return p;
    });
    const failing: number[] = [];
    try {
      // in seed order, whatever order the workers finish in
      for (const p of pending) {
        const r = await p;
        if (r.broken.length === 0) continue;
        failing.push(r.seed);
        const copy = await writeCopy(args.file, s, args.out, r);
        bar.clear();
        process.stdout.write(describeFailure(args.file, s, set, kinds, r, copy));
      }
    } finally {
      bar.stop();
      await pool.destroy();
    }
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    process.stdout.write(`explored ${plural(seeds, 'seed')}: ${failing.length === 0 ? 'none broke' : `${failing.length} broke (${abbreviate(failing)})`}\n`);
    process.stderr.write(`explore: ${wall.toFixed(1)} s\n`);
    if (failing.length > 0) process.exitCode = 1;
  },
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function abbreviate(seeds: readonly number[]): string {
  return seeds.length <= 20 ? seeds.join(', ') : `${seeds.slice(0, 20).join(', ')}, ...`;
}

function describeFailure(file: string, s: Scenario, set: readonly string[], kinds: string[] | undefined, r: ExploreResult, copy: string): string {
  const replay = ['sim', 'explore', file, '--seeds', '1', '--from', String(r.seed), ...(kinds ? ['--kinds', kinds.join(',')] : []), ...set.flatMap((x) => ['--set', x])]
    .map(shellQuote)
    .join(' ');
  const free = r.broken.filter((b) => b.faultFree).length;
  const n = r.broken.length;
  const lines = [
    `FAIL seed ${r.seed}: ${s.name} broke ${plural(n, 'check')}${free === 0 ? '' : free === n ? ', all of them with no fault at all' : `, ${free} of them with no fault at all`}`,
  ];
  for (const b of r.broken) lines.push(`  broken: ${b.check}${b.faultFree ? '   [breaks with no fault too]' : ''}`);
  lines.push(`  replay: ${replay}`);
  lines.push(`  swarm: ${describeKnobs(r.knobs)}; ${plural(r.faults.length, 'fault')}`);
  if (r.primary === undefined) {
    lines.push(`  seed ${r.seed} breaks ${n === 1 ? 'it' : 'them'} with no fault at all, so there is no fault schedule to shrink`);
  } else {
    const shrunk = r.shrunk ?? [];
    lines.push(`  the schedule that broke it (${plural(r.faults.length, 'fault')}):`);
    lines.push(faultsBlock(r.faults).trimEnd());
    lines.push(
      `  shrunk to ${plural(shrunk.length, 'fault')} in ${plural(r.probes ?? 0, 'run')} that still break ${r.primary}${r.minimal ? (shrunk.length === 1 ? ' (without it, it holds)' : ' (without any one of them, it holds)') : ' (run budget spent: may not be minimal)'}:`,
    );
    lines.push(faultsBlock(shrunk).trimEnd());
  }
  lines.push(`  check: ${replayCommand(copy, r.seed, set)}`);
  return lines.join('\n') + '\n';
}

/**
 * Writes the scenario with the shrunk schedule and the seed into OUT/<name>-seed<S>.yaml, comments
 * kept. A script file path is rewritten to stay valid from the new directory.
 */
async function writeCopy(file: string, s: Scenario, outDir: string, r: ExploreResult): Promise<string> {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const base = doc.get('faults');
  const baseItems: unknown[] = base && typeof base === 'object' && 'toJSON' in base ? ((base as { toJSON: () => unknown }).toJSON() as unknown[]) : [];
  const faults: (FaultSpec | unknown)[] = [...(Array.isArray(baseItems) ? baseItems : []), ...(r.shrunk ?? [])];
  const node = doc.createNode(faults);
  for (const item of node.items) if (isMap(item)) item.flow = true;
  doc.set('faults', node);
  doc.set('seed', r.seed);
  const script = doc.getIn(['tickets', 'script'], true);
  if (isScalar(script) && typeof script.value === 'string' && s.tickets.script.kind === 'file') {
    script.value = path.relative(outDir, path.join(path.dirname(file), script.value));
  }
  const note = ` sim explore ${file} --seeds 1 --from ${r.seed}: ${r.primary === undefined ? 'breaks with no fault at all' : `the ${plural((r.shrunk ?? []).length, 'fault')} that break ${r.primary}`}`;
  doc.commentBefore = doc.commentBefore ? `${note}\n${doc.commentBefore}` : note;
  await mkdir(outDir, { recursive: true });
  const out = path.join(outDir, `${s.name}-seed${r.seed}.yaml`);
  await writeFileAtomic(out, doc.toString());
  return out;
}

function startBar(total: number): { tick: () => void; clear: () => void; stop: () => void } {
  if (!process.stderr.isTTY || process.env.CI) return { tick: () => undefined, clear: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'exploring [{bar}] {value}/{total} seeds | {eta_formatted} left', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let done = 0;
  return {
    tick: () => bar.update(++done),
    // the bar and stdout share a terminal: wipe the bar's line before printing a failure
    clear: () => process.stderr.write('\r\x1b[2K'),
    stop: () => bar.stop(),
  };
}
