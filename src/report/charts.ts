import type { ScaleLinear, ScaleLogarithmic } from 'd3-node';
import type { ReportInput, ServerRow, TimeseriesRow } from '../metrics/report-input.js';
import type { Summary } from '../metrics/summary.js';
import {
  type Attrs,
  binMs,
  C,
  Chart,
  DASH,
  type D3NodeCtor,
  drawFaults,
  drawTimeAxis,
  faultLegend,
  type LegendItem,
  loadD3Node,
  p,
  pathOf,
  type Pt,
  timeAxis,
  type TimeAxis,
  tooltip,
} from './chart-frame.js';
import { fmtMs, fmtNum, fmtPct } from './format.js';
import { cdfChart } from './cdf-chart.js';
import { loadChart } from './load-chart.js';
import { sitesChart } from './sites-chart.js';
import { networkChart } from './network-chart.js';
import { replicationChart } from './replication-chart.js';

// The report's SVG charts, one function each; the frame they share is in ./chart-frame.ts.

// ---------------------------------------------------------------- time series bins

// About two pixels per drawn bin: finer bins only draw noise and bloat the file.
const MAX_DRAWN_BINS = 380;

type Drawn = {
  rows: TimeseriesRow[];
  bin: number;
  /** Span of each drawn bin; a merged bin at the end may cover less than `bin`. */
  width: number[];
};

/** The time series merged into wider bins when it has more than MAX_DRAWN_BINS rows. */
function drawnBins(input: ReportInput): Drawn {
  const bin = binMs(input);
  const rows = input.timeseries;
  if (bin <= 0 || rows.length <= MAX_DRAWN_BINS) return { rows, bin, width: rows.map(() => bin) };
  const wide = bin * Math.ceil(rows.length / MAX_DRAWN_BINS);
  const out: TimeseriesRow[] = [];
  const width: number[] = [];
  let latencySum = 0;
  let responses = 0;
  for (const r of rows) {
    const t = Math.floor(r.t_ms / wide) * wide;
    let m = out.at(-1);
    if (m === undefined || m.t_ms !== t) {
      if (m) m.latency_mean_ms = responses > 0 ? latencySum / responses : 0;
      latencySum = 0;
      responses = 0;
      m = { t_ms: t, arrivals: 0, ok: 0, sold_out: 0, errors: 0, timeouts: 0, sold_total: 0, latency_mean_ms: 0, timeouts_by_send: 0, errors_by_send: 0 };
      out.push(m);
      width.push(0);
    }
    width[width.length - 1] = Math.min(wide, Math.max(width[width.length - 1], r.t_ms + bin - t));
    const n = r.ok + r.sold_out + r.errors + r.timeouts;
    m.arrivals += r.arrivals;
    m.ok += r.ok;
    m.sold_out += r.sold_out;
    m.errors += r.errors;
    m.timeouts += r.timeouts;
    m.timeouts_by_send += r.timeouts_by_send;
    m.errors_by_send += r.errors_by_send;
    m.sold_total = Math.max(m.sold_total, r.sold_total); // cumulative: the bin's last value
    latencySum += r.latency_mean_ms * n;
    responses += n;
  }
  const last = out.at(-1);
  if (last) last.latency_mean_ms = responses > 0 ? latencySum / responses : 0;
  return { rows: out, bin: wide, width };
}

// ---------------------------------------------------------------- 1. tickets sold

function soldSubtitle(s: Summary, inv: number): string {
  return `${fmtNum(s.tickets.sold)} of ${fmtNum(inv)} sold` + (s.sell_out_ms !== null ? `, sold out at ${fmtMs(s.sell_out_ms)}` : ', never sold out');
}

/** The cumulative sold curve over a light area down to zero. */
function drawSoldCurve(c: Chart, screen: readonly Pt[], zeroY: number): void {
  const area = [...screen, [screen[screen.length - 1][0], zeroY] as Pt, [screen[0][0], zeroY] as Pt];
  c.root.append('path').attr('d', pathOf(area) + 'Z').attr('fill', C.sold).attr('fill-opacity', 0.12);
  c.path(screen, C.sold, { 'stroke-width': 2.5 });
}

function drawInventory(c: Chart, y: ScaleLinear, inv: number): void {
  c.line(c.P.x0, y(inv), c.P.x1, y(inv), C.inventory, { 'stroke-width': 1.5, 'stroke-dasharray': '7,4' });
  // Labelled at the left, below the line, where the rising sold curve has not yet arrived.
  c.text(c.P.x0 + 6, y(inv) + 16, `inventory ${fmtNum(inv)}`, { fill: C.inventory });
}

