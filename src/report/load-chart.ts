import type { NodeRow, ReportInput } from '../metrics/report-input.js';
import { C, Chart, type D3NodeCtor, drawFaults, drawTimeAxis, faultLegend, timeAxis, type TimeAxis, tooltip } from './chart-frame.js';
import { fmtMs, fmtNum, fmtPct } from './format.js';

// load.svg: a heatmap of each serving node's busy fraction over time (nodes.csv), one row per app
// server and one for Redis, and one per host (`hosts:`: the share of its cores in use); nginx and
// the directors have no service time in the model, so they are never busy and get no row. A single-hue scale (light to dark blue) reads the same to
// colour-blind eyes and in grey.

const MAX_COLUMNS = 200;
const LEVELS = 10; // busy fraction in steps of 10 %
const LIGHT = [0xf7, 0xfb, 0xff];
const DARK = [0x08, 0x30, 0x6b];

/** The colour of busy-fraction level `k` of LEVELS (0 idle, LEVELS - 1 saturated). */
export function levelColor(k: number): string {
  const f = k / (LEVELS - 1);
  return '#' + LIGHT.map((a, i) => Math.round(a + (DARK[i] - a) * f).toString(16).padStart(2, '0')).join('');
}

const levelOf = (busy: number): number => Math.max(0, Math.min(LEVELS - 1, Math.floor(busy * LEVELS)));

type Cell = { t0: number; t1: number; busy: number; queue: number; done: number };

/** One node's cells, bins merged into at most MAX_COLUMNS columns (means of busy and queue, sum of done). */
function columns(rows: readonly NodeRow[], bin: number): Cell[] {
  const per = Math.max(1, Math.ceil(rows.length / MAX_COLUMNS));
  const out: Cell[] = [];
  for (let i = 0; i < rows.length; i += per) {
    const part = rows.slice(i, i + per);
    const mean = (f: (r: NodeRow) => number) => part.reduce((a, r) => a + f(r), 0) / part.length;
    out.push({ t0: part[0].t_ms, t1: part[part.length - 1].t_ms + bin, busy: mean((r) => r.busy), queue: mean((r) => r.queue), done: part.reduce((a, r) => a + r.done, 0) });
  }
  return out;
}

/** Neighbouring cells of the same level drawn as one rectangle, with their means. */
function runs(cells: readonly Cell[]): Cell[] {
  const out: Cell[] = [];
  for (const c of cells) {
    const last = out.at(-1);
    if (last && levelOf(last.busy) === levelOf(c.busy)) {
      // weighted by width, so the tooltip's mean is the run's
      const w0 = last.t1 - last.t0;
      const w1 = c.t1 - c.t0;
      last.busy = (last.busy * w0 + c.busy * w1) / (w0 + w1);
      last.queue = (last.queue * w0 + c.queue * w1) / (w0 + w1);
      last.done += c.done;
      last.t1 = c.t1;
    } else out.push({ ...c });
  }
  return out;
}

function drawRow(c: Chart, ta: TimeAxis, node: string, cells: readonly Cell[], y: number, h: number, bold: boolean): void {
  c.text(c.P.x0 - 8, y + h / 2 + 4, node, { 'text-anchor': 'end', fill: C.text, ...(bold ? { 'font-weight': 700 } : {}) });
  for (const cell of runs(cells)) {
    const x0 = ta.at(cell.t0);
    const r = c.rect(x0, y, Math.max(0.5, ta.at(cell.t1) - x0), h - 2, levelColor(levelOf(cell.busy)));
    tooltip(r, `${node}, ${fmtMs(cell.t0)} to ${fmtMs(cell.t1)}: ${fmtPct(cell.busy, 0)} busy, ${fmtNum(cell.queue, 1)} waiting on average, ${fmtNum(cell.done, 0)} done`);
  }
}

export function loadChart(D3Node: D3NodeCtor, input: ReportInput): string {
  const b = input.summary.bottleneck;
  const byNode = new Map<string, NodeRow[]>();
  for (const r of input.nodes) {
    if (r.tier !== 'app' && r.tier !== 'redis' && r.tier !== 'host') continue;
    const list = byNode.get(r.node) ?? [];
    list.push(r);
    byNode.set(r.node, list);
  }
  // the sentence's first two clauses fit the subtitle's width; the rest is in the report's text
  const subtitle = b.sentence.split('; ').slice(0, 2).join('; ').replace(/ \([^)]*\)$/, '');
  const c = new Chart(D3Node, 'Busy servers per node over time', subtitle);
  const ta = timeAxis(c, input);
  drawTimeAxis(c, ta);
  const nodes = [...byNode.keys()];
  if (nodes.length === 0) c.empty('no serving node');
  const rowH = Math.min(40, (c.P.y1 - c.P.y0) / Math.max(1, nodes.length));
  nodes.forEach((node, i) => {
    const rows = byNode.get(node) ?? [];
    drawRow(c, ta, node, columns(rows, input.bin_ms), c.P.y0 + i * rowH, rowH, b.saturated && b.node === node);
  });
  drawFaults(c, input, ta);
  c.legend([
    { label: 'idle', color: levelColor(0), kind: 'box' },
    { label: '50 % busy', color: levelColor(5), kind: 'box' },
    { label: '90-100 % busy', color: levelColor(LEVELS - 1), kind: 'box' },
    ...faultLegend(input),
  ]);
  return c.svg();
}
