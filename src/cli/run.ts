// `sim run FILE`: one scenario, one report directory. Wall-clock readings live here and in
// run.json only; the model and the report files never see them.
import { hostname } from 'node:os';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { checkExpectPaths } from '../model/summary-skeleton.js';
import { Tracer } from '../metrics/trace.js';
import { runScenario } from '../model/stack.js';
import { writeReport } from '../report/write.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { setCurrentScenarioFile } from './input-errors.js';
import { checkOutputPath } from './out-paths.js';
import { startProgress } from './progress.js';

type RunArgs = { file: string; seed?: number; out?: string; set?: string[]; trace?: string; quiet: boolean };

export function parseSeed(v: unknown): number | undefined {
  return v === undefined ? undefined : Number(v);
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <file>',
  describe: 'Run one scenario and write its report (summary.json, CSVs, SVG charts, index.html)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'scenario YAML file' })
      .option('seed', { type: 'number', requiresArg: true, describe: "override the scenario's seed" })
      .option('out', { type: 'string', describe: 'report directory (default reports/<name>/)' })
      .option('set', { type: 'string', array: true, describe: 'override a key: --set nginx.workers=2 (repeatable)' })
      .option('trace', { type: 'string', describe: 'write one CSV row per request hop to this file (streamed)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' }),
  handler: async (args) => {
    setCurrentScenarioFile(args.file);
    const scenario = loadScenario(args.file, { seed: args.seed, set: args.set });
    checkExpectPaths(scenario); // a typo in expect: costs no run
    const outDir = args.out ?? path.join('reports', scenario.name);
    checkOutputPath(outDir, '--out', 'dir'); // before the run, which may take minutes
    if (args.trace !== undefined) checkOutputPath(args.trace, '--trace', 'file');
    const t0 = process.hrtime.bigint();
    const progress = startProgress(args.quiet);
    const tracer = args.trace !== undefined ? new Tracer(args.trace) : undefined;
    let out: ReturnType<typeof runScenario>;
    try {
      out = runScenario(scenario, { onProgress: progress.update, tracer });
    } catch (e) {
      tracer?.abort();
      throw e;
    }
    tracer?.close();
    const { report, events } = out;
    progress.stop();
    const wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
    const run = {
      wall_s: Math.round(wall_s * 1000) / 1000,
      events,
      events_per_s: Math.round(events / Math.max(wall_s, 1e-9)),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      host: hostname(),
      scenario_file: path.resolve(args.file),
      out_dir: path.resolve(outDir),
      argv: process.argv.slice(2),
      finished_at: new Date().toISOString(),
    };
    await writeReport(outDir, report, run);
    if (!args.quiet) process.stdout.write(describeRun(scenario, report.summary, outDir, run.wall_s, run.events_per_s));
  },
};

function describeRun(
  s: Scenario,
  sum: Awaited<ReturnType<typeof runScenario>>['report']['summary'],
  outDir: string,
  wall_s: number,
  eventsPerS: number,
): string {
  const t = sum.tickets;
  const inv = sum.invariants;
  const mark = (ok: boolean) => (ok ? 'ok' : 'BROKEN');
  const lines = [
    `${s.name} (seed ${s.seed}): ${sum.users.total} users, ${t.inventory} tickets`,
    `  sold ${t.sold} / ${t.inventory}   oversold ${t.oversold}   unsold ${t.unsold}   stranded local ${t.stranded_local}`,
    `  users: ${sum.users.succeeded} got a ticket, ${sum.users.sold_out} sold out, ${sum.users.failed} failed`,
    `  latency p50 ${sum.latency_ms.p50} ms  p99 ${sum.latency_ms.p99} ms   sold out at ${sum.sell_out_ms === null ? 'never' : `${sum.sell_out_ms} ms`}`,
    `  invariants: no_oversell ${mark(inv.no_oversell)}, ledger ${mark(inv.ledger)}, conservation ${mark(inv.conservation)}`,
  ];
  const ex = Object.entries(sum.expect);
  if (ex.length > 0) {
    const broken = ex.filter(([, r]) => !r.held);
    lines.push(`  expect: ${ex.length - broken.length}/${ex.length} hold`);
    for (const [p, r] of broken) lines.push(`    BROKEN ${p}: want ${r.want}, got ${r.value}`);
  }
  lines.push(`  report: ${path.join(outDir, 'index.html')}   (${wall_s} s, ${(eventsPerS / 1e6).toFixed(1)} M events/s)`);
  return lines.join('\n') + '\n';
}
