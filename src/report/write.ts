import { replaceDirAtomic, withTempCleanup } from './atomic.js';
import type { ChartRenderer } from './chart-thread.js';
import { renderCharts } from './charts.js';
import { latencyCsv, nodesCsv, replicationCsv, serversCsv, sitesCsv, timeseriesCsv } from './csv.js';
import { indexHtml } from './html.js';
import { type DataFile, reportFromFiles } from './read.js';
import type { ReportInput } from '../metrics/report-input.js';

/**
 * The report's data files: summary.json and the CSVs, and scenario.yaml (the scenario as run, in
 * the keys a user writes) when the input has it. Everything else is drawn from these.
 */
export function dataFiles(input: ReportInput): [DataFile, string][] {
  return [
    ['summary.json', JSON.stringify(input.summary, null, 2) + '\n'],
    ['timeseries.csv', timeseriesCsv(input)],
    ['servers.csv', serversCsv(input)],
    ['nodes.csv', nodesCsv(input)],
    ['latency.csv', latencyCsv(input)],
    ...(input.sites ? [['sites.csv', sitesCsv(input)] as [DataFile, string]] : []),
    ...(input.replication ? [['replication.csv', replicationCsv(input)] as [DataFile, string]] : []),
    ...(input.scenario_yaml !== undefined ? [['scenario.yaml', input.scenario_yaml] as [DataFile, string]] : []),
  ];
}

/** The figures and index.html, drawn from the data files alone: `sim chart` gives the same bytes. */
export async function renderFigures(data: readonly [DataFile, string][], render: ChartRenderer = renderCharts): Promise<[string, string][]> {
  const byName = new Map<string, string>(data);
  const input = reportFromFiles((name) => byName.get(name));
  const charts = await render(input); // in the chart thread when sim run started one
  return [...Object.entries(charts), ['index.html', indexHtml(input, Object.keys(charts), charts)]];
}

/**
 * Writes a whole report as directory `dir`, replacing any earlier one as a whole (./atomic.ts), and
 * returns the file names written, in order.
 * Every file but run.json depends only on `input`, so equal runs give equal bytes;
 * `run` (wall time, versions, host, paths) is the caller's and goes to run.json only.
 * `render` draws the charts: in process by default, or in the chart thread (./chart-thread.ts).
 */
export async function writeReport(dir: string, input: ReportInput, run: Record<string, unknown>, render: ChartRenderer = renderCharts): Promise<string[]> {
  const data = dataFiles(input);
  const files: [string, string][] = [...data, ...(await renderFigures(data, render)), ['run.json', JSON.stringify(run, null, 2) + '\n']];
  await withTempCleanup(() => replaceDirAtomic(dir, files));
  return files.map(([name]) => name);
}
