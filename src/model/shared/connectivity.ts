// Who can reach whom, and how lossy the wires are: partitions and packet drops between the
// nodes of the stack (nginx instances, app servers, Redis). TCP retransmits a lost segment after
// its RTO, doubling each time (Linux include/net/tcp.h: TCP_TIMEOUT_INIT = 1 s for a SYN,
// TCP_RTO_MIN = 200 ms for data), so a message into a partition arrives at the first
// retransmission after the partition heals, or never once TCP gives up (tcp_syn_retries = 6,
// tcp_retries2 = 15).
import { ColumnPool } from '../../engine/columns.js';
import type { Engine } from '../../engine/engine.js';
import type { RngStream, RngStreams } from '../../engine/rng.js';
import type { Topology, TopologyLink } from '../../scenario/topology.js';
import type { FaultOf } from '../../scenario/types.js';
import type { FaultHandler } from '../faults/injector.js';

export const SYN_RTO_US = 1_000_000;
export const DATA_RTO_US = 200_000;
const MAX_RETRANSMITS = 6; // tcp_syn_retries; also bounds the loss retries of one data segment
export const SYN_RETRIES = 6;
export const DATA_RETRIES = 15; // tcp_retries2

/** Delay of a message that is retransmitted after each loss; -1 if every try is lost. */
export function transmitDelay_us(latency_us: number, lossFraction: number, rto_us: number, rng: RngStream): number {
  let delay = latency_us;
  let rto = rto_us;
  for (let k = 0; k <= MAX_RETRANSMITS; k++) {
    if (rng.random() >= lossFraction) return delay;
    delay += rto;
    rto *= 2;
  }
  return -1;
}

const PENDING_COLUMNS = {
  from: Int32Array,
  to: Int32Array,
  kind: Int32Array,
  entity: Int32Array,
  arg: Int32Array,
  rto_us: Float64Array,
  latency_us: Float64Array,
  left: Int32Array,
};

export class Connectivity {
  readonly nginxNode: Int32Array; // node id of nginx instance k
  readonly appNode: Int32Array; // node id of app server s
  readonly redisNode: number;
  // per Redis instance (0 the master `redis`, then the replicas): the node its clients dial. A
  // replica in a site is a node there; one without is reached through `redis` and its own link
  readonly instanceNode: Int32Array;
  private readonly nodeIds = new Map<string, number>();
  private readonly group: Int32Array; // partition group per node; 0 = the main side
  private nextGroup = 1;
  private readonly site: Int32Array; // site index per node (all 0 without sites)
  private readonly sites: number;
  private readonly siteCut: Uint8Array; // [a * sites + b]: the link between sites a and b is down
  readonly nginxAppLoss: Float64Array; // [k * apps + s]
  readonly appRedisLoss: Float64Array; // [s]
  private readonly linkRng = new Map<string, RngStream>();
  private readonly apps: number;
  // messages waiting for a partition to heal, struct-of-arrays with a free list; the p* fields
  // are the pool's columns, taken again whenever it grows
  private readonly pending = new ColumnPool(PENDING_COLUMNS, 64, {
    onGrow: (c) => {
      ({ from: this.pFrom, to: this.pTo, kind: this.pKind, entity: this.pEntity } = c);
      ({ arg: this.pArg, rto_us: this.pRto, latency_us: this.pLatency, left: this.pLeft } = c);
    },
  });
  private pFrom = this.pending.cols.from;
  private pTo = this.pending.cols.to;
  private pKind = this.pending.cols.kind;
  private pEntity = this.pending.cols.entity;
  private pArg = this.pending.cols.arg;
  private pRto = this.pending.cols.rto_us;
  private pLatency = this.pending.cols.latency_us;
  private pLeft = this.pending.cols.left; // retransmissions left
  private readonly kRetransmit: number;
  /** Called when TCP gives up on a message (kind, entity, arg): the connection is dead. */
  onGiveUp: ((kind: number, entity: number, arg: number) => void) | null = null;

  constructor(
    private readonly engine: Engine,
    readonly topology: Topology,
    private readonly rngs: RngStreams,
  ) {
    this.kRetransmit = engine.register('net.retransmit', (p) => this.retransmit(p));
    this.apps = topology.apps.length;
    const nginxInstances = topology.nginx.length;
    // node ids: nginx instances, then app servers, then Redis
    topology.stackNodes.forEach((n, i) => this.nodeIds.set(n.name, i));
    this.nginxNode = Int32Array.from(topology.nginx, (_, k) => k);
    this.appNode = Int32Array.from(topology.apps, (_, s) => nginxInstances + s);
    this.redisNode = topology.stackNodes.length - 1;
    let next = topology.stackNodes.length;
    this.instanceNode = Int32Array.from([-1, ...topology.siteOfReplica], (site) => (site < 0 ? this.redisNode : next++));
    this.group = new Int32Array(next);
    this.site = Int32Array.from({ length: next }, (_, i) => (i < this.redisNode + 1 ? topology.siteOfStackNode[i] : -1));
    topology.siteOfReplica.forEach((site, r) => {
      if (site >= 0) this.site[this.instanceNode[r + 1]] = site;
    });
    this.sites = Math.max(1, topology.sites.length);
    this.siteCut = new Uint8Array(this.sites * this.sites);
    this.nginxAppLoss = new Float64Array(nginxInstances * this.apps);
    this.appRedisLoss = new Float64Array(this.apps);
  }

