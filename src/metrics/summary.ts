// The shape of summary.json: the public contract. Add fields, never rename. Each tier's section
// is built by that tier in the model; its type lives here, with the rest of the contract.

export type AppServerSummary = {
  requests: number; // requests that reached this server (including retries sent to it)
  weight: number;
  share: number; // requests / all app requests
  expected_share: number; // weight / total weight of the non-backup, non-down servers
  local_stock: number;
  local_sold: number; // local deductions that succeeded
  redis_ok: number; // sales confirmed by Redis
  redis_refused: number; // local success, Redis script returned 0
  redis_errors: number; // local success, Redis call failed
  sold_out: number; // answered "sold out" (local or remote refusal, or Redis error)
  lost: number; // requests lost when the server died
  burned_local: number; // local deductions spent on failed Redis calls
  rolled_back: number; // local deductions given back (local_rollback)
  utilization: number; // busy time / run time
  alive_at_end: boolean;
};

export type NginxSummary = {
  requests: number;
  retries: number;
  bad_gateway: number;
  gateway_timeout: number;
  per_worker: number[];
  // with an LVS tier in front, which counts them
  lost?: number; // requests sent to, or held by, a dead instance
  alive_at_end?: boolean;
};

/** The fields of an nginx instance that the LVS tier in front counts. */
export type NginxFrontFields = { lost: number; alive_at_end: boolean };

export type RedisSummary = {
  commands: number;
  script_ok: number;
  script_refused: number;
  script_errors: number; // script calls that failed (error reply): the app answered "sold out"
  script_stopped: number; // of those, calls the model stopped: redis.lua_max_instructions or the memory cap
  first_script_error: string | null; // the first failed call's error reply
  first_script_error_count: number; // calls that failed with that same reply
  first_script_error_ms: number | null;
  lost: number;
  utilization: number;
  max_queue: number;
  writes_lost: number; // writes a crash took with it
  keyspace: Record<string, Record<string, string> | string>;
};

export type RouterSummary = {
  requests: number; // packets to the VIP it forwarded
  blackholed: number; // packets it sent into a dead link or that reached it while dead
  no_route: number;
  spf_runs: number;
  route_changes: number;
  alive_at_end: boolean;
  vip_route: string; // its VIP route at the end: "vip via edge1, edge2", "vip connected", ...
};

export type DirectorSummary = {
  requests: number; // requests it scheduled
  connections_lost: number; // open connections its table took with it (not synced to the peer)
  lost_on_failover: number; // requests (or NAT replies) it dropped: it no longer held the VIP
  blackholed: number; // requests routed to it while it was dead (active_active)
  no_dest: number; // refused: no real server left
  real_servers_removed: number; // by its health checks
  state_at_end: string; // MASTER | BACKUP | ACTIVE | STOPPED | DOWN
  alive_at_end: boolean;
  vip_held_ms: number; // active_backup: time it held its pair's VIP
  per_nginx: Record<string, number>; // connections scheduled to each nginx instance
};

export type NetworkSummary = {
  routers: number;
  links: number;
  hash_policy: string;
  blackholed: number; // lost in the routed network: dead link or router still in a route, loops
  no_route: number;
  looped: number;
  lost: number; // every request lost in front of the app servers (network, directors, dead nginx)
  reconvergence: { at_ms: number; action: string; target: string; detected_ms: number | null; converged_ms: number | null; window_ms: number | null; lost: number }[];
  lost_by_bin: { t_ms: number; lost: number }[];
  timeline: { at_ms: number; node: string; event: string; detail: string }[];
};

export type LvsSummary = {
  mode: string;
  forwarding: string;
  scheduler: string;
  directors: number;
  lost_on_failover: number;
  blackholed: number;
  no_dest: number;
  connections_lost: number;
  nginx_lost: number; // requests sent to or held by a dead nginx instance
  vip_holders: { pair: number; director: string; from_ms: number; to_ms: number }[];
};

/** The node that limited the run, by the utilisation law and Little's law (metrics/bottleneck.ts). */
/** One host of `hosts:`: its cores, the processes placed on it, and how busy its cores were. */
export type HostSummary = {
  cores: number;
  slice_ms: number; // the scheduler's time slice; 0 = processor sharing
  processes: string[];
  cpu_ms: number; // core-milliseconds used over the run
  utilization: number; // cpu_ms / (duration x cores)
  wakeups?: Record<string, number>; // with a `cpu.wake` cost: how often each process woke from idle
};

