// The replay in index.html: a time scrubber over the run and a topology diagram (users -> routers ->
// directors -> nginx -> apps -> Redis) whose nodes show their load, queue and up/down state at that
// moment, tickets sold against the inventory, and the faults as they happen. The data are the
// report's own time series (nodes.csv, timeseries.csv, summary.json's faults), embedded as JSON;
// the page needs no network and no framework. The diagram's layout is drawn here, the moment by
// the inline script of ./replay-script.ts.
import { parse as parseYaml } from 'yaml';
import type { ReportInput } from '../metrics/report-input.js';
import { fmtNum, plain } from './format.js';
import { esc } from './html-escape.js';
import { REPLAY_SCRIPT } from './replay-script.js';

// More bins than this are merged, so that a long run's page stays small.
const MAX_BINS = 2000;
const W = 920;
const MARGIN = 70;

type Series = { busy: number[]; queue: number[]; done: number[] };
type Column = { tier: string; nodes: string[] };
type Placed = { name: string; tier: string; x: number; y: number };
type Edge = { a: string; b: string };

/** What the script needs, per (merged) bin. */
export type ReplayData = {
  bin_ms: number;
  bins: number;
  end_ms: number;
  inventory: number;
  sold: number[];
  arrivals: number[];
  failed: number[]; // requests sent in the bin that ended in an error or a timeout (whenever that was)
  nodes: Record<string, Series>;
  faults: { at_ms: number; action: string; target: string; detail: string }[];
  vip: { director: string; from_ms: number; to_ms: number }[];
};

const r3 = (v: number): number => Number(plain(v, 3));

function mergeFactor(bins: number): number {
  return Math.max(1, Math.ceil(bins / MAX_BINS));
}

/** Per-bin arrays of the report's time series, merged `k` bins to one. */
export function replayData(input: ReportInput): ReplayData {
  const s = input.summary;
  const bin0 = input.bin_ms > 0 ? input.bin_ms : 1;
  const rowsEnd = input.timeseries.reduce((m, r) => Math.max(m, r.t_ms + bin0), 0);
  const end_ms = Math.max(rowsEnd, s.duration_ms, bin0);
  const k = mergeFactor(Math.ceil(end_ms / bin0));
  const bin_ms = bin0 * k;
  const bins = Math.max(1, Math.ceil(end_ms / bin_ms));
  const at = (t_ms: number): number => Math.min(bins - 1, Math.floor(t_ms / bin_ms));
  const zeros = (): number[] => new Array<number>(bins).fill(0);
  const sold = zeros();
  const arrivals = zeros();
  const failed = zeros();
  for (const r of input.timeseries) {
    const i = at(r.t_ms);
    sold[i] = Math.max(sold[i] ?? 0, r.sold_total);
    arrivals[i] = (arrivals[i] ?? 0) + r.arrivals;
    failed[i] = (failed[i] ?? 0) + r.errors_by_send + r.timeouts_by_send;
  }
  // sold is cumulative: a bin without a row keeps the count before it
  for (let i = 1; i < bins; i++) sold[i] = Math.max(sold[i] ?? 0, sold[i - 1] ?? 0);
  const nodes: Record<string, Series> = {};
  for (const r of input.nodes) {
    const n = (nodes[r.node] ??= { busy: zeros(), queue: zeros(), done: zeros() });
    const i = at(r.t_ms);
    n.busy[i] = (n.busy[i] ?? 0) + r.busy / k;
    n.queue[i] = (n.queue[i] ?? 0) + r.queue / k;
    n.done[i] = (n.done[i] ?? 0) + r.done;
  }
  for (const n of Object.values(nodes)) {
    n.busy = n.busy.map(r3);
    n.queue = n.queue.map(r3);
  }
  const faults = s.faults.map((f) => ({ at_ms: f.at_ms, action: f.action, target: f.target, detail: f.detail }));
  const vip = (s.lvs?.vip_holders ?? []).map((v) => ({ director: v.director, from_ms: v.from_ms, to_ms: v.to_ms }));
  return { bin_ms, bins, end_ms, inventory: s.tickets.inventory, sold, arrivals, failed, nodes, faults, vip };
}

