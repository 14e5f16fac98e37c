import type { D3Node as D3NodeClass, D3Module, ScaleLinear, ScaleLogarithmic, Selection } from 'd3-node';
import { fmtMs, fmtNum, fmtPct, plain } from './format.js';
import type { ReportInput, TimeseriesRow } from '../metrics/report-input.js';

// SVG charts for the report. Determinism (DESIGN §4): no ids, no randomness, every coordinate
// rounded to 2 decimals, numbers formatted by ./format.ts rather than by the locale.

type D3NodeCtor = typeof D3NodeClass;

// d3-node pulls in jsdom (~0.5 s), so it is loaded on first use and only once.
let d3NodeCtor: Promise<D3NodeCtor> | undefined;
function loadD3Node(): Promise<D3NodeCtor> {
  d3NodeCtor ??= import('d3-node').then((m) => m.D3Node);
  return d3NodeCtor;
}

const W = 880;
const H = 460;
const M = { top: 84, right: 40, bottom: 58, left: 84 };
type Plot = { x0: number; x1: number; y0: number; y1: number };
const PLOT: Plot = { x0: M.left, x1: W - M.right, y0: M.top, y1: H - M.bottom };

const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const C = {
  text: '#222222',
  muted: '#666666',
  axis: '#444444',
  grid: '#e6e6e6',
  sold: '#1f6fb4',
  inventory: '#333333',
  oversold: '#d62728',
  sellOut: '#2ca02c',
  fault: '#7b3294',
  ok: '#009e73',
  soldOut: '#e69f00',
  errors: '#d55e00',
  timeouts: '#cc79a7',
  arrivals: '#8c8c8c',
  expected: '#111111',
  dead: '#b0b0b0',
  bar: '#4e8fcf',
};

const p = (v: number): string => plain(v, 2);

type Pt = readonly [number, number];

/**
 * Text as the standalone SVG (XML) file can hold it. jsdom serialises as HTML, which would write
 * U+00A0 as '&nbsp;' (not an XML entity), and XML 1.0 forbids most control characters.
 */
