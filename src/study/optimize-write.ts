// Writes `sim optimize`'s directory: optimize.json, runs.csv (one row per run, as sweep.csv),
// charts/*.svg and index.html (the answer, how it was found, every candidate, the charts).
import { STUDY_CSS } from './sweep-html.js';
import { mkdir, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../report/atomic.js';
import { esc, htmlPage } from '../report/html.js';
import { optimizeCharts } from './optimize-charts.js';
import { asStudy, decisive, describeOptimize, fmt, optimizeJson, pctOf, rangeText, sortedRuns, wantText } from './optimize-output.js';
import type { Evaluated } from './optimize-search.js';
import type { OptimizeOutcome, OptimizeSpec } from './optimize-run.js';
import { sweepCsv } from './sweep-output.js';

export { describeOptimize };

const CSS = `${STUDY_CSS}.answer { font-size: 18px; background: #fff; border: 1px solid #e2e4e8; border-radius: 8px; padding: 12px 16px; }
tr.fails td { color: #a33; }
tr.decides td { font-weight: 600; }
`;

function row(spec: OptimizeSpec, o: OptimizeOutcome, e: Evaluated, role: string): string {
  const conf = o.configurations[e.order];
  const vals = spec.axes.map((_, i) => `<td>${esc(conf?.values[i] ?? '')}</td>`).join('');
  const subs = e.verdict.subjects
    .map((v) => {
      const mean = v.mean === null ? '-' : `${esc(fmt(v.mean))}${v.half_width === null ? '' : ` &plusmn; ${esc(fmt(v.half_width))}`}`;
      const bound = v.bound === null ? '-' : esc(fmt(v.bound));
      return `<td class="n">${mean}</td><td class="n">${bound}</td><td class="n">${v.threshold === null ? '-' : esc(fmt(v.threshold))}</td>`;
    })
    .join('');
  const cls = [e.verdict.feasible ? '' : 'fails', role ? 'decides' : ''].filter(Boolean).join(' ');
  return `<tr${cls ? ` class="${cls}"` : ''}><td class="n">${e.order + 1}</td>${vals}${subs}<td>${e.verdict.feasible ? 'yes' : 'no'}</td><td>${esc(role)}</td></tr>`;
}

function table(spec: OptimizeSpec, o: OptimizeOutcome, list: readonly Evaluated[]): string {
  const { answer, neighbour } = decisive(o);
  const head = [
    ...['#', ...spec.axes.map((a) => a.key)].map(esc),
    ...spec.subjects.flatMap((s) => [`${esc(s.metric)} (mean &plusmn; half-width)`, 'bound', 'threshold']),
    'all hold',
    '',
  ]
    .map((h) => `<th>${h}</th>`)
    .join('');
  const rows = list.map((e) => row(spec, o, e, e === answer ? 'answer' : e === neighbour ? 'one step better: fails' : ''));
  return `<div class="wide"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table></div>`;
}

export function optimizeHtml(spec: OptimizeSpec, o: OptimizeOutcome, chartNames: readonly string[]): string {
  const { answer, neighbour } = decisive(o);
  const verdict =
    answer === undefined
      ? 'No value in the range meets every subject.'
      : `Answer: ${spec.axes.map((a, i) => `<code>${esc(a.key)}</code> = <b>${esc(o.configurations[answer.order]?.values[i] ?? '')}</b>`).join(', ')}`;
  const decided = [answer, neighbour].filter((e): e is Evaluated => e !== undefined);
  const figures = chartNames.map((n) => `<figure><img src="charts/${esc(n)}" alt="${esc(n.replace(/\.svg$/, ''))}"></figure>`).join('\n');
  return htmlPage(
    `ticketsim optimize: ${spec.scenario}`,
    CSS,
    `<p class="sub">${esc(rangeText(spec))}, subject to ${spec.subjects.map((s) => `<code>${esc(s.metric)} ${esc(wantText(s))}</code>`).join(' and ')}.
A subject holds when the ${pctOf(spec.confidence)} % Student-t interval's bound on the unfavourable side meets it, over ${spec.replications} replications per value; replication r has the same seed at every value (common random numbers).</p>
<p class="answer">${verdict}</p>
<ul>${o.search.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
<h2>The runs that decided it</h2>
${decided.length > 0 ? table(spec, o, decided) : '<p>No value met every subject.</p>'}
<h2>Every value evaluated, in order (${o.search.evaluated.length} values, ${o.runs.length} runs)</h2>
${table(spec, o, o.search.evaluated)}
<h2>Charts</h2>
${figures}
<h2>Data</h2>
<ul>
<li><a href="optimize.json">optimize.json</a>: the answer, the method, every value with its intervals, provenance</li>
<li><a href="runs.csv">runs.csv</a>: one row per run</li>
</ul>
<p class="sub"><code>${esc(spec.command)}</code><br>ticketsim ${esc(spec.version)}${spec.commit ? `, commit <code>${esc(spec.commit)}</code>` : ''}</p>
`,
  );
}

export async function writeOptimize(dir: string, spec: OptimizeSpec, o: OptimizeOutcome): Promise<string[]> {
  const charts = await optimizeCharts(spec, o);
  await mkdir(path.join(dir, 'charts'), { recursive: true });
  const files: [string, string][] = [
    ['optimize.json', optimizeJson(spec, o)],
    ['runs.csv', sweepCsv(asStudy(spec, o), sortedRuns(o))],
    ...Object.entries(charts).map(([n, svg]): [string, string] => [path.join('charts', n), svg]),
    ['index.html', optimizeHtml(spec, o, Object.keys(charts))],
  ];
  for (const [name, text] of files) await writeFileAtomic(path.join(dir, name), text);
  for (const old of await readdir(path.join(dir, 'charts'))) {
    if (old.endsWith('.svg') && !(old in charts)) await unlink(path.join(dir, 'charts', old));
  }
  return files.map(([n]) => n);
}
