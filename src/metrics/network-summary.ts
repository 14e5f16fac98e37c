// summary.json's sections for the network in front (issue #4): `network` (routing losses,
// reconvergence after each fault, the event timeline), `lvs` (failover losses, who held the VIP),
// `tiers.router`, `tiers.lvs`, and extra fields of `tiers.nginx`. Built from the model's
// NetMetrics at the end of a run, or zeroed from the scenario alone (the expect-path skeleton).
import type { NetMetrics } from '../model/front/counters.js';
import type { Scenario } from '../scenario/types.js';
import { nginxName } from '../scenario/topology.js';

export type RouterSummary = {
  requests: number; // packets to the VIP it forwarded
  blackholed: number; // packets it sent into a dead link or that reached it while dead
  no_route: number;
  spf_runs: number;
  route_changes: number;
  alive_at_end: boolean;
  vip_route: string; // its VIP route at the end: "vip via edge1, edge2", "vip connected", ...
};

export type DirectorSummary = {
  requests: number; // requests it scheduled
  connections_lost: number; // open connections its table took with it (not synced to the peer)
  lost_on_failover: number; // requests (or NAT replies) it dropped: it no longer held the VIP
  blackholed: number; // requests routed to it while it was dead (active_active)
  no_dest: number; // refused: no real server left
  real_servers_removed: number; // by its health checks
  state_at_end: string; // MASTER | BACKUP | ACTIVE | STOPPED | DOWN
  alive_at_end: boolean;
  vip_held_ms: number; // active_backup: time it held its pair's VIP
  per_nginx: Record<string, number>; // connections scheduled to each nginx instance
};

export type NetworkSummary = {
  routers: number;
  links: number;
  hash_policy: string;
  blackholed: number; // lost in the routed network: dead link or router still in a route, loops
  no_route: number;
  looped: number;
  lost: number; // every request lost in front of the app servers (network, directors, dead nginx)
  reconvergence: { at_ms: number; action: string; target: string; detected_ms: number | null; converged_ms: number | null; window_ms: number | null; lost: number }[];
  lost_by_bin: { t_ms: number; lost: number }[];
  timeline: { at_ms: number; node: string; event: string; detail: string }[];
};

export type LvsSummary = {
  mode: string;
  forwarding: string;
  scheduler: string;
  directors: number;
  lost_on_failover: number;
  blackholed: number;
  no_dest: number;
  connections_lost: number;
  nginx_lost: number; // requests sent to or held by a dead nginx instance
  vip_holders: { pair: number; director: string; from_ms: number; to_ms: number }[];
};

/** The model's state at the end of a run, as the summary needs it. */
export type FrontEndState = {
  m: NetMetrics;
  routerAlive: ArrayLike<number>;
  routeText: string[];
  directorAlive: ArrayLike<number>;
  directorState: string[];
  nginxAlive: ArrayLike<number>;
};

export type FrontEndReport = {
  network: NetworkSummary;
  lvs: LvsSummary;
  routers: Record<string, RouterSummary>;
  directors: Record<string, DirectorSummary>;
  nginx: Record<string, { lost: number; alive_at_end: boolean }>;
};

const ms = (us: number) => Math.round(us) / 1000;
const sum = (a: ArrayLike<number>): number => {
  let t = 0;
  for (let i = 0; i < a.length; i++) t += a[i];
  return t;
};

