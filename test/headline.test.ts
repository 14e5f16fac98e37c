import { describe, expect, test } from '@jest/globals';
import { Metrics } from '../src/metrics/metrics.js';
import { OUTCOME_ERROR, OUTCOME_OK, OUTCOME_SOLD_OUT, OUTCOME_TIMEOUT } from '../src/metrics/outcomes.js';
import { latencyHeadline } from '../src/report/headline.js';

describe('failures in the latency figures', () => {
  test('every request counts, a failure at its time to failure and by the bin it was sent in', () => {
    const m = new Metrics(100_000);
    m.ended(OUTCOME_OK, 2_000, 10_000);
    m.ended(OUTCOME_SOLD_OUT, 1_000, 20_000);
    m.ended(OUTCOME_TIMEOUT, 30_000_000, 30_050_000); // sent at 50 ms: bin 0
    m.ended(OUTCOME_ERROR, 5_000, 250_000); // sent at 245 ms: bin 2
    expect([m.latencyAll.count, m.latencyOk.count, m.latencyKo.count]).toEqual([4, 2, 2]);
    expect(m.latencyOk.max_us).toBe(2_000);
    expect(m.latencyKo.max_us).toBe(30_000_000);
    expect(Array.from(m.timeoutsBySend.values.subarray(0, 3))).toEqual([1, 0, 0]);
    expect(Array.from(m.errorsBySend.values.subarray(0, 3))).toEqual([0, 0, 1]);
  });

  const pct = { p50: 2.4, p90: 2.6, p99: 2.78, p999: 3, max: 4, mean: 2.4, count: 72_043 };
  const users = { total: 80_000, succeeded: 2_000, sold_out: 70_043, failed: 7_957, failed_timeout: 7_957, failed_error: 0, timeout_ms: 10_000, retried: 0, late_answers: 0, double_holders: 0 };

  test('the headline never hides failed users', () => {
    const all = { ...pct, p99: 10_000, count: 80_000 };
    const ko = { ...pct, p99: 10_000, count: 7_957 };
    expect(latencyHeadline({ users, latency_ok_ms: pct, latency_ko_ms: ko, latency_all_ms: all })).toBe(
      'p50 2.4 ms, p99 2.78 ms (ok); 7,957 users (10 %) timed out (a user waits 10 s); p99 over all requests, failures at their time to failure: 10 s',
    );
  });

  test('without failures it is the percentiles alone', () => {
    const none = { ...users, failed: 0, failed_timeout: 0 };
    const ko = { ...pct, count: 0 };
    expect(latencyHeadline({ users: none, latency_ok_ms: pct, latency_ko_ms: ko, latency_all_ms: pct })).toBe('p50 2.4 ms, p99 2.78 ms (ok)');
  });
});
