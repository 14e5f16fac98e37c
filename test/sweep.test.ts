// Studies, below the CLI: the Student-t quantile against printed tables, intervals worked out by
// hand, --vary parsing, replication seeds (common random numbers), shards, and adaptive
// precision's stopping rule (the same runs whatever order the executor finishes them in).
import fc from 'fast-check';
import { expandRange, parsePrecision, parseShard, parseVary, splitTopLevel } from '../src/cli/sweep-args.js';
import { sampleStats, tCdf, tQuantile } from '../src/study/stats.js';
import { crossProduct, replicationSeed, type RunRecord, shardSlice, type StudySpec } from '../src/study/sweep-plan.js';
import { type Executor, runStudy } from '../src/study/sweep-run.js';
import type { RunResult, StudyTask } from '../src/study/sweep-worker.js';
import { confidenceInterval } from './support/stats.js';

describe('Student t quantile', () => {
  // two-sided 95 % (p = 0.975), from the t table in any statistics textbook, 3 decimals
  const T975: [number, number][] = [
    [1, 12.706], [2, 4.303], [3, 3.182], [4, 2.776], [5, 2.571], [6, 2.447], [7, 2.365], [8, 2.306], [9, 2.262], [10, 2.228],
    [15, 2.131], [20, 2.086], [25, 2.06], [30, 2.042], [40, 2.021], [60, 2.0], [120, 1.98],
  ];
  test.each(T975)('t(0.975, %i) = %f', (df, t) => {
    expect(tQuantile(0.975, df)).toBeCloseTo(t, 3);
  });

  test('other levels: 90 % and 99 % two-sided, from the table', () => {
    expect(tQuantile(0.95, 10)).toBeCloseTo(1.812, 3);
    expect(tQuantile(0.95, 1)).toBeCloseTo(6.314, 3);
    expect(tQuantile(0.995, 5)).toBeCloseTo(4.032, 3);
    expect(tQuantile(0.995, 1)).toBeCloseTo(63.657, 3);
    expect(tQuantile(0.995, 30)).toBeCloseTo(2.75, 3);
  });

  test('symmetric, 0 at the median, and large df tends to the normal 1.95996', () => {
    expect(tQuantile(0.5, 7)).toBe(0);
    expect(tQuantile(0.025, 7)).toBe(-tQuantile(0.975, 7));
    expect(tQuantile(0.975, 100000)).toBeCloseTo(1.95996, 4);
  });

  test('property: the CDF of the quantile gives p back', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.integer({ min: 1, max: 500 }), (p, df) => {
        expect(tCdf(tQuantile(p, df), df)).toBeCloseTo(p, 9);
      }),
      { seed: 12, numRuns: 200 },
    );
  });
});

describe('sample statistics', () => {
  test('1..5 by hand: mean 3, sd sqrt(2.5), half-width 2.776 x 1.5811 / sqrt(5) = 1.9632', () => {
    const s = sampleStats([1, 2, 3, 4, 5], 0.95);
    expect(s.n).toBe(5);
    expect(s.mean).toBe(3);
    expect(s.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(s.half_width).toBeCloseTo(1.9632, 3);
    expect(s.ci_lo).toBeCloseTo(1.0368, 3);
    expect(s.ci_hi).toBeCloseTo(4.9632, 3);
    expect([s.min, s.max]).toEqual([1, 5]);
  });

  test('agrees with the tabulated interval of the theory tests', () => {
    const xs = [12.5, 11.9, 13.1, 12.2, 12.8, 12.0, 13.4];
    const mine = sampleStats(xs, 0.95);
    const table = confidenceInterval(xs);
    expect(mine.mean).toBeCloseTo(table.mean, 12);
    expect(mine.half_width).toBeCloseTo(table.halfWidth, 3);
  });

  test('nulls are left out; one value has no spread; none has no mean', () => {
    expect(sampleStats([null, 4, null], 0.95)).toEqual({ n: 1, mean: 4, sd: null, ci_lo: null, ci_hi: null, half_width: null, min: 4, max: 4 });
    expect(sampleStats([null], 0.95).mean).toBeNull();
    expect(sampleStats([7, 7, 7], 0.95)).toMatchObject({ sd: 0, half_width: 0, ci_lo: 7, ci_hi: 7 });
  });
});

describe('--vary, --precision, --shard', () => {
  test('lists split at top-level commas only', () => {
    expect(splitTopLevel('1,2, 3')).toEqual(['1', '2', '3']);
    expect(splitTopLevel('[1,2],[3,4],"a,b"')).toEqual(['[1,2]', '[3,4]', '"a,b"']);
    expect(parseVary('app.local_stock.buffer=1.0,1.1')).toEqual({ key: 'app.local_stock.buffer', values: ['1.0', '1.1'] });
  });

  test('ranges are decimal, both ends included, units kept', () => {
    expect(expandRange('1..1.5:0.1', 'x')).toEqual(['1', '1.1', '1.2', '1.3', '1.4', '1.5']);
    expect(expandRange('1..1.25:0.1', 'x')).toEqual(['1', '1.1', '1.2']);
    expect(expandRange('100ms..300ms:100ms', 'x')).toEqual(['100ms', '200ms', '300ms']);
    expect(expandRange('10k/s..30k/s:10', 'x')).toEqual(['10k/s', '20k/s', '30k/s']);
    expect(expandRange('1,2', 'x')).toBeNull();
    expect(() => expandRange('1..2:0', 'x')).toThrow('the step must be above 0');
    expect(() => expandRange('3..2:1', 'x')).toThrow('hi must be at least lo');
    expect(() => expandRange('1ms..2s:1ms', 'x')).toThrow('same unit');
  });

  test('bad --vary, --precision and --shard values', () => {
    expect(() => parseVary('nokey')).toThrow('--vary nokey: expected key=v1,v2,... or key=lo..hi:step');
    expect(() => parseVary('seed=1,2')).toThrow('replications vary the seed');
    expect(() => parseVary('a=1,,2')).toThrow('an empty value');
    expect(() => parseVary('a=1,1')).toThrow('1 is listed twice');
    expect(parsePrecision('tickets.unsold=±50')).toEqual({ metric: 'tickets.unsold', half_width: 50, relative: false });
    expect(parsePrecision('latency_ms.p99=+-2%')).toEqual({ metric: 'latency_ms.p99', half_width: 0.02, relative: true });
    expect(() => parsePrecision('tickets.nope=±1')).toThrow('unknown metric tickets.nope');
    expect(() => parsePrecision('tickets.unsold=±0')).toThrow('above 0');
    expect(parseShard('3/8')).toEqual({ index: 3, count: 8 });
    expect(() => parseShard('8/8')).toThrow('0 <= I < N');
    expect(() => parseShard('1/0')).toThrow('0 <= I < N');
  });
});

describe('plan', () => {
  test('cross product: the first parameter varies slowest', () => {
    expect(crossProduct([{ key: 'a', values: ['1', '2'] }, { key: 'b', values: ['x', 'y', 'z'] }])).toEqual([
      ['1', 'x'], ['1', 'y'], ['1', 'z'], ['2', 'x'], ['2', 'y'], ['2', 'z'],
    ]);
    expect(crossProduct([])).toEqual([[]]);
  });

  test('replication 1 keeps the scenario seed; the others are distinct 32-bit seeds derived from (seed, r)', () => {
    expect(replicationSeed(7, 1)).toBe(7);
    const seeds = Array.from({ length: 1000 }, (_, i) => replicationSeed(7, i + 1));
    expect(new Set(seeds).size).toBe(1000);
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
    expect(replicationSeed(7, 2)).toBe(replicationSeed(7, 2));
    expect(replicationSeed(7, 2)).not.toBe(replicationSeed(8, 2));
  });

  test('shards: every run in exactly one shard, the slices interleaved', () => {
    const runs = Array.from({ length: 10 }, (_, i) => i);
    expect(shardSlice(runs, 0, 3)).toEqual([0, 3, 6, 9]);
    expect(shardSlice(runs, 2, 3)).toEqual([2, 5, 8]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 9 }), (n, k) => {
        const xs = Array.from({ length: n }, (_, i) => i);
        const all = Array.from({ length: k }, (_, i) => shardSlice(xs, i, k)).flat().sort((a, b) => a - b);
        expect(all).toEqual(xs);
      }),
      { seed: 3 },
    );
  });
});

