// `sim compare`: two sides (A and B), each a list of runs with a seed and metric values. When both
// sides ran the same seeds (common random numbers: replication r has the same seed on both), the
// difference is taken run by run and its Student-t interval is the paired one; otherwise the
// sides are independent and Welch's interval is used. A verdict names the difference only when
// its interval excludes 0.
import { fmtNum } from '../report/format.js';
import { type SampleStats, sampleStats, tQuantile } from './stats.js';

export type SideRun = { seed: number; values: Record<string, number | null> };
export type Side = { label: 'A' | 'B'; name: string; source: string; runs: SideRun[] };

export type Pairing = 'paired' | 'welch' | 'none';

export type Difference = {
  n: number; // pairs (paired) or the smaller side's runs
  mean: number | null; // of B - A
  ci_lo: number | null;
  ci_hi: number | null;
  identical: boolean; // paired and every difference 0
};

export type MetricRow = { metric: string; a: SampleStats; b: SampleStats; diff: Difference };

export type Comparison = { a: Side; b: Side; confidence: number; pairing: Pairing; metrics: MetricRow[] };

/** Paired when both sides ran the same seeds in the same order, at least two of them. */
export function pairingOf(a: Side, b: Side): Pairing {
  const same = a.runs.length === b.runs.length && a.runs.every((r, i) => r.seed === b.runs[i]?.seed);
  if (same && a.runs.length >= 2) return 'paired';
  return a.runs.length >= 2 && b.runs.length >= 2 ? 'welch' : 'none';
}

const nums = (runs: readonly SideRun[], m: string): number[] => runs.map((r) => r.values[m]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));

/** B - A run by run, over the runs where both have a number. */
export function pairedDifference(a: Side, b: Side, m: string, confidence: number): Difference {
  const d: number[] = [];
  a.runs.forEach((ra, i) => {
    const va = ra.values[m];
    const vb = b.runs[i]?.values[m];
    if (typeof va === 'number' && typeof vb === 'number') d.push(vb - va);
  });
  const st = sampleStats(d, confidence);
  return { n: st.n, mean: st.mean, ci_lo: st.ci_lo, ci_hi: st.ci_hi, identical: st.n > 0 && d.every((x) => x === 0) };
}

/** Welch's interval of mean(B) - mean(A) for independent sides (Welch-Satterthwaite df). */
export function welchDifference(a: SampleStats, b: SampleStats, confidence: number): Difference {
  const n = Math.min(a.n, b.n);
  if (a.mean === null || b.mean === null) return { n, mean: null, ci_lo: null, ci_hi: null, identical: false };
  const mean = b.mean - a.mean;
  if (a.sd === null || b.sd === null) return { n, mean, ci_lo: null, ci_hi: null, identical: false };
  const va = (a.sd * a.sd) / a.n;
  const vb = (b.sd * b.sd) / b.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { n, mean, ci_lo: mean, ci_hi: mean, identical: false };
  const df = (va + vb) ** 2 / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const half = tQuantile(1 - (1 - confidence) / 2, df) * se;
  return { n, mean, ci_lo: mean - half, ci_hi: mean + half, identical: false };
}

export function compareSides(a: Side, b: Side, metrics: readonly string[], confidence: number): Comparison {
  const pairing = pairingOf(a, b);
  const rows = metrics.map((metric): MetricRow => {
    const sa = sampleStats(nums(a.runs, metric), confidence);
    const sb = sampleStats(nums(b.runs, metric), confidence);
    let diff: Difference;
    if (pairing === 'paired') diff = pairedDifference(a, b, metric, confidence);
    else if (pairing === 'welch') diff = welchDifference(sa, sb, confidence);
    else {
      const mean = sa.mean === null || sb.mean === null ? null : sb.mean - sa.mean;
      diff = { n: Math.min(sa.n, sb.n), mean, ci_lo: null, ci_hi: null, identical: mean === 0 };
    }
    return { metric, a: sa, b: sb, diff };
  });
  return { a, b, confidence, pairing, metrics: rows };
}

// ---- words --------------------------------------------------------------------------------------

/** How a difference reads: [more, fewer] phrasings ({d} is the size), and the noun for "no difference in". */
const PHRASES: Record<string, { up: string; down: string; noun: string }> = {
  'tickets.sold': { up: 'B sells {d} more tickets', down: 'B sells {d} fewer tickets', noun: 'tickets sold' },
  'tickets.unsold': { up: 'B leaves {d} more tickets unsold', down: 'B leaves {d} fewer tickets unsold', noun: 'unsold tickets' },
  'tickets.oversold': { up: 'B oversells {d} more tickets', down: 'B oversells {d} fewer tickets', noun: 'oversold tickets' },
  'users.failed': { up: 'B fails {d} more users', down: 'B fails {d} fewer users', noun: 'failed users' },
  'latency_ms.p50': { up: "B's p50 is {d} ms higher", down: "B's p50 is {d} ms lower", noun: 'p50' },
  'latency_ms.p99': { up: "B's p99 is {d} ms higher", down: "B's p99 is {d} ms lower", noun: 'p99' },
  'throughput.mean_per_s': { up: 'B answers {d} more requests/s on average', down: 'B answers {d} fewer requests/s on average', noun: 'mean throughput' },
  'sell_out_ms': { up: 'B sells out {d} ms later', down: 'B sells out {d} ms sooner', noun: 'sell-out time' },
};

