// Counters and the event log of the network in front (routers, LVS directors, keepalived), written
// while the model runs and turned into summary.json by front/summary.ts. Per-node
// counters are typed arrays indexed like the model's nodes; the timeline only gets rare events
// (faults, detections, SPF runs that change a route, VRRP transitions, health-check verdicts).
import { Bins } from '../../metrics/metrics.js';
import { LoadBins } from '../shared/load-bins.js';

export type NetEvent = { at_us: number; node: string; event: string; detail: string };

/** One network fault and what followed it, until the next one. */
export type Reconvergence = {
  at_us: number;
  action: string;
  target: string;
  detected_us: number; // first adjacency loss (or VRRP / health-check verdict) after it; -1 none
  converged_us: number; // last route change (or VIP move) after it; -1 none
  lost: number; // requests lost while it was the latest fault
};

export type VipInterval = { pair: number; director: string; from_us: number; to_us: number };

export class NetMetrics {
  readonly timeline: NetEvent[] = [];
  readonly reconvergence: Reconvergence[] = [];
  readonly vip: VipInterval[] = [];
  readonly lostBins = new Bins(); // requests lost in the network or at a director, by bin

  // losses in the routed network: black holes (a dead link or router still in a route), no route, loops
  blackholed = 0;
  noRoute = 0;
  looped = 0;

  readonly routerRequests: Float64Array;
  readonly routerBlackholed: Float64Array;
  readonly routerNoRoute: Float64Array;
  readonly routerSpfRuns: Float64Array;
  readonly routerRouteChanges: Float64Array;

  readonly dirRequests: Float64Array;
  readonly dirLostOnFailover: Float64Array; // reached a director that no longer held the VIP, or a NAT reply with no holder / no entry
  readonly dirBlackholed: Float64Array; // reached a dead director (active_active before reconvergence)
  readonly dirNoDest: Float64Array; // IPVS had no real server
  readonly dirConnectionsLost: Float64Array; // open connections whose entries died with the director (not synced)
  readonly dirRsRemoved: Float64Array; // real servers taken out by health checks
  readonly dirPerRs: Float64Array; // [d * K + k]: connections scheduled to nginx k
  readonly nginxLost: Float64Array; // requests sent to, or held by, a dead nginx instance
  // per director and bin: requests it forwarded (done); a director has no service time or queue
  // in the model (nodes.csv)
  readonly dirLoad: LoadBins;

  constructor(
    readonly bin_us: number,
    readonly routers: number,
    readonly directors: number,
    readonly nginx: number,
  ) {
    this.routerRequests = new Float64Array(routers);
    this.routerBlackholed = new Float64Array(routers);
    this.routerNoRoute = new Float64Array(routers);
    this.routerSpfRuns = new Float64Array(routers);
    this.routerRouteChanges = new Float64Array(routers);
    this.dirRequests = new Float64Array(directors);
    this.dirLostOnFailover = new Float64Array(directors);
    this.dirBlackholed = new Float64Array(directors);
    this.dirNoDest = new Float64Array(directors);
    this.dirConnectionsLost = new Float64Array(directors);
    this.dirRsRemoved = new Float64Array(directors);
    this.dirPerRs = new Float64Array(directors * nginx);
    this.nginxLost = new Float64Array(nginx);
    this.dirLoad = new LoadBins(directors, bin_us);
  }

  log(at_us: number, node: string, event: string, detail: string): void {
    this.timeline.push({ at_us, node, event, detail });
  }

  /** A network fault starts a new reconvergence record. */
  faultApplied(at_us: number, action: string, target: string): void {
    this.reconvergence.push({ at_us, action, target, detected_us: -1, converged_us: -1, lost: 0 });
  }

  detected(at_us: number): void {
    const r = this.reconvergence.at(-1);
    if (r && r.detected_us < 0) r.detected_us = at_us;
  }

  converged(at_us: number): void {
    const r = this.reconvergence.at(-1);
    if (r) r.converged_us = at_us;
  }

  /** A request was lost (never answered) at `now_us`. */
  lost(now_us: number): void {
    this.lostBins.add(Math.floor(now_us / this.bin_us), 1);
    const r = this.reconvergence.at(-1);
    if (r) r.lost++;
  }
}
