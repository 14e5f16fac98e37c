// summarize(): the run-level sections from hand-made counters, every figure worked by hand.
// The tier sections are minimal; only the run-level arithmetic is under test.
import { Ledger } from '../src/metrics/ledger.js';
import { Metrics } from '../src/metrics/metrics.js';
import { OUTCOME_ERROR, OUTCOME_OK, OUTCOME_SOLD_OUT, OUTCOME_TIMEOUT } from '../src/metrics/outcomes.js';
import { summarize, type RunEnd } from '../src/metrics/summarize.js';
import type { AppStockTotals } from '../src/metrics/tier-sections.js';
import { parseScenario } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { handTiers } from './support/summary-input.js';

const base = parseScenario('name: hand\ntickets: { inventory: 8 }\nusers:\n  load:\n    closed: { concurrency: 1, requests: 4 }\n', 'hand.yaml');

type Input = {
  s?: Scenario;
  m?: Metrics;
  granted?: number;
  stock?: Partial<AppStockTotals>;
  end?: Partial<RunEnd>;
  ledger?: (l: Ledger) => void; // breaches on top of the grants
  hash?: { sold: number; total: number };
  grantRepliesLost?: number;
};

function report({ s = base, m = new Metrics(1000), granted = 3, stock = {}, end = {}, ledger: breach, hash, grantRepliesLost = 0 }: Input) {
  const ledger = new Ledger(8);
  for (let u = 0; u < granted; u++) {
    ledger.grant(u);
    ledger.tell(u);
  }
  breach?.(ledger);
  const runEnd: RunEnd = { events: 17, fingerprint: 0xabc, usersTotal: 0, usersFinal: new Uint8Array(0), usersRequests: new Uint16Array(0), ...end };
  const tiers = handTiers({ bin_us: 1000, redisOk: granted, scriptCalls: 0, stock, hash: hash ?? { sold: granted, total: s.tickets.inventory }, grantRepliesLost });
  return summarize(s, m, ledger, runEnd, tiers);
}

/** Counters of a 4 ms run in 1 ms bins. */
function fourBins(): Metrics {
  const m = new Metrics(1000);
  for (const [b, n] of [[0, 4], [1, 2], [2, 1]]) m.arrivals.add(b, n);
  m.ok.add(0, 3);
  m.ok.add(2, 1);
  m.soldOut.add(1, 1);
  m.errors.add(3, 1);
  m.timeouts.add(1, 3);
  for (const [b, us] of [[0, 3000], [1, 500], [2, 250], [3, 7000]]) m.latencySum_us.add(b, us);
  m.sold.add(0, 2);
  m.sold.add(2, 1);
  m.timeoutsBySend.add(0, 1);
  m.errorsBySend.add(2, 1);
  m.requestsOk = 3;
  m.requestsSoldOut = 1;
  m.requestsErrors = 2;
  m.requestsTimeouts = 3;
  m.lastResponse_us = 4000;
  return m;
}

describe('timeseries and throughput', () => {
  test('one row per bin up to the longest series; sold cumulative; mean latency over the answered', () => {
    const r = report({ m: fourBins() });
    const row = (t_ms: number, arrivals: number, ok: number, sold_out: number, errors: number, timeouts: number, sold_total: number, latency_mean_ms: number, timeouts_by_send: number, errors_by_send: number) => ({
      t_ms,
      arrivals,
      ok,
      sold_out,
      errors,
      timeouts,
      sold_total,
      latency_mean_ms,
      timeouts_by_send,
      errors_by_send,
    });
    expect(r.timeseries).toEqual([
      row(0, 4, 3, 0, 0, 0, 2, 1, 1, 0), // 3000 us over 3 answers
      row(1, 2, 0, 1, 0, 3, 2, 0.5, 0, 0), // timeouts are not answers: 500 us over 1
      row(2, 1, 1, 0, 0, 0, 3, 0.25, 0, 1),
      row(3, 0, 0, 0, 1, 0, 3, 7, 0, 0),
    ]);
    expect([r.bin_ms, r.summary.bin_ms]).toEqual([1, 1]);
    // peak: bin 1, 1 answer + 3 timeouts in 1 ms = 4000/s; mean: 9 responses over 4 ms
    expect(r.summary.throughput).toEqual({ mean_per_s: 2250, peak_per_s: 4000 });
    expect(r.summary.duration_ms).toBe(4);
  });

  test('a series longer than the others: their bins past their length are empty', () => {
    const m = fourBins();
    m.errors.add(300, 2); // errors grow to 512 bins, the others stay at 256
    const rows = report({ m }).timeseries;
    expect(rows.length).toBe(301);
    expect(rows[300]).toEqual({ t_ms: 300, arrivals: 0, ok: 0, sold_out: 0, errors: 2, timeouts: 0, sold_total: 3, latency_mean_ms: 0, timeouts_by_send: 0, errors_by_send: 0 });
    expect(rows[299]).toEqual({ t_ms: 299, arrivals: 0, ok: 0, sold_out: 0, errors: 0, timeouts: 0, sold_total: 3, latency_mean_ms: 0, timeouts_by_send: 0, errors_by_send: 0 });
  });

  test('no answer at all: throughput 0, duration 0, no rows', () => {
    const r = report({});
    expect([r.summary.throughput, r.summary.duration_ms, r.timeseries]).toEqual([{ mean_per_s: 0, peak_per_s: 0 }, 0, []]);
    expect(r.summary.latency_ms).toEqual({ p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 });
  });

  test('mean throughput rounds to 0.1/s', () => {
    const m = fourBins();
    m.lastResponse_us = 7000; // 9 / 0.007 = 1285.714...
    expect(report({ m }).summary.throughput.mean_per_s).toBe(1285.7);
  });
});

