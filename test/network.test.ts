// The routed network (src/model/network.ts NetworkTier) against sequences worked out from its
// sources: RFC 2328 §10.2 (InactivityTimer: dead_interval after the last hello), RFC 5880 §6.8.4
// (BFD detection time), FRRouting/frr ospfd/ospf_spf.c ospf_spf_calculate_schedule (throttle),
// RFC 2328 Appendix B MinLSInterval, §16.1 step 2b (two-way check), and Linux
// net/ipv4/fib_semantics.c fib_select_multipath (hash-threshold: a flow keeps its next hop).
import fc from 'fast-check';
import { Engine } from '../src/engine/engine.js';
import { RngStreams } from '../src/engine/rng.js';
import { flowHashL3, flowHashL4, multipathHash, murmur3Words } from '../src/model/front/ecmp.js';
import { NetMetrics } from '../src/model/front/counters.js';
import {
  NetworkTier,
  VIP_ADDR,
  lastSendBefore_us,
  nextSendAtOrAfter_us,
  ospfTopologyOf,
  silentFailureDetected_us,
} from '../src/model/front/routers.js';
import { spf, withoutFailed } from '../src/model/front/ospf.js';
import { runExplain } from '../src/cli/explain.js';
import { loadScenario, parseScenario } from '../src/scenario/load.js';
import type { LvsConfig, NetLink, NetworkTopology } from '../src/scenario/network-types.js';

const SEED = 3;

describe('timer arithmetic', () => {
  test('lastSendBefore_us: the last periodic send strictly before t (phase 300, every 1000)', () => {
    expect(lastSendBefore_us(300, 1000, 2300)).toBe(1300); // a send due at t is not made
    expect(lastSendBefore_us(300, 1000, 2301)).toBe(2300);
    expect(lastSendBefore_us(300, 1000, 100)).toBe(-700); // the steady state before the run
    expect(nextSendAtOrAfter_us(300, 1000, 2300)).toBe(2300);
    expect(nextSendAtOrAfter_us(300, 1000, 2301)).toBe(3300);
  });

  test('silentFailureDetected_us: dead_interval after the last hello, or BFD multiplier x interval, whichever first', () => {
    // hellos at 4 s + k x 10 s; a neighbour silent from 25 s was last heard at 24 s: dead at 64 s
    expect(silentFailureDetected_us(25_000_000, 4_000_000, 10_000_000, 40_000_000, null)).toBe(64_000_000);
    // BFD every 300 ms from 100 ms: last at 24.7 s... last before 25 s is 24.7 + ... = 24_900_000
    const bfd = { phase_us: 100_000, interval_us: 300_000, multiplier: 3 };
    expect(lastSendBefore_us(100_000, 300_000, 25_000_000)).toBe(24_700_000);
    expect(silentFailureDetected_us(25_000_000, 4_000_000, 10_000_000, 40_000_000, bfd)).toBe(25_600_000);
  });

  test('property: detection lies in [t + dead - hello, t + dead) and, with BFD, in [t + (m-1) x i, t + m x i)', () => {
    // the last hello heard was sent in [t - hello, t): one due exactly at t is not sent
    fc.assert(
      fc.property(fc.nat(9_999_999), fc.integer({ min: 0, max: 100_000_000 }), fc.nat(299_999), fc.integer({ min: 1, max: 5 }), (phase, t, bphase, mult) => {
        const d = silentFailureDetected_us(t, phase, 10_000_000, 40_000_000, null);
        expect(d).toBeGreaterThanOrEqual(t + 30_000_000);
        expect(d).toBeLessThan(t + 40_000_000);
        const b = silentFailureDetected_us(t, phase, 10_000_000, 40_000_000, { phase_us: bphase, interval_us: 300_000, multiplier: mult });
        expect(b).toBeGreaterThanOrEqual(t + (mult - 1) * 300_000);
        expect(b).toBeLessThan(t + mult * 300_000);
      }),
    );
  });
});

describe('flow hashes without allocation', () => {
  test('property: flowHashL3 / flowHashL4 equal MurmurHash3 over the word array, >> 1', () => {
    const u32 = fc.nat({ max: 0xffffffff });
    fc.assert(
      fc.property(u32, u32, fc.nat(65535), fc.nat(65535), u32, (src, dst, sport, dport, seed) => {
        expect(flowHashL3(src, dst, seed)).toBe(murmur3Words([src, dst], seed) >>> 1);
        expect(flowHashL4(src, dst, sport, dport, 6, seed)).toBe(murmur3Words([src, dst, (sport << 16) | dport, 6], seed) >>> 1);
      }),
    );
  });
});

