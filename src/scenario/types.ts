// The resolved, fully defaulted scenario that the model is built from.
// All durations are integer microseconds (`*_us`), all rates are per second (`*_per_s`).
// The YAML keys carry units as strings ("250us", "200k/s"); the loader in
// ./load.ts converts them and fills every default, so nothing below is optional.

import type { LvsConfig, NetworkTopology } from './network-types.js';

export type ServiceTime =
  | { kind: 'const'; value_us: number }
  | { kind: 'exp'; mean_us: number }
  | { kind: 'lognormal'; median_us: number; p99_us: number };

export type OpenLoad = {
  kind: 'open';
  users: number;
  rate_per_s: number;
  shape: 'poisson' | 'uniform';
};

export type ClosedLoad = {
  kind: 'closed';
  concurrency: number;
  requests: number;
  think_time_us: number;
};

export type NextUpstreamCondition =
  | 'error'
  | 'timeout'
  | 'invalid_header'
  | 'http_500'
  | 'http_502'
  | 'http_503'
  | 'http_504'
  | 'http_429'
  | 'non_idempotent'
  | 'off';

export type UpstreamServer = {
  name: string; // app1..appN
  weight: number;
  max_fails: number;
  fail_timeout_us: number;
  backup: boolean;
  down: boolean;
};

export type InventoryScript = {
  kind: 'source' | 'fixed' | 'file' | 'inline';
  lua: string; // the script text itself
  origin: string; // 'source', 'fixed', the file path as written, or 'inline'
};

// When a fault strikes and for how long; `line` is its line in the scenario file, for messages.
type FaultTiming = {
  at_us: number;
  for_us: number; // how long the fault lasts; 0 = until the run ends (or a later fault)
  line: number;
};

// One fault per action: each carries exactly the options its action takes. Every place that
// handles faults switches on `action` and ends in a never-check, so a new action does not compile
// until each of them handles it.
export type Fault =
  | (FaultTiming & { action: 'kill'; target: string }) // the process dies: connections reset, local stock lost
  | (FaultTiming & { action: 'recover'; target: string }) // the process starts again
  | (FaultTiming & { action: 'slow'; target: string; factor: number }) // service time x factor (a gray failure)
  | (FaultTiming & { action: 'restart'; target: string }) // Redis: down for `for_us`, back with what persistence kept
  | (FaultTiming & { action: 'partition'; nodes: string[] }) // `nodes` cut off from the rest: their packets vanish
  | (FaultTiming & { action: 'drop'; target: string; fraction: number }) // a link loses `fraction` of its packets
  | (FaultTiming & { action: 'down'; target: string }) // a network link (r1-lvs1) stops passing packets
  | (FaultTiming & { action: 'up'; target: string }) // the link works again
  | (FaultTiming & { action: 'stop'; target: string }); // an LVS director's keepalived stops cleanly

export type FaultAction = Fault['action'];

/** The fault of one action. */
export type FaultOf<A extends FaultAction> = Extract<Fault, { action: A }>;

/** What a fault hits, as the report names it: its node or link, or the partitioned nodes joined by "+". */
export function faultTargetText(f: Fault): string {
  return f.action === 'partition' ? f.nodes.join('+') : f.target;
}

/** `{ random: kill, nodes: [...], mtbf, mttr, until }`: failures drawn per node from the `faults` stream. */
export type RandomFaults = {
  action: 'kill' | 'slow' | 'partition';
  nodes: string[];
  mtbf_us: number; // mean time between failures of each node (exponential)
  mttr_us: number; // mean time to repair (exponential)
  factor: number; // for slow
  from_us: number;
  until_us: number;
  line: number;
};

/**
 * `{ random_kill: { count, among, between } }`: `count` distinct nodes of `among` die, each at a
 * uniform time in [from, until], drawn from the `faults` stream: each seed its own failure set.
 */
export type RandomKill = {
  count: number;
  among: string[];
  from_us: number;
  until_us: number;
  line: number;
};

/** One data centre: its nginx instances and app servers, and its share of the DNS answers. */
export type Site = {
  name: string;
  weight: number; // the GSLB answers with this site in proportion to its weight
  nginx: string[]; // nginx instances (nginx1..N) in this site
  servers: string[]; // app servers in this site: the upstream of its nginx instances
  // its own routers and LVS directors (the real servers are its nginx instances, in `nginx` order);
  // absent: users reach its nginx directly
  front?: SiteFront;
};

/** A site's routed network and directors, resolved as the one-site `network:` and `lvs:` are. */
export type SiteFront = { topology: NetworkTopology; lvs: LvsConfig };

/** `sites:`, `site_link:` and `gslb:`, resolved. */
export type Sites = {
  list: Site[];
  redis_site: string; // the site that runs Redis (redis.site); the others reach it over the site link
  // tickets.split per_site: each site's own Redis and its share of the tickets, in list order (absent: one Redis)
  inventory_split?: number[];
  link_latency_us: number; // one way between any two sites
  gslb: {
    ttl_us: number; // the DNS answer's TTL: a user keeps its site this long
    interval_us: number; // a health check of every site each interval, the first at `interval`
    fall: number; // consecutive failed checks before a site is no longer handed out
    rise: number; // consecutive good checks before it is handed out again
  };
};

// eq_text: string equality (the fingerprint); its text is `raw`, and a, b are NaN.
export type ExpectOp = 'eq' | 'lt' | 'le' | 'gt' | 'ge' | 'between' | 'eq_text';

// Over replications: 'every' holds each run to op; 'mean' holds the confidence interval of the
// mean. Unset: one run (with replications, the same as 'every').
export type ExpectOver = 'every' | 'mean';

