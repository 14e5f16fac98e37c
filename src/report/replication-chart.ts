// replication.svg (runs with Redis replicas only): each instance's replication lag over time, in
// writes its master had applied and it had not, the largest in each bin; faults marked.
import type { ReportInput } from '../metrics/report-input.js';
import { C, Chart, type D3NodeCtor, drawFaults, drawTimeAxis, faultLegend, type LegendItem, type Pt, timeAxis } from './chart-frame.js';
import { fmtMs, fmtNum } from './format.js';

const COLORS = [C.sold, C.errors, C.ok, C.timeouts, C.soldOut];

export function replicationChart(D3Node: D3NodeCtor, input: ReportInput): string {
  const rows = input.replication ?? [];
  const r = input.summary.replication;
  const minority = r && r.minority_writes > 0 ? ` (${fmtNum(r.oversold_by_minority)} by the minority master's ${fmtNum(r.minority_writes)} writes)` : '';
  const lost = r ? `${fmtNum(r.lost_writes)} writes lost, oversold by failover ${fmtNum(r.oversold_by_failover)}${minority}` : '';
  const fo = r?.failovers[0];
  const sub = fo ? `${lost}; failover ${fo.from} -> ${fo.to} at ${fmtMs(fo.at_ms)}` : lost;
  const c = new Chart(D3Node, 'Replication lag', sub);
  const ta = timeAxis(c, input);
  const names = [...new Set(rows.map((x) => x.node))];
  const max = rows.reduce((m, x) => Math.max(m, x.lag_writes), 0);
  const y = c.yScale(max > 0 ? max * 1.1 : 1);
  c.yAxis(y, 'lag (writes not yet applied)', (v) => fmtNum(v));
  drawTimeAxis(c, ta);
  const legend: LegendItem[] = [];
  names.forEach((name, k) => {
    const color = COLORS[k % COLORS.length];
    const pts: Pt[] = [];
    for (const x of rows) if (x.node === name) pts.push([ta.at(x.t_ms), y(x.lag_writes)], [ta.at(x.t_ms + input.bin_ms), y(x.lag_writes)]);
    c.path(pts, color, { 'stroke-width': 2 });
    legend.push({ label: name, color, kind: 'line' });
  });
  drawFaults(c, input, ta);
  if (rows.length === 0) c.empty('no replication recorded');
  c.legend([...legend, ...faultLegend(input)]);
  return c.svg();
}
