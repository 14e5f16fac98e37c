import type { ReportInput } from '../metrics/report-input.js';
import type { Summary } from '../metrics/summary.js';
import { fmtMs, fmtNum, fmtPct } from './format.js';
import { latencyHeadline } from './headline.js';
import { unsoldWaterfall } from './unsold.js';
import { expectationsApply, invariantVerdict } from './verdicts.js';
import { esc } from './html-escape.js';
import { REPLAY_CSS, replaySection } from './replay.js';

// index.html: one self-contained page (inline CSS, SVG and the replay's script; no external assets). Same input, same bytes: no clock, host or absolute path here.

export { esc };

const CSS = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #222; background: #f6f7f9; }
main { max-width: 960px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; }
.sub { color: #666; margin: 0 0 20px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.card { background: #fff; border: 1px solid #e2e4e8; border-radius: 8px; padding: 10px 12px; }
.card .k { color: #666; font-size: 12px; }
.card .v { font-size: 20px; font-weight: 600; margin-top: 2px; }
.card.bad { border-color: #d62728; }
.card.bad .v { color: #d62728; }
.badge { display: inline-block; border-radius: 999px; padding: 3px 10px; margin: 0 6px 6px 0; font-size: 13px; font-weight: 600; color: #fff; }
.ok { background: #1a7f37; }
.fail { background: #d62728; }
table { border-collapse: collapse; background: #fff; width: 100%; font-size: 14px; }
th, td { border: 1px solid #e2e4e8; padding: 5px 8px; text-align: left; }
th { background: #f0f1f4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 0 0 16px; background: #fff; border: 1px solid #e2e4e8; border-radius: 8px; padding: 6px; }
figure img, figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 12px; text-align: right; }
.none { color: #666; font-style: italic; }
.whatif { background: #fff8e1; border: 1px solid #e6c200; border-radius: 8px; padding: 8px 12px; margin: 0 0 14px; }
.whatif ul { margin: 4px 0 0; }
.lead { font-size: 16px; font-weight: 600; margin: 0 0 14px; }
details.scenario pre { background: #fff; border: 1px solid #e2e4e8; border-radius: 8px; padding: 10px 12px; font-size: 12px; overflow-x: auto; }
`;

type Card = { k: string; v: string; bad?: boolean };

function cards(list: readonly Card[]): string {
  return (
    '<div class="cards">\n' +
    list
      .map((c) => `<div class="card${c.bad ? ' bad' : ''}"><div class="k">${esc(c.k)}</div><div class="v">${esc(c.v)}</div></div>`)
      .join('\n') +
    '\n</div>'
  );
}

function badge(label: string, held: boolean): string {
  return `<span class="badge ${held ? 'ok' : 'fail'}">${held ? '&#10003;' : '&#10007;'} ${esc(label)}</span>`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  // Cells arrive already escaped (some carry badges).
  const body = rows.map((r) => '<tr>' + r.map((cell, i) => `<td${numeric[i] ? ' class="n"' : ''}>${cell}</td>`).join('') + '</tr>').join('\n');
  return `<table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** The run at a glance; a card turns red when its number shows a broken run. */
function headline(s: Summary): string {
  const t = s.tickets;
  const u = s.users;
  return cards([
    { k: 'tickets sold / inventory', v: `${fmtNum(t.sold)} / ${fmtNum(t.inventory)}` },
    { k: 'oversold', v: fmtNum(t.oversold), bad: t.oversold > 0 },
    { k: 'unsold', v: fmtNum(t.unsold) },
    { k: 'unsold: stock lost / never reached', v: `${fmtNum(t.unsold_why.unsold_lost)} / ${fmtNum(t.unsold_why.never_reached)}` },
    { k: '"sold out" while tickets remained', v: fmtNum(t.unsold_why.sold_out_while_stock), bad: t.unsold_why.sold_out_while_stock > 0 },
    { k: 'stranded local stock', v: fmtNum(t.stranded_local) },
    { k: 'orphaned tickets (buyer never told)', v: fmtNum(t.orphaned), bad: t.orphaned > 0 },
    { k: 'users succeeded', v: fmtNum(u.succeeded) },
    { k: 'users sold out', v: fmtNum(u.sold_out) },
    { k: 'users failed', v: fmtNum(u.failed), bad: u.failed > 0 },
    { k: 'users total', v: fmtNum(u.total) },
    { k: 'users timed out', v: fmtNum(u.failed_timeout), bad: u.failed_timeout > 0 },
    { k: 'latency p50 (ok)', v: fmtMs(s.latency_ok_ms.p50) },
    { k: 'latency p99 (ok)', v: fmtMs(s.latency_ok_ms.p99) },
    { k: 'latency p99 (all, failures included)', v: fmtMs(s.latency_all_ms.p99), bad: s.latency_ko_ms.count > 0 },
    { k: 'throughput (mean)', v: `${fmtNum(s.throughput.mean_per_s, 0)}/s` },
    { k: 'throughput (peak)', v: `${fmtNum(s.throughput.peak_per_s, 0)}/s` },
    { k: 'sold out at', v: s.sell_out_ms === null ? 'never' : fmtMs(s.sell_out_ms) },
    { k: 'simulated duration', v: fmtMs(s.duration_ms) },
  ]);
}

function unsoldSection(s: Summary): string {
  const lines = unsoldWaterfall(s.tickets);
  if (lines.length === 0) return '';
  const head = s.tickets.unsold > 0 ? 'Why tickets stayed unsold' : 'Users refused while tickets remained';
  return `<h2>${head}</h2>\n<ol class="waterfall">\n${lines.map((l) => `<li>${esc(l)}</li>`).join('\n')}\n</ol>\n<p class="none">Fields: <code>tickets.unsold_why</code> in summary.json.</p>\n`;
}

function invariantBadges(s: Summary): string {
  const names: (keyof Summary['invariants'])[] = ['no_oversell', 'ledger', 'conservation'];
  return names.map((name) => badge(invariantVerdict(s, name), s.invariants[name])).join('\n');
}

/** The scenario's description, and for a what-if run the overrides it was run with. */
function scenarioNote(s: Summary): string {
  const desc = s.description ? `<p>${esc(s.description)}</p>\n` : '';
  if (!s.what_if) return desc;
  const list = s.what_if.overrides.map((o) => `<li><code>--set ${esc(o)}</code></li>`).join('\n');
  return `${desc}<div class="whatif"><strong>What-if run</strong>: the scenario as written, changed by\n<ul>\n${list}\n</ul>\n</div>\n`;
}

function expectTable(s: Summary): string {
  const entries = Object.entries(s.expect);
  if (entries.length === 0) return '<p class="none">The scenario has no <code>expect:</code> block.</p>';
  const note = expectationsApply(s)
    ? ''
    : '<p class="none">These expectations were written for the original scenario and do not apply to this what-if run (run with <code>--keep-expect</code> to apply them); shown for reference.</p>\n';
  return note + table(
    ['path', 'want', 'value', 'held'],
    entries.map(([path, e]) => [
      `<code>${esc(path)}</code>`,
      esc(e.want),
      e.value === null ? '<span class="none">missing</span>' : esc(typeof e.value === 'string' ? e.value : fmtNum(e.value, 6)),
      expectationsApply(s) ? badge(e.held ? 'held' : 'broken', e.held) : `<span class="none">${e.held ? 'would hold' : 'would break'}</span>`,
    ]),
    [false, false, true, false],
  );
}

function faultTable(s: Summary): string {
  if (s.faults.length === 0) return '<p class="none">No faults were injected.</p>';
  return table(
    ['#', 'at', 'action', 'target', 'detail'],
    s.faults.map((f, i) => [String(i + 1), esc(fmtMs(f.at_ms)), esc(f.action), esc(f.target), esc(f.detail)]),
    [true, true, false, false, false],
  );
}

/** A time in ms, or the muted text `none` when there is no time. */
function msOr(ms: number | null, none: string): string {
  return ms === null ? `<span class="none">${none}</span>` : esc(fmtMs(ms));
}

/** With a routed network: what was lost in front, and each fault's reconvergence; '' without one. */
function networkSection(s: Summary): string {
  const net = s.network;
  if (!net) return '';
  const reconvergence =
    net.reconvergence.length === 0
      ? '<p class="none">No network fault.</p>'
      : table(
          ['fault at', 'action', 'target', 'detected', 'settled', 'window', 'lost'],
          net.reconvergence.map((r) => [
            esc(fmtMs(r.at_ms)),
            esc(r.action),
            esc(r.target),
            msOr(r.detected_ms, '-'),
            msOr(r.converged_ms, 'never'),
            msOr(r.window_ms, '-'),
            esc(fmtNum(r.lost)),
          ]),
          [true, false, false, true, true, true, true],
        );
  return `<h2>Network in front</h2>
<p>${esc(fmtNum(net.lost))} requests lost in front: ${esc(fmtNum(net.blackholed))} black-holed in routing, ${esc(fmtNum(s.lvs?.lost_on_failover ?? 0))} at a VIP failover, ${esc(fmtNum(s.lvs?.nginx_lost ?? 0))} at a dead nginx.</p>
${siteFrontTable(s)}${reconvergence}
`;
}

/** With sites that have their own fronts: each site's routers and directors, what they carried and lost. */
function siteFrontTable(s: Summary): string {
  const rows = Object.entries(s.tiers.site ?? {}).flatMap(([name, x]) => {
    if (x.router === undefined || x.lvs === undefined || x.front === undefined) return [];
    const nodes = (o: Record<string, { requests: number; alive_at_end: boolean }>) =>
      Object.entries(o)
        .map(([n, v]) => `${n} ${fmtNum(v.requests)}${v.alive_at_end ? '' : ' (down)'}`)
        .join(', ');
    const f = x.front;
    return [[esc(name), esc(nodes(x.router)), esc(nodes(x.lvs)), esc(fmtNum(f.network.lost)), esc(fmtNum(f.lvs.lost_on_failover)), esc(f.lvs.vip_holders.map((v) => v.director).join(', '))]];
  });
  if (rows.length === 0) return '';
  return table(['site', 'routers (requests)', 'directors (requests)', 'lost in front', 'at a VIP failover', 'held the VIP'], rows, [false, false, false, true, true, false]);
}

function serverTable(s: Summary): string {
  const apps = Object.entries(s.tiers.app);
  if (apps.length === 0) return '<p class="none">No app servers.</p>';
  return table(
    ['server', 'weight', 'requests', 'share', 'expected', 'local stock', 'local sold', 'redis ok', 'sold out', 'lost', 'utilization', 'alive at end'],
    apps.map(([name, a]) => [
      esc(name),
      esc(fmtNum(a.weight)),
      esc(fmtNum(a.requests)),
      esc(fmtPct(a.share, 2)),
      esc(fmtPct(a.expected_share, 2)),
      esc(fmtNum(a.local_stock)),
      esc(fmtNum(a.local_sold)),
      esc(fmtNum(a.redis_ok)),
      esc(fmtNum(a.sold_out)),
      esc(fmtNum(a.lost)),
      esc(fmtPct(a.utilization, 1)),
      badge(a.alive_at_end ? 'yes' : 'no', a.alive_at_end),
    ]),
    [false, true, true, true, true, true, true, true, true, true, true, false],
  );
}

/**
 * The charts, inline when their text is given (so their tooltips work and the page needs no other
 * file), each with a link to its own SVG file; otherwise as images.
 */
function figures(chartNames: readonly string[], svgs?: Readonly<Record<string, string>>): string {
  const one = (n: string): string => {
    const svg = svgs?.[n];
    if (svg === undefined) return `<figure><img src="${esc(n)}" alt="${esc(n.replace(/\.svg$/, ''))} chart"></figure>`;
    return `<figure>${svg.replace(/^<\?xml[^>]*>\s*/, '').trimEnd()}<figcaption><a href="${esc(n)}">${esc(n)}</a></figcaption></figure>`;
  };
  const list = chartNames.map(one).join('\n');
  return list || '<p class="none">No charts.</p>';
}

/** The scenario as run, in the keys a user writes: what a what-if run changed is visible in it. */
function scenarioSection(yaml: string | undefined): string {
  if (yaml === undefined) return '';
  const lines = yaml.split('\n').length - 1;
  return `<h2>Scenario as run</h2>
<details class="scenario"><summary><a href="scenario.yaml">scenario.yaml</a>: every default filled in, ${lines} lines; <code>sim run scenario.yaml</code> runs it again</summary>
<pre>${esc(yaml)}</pre>
</details>
`;
}

export function indexHtml(input: ReportInput, chartNames: readonly string[], svgs?: Readonly<Record<string, string>>): string {
  const s = input.summary;
  const title = `ticketsim report: ${s.scenario}${s.what_if ? ' (what-if)' : ''}`;
  return htmlPage(
    title,
    CSS + REPLAY_CSS,
    `<p class="sub">scenario <code>${esc(s.scenario)}</code>, seed <code>${esc(String(s.seed))}</code>, ${esc(fmtNum(s.events, 0))} events, fingerprint <code>${esc(s.fingerprint)}</code></p>
${scenarioNote(s)}<p class="lead">${esc(latencyHeadline(s))}</p>
${headline(s)}
${unsoldSection(s)}<h2>Bottleneck</h2>
<p>${esc(s.bottleneck.sentence)}</p>
<h2>Invariants</h2>
<div>
${invariantBadges(s)}
</div>
<h2>Expectations</h2>
${expectTable(s)}
<h2>Fault timeline</h2>
${faultTable(s)}
${networkSection(s)}${replaySection(input)}<h2>Charts</h2>
${figures(chartNames, svgs)}
<h2>App servers</h2>
${serverTable(s)}
${scenarioSection(input.scenario_yaml)}<h2>Data</h2>
<ul>
<li><a href="summary.json">summary.json</a> (the contract)</li>
<li><a href="timeseries.csv">timeseries.csv</a></li>
<li><a href="servers.csv">servers.csv</a></li>
<li><a href="nodes.csv">nodes.csv</a> (per node and time bin: busy fraction, queue, jobs done)</li>
<li><a href="latency.csv">latency.csv</a> (latency histograms: answered, ok, all requests)</li>
</ul>
`,
  );
}

/** A whole page: the head with its title and styles, the title again as h1, then `body`. */
export function htmlPage(title: string, css: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${css}</style>
</head>
<body>
<main>
<h1>${esc(title)}</h1>
${body}</main>
</body>
</html>
`;
}
