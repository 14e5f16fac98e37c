// The replay's data and diagram (src/report/replay.ts): per-bin arrays from the report's own time
// series, worked out by hand here, and a layout that follows the scenario's topology.
import type { NodeRow, ReportInput, TimeseriesRow } from '../src/metrics/report-input.js';
import { runScenario } from '../src/model/stack.js';
import { replayData, replaySection } from '../src/report/replay.js';
import { parseScenario } from '../src/scenario/load.js';
import { scenarioAsRunYaml } from '../src/scenario/user-yaml.js';

const SMALL = `name: replay-small
tickets: { inventory: 10, script: fixed }
users:
  load: { open: { users: 40, rate: 10k/s } }
network:
  routers: [ border, edge1, edge2 ]
  links:
    - { a: border, b: edge1 }
    - { a: border, b: edge2 }
    - { a: edge1, b: lvs1 }
    - { a: edge2, b: lvs2 }
lvs: { directors: 2, mode: active_active }
nginx:
  upstream:
    servers: [ { name: a, weight: 1 }, { name: b, weight: 1 } ]
app: { local_stock: [ 6, 6 ] }
`;

const scenario = parseScenario(SMALL, 'replay-small.yaml');
const real = runScenario(scenario).report;

const row = (t_ms: number, sold_total: number, arrivals: number, failedBySend: number): TimeseriesRow => ({
  t_ms,
  arrivals,
  ok: 0,
  sold_out: 0,
  errors: 0,
  timeouts: 0,
  sold_total,
  latency_mean_ms: 0,
  timeouts_by_send: failedBySend,
  errors_by_send: 0,
});
const node = (t_ms: number, name: string, busy: number, queue: number, done: number): NodeRow => ({ t_ms, node: name, tier: 'app', busy, queue, done });

function input(timeseries: TimeseriesRow[], nodes: NodeRow[], bin_ms: number, duration_ms: number): ReportInput {
  const faults = [{ at_ms: 150, action: 'kill', target: 'a', detail: 'a </script> in a detail' }];
  return { ...real, timeseries, nodes, bin_ms, summary: { ...real.summary, duration_ms, faults }, scenario_yaml: scenarioAsRunYaml(scenario) };
}

describe('replay data', () => {
  test('per bin: sold carried over empty bins, arrivals, failures by send time, node series', () => {
    const d = replayData(input([row(0, 3, 20, 1), row(200, 9, 5, 0)], [node(0, 'a', 0.5, 2, 7), node(200, 'a', 1, 0.25, 3)], 100, 250));
    expect(d).toEqual({
      bin_ms: 100,
      bins: 3, // 0-100, 100-200, 200-300: the run lasted 250 ms
      end_ms: 300,
      inventory: 10,
      sold: [3, 3, 9],
      arrivals: [20, 0, 5],
      failed: [1, 0, 0],
      nodes: { a: { busy: [0.5, 0, 1], queue: [2, 0, 0.25], done: [7, 0, 3] } },
      faults: [{ at_ms: 150, action: 'kill', target: 'a', detail: 'a </script> in a detail' }],
      // active_active: both directors announce the VIP for the whole run
      vip: [
        { director: 'lvs1', from_ms: 0, to_ms: 60001.25 },
        { director: 'lvs2', from_ms: 0, to_ms: 60001.25 },
      ],
    });
  });

  test('a long run is merged into at most 2000 bins: busy and queue averaged, counts added', () => {
    const rows = Array.from({ length: 4500 }, (_, i) => row(i, i + 1, 1, 0));
    const nodes = Array.from({ length: 4500 }, (_, i) => node(i, 'a', i % 3 === 0 ? 1 : 0, i % 3, 1));
    const d = replayData(input(rows, nodes, 1, 4500));
    expect([d.bin_ms, d.bins, d.end_ms]).toEqual([3, 1500, 4500]);
    expect(d.sold.slice(0, 3)).toEqual([3, 6, 9]);
    expect(d.arrivals.slice(0, 2)).toEqual([3, 3]);
    expect(d.nodes.a?.busy.slice(0, 2)).toEqual([0.333, 0.333]); // one busy bin of three
    expect(d.nodes.a?.queue.slice(0, 2)).toEqual([1, 1]); // (0 + 1 + 2) / 3
    expect(d.nodes.a?.done.slice(0, 2)).toEqual([3, 3]);
  });
});

describe('replay section', () => {
  const html = replaySection(input([row(0, 3, 20, 1)], [], 100, 50));

  test('the diagram has a column per tier and routers in layers by hops from the ingress', () => {
    const cols = [...html.matchAll(/<text class="rp-col" x="([\d.]+)" y="14">([a-z]+)<\/text>/g)].map((m) => m[2]);
    expect(cols).toEqual(['users', 'routers', 'routers', 'directors', 'nginx', 'app', 'redis']);
    const nodes = [...html.matchAll(/data-node="([^"]+)" data-tier="([^"]+)"/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(nodes).toEqual(['users:users', 'border:router', 'edge1:router', 'edge2:router', 'lvs1:lvs', 'lvs2:lvs', 'nginx1:nginx', 'a:app', 'b:app', 'redis:redis']);
    const edges = [...html.matchAll(/data-a="([^"]+)" data-b="([^"]+)"/g)].map((m) => `${m[1]}-${m[2]}`);
    // the scenario's links as written (edge1 reaches lvs1 only), all-to-all between the other tiers
    expect(edges).toEqual(['users-border', 'lvs1-nginx1', 'lvs2-nginx1', 'nginx1-a', 'nginx1-b', 'a-redis', 'b-redis', 'border-edge1', 'border-edge2', 'edge1-lvs1', 'edge2-lvs2']);
  });

  test('the embedded JSON cannot end its script element early', () => {
    const json = /<script type="application\/json" id="replay-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    expect(json).toContain('a \\u003c/script> in a detail');
    expect(JSON.parse(json).faults[0].detail).toBe('a </script> in a detail');
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });
});
