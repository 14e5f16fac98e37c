// nodes.csv and the bottleneck over several nodes and several bins, worked by hand: where each
// node's bin sits in the series, the longest busy run and its edges, which of two nodes explains
// the limit, and the guards for a span in which nothing finished. Series hold a value past their
// used bins (as a grown series does): it must never be read.
import { findBottleneck, nodeRows } from '../src/metrics/bottleneck.js';
import type { NodeLoad } from '../src/metrics/tier-sections.js';

/** A load of `names` over `used` bins; `busy`, `queue`, `done` are per node, per bin, as fractions of a bin (busy, queue) and counts (done). */
function load(tier: string, names: string[], servers: number, bin_us: number, per: { busy: number[]; queue?: number[]; done?: number[] }[], beyond = 0.95): NodeLoad {
  const nodes = names.length;
  const used = per[0].busy.length;
  const busy_us = new Float64Array((used + 1) * nodes);
  const queue_us = new Float64Array((used + 1) * nodes);
  const done = new Float64Array((used + 1) * nodes);
  per.forEach((p, n) => {
    for (let b = 0; b < used; b++) {
      busy_us[b * nodes + n] = p.busy[b] * bin_us * servers;
      queue_us[b * nodes + n] = (p.queue?.[b] ?? 0) * bin_us;
      done[b * nodes + n] = p.done?.[b] ?? 0;
    }
    // a bin past the used ones, as left by growth
    busy_us[used * nodes + n] = beyond * bin_us * servers;
    queue_us[used * nodes + n] = 9 * bin_us;
    done[used * nodes + n] = 99;
  });
  return { tier, names, servers, series: { nodes, bin_us, used, busy_us, queue_us, done } };
}

describe('nodes.csv', () => {
  test('bin by bin, each tier\'s nodes in order; a tier with fewer bins gets zeros after its last', () => {
    // app: 2 nodes of 2 servers, 2 ms bins; redis: 1 node, one bin only
    const app = load('app', ['a1', 'a2'], 2, 2000, [
      { busy: [0.5, 0.25], queue: [1, 0], done: [3, 1] },
      { busy: [1, 0.75], queue: [2.5, 0.5], done: [7, 5] },
    ]);
    const redis = load('redis', ['r'], 1, 2000, [{ busy: [0.125], queue: [0.25], done: [11] }]);
    expect(nodeRows([app, redis])).toEqual([
      { t_ms: 0, node: 'a1', tier: 'app', busy: 0.5, queue: 1, done: 3 },
      { t_ms: 0, node: 'a2', tier: 'app', busy: 1, queue: 2.5, done: 7 },
      { t_ms: 0, node: 'r', tier: 'redis', busy: 0.125, queue: 0.25, done: 11 },
      { t_ms: 2, node: 'a1', tier: 'app', busy: 0.25, queue: 0, done: 1 },
      { t_ms: 2, node: 'a2', tier: 'app', busy: 0.75, queue: 0.5, done: 5 },
      { t_ms: 2, node: 'r', tier: 'redis', busy: 0, queue: 0, done: 0 },
    ]);
  });
});

