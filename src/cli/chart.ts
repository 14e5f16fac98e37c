// `sim chart REPORT_DIR`: redraws a report's figures and index.html from its summary.json, CSVs and
// scenario.yaml, byte for byte what `sim run` drew. The data files and run.json stay as they are.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { replaceDirAtomic, withTempCleanup } from '../report/atomic.js';
import { DATA_FILES, type DataFile, ReportDataError } from '../report/read.js';
import { renderFigures } from '../report/write.js';
import { UsageError } from './errors.js';

type ChartArgs = { dir: string; quiet: boolean };

const isDataFile = (n: string): n is DataFile => (DATA_FILES as readonly string[]).includes(n);
// what sim run draws: replaced, so that a figure the data no longer calls for goes away
const isDrawn = (n: string): boolean => n.endsWith('.svg') || n === 'index.html';

function readReportDir(dir: string): [string, string][] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`${dir}: not a directory (give a report directory written by sim run)`);
    names = readdirSync(dir).sort();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${dir}: cannot read the report directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return names
    .filter((n) => !n.startsWith('.') && !isDrawn(n) && statSync(path.join(dir, n)).isFile())
    .map((n) => [n, readFileSync(path.join(dir, n), 'utf8')]);
}

export const chartCommand: CommandModule<object, ChartArgs> = {
  command: 'chart <dir>',
  describe: "Redraw a report's figures and index.html from its summary.json and CSVs",
  builder: (y) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'a report directory written by sim run' })
      .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' }),
  handler: async (args) => {
    const kept = readReportDir(args.dir);
    const data = kept.filter((f): f is [DataFile, string] => isDataFile(f[0]));
    let drawn: [string, string][];
    try {
      drawn = await renderFigures(data);
    } catch (e) {
      if (e instanceof ReportDataError) throw new UsageError(`${path.join(args.dir, e.message)}`);
      throw e;
    }
    await withTempCleanup(() => replaceDirAtomic(args.dir, [...kept, ...drawn]));
    if (!args.quiet) process.stdout.write(`redrew ${drawn.map(([n]) => n).join(', ')} in ${args.dir}\n`);
  },
};
