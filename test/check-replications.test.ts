// `sim check --replications R`: expectations over runs. "in every run" holds each run (and names
// the first run that broke it, with its seed to replay); "mean OP x at P%" holds the Student-t
// interval of the mean (upper bound for < and <=, lower bound for > and >=). Checked against an
// interval worked by hand, then end to end on the built CLI.
import { readFileSync } from 'node:fs';
import { holdReplicated, type ReplicatedRun } from '../src/study/gate.js';
import type { GateResult } from '../src/study/gate-worker.js';
import { parseExpectation } from '../src/scenario/schema.js';
import type { Expectation } from '../src/scenario/types.js';
import { scratch, sim } from './support/sim-cli.js';

const ex = (path: string, text: string): Expectation => ({ path, line: 1, ...parseExpectation(text, path) });

const run = (replication: number, seed: number, values: Record<string, number | null>, crash = false): ReplicatedRun => {
  const result: GateResult = {
    seed,
    crash: crash ? { kind: 'invariant', name: 'run', want: 'to finish', got: 'threw Error: boom', held: false } : null,
    values,
    invariants: [{ kind: 'invariant', name: 'ledger', want: 'to hold', got: values.x === 16 ? 'broken (x)' : 'holds', held: values.x !== 16 }],
    fingerprint: '',
    series: null,
  };
  return { replication, result };
};

// x over five runs: 10, 12, 14, 16, 18. By hand: mean 14; deviations -4 -2 0 2 4, squares sum 40,
// s^2 = 40/4 = 10, s/sqrt(5) = sqrt(2) = 1.414214. t(0.975, 4) = 2.776445 (tables: 2.776), so the
// 95 % half-width is 3.926486 and the interval 10.073514 to 17.926486; t(0.95, 4) = 2.131847
// gives 3.014887 at 90 %: 10.985113 to 17.014887.
const RUNS = [10, 12, 14, 16, 18].map((x, i) => run(i + 1, 100 + i, { x }));

describe('parsing the forms over runs', () => {
  test('in every run, mean ... at P%, and the default confidence', () => {
    expect(parseExpectation('== 0 in every run')).toEqual({ op: 'eq', a: 0, b: 0, raw: '== 0 in every run', over: 'every' });
    expect(parseExpectation('0 in every run')).toMatchObject({ op: 'eq', a: 0, over: 'every' });
    expect(parseExpectation('mean < 200 at 95%')).toEqual({ op: 'lt', a: 200, b: 200, raw: 'mean < 200 at 95%', over: 'mean', confidence: 0.95 });
    expect(parseExpectation('mean >= 1.5 at 99.9 %')).toMatchObject({ op: 'ge', a: 1.5, over: 'mean', confidence: 0.999 });
    expect(parseExpectation('mean between 1 and 2')).toEqual({ op: 'between', a: 1, b: 2, raw: 'mean between 1 and 2', over: 'mean' });
  });
  test('refused with a one-line reason', () => {
    expect(() => parseExpectation('mean == 3')).toThrow(/never exactly equal/);
    expect(() => parseExpectation('mean 3 at 95%')).toThrow(/never exactly equal/);
    expect(() => parseExpectation('mean < 3 at 100%')).toThrow(/above 0 % and below 100 %/);
    expect(() => parseExpectation('mean < x at 95%')).toThrow(/must compare like .*got "mean < x at 95%"/);
    expect(() => parseExpectation('<= 3 in evry run')).toThrow(/must be a number or a string/);
  });
});

describe('holdReplicated, against the interval worked by hand', () => {
  const one = (text: string, conf = 0.95) => holdReplicated([ex('x', text)], RUNS, conf)[0];
  test('the interval and the bound that decides', () => {
    expect(one('mean < 18 at 95%')).toMatchObject({ held: true, got: 'n=5, mean 14, 95 % CI 10.074 to 17.926: upper bound 17.926 < 18' });
    expect(one('mean < 17.9 at 95%')).toMatchObject({ held: false, got: 'n=5, mean 14, 95 % CI 10.074 to 17.926: upper bound 17.926 is not < 17.9' });
    expect(one('mean > 10 at 95%')?.held).toBe(true);
    expect(one('mean > 10.1 at 95%')?.held).toBe(false);
    expect(one('mean <= 17.926 at 95%')?.held).toBe(false); // 17.926486 > 17.926
    expect(one('mean >= 10.0735 at 95%')?.held).toBe(true); // 10.073514
    expect(one('mean between 10.07 and 17.93')?.held).toBe(true);
    expect(one('mean between 10.08 and 17.93')?.held).toBe(false);
  });
  test('the confidence: "at P%" in the text, else the flag', () => {
    expect(one('mean < 17.5 at 95%')?.held).toBe(false);
    expect(one('mean < 17.5 at 90%')).toMatchObject({ held: true, got: 'n=5, mean 14, 90 % CI 10.985 to 17.015: upper bound 17.015 < 17.5' });
    expect(one('mean < 17.5', 0.9)?.held).toBe(true);
    expect(one('mean < 17.5', 0.95)?.held).toBe(false);
  });
  test('in every run: the first run that broke it, with its seed', () => {
    expect(one('<= 14 in every run')).toMatchObject({
      held: false,
      got: '16 in replication 4 (seed 103); 1 more: replications 5 (2 of 5 runs broke it)',
      replay_seed: 103,
    });
    expect(one('>= 10')).toMatchObject({ held: true, got: 'held in all 5 runs (n=5, mean 14, 95 % CI 10.074 to 17.926; min 10, max 18)', replay_seed: null });
  });
  test('invariants must hold in every run; a crash is a broken run; a mean with a null refuses', () => {
    const [inv] = holdReplicated([], RUNS, 0.95);
    expect(inv).toMatchObject({ name: 'ledger', held: false, got: 'broken (x) in replication 4 (seed 103)', replay_seed: 103 });
    const crashed = holdReplicated([ex('x', 'mean < 100')], [...RUNS.slice(0, 2), run(3, 7, {}, true)], 0.95);
    expect(crashed[0]).toMatchObject({ held: true, got: expect.stringMatching(/^n=2, mean 11,/) });
    expect(crashed.at(-1)).toMatchObject({ name: 'run', held: false, got: 'threw Error: boom in replication 3 (seed 7)', replay_seed: 7 });
    const nulls = holdReplicated([ex('x', 'mean < 100')], [...RUNS.slice(0, 2), run(3, 9, { x: null })], 0.95);
    expect(nulls[0]).toMatchObject({ held: false, got: 'no number (null) in replication 3 (seed 9)', replay_seed: 9 });
  });
});

