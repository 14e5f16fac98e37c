// What a study is, before anything runs: the varied parameters, their cross product (the
// configurations), the seed of each replication, and the content address of each run.
//
// Common random numbers: replication r runs with the same seed in every configuration, so two
// configurations differ by the parameter, not by luck. Replication 1 runs with the scenario's own
// seed (it is the run `sim run` gives); the others with a seed mixed from (that seed, r).
import { createHash } from 'node:crypto';
import type { Scenario } from '../scenario/types.js';
import type { RunResult } from './sweep-worker.js';

export type Parameter = { key: string; values: string[] };

export type Configuration = {
  index: number;
  values: string[]; // one per parameter, as given to --set
  set: string[]; // the user's --set flags, then key=value for each parameter
  scenario_hash: string; // of the resolved scenario, seed aside
};

/** Adaptive precision: the confidence half-width of `metric`'s mean must be at most this. */
export type PrecisionTarget = { metric: string; half_width: number; relative: boolean };

export type StudySpec = {
  scenario: string;
  file: string;
  scenario_sha256: string; // of the file's text
  version: string;
  commit: string | null;
  command: string; // reruns the study (without the flags that cannot change a result)
  base_seed: number;
  parameters: Parameter[];
  configurations: Configuration[];
  metrics: string[];
  confidence: number;
  replications: number; // the number per configuration; with precision targets, the first round's
  precision: PrecisionTarget[];
  max_replications: number;
};

export type RunRecord = { config: number; replication: number; seed: number; result: RunResult };

/** Every combination of the parameters' values; the first parameter varies slowest. */
export function crossProduct(params: readonly Parameter[]): string[][] {
  let out: string[][] = [[]];
  for (const p of params) out = out.flatMap((prefix) => p.values.map((v) => [...prefix, v]));
  return out;
}

/** The seed of replication r (from 1): the scenario's own for r = 1, else a 32-bit mix of both. */
export function replicationSeed(base: number, r: number): number {
  if (r === 1) return base;
  // FNV-1a over the text, then murmur3's finalizer: nearby inputs give unrelated seeds
  let h = 0x811c9dc5;
  for (const ch of `${base}/${r}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** JSON with object keys sorted, so equal values give equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

// Fields that name or locate the scenario, or judge a run, but do not change what runs.
const NOT_RUN = new Set(['name', 'description', 'file', 'line', 'expect', 'seed']);

function withoutNotRun(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNotRun);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([k]) => !NOT_RUN.has(k)).map(([k, x]) => [k, withoutNotRun(x)]));
  }
  return v;
}

/** The hash of what a resolved scenario runs, whatever its name, file, line numbers or seed. */
export function scenarioHash(s: Scenario): string {
  return sha256(canonicalJson(withoutNotRun(s)));
}

/** The content address of one run's result: what ran (scenario, code) and with which seed. */
export function runKey(scenario_hash: string, code: string, seed: number): string {
  return sha256(canonicalJson({ scenario_hash, code, seed }));
}

/** The (configuration, replication) pairs of replications from..to of every configuration. */
export function runsOf(configs: readonly number[], from: number, to: number): { config: number; replication: number }[] {
  const out: { config: number; replication: number }[] = [];
  for (const config of configs) for (let r = from; r <= to; r++) out.push({ config, replication: r });
  return out;
}

/** Shard `index` of `count` (from 0): every count-th run, so each shard gets every configuration. */
export function shardSlice<T>(runs: readonly T[], index: number, count: number): T[] {
  return runs.filter((_, i) => i % count === index);
}

/**
 * How long a run of `s` takes, roughly, to order runs by: its users (open load) or requests
 * (closed), each tried up to 1 + retries times. Only the order runs start in depends on it.
 */
export function runCost(s: Scenario): number {
  const load = s.users.load;
  return (load.kind === 'open' ? load.users : load.requests) * (1 + s.users.retries);
}

/** Indices of `costs`, the largest first; equal costs keep their order (so runs start in study order). */
export function longestFirst(costs: readonly number[]): number[] {
  return costs.map((_, i) => i).sort((a, b) => (costs[b] ?? 0) - (costs[a] ?? 0) || a - b);
}

/** Where a run's resolved scenario is kept while a study runs: its file and --set flags. */
export const taskKey = (file: string, set: readonly string[]): string => JSON.stringify([file, set]);
