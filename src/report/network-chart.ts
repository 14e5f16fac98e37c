import type { NetworkSummary } from '../metrics/summary.js';
import type { ReportInput } from '../metrics/report-input.js';
import { binMs, C, Chart, type D3NodeCtor, drawFaults, drawTimeAxis, faultLegend, timeScale, type TimeAxis, tooltip } from './chart-frame.js';
import { fmtMs, fmtNum } from './format.js';

// network.svg, drawn only with a routed network in front: which director serves the VIP (VRRP
// master, or an active director), when each router's route to the VIP changed (SPF), the window
// from each fault until routes or the VIP settled, and the requests lost in front per time bin.

type Span = { from: number; to: number };
type TimelineEvent = NetworkSummary['timeline'][number];

/** Height of the band for lost requests at the bottom of the plot. */
const LOST_BAND_PX = 70;

/** Up-intervals of a node from the fault timeline: kill / stop end one, recover / "kill ends" start one. */
function upSpans(events: readonly TimelineEvent[], node: string, end_ms: number): Span[] {
  const out: Span[] = [];
  let from: number | null = 0;
  for (const e of events) {
    if (e.node !== node) continue;
    const down = e.event === 'kill' || e.event === 'stop';
    const up = e.event === 'recover' || e.event === 'kill ends' || e.event === 'stop ends';
    if (down && from !== null) {
      out.push({ from, to: e.at_ms });
      from = null;
    } else if (up && from === null) from = e.at_ms;
  }
  if (from !== null) out.push({ from, to: end_ms });
  return out;
}

/** When a director held the VIP, cut at the end of the chart. */
function vipSpans(input: ReportInput, director: string, end_ms: number): Span[] {
  return (input.summary.lvs?.vip_holders ?? [])
    .filter((v) => v.director === director && v.from_ms < end_ms)
    .map((v) => ({ from: v.from_ms, to: Math.min(v.to_ms, end_ms) }));
}

function networkSubtitle(input: ReportInput, net: NetworkSummary): string {
  const lvs = input.summary.lvs;
  return (
    `${fmtNum(net.lost)} requests lost in front (black-holed ${fmtNum(net.blackholed)}, at failover ${fmtNum(lvs?.lost_on_failover ?? 0)}, ` +
    `at a dead nginx ${fmtNum(lvs?.nginx_lost ?? 0)}); ${lvs ? `${lvs.mode}, ${lvs.forwarding}, ${lvs.scheduler}` : ''}`
  );
}

/** Up to the last thing that happened in front (VIP spans are cut there). */
function networkEndMs(input: ReportInput, net: NetworkSummary): number {
  let end_ms = Math.max(1, input.summary.duration_ms);
  for (const e of net.timeline) end_ms = Math.max(end_ms, e.at_ms);
  for (const b of net.lost_by_bin) end_ms = Math.max(end_ms, b.t_ms);
  return end_ms;
}

/** Each fault's window until routes or the VIP settled, shaded behind everything. */
function drawReconvergence(c: Chart, ta: TimeAxis, net: NetworkSummary): void {
  for (const r of net.reconvergence) {
    if (r.converged_ms === null || r.converged_ms <= r.at_ms) continue;
    const x0 = ta.at(r.at_ms);
    const x1 = ta.at(r.converged_ms);
    const band = c.rect(x0, c.P.y0, Math.max(1, x1 - x0), c.P.y1 - c.P.y0, C.oversold, { 'fill-opacity': 0.07 });
    tooltip(band, `${r.action} ${r.target}: settled after ${fmtMs(r.converged_ms - r.at_ms)}, ${fmtNum(r.lost)} lost`);
  }
}

/** One row per director, then per router, above the band for lost requests. */
type Rows = { top: (i: number) => number; row_px: number; bar_px: number };

function rowLayout(c: Chart, count: number): Rows {
  const row_px = Math.min(34, (c.P.y1 - c.P.y0 - LOST_BAND_PX - 10) / Math.max(1, count));
  return { top: (i) => c.P.y0 + i * row_px, row_px, bar_px: Math.max(6, row_px * 0.55) };
}

