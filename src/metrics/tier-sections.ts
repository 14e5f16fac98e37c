// What each tier's summary builder (in the model, next to the tier's counters) hands to
// summarize(): its sections of summary.json as plain data, plus the few totals of that tier that
// the run-level sections (tickets, invariants) need but no tier section shows.
import type { ReplicationRow, ServerRow, SiteRow } from './report-input.js';
import type {
  AppServerSummary,
  HostSummary,
  DirectorSummary,
  LvsSummary,
  NetworkSummary,
  NginxFrontFields,
  NginxSummary,
  RedisSummary,
  ReplicationSummary,
  RouterSummary,
  GslbSummary,
  SiteSummary,
} from './summary.js';

/** The data centres and the GSLB: tiers.site, the gslb section and sites.csv. */
export type SiteSections = {
  site: Record<string, SiteSummary>;
  gslb: GslbSummary;
  rows: SiteRow[];
};

/** What tickets and invariants need from the app servers. */
export type AppStockTotals = {
  strandedLocal: number; // local stock left on the servers that are dead at the end
  liveLocalLeft: number; // local stock the servers alive at the end could still sell
  burnedLocal: number; // local deductions spent on failed Redis calls
  strandedAtKills: number; // local stock lost with killed processes, summed over kills
  redisOk: number; // sales the apps confirmed
  redisOkLost: number; // grants that reached an app that no longer waited for them
};

export type AppSections = {
  servers: Record<string, AppServerSummary>; // tiers.app
  rows: ServerRow[]; // servers.csv
  stock: AppStockTotals;
  load: NodeLoad; // nodes.csv
};

export type RedisSections = {
  redis: RedisSummary; // tiers.redis
  ticketHash: { sold: number; total: number }; // HGET of the ticket hash at the end (NaN if gone)
  grantRepliesLost: number; // granted tickets whose reply TCP never delivered to the app
  load: NodeLoad; // nodes.csv
  replication?: { summary: ReplicationSummary; rows: ReplicationRow[] }; // with replicas
};

/** The network in front: routers, LVS directors, and what they saw of the nginx instances. */
export type FrontSections = {
  network: NetworkSummary;
  lvs: LvsSummary;
  routers: Record<string, RouterSummary>; // tiers.router
  directors: Record<string, DirectorSummary>; // tiers.lvs
  nginx: Record<string, NginxFrontFields>; // merged into tiers.nginx by the nginx builder
  load: NodeLoad; // the directors' part of nodes.csv
};

/** One tier's load over time, per node and bin, as its service stations integrated it. */
export type LoadSeries = {
  readonly nodes: number;
  readonly bin_us: number;
  readonly used: number; // bins written
  readonly busy_us: Float64Array; // [bin * nodes + node]: server-microseconds busy
  readonly queue_us: Float64Array; // [bin * nodes + node]: job-microseconds waiting (or held, for nginx)
  readonly done: Float64Array; // [bin * nodes + node]: jobs done
};
export type NodeLoad = {
  tier: string;
  names: readonly string[]; // node names, in the series' node order
  servers: number; // servers per node (the app's concurrency; 1 for Redis's thread)
  series: LoadSeries;
};

export type TierSections = {
  app: AppSections;
  nginx: Record<string, NginxSummary>;
  redis: RedisSections;
  front?: FrontSections; // with an LVS tier and a routed network only
  nginxLoad: NodeLoad; // nodes.csv; the other tiers' loads are in their sections
  hosts?: HostsSections; // with `hosts:` only
  sites?: SiteSections; // with sites only
};

/** The hosts' CPUs: summary.json's `hosts` and one load per host (nodes.csv, tier "host"). */
export type HostsSections = {
  hosts: Record<string, HostSummary>;
  loads: NodeLoad[]; // servers = the host's cores; busy = core-µs, queue = runnable pieces waiting for a core
};