/** The metrics that get a sentence each. */
export const VERDICT_METRICS = ['tickets.sold', 'tickets.unsold', 'tickets.oversold', 'users.failed', 'latency_ms.p99', 'throughput.mean_per_s', 'sell_out_ms'];

/** A difference as a person writes it: whole for large values, up to 3 decimals for small ones. */
export function fmtDiff(v: number): string {
  const x = Math.abs(v);
  return fmtNum(v, x >= 1000 ? 0 : x >= 1 ? 2 : 3);
}

const pct = (confidence: number): string => `${fmtNum(confidence * 100, 3)} %`;

/** One plain sentence about one metric. */
export function verdict(c: Comparison, row: MetricRow): string {
  const words = PHRASES[row.metric] ?? { up: `B's ${row.metric} is {d} higher`, down: `B's ${row.metric} is {d} lower`, noun: row.metric };
  const d = row.diff;
  if (d.mean === null) {
    const show = (st: SampleStats) => (st.mean === null ? 'none (null in every run)' : fmtDiff(st.mean));
    return `${words.noun}: A ${show(row.a)}, B ${show(row.b)}; nothing to compare`;
  }
  if (d.identical) return c.pairing === 'paired' ? `no difference in ${words.noun} (identical in all ${d.n} replications)` : `no difference in ${words.noun}`;
  const say = (d.mean > 0 ? words.up : words.down).replace('{d}', fmtDiff(Math.abs(d.mean)));
  if (d.ci_lo === null || d.ci_hi === null) {
    return c.pairing === 'none' ? `${say} (one run each: no interval)` : `${say} (no interval)`;
  }
  if (d.ci_lo <= 0 && d.ci_hi >= 0) {
    return `no significant difference in ${words.noun} (B - A ${fmtDiff(d.mean)}, ${pct(c.confidence)} CI ${fmtDiff(d.ci_lo)} to ${fmtDiff(d.ci_hi)})`;
  }
  const [lo, hi] = d.mean > 0 ? [d.ci_lo, d.ci_hi] : [-d.ci_hi, -d.ci_lo];
  return `${say} (${pct(c.confidence)} CI ${fmtDiff(lo)} to ${fmtDiff(hi)})`;
}

export function verdicts(c: Comparison): string[] {
  return c.metrics.filter((r) => VERDICT_METRICS.includes(r.metric)).map((r) => verdict(c, r));
}

/** What the interval is, in one sentence (common random numbers said when they were used). */
export function method(c: Comparison): string {
  const n = c.a.runs.length;
  if (c.pairing === 'paired') {
    const seeds = c.a.runs.slice(0, 3).map((r) => r.seed).join(', ');
    return `Common random numbers: replication r ran with the same seed on both sides (seeds ${seeds}${n > 3 ? ', ...' : ''}); differences are paired, ${n} pairs, ${pct(c.confidence)} Student-t intervals.`;
  }
  if (c.pairing === 'welch') return `The sides ran different seeds (${c.a.runs.length} and ${c.b.runs.length} runs): independent samples, ${pct(c.confidence)} Welch intervals.`;
  const [sa, sb] = [c.a.runs[0]?.seed, c.b.runs[0]?.seed];
  const seeds = sa === sb ? `both with seed ${sa ?? '-'} (common random numbers)` : `seeds ${sa ?? '-'} and ${sb ?? '-'}`;
  return `One run each, ${seeds}: differences without an interval (replications give one).`;
}

const cell = (v: number | null): string => (v === null ? '-' : fmtDiff(v));

/** The table's rows as text cells: metric, A, B, B - A, interval (or '' without one). */
export function tableRows(c: Comparison): string[][] {
  return c.metrics.map((r) => {
    const ci = r.diff.ci_lo === null || r.diff.ci_hi === null ? '' : `${fmtDiff(r.diff.ci_lo)} to ${fmtDiff(r.diff.ci_hi)}`;
    const sign = r.diff.mean !== null && r.diff.mean > 0 ? '+' : '';
    return [r.metric, cell(r.a.mean), cell(r.b.mean), r.diff.mean === null ? '-' : `${sign}${fmtDiff(r.diff.mean)}`, ci];
  });
}

export function tableHeader(c: Comparison): string[] {
  const mean = c.a.runs.length > 1 || c.b.runs.length > 1 ? ' (mean)' : '';
  return ['metric', `A${mean}`, `B${mean}`, 'B - A', c.pairing === 'none' ? '' : `${pct(c.confidence)} CI of B - A`];
}

/** The comparison as a Markdown table with its verdicts, ready for a pull-request comment. */
export function markdown(c: Comparison): string {
  const head = tableHeader(c);
  const keep = head[4] === '' ? 4 : 5;
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const line = (cells: readonly string[]) => `| ${cells.slice(0, keep).map(esc).join(' | ')} |`;
  const align = ['---', ...Array.from({ length: keep - 1 }, () => '---:')];
  return [
    `**A** ${esc(c.a.name)} (${esc(c.a.source)}) vs **B** ${esc(c.b.name)} (${esc(c.b.source)})`,
    '',
    line(head),
    `| ${align.join(' | ')} |`,
    ...tableRows(c).map(line),
    '',
    ...verdicts(c).map((v) => `- ${v}`),
    '',
    `_${method(c)}_`,
    '',
  ].join('\n');
}

/** The same table for a terminal: columns padded, numbers right-aligned. */
export function terminalTable(c: Comparison): string {
  const head = tableHeader(c);
  const rows = [head, ...tableRows(c)];
  const widths = head.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((x, i) => (i === 0 ? x.padEnd(widths[i] ?? 0) : x.padStart(widths[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}
