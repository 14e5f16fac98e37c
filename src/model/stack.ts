// Wires the article's stack on one engine: users -> nginx -> app servers -> Redis, plus faults.
// Each component owns its state and its event kinds; they meet only through small interfaces.
import { Engine } from '../engine/engine.js';
import { RngStreams } from '../engine/rng.js';
import { Ledger } from '../metrics/ledger.js';
import { Metrics } from '../metrics/metrics.js';
import { summarize } from '../metrics/summarize.js';
import type { TierSections } from '../metrics/tier-sections.js';
import type { Tracer } from '../metrics/trace.js';
import type { ReportInput } from '../metrics/report-input.js';
import type { Scenario } from '../scenario/types.js';
import { AppTier } from './app/app.js';
import { AppCounters } from './app/counters.js';
import { appSections } from './app/summary.js';
import { Connectivity } from './shared/connectivity.js';
import { FaultInjector, faultSchedule } from './faults/injector.js';
import { nginxName, REDIS_NODE, Topology } from '../scenario/topology.js';
import { TICKET_SOLD_FIELD, TICKET_TOTAL_FIELD } from '../scenario/inventory-scripts.js';
import { type LvsFrontSlice, LvsTier } from './front/lvs.js';
import { frontSections } from './front/summary.js';
import { NginxCounters } from './nginx/counters.js';
import { NginxTier } from './nginx/nginx.js';
import { nginxLoad, nginxSection } from './nginx/summary.js';
import { RedisCounters } from './redis/counters.js';
import { RedisTier } from './redis/redis.js';
import { type RedisEnd, redisSections, replicationSection } from './redis/summary.js';
import type { RedisSections } from '../metrics/tier-sections.js';
import { RequestTable } from './client/requests.js';
import { TraceHook } from './shared/trace-hook.js';
import { patience_us, Users, usersIn } from './client/users.js';
import { appCpuSplit, Hosts, hostsSections, NGINX_SPLIT } from './host/hosts.js';
import { USERS_PROCESS } from '../scenario/hosts-resolve.js';
import { buildSites, type SiteParts, sitesReport, startSites } from './sites/wire.js';
import { hasSiteFronts } from './sites/fronts.js';

export type RunHooks = {
  tracer?: Tracer; // one row per request hop
  onProgress?: (now_us: number, usersArrived: number, usersTotal: number) => void;
  // Shortcuts that save events without changing the summary; tests turn them off to show that.
  fastPaths?: { answers?: boolean; directors?: boolean; replies?: boolean };
};

export type RunOutput = { report: ReportInput; events: number };

