// nodes.csv (each node's busy fraction, queue and completions per time bin) and the bottleneck
// sentence of summary.json, from the tiers' per-bin loads.
//
// The bottleneck is found with the operational laws. Utilisation law: a node with `c` servers and
// mean service time S serves at most X = c / S jobs per second (U = X·S / c reaches 1). Little's
// law: L = X·W, so the mean queue L over a span and the throughput X over it give the mean wait W.
// A node counts as saturated in a bin when at least SATURATED of its servers were busy. The app's
// Go handler holds its lock while it waits for Redis, so a saturated Redis saturates the apps in
// front of it too: of the saturated nodes, the one furthest downstream is the bottleneck.
import type { NodeRow } from './report-input.js';
import { round } from './round.js';
import type { Bottleneck } from './summary.js';
import type { NodeLoad } from './tier-sections.js';

const SATURATED = 0.9;

/** nodes.csv, bin by bin, each bin's nodes in the order of `loads` (upstream first). */
export function nodeRows(loads: readonly NodeLoad[]): NodeRow[] {
  const bins = Math.max(0, ...loads.map((l) => l.series.used));
  const rows: NodeRow[] = [];
  for (let b = 0; b < bins; b++) {
    for (const l of loads) {
      const sr = l.series;
      l.names.forEach((node, n) => {
        const i = b * sr.nodes + n;
        const inUse = b < sr.used;
        rows.push({
          t_ms: round((b * sr.bin_us) / 1000),
          node,
          tier: l.tier,
          busy: inUse ? round(sr.busy_us[i] / (sr.bin_us * l.servers), 4) : 0,
          queue: inUse ? round(sr.queue_us[i] / sr.bin_us, 3) : 0,
          done: inUse ? sr.done[i] : 0,
        });
      });
    }
  }
  return rows;
}

type Candidate = { load: NodeLoad; n: number; from: number; to: number; peak: number; saturated: boolean };

/** Node `n`'s busy fraction in bin `b`. */
function busyAt(l: NodeLoad, n: number, b: number): number {
  const sr = l.series;
  return sr.busy_us[b * sr.nodes + n] / (sr.bin_us * l.servers);
}

/** Node `n`'s longest run of bins [from, to) at or above `level` busy. */
function longestRun(l: NodeLoad, n: number, level: number): { from: number; to: number } {
  let best = { from: 0, to: 0 };
  let start = -1;
  for (let b = 0; b <= l.series.used; b++) {
    const on = b < l.series.used && busyAt(l, n, b) >= level;
    if (on && start < 0) start = b;
    if (!on && start >= 0) {
      if (b - start > best.to - best.from) best = { from: start, to: b };
      start = -1;
    }
  }
  return best;
}

function candidate(l: NodeLoad, n: number): Candidate {
  let peak = 0;
  for (let b = 0; b < l.series.used; b++) peak = Math.max(peak, busyAt(l, n, b));
  const saturated = peak >= SATURATED;
  // not saturated: the span where it was at least half as busy as at its peak
  const run = longestRun(l, n, saturated ? SATURATED : peak / 2);
  return { load: l, n, ...run, peak, saturated };
}

/** Of two nodes, the one that better explains the limit (later in `loads` = further downstream). */
function better(a: Candidate, b: Candidate): Candidate {
  if (a.saturated !== b.saturated) return a.saturated ? a : b;
  if (a.saturated) return b; // both saturated: b comes later, so it is further downstream
  return b.peak > a.peak ? b : a;
}

const sumOver = (a: Float64Array, nodes: number, n: number, from: number, to: number): number => {
  let t = 0;
  for (let b = from; b < to; b++) t += a[b * nodes + n];
  return t;
};

/** How a rate reads: "20k/s" and "1 sale per 40 s", or "3k requests/s" and "1 request per 2 s". */
export type RateUnit = { each: string; per_s: string };
export const SALES: RateUnit = { each: 'sale', per_s: '/s' };
export const REQUESTS: RateUnit = { each: 'request', per_s: ' requests/s' };

/** A rate that never rounds to nothing: 20k, 1.7k, 12, 0.5 a second, and below 0.1/s one every so long. */
export function fmtRate(perS: number, unit: RateUnit): string {
  if (perS >= 10_000) return `${round(perS / 1000, 0)}k${unit.per_s}`;
  if (perS >= 1000) return `${round(perS / 1000, 1)}k${unit.per_s}`;
  if (perS >= 10) return `${round(perS, 0)}${unit.per_s}`;
  if (perS >= 0.1 || perS <= 0) return `${Number(perS.toPrecision(2))}${unit.per_s}`;
  return `1 ${unit.each} per ${fmtServiceTime(1e6 / perS)}`;
}

