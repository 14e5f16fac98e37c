// Holds one finished run to its scenario: every expectation, and every invariant (no oversell, ledger, conservation).
// Shared by `sim check` and `sim explore`, so both judge a run the same way.
import { UnknownExpectPath } from '../metrics/expect.js';
import type { Summary } from '../metrics/summary.js';
import { TICKET_HASH_KEY, TICKET_SOLD_FIELD, TICKET_TOTAL_FIELD } from '../scenario/inventory-scripts.js';
import { ScriptError } from '../model/redis/lua/errors.js';
import { type RunOutput, runScenario } from '../model/stack.js';
import { ScenarioError } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';

export type CheckResult = {
  kind: 'expect' | 'invariant';
  name: string; // the summary path, or the invariant's name
  want: string;
  got: string;
  held: boolean;
};

/**
 * Expect paths that state an invariant's outcome besides `invariants.<name>` itself: a scenario
 * that pins `tickets.oversold: 1` has said that no_oversell breaks, and by how much.
 */
const STATED_BY: Record<string, readonly string[]> = {
  no_oversell: ['tickets.oversold'],
};

/** Why an invariant broke, in the run's own numbers. */
function invariantDetail(name: string, s: Summary): string {
  const t = s.tickets;
  switch (name) {
    case 'no_oversell':
      return `sold ${t.sold} > inventory ${t.inventory}`;
    case 'ledger':
      return `tickets handed out ${t.sold}, users told success ${s.users.succeeded}, users holding two ${s.users.double_holders}`;
    case 'conservation': {
      const hash = s.tiers.redis.keyspace[TICKET_HASH_KEY];
      const field = (f: string) => (typeof hash === 'object' ? (hash[f] ?? 'gone') : 'gone');
      const confirmed = Object.values(s.tiers.app).reduce((a, x) => a + x.redis_ok, 0);
      return `tickets handed out ${t.sold}; the Redis hash says total ${field(TICKET_TOTAL_FIELD)}, sold ${field(TICKET_SOLD_FIELD)}; confirmed by app servers ${confirmed}`;
    }
    default:
      return 'broken';
  }
}

function show(v: number | string | null): string {
  return v === null ? 'null' : String(v);
}

/**
 * One result per expectation (as evaluated into summary.expect) and one per invariant. An invariant
 * that breaks passes when the expect block states its outcome and that expectation held.
 * `skip` leaves out expectations by path (the fingerprint while it is being rewritten).
 */
export function judge(s: Scenario, sum: Summary, skip: ReadonlySet<string> = new Set()): CheckResult[] {
  const out: CheckResult[] = [];
  for (const e of s.expect) {
    if (skip.has(e.path)) continue;
    const r = sum.expect[e.path];
    if (!r) continue;
    out.push({ kind: 'expect', name: e.path, want: e.raw, got: show(r.value), held: r.held });
  }
  for (const [name, ok] of Object.entries(sum.invariants)) {
    const stating = [`invariants.${name}`, ...(STATED_BY[name] ?? [])].filter((p) => s.expect.some((e) => e.path === p) && !skip.has(p));
    const excused = !ok && stating.length > 0 && stating.every((p) => sum.expect[p]?.held === true);
    out.push({
      kind: 'invariant',
      name,
      want: stating.length > 0 ? `as stated by expect ${stating.join(', ')}` : 'to hold',
      got: ok ? 'holds' : `broken (${invariantDetail(name, sum)})`,
      held: ok || excused,
    });
  }
  return out;
}

export function broken(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => !r.held);
}

/** "tickets.oversold: wanted 0, got 1" or "invariant no_oversell: wanted holds, got broken (...)". */
export function describeCheck(r: CheckResult): string {
  return r.kind === 'expect' ? `${r.name}: wanted ${r.want}, got ${r.got}` : `invariant ${r.name}: wanted ${r.want}, got ${r.got}`;
}

/**
 * Runs `s`. A run that throws is a finding (as in VOPR, a crash under some schedule is a bug),
 * reported as the broken check "invariant run"; bad input is still thrown, for exit code 2.
 */
export function runGuarded(s: Scenario): { out: RunOutput; crash: null } | { out: null; crash: CheckResult } {
  try {
    return { out: runScenario(s), crash: null };
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof ScriptError || e instanceof UnknownExpectPath) throw e;
    const msg = (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split('\n')[0] ?? '';
    return { out: null, crash: { kind: 'invariant', name: 'run', want: 'to finish', got: `threw ${msg}`, held: false } };
  }
}
