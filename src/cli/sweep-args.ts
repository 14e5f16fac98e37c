// The flags of `sim sweep` that take a small language of their own: --vary, --precision, --shard.
// Each bad value is a UsageError (one line, exit 2) naming the flag as the user wrote it.
import { HEADLINE_METRICS } from '../study/sweep-metrics.js';
import type { Parameter, PrecisionTarget } from '../study/sweep-plan.js';
import { UsageError } from './errors.js';

const MAX_VALUES = 10_000;

/** A whole-number flag (--replications, --workers) of at least `min`. */
export const wholeAtLeast = (name: string, v: number, min: number): number => {
  if (!Number.isSafeInteger(v) || v < min) throw new UsageError(`sweep: --${name} must be an integer >= ${min} (got ${v})`);
  return v;
};

/** Splits at the commas outside brackets, braces and quotes: `[1,2],[3,4]` is two values. */
export function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur.trim());
  return out;
}

const NUM = String.raw`(-?\d+(?:\.\d+)?)`;
const UNIT = String.raw`([a-z%/]*)`;
const RANGE = new RegExp(String.raw`^${NUM}${UNIT}\s*\.\.\s*${NUM}${UNIT}\s*:\s*${NUM}${UNIT}$`, 'i');

const decimals = (s: string): number => (s.includes('.') ? s.length - s.indexOf('.') - 1 : 0);

/**
 * lo..hi:step, both ends included, in decimal arithmetic (1..1.5:0.1 gives 1, 1.1, ... 1.5, not
 * 1.2000000000000002). A unit may follow the numbers (100ms..500ms:100ms, 10k/s..40k/s:10k/s).
 */
export function expandRange(text: string, flag: string): string[] | null {
  const m = RANGE.exec(text.trim());
  if (m === null) return null;
  const [, lo = '', loUnit = '', hi = '', hiUnit = '', step = '', stepUnit = ''] = m;
  const unit = loUnit || hiUnit || stepUnit;
  if ([loUnit, hiUnit, stepUnit].some((u) => u !== '' && u !== unit)) throw new UsageError(`${flag}: ${text}: lo, hi and step must have the same unit`);
  const dec = Math.max(decimals(lo), decimals(hi), decimals(step));
  const scale = 10 ** dec;
  const [L, H, S] = [lo, hi, step].map((v) => Math.round(Number(v) * scale)) as [number, number, number];
  if (S <= 0) throw new UsageError(`${flag}: ${text}: the step must be above 0`);
  if (H < L) throw new UsageError(`${flag}: ${text}: hi must be at least lo`);
  const count = Math.floor((H - L) / S) + 1;
  if (count > MAX_VALUES) throw new UsageError(`${flag}: ${text}: ${count} values (at most ${MAX_VALUES})`);
  return Array.from({ length: count }, (_, i) => `${String(Number(((L + i * S) / scale).toFixed(dec)) + 0)}${unit}`);
}

/** `key=v1,v2,...` or `key=lo..hi:step`. */
export function parseVary(spec: string): Parameter {
  const flag = `--vary ${spec}`;
  const eq = spec.indexOf('=');
  const key = (eq < 0 ? '' : spec.slice(0, eq)).trim();
  if (eq < 0 || key === '') throw new UsageError(`${flag}: expected key=v1,v2,... or key=lo..hi:step`);
  if (key === 'seed') throw new UsageError(`${flag}: replications vary the seed; vary another key`);
  const rest = spec.slice(eq + 1);
  const values = expandRange(rest, flag) ?? splitTopLevel(rest);
  if (values.some((v) => v === '')) throw new UsageError(`${flag}: an empty value (write key=v1,v2,...)`);
  const dup = values.find((v, i) => values.indexOf(v) !== i);
  if (dup !== undefined) throw new UsageError(`${flag}: ${dup} is listed twice`);
  return { key, values };
}

export function parseVaries(specs: readonly string[]): Parameter[] {
  const params = specs.map(parseVary);
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.key)) throw new UsageError(`--vary ${p.key}: varied twice; list every value in one --vary`);
    seen.add(p.key);
  }
  return params;
}

/** `metric=±x` (absolute) or `metric=±x%` (relative to the mean); `+-x` and plain `x` too. */
export function parsePrecision(spec: string): PrecisionTarget {
  const flag = `--precision ${spec}`;
  const m = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(?:±|\+-|\+\/-)?\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(spec);
  if (m === null) throw new UsageError(`${flag}: expected metric=±x or metric=±x% (e.g. tickets.unsold=±50)`);
  const [, metric = '', amount = '', pct = ''] = m;
  const known: readonly string[] = HEADLINE_METRICS;
  if (!known.includes(metric)) throw new UsageError(`${flag}: unknown metric ${metric} (one of ${known.join(', ')})`);
  const x = Number(amount);
  if (!(x > 0)) throw new UsageError(`${flag}: the half-width must be above 0`);
  return pct ? { metric, half_width: x / 100, relative: true } : { metric, half_width: x, relative: false };
}

/** `I/N`: shard I (from 0, as JOB_COMPLETION_INDEX counts) of N. */
export function parseShard(spec: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || !(count >= 1) || !(index < count)) {
    throw new UsageError(`--shard ${spec}: expected I/N with 0 <= I < N (shards count from 0, like JOB_COMPLETION_INDEX)`);
  }
  return { index, count };
}
