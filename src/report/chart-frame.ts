import type { D3Node as D3NodeClass, D3Module, ScaleLinear, Selection } from 'd3-node';
import type { ReportInput } from '../metrics/report-input.js';
import { fmtMs, fmtNum, plain } from './format.js';

// What the report's SVG charts share: the frame (size, title, legend, axes), drawing primitives
// and the time axis with the fault timeline. Deterministic output: no ids, no randomness, every
// coordinate rounded to 2 decimals, numbers formatted by ./format.ts rather than by the locale.

export type D3NodeCtor = typeof D3NodeClass;

// d3-node pulls in jsdom (~0.5 s), so it is loaded on first use and only once.
let d3NodeCtor: Promise<D3NodeCtor> | undefined;
export function loadD3Node(): Promise<D3NodeCtor> {
  d3NodeCtor ??= import('d3-node').then((m) => m.D3Node);
  return d3NodeCtor;
}

// Every chart draws into its own <svg> in one shared jsdom document (a new D3Node builds a whole
// jsdom window, a fifth of drawing a report's charts) and takes it out again once serialised.
let shared: { ctor: D3NodeCtor; node: InstanceType<D3NodeCtor> } | undefined;
function sharedNode(D3Node: D3NodeCtor): InstanceType<D3NodeCtor> {
  if (shared?.ctor !== D3Node) shared = { ctor: D3Node, node: new D3Node() };
  return shared.node;
}

/** Charts drawn in the shared document and not yet serialised (for tests: none once a report is drawn). */
export function chartsInDocument(): number {
  return shared === undefined ? 0 : shared.node.document.querySelectorAll('svg').length;
}

/** d3-node's svgString() for one <svg>: jsdom lowercases these SVG tag names (jsdom issue 620). */
function svgText(outerHTML: string): string {
  let text = outerHTML;
  for (const tag of ['linearGradient', 'radialGradient', 'clipPath', 'textPath']) {
    text = text.replace(new RegExp(`(<|</)${tag.toLowerCase()}\\b`, 'g'), (_all, start: string) => start + tag);
  }
  return text;
}

const W = 880;
const H = 460;
const M = { top: 84, right: 40, bottom: 58, left: 84 };
type Plot = { x0: number; x1: number; y0: number; y1: number };
const PLOT: Plot = { x0: M.left, x1: W - M.right, y0: M.top, y1: H - M.bottom };

const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
// Series colours from the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), told apart
// by people with any common colour-vision deficiency; every series differs by dash or mark too.
export const OKABE_ITO = {
  black: '#000000',
  orange: '#e69f00',
  skyBlue: '#56b4e9',
  bluishGreen: '#009e73',
  yellow: '#f0e442',
  blue: '#0072b2',
  vermillion: '#d55e00',
  reddishPurple: '#cc79a7',
} as const;

export const C = {
  text: '#222222',
  muted: '#666666',
  axis: '#444444',
  grid: '#e6e6e6',
  sold: OKABE_ITO.blue,
  inventory: '#333333',
  oversold: OKABE_ITO.vermillion,
  sellOut: OKABE_ITO.bluishGreen,
  fault: OKABE_ITO.black,
  ok: OKABE_ITO.bluishGreen,
  soldOut: OKABE_ITO.orange,
  errors: OKABE_ITO.vermillion,
  timeouts: OKABE_ITO.reddishPurple,
  arrivals: '#8c8c8c',
  expected: OKABE_ITO.black,
  dead: '#b0b0b0',
  bar: OKABE_ITO.skyBlue,
};

/** A coordinate as written into the SVG. */
export const p = (v: number): string => plain(v, 2);

export type Pt = readonly [number, number];

/** Extra SVG attributes, written in the order given after the ones a helper sets itself. */
export type Attrs = Record<string, string | number>;

/**
 * Text as the standalone SVG (XML) file can hold it. jsdom serialises as HTML, which would write
 * U+00A0 as '&nbsp;' (not an XML entity), and XML 1.0 forbids most control characters.
 */
