// Runs a study: every (configuration, replication) pair it needs, each from the result store when
// it is there, the rest through an executor (worker threads or inline). With precision targets it
// goes in rounds: after each, every configuration whose interval is still too wide gets more
// replications. A round's size depends only on the results so far, never on timing, so the runs
// (and the files) are the same for any number of workers.
import { ResultCache } from './result-cache.js';
import { type PrecisionTarget, type RunRecord, runKey, runsOf, replicationSeed, shardSlice, type StudySpec } from './sweep-plan.js';
import type { RunResult, StudyTask } from './sweep-worker.js';
import { sampleStats, tQuantile } from './stats.js';

/**
 * Runs the tasks (in any order, on any threads) and gives their results in task order; `each` is
 * told of every result as it comes, so a long study stores what it has before it ends.
 */
export type Executor = (tasks: StudyTask[], each: (i: number, r: RunResult) => void) => Promise<RunResult[]>;

export type StudyRun = {
  spec: StudySpec;
  execute: Executor;
  code: string; // the ticketsim build: version and commit
  cache?: ResultCache;
  shard?: { index: number; count: number };
  onRound?: (runs: number) => void; // before each batch: how many runs it holds
};

export type StudyOutcome = { runs: RunRecord[]; executed: number; cached: number };

type Pair = { config: number; replication: number };

async function runPairs(st: StudyRun, pairs: readonly Pair[], tally: { executed: number; cached: number }): Promise<RunRecord[]> {
  const { spec } = st;
  const records: (RunRecord | undefined)[] = [];
  const misses: { at: number; key: string; task: StudyTask; hash: string }[] = [];
  pairs.forEach((p, at) => {
    const c = spec.configurations[p.config];
    if (c === undefined) throw new RangeError(`no configuration ${p.config}`);
    const seed = replicationSeed(spec.base_seed, p.replication);
    const key = runKey(c.scenario_hash, st.code, seed);
    const hit = st.cache?.get(key, spec.metrics);
    if (hit) records[at] = { ...p, seed, result: pick(hit, spec.metrics) };
    else misses.push({ at, key, hash: c.scenario_hash, task: { file: spec.file, set: c.set, seed, paths: spec.metrics, key } });
  });
  tally.cached += pairs.length - misses.length;
  tally.executed += misses.length;
  st.onRound?.(misses.length);
  const stored: Promise<void>[] = [];
  const store = (i: number, r: RunResult) => {
    const m = misses[i];
    // a run that threw is not stored: it may have failed for a reason outside the model
    if (st.cache && m && r.error === undefined) stored.push(st.cache.put(m.key, { seed: m.task.seed, scenario_hash: m.hash, code: st.code, result: r }));
  };
  const results = misses.length === 0 ? [] : await st.execute(misses.map((m) => m.task), store);
  await Promise.all(stored);
  for (let i = 0; i < misses.length; i++) {
    const m = misses[i];
    const r = results[i];
    if (m === undefined || r === undefined) throw new Error('the executor returned too few results');
    records[m.at] = { ...(pairs[m.at] as Pair), seed: m.task.seed, result: r };
  }
  return records.map((r) => {
    if (r === undefined) throw new Error('a run has no result');
    return r;
  });
}

/** Only the study's metrics, in its order: a stored result may hold more. */
function pick(r: RunResult, paths: readonly string[]): RunResult {
  const metrics: Record<string, number | null> = {};
  for (const p of paths) metrics[p] = r.metrics[p] ?? null;
  return { ...r, metrics };
}

export function byRun(a: RunRecord, b: RunRecord): number {
  return a.config - b.config || a.replication - b.replication;
}

export async function runStudy(st: StudyRun): Promise<StudyOutcome> {
  const { spec } = st;
  const tally = { executed: 0, cached: 0 };
  const all = spec.configurations.map((c) => c.index);
  if (spec.precision.length === 0) {
    let pairs = runsOf(all, 1, spec.replications);
    if (st.shard) pairs = shardSlice(pairs, st.shard.index, st.shard.count);
    return { runs: await runPairs(st, pairs, tally), ...tally };
  }
  const runs: RunRecord[] = [];
  const n = new Map(all.map((c) => [c, 0]));
  let want = new Map(all.map((c) => [c, Math.min(spec.replications, spec.max_replications)]));
  while (want.size > 0) {
    const pairs = [...want].flatMap(([c, to]) => runsOf([c], (n.get(c) ?? 0) + 1, to));
    runs.push(...(await runPairs(st, pairs, tally)));
    for (const [c, to] of want) n.set(c, to);
    const next = new Map<number, number>();
    for (const c of want.keys()) {
      const have = n.get(c) ?? 0;
      const more = nextReplications(spec, runs.filter((r) => r.config === c), have);
      if (more > have) next.set(c, more);
    }
    want = next;
  }
  return { runs: runs.sort(byRun), ...tally };
}

/** Whether the interval of `target.metric` over these runs is as narrow as the target asks. */
export function targetMet(target: PrecisionTarget, runs: readonly RunRecord[], confidence: number): boolean {
  const s = sampleStats(runs.map((r) => r.result.metrics[target.metric] ?? null), confidence);
  if (s.n === 0) return true; // never a number (a sale that never sold out): nothing to estimate
  if (s.half_width === null || s.mean === null) return false;
  return s.half_width <= (target.relative ? target.half_width * Math.abs(s.mean) : target.half_width);
}

/**
 * How many replications a configuration should have after this round: as many as the current
 * standard deviation says the widest unmet target needs, at least one more, at most twice as many
 * (an early sd is a rough guess), and never above the maximum. `have` when every target is met.
 */
export function nextReplications(spec: StudySpec, runs: readonly RunRecord[], have: number): number {
  const unmet = spec.precision.filter((t) => !targetMet(t, runs, spec.confidence));
  if (unmet.length === 0 || have >= spec.max_replications) return have;
  let need = have + 1;
  for (const t of unmet) {
    const s = sampleStats(runs.map((r) => r.result.metrics[t.metric] ?? null), spec.confidence);
    if (s.sd === null || s.mean === null || s.n < 2) continue;
    const h = t.relative ? t.half_width * Math.abs(s.mean) : t.half_width;
    if (h <= 0) return Math.min(spec.max_replications, 2 * have);
    const z = tQuantile(1 - (1 - spec.confidence) / 2, s.n - 1);
    need = Math.max(need, Math.ceil(((z * s.sd) / h) ** 2));
  }
  return Math.min(spec.max_replications, Math.min(2 * have, need));
}
