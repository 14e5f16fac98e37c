// Exact checks of the metrics kernels (histogram buckets, quantiles, the ledger audit, expect
// comparisons) that mutation testing found held only loosely. Every number is worked by hand in
// the comment beside it: 64 sub-buckets per power of two, 32 new ones per doubling past 64 us.
import { evaluateExpectations, holds, lookupPath, numericValue, UnknownExpectPath } from '../src/metrics/expect.js';
import { LatencyHistogram } from '../src/metrics/histogram.js';
import { Ledger } from '../src/metrics/ledger.js';
import { Bins, Metrics } from '../src/metrics/metrics.js';
import { OUTCOME_ERROR, OUTCOME_OK, OUTCOME_SOLD_OUT, OUTCOME_TIMEOUT } from '../src/metrics/outcomes.js';
import type { Expectation } from '../src/scenario/types.js';

describe('LatencyHistogram buckets', () => {
  test('below 64 us each microsecond is its own bucket; under 1 us (or NaN) is bucket 0', () => {
    expect([0, 0.99, -5, NaN, 1, 1.7, 2, 63, 63.9].map((v) => LatencyHistogram.bucketOf(v))).toEqual([0, 0, 0, 0, 1, 1, 2, 63, 63]);
  });

  test('past 64 us: 32 buckets per power of two', () => {
    // 64..127: exp 6, width 2: 64 -> 64, 65 -> 64, 66 -> 65, 127 -> 64 + 31 = 95
    // 128..255: exp 7, width 4: 128 -> 96, 131 -> 96, 132 -> 97
    // 1000: exp 9, width 16: 64 + 3*32 + (1000 >> 4) - 32 = 160 + 30 = 190
    const values = [64, 65, 66, 127, 128, 131, 132, 1000];
    expect(values.map((v) => LatencyHistogram.bucketOf(v))).toEqual([64, 64, 65, 95, 96, 96, 97, 190]);
  });

  test('the float path past 2^31 - 1 us agrees with the integer path and stops at the last bucket', () => {
    // 2^31 - 2: exp 30: 64 + 24*32 + ((2^31 - 2) >> 25) - 32 = 832 + 63 - 32 = 863
    // 2^31: exp 31: 64 + 25*32 + 0 = 864; 2^40: 64 + 34*32 = 1152; 2^50 would be 1472: capped at 1183
    expect(LatencyHistogram.bucketOf(2 ** 31 - 2)).toBe(863);
    expect(LatencyHistogram.bucketOf(2 ** 31)).toBe(864);
    expect(LatencyHistogram.bucketOf(2 ** 31 + 2 ** 26)).toBe(865);
    expect(LatencyHistogram.bucketOf(2 ** 40)).toBe(1152);
    expect(LatencyHistogram.bucketOf(2 ** 50)).toBe(1183);
    expect(new LatencyHistogram().counts.length).toBe(1184);
  });

  test('bounds of a bucket: lower inclusive, upper the next lower', () => {
    // 64: [64, 66); 95: [126, 128); 96: [128, 132); 190: [992, 1008); 864: [2^31, 2^31 + 2^26)
    const bounds = [0, 63, 64, 65, 95, 96, 190, 864].map((b) => [LatencyHistogram.lowerOf(b), LatencyHistogram.upperOf(b)]);
    expect(bounds).toEqual([
      [0, 1],
      [63, 64],
      [64, 66],
      [66, 68],
      [126, 128],
      [128, 132],
      [992, 1008],
      [2 ** 31, 2 ** 31 + 2 ** 26],
    ]);
  });
});

describe('LatencyHistogram quantiles', () => {
  test('an empty histogram answers 0', () => {
    expect(new LatencyHistogram().quantile_us(0.5)).toBe(0);
  });

  test('rank = ceil(q * n), at least 1; exact below 64 us, the midpoint above, capped by the max', () => {
    const h = new LatencyHistogram();
    for (const v of [10, 20, 1000]) h.record(v);
    expect([h.count, h.sum_us, h.max_us]).toEqual([3, 1030, 1000]);
    // q 0 -> rank 1 -> 10; q 0.34 -> ceil(1.02) = 2 -> 20; q 0.5 -> 2 -> 20;
    // q 0.67 -> ceil(2.01) = 3 -> bucket [992, 1008): midpoint (992 + 1007) / 2 = 999.5
    expect([0, 0.33, 0.34, 0.5, 0.66, 0.67, 1].map((q) => h.quantile_us(q))).toEqual([10, 10, 20, 20, 20, 999.5, 999.5]);
    expect(h.buckets()).toEqual([
      { lo_us: 10, hi_us: 11, count: 1 },
      { lo_us: 20, hi_us: 21, count: 1 },
      { lo_us: 992, hi_us: 1008, count: 1 },
    ]);
  });

  test('the midpoint never exceeds the largest value recorded', () => {
    const h = new LatencyHistogram();
    h.record(993); // bucket [992, 1008): midpoint 999.5, but nothing above 993 was seen
    h.record(993);
    expect(h.quantile_us(0.99)).toBe(993);
    expect(h.max_us).toBe(993);
    h.record(5); // a smaller value does not lower the max
    expect(h.max_us).toBe(993);
  });

  test('quantile ranks over repeated values count every record', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 9; i++) h.record(3);
    h.record(50);
    // 10 records: q 0.9 -> rank 9 -> 3; q 0.91 -> rank 10 -> 50
    expect([h.quantile_us(0.9), h.quantile_us(0.91)]).toEqual([3, 50]);
  });
});