export function xmlText(s: string): string {
  return s.replace(/\u00a0/g, ' ').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

/** SVG path through the points, rounded, skipping repeats. */
export function pathOf(points: readonly Pt[]): string {
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

/** A hover tooltip on an element. */
export function tooltip(el: Selection, s: string): void {
  el.append('title').text(xmlText(s));
}

export type LegendItem = { label: string; color: string; kind: 'line' | 'dash' | 'dot' | 'dashdot' | 'longdash' | 'box' | 'marker' };

/** The stroke-dasharray of each line kind: series are told apart by dash as well as by colour. */
export const DASH: Record<LegendItem['kind'], string> = { line: '', dash: '6,4', dot: '2,3', dashdot: '8,3,2,3', longdash: '14,4', box: '', marker: '' };

/** A label beside a vertical line; see Chart.labelBeside. */
export type SideLabel = {
  fill: string;
  /** Gap between the line and the text. */
  gap_px: number;
  /** Closer than this to the plot's right edge, the label goes left of the line. */
  room_px: number;
  style: Attrs;
};

function setAll(el: Selection, attrs: Attrs): Selection {
  for (const [k, v] of Object.entries(attrs)) el.attr(k, v);
  return el;
}

export class Chart {
  readonly root: Selection;
  /** Plot area in pixels. */
  readonly P: Plot;
  /** Total height: H plus any extra room asked for below the plot. */
  readonly h: number;
  private readonly node: InstanceType<D3NodeCtor>;

  constructor(D3Node: D3NodeCtor, title: string, subtitle: string, extraBottom = 0) {
    this.node = sharedNode(D3Node);
    this.h = H + extraBottom;
    this.P = { ...PLOT };
    this.root = this.node.createSVG(W, this.h, {
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

  /** The chart as an SVG file's text; the chart leaves the shared document. */
  svg(): string {
    const el = this.root.node();
    if (el === null) throw new Error('a chart without its <svg> element');
    const text = svgText(el.outerHTML) + '\n';
    this.root.remove();
    return text;
  }

  line(x1: number, y1: number, x2: number, y2: number, stroke: string, extra: Attrs = {}): Selection {
    const l = this.root.append('line').attr('x1', p(x1)).attr('y1', p(y1)).attr('x2', p(x2)).attr('y2', p(y2)).attr('stroke', stroke);
    return setAll(l, extra);
  }

  /** A line across the whole plot height at x = px. */
  vline(px: number, stroke: string, extra: Attrs = {}): Selection {
    return this.line(px, this.P.y0, px, this.P.y1, stroke, extra);
  }

  text(x: number, y: number, s: string, extra: Attrs = {}): Selection {
    const t = this.root.append('text').attr('x', p(x)).attr('y', p(y));
    return setAll(t, extra).text(xmlText(s));
  }

  /** Text with a white halo, so grid and data lines under it stay readable. */
  haloText(x: number, y: number, s: string, alignEnd: boolean, fill: string, style: Attrs, halo_px = 3): Selection {
    return this.text(x, y, s, {
      'text-anchor': alignEnd ? 'end' : 'start',
      fill,
      ...style,
      stroke: '#ffffff',
      'stroke-width': halo_px,
      'paint-order': 'stroke',
    });
  }

  /** A label beside the vertical line at x = px: right of it, or left of it near the plot's right edge. */
  labelBeside(px: number, y: number, s: string, o: SideLabel): void {
    const right = px > this.P.x1 - o.room_px;
    this.haloText(right ? px - o.gap_px : px + o.gap_px, y, s, right, o.fill, o.style);
  }

  rect(x: number, y: number, width: number, height: number, fill: string, extra: Attrs = {}): Selection {
    const r = this.root.append('rect').attr('x', p(x)).attr('y', p(y)).attr('width', p(width)).attr('height', p(height));
    return setAll(r.attr('fill', fill), extra);
  }

  circle(cx: number, cy: number, r: number, fill: string, extra: Attrs = {}): Selection {
    return setAll(this.root.append('circle').attr('cx', p(cx)).attr('cy', p(cy)).attr('r', r).attr('fill', fill), extra);
  }

  path(points: readonly Pt[], stroke: string, extra: Attrs = {}): void {
    const d = pathOf(points);
    if (d === '') return;
    const el = this.root.append('path').attr('d', d).attr('fill', 'none').attr('stroke', stroke).attr('stroke-width', 2);
    setAll(el.attr('stroke-linejoin', 'round'), extra);
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
        const dash = DASH[it.kind];
        const l = this.line(x, y - 4, x + 22, y - 4, it.color, { 'stroke-width': 2.5 });
        if (dash) l.attr('stroke-dasharray', dash);
      }
      this.text(x + 27, y, it.label, { fill: C.text });
      x += 27 + it.label.length * 6.6 + 22; // rough text width: no font metrics server-side
    }
  }

  /** Linear value scale from 0 (bottom of the plot) to about `top`, rounded to nice ticks. */
  yScale(top: number): ScaleLinear {
    return this.d3.scaleLinear().domain([0, top]).range([this.P.y1, this.P.y0]).nice(6);
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

/** Time on x, in the unit (`div` ms) that keeps tick labels short. */
export type TimeAxis = {
  x: ScaleLinear;
  div: number;
  unit: string;
  ticks: [number, string][];
  /** Pixel position of a time in ms. */
  at: (ms: number) => number;
};

/** A time axis from 0 to `end_ms`. */
export function timeScale(c: Chart, end_ms: number): TimeAxis {
  const div = end_ms >= 2000 ? 1000 : 1;
  const unit = div === 1000 ? 's' : 'ms';
  const x = c.d3
    .scaleLinear()
    .domain([0, end_ms > 0 ? end_ms / div : 1])
    .range([c.P.x0, c.P.x1])
    .nice(8);
  const ticks = x.ticks(8).map((t): [number, string] => [t, fmtNum(t, 3)]);
  return { x, div, unit, ticks, at: (ms) => x(ms / div) };
}

/** The time axis of the run's time series; the domain covers every row and every fault. */
export function timeAxis(c: Chart, input: ReportInput): TimeAxis {
  const s = input.summary;
  let end_ms = Math.max(0, Number.isFinite(s.duration_ms) ? s.duration_ms : 0, s.sell_out_ms ?? 0);
  for (const r of input.timeseries) end_ms = Math.max(end_ms, r.t_ms + binMs(input));
  for (const f of s.faults) if (Number.isFinite(f.at_ms)) end_ms = Math.max(end_ms, f.at_ms);
  return timeScale(c, end_ms);
}

export function drawTimeAxis(c: Chart, ta: TimeAxis): void {
  c.xAxis(ta.x, ta.ticks, `time (${ta.unit})`);
}

/** The time series' bin width, or 0 if it has none. */
export function binMs(input: ReportInput): number {
  return Number.isFinite(input.bin_ms) && input.bin_ms > 0 ? input.bin_ms : 0;
}

const FAULT_LANES = 4;
const FAULT_GAP_PX = 4;
const FAULT_CHAR_PX = 6.6; // bold 11 px text, generously: no font metrics server-side

/** The lane of each label (extent [lo, hi] in px, in time order) so none overlaps, or null if the lanes are not enough. */
export function labelLanes(extents: readonly (readonly [number, number])[]): number[] | null {
  const lanes = greedyLanes(extents);
  return lanes.includes(-1) ? null : lanes;
}

/**
 * Fault timeline as vertical lines, each labelled with its action and target in one of four
 * lanes so labels never overlap; when they cannot all fit, each is labelled with its number in
 * the report's fault table instead (the line's tooltip keeps the full text).
 */
export function drawFaults(c: Chart, input: ReportInput, ta: TimeAxis): void {
  const shown = input.summary.faults
    .map((f, i) => ({ f, n: i + 1, px: ta.at(f.at_ms) }))
    .filter((d) => Number.isFinite(d.f.at_ms) && d.px >= c.P.x0 - 0.5 && d.px <= c.P.x1 + 0.5)
    .sort((a, b) => a.px - b.px || a.n - b.n);
  const room_px = 140;
  const extentOf = (px: number, text: string): [number, number] => {
    const w = text.length * FAULT_CHAR_PX;
    return px > c.P.x1 - room_px ? [px - FAULT_GAP_PX - w, px - FAULT_GAP_PX] : [px + FAULT_GAP_PX, px + FAULT_GAP_PX + w];
  };
  let texts = shown.map((d) => `${d.f.action} ${d.f.target}`.trim());
  let lanes = labelLanes(shown.map((d, i) => extentOf(d.px, texts[i])));
  if (lanes === null) {
    texts = shown.map((d) => `${d.n}`);
    // numbers are short; if even they do not fit, the overflow goes unlabelled (its tooltip stays)
    lanes = greedyLanes(shown.map((d, i) => extentOf(d.px, texts[i])));
  }
  shown.forEach((d, i) => {
    tooltip(c.vline(d.px, C.fault, { 'stroke-width': 1.5, 'stroke-dasharray': '5,3' }), `${d.n}: ${faultTitle(d.f)}`);
    if (lanes[i] < 0) return;
    c.labelBeside(d.px, c.P.y0 + 12 + lanes[i] * 14, texts[i], { fill: C.fault, gap_px: FAULT_GAP_PX, room_px, style: { 'font-size': 11, 'font-weight': 600 } });
  });
}

/** Each label in the first lane where it clears the one before it; -1 if it fits none. */
function greedyLanes(extents: readonly (readonly [number, number])[]): number[] {
  const end = new Array<number>(FAULT_LANES).fill(-Infinity);
  return extents.map(([lo, hi]) => {
    const lane = end.findIndex((e) => e + FAULT_GAP_PX <= lo);
    if (lane >= 0) end[lane] = hi;
    return lane;
  });
}

function faultTitle(f: ReportInput['summary']['faults'][number]): string {
  const detail = f.detail ? `: ${f.detail}` : '';
  return `${fmtMs(f.at_ms)} ${f.action} ${f.target}${detail}`;
}

export function faultLegend(input: ReportInput): LegendItem[] {
  return input.summary.faults.length > 0 ? [{ label: 'fault', color: C.fault, kind: 'dash' }] : [];
}
