// A resolved Scenario back to YAML in the keys and units a user writes (`timeout: 30s`, `at: 1s`,
// `rate: 200k/s`), every default filled in: what `sim validate` prints and the report shows.
// `sim run` accepts the text as it is and resolves it to the same Scenario (lines and file aside).

import { Document, isMap, isSeq, visit } from 'yaml';
import type { LvsConfig, NetworkTopology } from './network-types.js';
import type { Expectation, Fault, HostsConfig, InventoryScript, RandomFaults, RandomKill, ReplicationConfig, Scenario, ServiceTime, Sites, UpstreamServer } from './types.js';
import { nginxName } from './topology.js';
import { APP_AFTER_SHARE, APP_LOCK_SHARE, CLIENT_SEND_SHARE } from './hosts-resolve.js';
import { formatDuration, parseRate_per_s } from './units.js';
import { unreachable } from '../engine/assert.js';

type Obj = Record<string, unknown>;

const d = formatDuration;

/** 200000 -> "200k/s": the shortest form that reads back to exactly the same rate. */
export function formatRate(perS: number): string {
  for (const [mag, k] of [['M', 1e6], ['k', 1e3]] as const) {
    if (perS >= k && Number.isInteger(perS / k)) {
      const text = `${perS / k}${mag}/s`;
      if (parseRate_per_s(text) === perS) return text;
    }
  }
  return `${perS}/s`;
}

function serviceTime(st: ServiceTime): Obj {
  switch (st.kind) {
    case 'const':
      return { const: d(st.value_us) };
    case 'exp':
      return { exp: d(st.mean_us) };
    case 'lognormal':
      return { lognormal: { median: d(st.median_us), p99: d(st.p99_us) } };
    default:
      return unreachable(st);
  }
}

function script(s: InventoryScript): unknown {
  switch (s.kind) {
    case 'source':
    case 'fixed':
    case 'file':
      return s.origin; // a file path as written, relative to the scenario file
    case 'inline':
      return { lua: s.lua };
    default:
      return unreachable(s.kind);
  }
}

function users(u: Scenario['users']): Obj {
  const l = u.load;
  const load =
    l.kind === 'open'
      ? { open: { users: l.users, rate: formatRate(l.rate_per_s), shape: l.shape } }
      : { closed: { concurrency: l.concurrency, requests: l.requests, think_time: d(l.think_time_us) } };
  return { load, client_ips: u.client_ips, timeout: d(u.timeout_us), retries: u.retries, retry_backoff: d(u.retry_backoff_us), method: u.method };
}

function network(n: Scenario['network']): Obj {
  const t: NetworkTopology | undefined = n.topology;
  if (!t) return { latency: d(n.latency_us) };
  return { latency: d(n.latency_us), ...routedKeys(t) };
}

/** The keys of `network:` besides latency (a site's `network:` has only these). */
function routedKeys(t: NetworkTopology): Obj {
  // an implicit topology (lvs: without routers) is rebuilt by the loader, so it is not written out
  const routed = t.implicit
    ? {}
    : {
        routers: t.routers,
        ingress: t.ingress,
        links: t.links.map((l) => ({ a: l.a, b: l.b, cost: l.cost, reverse_cost: l.reverse_cost, latency: d(l.latency_us), carrier: l.carrier })),
      };
  const o = t.ospf;
  return {
    ...routed,
    hash_policy: t.hash_policy,
    maximum_paths: t.maximum_paths,
    ospf: {
      hello_interval: d(o.hello_interval_us),
      dead_interval: d(o.dead_interval_us),
      spf_delay: d(o.spf_delay_us),
      spf_hold: d(o.spf_hold_us),
      spf_max_hold: d(o.spf_max_hold_us),
      lsa_min_interval: d(o.lsa_min_interval_us),
    },
    bfd: t.bfd === null ? false : { interval: d(t.bfd.interval_us), multiplier: t.bfd.multiplier },
  };
}