describe('the run-level fields', () => {
  test('sell_out_ms: null when never sold out, 0 when sold out at time 0, else in ms', () => {
    const at = (us: number) => {
      const m = new Metrics(1000);
      m.sellOut_us = us;
      return report({ m }).summary.sell_out_ms;
    };
    expect([at(-1), at(0), at(2500)]).toEqual([null, 0, 2.5]);
  });

  test('faults in ms; events as counted; the fingerprint as 8 hex digits', () => {
    const m = new Metrics(1000);
    m.faults.push({ at_us: 1500, action: 'kill', target: 'app1', detail: 'by hand' });
    const s = report({ m }).summary;
    expect(s.faults).toEqual([{ at_ms: 1.5, action: 'kill', target: 'app1', detail: 'by hand' }]);
    expect([s.events, s.fingerprint]).toEqual([17, '00000abc']);
    expect(report({ end: { fingerprint: -1 } }).summary.fingerprint).toBe('ffffffff');
  });

  test('latency of all requests, OK and KO apart, with counts; the report\'s buckets in ms', () => {
    const m = new Metrics(1000);
    m.ended(OUTCOME_OK, 10, 100);
    m.ended(OUTCOME_SOLD_OUT, 20, 150);
    m.ended(OUTCOME_ERROR, 30, 200);
    m.ended(OUTCOME_TIMEOUT, 50, 300);
    m.latency.record(100);
    const r = report({ m });
    const s = r.summary;
    // all: 10, 20, 30, 50: ranks 2, 4, 4, 4; mean 27.5 us
    expect(s.latency_all_ms).toEqual({ p50: 0.02, p90: 0.05, p99: 0.05, p999: 0.05, max: 0.05, mean: 0.028, count: 4 });
    expect(s.latency_ok_ms).toEqual({ p50: 0.01, p90: 0.02, p99: 0.02, p999: 0.02, max: 0.02, mean: 0.015, count: 2 });
    expect(s.latency_ko_ms).toEqual({ p50: 0.03, p90: 0.05, p99: 0.05, p999: 0.05, max: 0.05, mean: 0.04, count: 2 });
    // 100 us: above 64 us, 32 buckets per power of two, 2 us wide: [100, 102)
    expect(r.latency).toEqual([{ lo_ms: 0.1, hi_ms: 0.102, count: 1 }]);
    expect(r.latency_ok).toEqual([
      { lo_ms: 0.01, hi_ms: 0.011, count: 1 },
      { lo_ms: 0.02, hi_ms: 0.021, count: 1 },
    ]);
    expect(r.latency_all?.map((b) => b.lo_ms)).toEqual([0.01, 0.02, 0.03, 0.05]);
    // answered only: latency_ms
    expect(s.latency_ms).toEqual({ p50: 0.1, p90: 0.1, p99: 0.1, p999: 0.1, max: 0.1, mean: 0.1 });
  });
});

describe('the first bucket past the exact ones', () => {
  test('65 us: bucket [64, 66), reported as its midpoint 64.5 us, not its bottom', () => {
    const m = new Metrics(1000);
    m.latency.record(65);
    expect(report({ m }).summary.latency_ms).toEqual({ p50: 0.065, p90: 0.065, p99: 0.065, p999: 0.065, max: 0.065, mean: 0.065 });
    m.latency.record(64); // the midpoint is capped by the max: 64.5 of 65 still
    expect(report({ m }).summary.latency_ms.p50).toBe(0.065);
  });
});

