// The routed network (src/model/front/routers.ts) where network.test.ts stops short: the OSPF
// topology of each LVS mode, routing onto a VRRP pair's LAN (active_backup), the loss reasons and
// counters of each way a packet is lost, the VIP withdrawn and announced again (active_active),
// the initial path latencies and link names. One router r1; lvs1 over a 20 µs link (cost 10),
// lvs2 over a 30 µs link written lvs2 -> r1 (cost 20, reverse_cost below). Times worked out by hand
// from RFC 2328 (MinLSInterval 5 s) and FRR's throttle (delay 0, hold 50 ms).
import { Engine } from '../src/engine/engine.js';
import { RngStreams } from '../src/engine/rng.js';
import { NetMetrics } from '../src/model/front/counters.js';
import { NetworkTier, ospfTopologyOf } from '../src/model/front/routers.js';
import { parseScenario } from '../src/scenario/load.js';

// r1's cost to lvs2 is the reverse_cost: 5 (cheaper than lvs1) in active_backup, 10 (equal:
// ECMP) in active_active
const netYaml = (reverse: number) =>
  `network:\n  routers: [r1]\n  links:\n    - { a: r1, b: lvs1, cost: 10, latency: 20us }\n    - { a: lvs2, b: r1, cost: 20, reverse_cost: ${reverse}, latency: 30us }\n`;

function front(mode: 'active_backup' | 'active_active') {
  const s = parseScenario(`${netYaml(mode === 'active_backup' ? 5 : 10)}lvs:\n  directors: 2\n  mode: ${mode}\n`, 't.yaml');
  const topo = s.network.topology!;
  const lvs = s.lvs!;
  const engine = new Engine();
  const m = new NetMetrics(100_000, 1, 2, 1);
  let holder = 0;
  const net = new NetworkTier(engine, topo, lvs, new RngStreams(5), m, { holderOf: (pair) => (pair === 0 ? holder : -7) });
  let kinds = 0;
  const at = (t: number, f: () => void) => engine.at(t, engine.register(`test.${kinds++}`, f), 0);
  const setHolder = (d: number) => (holder = d);
  return { topo, lvs, engine, m, net, at, setHolder };
}

/** A source address whose flow r1 hashes onto director `d` (active_active, both alive). */
function srcTo(net: NetworkTier, d: number): number {
  for (let i = 0; ; i++) if (net.route(0x0a000000 + i, 0) === d) return 0x0a000000 + i;
}

describe('ospfTopologyOf', () => {
  test('active_backup: the directors are no OSPF speakers; r1 announces the VIP at its cheapest port cost', () => {
    const { topo, lvs } = front('active_backup');
    expect(ospfTopologyOf(topo, lvs)).toEqual({ routers: ['r1'], links: [], stubs: [{ router: 'r1', prefix: 'vip', cost: 5 }] });
  });

  test('active_active: the directors are routers announcing the VIP at vip_cost; reverse_cost only where it differs', () => {
    const { topo, lvs } = front('active_active');
    expect(ospfTopologyOf(topo, lvs)).toEqual({
      routers: ['r1', 'lvs1', 'lvs2'],
      links: [
        { a: 'r1', b: 'lvs1', cost: 10 },
        { a: 'lvs2', b: 'r1', cost: 20, reverse_cost: 10 },
      ],
      stubs: [
        { router: 'lvs1', prefix: 'vip', cost: 0 },
        { router: 'lvs2', prefix: 'vip', cost: 0 },
      ],
    });
  });
});

describe('active_backup: r1 sits on the pair\'s LAN', () => {
  test('the VIP is connected; packets go to whichever director holds it, over that port', () => {
    const { net, m, setHolder } = front('active_backup');
    expect(net.routeText(0)).toBe('vip connected');
    expect(net.initialPathLatencies()).toEqual([20, 30]);
    expect([net.route(1, 0), net.pathLat_us]).toEqual([0, 20]);
    setHolder(1);
    expect([net.route(1, 0), net.pathLat_us]).toEqual([1, 30]);
    setHolder(-1);
    expect(net.route(1, 0)).toBe(-1);
    expect([net.lossNode, net.lossWhy, m.noRoute, m.routerNoRoute[0], m.routerRequests[0], m.blackholed]).toEqual([0, 'no_route', 1, 1, 3, 0]);
  });

  test('a dead port: blackholed on that link', () => {
    const { net, m, setHolder } = front('active_backup');
    setHolder(1);
    net.linkDown(1);
    net.linkDown(1); // twice: once
    expect(net.route(1, 0)).toBe(-1);
    expect([net.lossWhy, m.blackholed, m.routerBlackholed[0], Array.from(net.linkAlive)]).toEqual(['blackholed:lvs2-r1', 1, 1, [1, 0]]);
  });
});

describe('active_active', () => {
  test('ECMP over both directors at first; a dead router blackholes, a dead link blackholes its flows', () => {
    const { net, m } = front('active_active');
    expect(net.routeText(0)).toBe('vip via lvs1, lvs2');
    expect(net.initialPathLatencies()).toEqual([20, 30]);
    const a = srcTo(net, 0);
    expect(net.pathLat_us).toBe(20);
    const b = srcTo(net, 1);
    expect(net.pathLat_us).toBe(30);
    const before = m.routerRequests[0];
    net.linkDown(0);
    expect([net.route(a, 0), net.lossWhy, net.route(b, 0)]).toEqual([-1, 'blackholed:r1-lvs1', 1]);
    net.nodeDown(0);
    expect([net.route(b, 0), net.lossWhy, net.lossNode]).toEqual([-1, 'blackholed:router_down', 0]);
    expect([m.blackholed, m.routerBlackholed[0], m.routerRequests[0] - before]).toEqual([2, 2, 2]);
  });

  test('a director withdraws the VIP: r1 routes around it at once; announced again, after MinLSInterval', () => {
    const { engine, net, m, at } = front('active_active');
    at(1_000_000, () => net.setVip(0, false));
    at(2_000_000, () => net.setVip(0, true)); // lvs1 originated at 1 s: its next LSA waits until 6 s
    at(7_000_000, () => net.setVip(0, true)); // no change: nothing
    at(7_000_000, () => {
      const fr = front('active_backup');
      fr.net.setVip(0, false); // not a speaker in active_backup: nothing
      expect(fr.net.routeText(0)).toBe('vip connected');
    });
    engine.run();
    // lvs1's LSA floods to r1 over 20 us; r1 has never run the throttle: SPF at once (delay 0)
    expect(m.timeline.filter((e) => e.event === 'route').map((e) => [e.at_us, e.node, e.detail])).toEqual([
      [1_000_020, 'r1', 'vip via lvs2'],
      [6_000_020, 'r1', 'vip via lvs1, lvs2'],
    ]);
    expect([m.routerSpfRuns[0], m.routerRouteChanges[0]]).toEqual([2, 2]);
  });

  test('link names as faults give them, either way round', () => {
    const { net } = front('active_active');
    expect([net.linkIndex('r1-lvs1'), net.linkIndex('lvs1-r1'), net.linkIndex('lvs2-r1'), net.linkIndex('r1-lvs2'), net.linkIndex('r1-r2')]).toEqual([0, 0, 1, 1, -1]);
    expect(net.linkNames).toEqual(['r1-lvs1', 'lvs2-r1']);
    expect([net.R, net.D, net.N, net.names]).toEqual([1, 2, 3, ['r1', 'lvs1', 'lvs2']]);
  });
});
