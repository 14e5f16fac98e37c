import { replaceDirAtomic, withTempCleanup } from './atomic.js';
import { renderCharts } from './charts.js';
import { nodesCsv, replicationCsv, serversCsv, timeseriesCsv } from './csv.js';
import { indexHtml } from './html.js';
import type { ReportInput } from '../metrics/report-input.js';

/**
 * Writes a whole report as directory `dir`, replacing any earlier one as a whole (./atomic.ts), and
 * returns the file names written, in order.
 * Every file but run.json depends only on `input`, so equal runs give equal bytes;
 * `run` (wall time, versions, host, paths) is the caller's and goes to run.json only.
 */
export async function writeReport(dir: string, input: ReportInput, run: Record<string, unknown>): Promise<string[]> {
  const charts = await renderCharts(input);
  const files: [string, string][] = [
    ['summary.json', JSON.stringify(input.summary, null, 2) + '\n'],
    ['timeseries.csv', timeseriesCsv(input)],
    ['servers.csv', serversCsv(input)],
    ['nodes.csv', nodesCsv(input)],
    ...(input.replication ? ([['replication.csv', replicationCsv(input)]] as [string, string][]) : []),
    ...Object.entries(charts),
    ['index.html', indexHtml(input, Object.keys(charts), charts)],
    ['run.json', JSON.stringify(run, null, 2) + '\n'],
  ];
  await withTempCleanup(() => replaceDirAtomic(dir, files));
  return files.map(([name]) => name);
}
