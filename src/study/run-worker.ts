// The sweep's worker thread: runs a configuration the main thread already resolved, so a thread
// imports the model (not the YAML loader) and never loads a configuration again. A task given as a
// file and --set flags (sim optimize's) loads its scenario here, the loader imported on first need.
// A run that throws is a result too (its error line), so one bad run does not end a study.
import { metricAt } from './sweep-metrics.js';
import { type RunOutput, runScenario } from '../model/stack.js';
import type { Scenario } from '../scenario/types.js';
import type { StudyTask } from './sweep-worker.js';

/** A run of a resolved scenario: as the sweep loaded it, or as a queue job carries it. */
export type ResolvedTask = { scenario: Scenario; seed: number; paths: string[] };

export type RunResult = {
  metrics: Record<string, number | null>;
  invariants: { no_oversell: boolean; ledger: boolean; conservation: boolean };
  fingerprint: string;
  error?: string; // the run threw: its first line (metrics are null, invariants false)
};

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

export default async function run(task: StudyTask | ResolvedTask): Promise<RunResult> {
  if ('scenario' in task) return runResolved(task.scenario, task.seed, task.paths);
  const { runStudyTask } = await import('./sweep-worker.js');
  return runStudyTask(task);
}