/** network.routers, ingress and links of the scenario as run (and of each site's own front), when the report has scenario.yaml. */
function routedNetwork(yaml: string | undefined): { ingress: string[]; links: Edge[] } | null {
  if (yaml === undefined) return null;
  const doc: unknown = parseYaml(yaml);
  const sites = doc !== null && typeof doc === 'object' && 'sites' in doc && Array.isArray(doc.sites) ? (doc.sites as unknown[]) : [];
  const nets = [doc, ...sites].map((x) => (x !== null && typeof x === 'object' && 'network' in x ? x.network : null));
  const ingress: string[] = [];
  const edges: Edge[] = [];
  for (const net of nets) {
    if (net === null || typeof net !== 'object') continue;
    if ('ingress' in net && Array.isArray(net.ingress)) ingress.push(...net.ingress.map(String));
    const links = 'links' in net && Array.isArray(net.links) ? net.links : [];
    for (const l of links) if (l !== null && typeof l === 'object' && 'a' in l && 'b' in l) edges.push({ a: String(l.a), b: String(l.b) });
  }
  return edges.length > 0 ? { ingress, links: edges } : null;
}

/** Routers in layers by hops from the ingress routers (all in one layer without scenario.yaml). */
function routerLayers(routers: readonly string[], net: ReturnType<typeof routedNetwork>): string[][] {
  if (routers.length === 0) return [];
  if (net === null) return [[...routers]];
  const depth = new Map<string, number>();
  let frontier = net.ingress.filter((r) => routers.includes(r));
  if (frontier.length === 0) frontier = [routers[0] ?? ''];
  frontier.forEach((r) => depth.set(r, 0));
  for (let d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const l of net.links) {
      for (const [from, to] of [[l.a, l.b], [l.b, l.a]] as const) {
        if (frontier.includes(from) && routers.includes(to) && !depth.has(to)) {
          depth.set(to, d);
          next.push(to);
        }
      }
    }
    frontier = next;
  }
  const layers: string[][] = [];
  for (const r of routers) (layers[depth.get(r) ?? 0] ??= []).push(r);
  return layers.filter((l) => l.length > 0);
}

function columnsOf(input: ReportInput): Column[] {
  const s = input.summary;
  const routers = Object.keys(s.tiers.router ?? {});
  const layers = routerLayers(routers, routedNetwork(input.scenario_yaml));
  return [
    { tier: 'users', nodes: ['users'] },
    ...layers.map((nodes) => ({ tier: 'router', nodes })),
    { tier: 'lvs', nodes: Object.keys(s.tiers.lvs ?? {}) },
    { tier: 'nginx', nodes: Object.keys(s.tiers.nginx) },
    { tier: 'app', nodes: Object.keys(s.tiers.app) },
    { tier: 'redis', nodes: ['redis'] },
  ].filter((c) => c.nodes.length > 0);
}

function edgesOf(cols: readonly Column[], input: ReportInput): Edge[] {
  const net = routedNetwork(input.scenario_yaml);
  const routed = new Set(cols.filter((c) => c.tier === 'router').flatMap((c) => c.nodes));
  const edges: Edge[] = [];
  const all = (from: readonly string[], to: readonly string[]): void => from.forEach((a) => to.forEach((b) => edges.push({ a, b })));
  for (let i = 0; i + 1 < cols.length; i++) {
    const here = cols[i] as Column;
    const next = cols[i + 1] as Column;
    // links of the routed network are drawn as the scenario wrote them, below
    if (net !== null && here.tier === 'router') continue;
    if (net !== null && next.tier === 'router' && here.tier === 'users') {
      all(['users'], next.nodes);
      continue;
    }
    all(here.nodes, next.nodes);
  }
  if (net !== null) edges.push(...net.links.filter((l) => routed.has(l.a) || routed.has(l.b)));
  return edges;
}