export type Expectation = {
  path: string; // a summary.json path, e.g. tickets.oversold
  op: ExpectOp;
  a: number;
  b: number; // upper bound for 'between', else equal to a
  raw: string; // as written, for messages; for eq_text, the text to equal
  line: number;
  over?: ExpectOver;
  confidence?: number; // of a 'mean' form that says "at P%"; else sim check's --confidence
};

/**
 * `hosts` / `place` / `cpu`: machines with cores, the processes placed on them, and the CPU time
 * each process spends per request (per command for Redis). Absent: every process has its own
 * unlimited CPU and spends no time on it (the model before hosts).
 */
export type HostsConfig = {
  // slice_us: each core runs one thread for up to this long (Linux's EEVDF slice); 0 = processor sharing
  hosts: { name: string; cores: number; slice_us: number }[]; // in the order written
  // the placed processes (users, nginx1, app1, redis), in the order written; unplaced ones have
  // unlimited CPU. threads: how many pieces of its work run at once (Redis 1, ab 1, nginx its
  // workers, a Go server GOMAXPROCS = its host's cores, unless `cpu.threads` says otherwise)
  // wake_us: the CPU it spends each time one of its threads wakes from idle (`cpu.wake` of its kind)
  processes: { name: string; host: string; threads: number; wake_us: number }[];
  // per request; redis_us per command; redis_client_us per script call the app makes (its Redis
  // client, inside the lock), on top of app_us
  cpu: {
    users_us: number;
    nginx_us: number;
    app_us: number[]; // one per server
    redis_us: number;
    redis_client_us: number;
    // per wake-up: charged when a thread of the process goes from idle to busy
    wake_us: { users: number; nginx: number; app: number; redis: number };
    // shares of app_us inside the lock and after it (the rest before it); of redis_client_us, issuing the call
    split: { app_lock: number; app_after: number; redis_client_send: number };
    // the app's garbage collection: `pause_us` of CPU on its thread at every `every`-th request it receives (0: none)
    gc: { every: number; pause_us: number };
  };
};

export type Scenario = {
  name: string;
  description: string;
  seed: number;
  file: string; // the path as given on the command line ('' when built in code)
  tickets: {
    inventory: number;
    script: InventoryScript;
  };
  users: {
    load: OpenLoad | ClosedLoad;
    client_ips: number;
    timeout_us: number;
    retries: number;
    retry_backoff_us: number; // a re-click waits this long, with +-50 % jitter
    method: 'GET' | 'POST'; // POST is non-idempotent: nginx does not retry it once sent
  };
  network: {
    latency_us: number; // one-way users <-> nginx; with a topology: users -> ingress router
    topology?: NetworkTopology; // routers, links, OSPF/ECMP (absent: no routed network)
  };
  nginx: {
    instances: number;
    workers: number;
    proxy_latency_us: number; // one-way nginx <-> app server
    proxy_connect_timeout_us: number;
    proxy_read_timeout_us: number;
    upstream: {
      balance: 'round_robin' | 'ip_hash' | 'least_conn';
      max_fails: number;
      fail_timeout_us: number;
      next_upstream: NextUpstreamCondition[];
      next_upstream_tries: number; // 0 = unlimited
      next_upstream_timeout_us: number; // 0 = unlimited
      servers: UpstreamServer[];
    };
  };
  app: {
    local_stock: number[]; // one per upstream server, in server order
    local_check: 'source' | 'exact';
    concurrency: number; // requests served at once: the size of the handler's `done` channel
    local_rollback: boolean; // give the local ticket back when Redis fails (the article does not)
    redis_connect_timeout_us: number; // 0 = none (redigo's Dial without options)
    redis_read_timeout_us: number; // 0 = none
    service_time: ServiceTime;
  };
  redis: {
    latency_us: number; // one-way app server <-> redis
    service_time: ServiceTime;
    appendonly: boolean; // AOF on: a restart replays the log
    appendfsync: 'always' | 'everysec' | 'no'; // how much of the log survives a crash
    save: [number, number][]; // RDB rules (seconds, changes), as redis.conf's `save`
    lua_max_instructions: number; // a script call stops with an error after this many Lua instructions
    replication?: ReplicationConfig; // absent: one Redis, no replicas (every report as before)
  };
  hosts?: HostsConfig; // absent: unlimited CPU everywhere
  lvs?: LvsConfig; // LVS directors in front of the nginx instances (absent: users reach nginx directly)
  sites?: Sites; // two or more data centres behind a GSLB (absent: one site, users reach it directly)
  faults: Fault[];
  random_faults: RandomFaults[];
  random_kills: RandomKill[];
  expect: Expectation[];
  report: {
    bin_us: number; // time-series bin width
  };
};

/** A Redis replica: its own replication link to the master (one-way latency, faults `down`/`up`). */
// site: the site it runs in (with sites only); in another site than Redis its link is the site link
export type RedisReplica = { name: string; link_latency_us: number; priority: number; site?: string };

/** Redis Sentinel, as sentinel.conf configures one monitored master. */
export type SentinelConfig = {
  sentinels: number;
  quorum: number;
  down_after_us: number; // down-after-milliseconds
  failover_timeout_us: number; // failover-timeout
  parallel_syncs: number;
  sites?: string[]; // per Sentinel, the site it runs in (absent: with the replicas, round robin)
};

/** Replicas of the inventory, the master's min-replicas guard, and Sentinel (null: no failover). */
export type ReplicationConfig = {
  replicas: RedisReplica[];
  min_replicas_to_write: number; // 0 = off (redis.conf's default)
  min_replicas_max_lag_s: number; // whole seconds, as redis.conf
  sentinel: SentinelConfig | null;
  wait: { numreplicas: number; timeout_us: number } | null; // WAIT after each sale (null: not called)
};