export function runScenario(s: Scenario, hooks: RunHooks = {}): RunOutput {
  const engine = new Engine();
  // the wires' fixed latencies: their events need no heap
  if (!s.lvs && !hasSiteFronts(s.sites)) engine.declareFixedDelay(s.network.latency_us); // with LVS the front end declares its own
  engine.declareFixedDelay(s.nginx.proxy_latency_us);
  engine.declareFixedDelay(s.redis.latency_us);
  if (s.sites) engine.declareFixedDelay(s.redis.latency_us + s.sites.link_latency_us);
  const rngs = new RngStreams(s.seed);
  const servers = s.nginx.upstream.servers.length;
  const metrics = new Metrics(s.report.bin_us);
  const appCounters = new AppCounters(servers, s.report.bin_us);
  const nginxCounters = new NginxCounters(s.nginx.instances, s.nginx.workers, s.report.bin_us);
  const redisCounters = new RedisCounters(s.report.bin_us, s.sites?.inventory_split?.length ?? 1 + (s.redis.replication?.replicas.length ?? 0));
  const requests = new RequestTable(servers);
  const usersTotal = usersIn(s.users.load);
  const ledger = new Ledger(usersTotal);
  const clientIp = new Uint32Array(usersTotal); // drawn by the users, hashed on by nginx and LVS
  const topology = Topology.of(s);
  const net = new Connectivity(engine, topology, rngs);

  // Built bottom-up, each tier given the one below it; the reply paths are bound after.
  const redis = new RedisTier(engine, s.redis, s.tickets, metrics, redisCounters, ledger, net, rngs, s.sites);
  net.onGiveUp = (kind, entity) => redis.messageLost(kind, entity);
  const app = new AppTier(engine, s.app, requests, appCounters, net, redis, rngs);
  const workerRngs = topology.nginx.map((n) => rngs.stream(`nginx:${n.name}`));
  const nginx = new NginxTier(engine, s.nginx, s.users.method, s.network.latency_us, requests, nginxCounters, app, clientIp, workerRngs, (k) => topology.upstreamOf(k));
  // the network in front: routers, LVS directors, keepalived; absent, users reach nginx directly
  const lvs = s.lvs && s.network.topology ? new LvsTier(engine, s.lvs, s.network.topology, frontSlice(s), requests, nginx, rngs) : null;
  // with sites, the GSLB sends each user to a site, and the site to one of its nginx instances (or its own front)
  const sites = s.sites ? buildSites(engine, s.sites, s.report.bin_us, topology, requests, clientIp, nginx, { app, redis }, rngs, { slice: frontSlice(s), decideAtSend: hooks.fastPaths?.directors ?? true }) : null;
  const front = lvs ?? sites?.tier ?? nginx;
  const users = new Users(engine, s.users, s.network.latency_us, requests, metrics, ledger, front, clientIp, rngs.stream('users'), rngs.stream('users:retry'));
  redis.connect(app);
  app.connect(nginx);
  nginx.connect(lvs ?? sites?.tier ?? users);
  lvs?.connect(users);
  sites?.tier.connect(users);
  const schedule = faultSchedule(s.faults, s.random_faults, s.random_kills, rngs.stream('faults'));
  lvs?.noteFaultTimes(schedule);
  nginx.noteFaultTimes(schedule);
  const faults = new FaultInjector(engine, topology, schedule, metrics, {
    app,
    redis,
    proxyLink: net.proxyLinkFaults,
    redisLink: net.redisLinkFaults,
    partition: net.partitionFaults,
    front: lvs?.faultHandlers() ?? sites?.fronts?.faultHandlers() ?? null,
    site: sites?.tier ?? null,
    siteLink: net.siteLinkFaults,
    ...(redis.repl ? { replica: redis.replicaFaults, replicationLink: redis.linkFaults } : {}),
  });

  if (hooks.tracer) {
    const hook = new TraceHook(engine, requests, users.ip, hooks.tracer);
    users.trace = hook;
    nginx.trace = hook;
    app.trace = hook;
    redis.trace = hook;
    for (const f of [lvs, sites?.fronts]) if (f) f.trace = hook; // the one-site front, or the sites' own
  }
  const hosts = s.hosts ? placeOnHosts(engine, s, { users, nginx, app, redis }) : null;
  useFastPaths(s, hooks, { users, nginx, lvs });
  users.start();
  faults.start();
  if (sites) startSites(sites, engine, users, patience_us(s.users), schedule);
  const onProgress = hooks.onProgress;
  engine.run({
    onProgress: onProgress ? (now) => onProgress(now, users.arrived, users.total) : undefined,
    progressEvery: 1 << 16,
  });
  users.closeUnanswered();
  // the run ends with its last event, or with the last answer taken ahead of its arrival
  const end_us = Math.max(engine.now_us, metrics.lastResponse_us);

  const tiers = tierSections(s, { app, nginx, redis, lvs, sites }, end_us, metrics.duration_us(), users.final);
  if (s.hosts && hosts) tiers.hosts = hostsSections(s.hosts, hosts, end_us, metrics.duration_us());
  const end = { events: engine.events, fingerprint: engine.fingerprint, usersTotal, usersFinal: users.final, usersRequests: users.requestsSent };
  const report = summarize(s, metrics, ledger, end, tiers);
  return { report, events: engine.events };
}

/** The shortcuts that save events without changing the run (each tier says when it may take them). */
function useFastPaths(s: Scenario, hooks: RunHooks, t: { users: Users; nginx: NginxTier; lvs: LvsTier | null }): void {
  t.users.answerFastPath = hooks.fastPaths?.answers ?? true;
  if (t.lvs) t.lvs.decideAtSend = hooks.fastPaths?.directors ?? true;
  // nginx takes answers ahead only into an order-free reply path: not through sites, nor an LVS
  // whose scheduler counts connections (lc, wlc: the close would come early)
  const countsConns = s.lvs?.scheduler === 'lc' || s.lvs?.scheduler === 'wlc';
  t.nginx.answersAhead = (hooks.fastPaths?.replies ?? true) && !hooks.tracer && !s.sites && !countsConns;
}