function place(cols: readonly Column[]): { placed: Placed[]; height: number; boxH: number } {
  const most = Math.max(...cols.map((c) => c.nodes.length));
  const pitch = Math.max(12, Math.min(56, 560 / most));
  const height = Math.round(most * pitch + 40);
  const gap = cols.length > 1 ? (W - 2 * MARGIN) / (cols.length - 1) : 0;
  const placed = cols.flatMap((c, i) =>
    c.nodes.map((name, j) => ({ name, tier: c.tier, x: MARGIN + i * gap, y: height / 2 + (j - (c.nodes.length - 1) / 2) * pitch })),
  );
  return { placed, height, boxH: Math.max(10, Math.min(40, pitch - 8)) };
}

function nodeSvg(n: Placed, boxW: number, boxH: number): string {
  const x = plain(n.x - boxW / 2);
  const y = plain(n.y - boxH / 2);
  const big = boxH >= 30;
  return `<g class="rp-node" data-node="${esc(n.name)}" data-tier="${esc(n.tier)}"><title>${esc(n.name)}</title>` +
    `<rect class="rp-box" x="${x}" y="${y}" width="${plain(boxW)}" height="${plain(boxH)}" rx="5"/>` +
    `<rect class="rp-busy" x="${x}" y="${plain(n.y + boxH / 2 - 4)}" width="0" height="4"/>` +
    `<text class="rp-name" x="${plain(n.x)}" y="${plain(big ? n.y - 3 : n.y + 4)}">${esc(n.name)}</text>` +
    (big ? `<text class="rp-stat" x="${plain(n.x)}" y="${plain(n.y + 10)}"></text>` : '') +
    '</g>';
}

function diagramSvg(input: ReportInput): string {
  const cols = columnsOf(input);
  const { placed, height, boxH } = place(cols);
  const boxW = Math.min(118, cols.length > 1 ? (W - 2 * MARGIN) / (cols.length - 1) - 26 : 118);
  const at = new Map(placed.map((p) => [p.name, p]));
  const lines = edgesOf(cols, input).flatMap((e) => {
    const a = at.get(e.a);
    const b = at.get(e.b);
    if (!a || !b) return [];
    const [l, r] = a.x <= b.x ? [a, b] : [b, a];
    const x1 = a.x === b.x ? l.x : l.x + boxW / 2;
    const x2 = a.x === b.x ? r.x : r.x - boxW / 2;
    return [`<line class="rp-edge" data-a="${esc(e.a)}" data-b="${esc(e.b)}" x1="${plain(x1)}" y1="${plain(l.y)}" x2="${plain(x2)}" y2="${plain(r.y)}"/>`];
  });
  const heads = cols.map((c) => {
    const x = (at.get(c.nodes[0] ?? '')?.x ?? 0);
    return `<text class="rp-col" x="${plain(x)}" y="14">${esc(c.tier === 'lvs' ? 'directors' : c.tier === 'router' ? 'routers' : c.tier)}</text>`;
  });
  return `<svg id="rp-diagram" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="topology of the run at the scrubber's time">
${heads.join('\n')}
<g class="rp-edges">
${lines.join('\n')}
</g>
${placed.map((p) => nodeSvg(p, boxW, boxH)).join('\n')}
</svg>`;
}

/** A strip under the scrubber: tickets sold over the run, and a tick at each fault. */
function stripSvg(d: ReplayData): string {
  const h = 36;
  const x = (t_ms: number): string => plain((t_ms / d.end_ms) * W);
  const top = Math.max(1, d.inventory, ...d.sold);
  const pts = d.sold.map((v, i) => `${x((i + 1) * d.bin_ms)},${plain(h - (v / top) * (h - 4))}`);
  const ticks = d.faults.map((f) => `<line class="rp-tick" x1="${x(f.at_ms)}" y1="0" x2="${x(f.at_ms)}" y2="${h}"><title>${esc(`${fmtNum(f.at_ms, 3)} ms: ${f.action} ${f.target}`)}</title></line>`);
  return `<svg id="rp-strip" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" preserveAspectRatio="none" aria-hidden="true">
<polyline class="rp-sold" points="0,${h} ${pts.join(' ')}"/>
${ticks.join('\n')}
<line id="rp-cursor" x1="0" y1="0" x2="0" y2="${h}"/>
</svg>`;
}

