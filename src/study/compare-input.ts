// The sides of `sim compare DIR_A DIR_B`: a run's report directory (summary.json, timeseries.csv)
// is one run; a sweep's directory (sweep.json, sweep.csv) of one configuration is its
// replications. Anything else is bad input (exit 2).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Summary } from '../metrics/summary.js';
import type { SideRun } from './compare.js';
import type { Series } from './gate-worker.js';
import { metricAt } from './sweep-metrics.js';

export class CompareInputError extends Error {}

export type DirSide = { name: string; kind: 'report' | 'sweep'; runs: SideRun[]; series: Series | null; available: (metric: string) => boolean };

/** RFC 4180 rows: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cur += '"', i++);
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') (row.push(cur), (cur = ''));
    else if (ch === '\n') (row.push(cur), rows.push(row), (row = []), (cur = ''));
    else if (ch !== '\r') cur += ch;
  }
  if (cur !== '' || row.length > 0) (row.push(cur), rows.push(row));
  return rows;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new CompareInputError(`${file}: not readable JSON (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
  }
}

function seriesFromCsv(file: string): Series | null {
  if (!existsSync(file)) return null;
  const [head, ...rows] = parseCsv(readFileSync(file, 'utf8'));
  const col = (name: string) => (head ?? []).indexOf(name);
  const get = (name: string) => rows.map((r) => Number(r[col(name)] ?? 0));
  if (['t_ms', 'ok', 'sold_total', 'arrivals'].some((c) => col(c) < 0)) return null;
  const t_ms = get('t_ms');
  return { bin_ms: t_ms.length > 1 ? (t_ms[1] ?? 0) - (t_ms[0] ?? 0) : 0, t_ms, ok: get('ok'), sold_total: get('sold_total'), arrivals: get('arrivals') };
}

function reportSide(dir: string, metrics: readonly string[]): DirSide {
  const summary = readJson(path.join(dir, 'summary.json')) as Summary;
  if (summary === null || typeof summary !== 'object' || typeof summary.seed !== 'number') throw new CompareInputError(`${dir}/summary.json: not a ticketsim summary (no seed)`);
  const values = Object.fromEntries(metrics.map((m) => [m, metricAt(summary, m) ?? null]));
  return {
    name: String(summary.scenario),
    kind: 'report',
    runs: [{ seed: summary.seed, values }],
    series: seriesFromCsv(path.join(dir, 'timeseries.csv')),
    available: (m) => metricAt(summary, m) !== undefined,
  };
}

function sweepSide(dir: string): DirSide {
  const json = readJson(path.join(dir, 'sweep.json'));
  const configs = json !== null && typeof json === 'object' && 'configurations' in json && Array.isArray(json.configurations) ? json.configurations.length : -1;
  const scenario = json !== null && typeof json === 'object' && 'scenario' in json ? String(json.scenario) : path.basename(dir);
  if (configs !== 1) {
    throw new CompareInputError(`${dir}: a sweep of ${configs < 0 ? 'unknown' : configs} configurations; compare takes one per side (a sweep without --vary, or a report directory)`);
  }
  const csv = path.join(dir, 'sweep.csv');
  if (!existsSync(csv)) throw new CompareInputError(`${dir}: sweep.json without sweep.csv`);
  const [head = [], ...rows] = parseCsv(readFileSync(csv, 'utf8'));
  const seedCol = head.indexOf('seed');
  const repCol = head.indexOf('replication');
  if (seedCol < 0 || repCol < 0) throw new CompareInputError(`${csv}: no seed or replication column`);
  const runs = rows
    .map((r) => ({ rep: Number(r[repCol]), run: { seed: Number(r[seedCol]), values: Object.fromEntries(head.map((h, i) => [h, r[i] === '' || r[i] === undefined ? null : Number(r[i])])) } }))
    .sort((x, y) => x.rep - y.rep)
    .map((x) => x.run);
  return { name: scenario, kind: 'sweep', runs, series: null, available: (m) => head.includes(m) };
}

/** A directory as a side: a report or a one-configuration sweep. */
export function readDirSide(dir: string, metrics: readonly string[]): DirSide {
  if (existsSync(path.join(dir, 'summary.json'))) return reportSide(dir, metrics);
  if (existsSync(path.join(dir, 'sweep.json'))) return sweepSide(dir);
  throw new CompareInputError(`${dir}: neither a report (summary.json) nor a sweep (sweep.json)`);
}