describe('why tickets stayed unsold, with three servers', () => {
  // inventory 8, 3 sold: 5 unsold. Local stock 4 + 3 + 3 = 10: a buffer of 2. 2 stranded and 1
  // burned: 3 lost.
  const three = (check: 'source' | 'exact'): Scenario => ({ ...base, app: { ...base.app, local_stock: [4, 3, 3], local_check: check } });
  const stock = { strandedLocal: 2, burnedLocal: 1, liveLocalLeft: 4 };

  test('the article\'s check keeps one unit per server: usable buffer 2 - 3 = -1, so 3 + 1 = 4 unsold for lost stock', () => {
    const m = new Metrics(1000);
    m.ended(OUTCOME_SOLD_OUT, 5, 10);
    m.ended(OUTCOME_SOLD_OUT, 5, 20); // never sold out: both read while stock was left
    const t = report({ s: three('source'), m, stock }).summary.tickets;
    expect(t).toMatchObject({ inventory: 8, sold: 3, unsold: 5, oversold: 0, local_stock_total: 10, stranded_local: 2, burned_local: 1 });
    expect(t.unsold_split).toEqual({ stranded_local: 2, burned_local: 1, never_reached: 2 });
    expect(t.unsold_why).toEqual({
      stranded_local: 2,
      burned_local: 1,
      lost_local: 3,
      buffer: 2,
      check_unsellable: 3,
      usable_buffer: -1,
      unsold_lost: 4,
      never_reached: 1,
      live_local_left: 4,
      sold_out_while_stock: 2,
    });
  });

  test('the exact check: the whole buffer is usable, 3 - 2 = 1 unsold for lost stock', () => {
    const w = report({ s: three('exact'), stock }).summary.tickets.unsold_why;
    expect(w).toMatchObject({ check_unsellable: 0, usable_buffer: 2, unsold_lost: 1, never_reached: 4, sold_out_while_stock: 0 });
  });

  test('more lost than unsold: unsold_lost stops at the unsold; a buffer larger than the loss: 0', () => {
    expect(report({ s: three('exact'), stock: { strandedLocal: 9 } }).summary.tickets.unsold_why).toMatchObject({ unsold_lost: 5, never_reached: 0 });
    expect(report({ s: three('exact'), stock: { strandedLocal: 1 } }).summary.tickets.unsold_why).toMatchObject({ unsold_lost: 0, never_reached: 5 });
    // the split: 4 stranded of the 5 unsold leave room for 1 of the 3 burned
    expect(report({ stock: { strandedLocal: 4, burnedLocal: 3 } }).summary.tickets.unsold_split).toEqual({ stranded_local: 4, burned_local: 1, never_reached: 0 });
  });

  test('oversold: sold past the inventory, nothing unsold', () => {
    const t = report({ granted: 10 }).summary.tickets;
    expect([t.sold, t.oversold, t.unsold]).toEqual([10, 2, 0]);
    expect(report({ granted: 10 }).summary.invariants.no_oversell).toBe(false);
    expect(report({ granted: 8 }).summary.invariants.no_oversell).toBe(true);
  });
});

describe('the invariants, each term on its own', () => {
  test('ledger: a user granted twice, told without a ticket, or told twice each break it', () => {
    expect(report({}).summary.invariants.ledger).toBe(true);
    expect(report({ ledger: (l) => l.grant(0) }).summary.invariants.ledger).toBe(false);
    expect(report({ ledger: (l) => l.tell(5) }).summary.invariants.ledger).toBe(false);
    expect(report({ ledger: (l) => l.tell(0) }).summary.invariants.ledger).toBe(false);
  });

  test('conservation: the hash keeps the inventory and the sales; the apps confirm them, grants to dead apps and lost replies included', () => {
    expect(report({}).summary.invariants.conservation).toBe(true);
    expect(report({ hash: { sold: 3, total: 7 } }).summary.invariants.conservation).toBe(false);
    expect(report({ hash: { sold: 2, total: 8 } }).summary.invariants.conservation).toBe(false);
    expect(report({ stock: { redisOk: 2 } }).summary.invariants.conservation).toBe(false);
    // 1 confirmed + 1 that reached a dead app + 1 whose reply was lost = the 3 granted
    expect(report({ stock: { redisOk: 1, redisOkLost: 1 }, grantRepliesLost: 1 }).summary.invariants.conservation).toBe(true);
    expect(report({ stock: { redisOk: 1, redisOkLost: 1 } }).summary.invariants.conservation).toBe(false);
  });

  test('users who sent more than one request count as retried, once each', () => {
    const end = { usersTotal: 3, usersFinal: Uint8Array.from([OUTCOME_OK, OUTCOME_OK, OUTCOME_OK]), usersRequests: Uint16Array.from([1, 2, 5]) };
    expect(report({ end }).summary.users).toMatchObject({ total: 3, succeeded: 3, retried: 2 });
  });
});
