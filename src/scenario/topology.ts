// The one owner of node and link identity. Every node of a scenario has a kind, an index within
// its kind and a name; every link joins two nodes. Scenario validation, the fault injector, the
// swarm of `sim explore`, the wiring and the summary all ask this module, and no other code builds
// or parses a node name. It lives beside the scenario because validation needs it and the scenario
// layer imports nothing from the model.
import type { LvsConfig, NetworkTopology } from './network-types.js';
import type { FaultAction, Sites } from './types.js';

export type NodeKind = 'router' | 'director' | 'nginx' | 'app' | 'redis' | 'site' | 'replica';

export type TopologyNode = { readonly kind: NodeKind; readonly index: number; readonly name: string };

// proxy: nginx instance -> app server; redis: app server -> Redis; routed: a link of network.links;
// site: the inter-site link between two data centres (its ends are sites, not nodes)
// replication: the Redis master's node -> a replica. A replication link is the seam for sites: a
// replica "in site B" is one whose replication link is the inter-site link (its latency, its
// partitions); Sentinels sit with the replicas, so they see the master over the same link.
export type LinkKind = 'proxy' | 'redis' | 'routed' | 'site' | 'replication';

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
  replicas?: readonly { name: string; link_latency_us: number; site?: string }[]; // Redis replicas (none: one Redis)
  // the routed network in front: present only with both network routers and lvs directors
  routed?: { routers: readonly string[]; directors: readonly string[]; links: readonly { a: string; b: string; latency_us: number }[] };
  // the data centres: each with its nginx instances and app servers; Redis runs in `redisSite`
  // redisPerSite: each site runs its own Redis (tickets.split per_site): the node `redis` is in every site
  sites?: { list: readonly { name: string; nginx: readonly string[]; servers: readonly string[] }[]; redisSite: string; linkLatency_us: number; redisPerSite?: boolean };
};

/** The parts of a scenario that name nodes. */
export type TopologySource = {
  nginx: { instances: number; proxy_latency_us: number; upstream: { servers: readonly { name: string }[] } };
  redis: { latency_us: number; replication?: { replicas: readonly { name: string; link_latency_us: number; site?: string }[] } };
  network: { topology?: NetworkTopology };
  lvs?: LvsConfig;
  sites?: Sites;
};

