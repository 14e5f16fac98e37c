// `sim check --replications R`: a scenario's expectations held over R runs (replication r with the
// seed sim sweep gives it; replication 1 is the scenario's own seed). A plain expectation, or one
// "in every run", must hold in each run; "mean OP x at P%" holds when the Student-t interval of
// the mean lies wholly on the right side: "<" and "<=" look at its upper bound, ">" and ">=" at
// its lower bound, "between A and B" at both. Invariants must hold in every run.
import { holds } from '../metrics/expect.js';
import { fmtNum } from '../report/format.js';
import type { Expectation } from '../scenario/types.js';
import type { GateResult } from './gate-worker.js';
import { type SampleStats, sampleStats } from './stats.js';
import type { CheckResult } from './verdict.js';

export type ReplicatedRun = { replication: number; result: GateResult };

/** A check over replications: `detail` gives n, mean and interval; `replay_seed` the run to replay. */
export type ReplicatedCheck = CheckResult & { detail: string; replay_seed: number | null };

const pctOf = (confidence: number): string => `${fmtNum(confidence * 100, 3)} %`;
const show = (v: number | string | null | undefined): string => (v === null || v === undefined ? 'null' : typeof v === 'number' ? fmtNum(v, 3) : v);

/** "n=10, mean 12.3, 95 % CI 12.1 to 12.5" (no interval below two values). */
export function describeStats(st: SampleStats, confidence: number): string {
  if (st.mean === null) return `n=${st.n}, no numeric value`;
  const ci = st.ci_lo === null || st.ci_hi === null ? 'no interval from one value' : `${pctOf(confidence)} CI ${fmtNum(st.ci_lo, 3)} to ${fmtNum(st.ci_hi, 3)}`;
  return `n=${st.n}, mean ${fmtNum(st.mean, 3)}, ${ci}`;
}

/** Whether the interval [lo, hi] of the mean lies where `e` says; the bound it was decided by. */
export function intervalHolds(e: Expectation, lo: number, hi: number): { held: boolean; why: string } {
  const a = fmtNum(e.a, 6);
  switch (e.op) {
    case 'lt':
      return { held: hi < e.a, why: `upper bound ${fmtNum(hi, 3)} ${hi < e.a ? '<' : 'is not <'} ${a}` };
    case 'le':
      return { held: hi <= e.a, why: `upper bound ${fmtNum(hi, 3)} ${hi <= e.a ? '<=' : 'is not <='} ${a}` };
    case 'gt':
      return { held: lo > e.a, why: `lower bound ${fmtNum(lo, 3)} ${lo > e.a ? '>' : 'is not >'} ${a}` };
    case 'ge':
      return { held: lo >= e.a, why: `lower bound ${fmtNum(lo, 3)} ${lo >= e.a ? '>=' : 'is not >='} ${a}` };
    case 'between': {
      const held = lo >= e.a && hi <= e.b;
      return { held, why: `interval ${held ? 'inside' : 'not inside'} ${a} to ${fmtNum(e.b, 6)}` };
    }
    case 'eq':
    case 'eq_text':
      return { held: false, why: 'a mean is never held to equality' };
  }
}

function meanCheck(e: Expectation, runs: readonly ReplicatedRun[], confidence: number): ReplicatedCheck {
  const conf = e.confidence ?? confidence;
  const base = { kind: 'expect' as const, name: e.path, want: e.raw, replay_seed: null };
  const missing = runs.find((r) => typeof r.result.values[e.path] !== 'number');
  if (missing) {
    const got = `no number (${show(missing.result.values[e.path])}) in replication ${missing.replication} (seed ${missing.result.seed})`;
    return { ...base, got, held: false, detail: got, replay_seed: missing.result.seed };
  }
  const st = sampleStats(runs.map((r) => r.result.values[e.path]).filter((v): v is number => typeof v === 'number'), conf);
  const detail = describeStats(st, conf);
  if (st.ci_lo === null || st.ci_hi === null) return { ...base, got: detail, held: false, detail: `${detail}: a mean needs at least 2 runs` };
  const { held, why } = intervalHolds(e, st.ci_lo, st.ci_hi);
  return { ...base, got: `${detail}: ${why}`, held, detail: `${detail}: ${why}` };
}

