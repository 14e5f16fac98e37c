// One run of a study: load the configuration, run it with the replication's seed, keep the
// metrics. Runs in a piscina worker thread (the default export), inline (runStudyTask), or in
// `sim worker` on a resolved scenario taken from the queue (runResolved). A thread imports the
// model once and runs many tasks; the result depends only on the task. A run that throws is a
// result too (its error line), so one bad run does not end a study.
import { metricAt } from './sweep-metrics.js';
import { type RunOutput, runScenario } from '../model/stack.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';

export type StudyTask = {
  file: string;
  set: string[]; // the user's --set flags, then this configuration's
  seed: number;
  paths: string[]; // the summary paths to keep
  key: string; // the run's content address (see runKey)
};

/** A run taken from the queue: the scenario already resolved, as the sweep loaded it. */
export type ResolvedTask = { scenario: Scenario; seed: number; paths: string[] };

export type RunResult = {
  metrics: Record<string, number | null>;
  invariants: { no_oversell: boolean; ledger: boolean; conservation: boolean };
  fingerprint: string;
  error?: string; // the run threw: its first line (metrics are null, invariants false)
};

// A configuration is loaded once per thread; its runs differ only in the seed.
const loaded = new Map<string, Scenario>();

function scenarioOf(task: StudyTask): Scenario {
  return loadedScenario(task.file, task.set);
}

/** The scenario at `file` with `set`, loaded once per thread (the gate's worker shares the cache). */
export function loadedScenario(file: string, set: readonly string[]): Scenario {
  const key = JSON.stringify([file, set]);
  let s = loaded.get(key);
  if (s === undefined) {
    if (loaded.size >= 64) loaded.clear();
    s = loadScenario(file, { set: [...set] });
    loaded.set(key, s);
  }
  return s;
}

/** `Name: first line` of whatever a run threw. */
export function errorLine(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.split('\n')[0] ?? text;
}

/** The result of a run that threw: no metrics, no invariant known to hold. */
export function crashedResult(error: string, paths: readonly string[]): RunResult {
  const metrics: Record<string, number | null> = {};
  for (const p of paths) metrics[p] = null;
  return { metrics, invariants: { no_oversell: false, ledger: false, conservation: false }, fingerprint: '', error };
}

/** Runs a resolved scenario with this seed and keeps the metrics at `paths`. */
export function runResolved(s: Scenario, seed: number, paths: readonly string[]): RunResult {
  let out: RunOutput;
  try {
    out = runScenario({ ...s, seed });
  } catch (e) {
    return crashedResult(errorLine(e), paths);
  }
  const sum = out.report.summary;
  const metrics: Record<string, number | null> = {};
  for (const p of paths) metrics[p] = metricAt(sum, p) ?? null;
  const { no_oversell, ledger, conservation } = sum.invariants;
  return { metrics, invariants: { no_oversell, ledger, conservation }, fingerprint: sum.fingerprint };
}

export function runStudyTask(task: StudyTask): RunResult {
  return runResolved(scenarioOf(task), task.seed, task.paths);
}

export default function run(task: StudyTask | ResolvedTask): RunResult {
  return 'scenario' in task ? runResolved(task.scenario, task.seed, task.paths) : runStudyTask(task);
}