describe('Ledger audit', () => {
  test('each kind of breach counted once per user, orphaned counting tickets', () => {
    const l = new Ledger(4);
    l.grant(0);
    l.grant(0); // user 0: two tickets, never told -> a double holder, 2 orphaned
    l.grant(1);
    l.tell(1);
    l.tell(1); // user 1: one ticket, told twice
    l.tell(2); // user 2: told, holds nothing
    l.grant(3);
    l.tell(3); // user 3: clean
    expect(l.granted).toBe(4);
    expect(l.audit()).toEqual({ doubleHolders: 1, toldWithoutTicket: 1, orphaned: 2, toldTwice: 1 });
  });

  test('a clean ledger audits to zeros', () => {
    const l = new Ledger(2);
    l.grant(1);
    l.tell(1);
    expect(l.audit()).toEqual({ doubleHolders: 0, toldWithoutTicket: 0, orphaned: 0, toldTwice: 0 });
  });

  test('per-user counts saturate at 255; granted keeps counting', () => {
    const l = new Ledger(1);
    for (let i = 0; i < 300; i++) {
      l.grant(0);
      l.tell(0);
    }
    expect([l.held[0], l.told[0], l.granted]).toEqual([255, 255, 300]);
  });
});

const exp = (op: Expectation['op'], a: number, b = a, raw = `${op} ${a}`): Expectation => ({ path: 'x', op, a, b, raw, line: 1 });