/** A service time in the unit that fits it: 50 µs, 575.7 µs, 2.5 ms, 2 s, 40 s. */
export function fmtServiceTime(us: number): string {
  if (us < 1000) return `${round(us, 1)} µs`;
  if (us < 1e6) return `${Number((us / 1000).toPrecision(3))} ms`;
  return `${Number((us / 1e6).toPrecision(3))} s`;
}

/** Every sale passes through a tier's only node; one node of several caps only its own share. */
function capText(l: NodeLoad, capacity: number, service_us: number): string {
  const why = `${l.servers} server${l.servers > 1 ? 's' : ''} / ${fmtServiceTime(service_us)} each`;
  return l.names.length === 1
    ? `sales capped at ${fmtRate(capacity, SALES)} (${why})`
    : `it serves at most ${fmtRate(capacity, REQUESTS)} (${why})`;
}

const IDLE: Bottleneck = {
  node: '',
  tier: '',
  saturated: false,
  busy_from_ms: 0,
  busy_to_ms: 0,
  utilization: 0,
  service_us: 0,
  capacity_per_s: 0,
  throughput_per_s: 0,
  queue_mean: 0,
  wait_ms: 0,
  sentence: 'No bottleneck: no node did any work',
};

/** The bottleneck by the utilisation law and Little's law (node '' if no node did any work). */
export function findBottleneck(loads: readonly NodeLoad[]): Bottleneck {
  let best: Candidate | null = null;
  for (const l of loads) {
    for (let n = 0; n < l.names.length; n++) {
      const c = candidate(l, n);
      if (c.peak > 0) best = best ? better(best, c) : c;
    }
  }
  if (best === null) return { ...IDLE };
  const { load: l, n, from, to } = best;
  const sr = l.series;
  const span_us = (to - from) * sr.bin_us;
  const busy_us = sumOver(sr.busy_us, sr.nodes, n, from, to);
  const done = sumOver(sr.done, sr.nodes, n, from, to);
  const service_us = done > 0 ? busy_us / done : 0; // S = busy time / jobs done (over the span)
  const capacity = service_us > 0 ? (l.servers * 1e6) / service_us : 0; // X max = c / S
  const throughput = done / (span_us / 1e6);
  const queue = sumOver(sr.queue_us, sr.nodes, n, from, to) / span_us; // L
  const wait_ms = throughput > 0 ? (queue / throughput) * 1000 : 0; // W = L / X
  const node = l.names[n];
  const utilization = busy_us / (span_us * l.servers);
  const fromMs = round((from * sr.bin_us) / 1000);
  const toMs = round((to * sr.bin_us) / 1000);
  const pct = Math.round(utilization * 100);
  const sentence = best.saturated
    ? saturatedSentence(l, node, pct, fromMs, toMs, capacity, service_us, queue, wait_ms)
    : `No bottleneck: no node was ${Math.round(SATURATED * 100)} % busy; the busiest, ${node}, peaked at ${Math.round(best.peak * 100)} %`;
  return {
    node,
    tier: l.tier,
    saturated: best.saturated,
    busy_from_ms: fromMs,
    busy_to_ms: toMs,
    utilization: round(utilization, 4),
    service_us: round(service_us, 1),
    capacity_per_s: round(capacity, 1),
    throughput_per_s: round(throughput, 1),
    queue_mean: round(queue, 2),
    wait_ms: round(wait_ms, 3),
    sentence,
  };
}

function saturatedSentence(l: NodeLoad, node: string, pct: number, fromMs: number, toMs: number, capacity: number, service_us: number, queue: number, wait_ms: number): string {
  if (l.tier === 'host') {
    // a host's queue is its runnable pieces of work beyond its cores: every process on it waits
    return `Bottleneck: the CPU of host ${node}, ${pct} % of its ${l.servers} core${l.servers > 1 ? 's' : ''} busy from ${fromMs} to ${toMs} ms; ` +
      `${round(queue, 1)} runnable threads waiting for a core on average, so every process on it runs slower`;
  }
  return `Bottleneck: ${node}, ${pct} % busy from ${fromMs} to ${toMs} ms; ${capText(l, capacity, service_us)}; ` +
      `${round(queue, 0)} waiting on average, ${round(wait_ms, 1)} ms each (Little's law)`;
}
