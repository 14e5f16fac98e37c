// A study's charts: each metric against each varied parameter, the mean with its confidence
// interval as an error bar, one line per combination of the other parameters' values. Drawn with
// the run report's chart frame (d3-node, loaded on first use), so the SVGs are deterministic too.
import { C, Chart, type D3NodeCtor, DASH, loadD3Node, OKABE_ITO, type Pt } from '../report/chart-frame.js';
import { fmtNum } from '../report/format.js';
import type { ConfigStats } from './sweep-output.js';
import type { StudySpec } from './sweep-plan.js';

// Okabe-Ito (colour-blind safe), yellow last: it is faint on white. Each series has its dash too.
const SERIES = [OKABE_ITO.blue, OKABE_ITO.vermillion, OKABE_ITO.bluishGreen, OKABE_ITO.orange, OKABE_ITO.reddishPurple, OKABE_ITO.skyBlue, OKABE_ITO.black, OKABE_ITO.yellow];
const KINDS = ['line', 'dash', 'dot', 'dashdot', 'longdash'] as const;
const dashOf = (i: number): { kind: (typeof KINDS)[number]; dash: string } => {
  const kind = KINDS[i % KINDS.length] ?? 'line';
  return { kind, dash: DASH[kind] };
};

/** A file name made of a metric and a parameter: only letters, digits, '.', '_' and '-'. */
export function chartName(metric: string, param: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  return `${safe(metric)}--vs--${safe(param)}.svg`;
}

type Point = { x: number; mean: number; lo: number; hi: number };
type Series = { label: string; points: Point[] };

/** x positions: the values themselves when every one is a number, else evenly spaced categories. */
function xPositions(values: readonly string[]): { at: number[]; numeric: boolean } {
  const nums = values.map(Number);
  const numeric = values.every((v, i) => v.trim() !== '' && Number.isFinite(nums[i]));
  return { at: numeric ? nums : values.map((_, i) => i), numeric };
}

function seriesOf(spec: StudySpec, stats: readonly ConfigStats[], metric: string, pi: number): Series[] {
  const param = spec.parameters[pi];
  if (param === undefined) return [];
  const { at } = xPositions(param.values);
  const groups = new Map<string, Series>();
  for (const c of stats) {
    const conf = spec.configurations[c.index];
    const s = c.stats[metric];
    if (conf === undefined || s === undefined || s.mean === null) continue;
    const others = spec.parameters.flatMap((p, j) => (j === pi ? [] : [`${p.key}=${conf.values[j] ?? ''}`])).join(', ');
    let g = groups.get(others);
    if (g === undefined) {
      g = { label: others, points: [] };
      groups.set(others, g);
    }
    const x = at[param.values.indexOf(conf.values[pi] ?? '')] ?? 0;
    g.points.push({ x, mean: s.mean, lo: s.ci_lo ?? s.mean, hi: s.ci_hi ?? s.mean });
  }
  return [...groups.values()];
}

function drawChart(D3Node: D3NodeCtor, spec: StudySpec, stats: readonly ConfigStats[], metric: string, pi: number): string {
  const param = spec.parameters[pi];
  const series = seriesOf(spec, stats, metric, pi);
  const pct = Math.round(spec.confidence * 1000) / 10;
  const c = new Chart(D3Node, `${metric} vs ${param?.key ?? ''}`, `mean and ${pct} % Student-t interval over the replications of each configuration`);
  const pts = series.flatMap((s) => s.points);
  if (param === undefined || pts.length === 0) {
    c.empty('no values');
    return c.svg();
  }
  const { at, numeric } = xPositions(param.values);
  const xlo = Math.min(...at);
  const xhi = Math.max(...at);
  // categories sit half a step in from the edges; numbers 5 % in
  const pad = !numeric ? 0.5 : xhi === xlo ? 1 : (xhi - xlo) * 0.05;
  const x = c.d3.scaleLinear().domain([xlo - pad, xhi + pad]).range([c.P.x0, c.P.x1]);
  let ylo = Math.min(...pts.map((q) => q.lo));
  let yhi = Math.max(...pts.map((q) => q.hi));
  if (ylo === yhi) [ylo, yhi] = [ylo - Math.max(1, Math.abs(ylo) * 0.1), yhi + Math.max(1, Math.abs(yhi) * 0.1)];
  const y = c.d3.scaleLinear().domain([ylo, yhi]).range([c.P.y1, c.P.y0]).nice(6);
  c.yAxis(y, metric, (v) => fmtNum(v, 3));
  // the varied values themselves, unless there are too many to label
  const ticks: [number, string][] = numeric && param.values.length > 12 ? x.ticks(8).map((t) => [t, fmtNum(t, 4)]) : param.values.map((v, i) => [at[i] ?? i, v]);
  c.xAxis(x, ticks, param.key);
  if (series.length > 1) c.legend(series.map((s, i) => ({ label: s.label, color: SERIES[i % SERIES.length] ?? C.sold, kind: dashOf(i).kind })));
  series.forEach((s, i) => {
    const color = SERIES[i % SERIES.length] ?? C.sold;
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    // series side by side, a few pixels apart, so equal intervals do not hide each other
    const dodge = (i - (series.length - 1) / 2) * 5;
    c.path(sorted.map((q): Pt => [x(q.x) + dodge, y(q.mean)]), color, { 'stroke-width': 1.5, ...(dashOf(i).dash ? { 'stroke-dasharray': dashOf(i).dash } : {}) });
    for (const q of sorted) {
      const px = x(q.x) + dodge;
      c.line(px, y(q.lo), px, y(q.hi), color, { 'stroke-width': 1.5 });
      c.line(px - 4, y(q.lo), px + 4, y(q.lo), color);
      c.line(px - 4, y(q.hi), px + 4, y(q.hi), color);
      c.circle(px, y(q.mean), 3.5, color);
    }
  });
  return c.svg();
}