/** Runs in which `ok` is false, as "got in replication r (seed s)", and the first one's seed. */
function everyRun(runs: readonly ReplicatedRun[], ok: (r: ReplicatedRun) => boolean, got: (r: ReplicatedRun) => string): { bad: string; seed: number | null; count: number } {
  const bad = runs.filter((r) => !ok(r));
  const first = bad[0];
  if (first === undefined) return { bad: '', seed: null, count: 0 };
  const more = bad.length > 1 ? `; ${bad.length - 1} more: replications ${bad.slice(1, 6).map((r) => r.replication).join(', ')}${bad.length > 6 ? ', ...' : ''}` : '';
  return { bad: `${got(first)} in replication ${first.replication} (seed ${first.result.seed})${more}`, seed: first.result.seed, count: bad.length };
}

function everyCheck(e: Expectation, runs: readonly ReplicatedRun[], confidence: number): ReplicatedCheck {
  const value = (r: ReplicatedRun) => r.result.values[e.path] ?? null;
  const judged = e.op === 'eq_text' ? runs.slice(0, 1).filter((r) => r.replication === 1) : runs;
  const broke = everyRun(judged, (r) => holds(e, value(r)), (r) => show(value(r)));
  const nums = judged.map(value).filter((v): v is number => typeof v === 'number');
  const st = sampleStats(nums, confidence);
  const spread = nums.length > 0 ? `; min ${fmtNum(Math.min(...nums), 3)}, max ${fmtNum(Math.max(...nums), 3)}` : '';
  const detail = e.op === 'eq_text' ? 'replication 1 only: a fingerprint pins one seed' : `${describeStats(st, confidence)}${spread}`;
  const held = broke.count === 0;
  const got = held ? `held in ${judged.length === 1 ? 'the run' : `all ${judged.length} runs`} (${detail})` : `${broke.bad} (${broke.count} of ${judged.length} runs broke it)`;
  return { kind: 'expect', name: e.path, want: e.raw, got, held, detail, replay_seed: broke.seed };
}

function invariantChecks(runs: readonly ReplicatedRun[]): ReplicatedCheck[] {
  const finished = runs.filter((r) => r.result.crash === null);
  const names = finished[0]?.result.invariants ?? [];
  const out: ReplicatedCheck[] = names.map((inv) => {
    const of = (r: ReplicatedRun) => r.result.invariants.find((x) => x.name === inv.name);
    const broke = everyRun(finished, (r) => of(r)?.held !== false, (r) => of(r)?.got ?? 'broken');
    const held = broke.count === 0;
    return { ...inv, held, got: held ? `held in all ${finished.length} runs` : broke.bad, detail: held ? '' : `${broke.count} of ${finished.length} runs broke it`, replay_seed: broke.seed };
  });
  const crashed = everyRun(runs, (r) => r.result.crash === null, (r) => r.result.crash?.got ?? '');
  if (crashed.count > 0) out.push({ kind: 'invariant', name: 'run', want: 'to finish', got: crashed.bad, held: false, detail: `${crashed.count} of ${runs.length} runs crashed`, replay_seed: crashed.seed });
  return out;
}

/** Every expectation (a scenario's expect:) and invariant over the replications (in replication order). */
export function holdReplicated(expect: readonly Expectation[], runs: readonly ReplicatedRun[], confidence: number): ReplicatedCheck[] {
  const finished = runs.filter((r) => r.result.crash === null);
  const ex = expect.map((e) => (e.over === 'mean' ? meanCheck(e, finished, confidence) : everyCheck(e, finished, confidence)));
  return [...ex, ...invariantChecks(runs)];
}