/** Row i: the node's name, a grid line under it, and a bar per span (VIP held, or router up). */
function drawRow(c: Chart, ta: TimeAxis, rows: Rows, i: number, name: string, spans: readonly Span[], isDirector: boolean): number {
  const y = rows.top(i) + (rows.row_px - rows.bar_px) / 2;
  c.text(c.P.x0 - 8, y + rows.bar_px / 2 + 4, name, { 'text-anchor': 'end', fill: C.axis });
  c.line(c.P.x0, rows.top(i) + rows.row_px, c.P.x1, rows.top(i) + rows.row_px, C.grid);
  for (const sp of spans) {
    const width = Math.max(1, ta.at(sp.to) - ta.at(sp.from));
    const bar = c.rect(ta.at(sp.from), y, width, rows.bar_px, isDirector ? C.ok : C.dead, { 'fill-opacity': isDirector ? 0.85 : 0.45 });
    tooltip(bar, `${name}: ${isDirector ? 'serves the VIP' : 'up'} ${fmtMs(sp.from)} to ${fmtMs(sp.to)}`);
  }
  return y;
}

/** A dot on a router's row at each change of its route to the VIP. */
function drawRouteChanges(c: Chart, ta: TimeAxis, events: readonly TimelineEvent[], router: string, cy: number): void {
  for (const e of events) {
    if (e.node !== router || e.event !== 'route') continue;
    tooltip(c.circle(ta.at(e.at_ms), cy, 4.5, C.sold), `${fmtMs(e.at_ms)} ${router}: ${e.detail}`);
  }
}

/** Requests lost in front per time bin, as bars scaled to the busiest bin. */
function drawLostBand(c: Chart, ta: TimeAxis, input: ReportInput, net: NetworkSummary): void {
  const bandTop = c.P.y1 - LOST_BAND_PX;
  const bins = net.lost_by_bin;
  const bin_ms = binMs(input) > 0 ? binMs(input) : 100;
  const maxLost = bins.reduce((a, b) => Math.max(a, b.lost), 0);
  c.text(c.P.x0 - 8, bandTop + LOST_BAND_PX / 2 + 4, 'lost', { 'text-anchor': 'end', fill: C.errors });
  c.line(c.P.x0, c.P.y1, c.P.x1, c.P.y1, C.axis);
  for (const b of bins) {
    const h = maxLost > 0 ? (b.lost / maxLost) * (LOST_BAND_PX - 14) : 0;
    const bar = c.rect(ta.at(b.t_ms), c.P.y1 - h, Math.max(1, ta.at(b.t_ms + bin_ms) - ta.at(b.t_ms)), h, C.errors);
    tooltip(bar, `${fmtMs(b.t_ms)}: ${fmtNum(b.lost)} lost`);
  }
  if (maxLost > 0) {
    c.text(c.P.x1, bandTop + 10, `peak ${fmtNum(maxLost)} lost per ${fmtMs(bin_ms)}`, { 'text-anchor': 'end', fill: C.errors, 'font-size': 11 });
  }
}

export function networkChart(D3Node: D3NodeCtor, input: ReportInput, net: NetworkSummary): string {
  const s = input.summary;
  const routers = Object.keys(s.tiers.router ?? {});
  const directors = Object.keys(s.tiers.lvs ?? {});
  const c = new Chart(D3Node, 'Network: who serves the VIP, when routes converged', networkSubtitle(input, net));
  const end_ms = networkEndMs(input, net);
  const ta = timeScale(c, end_ms);
  drawTimeAxis(c, ta);

  const rows = rowLayout(c, directors.length + routers.length);
  drawReconvergence(c, ta, net);
  directors.forEach((name, i) => drawRow(c, ta, rows, i, name, vipSpans(input, name, end_ms), true));
  routers.forEach((name, i) => {
    const y = drawRow(c, ta, rows, directors.length + i, name, upSpans(net.timeline, name, end_ms), false);
    drawRouteChanges(c, ta, net.timeline, name, y + rows.bar_px / 2);
  });
  drawLostBand(c, ta, input, net);
  drawFaults(c, input, ta);
  c.legend([
    { label: 'serves the VIP', color: C.ok, kind: 'box' },
    { label: 'router up', color: C.dead, kind: 'box' },
    { label: 'route to VIP changed', color: C.sold, kind: 'marker' },
    { label: 'lost', color: C.errors, kind: 'box' },
    ...faultLegend(input),
  ]);
  return c.svg();
}