function xmlText(s: string): string {
  return s.replace(/\u00a0/g, ' ').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

/** SVG path through the points, rounded, skipping repeats. */
function pathOf(points: readonly Pt[]): string {
  let d = '';
  let last = '';
  for (const [x, y] of points) {
    const xy = `${p(x)},${p(y)}`;
    if (xy === last) continue;
    d += (d === '' ? 'M' : 'L') + xy;
    last = xy;
  }
  return d;
}

type LegendItem = { label: string; color: string; kind: 'line' | 'dash' | 'dot' | 'box' | 'marker' };

class Chart {
  readonly root: Selection;
  /** Plot area in pixels. */
  readonly P: Plot;
  /** Total height: H plus any extra room asked for below the plot. */
  readonly h: number;
  constructor(
    private readonly node: InstanceType<D3NodeCtor>,
    title: string,
    subtitle: string,
    extraBottom = 0,
  ) {
    this.h = H + extraBottom;
    this.P = { ...PLOT };
    this.root = node.createSVG(W, this.h, {
      viewBox: `0 0 ${W} ${this.h}`,
      'font-family': FONT,
      'font-size': 12,
      fill: C.text,
    });
    this.root.append('rect').attr('x', 0).attr('y', 0).attr('width', W).attr('height', this.h).attr('fill', '#ffffff');
    this.root.append('text').attr('x', M.left).attr('y', 26).attr('font-size', 17).attr('font-weight', 600).text(xmlText(title));
    if (subtitle) {
      this.root.append('text').attr('x', M.left).attr('y', 45).attr('font-size', 12).attr('fill', C.muted).text(xmlText(subtitle));
    }
  }

  get d3(): D3Module {
    return this.node.d3;
  }

  svg(): string {
    return this.node.svgString() + '\n';
  }

  line(x1: number, y1: number, x2: number, y2: number, stroke: string, extra: Record<string, string | number> = {}): Selection {
    const l = this.root.append('line').attr('x1', p(x1)).attr('y1', p(y1)).attr('x2', p(x2)).attr('y2', p(y2)).attr('stroke', stroke);
    for (const [k, v] of Object.entries(extra)) l.attr(k, v);
    return l;
  }

  text(x: number, y: number, s: string, extra: Record<string, string | number> = {}): Selection {
    const t = this.root.append('text').attr('x', p(x)).attr('y', p(y));
    for (const [k, v] of Object.entries(extra)) t.attr(k, v);
    return t.text(xmlText(s));
  }

  path(points: readonly Pt[], stroke: string, extra: Record<string, string | number> = {}): void {
    const d = pathOf(points);
    if (d === '') return;
    const el = this.root.append('path').attr('d', d).attr('fill', 'none').attr('stroke', stroke).attr('stroke-width', 2);
    el.attr('stroke-linejoin', 'round');
    for (const [k, v] of Object.entries(extra)) el.attr(k, v);
  }

  /** Legend laid out in one row under the title, outside the plot so it never hides data. */
  legend(items: readonly LegendItem[]): void {
    let x = M.left;
    const y = 66;
    for (const it of items) {
      if (it.kind === 'box') {
        this.root.append('rect').attr('x', x).attr('y', y - 9).attr('width', 18).attr('height', 11).attr('fill', it.color);
      } else if (it.kind === 'marker') {
        this.root.append('circle').attr('cx', x + 9).attr('cy', y - 4).attr('r', 4.5).attr('fill', it.color);
      } else {
        const dash = it.kind === 'dash' ? '6,4' : it.kind === 'dot' ? '2,3' : '';
        const l = this.line(x, y - 4, x + 22, y - 4, it.color, { 'stroke-width': 2.5 });
        if (dash) l.attr('stroke-dasharray', dash);
      }
      this.text(x + 27, y, it.label, { fill: C.text });
      x += 27 + it.label.length * 6.6 + 22; // rough text width: no font metrics server-side
    }
  }

  /** Left axis with horizontal grid lines. */
  yAxis(y: ScaleLinear, label: string, format: (v: number) => string): void {
    for (const t of y.ticks(6)) {
      const py = y(t);
      this.line(this.P.x0, py, this.P.x1, py, C.grid);
      this.line(this.P.x0 - 5, py, this.P.x0, py, C.axis);
      this.text(this.P.x0 - 8, py + 4, format(t), { 'text-anchor': 'end', fill: C.axis });
    }
    this.line(this.P.x0, this.P.y0, this.P.x0, this.P.y1, C.axis);
    const cy = (this.P.y0 + this.P.y1) / 2;
    this.text(20, cy, label, { 'text-anchor': 'middle', transform: `rotate(-90 20 ${p(cy)})`, fill: C.text });
  }

  /** Bottom axis; `ticks` are [value, label or '' for a minor tick]. */
  xAxis(x: (v: number) => number, ticks: readonly (readonly [number, string])[], label: string): void {
    this.line(this.P.x0, this.P.y1, this.P.x1, this.P.y1, C.axis);
    for (const [v, s] of ticks) {
      const px = x(v);
      this.line(px, this.P.y1, px, this.P.y1 + (s ? 6 : 3), C.axis);
      if (s) this.text(px, this.P.y1 + 20, s, { 'text-anchor': 'middle', fill: C.axis });
    }
    this.text((this.P.x0 + this.P.x1) / 2, this.h - 14, label, { 'text-anchor': 'middle', fill: C.text });
  }

  /** A centred note for charts with nothing to plot. */
  empty(message: string): void {
    this.text((this.P.x0 + this.P.x1) / 2, (this.P.y0 + this.P.y1) / 2, message, {
      'text-anchor': 'middle',
      fill: C.muted,
      'font-size': 14,
    });
  }
}

// ---------------------------------------------------------------- time axis and faults

type TimeAxis = { x: ScaleLinear; div: number; unit: string; ticks: [number, string][] };

/** Time in the unit that keeps tick labels short; the domain covers every row and every fault. */
function timeAxis(c: Chart, input: ReportInput): TimeAxis {
  const s = input.summary;
  let endMs = Math.max(0, Number.isFinite(s.duration_ms) ? s.duration_ms : 0, s.sell_out_ms ?? 0);
  for (const r of input.timeseries) endMs = Math.max(endMs, r.t_ms + binMs(input));
  for (const f of s.faults) if (Number.isFinite(f.at_ms)) endMs = Math.max(endMs, f.at_ms);
  const div = endMs >= 2000 ? 1000 : 1;
  const unit = div === 1000 ? 's' : 'ms';
  const x = c.d3
    .scaleLinear()
    .domain([0, endMs > 0 ? endMs / div : 1])
    .range([c.P.x0, c.P.x1])
    .nice(8);
  const ticks = x.ticks(8).map((t): [number, string] => [t, fmtNum(t, 3)]);
  return { x, div, unit, ticks };
}

function binMs(input: ReportInput): number {
  return Number.isFinite(input.bin_ms) && input.bin_ms > 0 ? input.bin_ms : 0;
}

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
      m = { t_ms: t, arrivals: 0, ok: 0, sold_out: 0, errors: 0, timeouts: 0, sold_total: 0, latency_mean_ms: 0 };
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
    m.sold_total = Math.max(m.sold_total, r.sold_total); // cumulative: the bin's last value
    latencySum += r.latency_mean_ms * n;
    responses += n;
  }
  const last = out.at(-1);
  if (last) last.latency_mean_ms = responses > 0 ? latencySum / responses : 0;
  return { rows: out, bin: wide, width };
}

