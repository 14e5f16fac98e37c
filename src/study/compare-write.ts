// The files of `sim compare --out DIR`: compare.json (both sides' statistics, the differences and
// their intervals, the verdicts), compare.csv (one row per run), compare.md (the Markdown table),
// the overlaid charts and index.html. They depend only on the runs, never on the worker count.
import { STUDY_CSS } from './sweep-html.js';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from '../report/atomic.js';
import { plain } from '../report/format.js';
import { esc, htmlPage } from '../report/html.js';
import { type Comparison, markdown, method, tableHeader, tableRows, verdicts } from './compare.js';
import type { SampleStats } from './stats.js';

export type CompareExtra = { command: string; version: string; sides: { A: Record<string, unknown>; B: Record<string, unknown> }; fail_if: { expr: string; held: boolean; left: number; right: number }[] };

const num = (v: number | null): number | null => (v === null ? null : Number(plain(v, 9)));
const stats = (s: SampleStats) => ({ n: s.n, mean: num(s.mean), sd: num(s.sd), ci_lo: num(s.ci_lo), ci_hi: num(s.ci_hi), min: num(s.min), max: num(s.max) });

export function compareJson(c: Comparison, extra: CompareExtra): string {
  const side = (s: Comparison['a'], more: Record<string, unknown>) => ({ name: s.name, source: s.source, ...more, seeds: s.runs.map((r) => r.seed) });
  const out = {
    command: extra.command,
    ticketsim_version: extra.version,
    A: side(c.a, extra.sides.A),
    B: side(c.b, extra.sides.B),
    confidence: c.confidence,
    pairing: c.pairing,
    method: method(c),
    metrics: Object.fromEntries(
      c.metrics.map((r) => [r.metric, { A: stats(r.a), B: stats(r.b), difference: { n: r.diff.n, mean: num(r.diff.mean), ci_lo: num(r.diff.ci_lo), ci_hi: num(r.diff.ci_hi), identical: r.diff.identical } }]),
    ),
    verdicts: verdicts(c),
    fail_if: extra.fail_if,
  };
  return JSON.stringify(out, null, 2) + '\n';
}

export function compareCsv(c: Comparison): string {
  const metrics = c.metrics.map((r) => r.metric);
  const rows = [c.a, c.b].flatMap((s) => s.runs.map((r, i) => [s.label, String(i + 1), String(r.seed), ...metrics.map((m) => (r.values[m] === null || r.values[m] === undefined ? '' : String(r.values[m])))]));
  return stringify([['side', 'replication', 'seed', ...metrics], ...rows], { record_delimiter: '\n' });
}

const CSS = `${STUDY_CSS}ul.verdicts { font-size: 16px; }
`;

export function compareHtml(c: Comparison, extra: CompareExtra, charts: readonly string[]): string {
  const head = tableHeader(c).map((h) => `<th>${esc(h)}</th>`).join('');
  const rows = tableRows(c).map((r) => `<tr>${r.map((x, i) => (i === 0 ? `<td>${esc(x)}</td>` : `<td class="n">${esc(x)}</td>`)).join('')}</tr>`);
  const figures = charts.map((n) => `<figure><img src="${esc(n)}" alt="${esc(n.replace(/\.svg$/, ''))}"></figure>`).join('\n');
  const fail = extra.fail_if.map((f) => `<li><code>${esc(f.expr)}</code>: ${f.held ? 'holds (exit 1)' : 'does not hold'}</li>`).join('\n');
  return htmlPage(
    `ticketsim compare: ${c.a.name} vs ${c.b.name}`,
    CSS,
    `<p class="sub"><b>A</b> ${esc(c.a.source)} &nbsp; <b>B</b> ${esc(c.b.source)}<br>${esc(method(c))}</p>
<p class="sub"><code>${esc(extra.command)}</code><br>ticketsim ${esc(extra.version)}</p>
<h2>Verdict</h2>
<ul class="verdicts">
${verdicts(c).map((v) => `<li>${esc(v)}</li>`).join('\n')}
</ul>
${fail ? `<h2>--fail-if</h2>\n<ul>\n${fail}\n</ul>\n` : ''}<h2>Headline metrics</h2>
<table>
<thead><tr>${head}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<h2>Over time</h2>
${figures || '<p>No time series (a sweep directory keeps none).</p>'}
<h2>Data</h2>
<ul>
<li><a href="compare.json">compare.json</a>: both sides, the differences and their intervals</li>
<li><a href="compare.csv">compare.csv</a>: one row per run</li>
<li><a href="compare.md">compare.md</a>: the table as Markdown</li>
</ul>
`,
  );
}

export async function writeCompare(dir: string, c: Comparison, extra: CompareExtra, charts: Record<string, string>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['compare.json', compareJson(c, extra)],
    ['compare.csv', compareCsv(c)],
    ['compare.md', markdown(c)],
    ...Object.entries(charts),
    ['index.html', compareHtml(c, extra, Object.keys(charts))],
  ];
  for (const [name, text] of files) await writeFileAtomic(path.join(dir, name), text);
  // an earlier comparison's charts would sit beside these and mislead
  for (const old of ['throughput.svg', 'sold.svg']) if (!(old in charts)) await rm(path.join(dir, old), { force: true });
  return files.map(([n]) => n);
}
