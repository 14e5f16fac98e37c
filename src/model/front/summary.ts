// summary.json's sections for the network in front: `network` (routing losses, reconvergence after
// each fault, the event timeline), `lvs` (failover losses, who held the VIP), `tiers.router`,
// `tiers.lvs`, and the fields of `tiers.nginx` that only the directors see (losses, liveness).
// Built from the front tier's NetMetrics and its nodes' state at the end of a run.
import type { DirectorSummary, LvsSummary, NetworkSummary, RouterSummary } from '../../metrics/summary.js';
import type { FrontSections } from '../../metrics/tier-sections.js';
import type { LvsConfig, NetworkTopology } from '../../scenario/network-types.js';
import type { Scenario } from '../../scenario/types.js';
import { nginxName } from '../../scenario/topology.js';
import { NetMetrics } from './counters.js';

/** The front tier's state at the end of a run, as the summary needs it. */
export type FrontEndState = {
  m: NetMetrics;
  routerAlive: ArrayLike<number>;
  routeText: string[];
  directorAlive: ArrayLike<number>;
  directorState: string[];
  nginxAlive: ArrayLike<number>;
};

const ms = (us: number) => Math.round(us) / 1000;
const sum = (a: ArrayLike<number>): number => {
  let t = 0;
  for (let i = 0; i < a.length; i++) t += a[i];
  return t;
};

/** The front end of a run in which nothing happened: every node up, no counts (the summary skeleton). */
export function frontAtRest(s: Scenario, topo: NetworkTopology, lvs: LvsConfig, K = s.nginx.instances): FrontEndState {
  const R = topo.routers.length;
  const D = lvs.directors.length;
  return {
    m: new NetMetrics(s.report.bin_us, R, D, K),
    routerAlive: new Uint8Array(R).fill(1),
    routeText: new Array<string>(R).fill(''),
    directorAlive: new Uint8Array(D).fill(1),
    directorState: lvs.directors.map((_, i) => (lvs.mode === 'active_active' ? 'ACTIVE' : i % 2 === 0 ? 'MASTER' : 'BACKUP')),
    nginxAlive: new Uint8Array(K).fill(1),
  };
}

/** The front end's sections; undefined without an LVS tier behind a routed network. */
export function frontSections(s: Scenario, st: FrontEndState, end_us: number): FrontSections | undefined {
  const topo = s.network.topology;
  const lvs = s.lvs;
  if (!topo || !lvs) return undefined;
  return frontSectionsOf({ topology: topo, lvs, realServers: Array.from({ length: s.nginx.instances }, (_, k) => nginxName(k)) }, st, end_us);
}

/** One front's sections: the one-site front, or a site's (its real servers are its nginx instances). */
export function frontSectionsOf(f: { topology: NetworkTopology; lvs: LvsConfig; realServers: readonly string[] }, st: FrontEndState, end_us: number): FrontSections {
  const { topology: topo, lvs } = f;
  const nginx: FrontSections['nginx'] = {};
  f.realServers.forEach((name, k) => {
    nginx[name] = { lost: st.m.nginxLost[k], alive_at_end: st.nginxAlive[k] === 1 };
  });
  return {
    network: networkSection(topo, st.m),
    lvs: lvsSection(lvs, st.m, end_us),
    routers: routersSection(topo, st),
    directors: directorsSection(f.realServers, lvs, st),
    nginx,
    load: { tier: 'lvs', names: lvs.directors, servers: 1, series: st.m.dirLoad },
  };
}

function routersSection(topo: NetworkTopology, st: FrontEndState): Record<string, RouterSummary> {
  const m = st.m;
  const routers: Record<string, RouterSummary> = {};
  topo.routers.forEach((r, i) => {
    routers[r] = {
      requests: m.routerRequests[i],
      blackholed: m.routerBlackholed[i],
      no_route: m.routerNoRoute[i],
      spf_runs: m.routerSpfRuns[i],
      route_changes: m.routerRouteChanges[i],
      alive_at_end: st.routerAlive[i] === 1,
      vip_route: st.routeText[i],
    };
  });
  return routers;
}

function directorsSection(realServers: readonly string[], lvs: LvsConfig, st: FrontEndState): Record<string, DirectorSummary> {
  const m = st.m;
  const K = realServers.length;
  const held = new Map<string, number>();
  for (const v of m.vip) held.set(v.director, (held.get(v.director) ?? 0) + (v.to_us - v.from_us));
  const directors: Record<string, DirectorSummary> = {};
  lvs.directors.forEach((d, i) => {
    const per: Record<string, number> = {};
    for (let k = 0; k < K; k++) per[realServers[k]] = m.dirPerRs[i * K + k];
    directors[d] = {
      requests: m.dirRequests[i],
      connections_lost: m.dirConnectionsLost[i],
      lost_on_failover: m.dirLostOnFailover[i],
      blackholed: m.dirBlackholed[i],
      no_dest: m.dirNoDest[i],
      real_servers_removed: m.dirRsRemoved[i],
      state_at_end: st.directorState[i],
      alive_at_end: st.directorAlive[i] === 1,
      vip_held_ms: ms(held.get(d) ?? 0),
      per_nginx: per,
    };
  });
  return directors;
}

function networkSection(topo: NetworkTopology, m: NetMetrics): NetworkSummary {
  const lostByBin: NetworkSummary['lost_by_bin'] = [];
  for (let b = 0; b < m.lostBins.used; b++) if (m.lostBins.values[b] > 0) lostByBin.push({ t_ms: ms(b * m.bin_us), lost: m.lostBins.values[b] });
  const dirBlackholed = sum(m.dirBlackholed);
  return {
    routers: topo.routers.length,
    links: topo.links.length,
    hash_policy: topo.hash_policy,
    blackholed: m.blackholed + dirBlackholed,
    no_route: m.noRoute,
    looped: m.looped,
    lost: m.blackholed + m.noRoute + dirBlackholed + sum(m.dirLostOnFailover) + sum(m.nginxLost),
    reconvergence: m.reconvergence.map((r) => ({
      at_ms: ms(r.at_us),
      action: r.action,
      target: r.target,
      detected_ms: r.detected_us >= 0 ? ms(r.detected_us) : null,
      converged_ms: r.converged_us >= 0 ? ms(r.converged_us) : null,
      window_ms: r.converged_us >= 0 ? ms(r.converged_us - r.at_us) : null,
      lost: r.lost,
    })),
    lost_by_bin: lostByBin,
    timeline: m.timeline.map((e) => ({ at_ms: ms(e.at_us), node: e.node, event: e.event, detail: e.detail })),
  };
}

function lvsSection(lvs: LvsConfig, m: NetMetrics, end_us: number): LvsSummary {
  return {
    mode: lvs.mode,
    forwarding: lvs.forwarding,
    scheduler: lvs.scheduler,
    directors: lvs.directors.length,
    lost_on_failover: sum(m.dirLostOnFailover),
    blackholed: sum(m.dirBlackholed),
    no_dest: sum(m.dirNoDest),
    connections_lost: sum(m.dirConnectionsLost),
    nginx_lost: sum(m.nginxLost),
    // an interval that closed as it opened is no holder, unless the run ended there
    vip_holders: m.vip
      .filter((v) => v.to_us > v.from_us || v.to_us === end_us)
      .map((v) => ({ pair: v.pair + 1, director: v.director, from_ms: ms(v.from_us), to_ms: ms(v.to_us) })),
  };
}
