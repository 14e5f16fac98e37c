// The front tier's summary sections (src/model/front/summary.ts) from counters set by hand: every
// field, the sums over directors, the reconvergence record in ms, the VIP holders (an interval
// that closed as it opened is dropped unless the run ended then) and the time each director held
// the VIP. One edge router, two directors in active_backup, two nginx instances.
import { NetMetrics } from '../src/model/front/counters.js';
import { frontAtRest, frontSections } from '../src/model/front/summary.js';
import { parseScenario } from '../src/scenario/load.js';

const scenario = (extra = '') => parseScenario(`nginx: { instances: 2 }\nlvs:\n  directors: 2\n${extra}`, 't.yaml');

describe('frontSections', () => {
  test('no LVS: no sections', () => {
    const s = parseScenario('nginx: { instances: 2 }\n', 't.yaml');
    const withLvs = scenario();
    expect(frontSections(s, frontAtRest(withLvs, withLvs.network.topology!, withLvs.lvs!), 1_000_000)).toBeUndefined();
  });

  test('at rest: every node up, the first of a pair MASTER; active_active: every director ACTIVE', () => {
    const s = scenario();
    const st = frontAtRest(s, s.network.topology!, s.lvs!);
    expect([Array.from(st.routerAlive), st.routeText, Array.from(st.directorAlive), st.directorState, Array.from(st.nginxAlive)]).toEqual([
      [1], [''], [1, 1], ['MASTER', 'BACKUP'], [1, 1],
    ]);
    expect([st.m.bin_us, st.m.routers, st.m.directors, st.m.nginx]).toEqual([100_000, 1, 2, 2]);
    const aa = parseScenario('network:\n  routers: [r1]\n  links:\n    - { a: r1, b: lvs1 }\n    - { a: r1, b: lvs2 }\nlvs:\n  mode: active_active\n', 't.yaml');
    expect(frontAtRest(aa, aa.network.topology!, aa.lvs!, 3).directorState).toEqual(['ACTIVE', 'ACTIVE']);
    expect(frontAtRest(aa, aa.network.topology!, aa.lvs!, 3).m.nginx).toBe(3);
  });

  test('every section from hand-set counters', () => {
    const s = scenario();
    const m = new NetMetrics(100_000, 1, 2, 2);
    m.blackholed = 3;
    m.noRoute = 4;
    m.looped = 1;
    m.routerRequests[0] = 100;
    m.routerBlackholed[0] = 3;
    m.routerNoRoute[0] = 4;
    m.routerSpfRuns[0] = 2;
    m.routerRouteChanges[0] = 1;
    m.dirRequests.set([60, 30]);
    m.dirLostOnFailover.set([5, 0]);
    m.dirBlackholed.set([0, 2]);
    m.dirNoDest.set([1, 1]);
    m.dirConnectionsLost.set([7, 0]);
    m.dirRsRemoved.set([0, 1]);
    m.dirPerRs.set([40, 20, 10, 20]);
    m.nginxLost.set([0, 6]);
    m.detected(500_000); // before any fault: no record to fill
    m.converged(500_000);
    m.lost(50_000); // counted by bin only
    m.faultApplied(1_000_000, 'kill', 'lvs1');
    m.detected(1_500_400);
    m.detected(2_000_000); // the first detection stands
    m.converged(4_609_375);
    m.lost(1_250_000);
    m.lost(1_260_000);
    m.lost(1_350_000);
    m.faultApplied(6_000_000, 'recover', 'lvs1');
    m.log(4_609_375, 'lvs2', 'vrrp master', 'takes the VIP of pair 1 from lvs1');
    m.vip.push({ pair: 0, director: 'lvs1', from_us: 0, to_us: 1_000_000 });
    m.vip.push({ pair: 0, director: 'lvs2', from_us: 4_609_375, to_us: 4_609_375 }); // closed as it opened
    m.vip.push({ pair: 0, director: 'lvs1', from_us: 7_000_000, to_us: 8_000_000 });
    m.vip.push({ pair: 0, director: 'lvs2', from_us: 8_000_000, to_us: 8_000_000 }); // at the end: kept
    const st = { m, routerAlive: [1], routeText: ['vip connected'], directorAlive: [0, 1], directorState: ['DOWN', 'MASTER'], nginxAlive: [1, 0] };
    const f = frontSections(s, st, 8_000_000)!;
    expect(f.network).toEqual({
      routers: 1,
      links: 2,
      hash_policy: 'l3',
      blackholed: 5, // 3 in the network + 2 at a dead director
      no_route: 4,
      looped: 1,
      lost: 3 + 4 + 2 + 5 + 6,
      reconvergence: [
        { at_ms: 1000, action: 'kill', target: 'lvs1', detected_ms: 1500.4, converged_ms: 4609.375, window_ms: 3609.375, lost: 3 },
        { at_ms: 6000, action: 'recover', target: 'lvs1', detected_ms: null, converged_ms: null, window_ms: null, lost: 0 },
      ],
      lost_by_bin: [
        { t_ms: 0, lost: 1 },
        { t_ms: 1200, lost: 2 },
        { t_ms: 1300, lost: 1 },
      ],
      timeline: [{ at_ms: 4609.375, node: 'lvs2', event: 'vrrp master', detail: 'takes the VIP of pair 1 from lvs1' }],
    });
    expect(f.lvs).toEqual({
      mode: 'active_backup',
      forwarding: 'dr',
      scheduler: 'wlc',
      directors: 2,
      lost_on_failover: 5,
      blackholed: 2,
      no_dest: 2,
      connections_lost: 7,
      nginx_lost: 6,
      vip_holders: [
        { pair: 1, director: 'lvs1', from_ms: 0, to_ms: 1000 },
        { pair: 1, director: 'lvs1', from_ms: 7000, to_ms: 8000 },
        { pair: 1, director: 'lvs2', from_ms: 8000, to_ms: 8000 },
      ],
    });
    expect(f.routers).toEqual({
      edge: { requests: 100, blackholed: 3, no_route: 4, spf_runs: 2, route_changes: 1, alive_at_end: true, vip_route: 'vip connected' },
    });
    expect(f.directors).toEqual({
      lvs1: {
        requests: 60, connections_lost: 7, lost_on_failover: 5, blackholed: 0, no_dest: 1, real_servers_removed: 0,
        state_at_end: 'DOWN', alive_at_end: false, vip_held_ms: 2000, per_nginx: { nginx1: 40, nginx2: 20 },
      },
      lvs2: {
        requests: 30, connections_lost: 0, lost_on_failover: 0, blackholed: 2, no_dest: 1, real_servers_removed: 1,
        state_at_end: 'MASTER', alive_at_end: true, vip_held_ms: 0, per_nginx: { nginx1: 10, nginx2: 20 },
      },
    });
    expect(f.nginx).toEqual({ nginx1: { lost: 0, alive_at_end: true }, nginx2: { lost: 6, alive_at_end: false } });
    expect([f.load.tier, f.load.names, f.load.servers, f.load.series]).toEqual(['lvs', ['lvs1', 'lvs2'], 1, m.dirLoad]);
  });

  test('four directors in pairs: MASTER, BACKUP, MASTER, BACKUP at rest; a network without an LVS tier: no sections', () => {
    const s = scenario();
    const four = { ...s.lvs!, directors: ['lvs1', 'lvs2', 'lvs3', 'lvs4'] }; // frontAtRest reads only names and mode
    expect(frontAtRest(s, s.network.topology!, four).directorState).toEqual(['MASTER', 'BACKUP', 'MASTER', 'BACKUP']);
    const st = frontAtRest(s, s.network.topology!, s.lvs!);
    expect(frontSections({ ...s, lvs: undefined }, st, 1_000_000)).toBeUndefined();
  });

  test('a fault at 0 detected and converged at 0: 0 ms, not null; a later detection leaves it; a dead router', () => {
    const s = scenario();
    const st = { ...frontAtRest(s, s.network.topology!, s.lvs!), routerAlive: [0] };
    st.m.faultApplied(0, 'kill', 'edge');
    st.m.detected(0);
    st.m.detected(5_000);
    st.m.converged(0);
    const f = frontSections(s, st, 1_000_000)!;
    expect(f.network.reconvergence).toEqual([{ at_ms: 0, action: 'kill', target: 'edge', detected_ms: 0, converged_ms: 0, window_ms: 0, lost: 0 }]);
    expect(f.routers.edge.alive_at_end).toBe(false);
  });
});
