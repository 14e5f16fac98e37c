// The study's index.html: what was run (provenance), a table of every configuration's means and
// intervals, and the charts. Self-contained and deterministic, as a run's page is.
import { esc, htmlPage } from '../report/html.js';
import { fmtNum } from '../report/format.js';
import type { ConfigStats } from './sweep-output.js';
import type { StudySpec } from './sweep-plan.js';

/** The look every study page shares (sweep, compare, optimize); a page may append its own rules. */
export const STUDY_CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #222; background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; }
.sub { color: #666; margin: 0 0 20px; }
.wide { overflow-x: auto; }
table { border-collapse: collapse; background: #fff; font-size: 13px; }
th, td { border: 1px solid #e2e4e8; padding: 4px 7px; text-align: left; white-space: nowrap; }
th { background: #f0f1f4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 0 0 16px; background: #fff; border: 1px solid #e2e4e8; border-radius: 8px; padding: 6px; }
figure img { width: 100%; height: auto; display: block; }
`;

function cell(s: ConfigStats, metric: string): string {
  const m = s.stats[metric];
  if (m === undefined || m.mean === null) return '-';
  const hw = m.half_width === null ? '' : ` &plusmn; ${esc(fmtNum(m.half_width, 3))}`;
  return `${esc(fmtNum(m.mean, 3))}${hw}`;
}

function statsTable(spec: StudySpec, stats: readonly ConfigStats[]): string {
  const head = ['#', ...spec.parameters.map((p) => p.key), 'n', ...spec.metrics].map((h) => `<th>${esc(h)}</th>`).join('');
  const rows = stats.map((s) => {
    const conf = spec.configurations[s.index];
    const vals = spec.parameters.map((_, i) => `<td>${esc(conf?.values[i] ?? '')}</td>`).join('');
    const ms = spec.metrics.map((m) => `<td class="n">${cell(s, m)}</td>`).join('');
    return `<tr><td class="n">${s.index}</td>${vals}<td class="n">${s.n}</td>${ms}</tr>`;
  });
  return `<div class="wide"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table></div>`;
}

export function sweepHtml(spec: StudySpec, stats: readonly ConfigStats[], chartNames: readonly string[]): string {
  const title = `ticketsim study: ${spec.scenario}`;
  const pct = Math.round(spec.confidence * 1000) / 10;
  const runs = stats.reduce((a, s) => a + s.n, 0);
  const failed = stats.reduce((a, s) => a + s.failed, 0);
  // only when some run threw, so the page of a study without failures is as it was
  const warn = failed === 0 ? '' : `<p class="sub"><strong>${failed} of ${runs} runs failed</strong>: their errors and replay commands are under failed_runs in sweep.json.</p>\n`;
  const figures = chartNames.map((n) => `<figure><img src="charts/${esc(n)}" alt="${esc(n.replace(/\.svg$/, ''))}"></figure>`).join('\n');
  return htmlPage(
    title,
    STUDY_CSS,
    `<p class="sub">${stats.length} configurations, ${runs} runs; replication r has the same seed in every configuration (common random numbers).
Intervals: ${pct} % Student-t, &plusmn; half-width.</p>
<p class="sub"><code>${esc(spec.command)}</code><br>ticketsim ${esc(spec.version)}${spec.commit ? `, commit <code>${esc(spec.commit)}</code>` : ''}, scenario sha256 <code>${esc(spec.scenario_sha256.slice(0, 16))}</code></p>
${warn}<h2>Configurations (mean &plusmn; half-width)</h2>
${statsTable(spec, stats)}
<h2>Charts</h2>
${figures || '<p>No parameter varies: no charts.</p>'}
<h2>Data</h2>
<ul>
<li><a href="sweep.csv">sweep.csv</a>: one row per run</li>
<li><a href="sweep.json">sweep.json</a>: statistics per configuration, with provenance</li>
</ul>
`,
  );
}
