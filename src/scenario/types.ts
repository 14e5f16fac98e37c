// The resolved, fully defaulted scenario that the model is built from.
// All durations are integer microseconds (`*_us`), all rates are per second (`*_per_s`).
// The YAML keys (DESIGN §7) carry units as strings ("250us", "200k/s"); the loader in
// ./load.ts converts them and fills every default, so nothing below is optional.

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

export type FaultAction = 'kill' | 'recover';

export type Fault = {
  at_us: number;
  action: FaultAction;
  target: string; // a node name: app1..N or redis
  line: number; // line in the scenario file, for error messages
};

export type ExpectOp = 'eq' | 'lt' | 'le' | 'gt' | 'ge' | 'between';

export type Expectation = {
  path: string; // a summary.json path, e.g. tickets.oversold
  op: ExpectOp;
  a: number;
  b: number; // upper bound for 'between', else equal to a
  raw: string; // as written, for messages
  line: number;
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
  };
  network: {
    latency_us: number; // one-way users <-> nginx; stands in for the routed network
  };
  nginx: {
    instances: number;
    workers: number;
    proxy_latency_us: number; // one-way nginx <-> app server
    upstream: {
      balance: 'round_robin';
      max_fails: number;
      fail_timeout_us: number;
      next_upstream: NextUpstreamCondition[];
      next_upstream_tries: number; // 0 = unlimited
      servers: UpstreamServer[];
    };
  };
  app: {
    local_stock: number[]; // one per upstream server, in server order
    local_check: 'source' | 'exact';
    concurrency: number; // requests served at once: the size of the handler's `done` channel
    service_time: ServiceTime;
  };
  redis: {
    latency_us: number; // one-way app server <-> redis
    service_time: ServiceTime;
  };
  faults: Fault[];
  expect: Expectation[];
  report: {
    bin_us: number; // time-series bin width
  };
};
