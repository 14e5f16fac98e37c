import type { Summary } from '../metrics/summary.js';
import { fmtMs, fmtNum } from './format.js';

// The one-line latency headline of the terminal and the report. Percentiles over the answered
// requests alone would hide the users who never got an answer, so failures always come with it.

const share = (n: number, total: number): string => `${fmtNum(total > 0 ? (100 * n) / total : 0, n > 0 && n < total / 100 ? 1 : 0)} %`;

/** "p50 1.2 ms, p99 2.8 ms (ok); 7,957 users (10 %) timed out after 30 s; p99 over all requests 30 s". */
export function latencyHeadline(s: Pick<Summary, 'users' | 'latency_ok_ms' | 'latency_ko_ms' | 'latency_all_ms'>): string {
  const ok = s.latency_ok_ms;
  const u = s.users;
  const parts = [ok.count > 0 ? `p50 ${fmtMs(ok.p50)}, p99 ${fmtMs(ok.p99)} (ok)` : 'no request answered ok'];
  if (u.failed_timeout > 0) {
    const after = u.timeout_ms === null ? ' (never answered)' : ` (a user waits ${fmtMs(u.timeout_ms)})`;
    parts.push(`${fmtNum(u.failed_timeout)} users (${share(u.failed_timeout, u.total)}) timed out${after}`);
  }
  if (u.failed_error > 0) parts.push(`${fmtNum(u.failed_error)} users (${share(u.failed_error, u.total)}) got an error`);
  if (s.latency_ko_ms.count > 0) parts.push(`p99 over all requests, failures at their time to failure: ${fmtMs(s.latency_all_ms.p99)}`);
  return parts.join('; ');
}