const { write } = scratch('sim-check-reps-');
const SMALL = write(
  'small.yaml',
  `name: small
seed: 7
tickets: { inventory: 200, script: fixed }
users:
  load:
    open: { users: 1500, rate: 20k/s }
  client_ips: 1000
app:
  local_stock: { buffer: 1.2 }
  local_check: exact
  service_time: { exp: 80us }
faults:
  - { at: 20ms, kill: app4 }
expect:
  tickets.oversold: "== 0 in every run"
  latency_ms.p99: "mean < 30 at 95%"
`,
);

describe('sim check --replications', () => {
  test('exit 0; n, mean and interval per expectation; the same output with 1 and 2 workers', () => {
    const a = sim('check', SMALL, '--replications', '5', '--workers', '1');
    const b = sim('check', SMALL, '--replications', '5', '--workers', '2');
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    expect(a.out).toMatch(/^PASS .*small\.yaml over 5 replications \(seeds 7, 1985418127, \.\.\.\)\n/);
    expect(a.out).toMatch(/ok {3}tickets\.oversold == 0 in every run: held in all 5 runs \(n=5, mean 0, 95 % CI 0 to 0; min 0, max 0\)/);
    expect(a.out).toMatch(/ok {3}latency_ms\.p99 mean < 30 at 95%: n=5, mean [\d.]+, 95 % CI [\d.]+ to [\d.]+: upper bound [\d.]+ < 30/);
  });

  test('exit 1: the broken run is named with a replay that gives the same value', () => {
    const r = sim('check', SMALL, '--replications', '5', '--workers', '2', '--set', 'expect.tickets.sold=">= 200 in every run"', '--junit', `${SMALL}.xml`);
    expect(r.code).toBe(1);
    const m = /FAIL tickets\.sold >= 200 in every run: (\d+) in replication (\d) \(seed (\d+)\)/.exec(r.out);
    expect(m).not.toBeNull();
    const [, got, , seed] = m ?? [];
    expect(r.out).toContain(`replay: sim check ${SMALL} --seed ${seed} --set 'expect.tickets.sold=">= 200 in every run"'`);
    const replay = sim('check', SMALL, '--seed', seed ?? '', '--set', 'expect.tickets.sold=">= 200 in every run"', '--set', 'expect.latency_ms.p99=< 1e9');
    expect(replay.code).toBe(1);
    expect(replay.out).toContain(`tickets.sold: wanted >= 200 in every run, got ${got}`);
    const xml = readFileSync(`${SMALL}.xml`, 'utf8');
    expect(xml).toContain('<property name="replications" value="5"/>');
    expect(xml).toMatch(/<system-out>n=5, mean [\d.]+, 95 % CI [\d.]+ to [\d.]+: upper bound [\d.]+ &lt; 30<\/system-out>/);
    expect(xml).toContain(`replay: sim check ${SMALL} --seed ${seed}`);
  });

  test('exit 2: a mean without replications, a bad form, bad flags', () => {
    const one = sim('check', SMALL);
    expect(one.code).toBe(2);
    expect(one.err).toBe(`sim: ${SMALL}:16: expect.latency_ms.p99: "mean < 30 at 95%" is about the mean over runs: give --replications R with R >= 2 (one run has no interval)\n`);
    expect(sim('check', SMALL, '--replications', '1').code).toBe(2);
    const bad = sim('check', SMALL, '--replications', '3', '--set', 'expect.tickets.sold=mean == 3');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^sim: .*expect\.tickets\.sold: a mean is never exactly equal at a confidence.*\n$/);
    expect(sim('check', SMALL, '--replications', '0').err).toBe('sim: check: --replications must be an integer >= 1 (got 0)\n');
    expect(sim('check', SMALL, '--replications', '3', '--confidence', '95').err).toBe('sim: check: --confidence must be between 0 and 1 (got 95)\n');
    expect(sim('check', SMALL, '--replications', '3', '--out', `${SMALL}-out`).code).toBe(2);
  });
});
