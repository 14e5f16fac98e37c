import { stringify } from 'csv-stringify/sync';
import { plain } from './format.js';
import type { LatencyBucket, NodeRow, ReplicationRow, ReportInput, ServerRow, SiteRow, TimeseriesRow } from '../metrics/report-input.js';

// Column order is part of the public output: append new columns, never reorder.
export const TIMESERIES_COLUMNS = [
  't_ms',
  'arrivals',
  'ok',
  'sold_out',
  'errors',
  'timeouts',
  'sold_total',
  'latency_mean_ms',
  'timeouts_by_send',
  'errors_by_send',
] as const satisfies readonly (keyof TimeseriesRow)[];

export const SERVER_COLUMNS = [
  'tier',
  'node',
  'requests',
  'weight',
  'share',
  'expected_share',
  'local_stock',
  'local_sold',
  'redis_ok',
  'sold_out',
  'lost',
  'utilization',
] as const satisfies readonly (keyof ServerRow)[];

export const REPLICATION_COLUMNS = ['t_ms', 'node', 'lag_writes'] as const satisfies readonly (keyof ReplicationRow)[];

export const NODE_COLUMNS = ['t_ms', 'node', 'tier', 'busy', 'queue', 'done'] as const satisfies readonly (keyof NodeRow)[];

// Six decimals keep shares and utilisations exact enough and hide float noise like 0.30000000000000004.
const cellNumber = (v: number): string => (Number.isFinite(v) ? plain(v, 6) : '');

function toCsv<R>(columns: readonly (keyof R & string)[], rows: readonly R[]): string {
  return stringify(
    rows.map((r) => columns.map((c) => r[c])),
    {
      header: true,
      columns: [...columns],
      record_delimiter: '\n',
      cast: { number: cellNumber, boolean: (b) => (b ? 'true' : 'false') },
    },
  );
}

export function timeseriesCsv(input: ReportInput): string {
  return toCsv(TIMESERIES_COLUMNS, input.timeseries);
}

export function serversCsv(input: ReportInput): string {
  return toCsv(SERVER_COLUMNS, input.servers);
}

export function nodesCsv(input: ReportInput): string {
  return toCsv(NODE_COLUMNS, input.nodes);
}

export const LATENCY_COLUMNS = ['set', 'lo_ms', 'hi_ms', 'count'] as const;

/** The latency sets the charts draw, by the name latency.csv gives them. */
export const LATENCY_SETS = { answered: 'latency', ok: 'latency_ok', all: 'latency_all' } as const satisfies Record<string, keyof ReportInput>;

/**
 * latency.csv: the latency histograms' non-empty buckets, one set after the other: answered requests
 * (latency_ms), OK ones (latency_ok_ms), and all, failures at their time to failure (latency_all_ms).
 */
export function latencyCsv(input: ReportInput): string {
  const rows: { set: string; lo_ms: number; hi_ms: number; count: number }[] = [];
  for (const [set, key] of Object.entries(LATENCY_SETS)) {
    const buckets: LatencyBucket[] | undefined = input[key];
    for (const b of buckets ?? []) rows.push({ set, ...b });
  }
  return toCsv(LATENCY_COLUMNS, rows);
}

export const SITE_COLUMNS = ['t_ms', 'site', 'requests', 'lost', 'alive', 'in_dns', 'cached'] as const satisfies readonly (keyof SiteRow)[];

export function sitesCsv(input: ReportInput): string {
  return toCsv(SITE_COLUMNS, input.sites ?? []);
}

export function replicationCsv(input: ReportInput): string {
  return toCsv(REPLICATION_COLUMNS, input.replication ?? []);
}