/** Blends from pale to dark blue: t = 0 is the smallest mean, 1 the largest. */
function shade(t: number): string {
  const lo = [0xf7, 0xfb, 0xff];
  const hi = [0x08, 0x30, 0x6b];
  return `#${lo.map((l, i) => Math.round(l + ((hi[i] ?? l) - l) * t).toString(16).padStart(2, '0')).join('')}`;
}

/** With two varied parameters: the mean of `metric` in a grid, the first parameter across. */
function heatmap(D3Node: D3NodeCtor, spec: StudySpec, stats: readonly ConfigStats[], metric: string): string {
  const [px, py] = spec.parameters;
  const c = new Chart(D3Node, `${metric}: ${px?.key ?? ''} x ${py?.key ?? ''}`, 'mean over the replications of each configuration; darker is larger');
  if (px === undefined || py === undefined) return c.svg();
  const means = stats.map((s) => s.stats[metric]?.mean ?? null);
  const nums = means.filter((m): m is number => m !== null);
  const lo = Math.min(...nums);
  const hi = Math.max(...nums);
  const w = (c.P.x1 - c.P.x0) / px.values.length;
  const h = (c.P.y1 - c.P.y0) / py.values.length;
  stats.forEach((s, k) => {
    const conf = spec.configurations[s.index];
    const i = px.values.indexOf(conf?.values[0] ?? '');
    const j = py.values.indexOf(conf?.values[1] ?? '');
    const m = means[k] ?? null;
    const t = m === null || hi === lo ? 0 : (m - lo) / (hi - lo);
    const x = c.P.x0 + i * w;
    const y = c.P.y1 - (j + 1) * h;
    c.rect(x, y, w, h, m === null ? '#ffffff' : shade(t), { stroke: '#ffffff' });
    c.text(x + w / 2, y + h / 2 + 4, m === null ? '-' : fmtNum(m, 3), { 'text-anchor': 'middle', fill: t > 0.5 ? '#ffffff' : C.text, 'font-size': 11 });
  });
  px.values.forEach((v, i) => c.text(c.P.x0 + (i + 0.5) * w, c.P.y1 + 20, v, { 'text-anchor': 'middle', fill: C.axis }));
  py.values.forEach((v, j) => c.text(c.P.x0 - 8, c.P.y1 - (j + 0.5) * h + 4, v, { 'text-anchor': 'end', fill: C.axis }));
  c.text((c.P.x0 + c.P.x1) / 2, c.h - 14, px.key, { 'text-anchor': 'middle', fill: C.text });
  const cy = (c.P.y0 + c.P.y1) / 2;
  c.text(12, cy, py.key, { 'text-anchor': 'middle', transform: `rotate(-90 12 ${cy.toFixed(2)})`, fill: C.text });
  return c.svg();
}

/** Every chart of the study, by file name, in metric order then parameter order. */
export async function sweepCharts(spec: StudySpec, stats: readonly ConfigStats[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (spec.parameters.length === 0) return out;
  const D3Node = await loadD3Node();
  for (const m of spec.metrics) {
    spec.parameters.forEach((p, pi) => {
      out[chartName(m, p.key)] = drawChart(D3Node, spec, stats, m, pi);
    });
    if (spec.parameters.length === 2) out[`${chartName(m, 'heatmap').replace('--vs--', '--')}`] = heatmap(D3Node, spec, stats, m);
  }
  return out;
}