export type Bottleneck = {
  node: string;
  tier: string;
  saturated: boolean; // at least 90 % busy for a bin; false: no node was, this is the busiest
  busy_from_ms: number; // its longest saturated span (or, unsaturated, at least half its peak)
  busy_to_ms: number;
  utilization: number; // busy fraction of its servers over the span
  service_us: number; // S: mean service time over the span (busy time / jobs done)
  capacity_per_s: number; // servers / S: the most jobs (so sales) per second it can serve
  throughput_per_s: number; // X: jobs done per second over the span
  queue_mean: number; // L: mean jobs waiting over the span
  wait_ms: number; // W = L / X: mean wait in its queue (Little's law)
  sentence: string;
};

/**
 * Why tickets stayed unsold, as a waterfall: local stock lost (stranded + burned), less the part
 * the buffer absorbs, is what the losses cost; the rest of the unsold tickets were never asked for
 * at a server that still had them. unsold = unsold_lost + never_reached.
 */
export type UnsoldWhy = {
  stranded_local: number; // local stock left on the servers dead at the end
  burned_local: number; // local deductions whose Redis call failed, not given back
  lost_local: number; // stranded_local + burned_local
  buffer: number; // local stock beyond the inventory: local_stock_total - inventory (negative: short)
  check_unsellable: number; // one ticket per server the article's local check never sells (0 with local_check: exact)
  usable_buffer: number; // buffer - check_unsellable: the lost local stock it can absorb
  unsold_lost: number; // lost_local - usable_buffer, between 0 and unsold: tickets the losses cost
  never_reached: number; // unsold - unsold_lost
  live_local_left: number; // local stock the live servers could still sell at the end
  sold_out_while_stock: number; // "sold out" answers read before Redis had granted the whole inventory
};

export type LatencyPercentiles = { p50: number; p90: number; p99: number; p999: number; max: number; mean: number; count: number };

/** A run with --set overrides: a variant of the scenario, not the scenario its expect: block was written for. */
export type WhatIf = {
  overrides: string[]; // the --set arguments, as typed
  expectations_apply: boolean; // false unless asked (--keep-expect): expect: was written for the original
};

/** One failover, as Sentinel ran it. */
export type FailoverSummary = {
  from: string;
  to: string;
  at_ms: number; // clients re-resolved to the promoted replica
  failover_ms: number | null; // from the master's crash or cut-off to then (null: it was never lost)
  sdown_ms: number | null; // the first Sentinel's +sdown
  odown_ms: number | null; // the first +odown
  elected_ms: number | null; // +elected-leader
  promoted_ms: number | null; // the leader saw role:master in the replica's INFO
  lost_writes: number; // writes the old master had that the promoted replica never got
};

/** Replicas, Sentinel, and what failovers cost (summary.json's `replication`, runs with replicas only). */
export type ReplicationSummary = {
  master: string; // the master at the end
  writes: number; // writes masters applied for clients
  lost_writes: number; // of those, writes the final master does not have
  oversold_by_failover: number; // tickets sold beyond the inventory because their writes were lost
  // writes the final master does not have that a master in the minority took: one cut off, still
  // running, when its replica was promoted (split brain); when it took the last; and the part of
  // oversold_by_failover that its confirmed sales make (all of it when the final master sold out)
  minority_writes: number;
  minority_last_write_ms: number | null;
  oversold_by_minority: number;
  writes_discarded: number; // thrown away by a demoted master's full resync
  readonly_replies: number; // scripts sent to a replica (a client with a stale master): -READONLY
  writes_refused: number; // NOREPLICAS: writes refused by min-replicas-to-write
  wait_short: number; // sales whose WAIT saw fewer replicas than asked: answered as failures
  failover_ms: number | null; // the first failover's (see failovers)
  failovers: FailoverSummary[];
  instances: Record<string, { role: 'master' | 'replica'; offset: number; lag_writes_max: number; alive: boolean }>;
};

