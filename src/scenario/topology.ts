// The one owner of node and link identity. Every node of a scenario has a kind, an index within
// its kind and a name; every link joins two nodes. Scenario validation, the fault injector, the
// swarm of `sim explore`, the wiring and the summary all ask this module, and no other code builds
// or parses a node name. It lives beside the scenario because validation needs it and the scenario
// layer imports nothing from the model.
import type { LvsConfig, NetworkTopology } from './network-types.js';
import type { FaultAction } from './types.js';

export type NodeKind = 'router' | 'director' | 'nginx' | 'app' | 'redis' | 'replica';

export type TopologyNode = { readonly kind: NodeKind; readonly index: number; readonly name: string };

// proxy: nginx instance -> app server; redis: app server -> Redis; routed: a link of network.links;
// replication: the Redis master's node -> a replica. A replication link is the seam for sites: a
// replica "in site B" is one whose replication link is the inter-site link (its latency, its
// partitions); Sentinels sit with the replicas, so they see the master over the same link.
export type LinkKind = 'proxy' | 'redis' | 'routed' | 'replication';

export type TopologyLink = {
  readonly kind: LinkKind;
  readonly index: number; // within its kind: proxy links are [nginx * apps + app]
  readonly name: string; // "a-b" as scenarios write it
  readonly a: TopologyNode;
  readonly b: TopologyNode;
  readonly latency_us: number; // one way
  readonly rngStream: string; // the random stream that decides this link's losses
};

export const REDIS_NODE = 'redis';
export const nginxName = (k: number): string => `nginx${k + 1}`;
export const directorName = (d: number): string => `lvs${d + 1}`;
export const defaultAppName = (s: number): string => `app${s + 1}`;
export const linkName = (a: string, b: string): string => `${a}-${b}`;

/** What the topology is built from: the parts of a resolved scenario that name nodes. */
export type TopologyInput = {
  appNames: readonly string[];
  nginxInstances: number;
  proxyLatency_us: number; // nginx -> app server
  redisLatency_us: number; // app server -> Redis
  replicas?: readonly { name: string; link_latency_us: number }[]; // Redis replicas (none: one Redis)
  // the routed network in front: present only with both network routers and lvs directors
  routed?: { routers: readonly string[]; directors: readonly string[]; links: readonly { a: string; b: string; latency_us: number }[] };
};

/** The parts of a scenario that name nodes. */
export type TopologySource = {
  nginx: { instances: number; proxy_latency_us: number; upstream: { servers: readonly { name: string }[] } };
  redis: { latency_us: number; replication?: { replicas: readonly { name: string; link_latency_us: number }[] } };
  network: { topology?: NetworkTopology };
  lvs?: LvsConfig;
};

// Per fault action, the nodes or links it accepts. A Record, so that a new action does not
// compile until it says which targets take it.
const FAULT_TARGETS: Record<FaultAction, (t: Topology) => readonly TopologyNode[] | readonly string[]> = {
  kill: (t) => [...t.restartable, ...t.replicas],
  recover: (t) => [...t.restartable, ...t.replicas],
  slow: (t) => t.processes,
  restart: (t) => [t.redis],
  partition: (t) => t.stackNodes,
  drop: (t) => [...t.proxyLinks, ...t.redisLinks].map((l) => l.name),
  // a routed link is accepted either way round
  down: (t) => [...t.routedLinks, ...t.replicationLinks].flatMap((l) => [l.name, linkName(l.b.name, l.a.name)]),
  up: (t) => [...t.routedLinks, ...t.replicationLinks].flatMap((l) => [l.name, linkName(l.b.name, l.a.name)]),
  stop: (t) => t.directors,
};

export class Topology {
  readonly routers: readonly TopologyNode[];
  readonly directors: readonly TopologyNode[];
  readonly nginx: readonly TopologyNode[];
  readonly apps: readonly TopologyNode[];
  readonly redis: TopologyNode;
  /** Redis replicas, in the order the scenario lists them (none without replication). */
  readonly replicas: readonly TopologyNode[];
  /** nginx instances, app servers and Redis, in that order: the nodes a partition can cut off. */
  readonly stackNodes: readonly TopologyNode[];
  /** The processes that can be slowed: app servers and Redis. */
  readonly processes: readonly TopologyNode[];
  /** The nodes kill and recover take: the processes, and with a routed network its nodes and nginx. */
  readonly restartable: readonly TopologyNode[];
  readonly proxyLinks: readonly TopologyLink[];
  readonly redisLinks: readonly TopologyLink[];
  readonly routedLinks: readonly TopologyLink[];
  readonly replicationLinks: readonly TopologyLink[]; // [replica]: redis-<replica>
  readonly routed: boolean;
  private readonly byName = new Map<string, TopologyNode>();
  private readonly linksByName = new Map<string, TopologyLink>();

