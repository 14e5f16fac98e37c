// A study's files, as text: sweep.csv (one row per run), sweep.json (per configuration, the
// statistics of every metric, with provenance), and shard.json (a shard's runs, for `sim merge`).
// They depend only on the study and its runs, sorted by (configuration, replication): never on
// which worker or machine ran what, or when.
import { stringify } from 'csv-stringify/sync';
import { shellQuote } from '../cli/quote.js';
import { plain } from '../report/format.js';
import { type SampleStats, sampleStats } from './stats.js';
import type { RunRecord, StudySpec } from './sweep-plan.js';
import { parse as parseYaml } from 'yaml';

// Enough digits to keep every run's value exact (summary.json rounds to 3 decimals), and to hide
// float noise in means and intervals.
const num = (v: number | null): number | null => (v === null ? null : Number(plain(v, 9)));

/** A parameter's value as JSON shows it: the YAML value (a number, a string, a list...). */
export function valueOf(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch {
    return text;
  }
}

export function sweepCsv(spec: StudySpec, runs: readonly RunRecord[]): string {
  const header = [
    'config',
    ...spec.parameters.map((p) => p.key),
    'replication',
    'seed',
    ...spec.metrics,
    'no_oversell',
    'ledger',
    'conservation',
    'fingerprint',
    'error',
  ];
  const rows = runs.map((r) => {
    const c = spec.configurations[r.config];
    const inv = r.result.invariants;
    const crashed = r.result.error !== undefined;
    return [
      String(r.config),
      ...(c?.values ?? []),
      String(r.replication),
      String(r.seed),
      ...spec.metrics.map((m) => {
        const v = r.result.metrics[m];
        return v === null || v === undefined ? '' : String(v);
      }),
      ...(crashed ? ['', '', ''] : [String(inv.no_oversell), String(inv.ledger), String(inv.conservation)]),
      r.result.fingerprint,
      r.result.error ?? '',
    ];
  });
  return stringify([header, ...rows], { record_delimiter: '\n' });
}

export type ConfigStats = {
  index: number;
  values: Record<string, unknown>;
  n: number;
  failed: number; // runs that threw (counted in n; their metrics are missing)
  stats: Record<string, SampleStats>;
};

/** Per configuration: n and the statistics of each metric over its runs. */
export function studyStats(spec: StudySpec, runs: readonly RunRecord[]): ConfigStats[] {
  return spec.configurations.map((c) => {
    const mine = runs.filter((r) => r.config === c.index);
    const stats: Record<string, SampleStats> = {};
    for (const m of spec.metrics) stats[m] = sampleStats(mine.map((r) => r.result.metrics[m] ?? null), spec.confidence);
    const values = Object.fromEntries(spec.parameters.map((p, i) => [p.key, valueOf(c.values[i] ?? '')]));
    return { index: c.index, values, n: mine.length, failed: mine.filter((r) => r.result.error !== undefined).length, stats };
  });
}

function roundStats(s: SampleStats): Record<string, unknown> {
  return {
    n: s.n,
    mean: num(s.mean),
    sd: num(s.sd),
    ci: s.ci_lo === null || s.ci_hi === null ? null : [num(s.ci_lo), num(s.ci_hi)],
    half_width: num(s.half_width),
    min: num(s.min),
    max: num(s.max),
  };
}

/** Where a study's results come from: the scenario, the build and the command (sweep.json, optimize.json). */
export function provenanceOf(spec: Pick<StudySpec, 'file' | 'scenario_sha256' | 'version' | 'commit' | 'command' | 'base_seed'>) {
  return { file: spec.file, scenario_sha256: spec.scenario_sha256, ticketsim_version: spec.version, commit: spec.commit, command: spec.command, seed: spec.base_seed };
}

export function sweepJson(spec: StudySpec, runs: readonly RunRecord[]): string {
  const maxRep = runs.reduce((a, r) => Math.max(a, r.replication), 0);
  const seeds = Array.from({ length: maxRep }, (_, i) => runs.find((r) => r.replication === i + 1)?.seed ?? null);
  const out = {
    scenario: spec.scenario,
    provenance: {
      ...provenanceOf(spec),
      seeds, // of replication 1, 2, ... (the same in every configuration)
    },
    confidence: spec.confidence,
    parameters: spec.parameters.map((p) => ({ key: p.key, values: p.values.map(valueOf) })),
    ...(spec.precision.length > 0 ? { precision: spec.precision, max_replications: spec.max_replications } : { replications: spec.replications }),
    runs: runs.length,
    configurations: studyStats(spec, runs).map((c) => ({
      index: c.index,
      values: c.values,
      scenario_hash: spec.configurations[c.index]?.scenario_hash ?? '',
      n: c.n,
      failed: c.failed,
      metrics: Object.fromEntries(Object.entries(c.stats).map(([m, s]) => [m, roundStats(s)])),
    })),
    failed_runs: failedRuns(spec, runs),
  };
  return JSON.stringify(out, null, 2) + '\n';
}

/** The command that replays one run of the study with `sim run`. */
export function replayCommand(spec: StudySpec, r: RunRecord): string {
  const c = spec.configurations[r.config];
  const words = ['sim', 'run', spec.file, '--seed', String(r.seed), ...(c?.set ?? []).flatMap((s) => ['--set', s])];
  return words.map(shellQuote).join(' ');
}

/** Every run that threw, with its error line and the command that replays it. */
export function failedRuns(spec: StudySpec, runs: readonly RunRecord[]): Record<string, unknown>[] {
  return runs
    .filter((r) => r.result.error !== undefined)
    .map((r) => ({ config: r.config, replication: r.replication, seed: r.seed, error: r.result.error, replay: replayCommand(spec, r) }));
}

/** What the terminal says of the runs that threw ('' if none did): how many, and the first one. */
export function failureNote(spec: StudySpec, runs: readonly RunRecord[]): string {
  const failed = runs.filter((r) => r.result.error !== undefined);
  const first = failed[0];
  if (first === undefined) return '';
  return (
    `sweep: ${failed.length} of ${runs.length} runs failed (the error column of sweep.csv, failed_runs in sweep.json); the first:\n` +
    `  config ${first.config} replication ${first.replication} seed ${first.seed}: ${first.result.error ?? ''}\n` +
    `  replay: ${replayCommand(spec, first)}\n`
  );
}

export type ShardFile = { shard: { index: number; count: number }; spec: StudySpec; runs: RunRecord[] };

export function shardJson(spec: StudySpec, shard: { index: number; count: number }, runs: readonly RunRecord[]): string {
  const file: ShardFile = { shard, spec, runs: [...runs] };
  return JSON.stringify(file) + '\n';
}