// ---- the dynamic network ----------------------------------------------------------------------

const LVS_AA = (() => {
  const s = parseScenario('network:\n  routers: [r1]\n  links:\n    - { a: r1, b: lvs1 }\n    - { a: r1, b: lvs2 }\nlvs:\n  mode: active_active\n', 'test.yaml');
  return s.lvs as LvsConfig;
})();

type TopoOpts = { hello?: number; dead?: number; spfDelay?: number; bfd?: boolean; policy?: 'l3' | 'l4' };

function topology(routers: string[], links: Partial<NetLink>[], o: TopoOpts = {}): NetworkTopology {
  return {
    routers,
    ingress: [routers[0]],
    links: links.map((l) => ({ a: l.a ?? '', b: l.b ?? '', cost: l.cost ?? 10, reverse_cost: l.reverse_cost ?? l.cost ?? 10, latency_us: l.latency_us ?? 20, carrier: l.carrier ?? false })),
    hash_policy: o.policy ?? 'l3',
    maximum_paths: 16,
    ospf: {
      hello_interval_us: o.hello ?? 10_000_000,
      dead_interval_us: o.dead ?? 40_000_000,
      spf_delay_us: o.spfDelay ?? 0,
      spf_hold_us: 50_000,
      spf_max_hold_us: 5_000_000,
      lsa_min_interval_us: 5_000_000,
    },
    bfd: o.bfd ? { interval_us: 300_000, multiplier: 3 } : null,
    implicit: false,
  };
}

let kinds = 0;
function network(topo: NetworkTopology) {
  const engine = new Engine();
  const m = new NetMetrics(100_000, topo.routers.length, 2, 1);
  const net = new NetworkTier(engine, topo, LVS_AA, new RngStreams(SEED), m, { holderOf: () => -1 });
  const at = (t: number, f: () => void) => engine.at(t, engine.register(`test.${kinds++}`, f), 0);
  const routeChanges = (router: string) => m.timeline.filter((e) => e.node === router && e.event === 'route').map((e) => [e.at_us, e.detail]);
  return { engine, net, m, at, routeChanges };
}

/** The phase of the hellos (and BFD packets) `sender` sends on `link`, as NetworkTier draws them. */
function phases(link: string, sender: string, hello: number): { hello: number; bfd: number } {
  const rng = new RngStreams(SEED).stream(`ospf:${link}:${sender}`);
  return { hello: Math.floor(rng.random() * hello), bfd: Math.floor(rng.random() * 300_000) };
}

//   r1 --- lvs1        (ingress r1; both directors announce the VIP at cost 0)
//    \---- lvs2
const STAR = (o: TopoOpts = {}, carrier = false) =>
  topology(['r1'], [{ a: 'r1', b: 'lvs1', carrier }, { a: 'r1', b: 'lvs2', carrier }], o);

