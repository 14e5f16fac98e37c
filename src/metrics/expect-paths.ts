// Checks a scenario's expect: paths before it runs, so that a typo costs no run. The reference is
// a summary skeleton: summary.json of a run in which nothing happened, so it has exactly the keys a
// real summary.json of this scenario has (per-server tiers.app.<name>.* included) and never goes
// stale. The model builds it (src/model/summary-skeleton.ts), since the tiers build their sections.
import { ScenarioError } from '../scenario/load.js';
import type { Expectation, Scenario } from '../scenario/types.js';
import { numericValue } from './expect.js';
import type { Summary } from './summary.js';

type Lookup =
  | { kind: 'value'; value: unknown }
  | { kind: 'missing'; parent: string } // the skeleton says: no such key
  | { kind: 'unknowable' }; // under a list, whose length only the run knows

function lookup(root: unknown, path: string): Lookup {
  let cur: unknown = root;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(part)) return { kind: 'missing', parent: parts.slice(0, i).join('.') };
      if (Number(part) >= cur.length) return { kind: 'unknowable' };
    } else if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) {
      return { kind: 'missing', parent: parts.slice(0, i).join('.') };
    }
    cur = (cur as Record<string, unknown>)[part];
  }
  return { kind: 'value', value: cur };
}

/** Every path of the skeleton that an expectation can name: numbers, booleans, nulls and text. */
export function expectablePaths(root: unknown, prefix = ''): string[] {
  const out: string[] = [];
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return out;
  for (const [k, v] of Object.entries(root as Record<string, unknown>)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object') {
      if (!Array.isArray(v) && k !== 'expect' && !(prefix === 'tiers.redis' && k === 'keyspace')) out.push(...expectablePaths(v, p));
    } else out.push(p);
  }
  return out;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] as number) + 1, (cur[j - 1] as number) + 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/** The closest known path, if it is close enough to be the one meant. */
function suggest(path: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(path, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(path.length / 5)) ? best : null;
}

/** What is wrong with expectation `e` against the skeleton, or null if it can be checked. */
export function expectPathProblem(e: Expectation, skeleton: Summary): string | null {
  const found = lookup(skeleton, e.path);
  if (found.kind === 'unknowable') return null;
  if (found.kind === 'missing') {
    const hint = suggest(e.path, expectablePaths(skeleton));
    return `unknown summary.json path${hint ? ` (did you mean ${hint}?)` : ''}`;
  }
  const v = found.value;
  if (e.op === 'eq_text') return typeof v === 'string' ? null : 'is not a text value; compare it with a number or a string like "<= 10"';
  if (v !== null && typeof v === 'object') {
    const inside = expectablePaths(v, e.path).slice(0, 3);
    return `is a group, not a number${inside.length > 0 ? ` (e.g. ${inside.join(', ')})` : ''}`;
  }
  if (typeof v === 'string') return 'is text: only fingerprint takes a text expectation';
  if (v !== undefined && numericValue(v) === undefined) return 'unknown summary.json path, or not a number';
  return null;
}

/**
 * Throws a ScenarioError (`FILE:LINE: expect.PATH: ...`, exit 2) for the first expectation of `s`
 * that `skeleton`, the summary skeleton of `s`, says no run could check.
 */
export function checkExpectPathsAgainst(s: Scenario, skeleton: Summary): void {
  for (const e of s.expect) {
    const problem = expectPathProblem(e, skeleton);
    if (problem === null) continue;
    // line 0: the expectation came from --set, so name that instead of a line
    throw new ScenarioError(s.file, e.line > 0 ? e.line : null, `expect.${e.path}`, problem, e.line > 0 ? null : `--set expect.${e.path}`);
  }
}
