// What `sim optimize` searches: one or two parameters, each a grid lo, lo + step, ..., hi (hi
// always included), held as scaled integers so 1.3 + 0.01 is 1.31 and not 1.3100000000000001;
// and the constraints ("subjects") every candidate value must meet at the study's confidence.

export type Goal = 'minimize' | 'maximize';

export type Axis = {
  key: string;
  goal: Goal;
  unit: string; // written after every value (the smallest unit the user wrote: ms, k/s, ...)
  decimals: number; // values are integers over 10^decimals
  lo: number; // scaled
  hi: number; // scaled
  step: number; // scaled, > 0
};

export type SubjectOp = 'lt' | 'le' | 'gt' | 'ge';

/**
 * `metric op value`: holds when the bound of the metric's confidence interval on the unfavourable
 * side (the upper bound for < and <=, the lower for > and >=) meets it. `percent`: the value is a
 * percentage of tickets.inventory, so `tickets.unsold < 1%` means below 1 % of the inventory.
 */
export type Subject = { metric: string; op: SubjectOp; value: number; percent: boolean; raw: string };

export const OP_TEXT: Record<SubjectOp, string> = { lt: '<', le: '<=', gt: '>', ge: '>=' };

/** The number of grid points of an axis. */
export function axisCount(a: Axis): number {
  if (a.hi === a.lo) return 1;
  const whole = Math.floor((a.hi - a.lo) / a.step);
  return whole + 1 + ((a.hi - a.lo) % a.step === 0 ? 0 : 1);
}

/** The scaled value of grid index i (0 is lo, the last index is hi). */
function scaledAt(a: Axis, i: number): number {
  return Math.min(a.lo + i * a.step, a.hi);
}

/** The number at grid index i, in the axis's unit. */
export function axisNumber(a: Axis, i: number): number {
  return Number((scaledAt(a, i) / 10 ** a.decimals).toFixed(a.decimals));
}

/** The value at grid index i as --set takes it: 1.25, 40k/s, 300ms. */
export function axisText(a: Axis, i: number): string {
  return `${String(axisNumber(a, i) + 0)}${a.unit}`;
}

/**
 * Rank 0 is the best end of the axis (lo when minimizing, hi when maximizing), so the search
 * always looks for the smallest feasible rank.
 */
export function indexOfRank(a: Axis, rank: number): number {
  return a.goal === 'minimize' ? rank : axisCount(a) - 1 - rank;
}

/** Whether `x` (the interval's unfavourable bound) meets the subject's threshold. */
export function meets(op: SubjectOp, x: number, threshold: number): boolean {
  switch (op) {
    case 'lt':
      return x < threshold;
    case 'le':
      return x <= threshold;
    case 'gt':
      return x > threshold;
    case 'ge':
      return x >= threshold;
  }
}

/** The subject's threshold for a configuration with this inventory. */
export function thresholdOf(s: Subject, inventory: number | null): number | null {
  if (!s.percent) return s.value;
  return inventory === null ? null : (s.value / 100) * inventory;
}
