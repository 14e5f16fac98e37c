// Delta debugging (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing Input",
// 2002): ddmin shrinks a failing list to a 1-minimal one, from which removing any single item
// makes the failure go away. Here the list is a fault schedule and each probe is a whole run.

export type ShrinkResult<T> = {
  items: T[]; // the smallest failing list found, in the original order
  probes: number; // calls of the predicate (runs), cached ones not counted
  minimal: boolean; // false when the probe budget ran out first
};

/**
 * Shrinks `items`, which must fail (`fails(items)` is true), to a 1-minimal failing sublist.
 * `fails` is never asked about the whole list or the empty list: the caller knows both.
 */
export function ddmin<T>(items: readonly T[], fails: (subset: T[]) => boolean, maxProbes = 500): ShrinkResult<T> {
  const cache = new Map<string, boolean>();
  let probes = 0;
  let budgetLeft = true;
  // subsets are index lists, so the order of the original survives
  const test = (idx: readonly number[]): boolean => {
    if (idx.length === 0) return false;
    if (idx.length === items.length) return true;
    const key = idx.join(',');
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    if (probes >= maxProbes) {
      budgetLeft = false;
      return false;
    }
    probes++;
    const r = fails(idx.map((i) => items[i] as T));
    cache.set(key, r);
    return r;
  };

  let cur = items.map((_, i) => i);
  let n = 2;
  while (cur.length >= 2) {
    const chunks = split(cur, n);
    let next: number[] | null = null;
    // a single chunk that fails on its own
    for (const c of chunks) {
      if (test(c)) {
        next = c;
        n = 2;
        break;
      }
    }
    // else all but one chunk
    if (next === null && n > 2) {
      for (let i = 0; i < chunks.length; i++) {
        const rest = chunks.flatMap((c, j) => (j === i ? [] : c));
        if (test(rest)) {
          next = rest;
          n = Math.max(n - 1, 2);
          break;
        }
      }
    }
    if (next !== null) {
      cur = next;
      continue;
    }
    if (n >= cur.length) break; // single items tried: 1-minimal
    n = Math.min(cur.length, 2 * n);
  }
  return { items: cur.map((i) => items[i] as T), probes, minimal: budgetLeft };
}

/** `xs` in `n` nearly equal consecutive parts. */
function split<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = start + Math.floor((xs.length - start) / (n - i));
    out.push(xs.slice(start, end));
    start = end;
  }
  return out.filter((c) => c.length > 0);
}
