// The scenario's `expect:` block, held against summary.json values by path.
import type { Expectation } from '../scenario/types.js';

/** Looks up a dotted summary path (e.g. tiers.app.app4.share); undefined if it is not there. */
export function lookupPath(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A number for comparison: booleans count as 1/0, null stays null. */
export function numericValue(v: unknown): number | null | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === null) return null;
  return undefined;
}

export function holds(e: Expectation, v: number | string | null): boolean {
  if (e.op === 'eq_text') return v === e.raw;
  if (typeof v !== 'number') return false;
  switch (e.op) {
    case 'eq':
      return v === e.a;
    case 'lt':
      return v < e.a;
    case 'le':
      return v <= e.a;
    case 'gt':
      return v > e.a;
    case 'ge':
      return v >= e.a;
    case 'between':
      return v >= e.a && v <= e.b;
  }
}

export type ExpectResult = { want: string; value: number | string | null; held: boolean };

export class UnknownExpectPath extends Error {
  constructor(readonly expectation: Expectation) {
    super(`unknown summary.json path (or not a number): ${expectation.path}`);
  }
}

export function evaluateExpectations(summary: unknown, expects: readonly Expectation[]): Record<string, ExpectResult> {
  const out: Record<string, ExpectResult> = {};
  for (const e of expects) {
    const found = lookupPath(summary, e.path);
    const v = e.op === 'eq_text' ? (typeof found === 'string' ? found : undefined) : numericValue(found);
    if (v === undefined) throw new UnknownExpectPath(e);
    out[e.path] = { want: e.raw, value: v, held: holds(e, v) };
  }
  return out;
}