describe('black-hole window after a failure: detection + SPF delay', () => {
  test('silent link failure: r1 notices dead_interval after the last hello from lvs1, then SPF after spf_delay', () => {
    const { engine, net, m, at, routeChanges } = network(STAR({ spfDelay: 200_000 }));
    const t = 5_000_000;
    at(t, () => {
      m.faultApplied(t, 'down', 'r1-lvs1'); // what the fault target does
      net.linkDown(0);
    });
    engine.run();
    const ph = phases('r1-lvs1', 'lvs1', 10_000_000);
    const detected = lastSendBefore_us(ph.hello, 10_000_000, t) + 40_000_000;
    // lvs1's own LSA cannot reach r1 (its only link is the dead one): r1's own detection decides
    expect(routeChanges('r1')).toEqual([[detected + 200_000, 'vip via lvs2']]);
    expect(m.reconvergence[0].converged_us).toBe(detected + 200_000);
  });

  test('with BFD: (multiplier - 1) to multiplier x interval after the failure', () => {
    const { engine, net, at, routeChanges } = network(STAR({ bfd: true }));
    const t = 5_000_000;
    at(t, () => net.linkDown(0));
    engine.run();
    const ph = phases('r1-lvs1', 'lvs1', 10_000_000);
    const want = lastSendBefore_us(ph.bfd, 300_000, t) + 900_000;
    expect(routeChanges('r1')).toEqual([[want, 'vip via lvs2']]);
    expect(want - t).toBeGreaterThanOrEqual(600_000);
    expect(want - t).toBeLessThan(900_000);
  });

  test('loss of carrier: both ends know at once; only the SPF delay remains', () => {
    const { engine, net, at, routeChanges } = network(STAR({ spfDelay: 30_000 }, true));
    at(5_000_000, () => net.linkDown(0));
    engine.run();
    expect(routeChanges('r1')).toEqual([[5_030_000, 'vip via lvs2']]);
  });

  test('packets hashed onto the dead link are lost until then; the others are untouched', () => {
    const { engine, net, m, at } = network(STAR());
    const srcs = Array.from({ length: 400 }, (_, i) => (0x0a000000 + i * 7919) >>> 0);
    const before = srcs.map((s) => net.route(s, 0));
    const during: number[] = [];
    const after: number[] = [];
    at(5_000_000, () => net.linkDown(0));
    at(6_000_000, () => srcs.forEach((s) => during.push(net.route(s, 0))));
    at(100_000_000, () => srcs.forEach((s) => after.push(net.route(s, 0))));
    engine.run();
    srcs.forEach((_, i) => {
      if (before[i] === 0) expect(during[i]).toBe(-1); // black-holed
      else expect(during[i]).toBe(1); // stays on lvs2
      expect(after[i]).toBe(1);
    });
    const onLvs1 = before.filter((d) => d === 0).length;
    expect(m.blackholed).toBe(onLvs1);
    expect(onLvs1).toBeGreaterThan(150); // about half
    expect(onLvs1).toBeLessThan(250);
  });
});

describe('ECMP: a flow keeps its path', () => {
  test('L3: the same client address always takes the same director, whatever its port', () => {
    const { net } = network(STAR());
    for (let i = 0; i < 200; i++) {
      const src = (0x0a000000 + i * 104729) >>> 0;
      const d = net.route(src, 0);
      expect(net.route(src, 40000)).toBe(d);
      expect(net.route(src, 50000 + i)).toBe(d);
    }
  });

  test('L4: the ports are part of the key, so one client spreads its connections', () => {
    const { net } = network(topology(['r1'], [{ a: 'r1', b: 'lvs1' }, { a: 'r1', b: 'lvs2' }], { policy: 'l4' }));
    const seen = new Set<number>();
    for (let port = 32768; port < 32868; port++) seen.add(net.route(0x0a000001, port));
    expect(seen).toEqual(new Set([0, 1]));
    expect(net.route(0x0a000001, 40000)).toBe(net.route(0x0a000001, 40000));
  });

  test('the choice is fib_select_multipath on the router seed: hash <= upper bound of next hop 0 -> lvs1', () => {
    const { net } = network(STAR());
    const seed = Math.floor(new RngStreams(SEED).stream('ecmp:r1').random() * 2 ** 32);
    for (let i = 0; i < 100; i++) {
      const src = (0x0a000000 + i) >>> 0;
      const h = multipathHash('l3', { src, dst: VIP_ADDR, sport: 0, dport: 80, proto: 6 }, seed);
      expect(net.route(src, 0)).toBe(h <= 1073741823 ? 0 : 1); // upperBounds([1, 1]) = [2^30 - 1, 2^31 - 1]
    }
  });
});

describe('MinLSInterval and the SPF throttle', () => {
  test('a link back within 5 s of its failure returns to the routes only when r1 may originate again', () => {
    const { engine, net, at, routeChanges } = network(STAR({}, true));
    at(1_000_000, () => net.linkDown(0));
    at(2_000_000, () => net.linkUp(0));
    engine.run();
    // 1 s: carrier lost, LSAs at once, SPF 0 ms. 2 s: adjacency Full at once (carrier), but r1 and
    // lvs1 originated at 1 s: their new LSAs wait until 6 s. r1's own arrives at 6 s: SPF at once
    // (last SPF 5 s ago), yet lvs1's is still the old one (two-way check fails). lvs1's arrives
    // 20 us later: within the hold of 50 ms, so the SPF waits 50 - 0 ms (elapsed truncated to ms).
    expect(routeChanges('r1')).toEqual([
      [1_000_000, 'vip via lvs2'],
      [6_050_020, 'vip via lvs1, lvs2'],
    ]);
  });
});

