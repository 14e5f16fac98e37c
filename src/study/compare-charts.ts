// The overlaid time charts of `sim compare`: responses per second and tickets sold over time, A
// as a solid line and B dashed, from each side's first run (replication 1: the same seed on both
// sides when they ran on common random numbers).
import { C, Chart, type D3NodeCtor, drawTimeAxis, loadD3Node, type Pt, timeScale } from '../report/chart-frame.js';
import { fmtMs, fmtNum } from '../report/format.js';
import type { Series } from './gate-worker.js';

const COLOR = { A: C.sold, B: C.errors };

type Drawn = { label: string; series: Series };

function endOf(sides: readonly Drawn[]): number {
  let end = 0;
  for (const { series: s } of sides) {
    const last = s.t_ms[s.t_ms.length - 1];
    if (last !== undefined) end = Math.max(end, last + s.bin_ms);
  }
  return end;
}

function overlay(D3Node: D3NodeCtor, sides: readonly Drawn[], what: { title: string; sub: string; axis: string; value: (s: Series, i: number) => number; steps: boolean }): string {
  const c = new Chart(D3Node, what.title, what.sub);
  const ta = timeScale(c, endOf(sides));
  let top = 0;
  for (const { series: s } of sides) for (let i = 0; i < s.t_ms.length; i++) top = Math.max(top, what.value(s, i));
  const y = c.yScale(top > 0 ? top * 1.08 : 1);
  c.yAxis(y, what.axis, (v) => fmtNum(v));
  drawTimeAxis(c, ta);
  for (const [k, { label, series: s }] of sides.entries()) {
    // a cumulative line starts from nothing at the first bin's start
    const pts: Pt[] = what.steps || s.t_ms.length === 0 ? [] : [[ta.at(s.t_ms[0] ?? 0), y(0)]];
    for (let i = 0; i < s.t_ms.length; i++) {
      const t = s.t_ms[i] ?? 0;
      const v = y(what.value(s, i));
      if (what.steps) pts.push([ta.at(t), v], [ta.at(t + s.bin_ms), v]);
      else pts.push([ta.at(t + s.bin_ms), v]);
    }
    const side = label.startsWith('A') ? 'A' : 'B';
    c.path(pts, COLOR[side], k === 1 ? { 'stroke-dasharray': '6,4' } : {});
  }
  if (sides.every((d) => d.series.t_ms.length === 0)) c.empty('no time series recorded');
  c.legend(sides.map((d, k) => ({ label: d.label, color: COLOR[d.label.startsWith('A') ? 'A' : 'B'], kind: k === 1 ? ('dash' as const) : ('line' as const) })));
  return c.svg();
}

/** throughput.svg and sold.svg, or nothing when a side has no time series (a sweep directory). */
export async function compareCharts(a: Drawn, b: Drawn, note: string): Promise<Record<string, string>> {
  const D3Node = await loadD3Node();
  const sides = [a, b];
  const bin = Math.max(a.series.bin_ms, b.series.bin_ms);
  const rate = (s: Series, i: number) => (s.bin_ms > 0 ? ((s.ok[i] ?? 0) * 1000) / s.bin_ms : 0);
  return {
    'throughput.svg': overlay(D3Node, sides, { title: 'Tickets sold per second, A vs B', sub: `${note}; rates over ${fmtMs(bin)} bins`, axis: 'ok responses per second (1/s)', value: rate, steps: true }),
    'sold.svg': overlay(D3Node, sides, { title: 'Tickets sold so far, A vs B', sub: note, axis: 'tickets sold (Redis)', value: (s, i) => s.sold_total[i] ?? 0, steps: false }),
  };
}
