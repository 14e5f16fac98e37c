// `sim optimize` below the CLI: the hand-worked buffer n/(n-1) when one of n equal servers is dead
// from the start, bisection against a brute-force grid on a monotone random case, the grid and
// refinement on a constraint that is not monotone and on two parameters, and the flags' parsing.
import { writeFileSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildOptimize } from '../src/cli/optimize.js';
import { parseAxis, parseSubject } from '../src/cli/optimize-args.js';
import { UsageError } from '../src/cli/errors.js';
import { judgePoint, type PointVerdict } from '../src/study/optimize-judge.js';
import { axisCount, axisText } from '../src/study/optimize-plan.js';
import { type OptimizeOutcome, runOptimize } from '../src/study/optimize-run.js';
import { search } from '../src/study/optimize-search.js';
import { replicationSeed } from '../src/study/sweep-plan.js';
import type { Executor } from '../src/study/sweep-run.js';
import { type RunResult, runStudyTask } from '../src/study/sweep-worker.js';

const inline: Executor = async (tasks, each) =>
  tasks.map((t, i) => {
    const r = runStudyTask(t);
    each(i, r);
    return r;
  });

const FIXTURE = 'test/fixtures/optimize-one-dead.yaml';
const dir = mkdtempSync(path.join(tmpdir(), 'sim-optimize-'));

type Args = Parameters<typeof buildOptimize>[0];
const args = (over: Partial<Args>): Args => ({ file: FIXTURE, replications: 2, confidence: 0.95, ...over });

async function optimize(over: Partial<Args>): Promise<OptimizeOutcome> {
  const { spec, configure } = buildOptimize(args(over));
  return runOptimize({ spec, execute: inline, code: 'test', configure });
}

const valueOfOrder = (o: OptimizeOutcome, ranks: number[] | null): string | undefined =>
  ranks === null ? undefined : o.configurations[o.search.evaluated.find((e) => e.ranks.join() === ranks.join())?.order ?? -1]?.values[0];

describe('the hand-worked case: n equal servers, one dead from the start, needs buffer n/(n-1)', () => {
  // n = 5, inventory 1000: buffer b gives floor(1000 b) local tickets, 200 b per server, and the
  // four live servers sell 800 b at most. unsold = 1000 - 4 floor(200 b) (never below 0):
  // b = 1.25 -> 0; 1.24 -> 8; 1.23 -> 16; 1.21 -> 32; 1.18 -> 56; 1.12 -> 104; 1.00 -> 200.
  test('unsold <= 0: buffer 1.25 = 5/4, and 1.24 (8 unsold) decided it; bisection after a monotone probe', async () => {
    const o = await optimize({ minimize: ['app.local_stock.buffer=1..2'], subject: ['tickets.unsold <= 0'] });
    expect(o.search.method).toBe('bisection');
    expect(valueOfOrder(o, o.search.answer)).toBe('1.25');
    expect(valueOfOrder(o, o.search.neighbour)).toBe('1.24');
    // the probe (1, 1.25, 1.5, 1.75, 2), then bisection of ranks 0..25: 12, 18, 21, 23, 24
    expect(o.configurations.map((c) => c.values[0])).toEqual(['1', '1.25', '1.5', '1.75', '2', '1.12', '1.18', '1.21', '1.23', '1.24']);
    const unsold = o.search.evaluated.map((e) => e.verdict.subjects[0]?.mean);
    expect(unsold).toEqual([200, 0, 0, 0, 0, 104, 56, 32, 16, 8]);
    expect(o.runs.length).toBe(20);
    expect(o.search.notes[0]).toMatch(/^monotone: tickets.unsold falls over 10 evaluated points/);
  });

  test('unsold < 1 % of the inventory (< 10): buffer 1.24 (8 unsold), since 1.23 leaves 16', async () => {
    const o = await optimize({ minimize: ['app.local_stock.buffer=1..2'], subject: ['tickets.unsold < 1%'] });
    expect(valueOfOrder(o, o.search.answer)).toBe('1.24');
    expect(valueOfOrder(o, o.search.neighbour)).toBe('1.23');
    const answer = o.search.evaluated.find((e) => e.ranks.join() === o.search.answer?.join());
    expect(answer?.verdict.subjects[0]).toMatchObject({ mean: 8, threshold: 10, bound: 8, holds: true });
  });

  test('n = 4, inventory 1200: 4/3 rounds up to 1.34 at step 0.01 (1.33 leaves 1200 - 3 x 399 = 3)', async () => {
    const text = readFileSync(FIXTURE, 'utf8')
      .replace('inventory: 1000', 'inventory: 1200')
      .replace('      - { name: app5, weight: 1 }\n', '');
    const file = path.join(dir, 'four.yaml');
    writeFileSync(file, text);
    const o = await optimize({ file, minimize: ['app.local_stock.buffer=1..2'], subject: ['tickets.unsold < 1'], replications: 2 });
    expect(valueOfOrder(o, o.search.answer)).toBe('1.34');
    expect(valueOfOrder(o, o.search.neighbour)).toBe('1.33');
    expect(o.search.evaluated.find((e) => o.configurations[e.order]?.values[0] === '1.33')?.verdict.subjects[0]?.mean).toBe(3);
  });

  test('nothing feasible in the range: no answer', async () => {
    const o = await optimize({ minimize: ['app.local_stock.buffer=1..1.2'], subject: ['tickets.unsold <= 0'], replications: 2 });
    expect(o.search.answer).toBeNull();
    expect(o.search.method).toBe('bisection');
  });
});