function lvs(l: LvsConfig): Obj {
  const hc = l.health_check;
  return {
    directors: l.directors.length,
    mode: l.mode,
    forwarding: l.forwarding,
    scheduler: l.scheduler,
    sh_port: l.sh_port,
    sh_fallback: l.sh_fallback,
    weights: l.weights,
    latency: d(l.latency_us),
    vip_cost: l.vip_cost,
    sync: l.sync,
    timeouts: { tcp: d(l.timeouts.tcp_us), tcp_fin: d(l.timeouts.tcp_fin_us) },
    vrrp: {
      version: l.vrrp.version,
      advert_int: d(l.vrrp.advert_int_us),
      priority: l.vrrp.priority,
      preempt: l.vrrp.preempt,
      preempt_delay: d(l.vrrp.preempt_delay_us),
    },
    health_check:
      hc === null
        ? false
        : { type: hc.type, delay_loop: d(hc.delay_loop_us), connect_timeout: d(hc.connect_timeout_us), retry: hc.retry, delay_before_retry: d(hc.delay_before_retry_us) },
  };
}

// A server's max_fails and fail_timeout are written only where they differ from the upstream's.
function server(s: UpstreamServer, up: Scenario['nginx']['upstream']): Obj {
  return {
    name: s.name,
    weight: s.weight,
    ...(s.max_fails !== up.max_fails ? { max_fails: s.max_fails } : {}),
    ...(s.fail_timeout_us !== up.fail_timeout_us ? { fail_timeout: d(s.fail_timeout_us) } : {}),
    ...(s.backup ? { backup: true } : {}),
    ...(s.down ? { down: true } : {}),
  };
}

function nginx(n: Scenario['nginx']): Obj {
  const up = n.upstream;
  return {
    instances: n.instances,
    workers: n.workers,
    proxy_latency: d(n.proxy_latency_us),
    proxy_connect_timeout: d(n.proxy_connect_timeout_us),
    proxy_read_timeout: d(n.proxy_read_timeout_us),
    upstream: {
      balance: up.balance,
      max_fails: up.max_fails,
      fail_timeout: d(up.fail_timeout_us),
      next_upstream: up.next_upstream,
      next_upstream_tries: up.next_upstream_tries,
      next_upstream_timeout: d(up.next_upstream_timeout_us),
      servers: up.servers.map((s) => server(s, up)),
    },
  };
}

function fixedFault(f: Fault): Obj {
  const at = d(f.at_us);
  const lasting = f.for_us > 0 ? { for: d(f.for_us) } : {};
  switch (f.action) {
    case 'kill':
    case 'recover':
    case 'restart':
    case 'down':
    case 'up':
    case 'stop':
      return { at, [f.action]: f.target, ...lasting };
    case 'slow':
      return { at, slow: f.target, factor: f.factor, ...lasting };
    case 'drop':
      return { at, drop: f.target, fraction: f.fraction, ...lasting };
    case 'partition':
      return { at, partition: f.nodes, ...lasting };
    default:
      return unreachable(f);
  }
}

function randomFault(r: RandomFaults): Obj {
  return { random: r.action, nodes: r.nodes, mtbf: d(r.mtbf_us), mttr: d(r.mttr_us), factor: r.factor, from: d(r.from_us), until: d(r.until_us) };
}

function randomKill(r: RandomKill): Obj {
  return { random_kill: { count: r.count, among: r.among, between: [d(r.from_us), d(r.until_us)] } };
}

/** Every kind of fault in one list, in the order the file wrote them (set on the command line: last). */
function faults(s: Scenario): Obj[] {
  const all: { line: number; o: Obj }[] = [
    ...s.faults.map((f) => ({ line: f.line, o: fixedFault(f) })),
    ...s.random_faults.map((r) => ({ line: r.line, o: randomFault(r) })),
    ...s.random_kills.map((r) => ({ line: r.line, o: randomKill(r) })),
  ];
  const rank = (line: number): number => (line > 0 ? line : Number.MAX_SAFE_INTEGER);
  // a stable sort: entries of one line keep their order
  return all.sort((a, b) => rank(a.line) - rank(b.line)).map((x) => x.o);
}

