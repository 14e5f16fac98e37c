// The search of `sim optimize`, over ranks (rank 0 is the best end of each axis): it asks for
// batches of candidates and is told each one's verdict. Which candidates it asks for depends only
// on the verdicts so far, never on timing, so the runs are the same for any number of workers.
//
// One parameter: a probe of five evenly spaced values first. When they look monotone, bisection
// between the best feasible value and the infeasible one just better than it, until they are one
// step apart; every new point is checked against the trend again, and a reversal drops to the grid. Not
// monotone, or two parameters: a grid over the range (11 values, or 5 x 5), then a grid again
// between the best feasible value and the grid value just better than it, until they are one step
// apart. Two parameters are ranked by the first, then the second.
import { type Monotonicity, monotonicity, type PointVerdict } from './optimize-judge.js';

export type Evaluated = { ranks: number[]; verdict: PointVerdict; order: number };

/** The verdicts of a batch of candidates (each a rank per axis), in batch order. */
export type Evaluate = (batch: readonly (readonly number[])[]) => Promise<PointVerdict[]>;

export type SearchResult = {
  method: 'bisection' | 'grid';
  answer: number[] | null; // ranks of the best feasible candidate found
  neighbour: number[] | null; // the candidate one step better on the first axis that decided it (infeasible)
  evaluated: Evaluated[]; // in evaluation order
  monotone: Monotonicity | null; // one parameter only: as last checked
  notes: string[];
};

export type SearchSpace = {
  counts: number[]; // grid points per axis
  /** For the monotonicity check: the axis value and its text at a rank (one parameter). */
  valueAt: (rank: number) => { x: number; text: string };
};

const key = (ranks: readonly number[]): string => ranks.join(',');

/** Up to n evenly spaced integers from a to b, both included. */
export function spread(a: number, b: number, n: number): number[] {
  if (b - a + 1 <= n) return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  const out = Array.from({ length: n }, (_, i) => a + Math.round((i * (b - a)) / (n - 1)));
  return [...new Set(out)];
}

/** Lexicographic: the first axis decides, then the second. */
function better(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

class Memo {
  readonly list: Evaluated[] = [];
  private readonly byKey = new Map<string, Evaluated>();
  constructor(private readonly evaluate: Evaluate) {}

  async ensure(batch: readonly (readonly number[])[]): Promise<void> {
    const fresh = batch.filter((r, i) => !this.byKey.has(key(r)) && batch.findIndex((q) => key(q) === key(r)) === i);
    if (fresh.length === 0) return;
    const verdicts = await this.evaluate(fresh);
    fresh.forEach((ranks, i) => {
      const verdict = verdicts[i];
      if (verdict === undefined) throw new Error('the evaluator returned too few verdicts');
      const e = { ranks: [...ranks], verdict, order: this.list.length };
      this.list.push(e);
      this.byKey.set(key(ranks), e);
    });
  }

  get(ranks: readonly number[]): Evaluated | undefined {
    return this.byKey.get(key(ranks));
  }

  /** The best feasible candidate among `among` (or every evaluated one). */
  bestFeasible(among?: readonly (readonly number[])[]): Evaluated | undefined {
    const pool = among === undefined ? this.list : among.map((r) => this.get(r)).filter((e): e is Evaluated => e !== undefined);
    let best: Evaluated | undefined;
    for (const e of pool) if (e.verdict.feasible && (best === undefined || better(e.ranks, best.ranks))) best = e;
    return best;
  }
}

function monotoneNow(memo: Memo, space: SearchSpace): Monotonicity {
  return monotonicity(memo.list.map((e) => ({ ...space.valueAt(e.ranks[0] ?? 0), verdict: e.verdict })));
}

/** Bisection over one axis; false when a reversal shows the constraint is not monotone after all. */
async function bisect(memo: Memo, space: SearchSpace, result: SearchResult): Promise<boolean> {
  const feasible = (r: number) => memo.get([r])?.verdict.feasible === true;
  const ranks = () => memo.list.map((e) => e.ranks[0] ?? 0).sort((a, b) => a - b);
  for (;;) {
    const m = monotoneNow(memo, space);
    result.monotone = m;
    if (!m.monotone) return false;
    const good = ranks().find(feasible);
    if (good === undefined) return true; // monotone and nothing feasible, not even the worst end
    const bad = ranks().filter((r) => r < good && !feasible(r)).pop();
    if (good === 0 || bad === undefined || good - bad <= 1) {
      result.answer = [good];
      result.neighbour = bad === undefined ? null : [bad];
      return true;
    }
    await memo.ensure([[Math.floor((bad + good) / 2)]]);
  }
}

/** The grid value of each axis just better than the best, in this round's grid. */
function refineBox(best: readonly number[], grids: readonly number[][]): [number, number][] {
  return best.map((b, a) => {
    const lower = (grids[a] ?? []).filter((g) => g < b).pop();
    return [lower ?? b, b];
  });
}

async function grid(memo: Memo, space: SearchSpace, result: SearchResult): Promise<void> {
  const per = space.counts.length === 1 ? 11 : 5;
  let box: [number, number][] = space.counts.map((c) => [0, c - 1]);
  for (;;) {
    const grids = box.map(([a, b]) => spread(a, b, per));
    let batch: number[][] = [[]];
    for (const g of grids) batch = batch.flatMap((prefix) => g.map((v) => [...prefix, v]));
    await memo.ensure(batch);
    const best = memo.bestFeasible(batch);
    if (best === undefined) return;
    const next = refineBox(best.ranks, grids);
    if (next.every(([a, b]) => b - a <= 1)) {
      result.answer = best.ranks;
      const lower = next[0]?.[0] ?? 0;
      result.neighbour = lower < (best.ranks[0] ?? 0) ? [lower, ...best.ranks.slice(1)] : null;
      return;
    }
    box = next;
  }
}

export async function search(space: SearchSpace, evaluate: Evaluate): Promise<SearchResult> {
  const memo = new Memo(evaluate);
  const result: SearchResult = { method: 'bisection', answer: null, neighbour: null, evaluated: memo.list, monotone: null, notes: [] };
  if (space.counts.length === 1) {
    const n = space.counts[0] ?? 1;
    await memo.ensure(spread(0, n - 1, 5).map((r) => [r]));
    if (await bisect(memo, space, result)) {
      result.notes.push(`monotone: ${result.monotone?.detail ?? ''}; bisection`);
      return result;
    }
    result.notes.push(`not monotone: ${result.monotone?.detail ?? ''}; a grid of 11 values, then refined`);
  } else {
    result.notes.push('two parameters: a 5 x 5 grid, then refined around the best feasible point (the first parameter decides, then the second)');
  }
  result.method = 'grid';
  result.answer = null;
  result.neighbour = null;
  await grid(memo, space, result);
  if (space.counts.length === 1) result.monotone = monotoneNow(memo, space);
  return result;
}
