import type { GslbSummary } from '../metrics/summary.js';
import type { ReportInput, SiteRow } from '../metrics/report-input.js';
import { binMs, C, Chart, type D3NodeCtor, drawFaults, drawTimeAxis, faultLegend, type LegendItem, type Pt, timeAxis, tooltip } from './chart-frame.js';
import { fmtMs, fmtNum } from './format.js';

// sites.svg, drawn only with sites: the users' requests reaching each site per second (the DNS
// view), the requests lost to a dark site as a dashed line, each site's dark spells shaded, and
// a marker where the GSLB stopped or resumed handing a site out.

const SITE_COLORS = ['#1f6fb4', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00'];

/** The site's rows in time order. */
function rowsOf(rows: readonly SiteRow[], site: string): SiteRow[] {
  return rows.filter((r) => r.site === site);
}

/** Shades the bins in which the site ends dark. */
function drawDark(c: Chart, x: (ms: number) => number, rows: readonly SiteRow[], bin_ms: number, site: string): void {
  for (const r of rows) {
    if (r.alive === 1) continue;
    const band = c.rect(x(r.t_ms), c.P.y0, Math.max(1, x(r.t_ms + bin_ms) - x(r.t_ms)), c.P.y1 - c.P.y0, C.dead, { 'fill-opacity': 0.18 });
    tooltip(band, `${site} dark at ${fmtMs(r.t_ms + bin_ms)}`);
  }
}

function drawGslbMarks(c: Chart, x: (ms: number) => number, gslb: GslbSummary, colorOf: (site: string) => string): void {
  for (const e of gslb.timeline) {
    if (e.event !== 'removed' && e.event !== 'restored') continue;
    const cy = e.event === 'removed' ? c.P.y0 + 8 : c.P.y0 + 20;
    tooltip(c.circle(x(e.at_ms), cy, 5, colorOf(e.site), e.event === 'removed' ? {} : { 'fill-opacity': 0.35 }), `${fmtMs(e.at_ms)} ${e.site} ${e.event}: ${e.detail}`);
  }
}

export function sitesChart(D3Node: D3NodeCtor, input: ReportInput, gslb: GslbSummary): string {
  const sites = Object.keys(input.summary.tiers.site ?? {});
  const all = input.sites ?? [];
  const bin_ms = binMs(input) > 0 ? binMs(input) : 100;
  const c = new Chart(
    D3Node,
    'Requests per site (the DNS view)',
    `TTL ${fmtMs(gslb.ttl_ms)}, checks every ${fmtMs(gslb.interval_ms)} (fall ${gslb.fall}, rise ${gslb.rise}); ` +
      `${fmtNum(gslb.users_failed_dark)} users failed on a dark site`,
  );
  const ta = timeAxis(c, input);
  const perSecond = 1000 / bin_ms;
  const max = all.reduce((a, r) => Math.max(a, r.requests, r.lost), 0) * perSecond;
  const y = c.yScale(max > 0 ? max * 1.08 : 1);
  c.yAxis(y, 'requests per second (1/s)', (v) => fmtNum(v));
  drawTimeAxis(c, ta);
  const colorOf = (site: string) => SITE_COLORS[Math.max(0, sites.indexOf(site)) % SITE_COLORS.length];
  const legend: LegendItem[] = [];
  for (const site of sites) {
    const rows = rowsOf(all, site);
    drawDark(c, ta.at, rows, bin_ms, site);
    const step = (key: 'requests' | 'lost'): Pt[] => rows.flatMap((r): Pt[] => [[ta.at(r.t_ms), y(r[key] * perSecond)], [ta.at(r.t_ms + bin_ms), y(r[key] * perSecond)]]);
    c.path(step('requests'), colorOf(site), { 'stroke-width': 1.75 });
    legend.push({ label: `${site} requests`, color: colorOf(site), kind: 'line' });
    if (rows.some((r) => r.lost > 0)) {
      c.path(step('lost'), colorOf(site), { 'stroke-dasharray': '5,3' });
      legend.push({ label: `${site} lost`, color: colorOf(site), kind: 'dash' });
    }
  }
  drawGslbMarks(c, ta.at, gslb, colorOf);
  drawFaults(c, input, ta);
  if (all.length === 0) c.empty('no requests recorded');
  c.legend([...legend, { label: 'dark', color: C.dead, kind: 'box' }, { label: 'GSLB removed (filled) / restored', color: C.axis, kind: 'marker' }, ...faultLegend(input)]);
  return c.svg();
}