/** Fault timeline as labelled vertical lines; labels are staggered so neighbours do not collide. */
function drawFaults(c: Chart, input: ReportInput, ta: TimeAxis): void {
  const faults = [...input.summary.faults].filter((f) => Number.isFinite(f.at_ms));
  faults.forEach((f, i) => {
    const px = ta.x(f.at_ms / ta.div);
    if (px < c.P.x0 - 0.5 || px > c.P.x1 + 0.5) return;
    const l = c.line(px, c.P.y0, px, c.P.y1, C.fault, { 'stroke-width': 1.5, 'stroke-dasharray': '5,3' });
    l.append('title').text(xmlText(faultTitle(f)));
    const y = c.P.y0 + 12 + (i % 4) * 14;
    const right = px > c.P.x1 - 140;
    c.text(right ? px - 4 : px + 4, y, `${f.action} ${f.target}`.trim(), {
      'text-anchor': right ? 'end' : 'start',
      fill: C.fault,
      'font-size': 11,
      'font-weight': 600,
      stroke: '#ffffff',
      'stroke-width': 3,
      'paint-order': 'stroke',
    });
  });
}

function faultTitle(f: ReportInput['summary']['faults'][number]): string {
  const detail = f.detail ? `: ${f.detail}` : '';
  return `${fmtMs(f.at_ms)} ${f.action} ${f.target}${detail}`;
}

function faultLegend(input: ReportInput): LegendItem[] {
  return input.summary.faults.length > 0 ? [{ label: 'fault', color: C.fault, kind: 'dash' }] : [];
}

// ---------------------------------------------------------------- 1. tickets sold

