// `sim run FILE`: one scenario, one report directory. Wall-clock readings live here and in
// run.json only; the model and the report files never see them.
import { hostname } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CommandModule } from 'yargs';
import { checkExpectPaths } from '../model/summary-skeleton.js';
import { Tracer } from '../metrics/trace.js';
import { runScenario } from '../model/stack.js';
import { replicationLines, scriptErrorLines } from '../model/redis/summary.js';
import { startChartThread } from '../report/chart-thread.js';
import { writeReport } from '../report/write.js';
import { latencyHeadline } from '../report/headline.js';
import { unsoldWaterfall } from '../report/unsold.js';
import { expectationsApply, expectationVerdict, invariantVerdicts } from '../report/verdicts.js';
import { loadScenario } from '../scenario/load.js';
import { scenarioAsRunYaml } from '../scenario/user-yaml.js';
import type { Scenario } from '../scenario/types.js';
import type { Summary } from '../metrics/summary.js';
import { setCurrentScenarioFile } from './current-file.js';
import { checkOutputPath } from './out-paths.js';
import { startProgress } from './progress.js';
import { releaseSimulationMemory } from './release-memory.js';

type RunArgs = { file: string; seed?: number; out?: string; set?: string[]; trace?: string; quiet: boolean; 'keep-expect': boolean };

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
      .option('quiet', { type: 'boolean', default: false, describe: 'print nothing but errors' })
      .option('keep-expect', { type: 'boolean', default: false, describe: "with --set: still hold the run to the scenario's expect: block" }),
  handler: async (args) => {
    setCurrentScenarioFile(args.file);
    const scenario = loadScenario(args.file, { seed: args.seed, set: args.set });
    checkExpectPaths(scenario); // a typo in expect: costs no run
    const outDir = args.out ?? path.join('reports', scenario.name);
    checkOutputPath(outDir, '--out', 'dir', { makeParents: args.out === undefined }); // before the run, which may take minutes
    if (args.trace !== undefined) checkOutputPath(args.trace, '--trace', 'file');
    const charts = startChartThread(); // loads d3-node on the other core while this one simulates
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
    releaseSimulationMemory(); // the model is garbage now: return it before the report is drawn
    progress.writing();
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
    if (args.set && args.set.length > 0) report.summary.what_if = { overrides: [...args.set], expectations_apply: args['keep-expect'] };
    report.scenario_yaml = scenarioAsRunYaml(scenario);
    try {
      await writeReport(outDir, report, run, charts.render);
      await charts.close();
    } finally {
      progress.stop();
    }
    // performance.now() counts from the process's start: start-up and report writing included
    const total_s = performance.now() / 1000;
    if (!args.quiet) process.stdout.write(describeRun(scenario, report.summary, outDir, { total_s, events, sim_s: wall_s }));
  },
};

function whyUnsold(t: Summary['tickets']): string[] {
  const lines = unsoldWaterfall(t);
  if (t.unsold === 0) return lines.map((l) => `  ${l}`);
  return ['  why unsold:', ...lines.map((l) => `    ${l}`)];
}

/** Events per second, readable at any size: 2.7 M, 340 k, 812. */
export function fmtRate(perS: number): string {
  if (perS >= 1e6) return `${(perS / 1e6).toFixed(1)} M`;
  if (perS >= 1e3) return `${Math.round(perS / 1e3)} k`;
  return `${Math.round(perS)}`;
}

type Timing = { total_s: number; sim_s: number; events: number };

function expectLines(sum: Summary): string[] {
  const ex = Object.entries(sum.expect);
  if (ex.length === 0) return [];
  if (!expectationsApply(sum)) return [`  expect: ${ex.length} expectations of the original scenario, not applied to this what-if run (--keep-expect applies them)`];
  const broken = ex.filter(([, r]) => !r.held);
  return [`  expect: ${ex.length - broken.length}/${ex.length} hold`, ...broken.map(([p, r]) => `    broken: ${expectationVerdict(p, r)}`)];
}

function describeRun(s: Scenario, sum: Summary, outDir: string, time: Timing): string {
  const t = sum.tickets;
  const title = sum.what_if ? `${s.name}, what-if ${sum.what_if.overrides.map((o) => `--set ${o}`).join(' ')}` : s.name;
  const lines = [
    `${title} (seed ${s.seed}): ${sum.users.total} users, ${t.inventory} tickets`,
    `  sold ${t.sold} / ${t.inventory}   oversold ${t.oversold}   unsold ${t.unsold}   stranded local ${t.stranded_local}`,
    ...whyUnsold(t),
    `  users: ${sum.users.succeeded} got a ticket, ${sum.users.sold_out} sold out, ${sum.users.failed} failed`,
    `  latency ${latencyHeadline(sum)}`,
    `  ${sum.sell_out_ms === null ? 'never sold out' : `sold out at ${sum.sell_out_ms} ms`}`,
    `  ${sum.bottleneck.sentence}`,
    `  invariants: ${invariantVerdicts(sum).join('; ')}`,
    ...scriptErrorLines(sum.tiers.redis),
    ...replicationLines(sum.replication),
    ...expectLines(sum),
    `  took ${time.total_s.toFixed(2)} s in all (simulation ${time.sim_s.toFixed(2)} s, ${fmtRate(time.events / Math.max(time.sim_s, 1e-9))} events/s)`,
    `  report: ${pathToFileURL(path.resolve(outDir, 'index.html')).href}`,
  ];
  return lines.join('\n') + '\n';
}