  reachable(nodeA: number, nodeB: number): boolean {
    const sa = this.site[nodeA];
    const sb = this.site[nodeB];
    // site -1: a Redis in every site (tickets.split per_site), reached within the sender's own
    return this.group[nodeA] === this.group[nodeB] && (sa < 0 || sb < 0 || this.siteCut[sa * this.sites + sb] === 0);
  }

  /** Can site a reach site b now (the link between them is up)? A site always reaches itself. */
  siteReachable(a: number, b: number): boolean {
    return this.siteCut[a * this.sites + b] === 0;
  }

  /** One-way latency between sites a and b: 0 within a site, the site link's between two. */
  siteLatency_us(a: number, b: number): number {
    return this.topology.siteLatency_us(a, b);
  }

  /** Called after a site link went down or came up. */
  onSiteLink: ((up: boolean) => void) | null = null;

  /** The site of a stack node id (nginx, app server or Redis). */
  siteOfNode(node: number): number {
    return this.site[node];
  }

  /**
   * Sends a message from node `from` to node `to`: event (kind, entity, arg) fires on arrival.
   * `loss` is the link's loss fraction, `rto_us` the first retransmission timeout (SYN or data).
   * Returns the delay until arrival, or -1 if that is not known yet (held by a partition) or never.
   */
  send(from: number, to: number, latency_us: number, loss: number, rto_us: number, rng: RngStream, kind: number, entity: number, arg: number): number {
    if (this.reachable(from, to)) {
      const d = loss > 0 ? transmitDelay_us(latency_us, loss, rto_us, rng) : latency_us;
      if (d >= 0) this.engine.schedule(d, kind, entity, arg);
      else this.onGiveUp?.(kind, entity, arg);
      return d;
    }
    const p = this.pending.alloc();
    this.pFrom[p] = from;
    this.pTo[p] = to;
    this.pKind[p] = kind;
    this.pEntity[p] = entity;
    this.pArg[p] = arg;
    this.pRto[p] = rto_us;
    this.pLatency[p] = latency_us;
    this.pLeft[p] = rto_us >= SYN_RTO_US ? SYN_RETRIES : DATA_RETRIES;
    this.engine.schedule(rto_us, this.kRetransmit, p);
    return -1;
  }

  private retransmit(p: number): void {
    if (this.reachable(this.pFrom[p], this.pTo[p])) {
      this.engine.schedule(this.pLatency[p], this.pKind[p], this.pEntity[p], this.pArg[p]);
      this.pending.free(p);
      return;
    }
    if (--this.pLeft[p] <= 0) {
      this.pending.free(p);
      this.onGiveUp?.(this.pKind[p], this.pEntity[p], this.pArg[p]);
      return;
    }
    this.pRto[p] *= 2;
    this.engine.schedule(this.pRto[p], this.kRetransmit, p);
  }

  /** The stream that decides the losses on one link (one stream per link, whoever sends on it). */
  rngFor(link: TopologyLink): RngStream {
    let r = this.linkRng.get(link.name);
    if (!r) {
      r = this.rngs.stream(link.rngStream);
      this.linkRng.set(link.name, r);
    }
    return r;
  }

  /** Cuts `nodes` off from everyone else (a new partition group); returns the group. */
  partition(nodes: readonly string[]): number {
    const g = this.nextGroup++;
    for (const n of nodes) this.group[this.id(n)] = g;
    return g;
  }

  heal(nodes: readonly string[]): void {
    for (const n of nodes) this.group[this.id(n)] = 0;
  }

  private id(name: string): number {
    const i = this.nodeIds.get(name);
    if (i === undefined) throw new Error(`unknown node ${name}`);
    return i;
  }

  /** Partitions: the listed nodes are cut off until the fault ends. */
  readonly partitionFaults: FaultHandler<FaultOf<'partition'>> = {
    applyFault: (f) => {
      this.partition(f.nodes);
      return `${f.nodes.join(', ')} cut off`;
    },
    endFault: (f) => {
      this.heal(f.nodes);
      return `${f.nodes.join(', ')} reachable again`;
    },
  };

  /** The site link a-b goes down (both ways) or comes up; index is the link's among the site links. */
  readonly siteLinkFaults: FaultHandler<FaultOf<'down' | 'up'>> = {
    applyFault: (f, link) => this.setSiteLink(link, f.action === 'down'),
    endFault: (f, link) => this.setSiteLink(link, f.action === 'up'), // as routed links: a fault with `for` is undone
  };

  private setSiteLink(link: number, down: boolean): string {
    const l = this.topology.siteLinks[link];
    const [a, b] = [l.a.index, l.b.index];
    this.siteCut[a * this.sites + b] = down ? 1 : 0;
    this.siteCut[b * this.sites + a] = down ? 1 : 0;
    this.onSiteLink?.(!down);
    return down ? `${l.a.name} and ${l.b.name} cut off from each other` : `${l.a.name} and ${l.b.name} reachable again`;
  }

  /** Packet loss on a link nginxK-appS, indexed nginx * apps + app. */
  get proxyLinkFaults(): FaultHandler<FaultOf<'drop'>> {
    return lossFaults(this.nginxAppLoss);
  }

  /** Packet loss on a link appS-redis, indexed by app. */
  get redisLinkFaults(): FaultHandler<FaultOf<'drop'>> {
    return lossFaults(this.appRedisLoss);
  }
}

function lossFaults(loss: Float64Array): FaultHandler<FaultOf<'drop'>> {
  return {
    applyFault: (f, link) => {
      loss[link] = f.fraction;
      return `${Math.round(f.fraction * 1000) / 10} % of packets lost`;
    },
    endFault: (_f, link) => {
      loss[link] = 0;
      return 'no more loss';
    },
  };
}
