// Each site's own front: its routers (OSPF, ECMP) and LVS directors (keepalived VRRP, IPVS) in
// front of its nginx instances, one LvsTier per site (../front/lvs.ts) with the site's nginx
// instances as its real servers. The GSLB's answer for a site stands for that site's VIP: a user
// resolved to it enters at its ingress routers, so its packets cross only its routers and
// directors, and a VRRP failover stays inside the site (each site has its own pairs, timers and
// event kinds). Names are unique across sites, so faults name a router, director, link or nginx
// instance directly; the topology numbers them site after site, and this module maps each to its
// site's tier. A site killed as a whole takes its front down with it (routers and directors lose
// power, nginx hosts die) and boots it again on recovery (empty LSDBs: adjacencies re-form with the
// next hellos; keepalived starts; IPVS tables are empty).
import type { Engine } from '../../engine/engine.js';
import type { RngStreams } from '../../engine/rng.js';
import type { FrontSections, LoadSeries } from '../../metrics/tier-sections.js';
import type { LvsSummary, NetworkSummary } from '../../metrics/summary.js';
import type { Topology } from '../../scenario/topology.js';
import type { Fault, SiteFront, Sites } from '../../scenario/types.js';
import type { RequestTable } from '../client/requests.js';
import type { FaultHandler, FrontFaultHandlers } from '../faults/injector.js';
import { type LvsFrontSlice, LvsTier, type RealServers, type UserSide } from '../front/lvs.js';
import { frontAtRest, frontSectionsOf } from '../front/summary.js';
import type { Scenario } from '../../scenario/types.js';
import type { TraceHook } from '../shared/trace-hook.js';

/** Global index (within its kind, as the topology numbers them) -> its site and its index there. */
type Place = { site: Int32Array; local: Int32Array };

function places(perSite: readonly number[]): Place {
  const n = perSite.reduce((a, b) => a + b, 0);
  const site = new Int32Array(n);
  const local = new Int32Array(n);
  let g = 0;
  perSite.forEach((count, s) => {
    for (let i = 0; i < count; i++, g++) {
      site[g] = s;
      local[g] = i;
    }
  });
  return { site, local };
}

/** Do the sites have their own fronts? */
export function hasSiteFronts(sites: Sites | undefined): boolean {
  return sites?.list.some((x) => x.front !== undefined) === true;
}

/** The site fronts, in site order (every site has one once any has: the loader sees to it). */
export function frontsOf(sites: Sites): SiteFront[] {
  return sites.list.flatMap((x) => (x.front ? [x.front] : []));
}

export class SiteFronts {
  readonly tiers: LvsTier[]; // per site
  private readonly routers: Place;
  private readonly directors: Place;
  private readonly links: Place;
  private readonly nginx: Place; // global nginx index -> its site and its real-server index there

  constructor(
    private readonly engine: Engine,
    private readonly sites: Sites,
    topology: Topology,
    slice: Omit<LvsFrontSlice, 'nginxInstances' | 'site'>,
    requests: RequestTable,
    nginx: RealServers,
    rngs: RngStreams,
  ) {
    const fronts = frontsOf(sites);
    this.tiers = sites.list.map((x, s) => {
      const realServers = x.nginx.map((n) => topology.node(n)?.index ?? -1);
      const site = { realServers, kindSuffix: `@${x.name}` };
      return new LvsTier(engine, fronts[s].lvs, fronts[s].topology, { ...slice, nginxInstances: realServers.length, site }, requests, nginx, rngs);
    });
    this.routers = places(fronts.map((f) => f.topology.routers.length));
    this.directors = places(fronts.map((f) => f.lvs.directors.length));
    this.links = places(fronts.map((f) => f.topology.links.length));
    const nginxSite = new Int32Array(topology.nginx.length);
    const nginxLocal = new Int32Array(topology.nginx.length);
    sites.list.forEach((x, s) =>
      x.nginx.forEach((n, k) => {
        const g = topology.node(n)?.index ?? 0;
        nginxSite[g] = s;
        nginxLocal[g] = k;
      }),
    );
    this.nginx = { site: nginxSite, local: nginxLocal };
  }

  connect(users: UserSide): void {
    for (const t of this.tiers) t.connect(users);
  }