function soldChart(D3Node: D3NodeCtor, input: ReportInput): string {
  const s = input.summary;
  const inv = Math.max(0, s.tickets.inventory);
  const oversold = s.tickets.oversold;
  const c = new Chart(
    new D3Node(),
    'Tickets sold over time',
    `${fmtNum(s.tickets.sold)} of ${fmtNum(inv)} sold` +
      (s.sell_out_ms !== null ? `, sold out at ${fmtMs(s.sell_out_ms)}` : ', never sold out'),
  );
  const ta = timeAxis(c, input);
  const { rows, bin } = drawnBins(input);
  // sold_total is counted at the end of each bin.
  const pts: Pt[] = [[0, 0], ...rows.map((r): Pt => [(r.t_ms + bin) / ta.div, r.sold_total])];
  const maxSold = pts.reduce((a, q) => Math.max(a, q[1]), 0);
  const y = c.d3
    .scaleLinear()
    .domain([0, Math.max(inv, maxSold, 1) * 1.12])
    .range([c.P.y1, c.P.y0])
    .nice(6);
  c.yAxis(y, 'tickets sold (cumulative)', (v) => fmtNum(v));
  c.xAxis(ta.x, ta.ticks, `time (${ta.unit})`);

  const screen = pts.map((q): Pt => [ta.x(q[0]), y(q[1])]);
  if (input.timeseries.length > 0) {
    const area = [...screen, [screen[screen.length - 1][0], y(0)] as Pt, [screen[0][0], y(0)] as Pt];
    c.root.append('path').attr('d', pathOf(area) + 'Z').attr('fill', C.sold).attr('fill-opacity', 0.12);
    c.path(screen, C.sold, { 'stroke-width': 2.5 });
  }

  c.line(c.P.x0, y(inv), c.P.x1, y(inv), C.inventory, { 'stroke-width': 1.5, 'stroke-dasharray': '7,4' });
  // Labelled at the left, below the line, where the rising sold curve has not yet arrived.
  c.text(c.P.x0 + 6, y(inv) + 16, `inventory ${fmtNum(inv)}`, { fill: C.inventory });

  // Oversell: even one ticket is sub-pixel at this scale, so it also gets a marker and a label.
  const over = pts.findIndex((q) => q[1] > inv);
  if (over >= 0) {
    // Red from where the line crosses the inventory onwards.
    const red: Pt[] = [];
    if (over > 0) {
      const [ax, ay] = pts[over - 1];
      const [bx, by] = pts[over];
      const f = by > ay ? (inv - ay) / (by - ay) : 0;
      red.push([ta.x(ax + (bx - ax) * f), y(inv)]);
    }
    for (let i = over; i < pts.length; i++) red.push(screen[i]);
    c.path(red, C.oversold, { 'stroke-width': 4 });
  }
  // Sell-out time.
  if (s.sell_out_ms !== null && Number.isFinite(s.sell_out_ms)) {
    const px = ta.x(s.sell_out_ms / ta.div);
    c.line(px, c.P.y0, px, c.P.y1, C.sellOut, { 'stroke-width': 2, 'stroke-dasharray': '2,3' });
    const right = px > c.P.x1 - 150;
    c.text(right ? px - 5 : px + 5, c.P.y1 - 10, `sold out at ${fmtMs(s.sell_out_ms)}`, {
      'text-anchor': right ? 'end' : 'start',
      fill: C.sellOut,
      'font-weight': 600,
      stroke: '#ffffff',
      'stroke-width': 3,
      'paint-order': 'stroke',
    });
  }
  drawFaults(c, input, ta);
  // Drawn last so no fault line or label covers it.
  if (oversold > 0) {
    const [mx, my] = over >= 0 ? screen[over] : [c.P.x1 - 10, y(inv + oversold)];
    c.root.append('circle').attr('cx', p(mx)).attr('cy', p(my)).attr('r', 6).attr('fill', C.oversold).attr('stroke', '#ffffff').attr('stroke-width', 1.5);
    const right = mx > c.P.x1 - 150;
    const lx = right ? mx - 10 : mx + 10;
    // Below the line: the space above it holds the fault labels.
    const ly = Math.min(c.P.y1 - 30, my + 30);
    c.line(mx, my, lx, ly - 12, C.oversold, { 'stroke-width': 1.5 });
    c.text(lx + (right ? -2 : 2), ly, `oversold: ${fmtNum(oversold)}`, {
      'text-anchor': right ? 'end' : 'start',
      fill: C.oversold,
      'font-weight': 700,
      'font-size': 14,
      stroke: '#ffffff',
      'stroke-width': 4,
      'paint-order': 'stroke',
    });
  }

  if (input.timeseries.length === 0) c.empty('no time series recorded');

  c.legend([
    { label: 'sold (cumulative)', color: C.sold, kind: 'line' },
    { label: 'inventory', color: C.inventory, kind: 'dash' },
    ...(oversold > 0 ? [{ label: 'oversold', color: C.oversold, kind: 'marker' } as const] : []),
    ...(s.sell_out_ms !== null ? [{ label: 'sell-out', color: C.sellOut, kind: 'dot' } as const] : []),
    ...faultLegend(input),
  ]);
  return c.svg();
}

// ---------------------------------------------------------------- 2. throughput

