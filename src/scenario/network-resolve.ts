// Resolves the parsed `network:` and `lvs:` sections into NetworkTopology and LvsConfig, checks
// them, and names the fault targets they add (routers, links "a-b", lvs1..N, nginx1..N).
import { normalizeAdvertInt_us } from './keepalived-config.js';
import type { LvsConfig, NetLink, NetworkTopology } from './network-types.js';
import { lvsSchema } from './network-schema.js';
import type { ParsedScenario } from './schema.js';
import { directorName, nginxName } from './topology.js';

type Seg = string | number;
type Fail = (segs: readonly Seg[], detail: string) => never;

type ParsedNetwork = ParsedScenario['network'];
type ParsedLvs = NonNullable<ParsedScenario['lvs']>;

const NODE_NAME_RE = /^[A-Za-z0-9_-]+$/;
export const IMPLICIT_ROUTER = 'edge';

export type ResolvedNetwork = { topology?: NetworkTopology; lvs?: LvsConfig };

/**
 * `taken`: names already used by other nodes (app servers, redis). Returns no topology and no lvs
 * when neither section asks for them, so scenarios without a routed network stay as they were.
 * The checks fire in a fixed order (lvs, routers, links, ingress, ospf, maximum_paths), so a
 * scenario with several problems always reports the same one first.
 */
export function resolveNetwork(
  net: ParsedNetwork,
  lvsIn: ParsedLvs | undefined,
  nginxInstances: number,
  taken: readonly string[],
  fail: Fail,
  firstDirector = 0, // with sites: the directors of the sites before this one (lvsN numbering runs on)
): ResolvedNetwork {
  if (net.routers === undefined && lvsIn === undefined) {
    if (net.links !== undefined || net.ingress !== undefined) fail(['network', 'routers'], 'is required when links or ingress are given');
    return {};
  }
  const lvs = resolveLvs(lvsIn ?? lvsSchema().parse({}), nginxInstances, fail, firstDirector);
  const directors = lvs.directors;
  const nginxNames = Array.from({ length: nginxInstances }, (_, k) => nginxName(k));

  const implicit = net.routers === undefined;
  const routers = net.routers ?? [IMPLICIT_ROUTER];
  const reserved = new Set([...taken, ...directors, ...nginxNames, 'partition']);
  const seen = resolveRouters(routers, reserved, fail);
  const links = implicit ? implicitLinks(directors) : resolveLinks(net.links ?? [], seen, directors, fail);
  if (lvs.mode === 'active_backup') checkOneLanPerRouter(routers, directors, links, fail);
  const ingressIn = net.ingress === undefined ? [routers[0] as string] : typeof net.ingress === 'string' ? [net.ingress] : net.ingress;
  ingressIn.forEach((r, i) => {
    if (!seen.has(r)) fail(['network', 'ingress'], `unknown router "${r}"${typeof net.ingress === 'string' ? '' : ` (item ${i})`}`);
  });
  const ospf = resolveOspf(net.ospf, fail);
  if (net.maximum_paths > 256) fail(['network', 'maximum_paths'], `must be 1..256 (got ${net.maximum_paths})`);
  const bfd = net.bfd === false ? null : net.bfd === true ? { interval_us: 300_000, multiplier: 3 } : { interval_us: net.bfd.interval, multiplier: net.bfd.multiplier };
  const topology: NetworkTopology = {
    routers,
    ingress: ingressIn,
    links,
    hash_policy: net.hash_policy,
    maximum_paths: net.maximum_paths,
    ospf,
    bfd,
    implicit,
  };
  return { topology, lvs };
}

/** Checks the `lvs:` section (directors, weights, then VRRP) and resolves it to microseconds. */
function resolveLvs(lv: ParsedLvs, nginxInstances: number, fail: Fail, firstDirector: number): LvsConfig {
  const directors = Array.from({ length: lv.directors }, (_, i) => directorName(firstDirector + i));
  if (lv.mode === 'active_backup' && lv.directors % 2 !== 0) {
    fail(['lvs', 'directors'], `active_backup needs pairs (lvs1+lvs2, ...): an even number (got ${lv.directors})`);
  }
  if (lv.mode === 'active_active' && lv.forwarding === 'nat') {
    fail(['lvs', 'forwarding'], 'nat needs the replies to return through the director that rewrote them: use dr with active_active');
  }
  const weights = lv.weights ?? Array.from({ length: nginxInstances }, () => 1);
  if (weights.length !== nginxInstances) {
    fail(['lvs', 'weights'], `must have one weight per nginx instance: ${nginxInstances} instances, got ${weights.length}`);
  }
  weights.forEach((w, i) => {
    if (w > 65535) fail(['lvs', 'weights', i], `must be 0..65535 (ipvsadm's range; got ${w})`);
  });
  return {
    directors,
    mode: lv.mode,
    forwarding: lv.forwarding,
    scheduler: lv.scheduler,
    sh_port: lv.sh_port,
    sh_fallback: lv.sh_fallback,
    weights,
    latency_us: lv.latency,
    vip_cost: lv.vip_cost,
    sync: lv.sync,
    timeouts: { tcp_us: lv.timeouts.tcp, tcp_fin_us: lv.timeouts.tcp_fin },
    vrrp: resolveVrrp(lv.vrrp, fail),
    health_check: resolveHealthCheck(lv.health_check),
  };
}