/**
 * The sold curve from where it crosses the inventory onwards; `pts` in data units, `screen` the
 * same points in pixels, `over` the first point above the inventory.
 */
function oversoldSegment(ta: TimeAxis, y: ScaleLinear, inv: number, pts: readonly Pt[], screen: readonly Pt[], over: number): Pt[] {
  const red: Pt[] = [];
  if (over > 0) {
    const [ax, ay] = pts[over - 1];
    const [bx, by] = pts[over];
    const f = by > ay ? (inv - ay) / (by - ay) : 0;
    red.push([ta.x(ax + (bx - ax) * f), y(inv)]);
  }
  for (let i = over; i < pts.length; i++) red.push(screen[i]);
  return red;
}

function markSellOut(c: Chart, ta: TimeAxis, sellOut_ms: number): void {
  const px = ta.at(sellOut_ms);
  c.vline(px, C.sellOut, { 'stroke-width': 2, 'stroke-dasharray': '2,3' });
  c.labelBeside(px, c.P.y1 - 10, `sold out at ${fmtMs(sellOut_ms)}`, { fill: C.sellOut, gap_px: 5, room_px: 150, style: { 'font-weight': 600 } });
}

/** Even one oversold ticket is sub-pixel at this scale, so it gets a marker and a label at [mx, my]. */
function oversoldCallout(c: Chart, [mx, my]: Pt, oversold: number): void {
  c.circle(mx, my, 6, C.oversold, { stroke: '#ffffff', 'stroke-width': 1.5 });
  const right = mx > c.P.x1 - 150;
  const lx = right ? mx - 10 : mx + 10;
  // Below the line: the space above it holds the fault labels.
  const ly = Math.min(c.P.y1 - 30, my + 30);
  c.line(mx, my, lx, ly - 12, C.oversold, { 'stroke-width': 1.5 });
  c.haloText(lx + (right ? -2 : 2), ly, `oversold: ${fmtNum(oversold)}`, right, C.oversold, { 'font-weight': 700, 'font-size': 14 }, 4);
}

function soldLegend(input: ReportInput): LegendItem[] {
  const s = input.summary;
  return [
    { label: 'sold (cumulative)', color: C.sold, kind: 'line' },
    { label: 'inventory', color: C.inventory, kind: 'dash' },
    ...(s.tickets.oversold > 0 ? [{ label: 'oversold', color: C.oversold, kind: 'marker' } as const] : []),
    ...(s.sell_out_ms !== null ? [{ label: 'sell-out', color: C.sellOut, kind: 'dot' } as const] : []),
    ...faultLegend(input),
  ];
}

function soldChart(D3Node: D3NodeCtor, input: ReportInput): string {
  const s = input.summary;
  const inv = Math.max(0, s.tickets.inventory);
  const oversold = s.tickets.oversold;
  const c = new Chart(D3Node, 'Tickets sold over time', soldSubtitle(s, inv));
  const ta = timeAxis(c, input);
  const { rows, bin } = drawnBins(input);
  // sold_total is counted at the end of each bin.
  const pts: Pt[] = [[0, 0], ...rows.map((r): Pt => [(r.t_ms + bin) / ta.div, r.sold_total])];
  const maxSold = pts.reduce((a, q) => Math.max(a, q[1]), 0);
  const y = c.yScale(Math.max(inv, maxSold, 1) * 1.12);
  c.yAxis(y, 'tickets sold (cumulative)', (v) => fmtNum(v));
  drawTimeAxis(c, ta);

  const screen = pts.map((q): Pt => [ta.x(q[0]), y(q[1])]);
  if (input.timeseries.length > 0) drawSoldCurve(c, screen, y(0));
  drawInventory(c, y, inv);
  const over = pts.findIndex((q) => q[1] > inv);
  // Red from where the line crosses the inventory onwards.
  if (over >= 0) c.path(oversoldSegment(ta, y, inv, pts, screen, over), C.oversold, { 'stroke-width': 4 });
  if (s.sell_out_ms !== null && Number.isFinite(s.sell_out_ms)) markSellOut(c, ta, s.sell_out_ms);
  drawFaults(c, input, ta);
  // Drawn last so no fault line or label covers it.
  if (oversold > 0) oversoldCallout(c, over >= 0 ? screen[over] : [c.P.x1 - 10, y(inv + oversold)], oversold);
  if (input.timeseries.length === 0) c.empty('no time series recorded');
  c.legend(soldLegend(input));
  return c.svg();
}

// ---------------------------------------------------------------- 2. throughput