/** `hosts:`: each placed process's work runs on its host's cores, split where it really happens (host/hosts.ts). */
function placeOnHosts(engine: Engine, s: Scenario, t: { users: Users; nginx: NginxTier; app: AppTier; redis: RedisTier }): Hosts | null {
  if (!s.hosts) return null;
  const hosts = new Hosts(engine, s.hosts, s.report.bin_us);
  const cost = s.hosts.cpu;
  const users = hosts.proc(USERS_PROCESS);
  if (users) t.users.useCpu(users, cost.users_us);
  const ngx = Array.from({ length: s.nginx.instances }, (_, k) => hosts.proc(nginxName(k)));
  if (ngx.some((c) => c !== null)) t.nginx.useCpu(ngx, cost.nginx_us * NGINX_SPLIT.in, cost.nginx_us * NGINX_SPLIT.out);
  const apps = t.app.names.map((n) => hosts.proc(n));
  if (apps.some((c) => c !== null)) {
    const client = cost.redis_client_us;
    const sp = appCpuSplit(cost.split);
    t.app.useCpu(apps, {
      before_us: cost.app_us.map((c) => c * sp.before),
      lock_us: cost.app_us.map((c) => c * sp.lock),
      after_us: cost.app_us.map((c) => c * sp.after),
      send_us: client * sp.send,
      reply_us: client * sp.reply,
      gc_every: cost.gc.every,
      gc_us: cost.gc.pause_us,
    });
  }
  const redis = hosts.proc(REDIS_NODE);
  if (redis) t.redis.useCpu(redis, cost.redis_us);
  return hosts;
}

/** What the LVS tier takes from the rest of the scenario. */
function frontSlice(s: Scenario): LvsFrontSlice {
  return { nginxInstances: s.nginx.instances, clientLatency_us: s.network.latency_us, patience_us: patience_us(s.users), bin_us: s.report.bin_us };
}

/** tiers.redis, and with replicas the replication section. */
function redisTierSections(s: Scenario, redis: RedisTier, end: RedisEnd, end_us: number, duration_us: number): RedisSections {
  const r = redis.repl;
  if (r === null) return redisSections(redis.counters, end, duration_us);
  const sections = redisSections(redis.counters, end, duration_us, r.names);
  const final = redis.sentinels?.master ?? 0;
  const c = redis.counters;
  const t = { granted: redis.granted, inventory: s.tickets.inventory, hashSold: end.ticketHash.sold, waitShort: c.waitShort, readOnly: c.readOnly, minority: redis.minorityWrites(final) };
  return { ...sections, replication: replicationSection(r, final, t, end_us) };
}

/** Each tier's sections of summary.json, built by the tier from its counters and its end state. */
type Tiers = { app: AppTier; nginx: NginxTier; redis: RedisTier; lvs: LvsTier | null; sites: SiteParts | null };

function tierSections(s: Scenario, t: Tiers, end_us: number, duration_us: number, usersFinal: Uint8Array): TierSections {
  const { app, redis } = t;
  const siteFronts = t.sites?.fronts?.finish(end_us) ?? null;
  const front = t.lvs ? frontSections(s, t.lvs.finish(end_us), end_us) : siteFronts?.merged;
  const appEnd = { alive: app.alive, remainingLocal: app.names.map((_, i) => app.remainingLocal(i)) };
  const redisEnd = {
    ticketHash: { sold: redis.ticketField(TICKET_SOLD_FIELD), total: redis.ticketField(TICKET_TOTAL_FIELD) },
    keyspace: redis.keyspace.snapshot(),
  };
  return {
    app: appSections(s, app.counters, appEnd, duration_us),
    nginx: nginxSection(s, t.nginx.counters, front?.nginx),
    nginxLoad: nginxLoad(s, t.nginx.counters),
    redis: redisTierSections(s, redis, redisEnd, end_us, duration_us),
    front,
    ...(t.sites && s.sites ? { sites: sitesReport(s.sites, t.sites, app.names, app.counters, usersFinal, end_us, redis.siteSold(), siteFronts?.perSite) } : {}),
  };
}