function resolveVrrp(v: ParsedLvs['vrrp'], fail: Fail): LvsConfig['vrrp'] {
  if (v.version !== 2 && v.version !== 3) fail(['lvs', 'vrrp', 'version'], `must be 2 or 3 (got ${v.version})`);
  const version = v.version === 3 ? 3 : 2;
  if (v.priority.length !== 2) fail(['lvs', 'vrrp', 'priority'], `must list two priorities, for the first and second director of each pair (got ${v.priority.length})`);
  v.priority.forEach((p, i) => {
    if (p > 255) fail(['lvs', 'vrrp', 'priority', i], `must be 1..255 (got ${p})`);
  });
  return {
    version,
    advert_int_us: normalizeAdvertInt_us(v.advert_int, version),
    priority: [v.priority[0] ?? 150, v.priority[1] ?? 100],
    preempt: v.preempt,
    preempt_delay_us: v.preempt_delay,
  };
}

/** `true` is keepalived's TCP_CHECK with its defaults; HTTP_GET waits longer before a retry. */
function resolveHealthCheck(hc: ParsedLvs['health_check']): LvsConfig['health_check'] {
  if (hc === false) return null;
  if (hc === true) {
    return { type: 'TCP_CHECK', delay_loop_us: 60_000_000, connect_timeout_us: 5_000_000, retry: 1, delay_before_retry_us: 1_000_000 };
  }
  return {
    type: hc.type,
    delay_loop_us: hc.delay_loop,
    connect_timeout_us: hc.connect_timeout,
    retry: hc.retry,
    delay_before_retry_us: hc.delay_before_retry ?? (hc.type === 'HTTP_GET' ? 3_000_000 : 1_000_000),
  };
}

/** Checks the router names; returns them as a set. */
function resolveRouters(routers: readonly string[], reserved: ReadonlySet<string>, fail: Fail): Set<string> {
  const seen = new Set<string>();
  routers.forEach((r, i) => {
    if (!NODE_NAME_RE.test(r)) fail(['network', 'routers', i], 'must be letters, digits, _ or - (it names a node)');
    if (reserved.has(r)) fail(['network', 'routers', i], `"${r}" is already the name of another node`);
    if (seen.has(r)) fail(['network', 'routers', i], `"${r}" is listed twice`);
    seen.add(r);
  });
  return seen;
}

/** Without `network.routers`, one implicit router links to every director. */
function implicitLinks(directors: readonly string[]): NetLink[] {
  return directors.map((d) => ({ a: IMPLICIT_ROUTER, b: d, cost: 10, reverse_cost: 10, latency_us: 0, carrier: false }));
}

/** Checks `network.links` against the routers (`seen`) and directors; every director needs a link. */
function resolveLinks(linksIn: NonNullable<ParsedNetwork['links']>, seen: ReadonlySet<string>, directors: readonly string[], fail: Fail): NetLink[] {
  const isNode = (n: string) => seen.has(n) || directors.includes(n);
  const links: NetLink[] = [];
  const pairs = new Set<string>();
  linksIn.forEach((l, i) => {
    for (const end of ['a', 'b'] as const) {
      if (!isNode(l[end])) fail(['network', 'links', i, end], `unknown node "${l[end]}" (a router of network.routers or a director ${directors[0]}..${(directors[directors.length - 1] ?? '').replace(/^lvs/, '')})`);
    }
    if (l.a === l.b) fail(['network', 'links', i], `links ${l.a} to itself`);
    if (!seen.has(l.a) && !seen.has(l.b)) fail(['network', 'links', i], 'links two directors: one end must be a router');
    const key = [l.a, l.b].sort().join(' ');
    if (pairs.has(key)) fail(['network', 'links', i], `a second link between ${l.a} and ${l.b} (parallel links are not modelled)`);
    pairs.add(key);
    if (l.cost > 65535 || (l.reverse_cost ?? 1) > 65535) fail(['network', 'links', i, 'cost'], 'must be 1..65535');
    links.push({ a: l.a, b: l.b, cost: l.cost, reverse_cost: l.reverse_cost ?? l.cost, latency_us: l.latency, carrier: l.carrier });
  });
  directors.forEach((d) => {
    if (!links.some((l) => l.a === d || l.b === d)) fail(['network', 'links'], `director ${d} has no link to a router`);
  });
  return links;
}

/** active_backup: a router's links to a pair are its ports on that pair's LAN; one LAN per router. */
function checkOneLanPerRouter(routers: readonly string[], directors: readonly string[], links: readonly NetLink[], fail: Fail): void {
  for (const r of routers) {
    const pairsSeen = new Set<number>();
    for (const l of links) {
      const other = l.a === r ? l.b : l.b === r ? l.a : null;
      if (other === null || !directors.includes(other)) continue;
      pairsSeen.add(Math.floor(directors.indexOf(other) / 2));
    }
    if (pairsSeen.size > 1) fail(['network', 'links'], `router ${r} links to directors of two VRRP pairs; in active_backup a router sits on one pair's LAN`);
  }
}

function resolveOspf(o: ParsedNetwork['ospf'], fail: Fail): NetworkTopology['ospf'] {
  for (const k of ['spf_delay', 'spf_hold', 'spf_max_hold'] as const) {
    if (o[k] % 1000 !== 0) fail(['network', 'ospf', k], `must be whole milliseconds (FRR takes them in ms; got ${o[k]}us)`);
  }
  if (o.dead_interval <= o.hello_interval) fail(['network', 'ospf', 'dead_interval'], 'must be longer than hello_interval');
  return {
    hello_interval_us: o.hello_interval,
    dead_interval_us: o.dead_interval,
    spf_delay_us: o.spf_delay,
    spf_hold_us: o.spf_hold,
    spf_max_hold_us: o.spf_max_hold,
    lsa_min_interval_us: o.lsa_min_interval,
  };
}