const SERIES: readonly { key: keyof TimeseriesRow; label: string; color: string; kind: LegendItem['kind'] }[] = [
  { key: 'arrivals', label: 'arrivals', color: C.arrivals, kind: 'dash' },
  { key: 'ok', label: 'ok (ticket)', color: C.ok, kind: 'line' },
  { key: 'sold_out', label: 'sold out', color: C.soldOut, kind: 'line' },
  { key: 'errors', label: 'errors', color: C.errors, kind: 'line' },
  { key: 'timeouts', label: 'timeouts', color: C.timeouts, kind: 'line' },
];

function throughputChart(D3Node: D3NodeCtor, input: ReportInput): string {
  const s = input.summary;
  const { rows, bin, width } = drawnBins(input);
  const c = new Chart(
    new D3Node(),
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
  const y = c.d3
    .scaleLinear()
    .domain([0, maxRate > 0 ? maxRate * 1.08 : 1])
    .range([c.P.y1, c.P.y0])
    .nice(6);
  c.yAxis(y, 'requests per second (1/s)', (v) => fmtNum(v));
  c.xAxis(ta.x, ta.ticks, `time (${ta.unit})`);

  // Each bin's rate is drawn as a step over the bin so short bursts keep their true width.
  for (const se of SERIES) {
    const pts: Pt[] = [];
    rows.forEach((r, i) => {
      const v = y(r[se.key] * perSecond(i));
      pts.push([ta.x(r.t_ms / ta.div), v], [ta.x((r.t_ms + width[i]) / ta.div), v]);
    });
    c.path(pts, se.color, se.key === 'arrivals' ? { 'stroke-dasharray': '6,4', 'stroke-width': 1.75 } : {});
  }
  drawFaults(c, input, ta);
  if (input.timeseries.length === 0) c.empty('no time series recorded');
  c.legend([...SERIES.map((se) => ({ label: se.label, color: se.color, kind: se.kind })), ...faultLegend(input)]);
  return c.svg();
}

// ---------------------------------------------------------------- 3. servers

function serversChart(D3Node: D3NodeCtor, input: ReportInput): string {
  const app = input.servers.filter((r) => r.tier === 'app');
  const rows = app.length > 0 ? app : input.servers;
  const total = rows.reduce((a, r) => a + r.requests, 0);
  const n = rows.length;
  const dense = n > 16; // rotate labels and drop per-bar numbers when they would collide
  const c = new Chart(
    new D3Node(),
    'Requests per app server: actual vs expected share',
    `${fmtNum(total)} requests over ${n} server${n === 1 ? '' : 's'}; expected share = weight / total weight`,
    dense ? 50 : 0,
  );
  const maxShare = Math.max(0, ...rows.flatMap((r) => [r.share, r.expected_share]).filter(Number.isFinite));
  const y = c.d3
    .scaleLinear()
    .domain([0, maxShare > 0 ? Math.min(1, maxShare * 1.18) : 1])
    .range([c.P.y1, c.P.y0])
    .nice(6);
  c.yAxis(y, 'share of app requests (%)', (v) => fmtPct(v, 0));
  c.line(c.P.x0, c.P.y1, c.P.x1, c.P.y1, C.axis);
  c.text((c.P.x0 + c.P.x1) / 2, c.h - 10, 'app server (weight)', { 'text-anchor': 'middle' });

  const band = n > 0 ? (c.P.x1 - c.P.x0) / n : 0;
  const barW = Math.min(70, band * 0.6);
  rows.forEach((r, i) => {
    const cx = c.P.x0 + band * (i + 0.5);
    const alive = input.summary.tiers.app[r.node]?.alive_at_end ?? true;
    const share = Number.isFinite(r.share) ? r.share : 0;
    const bar = c.root
      .append('rect')
      .attr('x', p(cx - barW / 2))
      .attr('y', p(y(share)))
      .attr('width', p(barW))
      .attr('height', p(Math.max(0, y(0) - y(share))))
      .attr('fill', alive ? C.bar : C.dead);
    bar.append('title').text(xmlText(`${r.node}: ${fmtNum(r.requests)} requests, ${fmtPct(share, 2)} (expected ${fmtPct(r.expected_share, 2)})`));
    if (Number.isFinite(r.expected_share)) {
      const ey = y(r.expected_share);
      c.line(cx - barW / 2 - 6, ey, cx + barW / 2 + 6, ey, C.expected, { 'stroke-width': 2.5 });
    }
    if (!dense) {
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
  });
  if (n === 0) c.empty('no app servers');
  c.legend([
    { label: 'actual share', color: C.bar, kind: 'box' },
    { label: 'expected share (from weights)', color: C.expected, kind: 'line' },
    ...(rows.some((r) => input.summary.tiers.app[r.node]?.alive_at_end === false)
      ? [{ label: 'down at end of run', color: C.dead, kind: 'box' } as const]
      : []),
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

function latencyChart(D3Node: D3NodeCtor, input: ReportInput): string {
  const s = input.summary;
  const source = input.latency
    .filter((b) => Number.isFinite(b.hi_ms) && b.hi_ms > 0 && Number.isFinite(b.count) && b.count > 0)
    // A bucket starting at 0 has no place on a log axis: start it at half its end.
    .map((b) => ({ lo: b.lo_ms > 0 ? b.lo_ms : b.hi_ms / 2, hi: b.hi_ms, count: b.count }));
  const buckets = logBars(source);
  const total = source.reduce((a, b) => a + b.count, 0);
  const c = new Chart(
    new D3Node(),
    'Response latency distribution',
    total > 0
      ? `${fmtNum(total)} responses; p50 ${fmtMs(s.latency_ms.p50)}, p99 ${fmtMs(s.latency_ms.p99)}, max ${fmtMs(s.latency_ms.max)}`
      : 'no latency samples',
  );
  const lo = total > 0 ? buckets.reduce((a, b) => Math.min(a, b.lo), Infinity) : 0.01;
  const hi = total > 0 ? buckets.reduce((a, b) => Math.max(a, b.hi), 0) : 1000;
  const x: ScaleLogarithmic = c.d3
    .scaleLog()
    .domain([lo, hi > lo ? hi : lo * 10])
    .range([c.P.x0, c.P.x1])
    .nice()
    .clamp(true);
  const maxFrac = total > 0 ? buckets.reduce((a, b) => Math.max(a, b.count / total), 0) : 0;
  const y = c.d3
    .scaleLinear()
    .domain([0, maxFrac > 0 ? Math.min(1, maxFrac * 1.1) : 1])
    .range([c.P.y1, c.P.y0])
    .nice(6);
  c.yAxis(y, `share of responses per 1/${BARS_PER_DECADE} decade (%)`, (v) => fmtPct(v, v > 0 && v < 0.01 ? 1 : 0));
  // Label 1, 2 and 5 of each decade; the other log ticks stay as minor marks.
  const ticks = x.ticks().map((t): [number, string] => {
    const lead = Math.round(t / 10 ** Math.floor(Math.log10(t) + 1e-9));
    return [t, lead === 1 || lead === 2 || lead === 5 ? fmtNum(t, 3) : ''];
  });
  c.xAxis(x, ticks, 'latency (ms, log scale)');

  for (const b of buckets) {
    const x0 = x(b.lo);
    const x1 = x(b.hi);
    const top = y(b.count / total);
    const r = c.root
      .append('rect')
      .attr('x', p(x0))
      .attr('y', p(top))
      .attr('width', p(Math.max(1, x1 - x0 - 0.5)))
      .attr('height', p(Math.max(0, y(0) - top)))
      .attr('fill', C.bar);
    r.append('title').text(`${fmtMs(b.lo)} to ${fmtMs(b.hi)}: ${fmtNum(b.count, 0)} (${fmtPct(b.count / total, 2)})`);
  }

  const marks: { name: string; v: number; color: string }[] = [
    { name: 'p50', v: s.latency_ms.p50, color: C.ok },
    { name: 'p99', v: s.latency_ms.p99, color: C.oversold },
  ];
  if (total > 0) {
    marks.forEach((m, i) => {
      if (!Number.isFinite(m.v) || m.v <= 0) return;
      const px = x(m.v);
      c.line(px, c.P.y0, px, c.P.y1, m.color, { 'stroke-width': 2, 'stroke-dasharray': '6,3' });
      const right = px > c.P.x1 - 120;
      c.text(right ? px - 5 : px + 5, c.P.y0 + 14 + i * 16, `${m.name} ${fmtMs(m.v)}`, {
        'text-anchor': right ? 'end' : 'start',
        fill: m.color,
        'font-weight': 700,
        stroke: '#ffffff',
        'stroke-width': 3,
        'paint-order': 'stroke',
      });
    });
  } else {
    c.empty('no latency samples');
  }
  c.legend([
    { label: `responses (${BARS_PER_DECADE} bars per decade)`, color: C.bar, kind: 'box' },
    { label: 'p50', color: C.ok, kind: 'dash' },
    { label: 'p99', color: C.oversold, kind: 'dash' },
  ]);
  return c.svg();
}

// ---------------------------------------------------------------- 5. network (issue #4)

type Span = { from: number; to: number };

/** Up-intervals of a node from the fault timeline: kill / stop end one, recover / "kill ends" start one. */
function upSpans(events: readonly { at_ms: number; node: string; event: string }[], node: string, endMs: number): Span[] {
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
  if (from !== null) out.push({ from, to: endMs });
  return out;
}

/**
 * Which director serves the VIP (VRRP master, or an active director), when each router's route to
 * the VIP changed (SPF), the window from each fault until routes or the VIP settled, and the
 * requests lost in front per time bin.
 */
function networkChart(D3Node: D3NodeCtor, input: ReportInput): string {
  const s = input.summary;
  const net = s.network;
  const lvs = s.lvs;
  const routers = Object.keys(s.tiers.router ?? {});
  const directors = Object.keys(s.tiers.lvs ?? {});
  const lost = net?.lost ?? 0;
  const c = new Chart(
    new D3Node(),
    'Network: who serves the VIP, when routes converged',
    `${fmtNum(lost)} requests lost in front (black-holed ${fmtNum(net?.blackholed ?? 0)}, at failover ${fmtNum(lvs?.lost_on_failover ?? 0)}, ` +
      `at a dead nginx ${fmtNum(lvs?.nginx_lost ?? 0)}); ${lvs ? `${lvs.mode}, ${lvs.forwarding}, ${lvs.scheduler}` : ''}`,
  );
  const events = net?.timeline ?? [];
  // up to the last thing that happened in front (VIP spans are cut there)
  let endMs = Math.max(1, s.duration_ms);
  for (const e of events) endMs = Math.max(endMs, e.at_ms);
  for (const b of net?.lost_by_bin ?? []) endMs = Math.max(endMs, b.t_ms);
  const div = endMs >= 2000 ? 1000 : 1;
  const x = c.d3
    .scaleLinear()
    .domain([0, endMs / div])
    .range([c.P.x0, c.P.x1])
    .nice(8);
  const ticks = x.ticks(8).map((t): [number, string] => [t, fmtNum(t, 3)]);
  const px = (ms: number) => x(ms / div);
  c.xAxis(x, ticks, `time (${div === 1000 ? 's' : 'ms'})`);

  // rows: directors, routers, then a band for the lost requests
  const rows = [...directors, ...routers];
  const lostBand = 70;
  const rowH = Math.min(34, (c.P.y1 - c.P.y0 - lostBand - 10) / Math.max(1, rows.length));
  const rowY = (i: number) => c.P.y0 + i * rowH;
  const barH = Math.max(6, rowH * 0.55);

  // reconvergence windows, shaded behind everything
  for (const r of net?.reconvergence ?? []) {
    if (r.converged_ms === null || r.converged_ms <= r.at_ms) continue;
    const x0 = px(r.at_ms);
    const x1 = px(r.converged_ms);
    const band = c.root
      .append('rect')
      .attr('x', p(x0))
      .attr('y', p(c.P.y0))
      .attr('width', p(Math.max(1, x1 - x0)))
      .attr('height', p(c.P.y1 - c.P.y0))
      .attr('fill', C.oversold)
      .attr('fill-opacity', 0.07);
    band.append('title').text(xmlText(`${r.action} ${r.target}: settled after ${fmtMs(r.converged_ms - r.at_ms)}, ${fmtNum(r.lost)} lost`));
  }

  rows.forEach((name, i) => {
    const y = rowY(i) + (rowH - barH) / 2;
    c.text(c.P.x0 - 8, y + barH / 2 + 4, name, { 'text-anchor': 'end', fill: C.axis });
    c.line(c.P.x0, rowY(i) + rowH, c.P.x1, rowY(i) + rowH, C.grid);
    const isDirector = i < directors.length;
    const spans: Span[] = isDirector
      ? (lvs?.vip_holders ?? []).filter((v) => v.director === name && v.from_ms < endMs).map((v) => ({ from: v.from_ms, to: Math.min(v.to_ms, endMs) }))
      : upSpans(events, name, endMs);
    for (const sp of spans) {
      const bar = c.root
        .append('rect')
        .attr('x', p(px(sp.from)))
        .attr('y', p(y))
        .attr('width', p(Math.max(1, px(sp.to) - px(sp.from))))
        .attr('height', p(barH))
        .attr('fill', isDirector ? C.ok : C.dead)
        .attr('fill-opacity', isDirector ? 0.85 : 0.45);
      bar.append('title').text(xmlText(`${name}: ${isDirector ? 'serves the VIP' : 'up'} ${fmtMs(sp.from)} to ${fmtMs(sp.to)}`));
    }
    if (!isDirector) {
      for (const e of events) {
        if (e.node !== name || e.event !== 'route') continue;
        const cx = px(e.at_ms);
        const dot = c.root.append('circle').attr('cx', p(cx)).attr('cy', p(y + barH / 2)).attr('r', 4.5).attr('fill', C.sold);
        dot.append('title').text(xmlText(`${fmtMs(e.at_ms)} ${name}: ${e.detail}`));
      }
    }
  });

  // lost requests per bin
  const bandTop = c.P.y1 - lostBand;
  const bins = net?.lost_by_bin ?? [];
  const binW = binMs(input) > 0 ? binMs(input) : 100;
  const maxLost = bins.reduce((a, b) => Math.max(a, b.lost), 0);
  c.text(c.P.x0 - 8, bandTop + lostBand / 2 + 4, 'lost', { 'text-anchor': 'end', fill: C.errors });
  c.line(c.P.x0, c.P.y1, c.P.x1, c.P.y1, C.axis);
  for (const b of bins) {
    const h = maxLost > 0 ? (b.lost / maxLost) * (lostBand - 14) : 0;
    const bar = c.root
      .append('rect')
      .attr('x', p(px(b.t_ms)))
      .attr('y', p(c.P.y1 - h))
      .attr('width', p(Math.max(1, px(b.t_ms + binW) - px(b.t_ms))))
      .attr('height', p(h))
      .attr('fill', C.errors);
    bar.append('title').text(xmlText(`${fmtMs(b.t_ms)}: ${fmtNum(b.lost)} lost`));
  }
  if (maxLost > 0) c.text(c.P.x1, bandTop + 10, `peak ${fmtNum(maxLost)} lost per ${fmtMs(binW)}`, { 'text-anchor': 'end', fill: C.errors, 'font-size': 11 });
  drawFaults(c, input, { x, div, unit: div === 1000 ? 's' : 'ms', ticks });
  c.legend([
    { label: 'serves the VIP', color: C.ok, kind: 'box' },
    { label: 'router up', color: C.dead, kind: 'box' },
    { label: 'route to VIP changed', color: C.sold, kind: 'marker' },
    { label: 'lost', color: C.errors, kind: 'box' },
    ...faultLegend(input),
  ]);
  return c.svg();
}

// ---------------------------------------------------------------- entry point

/** Renders every chart; returns file name -> SVG text, in a fixed order. */
export async function renderCharts(input: ReportInput): Promise<Record<string, string>> {
  const D3Node = await loadD3Node();
  return {
    'sold.svg': soldChart(D3Node, input),
    'throughput.svg': throughputChart(D3Node, input),
    'servers.svg': serversChart(D3Node, input),
    'latency.svg': latencyChart(D3Node, input),
    // only with a routed network in front
    ...(input.summary.network ? { 'network.svg': networkChart(D3Node, input) } : {}),
  };
}
