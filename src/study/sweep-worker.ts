// One run of a study: load the configuration, run it with the replication's seed, keep the
// metrics. Runs in a piscina worker thread (the default export) or inline (runStudyTask). A thread
// imports the model once and runs many tasks; the result depends only on the task.
import { metricAt } from './sweep-metrics.js';
import { runScenario } from '../model/stack.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';

export type StudyTask = {
  file: string;
  set: string[]; // the user's --set flags, then this configuration's
  seed: number;
  paths: string[]; // the summary paths to keep
};

export type RunResult = {
  metrics: Record<string, number | null>;
  invariants: { no_oversell: boolean; ledger: boolean; conservation: boolean };
  fingerprint: string;
};

// A configuration is loaded once per thread; its runs differ only in the seed.
const loaded = new Map<string, Scenario>();

function scenarioOf(task: StudyTask): Scenario {
  const key = JSON.stringify([task.file, task.set]);
  let s = loaded.get(key);
  if (s === undefined) {
    if (loaded.size >= 64) loaded.clear();
    s = loadScenario(task.file, { set: task.set });
    loaded.set(key, s);
  }
  return { ...s, seed: task.seed };
}

export function runStudyTask(task: StudyTask): RunResult {
  const sum = runScenario(scenarioOf(task)).report.summary;
  const metrics: Record<string, number | null> = {};
  for (const p of task.paths) metrics[p] = metricAt(sum, p) ?? null;
  const { no_oversell, ledger, conservation } = sum.invariants;
  return { metrics, invariants: { no_oversell, ledger, conservation }, fingerprint: sum.fingerprint };
}

export default function run(task: StudyTask): RunResult {
  return runStudyTask(task);
}
