import type { Summary } from '../metrics/summary.js';
import { fmtNum } from './format.js';

// Invariants and expectations read positively: what holds, what broke and by how much, never a
// "want 0, got 1" on a boolean.

/** "no_oversell: broken, 1 oversold", "ledger: holds". */
export function invariantVerdict(s: Summary, name: keyof Summary['invariants']): string {
  if (s.invariants[name]) return `${name}: holds`;
  if (name === 'no_oversell') return `${name}: broken, ${fmtNum(s.tickets.oversold, 0)} oversold`;
  if (name === 'ledger') return `${name}: broken, ${fmtNum(s.users.double_holders, 0)} users hold two tickets (or one told of a sale holds none)`;
  return `${name}: broken, the ticket hash, the grants and the apps' sales do not add up`;
}

export function invariantVerdicts(s: Summary): string[] {
  const names: (keyof Summary['invariants'])[] = ['no_oversell', 'ledger', 'conservation'];
  return names.map((n) => invariantVerdict(s, n));
}

/** Does this what-if run hold itself to the scenario's expect: block? */
export function expectationsApply(s: Summary): boolean {
  return s.what_if === undefined || s.what_if.expectations_apply;
}

/** One broken expectation; on an invariant, in words ("expected broken, but it holds"). */
export function expectationVerdict(path: string, r: Summary['expect'][string]): string {
  if (path.startsWith('invariants.') && (r.want === '0' || r.want === '1') && (r.value === 0 || r.value === 1)) {
    const want = r.want === '1' ? 'to hold' : 'broken';
    const got = r.value === 1 ? 'it holds' : 'it is broken';
    return `${path}: expected ${want}, but ${got}`;
  }
  return `${path}: want ${r.want}, got ${r.value === null ? 'nothing (missing)' : String(r.value)}`;
}