// Told apart by dash as well as by colour. A timeout is drawn when its request was sent, not
// when the user gave up, so a loss shows up at the moment it happened.
const SERIES: readonly { key: keyof TimeseriesRow; label: string; color: string; kind: LegendItem['kind'] }[] = [
  { key: 'arrivals', label: 'arrivals', color: C.arrivals, kind: 'longdash' },
  { key: 'ok', label: 'ok (ticket)', color: C.ok, kind: 'line' },
  { key: 'sold_out', label: 'sold out', color: C.soldOut, kind: 'dot' },
  { key: 'errors', label: 'errors', color: C.errors, kind: 'dashdot' },
  { key: 'timeouts_by_send', label: 'timeouts (by send time)', color: C.timeouts, kind: 'dash' },
];

function throughputChart(D3Node: D3NodeCtor, input: ReportInput): string {
  const s = input.summary;
  const { rows, bin, width } = drawnBins(input);
  const c = new Chart(
    D3Node,
    'Responses per second by outcome',
    `mean ${fmtNum(s.throughput.mean_per_s, 0)}/s, peak ${fmtNum(s.throughput.peak_per_s, 0)}/s` +
      (bin > 0 ? `; rates over ${fmtMs(bin)} bins` : ''),
  );
  const ta = timeAxis(c, input);
  const perSecond = (i: number): number => (width[i] > 0 ? 1000 / width[i] : 0);
  let maxRate = 0;
  rows.forEach((r, i) => {
    for (const se of SERIES) maxRate = Math.max(maxRate, r[se.key] * perSecond(i));
  });
  const y = c.yScale(maxRate > 0 ? maxRate * 1.08 : 1);
  c.yAxis(y, 'requests per second (1/s)', (v) => fmtNum(v));
  drawTimeAxis(c, ta);

  // Each bin's rate is drawn as a step over the bin so short bursts keep their true width.
  for (const se of SERIES) {
    const pts: Pt[] = [];
    rows.forEach((r, i) => {
      const v = y(r[se.key] * perSecond(i));
      pts.push([ta.at(r.t_ms), v], [ta.at(r.t_ms + width[i]), v]);
    });
    const style: Attrs = DASH[se.kind] ? { 'stroke-dasharray': DASH[se.kind] } : {};
    if (se.key === 'arrivals') style['stroke-width'] = 1.75;
    c.path(pts, se.color, style);
  }
  drawFaults(c, input, ta);
  if (input.timeseries.length === 0) c.empty('no time series recorded');
  c.legend([...SERIES.map((se) => ({ label: se.label, color: se.color, kind: se.kind })), ...faultLegend(input)]);
  return c.svg();
}

// ---------------------------------------------------------------- 3. servers

/** Where a server's bar goes and how it is labelled. */
type ServerSlot = { cx: number; bar_px: number; alive: boolean; dense: boolean };

/** One server: its bar of actual share, a tick at the expected share, and its labels. */
function drawServer(c: Chart, y: ScaleLinear, r: ServerRow, slot: ServerSlot): void {
  const { cx, bar_px: barW, alive } = slot;
  const share = Number.isFinite(r.share) ? r.share : 0;
  const bar = c.rect(cx - barW / 2, y(share), barW, Math.max(0, y(0) - y(share)), alive ? C.bar : C.dead);
  tooltip(bar, `${r.node}: ${fmtNum(r.requests)} requests, ${fmtPct(share, 2)} (expected ${fmtPct(r.expected_share, 2)})`);
  if (Number.isFinite(r.expected_share)) {
    const ey = y(r.expected_share);
    c.line(cx - barW / 2 - 6, ey, cx + barW / 2 + 6, ey, C.expected, { 'stroke-width': 2.5 });
  }
  if (!slot.dense) {
    const top = Math.min(y(share), Number.isFinite(r.expected_share) ? y(r.expected_share) : c.P.y1);
    c.text(cx, top - 7, fmtPct(share, 1), { 'text-anchor': 'middle', 'font-weight': 600 });
    c.text(cx, c.P.y1 + 17, r.node, { 'text-anchor': 'middle' });
    c.text(cx, c.P.y1 + 31, alive ? `w=${fmtNum(r.weight)}` : `w=${fmtNum(r.weight)}, down`, {
      'text-anchor': 'middle',
      fill: alive ? C.muted : C.oversold,
    });
  } else {
    const ly = c.P.y1 + 10;
    c.text(cx, ly, `${r.node} (w=${fmtNum(r.weight)})`, {
      'text-anchor': 'end',
      'font-size': 10,
      transform: `rotate(-45 ${p(cx)} ${p(ly)})`,
    });
  }
}

