// A chart per subject and parameter: the metric's mean at every evaluated value with its interval,
// filled where the value met every subject and hollow where it did not, the subject's threshold as
// a dashed line, and the answer marked. Drawn with the run report's chart frame, so deterministic.
import { C, Chart, type D3NodeCtor, loadD3Node, type Pt } from '../report/chart-frame.js';
import { fmtNum } from '../report/format.js';
import { axisNumber, indexOfRank } from './optimize-plan.js';
import type { OptimizeOutcome, OptimizeSpec } from './optimize-run.js';
import { chartName } from './sweep-charts.js';
import { decisive, pctOf, wantText } from './optimize-output.js';

type Point = { x: number; mean: number; lo: number; hi: number; threshold: number | null; feasible: boolean };

function pointsOf(spec: OptimizeSpec, o: OptimizeOutcome, j: number, ai: number): Point[] {
  const axis = spec.axes[ai];
  if (axis === undefined) return [];
  const out: Point[] = [];
  for (const e of o.search.evaluated) {
    const v = e.verdict.subjects[j];
    if (v === undefined || v.mean === null) continue;
    const x = axisNumber(axis, indexOfRank(axis, e.ranks[ai] ?? 0));
    out.push({ x, mean: v.mean, lo: v.ci_lo ?? v.mean, hi: v.ci_hi ?? v.mean, threshold: v.threshold, feasible: e.verdict.feasible });
  }
  return out.sort((a, b) => a.x - b.x || a.mean - b.mean);
}

function drawSubject(D3Node: D3NodeCtor, spec: OptimizeSpec, o: OptimizeOutcome, j: number, ai: number): string {
  const axis = spec.axes[ai];
  const s = spec.subjects[j];
  const c = new Chart(D3Node, `${s?.metric ?? ''} vs ${axis?.key ?? ''}`, `mean and ${pctOf(spec.confidence)} % interval per value; filled: every subject holds; dashed: ${s === undefined ? '' : wantText(s)}`);
  const pts = pointsOf(spec, o, j, ai);
  if (axis === undefined || pts.length === 0) {
    c.empty('no values');
    return c.svg();
  }
  const xs = pts.map((q) => q.x);
  const [xlo, xhi] = [Math.min(...xs), Math.max(...xs)];
  const pad = xhi === xlo ? 1 : (xhi - xlo) * 0.05;
  const x = c.d3.scaleLinear().domain([xlo - pad, xhi + pad]).range([c.P.x0, c.P.x1]);
  const thresholds = pts.map((q) => q.threshold).filter((t): t is number => t !== null);
  let ylo = Math.min(...pts.map((q) => q.lo), ...thresholds);
  let yhi = Math.max(...pts.map((q) => q.hi), ...thresholds);
  if (ylo === yhi) [ylo, yhi] = [ylo - Math.max(1, Math.abs(ylo) * 0.1), yhi + Math.max(1, Math.abs(yhi) * 0.1)];
  const y = c.d3.scaleLinear().domain([ylo, yhi]).range([c.P.y1, c.P.y0]).nice(6);
  c.yAxis(y, s?.metric ?? '', (v) => fmtNum(v, 3));
  c.xAxis(x, x.ticks(8).map((t): [number, string] => [t, fmtNum(t, 4)]), `${axis.key}${axis.unit ? ` (${axis.unit})` : ''}`);
  const tpath = pts.filter((q) => q.threshold !== null).map((q): Pt => [x(q.x), y(q.threshold ?? 0)]);
  if (tpath.length > 0) c.path([[c.P.x0, tpath[0]?.[1] ?? 0], ...tpath, [c.P.x1, tpath[tpath.length - 1]?.[1] ?? 0]], C.oversold, { 'stroke-dasharray': '6 4', 'stroke-width': 1.5 });
  const { answer } = decisive(o);
  if (answer !== undefined) {
    const ax = axisNumber(axis, indexOfRank(axis, answer.ranks[ai] ?? 0));
    c.vline(x(ax), C.sellOut, { 'stroke-dasharray': '3 3' });
    c.text(x(ax) + 4, c.P.y0 + 12, `answer ${fmtNum(ax, 4)}${axis.unit}`, { fill: C.sellOut });
  }
  if (spec.axes.length === 1) c.path(pts.map((q): Pt => [x(q.x), y(q.mean)]), C.sold, { 'stroke-width': 1 });
  for (const q of pts) {
    const px = x(q.x);
    c.line(px, y(q.lo), px, y(q.hi), C.sold, { 'stroke-width': 1.5 });
    c.circle(px, y(q.mean), 3.5, q.feasible ? C.sold : '#ffffff', { stroke: C.sold, 'stroke-width': 1.5 });
  }
  return c.svg();
}

/** Every chart, by file name: each subject against each parameter. */
export async function optimizeCharts(spec: OptimizeSpec, o: OptimizeOutcome): Promise<Record<string, string>> {
  const D3Node = await loadD3Node();
  const out: Record<string, string> = {};
  spec.subjects.forEach((s, j) => {
    spec.axes.forEach((a, ai) => {
      const name = chartName(s.metric, a.key);
      if (!(name in out)) out[name] = drawSubject(D3Node, spec, o, j, ai);
    });
  });
  return out;
}