// Per fault action, the nodes or links it accepts. A Record, so that a new action does not
// compile until it says which targets take it.
const FAULT_TARGETS: Record<FaultAction, (t: Topology) => readonly TopologyNode[] | readonly string[]> = {
  kill: (t) => [...t.restartable, ...t.sites, ...t.replicas],
  recover: (t) => [...t.restartable, ...t.sites, ...t.replicas],
  slow: (t) => t.processes,
  restart: (t) => (t.processes.includes(t.redis) ? [t.redis] : []),
  partition: (t) => t.stackNodes,
  // with sites, an nginx proxies only to its own site's servers: the other proxy links carry nothing
  drop: (t) => [...t.proxyLinks.filter((l) => t.siteOf(l.a) === t.siteOf(l.b)), ...t.redisLinks].map((l) => l.name),
  // a routed link is accepted either way round
  down: (t) => [...t.routedLinks, ...t.siteLinks, ...t.replicationLinks].flatMap((l) => [l.name, linkName(l.b.name, l.a.name)]),
  up: (t) => [...t.routedLinks, ...t.siteLinks, ...t.replicationLinks].flatMap((l) => [l.name, linkName(l.b.name, l.a.name)]),
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
  /** The data centres (none without `sites:`); a site is killed and recovered as a whole. */
  readonly sites: readonly TopologyNode[];
  /** One inter-site link per pair of sites, "dc1-dc2"; it can go down (a partition between them). */
  readonly siteLinks: readonly TopologyLink[];
  /** Per node of stackNodes, the index of its site (0 for all without sites). */
  readonly siteOfStackNode: Int32Array;
  /** Per replica, the index of the site it runs in (-1: none given; its link alone joins it). */
  readonly siteOfReplica: Int32Array;
  private readonly siteLinkLatency_us: number;
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
    this.sites = nodes('site', input.sites?.list.map((x) => x.name) ?? []);
    this.siteLinkLatency_us = input.sites?.linkLatency_us ?? 0;
    this.siteOfStackNode = siteIndices(this.stackNodes, input.sites);
    const siteNames = input.sites?.list.map((x) => x.name) ?? [];
    this.siteOfReplica = Int32Array.from(input.replicas ?? [], (r) => (r.site === undefined ? -1 : siteNames.indexOf(r.site)));
    // with a Redis per site, `redis` names none of them: its faults go through the sites
    this.processes = input.sites?.redisPerSite ? [...this.apps] : [...this.apps, this.redis];
    this.restartable = [...this.processes, ...this.routers, ...this.directors, ...(this.routed ? this.nginx : [])];
    for (const n of [...this.routers, ...this.directors, ...this.stackNodes, ...this.replicas]) this.byName.set(n.name, n);
    const link = (kind: LinkKind, index: number, a: TopologyNode, b: TopologyNode, latency_us: number): TopologyLink => {
      const name = linkName(a.name, b.name);
      return { kind, index, name, a, b, latency_us, rngStream: `net:${name}` };
    };
    const S = this.apps.length;
    this.proxyLinks = this.nginx.flatMap((n) => this.apps.map((a) => link('proxy', n.index * S + a.index, n, a, input.proxyLatency_us)));
    // an app server in another site than Redis reaches it over the site link as well
    const toRedis_us = (a: TopologyNode) => input.redisLatency_us + this.siteLatency_us(this.siteOf(a), this.siteOf(this.redis));
    this.redisLinks = this.apps.map((a) => link('redis', a.index, a, this.redis, toRedis_us(a)));
    this.routedLinks = (input.routed?.links ?? []).map((l, i) => link('routed', i, this.mustNode(l.a), this.mustNode(l.b), l.latency_us));
    this.siteLinks = this.sites.flatMap((a, i) => this.sites.slice(i + 1).map((b) => ({ a, b })))
      .map(({ a, b }, i) => link('site', i, a, b, this.siteLinkLatency_us));
    this.replicationLinks = this.replicas.map((r, i) => link('replication', i, this.redis, r, input.replicas?.[i]?.link_latency_us ?? 0));
    const all = [...this.proxyLinks, ...this.redisLinks, ...this.routedLinks, ...this.siteLinks, ...this.replicationLinks];
    for (const l of all) this.linksByName.set(l.name, l);
    for (const l of [...this.routedLinks, ...this.siteLinks, ...this.replicationLinks]) this.linksByName.set(linkName(l.b.name, l.a.name), l);
    for (const x of this.sites) this.byName.set(x.name, x);
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
      ...(s.sites?.list.some((x) => x.front) ? { routed: sitesRouted(s.sites) } : {}),
      ...(s.sites ? { sites: { list: s.sites.list, redisSite: s.sites.redis_site, linkLatency_us: s.sites.link_latency_us, redisPerSite: s.sites.inventory_split !== undefined } } : {}),
    });
  }

  /** The site index of a stack node (nginx instance, app server, Redis); 0 without sites. */
  siteOf(n: TopologyNode): number {
    const i = this.stackNodes.indexOf(n);
    return i < 0 ? 0 : this.siteOfStackNode[i];
  }

  /** One-way latency between two sites: 0 within one, the site link's between two (-1: in every site). */
  siteLatency_us(a: number, b: number): number {
    return a === b || a < 0 || b < 0 ? 0 : this.siteLinkLatency_us;
  }

  /** The site link between sites a and b (a != b). */
  siteLink(a: number, b: number): TopologyLink {
    const l = this.siteLinks.find((x) => (x.a.index === a && x.b.index === b) || (x.a.index === b && x.b.index === a));
    if (l === undefined) throw new Error(`no site link between sites ${a} and ${b}`);
    return l;
  }

  /** The app servers (indices) in nginx instance k's upstream: those of its site; all without sites. */
  upstreamOf(k: number): number[] {
    const site = this.siteOf(this.nginx[k]);
    return this.apps.filter((a) => this.siteOf(a) === site).map((a) => a.index);
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

/** Per stack node, its site's index: from the sites' lists, Redis in its site; all 0 without sites. */
function siteIndices(stack: readonly TopologyNode[], sites: TopologyInput['sites']): Int32Array {
  const out = new Int32Array(stack.length);
  if (sites === undefined) return out;
  const index = new Map<string, number>();
  sites.list.forEach((x, i) => {
    for (const n of [...x.nginx, ...x.servers]) index.set(n, i);
  });
  const redisSite = sites.redisPerSite ? -1 : sites.list.findIndex((x) => x.name === sites.redisSite);
  stack.forEach((n, i) => {
    out[i] = n.kind === 'redis' ? redisSite : (index.get(n.name) ?? 0);
  });
  return out;
}

/** With sites that have fronts: every site's routers, directors and links, site after site. */
function sitesRouted(sites: Sites): NonNullable<TopologyInput['routed']> {
  const fronts = sites.list.flatMap((x) => (x.front ? [x.front] : []));
  return {
    routers: fronts.flatMap((f) => f.topology.routers),
    directors: fronts.flatMap((f) => f.lvs.directors),
    links: fronts.flatMap((f) => f.topology.links),
  };
}
