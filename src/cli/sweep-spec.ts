// What `sim sweep` is asked to do, before anything runs: its flags checked, every configuration
// loaded (so a bad key or value stops the study before any run) and the study's spec built. Kept
// apart from sweep.ts, so the worker threads start before this loads the YAML loader and schema.
import { readFileSync } from 'node:fs';
import { checkExpectPaths } from '../model/summary-skeleton.js';
import { loadScenario, ScenarioError } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { HEADLINE_METRICS } from '../study/sweep-metrics.js';
import { type Configuration, crossProduct, type Parameter, type PrecisionTarget, scenarioHash, sha256, type StudySpec, taskKey } from '../study/sweep-plan.js';
import { setCurrentScenarioFile } from './current-file.js';
import { UsageError } from './errors.js';
import { buildIdentity } from './provenance.js';
import { shellQuote } from './quote.js';
import { parsePrecision, parseShard, parseVaries, wholeAtLeast } from './sweep-args.js';

export type SweepArgs = {
  file: string;
  vary?: string[];
  replications?: number;
  precision?: string[];
  confidence: number;
  'max-replications': number;
  workers?: number;
  out?: string;
  set?: string[];
  seed?: number;
  shard?: string;
  cache?: string;
  queue?: string;
};

/** A --vary value the loader refused, named as the user wrote it. */
function asVaryError(e: ScenarioError, params: readonly Parameter[], values: readonly string[]): ScenarioError {
  const i = params.findIndex((p) => e.via === `--set ${p.key}`);
  if (i < 0) return e;
  const key = params[i]?.key ?? '';
  return new ScenarioError(e.file, e.line, e.keyPath === key ? '' : e.keyPath, e.detail, `--vary ${key}=${values[i] ?? ''}`);
}

/**
 * Loads every configuration (so a bad key or value stops the study before any run). `scenarios`
 * holds each resolved one by its task's file and flags (taskKey): the runs use them as they are.
 */
export function loadConfigurations(
  file: string,
  set: readonly string[],
  seed: number | undefined,
  params: readonly Parameter[],
  scenarios: Map<string, Scenario> = new Map(),
): { configs: Configuration[]; first: Scenario } {
  let first: Scenario | undefined;
  const configs = crossProduct(params).map((values, index) => {
    const cset = [...set, ...params.map((p, i) => `${p.key}=${values[i] ?? ''}`)];
    let s: Scenario;
    try {
      s = loadScenario(file, { seed, set: cset });
    } catch (e) {
      throw e instanceof ScenarioError ? asVaryError(e, params, values) : e;
    }
    if (first === undefined) {
      checkExpectPaths(s);
      first = s;
    }
    scenarios.set(taskKey(file, cset), s);
    return { index, values, set: cset, scenario_hash: scenarioHash(s) };
  });
  if (first === undefined) throw new UsageError('sweep: no configuration');
  return { configs, first };
}

/** The command that reruns the study: the flags that can change a result, not --workers or --out. */
function studyCommand(args: SweepArgs, precision: readonly string[]): string {
  const words = ['sim', 'sweep', args.file];
  for (const v of args.vary ?? []) words.push('--vary', v);
  if (precision.length > 0) {
    for (const p of precision) words.push('--precision', p);
    words.push('--max-replications', String(args['max-replications']));
  }
  if (args.replications !== undefined) words.push('--replications', String(args.replications));
  if (args.confidence !== 0.95) words.push('--confidence', String(args.confidence));
  if (args.seed !== undefined) words.push('--seed', String(args.seed));
  for (const s of args.set ?? []) words.push('--set', s);
  return words.map(shellQuote).join(' ');
}

function checkArgs(args: SweepArgs): { precision: PrecisionTarget[]; shard?: { index: number; count: number }; replications: number } {
  const precision = (args.precision ?? []).map(parsePrecision);
  if (!(args.confidence > 0 && args.confidence < 1)) throw new UsageError(`sweep: --confidence must be between 0 and 1 (got ${args.confidence})`);
  const replications = wholeAtLeast('replications', args.replications ?? (precision.length > 0 ? 5 : 10), 1);
  wholeAtLeast('max-replications', args['max-replications'], 2);
  const shard = args.shard === undefined ? undefined : parseShard(args.shard);
  if (shard && precision.length > 0) throw new UsageError('sweep: --precision decides the replications as results come in; it cannot be split with --shard (use --replications)');
  if (precision.length > 0 && args['max-replications'] < replications) throw new UsageError('sweep: --max-replications must be at least --replications');
  return { precision, shard, replications };
}

export function buildSpec(args: SweepArgs, scenarios: Map<string, Scenario> = new Map()): { spec: StudySpec; shard?: { index: number; count: number } } {
  const { precision, shard, replications } = checkArgs(args);
  const params = parseVaries(args.vary ?? []);
  const set = args.set ?? [];
  for (const p of params) {
    if (set.some((s) => s.split('=')[0]?.trim() === p.key)) throw new UsageError(`sweep: ${p.key} is both --set and --vary; keep one`);
  }
  setCurrentScenarioFile(args.file);
  const { configs, first } = loadConfigurations(args.file, set, args.seed, params, scenarios);
  const build = buildIdentity();
  const spec: StudySpec = {
    scenario: first.name,
    file: args.file,
    scenario_sha256: sha256(readFileSync(args.file, 'utf8')),
    version: build.version,
    commit: build.commit,
    command: studyCommand(args, args.precision ?? []),
    base_seed: first.seed,
    parameters: params,
    configurations: configs,
    metrics: [...HEADLINE_METRICS],
    confidence: args.confidence,
    replications,
    precision,
    max_replications: args['max-replications'],
  };
  return { spec, shard };
}

