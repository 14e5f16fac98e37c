// Whether a candidate value meets the constraints, from its replications: each subject's mean and
// Student-t interval, and the interval's bound on the unfavourable side held against the
// threshold. And whether what has been evaluated so far looks monotone in the parameter, which is
// what lets the search bisect.
import { meets, type Subject, thresholdOf } from './optimize-plan.js';
import { sampleStats } from './stats.js';
import type { RunResult } from './sweep-worker.js';

export const INVENTORY = 'tickets.inventory';

export type SubjectVerdict = {
  metric: string;
  want: string; // as the user wrote it
  n: number; // runs with a value
  missing: number; // runs without one (a sale that never sold out): the subject cannot hold
  mean: number | null;
  ci_lo: number | null;
  ci_hi: number | null;
  half_width: number | null;
  bound: number | null; // the interval's end on the unfavourable side
  threshold: number | null;
  holds: boolean;
};

export type PointVerdict = { subjects: SubjectVerdict[]; feasible: boolean };

function judgeSubject(s: Subject, results: readonly RunResult[], confidence: number): SubjectVerdict {
  const xs = results.map((r) => r.metrics[s.metric] ?? null);
  const st = sampleStats(xs, confidence);
  const inv = results[0]?.metrics[INVENTORY] ?? null;
  const threshold = thresholdOf(s, inv);
  const upper = s.op === 'lt' || s.op === 'le';
  const bound = upper ? st.ci_hi : st.ci_lo;
  const missing = xs.length - st.n;
  const holds = missing === 0 && bound !== null && threshold !== null && meets(s.op, bound, threshold);
  return {
    metric: s.metric,
    want: s.raw,
    n: st.n,
    missing,
    mean: st.mean,
    ci_lo: st.ci_lo,
    ci_hi: st.ci_hi,
    half_width: st.half_width,
    bound,
    threshold,
    holds,
  };
}

/** The verdict on one candidate: every subject over its replications. */
export function judgePoint(subjects: readonly Subject[], results: readonly RunResult[], confidence: number): PointVerdict {
  const verdicts = subjects.map((s) => judgeSubject(s, results, confidence));
  return { subjects: verdicts, feasible: verdicts.every((v) => v.holds) };
}

export type Monotonicity = { monotone: boolean; detail: string };

type Along = { x: number; text: string; verdict: PointVerdict };

/** A step from a to b against the trend, beyond both intervals: the two do not overlap. */
function reversal(a: SubjectVerdict, b: SubjectVerdict, rising: boolean): boolean {
  if (a.mean === null || b.mean === null) return false;
  const d = b.mean - a.mean;
  const beyond = Math.abs(d) > (a.half_width ?? 0) + (b.half_width ?? 0);
  return beyond && (rising ? d < 0 : d > 0);
}

/** The first reversal of subject j along the points, in whichever direction fits better. */
function firstReversal(points: readonly Along[], j: number): string | null {
  const found: (string | null)[] = [true, false].map((rising) => {
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1]?.verdict.subjects[j];
      const b = points[i]?.verdict.subjects[j];
      if (a && b && reversal(a, b, rising)) return `${a.metric} ${rising ? 'falls' : 'rises'} from ${points[i - 1]?.text} to ${points[i]?.text}`;
    }
    return null;
  });
  return found[0] === null || found[1] === null ? null : (found[0] ?? null);
}

/**
 * Monotone, as far as the evaluated points (in parameter order) can tell: every subject's mean
 * moves one way only (a step the other way counts only when the two intervals do not overlap),
 * and feasibility switches at most once.
 */
export function monotonicity(points: readonly Along[]): Monotonicity {
  const sorted = [...points].sort((a, b) => a.x - b.x);
  const subjects = sorted[0]?.verdict.subjects ?? [];
  for (let j = 0; j < subjects.length; j++) {
    const r = firstReversal(sorted, j);
    if (r !== null) return { monotone: false, detail: `${r} beyond both intervals` };
  }
  let switches = 0;
  for (let i = 1; i < sorted.length; i++) if (sorted[i]?.verdict.feasible !== sorted[i - 1]?.verdict.feasible) switches++;
  if (switches > 1) return { monotone: false, detail: `feasibility switches ${switches} times over ${sorted.length} points` };
  const trend = subjects.map((s, j) => {
    const first = sorted[0]?.verdict.subjects[j]?.mean ?? null;
    const last = sorted[sorted.length - 1]?.verdict.subjects[j]?.mean ?? null;
    const dir = first === null || last === null || first === last ? 'is flat' : last < first ? 'falls' : 'rises';
    return `${s.metric} ${dir}`;
  });
  return { monotone: true, detail: `${trend.join(', ')} over ${sorted.length} evaluated points with no reversal beyond the intervals` };
}
