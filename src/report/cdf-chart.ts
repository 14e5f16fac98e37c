import type { ScaleLogarithmic } from 'd3-node';
import type { LatencyBucket, ReportInput } from '../metrics/report-input.js';
import { C, Chart, type D3NodeCtor, type Pt, tooltip } from './chart-frame.js';
import { fmtMs, fmtNum, fmtPct } from './format.js';

// latency-cdf.svg: the share of requests answered within each latency, on a log latency axis,
// for the OK requests and for every request with failures at their time to failure, with the
// percentiles marked on the latter. Told apart by dash as well as colour.

type Curve = { pts: Pt[]; total: number };

/** Cumulative share at each bucket's upper edge, from 0 at the first bucket's lower edge. */
function curve(buckets: readonly LatencyBucket[]): Curve {
  const usable = buckets.filter((b) => Number.isFinite(b.hi_ms) && b.hi_ms > 0 && b.count > 0);
  const total = usable.reduce((a, b) => a + b.count, 0);
  const pts: Pt[] = [];
  let seen = 0;
  for (const b of usable) {
    if (pts.length === 0) pts.push([b.lo_ms > 0 ? b.lo_ms : b.hi_ms / 2, 0]);
    seen += b.count;
    pts.push([b.hi_ms, seen / total]);
  }
  return { pts, total };
}

function axis(c: Chart, lo: number, hi: number): ScaleLogarithmic {
  const x: ScaleLogarithmic = c.d3
    .scaleLog()
    .domain([lo, hi > lo ? hi : lo * 10])
    .range([c.P.x0, c.P.x1])
    .nice()
    .clamp(true);
  const [d0, d1] = x.domain();
  const wide = Math.log10(d1 / d0) > 3; // over three decades, 2 and 5 labels would collide
  const ticks = x.ticks().map((t): [number, string] => {
    const lead = Math.round(t / 10 ** Math.floor(Math.log10(t) + 1e-9));
    return [t, lead === 1 || (!wide && (lead === 2 || lead === 5)) ? fmtNum(t, 3) : ''];
  });
  c.xAxis(x, ticks, 'latency (ms, log scale)');
  return x;
}

export function cdfChart(D3Node: D3NodeCtor, input: ReportInput): string {
  const s = input.summary;
  const ok = curve(input.latency_ok ?? input.latency);
  const all = curve(input.latency_all ?? input.latency);
  const failed = s.latency_ko_ms.count;
  const c = new Chart(
    D3Node,
    'Latency CDF: share of requests done within a time',
    all.total > 0 ? `${fmtNum(all.total)} requests, ${fmtNum(failed)} failed (counted at their time to failure)` : 'no latency samples',
  );
  const y = c.yScale(1);
  c.yAxis(y, 'requests done within (%)', (v) => fmtPct(v, 0));
  if (all.total === 0) {
    c.empty('no latency samples');
    return c.svg();
  }
  const xs = [...ok.pts, ...all.pts].map((q) => q[0]);
  const x = axis(c, Math.min(...xs), Math.max(...xs));
  const step = (pts: readonly Pt[]): Pt[] => pts.flatMap((q, i): Pt[] => (i === 0 ? [[x(q[0]), y(q[1])]] : [[x(q[0]), y(pts[i - 1][1])], [x(q[0]), y(q[1])]]));
  if (ok.total > 0) c.path(step(ok.pts), C.ok, { 'stroke-width': 2.5 });
  c.path(step(all.pts), C.timeouts, { 'stroke-width': 2, 'stroke-dasharray': '6,4' });
  const marks: [string, number][] = [
    ['p50', s.latency_all_ms.p50],
    ['p90', s.latency_all_ms.p90],
    ['p99', s.latency_all_ms.p99],
    ['p99.9', s.latency_all_ms.p999],
  ];
  const q: Record<string, number> = { p50: 0.5, p90: 0.9, p99: 0.99, 'p99.9': 0.999 };
  marks.forEach(([name, v], i) => {
    if (!(v > 0)) return;
    const px = x(v);
    const py = y(q[name]);
    tooltip(c.circle(px, py, 4, C.timeouts, { stroke: '#ffffff', 'stroke-width': 1 }), `${name} over all requests: ${fmtMs(v)}`);
    c.haloText(px - 8, py + 16 + i * 13, `${name} ${fmtMs(v)}`, true, C.text, { 'font-size': 11, 'font-weight': 600 });
  });
  c.legend([
    { label: `ok (${fmtNum(ok.total)})`, color: C.ok, kind: 'line' },
    { label: 'all requests, failures included', color: C.timeouts, kind: 'dash' },
  ]);
  return c.svg();
}