function serversChart(D3Node: D3NodeCtor, input: ReportInput): string {
  const app = input.servers.filter((r) => r.tier === 'app');
  const rows = app.length > 0 ? app : input.servers;
  const total = rows.reduce((a, r) => a + r.requests, 0);
  const n = rows.length;
  const dense = n > 16; // rotate labels and drop per-bar numbers when they would collide
  const c = new Chart(
    D3Node,
    'Requests per app server: actual vs expected share',
    `${fmtNum(total)} requests over ${n} server${n === 1 ? '' : 's'}; expected share = weight / total weight`,
    dense ? 50 : 0,
  );
  // a loop, not Math.max(...xs): spreading 100k servers overflows the call stack
  const maxShare = rows.reduce((m, r) => Math.max(m, Number.isFinite(r.share) ? r.share : 0, Number.isFinite(r.expected_share) ? r.expected_share : 0), 0);
  const y = c.yScale(maxShare > 0 ? Math.min(1, maxShare * 1.18) : 1);
  c.yAxis(y, 'share of app requests (%)', (v) => fmtPct(v, 0));
  c.line(c.P.x0, c.P.y1, c.P.x1, c.P.y1, C.axis);
  c.text((c.P.x0 + c.P.x1) / 2, c.h - 10, 'app server (weight)', { 'text-anchor': 'middle' });

  const band = n > 0 ? (c.P.x1 - c.P.x0) / n : 0;
  const barW = Math.min(70, band * 0.6);
  const aliveAtEnd = (r: ServerRow): boolean => input.summary.tiers.app[r.node]?.alive_at_end ?? true;
  rows.forEach((r, i) => {
    drawServer(c, y, r, { cx: c.P.x0 + band * (i + 0.5), bar_px: barW, alive: aliveAtEnd(r), dense });
  });
  if (n === 0) c.empty('no app servers');
  c.legend([
    { label: 'actual share', color: C.bar, kind: 'box' },
    { label: 'expected share (from weights)', color: C.expected, kind: 'line' },
    ...(rows.some((r) => !aliveAtEnd(r)) ? [{ label: 'down at end of run', color: C.dead, kind: 'box' } as const] : []),
  ]);
  return c.svg();
}

// ---------------------------------------------------------------- 4. latency

type Bar = { lo: number; hi: number; count: number };

const BARS_PER_DECADE = 20;

/**
 * Re-bins the histogram into bars of equal width on the log axis, so bar height is density.
 * The source buckets (HDR-style: 1 us wide below 64 us, 1/32 octave above) have very unequal
 * log widths; each one's count is spread over the bars it overlaps, in proportion to log overlap.
 */
function logBars(buckets: readonly Bar[]): Bar[] {
  if (buckets.length === 0) return [];
  const pos = (v: number): number => Math.log10(v) * BARS_PER_DECADE;
  const k0 = Math.floor(pos(buckets.reduce((a, b) => Math.min(a, b.lo), Infinity)) + 1e-9);
  const k1 = Math.ceil(pos(buckets.reduce((a, b) => Math.max(a, b.hi), 0)) - 1e-9);
  const n = Math.max(1, k1 - k0);
  const counts = new Float64Array(n);
  for (const b of buckets) {
    const a = pos(b.lo) - k0;
    const z = pos(b.hi) - k0;
    const first = Math.min(n - 1, Math.max(0, Math.floor(a)));
    if (!(z > a)) {
      counts[first] += b.count;
      continue;
    }
    for (let i = first; i < n && i < z; i++) {
      const overlap = Math.min(z, i + 1) - Math.max(a, i);
      if (overlap > 0) counts[i] += (b.count * overlap) / (z - a);
    }
  }
  const bars: Bar[] = [];
  counts.forEach((count, i) => {
    if (count > 0) bars.push({ lo: 10 ** ((k0 + i) / BARS_PER_DECADE), hi: 10 ** ((k0 + i + 1) / BARS_PER_DECADE), count });
  });
  return bars;
}

/** The histogram's usable buckets; a bucket starting at 0 has no place on a log axis, so it starts at half its end. */
function latencySource(input: ReportInput): Bar[] {
  return input.latency
    .filter((b) => Number.isFinite(b.hi_ms) && b.hi_ms > 0 && Number.isFinite(b.count) && b.count > 0)
    .map((b) => ({ lo: b.lo_ms > 0 ? b.lo_ms : b.hi_ms / 2, hi: b.hi_ms, count: b.count }));
}

