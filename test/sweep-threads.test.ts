// How a sweep keeps two cores busy without changing a byte: runs go to their threads resolved (no
// thread loads a configuration again), the largest first, results in task order; the first thread
// left without a run is announced once (the charts start there); the chart thread draws the bytes
// sweepCharts draws in process.
import path from 'node:path';
import type * as SweepCli from '../src/cli/sweep.js';
import type * as ChartThread from '../src/study/sweep-chart-thread.js';
import { loadScenario } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { runResolved } from '../src/study/run-worker.js';
import { sweepCharts } from '../src/study/sweep-charts.js';
import { studyStats } from '../src/study/sweep-output.js';
import { longestFirst, runCost, type RunRecord, type StudySpec } from '../src/study/sweep-plan.js';
import type { RunResult, StudyTask } from '../src/study/sweep-worker.js';
import { scratch, SMALL_STUDY_YAML } from './support/sim-cli.js';

// the thread files exist only in the build (npm test builds first)
const dist = (p: string): string => path.resolve('dist', p);
const SMALL = scratch('sim-sweep-threads-').write('small.yaml', SMALL_STUDY_YAML);
const PATHS = ['tickets.sold', 'users.succeeded', 'users.sold_out', 'users.failed'];

describe('the order runs start in', () => {
  test('largest first; equal sizes keep the study order', () => {
    expect(longestFirst([3, 10, 3, 7])).toEqual([1, 3, 0, 2]);
    expect(longestFirst([5, 5, 5])).toEqual([0, 1, 2]);
    expect(longestFirst([])).toEqual([]);
  });

  test("a run's size: users (open) or requests (closed), times 1 + retries", () => {
    const open = loadScenario(SMALL, { set: ['users.retries=2'] });
    expect(runCost(open)).toBe(1500 * 3);
    const closed = loadScenario(SMALL, { set: ['users.load={ closed: { concurrency: 10, requests: 400 } }'] });
    expect(runCost(closed)).toBe(400 * 1);
  });
});

describe('the sweep executor', () => {
  const task = (set: string[], seed: number): StudyTask => ({ file: SMALL, set, seed, paths: PATHS, key: `${set.join()}/${seed}` });
  const withUsers = (n: number): Scenario => loadScenario(SMALL, { set: [`users.load.open.users=${n}`] });

  test('two threads: the largest runs start first, results come back in task order, the drained thread is named once', async () => {
    const cli: typeof SweepCli = await import(dist('cli/sweep.js'));
    const small = task(['a'], 1);
    const large = task(['b'], 2);
    const scenarios = new Map<string, Scenario>([
      [cli.taskKey(SMALL, small.set), withUsers(300)],
      [cli.taskKey(SMALL, large.set), withUsers(15000)],
    ]);
    const tasks = [small, large, { ...small, seed: 3 }, { ...large, seed: 4 }];
    const pool = cli.executor(2, () => undefined, scenarios);
    const came: number[] = [];
    const drainedAt: number[] = [];
    pool.onDrained?.(() => drainedAt.push(came.length));
    let results: RunResult[];
    try {
      results = await pool.execute(tasks, (i) => came.push(i));
    } finally {
      await pool.close();
    }
    // the two large runs hold both threads; a small one can start only when one of them ends
    expect([1, 3]).toContain(came[0]);
    // with 4 runs on 2 threads, the 3rd to end leaves its thread with nothing to take
    expect(drainedAt).toEqual([3]);
    const expected = tasks.map((t) => runResolved(scenarios.get(cli.taskKey(SMALL, t.set)) as Scenario, t.seed, PATHS));
    expect(results).toEqual(expected);
  });

  test('a thread runs the scenario resolved here, not its file again; one worker gives the same results', async () => {
    const cli: typeof SweepCli = await import(dist('cli/sweep.js'));
    const t = task([], 9);
    // the map says 2,000 users; the file says 1,500
    const scenarios = new Map([[cli.taskKey(SMALL, []), withUsers(2000)]]);
    const users = (r: RunResult | undefined) => ['users.succeeded', 'users.sold_out', 'users.failed'].reduce((a, m) => a + (r?.metrics[m] ?? 0), 0);
    for (const workers of [1, 2]) {
      const pool = cli.executor(workers, () => undefined, scenarios);
      try {
        const [r] = await pool.execute([t], () => undefined);
        expect([workers, users(r)]).toEqual([workers, 2000]);
      } finally {
        await pool.close();
      }
    }
  });
});

describe('the chart thread', () => {
  test("draws sweepCharts' bytes, for one and two parameters", async () => {
    const mod: typeof ChartThread = await import(dist('study/sweep-chart-thread.js'));
    const thread = mod.startSweepChartThread();
    try {
      for (const params of [[{ key: 'app.local_stock.buffer', values: ['1', '1.1', '1.2'] }], [{ key: 'a.x', values: ['1', '2'] }, { key: 'b.y', values: ['lo', 'hi'] }]]) {
        const values = params.length === 1 ? [['1'], ['1.1'], ['1.2']] : [['1', 'lo'], ['1', 'hi'], ['2', 'lo'], ['2', 'hi']];
        const spec: StudySpec = {
          scenario: 's', file: 'f.yaml', scenario_sha256: '0', version: 'v', commit: null, command: 'sim sweep f.yaml', base_seed: 1,
          parameters: params,
          configurations: values.map((v, index) => ({ index, values: v, set: [], scenario_hash: String(index) })),
          metrics: ['tickets.unsold', 'latency_ms.p99'], confidence: 0.95, replications: 3, precision: [], max_replications: 200,
        };
        const runs: RunRecord[] = spec.configurations.flatMap((c) =>
          [1, 2, 3].map((r) => ({ config: c.index, replication: r, seed: r, result: { metrics: { 'tickets.unsold': 10 * c.index + r, 'latency_ms.p99': r === 2 ? null : 100 / (r + c.index) }, invariants: { no_oversell: true, ledger: true, conservation: true }, fingerprint: 'x' } })),
        );
        const stats = studyStats(spec, runs);
        const here = await sweepCharts(spec, stats);
        const there = await thread.render(spec, stats);
        expect(Object.keys(here).length).toBe(params.length === 1 ? 2 : 6); // with two, a heatmap per metric
        expect(Object.keys(there)).toEqual(Object.keys(here));
        for (const f of Object.keys(here)) expect([f, there[f]]).toEqual([f, here[f]]);
      }
    } finally {
      await thread.close();
    }
  });
});
