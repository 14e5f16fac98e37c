// `sim check FILE... --replications R`: each scenario held to its expect: block over R runs on all
// cores (replication r has the seed sim sweep gives it, so a failing run replays with
// `sim check FILE --seed S`). The rules are in ../study/gate.ts.
import { availableParallelism } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../report/atomic.js';
import { ScenarioError } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { holdReplicated, type ReplicatedCheck } from '../study/gate.js';
import { type GateResult, type GateTask, runGateTask } from '../study/gate-worker.js';
import { taskPool } from '../study/pool.js';
import { replicationSeed } from '../study/sweep-plan.js';
import { broken } from '../study/verdict.js';
import { UsageError } from './errors.js';
import { junitXml, replayCommand, type ScenarioOutcome } from './check.js';
import { checkOutputPath } from './out-paths.js';

export type ReplicatedArgs = {
  replications?: number;
  workers?: number;
  confidence: number;
  junit?: string;
  out?: string;
  set?: string[];
  'update-fingerprints': boolean;
};

function whole(name: string, v: number, min: number): number {
  if (!Number.isSafeInteger(v) || v < min) throw new UsageError(`check: --${name} must be an integer >= ${min} (got ${v})`);
  return v;
}

/**
 * Refuses, before any run, what cannot be judged: a "mean" expectation without at least two
 * replications (one run has no interval; exit 2 rather than a verdict on a single value), and
 * flags that speak of one run.
 */
export function checkReplicatedArgs(args: ReplicatedArgs, scenarios: readonly { file: string; s: Scenario }[]): number | null {
  if (!(args.confidence > 0 && args.confidence < 1)) throw new UsageError(`check: --confidence must be between 0 and 1 (got ${args.confidence})`);
  const r = args.replications === undefined ? null : whole('replications', args.replications, 1);
  if (args.workers !== undefined) whole('workers', args.workers, 1);
  for (const { file, s } of scenarios) {
    const mean = s.expect.find((e) => e.over === 'mean');
    if (mean && (r === null || r < 2)) {
      const detail = `"${mean.raw}" is about the mean over runs: give --replications R with R >= 2 (one run has no interval)`;
      throw new ScenarioError(file, mean.line > 0 ? mean.line : null, `expect.${mean.path}`, detail, mean.line > 0 ? null : `--set expect.${mean.path}`);
    }
  }
  if (r !== null && args.out !== undefined) throw new UsageError('check: --out writes one run\'s report; with --replications, use sim sweep for the runs\' data');
  if (r !== null && args['update-fingerprints']) throw new UsageError('check: --update-fingerprints pins one run; drop --replications');
  return r;
}

function describeReplicated(file: string, s: Scenario, results: readonly ReplicatedCheck[], n: number, set: readonly string[]): string {
  const bad = broken(results);
  const lines = [`${bad.length === 0 ? 'PASS' : 'FAIL'} ${file} over ${n} replications (seeds ${replicationSeed(s.seed, 1)}, ${replicationSeed(s.seed, 2)}, ...)`];
  for (const r of results) {
    if (r.kind === 'invariant' && r.held) continue;
    const what = r.kind === 'expect' ? `${r.name} ${r.want}` : `invariant ${r.name}`;
    lines.push(`  ${r.held ? 'ok  ' : 'FAIL'} ${what}: ${r.got}`);
    if (!r.held && r.replay_seed !== null) lines.push(`       replay: ${replayCommand(file, r.replay_seed, set)}`);
  }
  const inv = results.filter((r) => r.kind === 'invariant');
  if (inv.every((r) => r.held)) lines.push(`  ok   invariants ${inv.map((r) => r.name).join(', ')} held in every run`);
  return lines.join('\n') + '\n';
}

/** Runs every scenario's replications (all on one pool) and prints and writes the verdicts. */
export async function checkReplicated(args: ReplicatedArgs, scenarios: readonly { file: string; s: Scenario }[], replications: number): Promise<void> {
  const set = args.set ?? [];
  const junit = args.junit === undefined ? null : { file: args.junit, ...checkOutputPath(args.junit, '--junit', 'file') };
  const tasks: GateTask[] = scenarios.flatMap(({ file, s }) =>
    Array.from({ length: replications }, (_, i) => ({ kind: 'check' as const, file, set, seed: replicationSeed(s.seed, i + 1), paths: [], series: false })),
  );
  const pool = taskPool<GateTask, GateResult>(new URL('../study/gate-worker.js', import.meta.url), runGateTask, args.workers ?? availableParallelism());
  const t0 = process.hrtime.bigint();
  let results: GateResult[];
  try {
    results = await pool.run(tasks);
  } finally {
    await pool.close();
  }
  const wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
  const outcomes: ScenarioOutcome[] = scenarios.map(({ file, s }, k) => {
    const runs = results.slice(k * replications, (k + 1) * replications).map((result, i) => ({ replication: i + 1, result }));
    const checks = holdReplicated(s.expect, runs, args.confidence);
    process.stdout.write(describeReplicated(file, s, checks, replications, set));
    return { file, scenario: s, results: checks, fingerprint: runs[0]?.result.fingerprint ?? '', wall_s: wall_s / scenarios.length, replications };
  });
  if (junit !== null) {
    const xml = junitXml(outcomes, set);
    if (junit.special) await writeFile(junit.file, xml, { flag: 'a' });
    else {
      await mkdir(path.dirname(junit.file), { recursive: true });
      await writeFileAtomic(junit.file, xml);
    }
  }
  const failed = outcomes.filter((o) => broken(o.results).length > 0);
  if (outcomes.length > 1) {
    process.stdout.write(failed.length === 0 ? `all ${outcomes.length} scenarios hold over ${replications} replications\n` : `${failed.length} of ${outcomes.length} scenarios broke: ${failed.map((o) => o.file).join(' ')}\n`);
  }
  if (failed.length > 0) process.exitCode = 1;
}
