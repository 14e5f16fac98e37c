// A report's data files back to the ReportInput its figures and page are drawn from. `sim run` draws
// them from this too, after writing the files, so `sim chart` redraws exactly the same bytes.
import type { LatencyBucket, NodeRow, ReplicationRow, ReportInput, ServerRow, SiteRow, TimeseriesRow } from '../metrics/report-input.js';
import type { Summary } from '../metrics/summary.js';
import { LATENCY_COLUMNS, LATENCY_SETS, NODE_COLUMNS, REPLICATION_COLUMNS, SERVER_COLUMNS, SITE_COLUMNS, TIMESERIES_COLUMNS } from './csv.js';

/** The files a report's figures and page are drawn from; scenario.yaml, latency.csv, sites.csv and replication.csv may be absent. */
export const DATA_FILES = ['summary.json', 'timeseries.csv', 'servers.csv', 'nodes.csv', 'latency.csv', 'sites.csv', 'replication.csv', 'scenario.yaml'] as const;
export type DataFile = (typeof DATA_FILES)[number];

/** A data file that is missing or does not read as the report wrote it. */
export class ReportDataError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ReportDataError';
  }
}

type Cell = string | number;

// The CSVs hold numbers and node names (letters, digits, _ and -), so no cell is ever quoted.
function parseCsv<K extends string>(file: string, text: string, columns: readonly K[], textColumns: readonly K[]): Record<K, Cell>[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const head = lines.shift() ?? '';
  if (head !== columns.join(',')) throw new ReportDataError(file, `expected the columns ${columns.join(',')} (got ${JSON.stringify(head.slice(0, 80))})`);
  return lines.map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== columns.length) throw new ReportDataError(file, `line ${i + 2}: expected ${columns.length} cells, got ${cells.length}`);
    const row = {} as Record<K, Cell>;
    columns.forEach((c, j) => {
      const cell = cells[j] ?? '';
      if (textColumns.includes(c)) row[c] = cell;
      else {
        const v = cell === '' ? NaN : Number(cell);
        if (Number.isNaN(v) && cell !== '') throw new ReportDataError(file, `line ${i + 2}: ${c} is not a number (${JSON.stringify(cell)})`);
        row[c] = v;
      }
    });
    return row;
  });
}

const num = (v: Cell | undefined): number => (typeof v === 'number' ? v : NaN);
const str = (v: Cell | undefined): string => (typeof v === 'string' ? v : String(v ?? ''));

function timeseriesRows(file: string, text: string): TimeseriesRow[] {
  return parseCsv(file, text, TIMESERIES_COLUMNS, []).map((r) => ({
    t_ms: num(r.t_ms),
    arrivals: num(r.arrivals),
    ok: num(r.ok),
    sold_out: num(r.sold_out),
    errors: num(r.errors),
    timeouts: num(r.timeouts),
    sold_total: num(r.sold_total),
    latency_mean_ms: num(r.latency_mean_ms),
    timeouts_by_send: num(r.timeouts_by_send),
    errors_by_send: num(r.errors_by_send),
  }));
}

function serverRows(file: string, text: string): ServerRow[] {
  return parseCsv(file, text, SERVER_COLUMNS, ['tier', 'node']).map((r) => ({
    tier: str(r.tier),
    node: str(r.node),
    requests: num(r.requests),
    weight: num(r.weight),
    share: num(r.share),
    expected_share: num(r.expected_share),
    local_stock: num(r.local_stock),
    local_sold: num(r.local_sold),
    redis_ok: num(r.redis_ok),
    sold_out: num(r.sold_out),
    lost: num(r.lost),
    utilization: num(r.utilization),
  }));
}

function nodeRows(file: string, text: string): NodeRow[] {
  return parseCsv(file, text, NODE_COLUMNS, ['node', 'tier']).map((r) => ({
    t_ms: num(r.t_ms),
    node: str(r.node),
    tier: str(r.tier),
    busy: num(r.busy),
    queue: num(r.queue),
    done: num(r.done),
  }));
}

function siteRows(file: string, text: string): SiteRow[] {
  return parseCsv(file, text, SITE_COLUMNS, ['site']).map((r) => ({
    t_ms: num(r.t_ms),
    site: str(r.site),
    requests: num(r.requests),
    lost: num(r.lost),
    alive: num(r.alive),
    in_dns: num(r.in_dns),
    cached: num(r.cached),
  }));
}

function replicationRows(file: string, text: string): ReplicationRow[] {
  return parseCsv(file, text, REPLICATION_COLUMNS, ['node']).map((r) => ({ t_ms: num(r.t_ms), node: str(r.node), lag_writes: num(r.lag_writes) }));
}

function latencySets(file: string, text: string): Pick<ReportInput, 'latency' | 'latency_ok' | 'latency_all'> {
  const sets: Record<string, LatencyBucket[]> = {};
  for (const r of parseCsv(file, text, LATENCY_COLUMNS, ['set'])) {
    const set = str(r.set);
    if (!Object.hasOwn(LATENCY_SETS, set)) throw new ReportDataError(file, `unknown set ${JSON.stringify(set)} (answered, ok or all)`);
    (sets[set] ??= []).push({ lo_ms: num(r.lo_ms), hi_ms: num(r.hi_ms), count: num(r.count) });
  }
  return { latency: sets.answered ?? [], latency_ok: sets.ok ?? [], latency_all: sets.all ?? [] };
}

function parseSummary(text: string): Summary {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ReportDataError('summary.json', `not JSON: ${(e as Error).message}`);
  }
  const ok = v !== null && typeof v === 'object' && 'scenario' in v && 'tickets' in v && 'faults' in v && 'tiers' in v;
  if (!ok) throw new ReportDataError('summary.json', 'not a ticketsim summary (no scenario, tickets, tiers or faults)');
  return v as Summary; // its shape is the contract sim run wrote
}

// A report written before summary.json had bin_ms: the step of its time series, or the default bin.
function binOf(summary: Summary, rows: readonly TimeseriesRow[]): number {
  if (Number.isFinite(summary.bin_ms) && summary.bin_ms > 0) return summary.bin_ms;
  const step = (rows[1]?.t_ms ?? NaN) - (rows[0]?.t_ms ?? NaN);
  return Number.isFinite(step) && step > 0 ? step : 100;
}

/** The ReportInput of a report's files; `read` gives a file's text, or undefined when it is absent. */
export function reportFromFiles(read: (name: DataFile) => string | undefined): ReportInput {
  const need = (name: DataFile): string => {
    const text = read(name);
    if (text === undefined) throw new ReportDataError(name, 'missing (is this a report directory written by sim run?)');
    return text;
  };
  const summary = parseSummary(need('summary.json'));
  const latency = read('latency.csv');
  const scenario = read('scenario.yaml');
  const sites = read('sites.csv');
  const replication = read('replication.csv');
  const timeseries = timeseriesRows('timeseries.csv', need('timeseries.csv'));
  return {
    summary,
    timeseries,
    bin_ms: binOf(summary, timeseries),
    servers: serverRows('servers.csv', need('servers.csv')),
    nodes: nodeRows('nodes.csv', need('nodes.csv')),
    ...(latency !== undefined ? latencySets('latency.csv', latency) : { latency: [] }),
    ...(sites !== undefined ? { sites: siteRows('sites.csv', sites) } : {}),
    ...(replication !== undefined ? { replication: replicationRows('replication.csv', replication) } : {}),
    ...(scenario !== undefined ? { scenario_yaml: scenario } : {}),
  };
}