describe('bisection against a brute-force grid', () => {
  // random: exponential service and two of four servers dying at random times, so replications
  // differ; the constraint is on the interval's upper bound, not on the mean
  const RANDOM = `name: random-two-die
seed: 5
tickets: { inventory: 400, script: fixed }
users:
  load:
    open: { users: 1500, rate: 20k/s }
app:
  local_stock: { buffer: 1.2 }
  local_check: exact
  service_time: { exp: 50us }
faults:
  - { random_kill: { count: 2, among: [app1, app2, app3, app4], between: [5ms, 40ms] } }
`;

  test('the same answer as evaluating every value of the grid, with far fewer values', async () => {
    const file = path.join(dir, 'random.yaml');
    writeFileSync(file, RANDOM);
    const over = { file, minimize: ['app.local_stock.buffer=1..2.2'], step: ['0.1'], subject: ['tickets.unsold < 2%'], replications: 3 };
    const o = await optimize(over);
    expect(o.search.method).toBe('bisection');
    const { spec, configure } = buildOptimize(args(over));
    const axis = spec.axes[0];
    if (axis === undefined) throw new Error('no axis');
    // brute force: every value of the grid, each judged the same way
    const all: { value: string; verdict: PointVerdict }[] = [];
    for (let i = 0; i < axisCount(axis); i++) {
      const c = configure([axisText(axis, i)]);
      const results = [1, 2, 3].map((r) => runStudyTask({ file, set: c.set, seed: seedOf(r), paths: spec.metrics, key: '' /* run here, neither cached nor queued */ }));
      all.push({ value: axisText(axis, i), verdict: judgePoint(spec.subjects, results, 0.95) });
    }
    const feasible = all.map((a) => a.verdict.feasible);
    // the precondition: the grid is monotone (infeasible, then feasible)
    expect(feasible.indexOf(true)).toBeGreaterThan(0);
    expect(feasible.slice(feasible.indexOf(true)).every(Boolean)).toBe(true);
    expect(valueOfOrder(o, o.search.answer)).toBe(all[feasible.indexOf(true)]?.value);
    expect(o.search.evaluated.length).toBeLessThanOrEqual(5 + Math.ceil(Math.log2(axisCount(axis))));
    expect(axisCount(axis)).toBe(13);
  });
});

// replication r's seed, as the study gives it
const seedOf = (r: number): number => replicationSeed(5, r);

/** A verdict with one subject whose mean is `m`, feasible when `ok`. */
function verdict(m: number, ok: boolean): PointVerdict {
  return {
    feasible: ok,
    subjects: [{ metric: 'm', want: 'm < 0', n: 2, missing: 0, mean: m, ci_lo: m, ci_hi: m, half_width: 0, bound: m, threshold: 0, holds: ok }],
  };
}

describe('a subject holds on the bound of the interval on the unfavourable side, not on the mean', () => {
  // unsold 0, 10, 20: mean 10, sd 10, t(0.975, 2) = 4.303, half-width 4.303 x 10 / sqrt 3 = 24.84
  const runs: RunResult[] = [0, 10, 20].map((u) => ({ metrics: { 'tickets.unsold': u, 'tickets.inventory': 1000 }, invariants: { no_oversell: true, ledger: true, conservation: true }, fingerprint: '0' }));
  test.each([
    ['tickets.unsold < 30', 34.84, 30, false], // the mean 10 is below 30, the upper bound is not
    ['tickets.unsold < 3.5%', 34.84, 35, true], // 3.5 % of 1000
    ['tickets.unsold > -20', -14.84, -20, true], // the lower bound for >
    ['tickets.unsold >= -10', -14.84, -10, false],
  ])('%s: bound %f against %f', (text, bound, threshold, holds) => {
    const v = judgePoint([parseSubject(text)], runs, 0.95);
    expect(v.subjects[0]?.bound).toBeCloseTo(bound, 2);
    expect(v.subjects[0]?.threshold).toBe(threshold);
    expect(v.feasible).toBe(holds);
  });

  test('a run without a value (never sold out) fails the subject', () => {
    const v = judgePoint([parseSubject('sell_out_ms < 1000')], runs.slice(0, 2).map((r, i) => ({ ...r, metrics: { sell_out_ms: i === 0 ? 50 : null } })), 0.95);
    expect(v.subjects[0]).toMatchObject({ n: 1, missing: 1, holds: false });
  });
});