function expectValue(e: Expectation): string | number {
  if (e.op === 'eq' && String(Number(e.raw)) === e.raw) return Number(e.raw);
  return e.raw;
}

/** `sites`, `site_link`, `gslb`: the data centres as written (redis.site goes with redis). */
function sitesKeys(x: Sites): Obj {
  return {
    sites: x.list.map((site) => ({
      name: site.name,
      weight: site.weight,
      nginx: site.nginx,
      servers: site.servers,
      ...(site.front ? { network: routedKeys(site.front.topology), lvs: lvs(site.front.lvs) } : {}),
    })),
    site_link: { latency: d(x.link_latency_us) },
    gslb: { ttl: d(x.gslb.ttl_us), interval: d(x.gslb.interval_us), fall: x.gslb.fall, rise: x.gslb.rise },
  };
}

/** `hosts`, `place`, `cpu`: threads are written only for a kind whose processes differ from its default. */
function hostsKeys(h: HostsConfig, s: Scenario): Obj {
  const cores = new Map(h.hosts.map((x) => [x.name, x.cores]));
  const place: Record<string, string[]> = {};
  for (const p of h.processes) (place[p.host] ??= []).push(p.name);
  const nginxNames = new Set(Array.from({ length: s.nginx.instances }, (_, i) => nginxName(i)));
  const kindOf = (name: string): 'users' | 'nginx' | 'app' | 'redis' => (name === 'users' || name === 'redis' ? name : nginxNames.has(name) ? 'nginx' : 'app');
  const threads: Record<string, number> = {};
  for (const p of h.processes) {
    const kind = kindOf(p.name);
    const def = { users: 1, nginx: s.nginx.workers, app: cores.get(p.host) ?? 1, redis: 1 }[kind];
    if (p.threads !== def) threads[kind] = p.threads;
  }
  const app = h.cpu.app_us.every((v) => v === h.cpu.app_us[0]) ? d(h.cpu.app_us[0] ?? 0) : h.cpu.app_us.map(d);
  return {
    hosts: Object.fromEntries(h.hosts.map((x) => [x.name, { cores: x.cores, slice: d(x.slice_us) }])),
    place,
    cpu: {
      users: d(h.cpu.users_us),
      nginx: d(h.cpu.nginx_us),
      app,
      redis: d(h.cpu.redis_us),
      redis_client: d(h.cpu.redis_client_us),
      ...(Object.keys(threads).length > 0 ? { threads } : {}),
      ...cpuExtraKeys(h.cpu),
    },
  };
}

/** `cpu.wake` when any process pays for waking, `cpu.split` when it is not the default, `cpu.gc` when the app collects. */
function cpuExtraKeys(cpu: HostsConfig['cpu']): Obj {
  const w = cpu.wake_us;
  const sp = cpu.split;
  const defaultSplit = sp.app_lock === APP_LOCK_SHARE && sp.app_after === APP_AFTER_SHARE && sp.redis_client_send === CLIENT_SEND_SHARE;
  return {
    ...(w.users > 0 || w.nginx > 0 || w.app > 0 || w.redis > 0 ? { wake: { users: d(w.users), nginx: d(w.nginx), app: d(w.app), redis: d(w.redis) } } : {}),
    ...(defaultSplit ? {} : { split: { app_lock: sp.app_lock, app_after: sp.app_after, redis_client_send: sp.redis_client_send } }),
    ...(cpu.gc.every > 0 ? { gc: { every: cpu.gc.every, pause: d(cpu.gc.pause_us) } } : {}),
  };
}

/** redis.replicas and what goes with them: the min-replicas guard, Sentinel, WAIT. */
function replicationKeys(r: ReplicationConfig): Obj {
  const st = r.sentinel;
  return {
    replicas: r.replicas.map((x) => ({ name: x.name, link_latency: d(x.link_latency_us), priority: x.priority, ...(x.site !== undefined ? { site: x.site } : {}) })),
    min_replicas_to_write: r.min_replicas_to_write,
    min_replicas_max_lag: r.min_replicas_max_lag_s,
    ...(st ? { sentinel: { sentinels: st.sentinels, quorum: st.quorum, down_after: d(st.down_after_us), failover_timeout: d(st.failover_timeout_us), parallel_syncs: st.parallel_syncs, ...(st.sites ? { sites: st.sites } : {}) } } : {}),
    ...(r.wait ? { wait: { numreplicas: r.wait.numreplicas, timeout: d(r.wait.timeout_us) } } : {}),
  };
}

