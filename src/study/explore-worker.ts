// One seed of `sim explore`: draw the swarm schedule, run, and when something breaks, shrink the
// schedule. Runs in a piscina worker thread (the default export), or inline (exploreSeed). The
// result is small plain JSON and depends only on the task, never on the thread that ran it.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { ddmin } from './shrink.js';
import { type FaultSpec, type KindKnobs, kindsNamed, swarmPlan } from './swarm.js';
import { broken, type CheckResult, describeCheck, judge, runGuarded } from './verdict.js';

export type ExploreTask = {
  file: string;
  set: string[]; // the user's --set flags
  seed: number;
  horizon_us: number; // fault times fall in [0, horizon)
  kinds?: string[]; // the swarm's fault kinds (FAULT_KINDS names); all when absent
  maxProbes?: number;
};

export type ExploreResult = {
  seed: number;
  knobs: KindKnobs[];
  faults: FaultSpec[]; // the drawn schedule
  fingerprint: string;
  // what broke, one line each ("tickets.oversold: wanted 0, got 1"), and whether a run of this
  // seed with no drawn fault breaks it too
  broken: { check: string; name: string; faultFree: boolean }[];
  // when some check broke only because of the faults:
  primary?: string; // the first such check (its name): the one the shrink holds on to
  shrunk?: FaultSpec[];
  probes?: number; // runs spent after the first: the fault-free one and the shrink's
  minimal?: boolean;
};

// a fingerprint pins one seed's run; a swarm changes the seed, so it cannot hold
const SKIP = new Set(['fingerprint']);

/** The faults the file itself lists, as written (the swarm's come after them). */
function fileFaults(file: string): unknown[] {
  const js: unknown = parseDocument(readFileSync(file, 'utf8')).toJS();
  const f = js !== null && typeof js === 'object' ? (js as Record<string, unknown>).faults : undefined;
  return Array.isArray(f) ? f : [];
}

/** The scenario with `faults` appended to its own, and seed `seed`: the loader validates both. */
export function scenarioWith(file: string, set: readonly string[], seed: number, faults: readonly FaultSpec[]): Scenario {
  const all = [...fileFaults(file), ...faults];
  return loadScenario(file, { seed, set: [...set, `faults=${JSON.stringify(all)}`] });
}

function check(s: Scenario): { results: CheckResult[]; fingerprint: string } {
  const r = runGuarded(s);
  if (r.crash) return { results: [r.crash], fingerprint: '' };
  const sum = r.out.report.summary;
  return { results: judge(s, sum, SKIP), fingerprint: sum.fingerprint };
}

const key = (r: CheckResult) => `${r.kind}:${r.name}`;
const label = (r: CheckResult) => (r.kind === 'invariant' ? `invariant ${r.name}` : r.name);

export function exploreSeed(task: ExploreTask): ExploreResult {
  const { file, set, seed } = task;
  const plan = swarmPlan(loadScenario(file, { seed, set }), seed, task.horizon_us, kindsNamed(task.kinds));
  const run = (faults: readonly FaultSpec[]) => check(scenarioWith(file, set, seed, faults));
  const first = run(plan.faults);
  const bad = broken(first.results);
  const result: ExploreResult = { seed, knobs: plan.knobs, faults: plan.faults, fingerprint: first.fingerprint, broken: [] };
  if (bad.length === 0) return result;

  // Which of them the seed breaks without any drawn fault: those need no shrinking.
  const free = plan.faults.length === 0 ? first : run([]);
  const freeBad = new Set(broken(free.results).map(key));
  result.broken = bad.map((r) => ({ check: describeCheck(r), name: label(r), faultFree: freeBad.has(key(r)) }));
  // an invariant first: it says more than a missed expectation
  const inducedAll = bad.filter((r) => !freeBad.has(key(r)));
  const induced = inducedAll.find((r) => r.kind === 'invariant') ?? inducedAll[0];
  if (induced === undefined) return { ...result, probes: plan.faults.length === 0 ? 0 : 1 };

  const primary = key(induced);
  const stillBreaks = (faults: readonly FaultSpec[]) => broken(run(faults).results).some((r) => key(r) === primary);
  const s = ddmin(plan.faults, stillBreaks, task.maxProbes);
  return { ...result, primary: label(induced), shrunk: s.items, probes: s.probes + 1, minimal: s.minimal };
}

export default function run(task: ExploreTask): ExploreResult {
  return exploreSeed(task);
}