describe('the search when bisection does not apply', () => {
  test('not monotone (feasible only in the middle): a grid of 11, refined to the best feasible rank 40', async () => {
    const asked: number[][] = [];
    const r = await search({ counts: [101], valueAt: (k) => ({ x: k, text: String(k) }) }, async (batch) => {
      asked.push(...batch.map((b) => [...b]));
      return batch.map(([k = 0]) => verdict(Math.abs(k - 50), k >= 40 && k <= 60));
    });
    expect(r.method).toBe('grid');
    expect(r.notes[0]).toMatch(/^not monotone: m (falls|rises) from/);
    expect(r.answer).toEqual([40]);
    expect(r.neighbour).toEqual([39]);
    // probe 0 25 50 75 100; grid 0 10 ... 100 (new: 10 20 30 40 60 70 80 90); then 31..39
    expect(asked.length).toBe(5 + 8 + 9);
  });

  test('two parameters: a 5 x 5 grid and refinement; the first parameter decides, then the second', async () => {
    const r = await search({ counts: [21, 21], valueAt: (k) => ({ x: k, text: String(k) }) }, async (batch) =>
      batch.map(([a = 0, b = 0]) => verdict(-(a + b), a + b >= 10)),
    );
    expect(r.method).toBe('grid');
    expect(r.answer).toEqual([0, 10]);
    // the refinement: a = 0, b in 5..10 -> 5 6 8 9 10, of which 6, 8 and 9 are new
    expect(r.evaluated.length).toBe(25 + 3);
  });
});

describe('flags', () => {
  test('a range with units: the smaller unit, and a default step of a power of ten near a hundredth', () => {
    const a = parseAxis('maximize', 'users.load.open.rate=10k/s..1M/s', undefined);
    expect(a).toMatchObject({ key: 'users.load.open.rate', unit: 'k/s', lo: 10, hi: 1000, step: 1, decimals: 0 });
    expect(axisCount(a)).toBe(991);
    expect(axisText(a, 990)).toBe('1000k/s');
    const b = parseAxis('minimize', 'app.local_stock.buffer=1..2', undefined);
    expect([b.lo, b.hi, b.step, b.decimals]).toEqual([100, 200, 1, 2]);
    const c = parseAxis('minimize', 'redis.latency=500us..2ms', '250us');
    expect([c.unit, c.lo, c.hi, c.step, axisCount(c)]).toEqual(['us', 500, 2000, 250, 7]);
    // hi is always a candidate, off the step's grid or not
    const d = parseAxis('minimize', 'x=1..2', '0.3');
    expect(Array.from({ length: axisCount(d) }, (_, i) => axisText(d, i))).toEqual(['1', '1.3', '1.6', '1.9', '2']);
  });

  test('subjects: < <= > >=, and % of the inventory for tickets.* only', () => {
    expect(parseSubject('tickets.unsold < 1%')).toEqual({ metric: 'tickets.unsold', op: 'lt', value: 1, percent: true, raw: 'tickets.unsold < 1%' });
    expect(parseSubject('latency_ms.p99<200')).toMatchObject({ op: 'lt', value: 200, percent: false });
    expect(parseSubject('users.succeeded >= 900')).toMatchObject({ op: 'ge', value: 900 });
    expect(() => parseSubject('latency_ms.p99 == 200')).toThrow('== cannot be met by a confidence bound');
    expect(() => parseSubject('latency_ms.p99 < 1%')).toThrow('it applies to tickets.* metrics only');
    expect(() => parseSubject('p99 below 200')).toThrow(UsageError);
    expect(() => parseAxis('minimize', 'x=2..1', undefined)).toThrow('hi must be at least lo');
    expect(() => parseAxis('minimize', 'x=1s..2k/s', undefined)).toThrow('quantities of one kind');
    expect(() => parseAxis('minimize', 'x=1..2', '0')).toThrow('the step must be above 0');
    expect(() => parseAxis('minimize', 'x=1..2', '1e-9')).toThrow('is not a number');
  });
});