describe('router crash and reboot', () => {
  //  r1 --- r2 --- lvs1
  //   \---- r3 --- lvs2
  const TWO_PATHS = (o: TopoOpts = {}) =>
    topology(['r1', 'r2', 'r3'], [{ a: 'r1', b: 'r2' }, { a: 'r1', b: 'r3' }, { a: 'r2', b: 'lvs1' }, { a: 'r3', b: 'lvs2' }], o);

  test('r1 notices that r2 died dead_interval after r2\'s last hello (lvs1 notices too, but its only link is to r2)', () => {
    const { engine, net, at, routeChanges } = network(TWO_PATHS());
    at(3_000_000, () => net.nodeDown(1));
    engine.run();
    const byR1 = lastSendBefore_us(phases('r1-r2', 'r2', 10_000_000).hello, 10_000_000, 3_000_000) + 40_000_000;
    expect(routeChanges('r1')).toEqual([[byR1, 'vip via r3']]);
  });

  test('a rebooted router comes back into the routes once its neighbours have heard it (next hello)', () => {
    const { engine, net, at, routeChanges } = network(TWO_PATHS({ hello: 1_000_000, dead: 4_000_000 }));
    at(3_000_000, () => net.nodeDown(1));
    at(20_000_000, () => net.nodeUp(1));
    engine.run();
    const changes = routeChanges('r1');
    expect(changes.map((c) => c[1])).toEqual(['vip via r3', 'vip via r2, r3']);
    // Full with r1 at r1's next hello after the boot; r2-lvs1 at lvs1's; r2 originates as each forms
    const fullR1 = nextSendAtOrAfter_us(phases('r1-r2', 'r1', 1_000_000).hello, 1_000_000, 20_000_000);
    expect(changes[1][0]).toBeGreaterThanOrEqual(fullR1);
    expect(changes[1][0]).toBeLessThan(20_000_000 + 5_000_000 + 200_000); // within MinLSInterval and a hold
  });
});

describe('property: after any single silent link failure, every router converges to the static SPF', () => {
  const arb = fc.integer({ min: 2, max: 5 }).chain((n) => {
    const routers = Array.from({ length: n }, (_, i) => `r${i + 1}`);
    const nodes = [...routers, 'lvs1', 'lvs2'];
    return fc.record({
      routers: fc.constant(routers),
      links: fc
        .array(fc.record({ a: fc.constantFrom(...routers), b: fc.constantFrom(...nodes), cost: fc.integer({ min: 1, max: 4 }) }), { minLength: 2, maxLength: 9 })
        .map((ls) => {
          const seen = new Set<string>();
          return ls.filter((l) => {
            const k = [l.a, l.b].sort().join(' ');
            if (l.a === l.b || seen.has(k)) return false;
            seen.add(k);
            return true;
          });
        }),
      fail: fc.nat(),
      at: fc.integer({ min: 0, max: 20_000_000 }),
    });
  });

  test.each([false, true])('bfd %s', (bfd) => {
    fc.assert(
      fc.property(arb, ({ routers, links, fail, at: t }) => {
        fc.pre(links.length > 0);
        const topo = topology(routers, links, { bfd, spfDelay: 0 });
        const { engine, net, at } = network(topo);
        const l = fail % links.length;
        at(t, () => net.linkDown(l));
        engine.run();
        const failed = withoutFailed(ospfTopologyOf(topo, LVS_AA), [`${links[l].a}-${links[l].b}`]);
        routers.forEach((r, i) => {
          const route = spf(failed, r, 16).vip;
          const want = route === undefined ? 'vip unreachable' : route.nextHops.length === 0 ? 'vip connected' : `vip via ${route.nextHops.join(', ')}`;
          expect(net.routeText(i)).toBe(want);
        });
      }),
      { numRuns: 120 },
    );
  });
});

describe('sim explain spf on a scenario file shows the routes the model starts from', () => {
  test.each(['million-users', 'director-failover'])('%s', (name) => {
    const file = `scenarios/${name}.yaml`;
    const s = loadScenario(file);
    const topo = s.network.topology as NetworkTopology;
    const lvs = s.lvs as LvsConfig;
    const engine = new Engine();
    const net = new NetworkTier(engine, topo, lvs, new RngStreams(1), new NetMetrics(100_000, topo.routers.length, lvs.directors.length, 1), { holderOf: () => -1 });
    const json = runExplain({ algorithm: 'spf', topology: file, json: true }).json as { routes: Record<string, Record<string, { nextHops: string[] }>> };
    topo.routers.forEach((r, i) => {
      const hops = json.routes[r].vip.nextHops;
      expect(net.routeText(i)).toBe(hops.length === 0 ? 'vip connected' : `vip via ${hops.join(', ')}`);
    });
  });
});