describe('the bottleneck over several bins', () => {
  test('unsaturated: the busier node of two, over its longest run at half its peak or more (the level itself counts)', () => {
    // a2 peaks at 0.8, so the level is 0.4: bins 2-5 (0.4, 0.4, 0.5, 0.8), from 4 to 12 ms.
    // Over them: busy 800 + 800 + 1000 + 1600 = 4200 us, 12 done: S = 350 us, X max = 2857.1/s;
    // X = 12 / 8 ms = 1500/s; L = (400 + 800 + 1200 + 1600) / 8000 = 0.5; W = 0.5 / 1500 = 0.333 ms
    const app = load('app', ['a1', 'a2'], 1, 2000, [
      { busy: [0.7, 0.7, 0, 0, 0, 0, 0], done: [5, 5, 0, 0, 0, 0, 0] },
      { busy: [0.1, 0, 0.4, 0.4, 0.5, 0.8, 0.3], queue: [0, 0, 0.2, 0.4, 0.6, 0.8, 0], done: [1, 0, 2, 2, 3, 5, 1] },
    ]);
    expect(findBottleneck([app])).toEqual({
      node: 'a2',
      tier: 'app',
      saturated: false,
      busy_from_ms: 4,
      busy_to_ms: 12,
      utilization: 0.525,
      service_us: 350,
      capacity_per_s: 2857.1,
      throughput_per_s: 1500,
      queue_mean: 0.5,
      wait_ms: 0.333,
      sentence: 'No bottleneck: no node was 90 % busy; the busiest, a2, peaked at 80 %',
    });
  });

  test('the longest run wins, not the first nor the last; of two as long, the first', () => {
    const run = (busy: number[]) => {
      const b = findBottleneck([load('app', ['a'], 1, 1000, [{ busy, done: busy.map(() => 1) }])]);
      return [b.busy_from_ms, b.busy_to_ms];
    };
    expect(run([0, 0, 0.95, 0, 0.95, 0.95, 0])).toEqual([4, 6]);
    expect(run([0.95, 0.95, 0, 0.95, 0])).toEqual([0, 2]);
    expect(run([0.95, 0, 0.95, 0])).toEqual([0, 1]);
  });

  test('a run that lasts to the last bin ends there; the bin past it is not read', () => {
    const b = findBottleneck([load('app', ['a'], 1, 1000, [{ busy: [0, 0.95, 0.95], done: [0, 1, 1] }], 1)]);
    expect([b.saturated, b.busy_from_ms, b.busy_to_ms, b.utilization]).toEqual([true, 1, 3, 0.95]);
    // unsaturated, the peak is that of the used bins only (60 %, not the 80 % past them)
    const u = findBottleneck([load('app', ['a'], 1, 1000, [{ busy: [0, 0.5, 0.6], done: [0, 1, 1] }], 0.8)]);
    expect([u.sentence, u.busy_from_ms, u.busy_to_ms]).toEqual(['No bottleneck: no node was 90 % busy; the busiest, a, peaked at 60 %', 1, 3]);
  });

  test('exactly 90 % busy is saturated', () => {
    expect(findBottleneck([load('redis', ['r'], 1, 1000, [{ busy: [0.9], done: [1] }])]).saturated).toBe(true);
  });
});

describe('which node explains the limit', () => {
  const one = (tier: string, name: string, busy: number) => load(tier, [name], 1, 1000, [{ busy: [busy], done: [1] }]);

  test('a saturated node beats an unsaturated one, before or after it', () => {
    expect(findBottleneck([one('app', 'a', 0.95), one('redis', 'r', 0.5)]).node).toBe('a');
    expect(findBottleneck([one('app', 'a', 0.5), one('redis', 'r', 0.95)]).node).toBe('r');
  });

  test('both saturated: the later (downstream); neither: the higher peak, the earlier on a tie', () => {
    expect(findBottleneck([one('app', 'a', 0.95), one('redis', 'r', 0.92)]).node).toBe('r');
    expect(findBottleneck([one('app', 'a', 0.7), one('redis', 'r', 0.5)]).node).toBe('a');
    expect(findBottleneck([one('app', 'a', 0.5), one('redis', 'r', 0.7)]).node).toBe('r');
    expect(findBottleneck([one('app', 'a', 0.5), one('redis', 'r', 0.5)]).node).toBe('a');
  });
});

describe('a span in which nothing finished', () => {
  test('service time, capacity and wait are 0, not infinite', () => {
    const b = findBottleneck([load('app', ['a'], 1, 1000, [{ busy: [0.95, 0.95], queue: [3, 3], done: [0, 0] }])]);
    expect(b).toMatchObject({ saturated: true, service_us: 0, capacity_per_s: 0, throughput_per_s: 0, queue_mean: 3, wait_ms: 0, utilization: 0.95 });
  });
});