/** The resolved scenario as a plain object in user keys and units. */
export function scenarioToUser(s: Scenario): Obj {
  return {
    name: s.name,
    ...(s.description ? { description: s.description } : {}),
    seed: s.seed,
    tickets: { inventory: s.tickets.inventory, script: script(s.tickets.script), ...(s.sites?.inventory_split ? { split: 'per_site' } : {}) },
    users: users(s.users),
    network: network(s.network),
    ...(s.lvs ? { lvs: lvs(s.lvs) } : {}),
    nginx: nginx(s.nginx),
    app: {
      local_stock: s.app.local_stock,
      local_check: s.app.local_check,
      concurrency: s.app.concurrency,
      local_rollback: s.app.local_rollback,
      redis_connect_timeout: d(s.app.redis_connect_timeout_us),
      redis_read_timeout: d(s.app.redis_read_timeout_us),
      service_time: serviceTime(s.app.service_time),
    },
    redis: {
      latency: d(s.redis.latency_us),
      service_time: serviceTime(s.redis.service_time),
      appendonly: s.redis.appendonly,
      appendfsync: s.redis.appendfsync,
      save: s.redis.save.map(([sec, changes]) => `${sec} ${changes}`).join(' '),
      lua_max_instructions: s.redis.lua_max_instructions,
      ...(s.sites && !s.sites.inventory_split ? { site: s.sites.redis_site } : {}),
      ...(s.redis.replication ? replicationKeys(s.redis.replication) : {}),
    },
    ...(s.sites ? sitesKeys(s.sites) : {}),
    ...(s.hosts ? hostsKeys(s.hosts, s) : {}),
    faults: faults(s),
    expect: Object.fromEntries(s.expect.map((e) => [e.path, expectValue(e)])),
    report: { bin: d(s.report.bin_us) },
  };
}

// Flow style ({ a: 1 } and [1, 2]) for small maps of scalars and for lists of scalars: a server or
// a fault stays on one line, as the shipped scenarios write them.
function isScalarish(n: unknown): boolean {
  if (isSeq(n)) return n.items.every((i) => !isMap(i) && !isSeq(i));
  return !isMap(n);
}

function flowSmall(doc: Document): void {
  visit(doc, {
    Seq(_, seq) {
      if (seq.items.length > 0 && isScalarish(seq)) seq.flow = true;
    },
    Map(_, map, path) {
      const inList = isSeq(path[path.length - 1]);
      const leafy = map.items.every((p) => isScalarish(p.value) || (isMap(p.value) && p.value.items.every((q) => isScalarish(q.value))));
      if (path.length > 3 && leafy && (inList || map.items.length <= 6)) map.flow = true;
    },
  });
}

/**
 * The resolved scenario as YAML that `sim run` accepts; `header` comment lines go on top.
 * Same scenario, same bytes.
 */
export function scenarioToUserYaml(s: Scenario, header: readonly string[] = []): string {
  const doc = new Document(scenarioToUser(s));
  flowSmall(doc);
  if (header.length > 0) doc.commentBefore = header.map((l) => ` ${l}`).join('\n');
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}

/** scenario.yaml of a report: the scenario as run (overrides applied), with no path of this machine. */
export function scenarioAsRunYaml(s: Scenario): string {
  const header = [`The scenario "${s.name}" as run (seed ${s.seed}), every default filled in: sim run takes this file as it is.`];
  if (s.tickets.script.kind === 'file') header.push(`tickets.script ${s.tickets.script.origin} is relative to the original scenario file.`);
  return scenarioToUserYaml(s, header);
}
