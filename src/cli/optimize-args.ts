// The flags of `sim optimize` that take a small language of their own: --minimize/--maximize
// key=lo..hi with --step, and --subject "metric op value". Each bad value is a UsageError (one
// line, exit 2) naming the flag as the user wrote it.
import { type Axis, type Goal, type Subject, type SubjectOp } from '../study/optimize-plan.js';
import { UsageError } from './errors.js';

// A unit is one of a family; values of one family convert by a power of ten.
const UNITS: Record<string, { family: string; exp10: number }> = {
  '': { family: 'number', exp10: 0 },
  us: { family: 'duration', exp10: 0 },
  ms: { family: 'duration', exp10: 3 },
  s: { family: 'duration', exp10: 6 },
  '/s': { family: 'rate', exp10: 0 },
  'k/s': { family: 'rate', exp10: 3 },
  'K/s': { family: 'rate', exp10: 3 },
  'M/s': { family: 'rate', exp10: 6 },
  'G/s': { family: 'rate', exp10: 9 },
};

const MAX_POINTS = 1e9;

type Quantity = { digits: string; unit: string };

function quantity(text: string, flag: string): Quantity {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z/]*)\s*$/.exec(text);
  if (m === null || !Object.hasOwn(UNITS, m[2] ?? '')) {
    throw new UsageError(`${flag}: ${JSON.stringify(text.trim())} is not a number with an optional unit (us, ms, s, /s, k/s, M/s)`);
  }
  return { digits: m[1] ?? '', unit: m[2] ?? '' };
}

const decimalsOf = (digits: string): number => (digits.includes('.') ? digits.length - digits.indexOf('.') - 1 : 0);

/** The quantities in the smallest unit among them, scaled to integers over 10^decimals. */
function common(qs: readonly Quantity[], flag: string): { unit: string; decimals: number; scaled: number[] } {
  const fam = new Set(qs.map((q) => UNITS[q.unit]?.family));
  if (fam.size > 1) throw new UsageError(`${flag}: lo, hi and step must be quantities of one kind (got ${qs.map((q) => q.unit || 'a plain number').join(', ')})`);
  const exps = qs.map((q) => UNITS[q.unit]?.exp10 ?? 0);
  const base = Math.min(...exps);
  const unit = qs[exps.indexOf(base)]?.unit ?? '';
  const decimals = Math.max(0, ...qs.map((q, i) => decimalsOf(q.digits) - ((exps[i] ?? 0) - base)));
  const scaled = qs.map((q, i) => Math.round(Number(q.digits) * 10 ** ((exps[i] ?? 0) - base + decimals)));
  return { unit, decimals, scaled };
}

/**
 * `key=lo..hi` for --minimize or --maximize, with the grid step of --step (default: the largest
 * power of ten at most a hundredth of the range, in the smaller unit of lo and hi).
 */
export function parseAxis(goal: Goal, spec: string, step: string | undefined): Axis {
  const flag = `--${goal} ${spec}`;
  const m = /^\s*([A-Za-z0-9_.[\]-]+)\s*=\s*(.+?)\s*\.\.\s*(.+?)\s*$/.exec(spec);
  if (m === null) throw new UsageError(`${flag}: expected key=lo..hi (e.g. app.local_stock.buffer=1..2)`);
  const [, key = '', loText = '', hiText = ''] = m;
  if (key === 'seed') throw new UsageError(`${flag}: replications vary the seed; optimize another key`);
  const qs = [quantity(loText, flag), quantity(hiText, flag)];
  if (step !== undefined) qs.push(quantity(step, `--step ${step}`));
  let { unit, decimals, scaled } = common(qs, flag);
  const [lo = 0, hi = 0] = scaled;
  if (hi < lo) throw new UsageError(`${flag}: hi must be at least lo`);
  let stepScaled = scaled[2];
  if (stepScaled === undefined) {
    const range = (hi - lo) / 10 ** decimals;
    const p10 = range > 0 ? Math.floor(Math.log10(range / 100)) : 0;
    if (p10 < -decimals) {
      const more = -p10 - decimals;
      decimals += more;
      scaled = scaled.map((v) => v * 10 ** more);
    }
    stepScaled = Math.round(10 ** (p10 + decimals));
  }
  if (stepScaled <= 0) throw new UsageError(`--step ${step ?? ''}: the step must be above 0`);
  const [L = 0, H = 0] = scaled;
  if ((H - L) / stepScaled + 1 > MAX_POINTS) throw new UsageError(`${flag}: more than ${MAX_POINTS} grid points; use a larger --step`);
  return { key, goal, unit, decimals, lo: L, hi: H, step: stepScaled };
}

const OPS: Record<string, SubjectOp> = { '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };

/** `metric op value`: op one of < <= > >=; value a number, or N% of tickets.inventory for tickets.* metrics. */
export function parseSubject(text: string): Subject {
  const flag = `--subject ${JSON.stringify(text)}`;
  const m = /^\s*([A-Za-z0-9_.]+)\s*(<=|>=|<|>|==|=|!=)\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*(%?)\s*$/.exec(text);
  if (m === null) throw new UsageError(`${flag}: expected "metric op value", op one of < <= > >= (e.g. "latency_ms.p99 < 200", "tickets.unsold < 1%")`);
  const [, metric = '', opText = '', num = '', pct = ''] = m;
  const op = OPS[opText];
  if (op === undefined) throw new UsageError(`${flag}: ${opText} cannot be met by a confidence bound; use < <= > or >=`);
  if (pct && !metric.startsWith('tickets.')) throw new UsageError(`${flag}: % means a percentage of tickets.inventory; it applies to tickets.* metrics only`);
  return { metric, op, value: Number(num), percent: pct !== '', raw: `${metric} ${opText} ${num}${pct}` };
}