export function frontEndReport(s: Scenario, st: FrontEndState | null, end_us: number): FrontEndReport | undefined {
  const topo = s.network.topology;
  const lvs = s.lvs;
  if (!topo || !lvs) return undefined;
  const m = st?.m ?? null;
  const K = s.nginx.instances;
  const routers: Record<string, RouterSummary> = {};
  topo.routers.forEach((r, i) => {
    routers[r] = {
      requests: m ? m.routerRequests[i] : 0,
      blackholed: m ? m.routerBlackholed[i] : 0,
      no_route: m ? m.routerNoRoute[i] : 0,
      spf_runs: m ? m.routerSpfRuns[i] : 0,
      route_changes: m ? m.routerRouteChanges[i] : 0,
      alive_at_end: st ? st.routerAlive[i] === 1 : true,
      vip_route: st ? st.routeText[i] : '',
    };
  });
  const held = new Map<string, number>();
  for (const v of m?.vip ?? []) held.set(v.director, (held.get(v.director) ?? 0) + (v.to_us - v.from_us));
  const directors: Record<string, DirectorSummary> = {};
  lvs.directors.forEach((d, i) => {
    const per: Record<string, number> = {};
    for (let k = 0; k < K; k++) per[nginxName(k)] = m ? m.dirPerRs[i * K + k] : 0;
    directors[d] = {
      requests: m ? m.dirRequests[i] : 0,
      connections_lost: m ? m.dirConnectionsLost[i] : 0,
      lost_on_failover: m ? m.dirLostOnFailover[i] : 0,
      blackholed: m ? m.dirBlackholed[i] : 0,
      no_dest: m ? m.dirNoDest[i] : 0,
      real_servers_removed: m ? m.dirRsRemoved[i] : 0,
      state_at_end: st ? st.directorState[i] : lvs.mode === 'active_active' ? 'ACTIVE' : i % 2 === 0 ? 'MASTER' : 'BACKUP',
      alive_at_end: st ? st.directorAlive[i] === 1 : true,
      vip_held_ms: ms(held.get(d) ?? 0),
      per_nginx: per,
    };
  });
  const nginx: FrontEndReport['nginx'] = {};
  for (let k = 0; k < K; k++) nginx[nginxName(k)] = { lost: m ? m.nginxLost[k] : 0, alive_at_end: st ? st.nginxAlive[k] === 1 : true };

  const lostByBin: NetworkSummary['lost_by_bin'] = [];
  if (m) for (let b = 0; b < m.lostBins.used; b++) if (m.lostBins.values[b] > 0) lostByBin.push({ t_ms: ms(b * m.bin_us), lost: m.lostBins.values[b] });
  const lostOnFailover = m ? sum(m.dirLostOnFailover) : 0;
  const dirBlackholed = m ? sum(m.dirBlackholed) : 0;
  const nginxLost = m ? sum(m.nginxLost) : 0;
  const blackholed = m ? m.blackholed + dirBlackholed : 0;
  const network: NetworkSummary = {
    routers: topo.routers.length,
    links: topo.links.length,
    hash_policy: topo.hash_policy,
    blackholed,
    no_route: m ? m.noRoute : 0,
    looped: m ? m.looped : 0,
    lost: (m ? m.blackholed + m.noRoute : 0) + dirBlackholed + lostOnFailover + nginxLost,
    reconvergence: (m?.reconvergence ?? []).map((r) => ({
      at_ms: ms(r.at_us),
      action: r.action,
      target: r.target,
      detected_ms: r.detected_us >= 0 ? ms(r.detected_us) : null,
      converged_ms: r.converged_us >= 0 ? ms(r.converged_us) : null,
      window_ms: r.converged_us >= 0 ? ms(r.converged_us - r.at_us) : null,
      lost: r.lost,
    })),
    lost_by_bin: lostByBin,
    timeline: (m?.timeline ?? []).map((e) => ({ at_ms: ms(e.at_us), node: e.node, event: e.event, detail: e.detail })),
  };
  const lvsSummary: LvsSummary = {
    mode: lvs.mode,
    forwarding: lvs.forwarding,
    scheduler: lvs.scheduler,
    directors: lvs.directors.length,
    lost_on_failover: lostOnFailover,
    blackholed: dirBlackholed,
    no_dest: m ? sum(m.dirNoDest) : 0,
    connections_lost: m ? sum(m.dirConnectionsLost) : 0,
    nginx_lost: nginxLost,
    vip_holders: (m?.vip ?? [])
      .filter((v) => v.to_us > v.from_us || v.to_us === end_us)
      .map((v) => ({ pair: v.pair + 1, director: v.director, from_ms: ms(v.from_us), to_ms: ms(v.to_us) })),
  };
  return { network, lvs: lvsSummary, routers, directors, nginx };
}
