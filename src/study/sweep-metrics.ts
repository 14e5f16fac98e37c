// The numbers a study keeps of each run: the headline metrics of summary.json (the ones a run's
// page shows first), read by path. A study may ask for more paths (an expectation's); a boolean
// reads as 1 or 0, a null (a sale that never sold out) stays null.
import type { Summary } from '../metrics/summary.js';

export const HEADLINE_METRICS = [
  'tickets.sold',
  'tickets.oversold',
  'tickets.unsold',
  'tickets.stranded_local',
  'tickets.orphaned',
  'users.succeeded',
  'users.sold_out',
  'users.failed',
  'requests.errors',
  'requests.timeouts',
  'latency_ms.p50',
  'latency_ms.p99',
  'latency_ms.max',
  'throughput.mean_per_s',
  'sell_out_ms',
  'duration_ms',
] as const;

/** The value at a dotted summary.json path: a number, null, or undefined when there is none. */
export function metricAt(sum: Summary, dotted: string): number | null | undefined {
  let v: unknown = sum;
  for (const seg of dotted.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === null) return null;
  return undefined;
}
