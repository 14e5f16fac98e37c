import type { Summary } from './summary.js';

// Everything the report writer needs; produced by metrics at the end of a run. It lives in metrics,
// not report/, so that metrics and the model depend on no output format.

export type TimeseriesRow = {
  t_ms: number; // start of the bin
  arrivals: number; // requests sent by users in this bin
  ok: number; // responses in this bin, by outcome
  sold_out: number;
  errors: number;
  timeouts: number;
  sold_total: number; // tickets sold by Redis so far (cumulative, end of bin)
  latency_mean_ms: number; // mean latency of responses in this bin (0 if none)
  timeouts_by_send: number; // requests sent in this bin that timed out (whenever that was)
  errors_by_send: number; // requests sent in this bin that ended in an error
};

export type ServerRow = {
  tier: string; // 'app' | 'nginx' | 'redis' | ...
  node: string;
  requests: number;
  weight: number;
  share: number;
  expected_share: number;
  local_stock: number;
  local_sold: number;
  redis_ok: number;
  sold_out: number;
  lost: number;
  utilization: number;
};

/** nodes.csv: one node in one time bin. */
export type NodeRow = {
  t_ms: number; // start of the bin
  node: string;
  tier: string;
  busy: number; // fraction of the node's servers busy over the bin (0 for nginx and directors: no service time)
  queue: number; // mean jobs waiting over the bin (nginx: requests held until answered)
  done: number; // jobs done in the bin (nginx, directors: requests accepted)
};

/** sites.csv: one site in one time bin. */
export type SiteRow = {
  t_ms: number; // start of the bin
  site: string;
  requests: number; // requests users sent to the site in the bin
  lost: number; // of those and of the answers in the bin, lost to the site being dark
  alive: number; // 1 if the site is up at the end of the bin
  in_dns: number; // 1 if the GSLB hands it out at the end of the bin
  cached: number; // users whose cached DNS answer names the site at the end of the bin (TTL not yet run out)
};

/** replication.csv: one instance's replication lag in one time bin (runs with replicas only). */
export type ReplicationRow = {
  t_ms: number; // start of the bin
  node: string;
  lag_writes: number; // writes its master had that it had not applied yet, the most in the bin
};

export type LatencyBucket = { lo_ms: number; hi_ms: number; count: number };

export type ReportInput = {
  summary: Summary;
  timeseries: TimeseriesRow[];
  bin_ms: number;
  servers: ServerRow[];
  nodes: NodeRow[];
  latency: LatencyBucket[]; // answered requests (latency_ms)
  latency_ok?: LatencyBucket[]; // OK requests (latency_ok_ms)
  latency_all?: LatencyBucket[]; // every request, failures at their time to failure (latency_all_ms)
  scenario_yaml?: string; // the scenario as run, in the keys a user writes (scenario.yaml)
  sites?: SiteRow[]; // with sites: sites.csv
  replication?: ReplicationRow[]; // with replicas only
};