describe('adaptive precision', () => {
  const spec = (precision: StudySpec['precision'], replications: number, max: number): StudySpec => ({
    scenario: 'fake',
    file: 'fake.yaml',
    scenario_sha256: '',
    version: '0',
    commit: null,
    command: '',
    base_seed: 1,
    parameters: [{ key: 'k', values: ['steady', 'noisy'] }],
    configurations: [
      { index: 0, values: ['steady'], set: ['k=steady'], scenario_hash: 'a' },
      { index: 1, values: ['noisy'], set: ['k=noisy'], scenario_hash: 'b' },
    ],
    metrics: ['m'],
    confidence: 0.95,
    replications,
    precision,
    max_replications: max,
  });
  // steady: always 5; noisy: 0 and 100 by turns, whatever the seed (replication r by seed order)
  const fake = (t: StudyTask): RunResult => {
    const r = Array.from({ length: 64 }, (_, i) => replicationSeed(1, i + 1)).indexOf(t.seed) + 1;
    return { metrics: { m: t.set.includes('k=steady') ? 5 : r % 2 === 0 ? 100 : 0 }, invariants: { no_oversell: true, ledger: true, conservation: true }, fingerprint: String(r) };
  };
  const inOrder: Executor = async (tasks) => tasks.map(fake);
  // finishes the tasks in reverse order, each after a different delay
  const shuffled: Executor = (tasks) => Promise.all(tasks.map((t, i) => new Promise<RunResult>((res) => setTimeout(() => res(fake(t)), (tasks.length - i) % 7))));
  const shape = (runs: RunRecord[]) => runs.map((r) => `${r.config}:${r.replication}`);

  test('by hand: steady stops after the first 3 (sd 0); noisy goes 3 -> 6 -> 12 (at most doubling) and stops at the maximum', async () => {
    // noisy after 3: [0, 100, 0], sd 57.7, t(0.975, 2) = 4.303: half-width 143 > 10; the sd asks for
    // (4.303 x 57.7 / 10)^2 = 617 runs, capped at twice 3; then twice 6 = 12 = the maximum
    const rounds: number[] = [];
    const out = await runStudy({ spec: spec([{ metric: 'm', half_width: 10, relative: false }], 3, 12), execute: inOrder, code: 'x', onRound: (n) => rounds.push(n) });
    expect(rounds).toEqual([6, 3, 6]);
    expect(out.runs.filter((r) => r.config === 0).length).toBe(3);
    expect(out.runs.filter((r) => r.config === 1).map((r) => r.replication)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(out.executed).toBe(15);
  });

  test('the same runs, in the same order, however the executor finishes them', async () => {
    const sp = spec([{ metric: 'm', half_width: 0.2, relative: true }], 2, 20);
    const a = await runStudy({ spec: sp, execute: inOrder, code: 'x' });
    const b = await runStudy({ spec: sp, execute: shuffled, code: 'x' });
    expect(shape(b.runs)).toEqual(shape(a.runs));
    expect(b.runs).toEqual(a.runs);
  });
});