describe('expect comparisons at their edges', () => {
  test('each operator at, below and above its bound', () => {
    const at = (e: Expectation) => [4, 5, 6].map((v) => holds(e, v));
    expect(at(exp('eq', 5))).toEqual([false, true, false]);
    expect(at(exp('lt', 5))).toEqual([true, false, false]);
    expect(at(exp('le', 5))).toEqual([true, true, false]);
    expect(at(exp('gt', 5))).toEqual([false, false, true]);
    expect(at(exp('ge', 5))).toEqual([false, true, true]);
    expect([3, 4, 5, 6, 7].map((v) => holds(exp('between', 4, 6), v))).toEqual([false, true, true, true, false]);
  });

  test('a null value holds no numeric comparison; text equals only its text', () => {
    expect(['eq', 'lt', 'le', 'gt', 'ge', 'between'].map((op) => holds(exp(op as Expectation['op'], 0), null))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    const text = exp('eq_text', 0, 0, 'ab12');
    expect([holds(text, 'ab12'), holds(text, 'ab13'), holds(text, null)]).toEqual([true, false, false]);
  });

  test('paths: own keys only, through objects only', () => {
    const root = { a: { b: { c: 7 } }, n: null, s: 'str' };
    expect(lookupPath(root, 'a.b.c')).toBe(7);
    expect(lookupPath(root, 'a.b')).toEqual({ c: 7 });
    expect(lookupPath(root, 'a.x')).toBeUndefined();
    expect(lookupPath(root, 'n.x')).toBeUndefined();
    expect(lookupPath(root, 's.length')).toBeUndefined();
    expect(lookupPath(root, 'a.toString')).toBeUndefined();
    expect(lookupPath(null, 'a')).toBeUndefined();
  });

  test('values: numbers, booleans as 1/0, null kept, anything else undefined', () => {
    expect([5, true, false, null, 'x', undefined, {}].map(numericValue)).toEqual([5, 1, 0, null, undefined, undefined, undefined]);
  });

  test('evaluation keys by path and reports value and verdict; a missing or non-numeric path throws', () => {
    const summary = { t: { sold: 9, ok: true, fp: 'ab12', none: null } };
    const e1: Expectation = { ...exp('lt', 10), path: 't.sold', raw: '< 10' };
    const e2: Expectation = { ...exp('eq', 0), path: 't.ok', raw: '== 0' };
    const e3: Expectation = { ...exp('eq_text', 0, 0, 'ab12'), path: 't.fp' };
    const e4: Expectation = { ...exp('eq', 0), path: 't.none', raw: '== 0' };
    expect(evaluateExpectations(summary, [e1, e2, e3, e4])).toEqual({
      't.sold': { want: '< 10', value: 9, held: true },
      't.ok': { want: '== 0', value: 1, held: false },
      't.fp': { want: 'ab12', value: 'ab12', held: true },
      't.none': { want: '== 0', value: null, held: false },
    });
    expect(() => evaluateExpectations(summary, [{ ...e1, path: 't.missing' }])).toThrow(UnknownExpectPath);
    expect(() => evaluateExpectations(summary, [{ ...e1, path: 't.fp' }])).toThrow('unknown summary.json path (or not a number): t.fp');
    expect(() => evaluateExpectations(summary, [{ ...e3, path: 't.sold' }])).toThrow(UnknownExpectPath);
  });
});

describe('Metrics: bins and the users view of each request', () => {
  test('bins grow by doubling to hold any bin and remember how many are used', () => {
    const b = new Bins();
    b.add(0, 2);
    b.add(0, 0.5);
    b.add(300, 1); // 256 -> 512
    expect([b.values.length, b.used, b.values[0], b.values[300]]).toEqual([512, 301, 2.5, 1]);
    b.add(1024, 1); // 512 -> 1024 is not enough for bin 1024: 2048
    b.add(7, 1); // a lower bin does not shrink `used`
    expect([b.values.length, b.used, b.values[300], b.values[1024]]).toEqual([2048, 1025, 1, 1]);
  });

  test('each outcome lands in its histogram; timeouts and errors by the bin they were sent in', () => {
    const m = new Metrics(250);
    m.ended(OUTCOME_TIMEOUT, 300, 1000); // sent at 700: bin 2
    m.ended(OUTCOME_ERROR, 10, 510); // sent at 500: bin 2
    m.ended(OUTCOME_ERROR, 300, 600); // sent at 300: bin 1 (not 900, bin 3)
    m.ended(OUTCOME_OK, 40, 1000);
    m.ended(OUTCOME_SOLD_OUT, 50, 1000);
    expect([m.latencyAll.count, m.latencyKo.count, m.latencyOk.count]).toEqual([5, 3, 2]);
    expect([m.latencyKo.sum_us, m.latencyOk.sum_us]).toEqual([610, 90]);
    expect(Array.from(m.timeoutsBySend.values.subarray(0, 3))).toEqual([0, 0, 1]);
    expect(Array.from(m.errorsBySend.values.subarray(0, 3))).toEqual([0, 1, 1]);
    expect([m.bin(249), m.bin(250), m.bin(0)]).toEqual([0, 1, 0]);
  });

  test('"sold out" read while stock was left: all of them until the sell-out, then only the earlier ones', () => {
    const m = new Metrics(1000);
    m.ended(OUTCOME_SOLD_OUT, 1, 100);
    m.ended(OUTCOME_SOLD_OUT, 1, 300);
    m.ended(OUTCOME_SOLD_OUT, 1, 500);
    expect(m.soldOutWithStock()).toBe(3); // never sold out: all count
    m.sellOut_us = 300;
    expect(m.soldOutWithStock()).toBe(1); // only the one at 100 came before 300
    m.ended(OUTCOME_SOLD_OUT, 1, 200); // read ahead of the sell-out: noted
    m.ended(OUTCOME_SOLD_OUT, 1, 300); // at or after it: not noted
    expect(m.soldOutWithStock()).toBe(2);
    m.sellOut_us = 1000;
    expect(m.soldOutWithStock()).toBe(4); // 100, 300, 500, 200 (the later 300 was never noted)
  });

  test('a bin just past the used ones counts as used', () => {
    const b = new Bins();
    b.add(0, 1); // used 0 -> 1
    expect(b.used).toBe(1);
    b.add(1, 1); // used 1 -> 2
    expect(b.used).toBe(2);
  });

  test('only "sold out" answers are logged as read with stock left; a sell-out at 0 leaves none before it', () => {
    const m = new Metrics(1000);
    m.ended(OUTCOME_OK, 1, 100);
    m.ended(OUTCOME_ERROR, 1, 100);
    m.ended(OUTCOME_TIMEOUT, 1, 100);
    expect(m.soldOutWithStock()).toBe(0);
    m.ended(OUTCOME_SOLD_OUT, 1, 0); // read at 0, noted while nothing was sold out
    expect(m.soldOutWithStock()).toBe(1);
    m.sellOut_us = 0; // sold out at 0: the read at 0 was not before it
    expect(m.soldOutWithStock()).toBe(0);
  });

  test('a bin exactly at the current length grows the array instead of being dropped', () => {
    const b = new Bins();
    b.add(256, 3);
    expect([b.values.length, b.values[256], b.used]).toEqual([512, 3, 257]);
  });

  test('the sold-out log keeps its first 1024 entries when it grows', () => {
    const m = new Metrics(1000);
    for (let i = 0; i < 1500; i++) m.ended(OUTCOME_SOLD_OUT, 1, 5000 + i);
    m.sellOut_us = 5500; // reads at 5000..5499 came before it: 500 (lost entries would read as 0, all before)
    expect(m.soldOutWithStock()).toBe(500);
  });

  test('the sold-out log grows past its first 1024 entries', () => {
    const m = new Metrics(1000);
    for (let i = 0; i < 1500; i++) m.ended(OUTCOME_SOLD_OUT, 1, i);
    expect(m.soldOutWithStock()).toBe(1500);
    m.sellOut_us = 1200;
    expect(m.soldOutWithStock()).toBe(1200);
  });

  test('the duration for utilizations is the last answer, at least 1 us', () => {
    const m = new Metrics(1000);
    expect(m.duration_us()).toBe(1);
    m.lastResponse_us = 5;
    expect(m.duration_us()).toBe(5);
  });
});