export type Summary = {
  scenario: string;
  description: string; // the scenario's own description
  what_if?: WhatIf; // only in a run with --set overrides
  seed: number;
  tickets: {
    inventory: number;
    sold: number;
    oversold: number;
    unsold: number;
    local_stock_total: number;
    stranded_local: number;
    orphaned: number; // sold by Redis, but the buyer was never told
    // unsold = stranded_local + burned_local + never_reached: unsold tickets attributed in that
    // order, each capped by what is left to attribute (so unsold_split.burned_local can be less
    // than tickets.burned_local); unsold_why explains them with the buffer
    unsold_split: { stranded_local: number; burned_local: number; never_reached: number };
    unsold_why: UnsoldWhy;
    burned_local: number; // local deductions whose Redis call failed (not rolled back)
    stranded_at_kills: number; // local stock lost with killed processes, summed over all kills
  };
  users: {
    total: number;
    succeeded: number;
    sold_out: number;
    failed: number; // = failed_timeout + failed_error
    failed_timeout: number; // the last request timed out (the user's timeout, nginx's 504, or never answered)
    failed_error: number; // the last request got an error (502, a reset)
    timeout_ms: number | null; // how long a user waits for an answer; null: for ever
    retried: number;
    late_answers: number; // answers that came after the user had stopped waiting
    double_holders: number; // users holding two tickets (a retry after a lost success)
  };
  requests: {
    total: number;
    ok: number;
    sold_out: number;
    errors: number;
    timeouts: number;
  };
  latency_ms: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number }; // answered requests
  // Every request a user sent, a failure counted at its time to failure (a user's timeout at the
  // timeout): all of them, the OK ones (a ticket or "sold out") and the KO ones (error, timeout).
  // A request never answered in a run without a timeout has no time and is in none of them.
  latency_all_ms: LatencyPercentiles;
  latency_ok_ms: LatencyPercentiles;
  latency_ko_ms: LatencyPercentiles;
  throughput: { mean_per_s: number; peak_per_s: number };
  sell_out_ms: number | null;
  duration_ms: number;
  bin_ms: number; // the width of a time bin in timeseries.csv and nodes.csv
  bottleneck: Bottleneck; // node '' if no node did any work
  tiers: {
    app: Record<string, AppServerSummary>;
    nginx: Record<string, NginxSummary>;
    lvs?: Record<string, DirectorSummary>; // with an LVS tier: per director
    router?: Record<string, RouterSummary>; // with a routed network: per router
    redis: RedisSummary;
    site?: Record<string, SiteSummary>; // with sites: per data centre
  };
  gslb?: GslbSummary; // with sites: the DNS view (TTL, health checks, the site link, who failed on a dark site)
  network?: NetworkSummary; // with a routed network: losses, reconvergence, timeline
  lvs?: LvsSummary; // with an LVS tier: failover losses, VIP holders
  hosts?: Record<string, HostSummary>; // with `hosts:` only: each host's cores and how busy they were
  replication?: ReplicationSummary; // with Redis replicas: lost writes, failovers, refused writes
  invariants: { no_oversell: boolean; ledger: boolean; conservation: boolean };
  expect: Record<string, { want: string; value: number | string | null; held: boolean }>; // string for fingerprint
  faults: { at_ms: number; action: string; target: string; detail: string }[];
  events: number;
  fingerprint: string; // FNV-1a over every event's (time, kind, entity): pins exact behaviour
};

/** One data centre: its nodes, what the GSLB and the users did with it, and its app servers' totals. */
export type SiteSummary = {
  weight: number;
  nginx: string[];
  servers: string[];
  redis: boolean; // Redis runs here
  answers: number; // DNS answers that named this site
  users_moved_away: number; // re-resolutions that took a user elsewhere
  users_last: number; // users whose last request went here
  users_failed_dark: number; // of those, users who failed because their last request died here while it was dark
  requests: number; // requests users sent here
  lost: number; // sent while it was dark: nobody answered
  answers_lost: number; // taken in, but it went dark before the answer left
  checks: number; // the GSLB's health checks of it
  checks_failed: number;
  dark_ms: number; // how long it was dark in all
  last_down_ms: number | null; // when it last went dark
  last_removed_ms: number | null; // when the GSLB last stopped handing it out
  last_restored_ms: number | null;
  last_up_ms: number | null;
  alive_at_end: boolean;
  in_dns_at_end: boolean;
  app: { requests: number; redis_ok: number; local_sold: number }; // summed over its app servers
  // tickets.split per_site: its own Redis's share, what it sold, what is left, and what a dark end strands
  tickets?: { share: number; sold: number; left: number; stranded: number };
  // with the sites' own fronts: its routers and directors (as tiers.router and tiers.lvs list all
  // sites'), and its front's own network and lvs sections
  router?: Record<string, RouterSummary>;
  lvs?: Record<string, DirectorSummary>;
  front?: { network: NetworkSummary; lvs: LvsSummary };
};

export type GslbSummary = {
  ttl_ms: number;
  interval_ms: number;
  fall: number;
  rise: number;
  redis_site: string;
  link_latency_ms: number; // one way between two sites
  users_failed_dark: number; // users whose last request died in a dark site (their cached answer kept them there)
  tickets_stranded?: number; // tickets.split per_site: the unsold shares of the sites dark at the end
  timeline: { at_ms: number; site: string; event: string; detail: string }[];
};