/** JSON inside a script element: "<" escaped, so no "</script>" can end the element early. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export const REPLAY_CSS = `
.replay { background: #fff; border: 1px solid #e2e4e8; border-radius: 8px; padding: 10px 12px; }
.rp-controls { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 0 0 6px; }
.rp-controls input[type=range] { flex: 1; min-width: 240px; }
#rp-clock { font-variant-numeric: tabular-nums; min-width: 96px; font-weight: 600; }
.replay svg { width: 100%; height: auto; display: block; }
.rp-edge { stroke: #c9ccd2; stroke-width: 1; }
.rp-edge.down { stroke: #d55e00; stroke-dasharray: 4,3; }
.rp-box { fill: #ffffff; stroke: #56b4e9; stroke-width: 1.5; }
.rp-node.down .rp-box { fill: #eeeeee; stroke: #d55e00; stroke-dasharray: 4,2; stroke-width: 2; }
.rp-node.slow .rp-box { stroke: #e69f00; stroke-width: 3; }
.rp-node.cut .rp-box { stroke: #cc79a7; stroke-dasharray: 2,2; stroke-width: 2.5; }
.rp-node.vip .rp-box { stroke: #0072b2; stroke-width: 3; }
.rp-name { font-size: 12px; font-weight: 600; text-anchor: middle; fill: #222; }
.rp-stat { font-size: 10px; text-anchor: middle; fill: #444; }
.rp-col { font-size: 12px; text-anchor: middle; fill: #666; }
.rp-sold { fill: #0072b2; fill-opacity: 0.15; stroke: #0072b2; stroke-width: 1.5; }
.rp-tick { stroke: #cc79a7; stroke-width: 2; }
#rp-cursor { stroke: #222; stroke-width: 2; }
.rp-tickets { display: flex; gap: 10px; align-items: center; margin: 6px 0; }
.rp-meter { flex: 1; height: 14px; background: #eef0f3; border-radius: 7px; overflow: hidden; }
#rp-meter-fill { height: 100%; width: 0; background: #0072b2; }
#rp-meter-fill.over { background: #d55e00; }
#rp-faults { font-size: 13px; margin: 6px 0 0; padding-left: 20px; max-height: 160px; overflow-y: auto; }
#rp-faults li { color: #999; }
#rp-faults li.past { color: #222; }
#rp-faults li.now { font-weight: 700; }
`;

/** The replay section of index.html. */
export function replaySection(input: ReportInput): string {
  const d = replayData(input);
  return `<h2>Replay</h2>
<div class="replay" id="replay">
<div class="rp-controls">
<button type="button" id="rp-play">&#9654; play</button>
<input type="range" id="rp-t" min="0" max="${plain(d.end_ms, 3)}" step="any" value="0" aria-label="time">
<span id="rp-clock">t = 0 ms</span>
<label>speed <select id="rp-speed"><option value="0.1">0.1&#215;</option><option value="0.25">0.25&#215;</option><option value="1">1&#215;</option><option value="4">4&#215;</option><option value="16">16&#215;</option></select></label>
</div>
${stripSvg(d)}
<div class="rp-tickets"><span id="rp-sold">sold 0 / ${esc(fmtNum(d.inventory))}</span><div class="rp-meter"><div id="rp-meter-fill"></div></div><span id="rp-rate"></span></div>
${diagramSvg(input)}
<p class="none">Each node: its busy fraction (the bar) and queue at that moment; nginx and the directors show the requests they pass on per second and hold. Red dashes: down; orange: slowed; pink dots: cut off; dark blue: holds the VIP.</p>
<ol id="rp-faults">
${d.faults.map((f, i) => `<li data-i="${i}">${esc(`${fmtNum(f.at_ms, 3)} ms: ${f.action} ${f.target}`)}${f.detail ? ` <span class="none">(${esc(f.detail)})</span>` : ''}</li>`).join('\n')}
</ol>
</div>
<script type="application/json" id="replay-data">${scriptJson(d)}</script>
<script>${REPLAY_SCRIPT}</script>
`;
}