/** Log latency axis over the bars; labels 1, 2 and 5 of each decade, the other ticks stay minor marks. */
function latencyAxis(c: Chart, bars: readonly Bar[], total: number): ScaleLogarithmic {
  const lo = total > 0 ? bars.reduce((a, b) => Math.min(a, b.lo), Infinity) : 0.01;
  const hi = total > 0 ? bars.reduce((a, b) => Math.max(a, b.hi), 0) : 1000;
  const x: ScaleLogarithmic = c.d3
    .scaleLog()
    .domain([lo, hi > lo ? hi : lo * 10])
    .range([c.P.x0, c.P.x1])
    .nice()
    .clamp(true);
  const ticks = x.ticks().map((t): [number, string] => {
    const lead = Math.round(t / 10 ** Math.floor(Math.log10(t) + 1e-9));
    return [t, lead === 1 || lead === 2 || lead === 5 ? fmtNum(t, 3) : ''];
  });
  c.xAxis(x, ticks, 'latency (ms, log scale)');
  return x;
}

/** p50 and p99 as labelled vertical lines. */
function markPercentiles(c: Chart, x: ScaleLogarithmic, s: Summary): void {
  const marks: { name: string; v: number; color: string; dash: string }[] = [
    { name: 'p50', v: s.latency_ms.p50, color: C.ok, dash: DASH.dash },
    { name: 'p99', v: s.latency_ms.p99, color: C.oversold, dash: DASH.dot },
  ];
  marks.forEach((m, i) => {
    if (!Number.isFinite(m.v) || m.v <= 0) return;
    const px = x(m.v);
    c.vline(px, m.color, { 'stroke-width': 2, 'stroke-dasharray': m.dash });
    c.labelBeside(px, c.P.y0 + 14 + i * 16, `${m.name} ${fmtMs(m.v)}`, { fill: m.color, gap_px: 5, room_px: 120, style: { 'font-weight': 700 } });
  });
}

function latencyChart(D3Node: D3NodeCtor, input: ReportInput): string {
  const s = input.summary;
  const source = latencySource(input);
  const bars = logBars(source);
  const total = source.reduce((a, b) => a + b.count, 0);
  const c = new Chart(
    D3Node,
    'Response latency distribution',
    total > 0
      ? `${fmtNum(total)} responses; p50 ${fmtMs(s.latency_ms.p50)}, p99 ${fmtMs(s.latency_ms.p99)}, max ${fmtMs(s.latency_ms.max)}`
      : 'no latency samples',
  );
  const maxFrac = total > 0 ? bars.reduce((a, b) => Math.max(a, b.count / total), 0) : 0;
  const y = c.yScale(maxFrac > 0 ? Math.min(1, maxFrac * 1.1) : 1);
  c.yAxis(y, `share of responses per 1/${BARS_PER_DECADE} decade (%)`, (v) => fmtPct(v, v > 0 && v < 0.01 ? 1 : 0));
  const x = latencyAxis(c, bars, total);

  for (const b of bars) {
    const x0 = x(b.lo);
    const top = y(b.count / total);
    const r = c.rect(x0, top, Math.max(1, x(b.hi) - x0 - 0.5), Math.max(0, y(0) - top), C.bar);
    tooltip(r, `${fmtMs(b.lo)} to ${fmtMs(b.hi)}: ${fmtNum(b.count, 0)} (${fmtPct(b.count / total, 2)})`);
  }
  if (total > 0) markPercentiles(c, x, s);
  else c.empty('no latency samples');
  c.legend([
    { label: `responses (${BARS_PER_DECADE} bars per decade)`, color: C.bar, kind: 'box' },
    { label: 'p50', color: C.ok, kind: 'dash' },
    { label: 'p99', color: C.oversold, kind: 'dot' },
  ]);
  return c.svg();
}

// ---------------------------------------------------------------- entry point

/** Renders every chart; returns file name -> SVG text, in a fixed order. */
export async function renderCharts(input: ReportInput): Promise<Record<string, string>> {
  const D3Node = await loadD3Node();
  const net = input.summary.network;
  return {
    'sold.svg': soldChart(D3Node, input),
    'throughput.svg': throughputChart(D3Node, input),
    'servers.svg': serversChart(D3Node, input),
    'load.svg': loadChart(D3Node, input),
    'latency.svg': latencyChart(D3Node, input),
    'latency-cdf.svg': cdfChart(D3Node, input),
    // only with a routed network in front
    ...(net ? { 'network.svg': networkChart(D3Node, input, net) } : {}),
    // only with sites
    ...(input.summary.gslb ? { 'sites.svg': sitesChart(D3Node, input, input.summary.gslb) } : {}),
    // only with Redis replicas
    ...(input.replication ? { 'replication.svg': replicationChart(D3Node, input) } : {}),
  };
}
