// One run of a study given as a scenario file and --set flags: load the configuration (once per
// thread), run it with the replication's seed, keep the metrics. Runs in a piscina worker thread
// (the default export: `sim worker`, the gate), inline (runStudyTask), or on a resolved scenario
// (runResolved, from ./run-worker.ts, which the sweep's own threads run). The result depends only
// on the task.
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { type ResolvedTask, type RunResult, runResolved } from './run-worker.js';

export { crashedResult, errorLine, type ResolvedTask, type RunResult, runResolved } from './run-worker.js';

export type StudyTask = {
  file: string;
  set: string[]; // the user's --set flags, then this configuration's
  seed: number;
  paths: string[]; // the summary paths to keep
  key: string; // the run's content address (see runKey)
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

export function runStudyTask(task: StudyTask): RunResult {
  return runResolved(scenarioOf(task), task.seed, task.paths);
}

export default function run(task: StudyTask | ResolvedTask): RunResult {
  return 'scenario' in task ? runResolved(task.scenario, task.seed, task.paths) : runStudyTask(task);
}