  constructor(input: TopologyInput) {
    const nodes = (kind: NodeKind, names: readonly string[]) => names.map((name, index) => ({ kind, index, name }));
    this.routed = input.routed !== undefined;
    this.routers = nodes('router', input.routed?.routers ?? []);
    this.directors = nodes('director', input.routed?.directors ?? []);
    this.nginx = nodes('nginx', Array.from({ length: input.nginxInstances }, (_, k) => nginxName(k)));
    this.apps = nodes('app', input.appNames);
    this.redis = { kind: 'redis', index: 0, name: REDIS_NODE };
    this.replicas = nodes('replica', (input.replicas ?? []).map((r) => r.name));
    this.stackNodes = [...this.nginx, ...this.apps, this.redis];
    this.processes = [...this.apps, this.redis];
    this.restartable = [...this.processes, ...this.routers, ...this.directors, ...(this.routed ? this.nginx : [])];
    for (const n of [...this.routers, ...this.directors, ...this.stackNodes, ...this.replicas]) this.byName.set(n.name, n);
    const link = (kind: LinkKind, index: number, a: TopologyNode, b: TopologyNode, latency_us: number): TopologyLink => {
      const name = linkName(a.name, b.name);
      return { kind, index, name, a, b, latency_us, rngStream: `net:${name}` };
    };
    const S = this.apps.length;
    this.proxyLinks = this.nginx.flatMap((n) => this.apps.map((a) => link('proxy', n.index * S + a.index, n, a, input.proxyLatency_us)));
    this.redisLinks = this.apps.map((a) => link('redis', a.index, a, this.redis, input.redisLatency_us));
    this.routedLinks = (input.routed?.links ?? []).map((l, i) => link('routed', i, this.mustNode(l.a), this.mustNode(l.b), l.latency_us));
    this.replicationLinks = this.replicas.map((r, i) => link('replication', i, this.redis, r, input.replicas?.[i]?.link_latency_us ?? 0));
    for (const l of [...this.proxyLinks, ...this.redisLinks, ...this.routedLinks, ...this.replicationLinks]) this.linksByName.set(l.name, l);
    for (const l of [...this.routedLinks, ...this.replicationLinks]) this.linksByName.set(linkName(l.b.name, l.a.name), l);
  }

  /** The topology of a resolved scenario (or of the parts of one the loader has resolved). */
  static of(s: TopologySource): Topology {
    const net = s.network.topology;
    return new Topology({
      appNames: s.nginx.upstream.servers.map((v) => v.name),
      nginxInstances: s.nginx.instances,
      proxyLatency_us: s.nginx.proxy_latency_us,
      redisLatency_us: s.redis.latency_us,
      ...(s.redis.replication ? { replicas: s.redis.replication.replicas } : {}),
      ...(net && s.lvs ? { routed: { routers: net.routers, directors: s.lvs.directors, links: net.links } } : {}),
    });
  }

  node(name: string): TopologyNode | undefined {
    return this.byName.get(name);
  }

  /** A link by the name a scenario gives it; a routed link by either order of its ends. */
  link(name: string): TopologyLink | undefined {
    return this.linksByName.get(name);
  }

  proxyLink(nginx: number, app: number): TopologyLink {
    return this.proxyLinks[nginx * this.apps.length + app];
  }

  /** The names a fault with this action may target. */
  targets(action: FaultAction): string[] {
    return FAULT_TARGETS[action](this).map((t) => (typeof t === 'string' ? t : t.name));
  }

  private mustNode(name: string): TopologyNode {
    const n = this.byName.get(name);
    if (n === undefined) throw new Error(`link end ${name} is not a node of this topology`);
    return n;
  }
}
