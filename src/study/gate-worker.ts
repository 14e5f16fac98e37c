// One run of `sim check --replications` or `sim compare`: load the scenario (once per thread), run
// it with the given seed, keep what the caller judges or compares. Runs in a piscina worker
// thread (the default export) or inline; the result depends only on the task.
import { loadedScenario } from './sweep-worker.js';
import type { TimeseriesRow } from '../metrics/report-input.js';
import type { Scenario } from '../scenario/types.js';
import { metricAt } from './sweep-metrics.js';
import { type CheckResult, judge, runGuarded } from './verdict.js';

export type GateTask = {
  kind: 'check' | 'compare';
  file: string;
  set: string[];
  seed: number;
  paths: string[]; // compare: the summary paths to keep
  series: boolean; // compare: keep the time series too
};

/** A run's time series, as the overlaid charts draw it. */
export type Series = { bin_ms: number; t_ms: number[]; ok: number[]; sold_total: number[]; arrivals: number[] };

export type GateResult = {
  seed: number;
  crash: CheckResult | null; // the run threw: a finding, not bad input
  values: Record<string, number | string | null>; // check: each expectation's value; compare: each path's
  invariants: CheckResult[]; // check: judged in this run
  fingerprint: string;
  series: Series | null;
};

function scenarioOf(task: GateTask): Scenario {
  return { ...loadedScenario(task.file, task.set), seed: task.seed };
}

function seriesOf(rows: readonly TimeseriesRow[], bin_ms: number): Series {
  return { bin_ms, t_ms: rows.map((r) => r.t_ms), ok: rows.map((r) => r.ok), sold_total: rows.map((r) => r.sold_total), arrivals: rows.map((r) => r.arrivals) };
}

export function runGateTask(task: GateTask): GateResult {
  const s = scenarioOf(task);
  const run = runGuarded(s);
  const base = { seed: task.seed, values: {}, invariants: [], fingerprint: '', series: null };
  if (run.crash) return { ...base, crash: run.crash };
  const { summary } = run.out.report;
  const values: Record<string, number | string | null> = {};
  if (task.kind === 'check') {
    for (const [p, r] of Object.entries(summary.expect)) values[p] = r.value;
  } else {
    for (const p of task.paths) values[p] = metricAt(summary, p) ?? null;
  }
  return {
    seed: task.seed,
    crash: null,
    values,
    invariants: task.kind === 'check' ? judge(s, summary).filter((r) => r.kind === 'invariant') : [],
    fingerprint: summary.fingerprint,
    series: task.series ? seriesOf(run.out.report.timeseries, run.out.report.bin_ms) : null,
  };
}

export default function run(task: GateTask): GateResult {
  return runGateTask(task);
}