  /** A user's request to site s: it enters at the site's ingress routers (the site's VIP). */
  accept(s: number, r: number, access_us: number): void {
    this.tiers[s].accept(r, access_us);
  }

  /** nginx of site s answers: DR straight to the user, NAT back through the site's director. */
  respond(s: number, r: number, delay_us: number): void {
    this.tiers[s].respond(r, delay_us);
  }

  /** Does a probe through site s's front reach a live nginx (the GSLB's check of its VIP)? */
  reachable(s: number): boolean {
    return this.tiers[s].reachable();
  }

  noteFaultTimes(schedule: readonly Fault[]): void {
    for (const t of this.tiers) t.noteFaultTimes(schedule);
  }

  set decideAtSend(on: boolean) {
    for (const t of this.tiers) t.decideAtSend = on;
  }

  set trace(hook: TraceHook | null) {
    for (const t of this.tiers) t.trace = hook;
  }

  /** Routers, directors, routed links and nginx instances, each handed to its site's tier. */
  faultHandlers(): FrontFaultHandlers {
    const hs = this.tiers.map((t) => t.faultHandlers());
    const to = <F extends Fault>(p: Place, pick: (h: FrontFaultHandlers) => FaultHandler<F>): FaultHandler<F> => ({
      applyFault: (f, g) => pick(hs[p.site[g]]).applyFault(f, p.local[g]),
      endFault: (f, g) => pick(hs[p.site[g]]).endFault(f, p.local[g]),
    });
    return {
      router: to(this.routers, (h) => h.router),
      director: to(this.directors, (h) => h.director),
      routedLink: to(this.links, (h) => h.routedLink),
      nginx: to(this.nginx, (h) => h.nginx),
    };
  }

  /** Site s goes dark: its routers and directors lose power, its nginx hosts die. */
  siteDown(s: number): string {
    const t = this.tiers[s];
    this.logFault(s, 'kill');
    for (let r = 0; r < t.net.R; r++) t.net.nodeDown(r);
    const before = total(Array.from(t.m.dirConnectionsLost), (x) => x);
    for (let d = 0; d < t.D; d++) t.killDirector(d);
    for (let k = 0; k < t.K; k++) t.killNginx(k);
    const lost = total(Array.from(t.m.dirConnectionsLost), (x) => x) - before;
    return `front down (${t.net.R} routers, ${t.D} directors: ${lost} open connections lost)`;
  }

  /** Site s is back: routers boot (adjacencies form with the next hellos), nginx and keepalived start. */
  siteUp(s: number): string {
    const t = this.tiers[s];
    this.logFault(s, 'recover');
    for (let r = 0; r < t.net.R; r++) t.net.nodeUp(r);
    for (let k = 0; k < t.K; k++) t.recoverNginx(k);
    for (let d = 0; d < t.D; d++) t.recoverDirector(d);
    return `front booted (${t.net.R} routers, ${t.D} directors)`;
  }

  private logFault(s: number, action: string): void {
    const m = this.tiers[s].m;
    const now = this.engine.now_us;
    const name = this.sites.list[s].name;
    m.faultApplied(now, action, name);
    m.log(now, name, action, 'the whole site');
  }

  /** Per site its front's sections, and all of them merged (names are unique across sites). */
  finish(end_us: number): { perSite: FrontSections[]; merged: FrontSections } {
    const perSite = this.tiers.map((t, s) => siteFrontSections(this.sites, s, t.finish(end_us), end_us));
    return { perSite, merged: mergeFronts(perSite) };
  }
}

function siteFrontSections(sites: Sites, s: number, st: ReturnType<LvsTier['finish']>, end_us: number): FrontSections {
  const x = sites.list[s];
  const f = frontsOf(sites)[s];
  return frontSectionsOf({ topology: f.topology, lvs: f.lvs, realServers: x.nginx }, st, end_us);
}

/** The site fronts of a run in which nothing happened (the summary skeleton). */
export function frontsAtRest(s: Scenario, sites: Sites): { perSite: FrontSections[]; merged: FrontSections } {
  const perSite = frontsOf(sites).map((f, i) => frontSectionsOf({ ...f, realServers: sites.list[i].nginx }, frontAtRest(s, f.topology, f.lvs, sites.list[i].nginx.length), 0));
  return { perSite, merged: mergeFronts(perSite) };
}

