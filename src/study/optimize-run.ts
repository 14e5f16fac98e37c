// Runs `sim optimize` on the sweep machinery: each batch of candidates the search asks for becomes
// a study of that many configurations x R replications (common random numbers: replication r has
// the same seed at every candidate), run by the same executor, result store and worker threads as
// `sim sweep`. Every candidate's runs are kept, in evaluation order, for the report.
import { judgePoint, type PointVerdict } from './optimize-judge.js';
import { type Axis, axisCount, axisNumber, axisText, indexOfRank, type Subject } from './optimize-plan.js';
import { type SearchResult, search } from './optimize-search.js';
import type { Configuration, RunRecord, StudySpec } from './sweep-plan.js';
import { type Executor, runStudy } from './sweep-run.js';
import type { ResultCache } from './result-cache.js';

export type OptimizeSpec = {
  scenario: string;
  file: string;
  scenario_sha256: string;
  version: string;
  commit: string | null;
  command: string;
  base_seed: number;
  axes: Axis[];
  subjects: Subject[];
  replications: number;
  confidence: number;
  metrics: string[]; // kept of every run: the headline ones, the subjects' and the inventory
};

export type OptimizeRun = {
  spec: OptimizeSpec;
  execute: Executor;
  code: string;
  cache?: ResultCache;
  onRound?: (runs: number) => void;
  /** Loads (and so checks) the scenario with these --set flags appended: its configuration. */
  configure: (values: readonly string[]) => Omit<Configuration, 'index'>;
};

export type OptimizeOutcome = {
  search: SearchResult;
  configurations: Configuration[]; // one per evaluated candidate, in evaluation order
  runs: RunRecord[]; // config is the candidate's evaluation order
  executed: number;
  cached: number;
};

/** A candidate's values (text per axis, as --set takes them) from its ranks. */
export function valuesOf(axes: readonly Axis[], ranks: readonly number[]): string[] {
  return axes.map((a, i) => axisText(a, indexOfRank(a, ranks[i] ?? 0)));
}

/** The optimize as a study spec over `configurations`: a batch for the sweep runner, or every evaluated one for runs.csv. */
export function studySpecOf(spec: OptimizeSpec, configurations: Configuration[], parameters: StudySpec['parameters'] = spec.axes.map((a) => ({ key: a.key, values: [] }))): StudySpec {
  return {
    scenario: spec.scenario,
    file: spec.file,
    scenario_sha256: spec.scenario_sha256,
    version: spec.version,
    commit: spec.commit,
    command: spec.command,
    base_seed: spec.base_seed,
    parameters,
    configurations,
    metrics: spec.metrics,
    confidence: spec.confidence,
    replications: spec.replications,
    precision: [],
    max_replications: spec.replications,
  };
}

export async function runOptimize(o: OptimizeRun): Promise<OptimizeOutcome> {
  const { spec } = o;
  const configurations: Configuration[] = [];
  const runs: RunRecord[] = [];
  const tally = { executed: 0, cached: 0 };
  const evaluate = async (batch: readonly (readonly number[])[]): Promise<PointVerdict[]> => {
    const base = configurations.length;
    const mine = batch.map((ranks, i) => ({ ...o.configure(valuesOf(spec.axes, ranks)), index: i }));
    const out = await runStudy({ spec: studySpecOf(spec, mine), execute: o.execute, code: o.code, cache: o.cache, onRound: o.onRound });
    tally.executed += out.executed;
    tally.cached += out.cached;
    for (const c of mine) configurations.push({ ...c, index: base + c.index });
    for (const r of out.runs) runs.push({ ...r, config: base + r.config });
    return mine.map((c) => {
      const results = out.runs.filter((r) => r.config === c.index).map((r) => r.result);
      return judgePoint(spec.subjects, results, spec.confidence);
    });
  };
  const first = spec.axes[0];
  const result = await search(
    {
      counts: spec.axes.map(axisCount),
      valueAt: (rank) => {
        const i = first === undefined ? 0 : indexOfRank(first, rank);
        return first === undefined ? { x: 0, text: '' } : { x: axisNumber(first, i), text: axisText(first, i) };
      },
    },
    evaluate,
  );
  return { search: result, configurations, runs, ...tally };
}