const distinct = (xs: readonly string[]): string => [...new Set(xs)].join(', ');
const total = <T>(xs: readonly T[], f: (x: T) => number): number => xs.reduce((a, x) => a + f(x), 0);

/** All sites' fronts as one: counts summed, timelines merged by time, nodes side by side. */
export function mergeFronts(parts: readonly FrontSections[]): FrontSections {
  return {
    network: mergeNetwork(parts.map((p) => p.network)),
    lvs: mergeLvs(parts.map((p) => p.lvs)),
    routers: Object.assign({}, ...parts.map((p) => p.routers)) as FrontSections['routers'],
    directors: Object.assign({}, ...parts.map((p) => p.directors)) as FrontSections['directors'],
    nginx: Object.assign({}, ...parts.map((p) => p.nginx)) as FrontSections['nginx'],
    load: { tier: 'lvs', names: parts.flatMap((p) => p.load.names), servers: 1, series: mergeLoads(parts.map((p) => p.load.series)) },
  };
}

function mergeNetwork(ns: readonly NetworkSummary[]): NetworkSummary {
  const byBin = new Map<number, number>();
  for (const n of ns) for (const b of n.lost_by_bin) byBin.set(b.t_ms, (byBin.get(b.t_ms) ?? 0) + b.lost);
  return {
    routers: total(ns, (n) => n.routers),
    links: total(ns, (n) => n.links),
    hash_policy: distinct(ns.map((n) => n.hash_policy)),
    blackholed: total(ns, (n) => n.blackholed),
    no_route: total(ns, (n) => n.no_route),
    looped: total(ns, (n) => n.looped),
    lost: total(ns, (n) => n.lost),
    reconvergence: ns.flatMap((n) => n.reconvergence).sort((a, b) => a.at_ms - b.at_ms),
    lost_by_bin: [...byBin.entries()].sort((a, b) => a[0] - b[0]).map(([t_ms, lost]) => ({ t_ms, lost })),
    timeline: ns.flatMap((n) => n.timeline).sort((a, b) => a.at_ms - b.at_ms),
  };
}

function mergeLvs(ls: readonly LvsSummary[]): LvsSummary {
  let pairs = 0;
  const holders = ls.flatMap((l) => {
    // VRRP pairs are numbered on across sites; active_active directors hold no pair's VIP (pair 0)
    if (l.mode !== 'active_backup') return l.vip_holders;
    const first = pairs;
    pairs += Math.floor(l.directors / 2);
    return l.vip_holders.map((v) => ({ ...v, pair: v.pair + first }));
  });
  return {
    mode: distinct(ls.map((l) => l.mode)),
    forwarding: distinct(ls.map((l) => l.forwarding)),
    scheduler: distinct(ls.map((l) => l.scheduler)),
    directors: total(ls, (l) => l.directors),
    lost_on_failover: total(ls, (l) => l.lost_on_failover),
    blackholed: total(ls, (l) => l.blackholed),
    no_dest: total(ls, (l) => l.no_dest),
    connections_lost: total(ls, (l) => l.connections_lost),
    nginx_lost: total(ls, (l) => l.nginx_lost),
    vip_holders: holders,
  };
}

/** The directors' loads side by side: [bin * nodes + node] over all sites' directors. */
function mergeLoads(series: readonly LoadSeries[]): LoadSeries {
  const nodes = total(series, (x) => x.nodes);
  const used = Math.max(0, ...series.map((x) => x.used));
  const busy_us = new Float64Array(used * nodes);
  const queue_us = new Float64Array(used * nodes);
  const done = new Float64Array(used * nodes);
  let first = 0;
  for (const x of series) {
    for (let b = 0; b < x.used; b++) {
      for (let n = 0; n < x.nodes; n++) {
        busy_us[b * nodes + first + n] = x.busy_us[b * x.nodes + n];
        queue_us[b * nodes + first + n] = x.queue_us[b * x.nodes + n];
        done[b * nodes + first + n] = x.done[b * x.nodes + n];
      }
    }
    first += x.nodes;
  }
  return { nodes, bin_us: series[0]?.bin_us ?? 1, used, busy_us, queue_us, done };
}
