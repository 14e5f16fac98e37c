// Upper bounds on every count, size and duration of a scenario, from a small model of what a run
// costs: bytes of state per user and per bin, the simulated span, and the integer widths that the
// model's typed arrays use. They are checked after the scenario resolves and before anything runs,
// so a scenario that would exhaust memory, run for days or wrap an integer is refused with one line
// naming the key, the limit and the reason.
import type { ParsedScenario } from './schema.js';
import type { ServiceTime, Scenario } from './types.js';
import type { LvsConfig, NetworkTopology } from './network-types.js';

type Seg = string | number;
type Fail = (segs: readonly Seg[], detail: string) => never;

const INT32_MAX = 2 ** 31 - 1;

/** The limits, each with the reason it has the value it has. */
export const LIMITS = {
  /** users (open) or requests (closed): about 16 bytes of per-user state each (ledger, address, tries) */
  users: 100_000_000,
  bytesPerUser: 16,
  /** a user's tries are counted in 16 bits */
  retries: 1000,
  /** users x tries: each try is about ten events, and 1e9 tries take the better part of an hour */
  tries: 1_000_000_000,
  /** IPv4 source addresses */
  clientIps: 2 ** 32,
  /** upstream servers: nginx's round robin scans every server on every pick */
  servers: 10_000,
  /** nginx's NGX_MAX_PROCESSES */
  workers: 1024,
  /** nginx instances: each is a node with its own peers, counters and health state */
  instances: 1024,
  /** a host's cores and a process's threads: each running piece of work is a heap entry */
  cores: 4096,
  threads: 4096,
  /** LVS directors: each keeps a table per nginx instance and runs VRRP */
  directors: 256,
  /** routers: SPF runs per router over router x router tables */
  routers: 256,
  links: 4096,
  /** served at once per app server, over all servers (each slot is a 4-byte entry) */
  appSlots: 10_000_000,
  /** weights, local stock, max_fails and tries are kept in 32-bit integers */
  int32: INT32_MAX,
  /** the sum of the upstream weights: nginx's smooth round robin adds them in 32-bit integers */
  weightSum: INT32_MAX,
  /** the one-way path user -> director through the routers is kept in a 32-bit integer of µs */
  path_us: INT32_MAX,
  /** faults written out, expectations, and the failures a random fault is expected to draw */
  faults: 10_000,
  expectations: 10_000,
  randomFailures: 1_000_000,
  /** the simulated span: 30 days, far inside the 2^53 µs where time stops being exact */
  span_us: 30 * 86_400_000_000,
  /** time-series bins: about 128 bytes of counters each, and a row of timeseries.csv */
  bins: 1_000_000,
  /** how far past its mean an exponential draw is allowed for: P(X > 40 x mean) = e^-40 */
  expTail: 40,
  /** a lognormal draw up to median x (p99/median)^(z/2.326), with z = 9 (about 1e-19) */
  lognormalZ: 9,
} as const;

/** 1e12, 2147483647, 2.5e6: short and exact enough for a message. */
export function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) < 1e10 && Number.isInteger(n)) return String(n);
  return n.toExponential(2).replace(/\.?0+e/, 'e').replace('e+', 'e');
}

/** 1600000016 -> "1.6 GB": two significant digits, whole from 99.5 up (99.7 would print 1.0e+2). */
export function fmtBytes(b: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (b >= 1000 && i < units.length - 1) {
    b /= 1000;
    i++;
  }
  return `${b >= 99.5 || i === 0 ? Math.round(b) : b.toPrecision(2)} ${units[i]}`;
}

const short = (x: number): string => String(Number(x.toPrecision(3)));

/** A simulated time for a message: "35 s", "40 h", "1.2e306 s". */
export function fmtSpan(us: number): string {
  const s = us / 1e6;
  if (!Number.isFinite(s)) return 'more than 1e300 s';
  if (s >= 1e7) return `${fmtCount(s)} s`;
  if (s >= 2 * 86_400) return `${short(s / 86_400)} days`;
  if (s >= 2 * 3600) return `${short(s / 3600)} h`;
  if (s >= 120) return `${short(s / 60)} min`;
  if (s >= 1) return `${short(s)} s`;
  if (us >= 1000) return `${short(us / 1000)} ms`;
  return `${short(us)} us`;
}

function atMost(fail: Fail, segs: readonly Seg[], n: number, limit: number, why: string): void {
  if (!(n <= limit)) fail(segs, `${fmtCount(n)} is over the limit of ${fmtCount(limit)}: ${why}`);
}

/** Refuses the first key of `s` past its bound. */
export function checkBounds(s: Scenario, keys: FaultKeys, fail: Fail): void {
  checkCounts(s, fail);
  checkIntegers(s, fail);
  checkFaultCounts(s, keys, fail);
  checkPathLatency(s, fail);
  checkSpan(s, keys, fail);
}

/**
 * The sizes that the resolving itself would spend time and memory on (nodes, lists), checked on
 * the parsed scenario before anything is built from it.
 */
export function checkSizes(p: ParsedScenario, fail: Fail): void {
  atMost(fail, ['nginx', 'upstream', 'servers'], p.nginx.upstream.servers.length, LIMITS.servers, "nginx's round robin scans every server on every pick");
  atMost(fail, ['nginx', 'workers'], p.nginx.workers, LIMITS.workers, "nginx's own maximum (NGX_MAX_PROCESSES)");
  atMost(fail, ['nginx', 'instances'], p.nginx.instances, LIMITS.instances, 'each instance is a node with its own peers, counters and timers');
  if (p.lvs) atMost(fail, ['lvs', 'directors'], p.lvs.directors, LIMITS.directors, 'each director keeps a table per nginx instance and runs VRRP');
  atMost(fail, ['network', 'routers'], p.network.routers?.length ?? 0, LIMITS.routers, 'each router runs SPF over router x router tables');
  atMost(fail, ['network', 'links'], p.network.links?.length ?? 0, LIMITS.links, 'SPF runs over every link at each change');
  (p.sites ?? []).forEach((x, i) => {
    if (x.lvs) atMost(fail, ['sites', i, 'lvs', 'directors'], x.lvs.directors, LIMITS.directors, 'each director keeps a table per nginx instance and runs VRRP');
    atMost(fail, ['sites', i, 'network', 'routers'], x.network?.routers?.length ?? 0, LIMITS.routers, 'each router runs SPF over router x router tables');
    atMost(fail, ['sites', i, 'network', 'links'], x.network?.links?.length ?? 0, LIMITS.links, 'SPF runs over every link at each change');
  });
  atMost(fail, ['faults'], p.faults.length, LIMITS.faults, 'each is scheduled and logged');
  atMost(fail, ['expect'], Object.keys(p.expect).length, LIMITS.expectations, 'each is a summary.json path to look up');
}

const LIST_LIMITS: ReadonlyArray<{ segs: string[]; limit: number; why: string }> = [
  { segs: ['nginx', 'upstream', 'servers'], limit: LIMITS.servers, why: "nginx's round robin scans every server on every pick" },
  { segs: ['network', 'routers'], limit: LIMITS.routers, why: 'each router runs SPF over router x router tables' },
  { segs: ['network', 'links'], limit: LIMITS.links, why: 'SPF runs over every link at each change' },
  { segs: ['faults'], limit: LIMITS.faults, why: 'each is scheduled and logged' },
];

/** The long lists, checked on the YAML's plain value before validation spends time on each item. */
export function checkListSizes(input: unknown, fail: Fail): void {
  for (const { segs, limit, why } of LIST_LIMITS) {
    let v: unknown = input;
    for (const k of segs) v = v !== null && typeof v === 'object' && Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined;
    if (Array.isArray(v)) atMost(fail, segs, v.length, limit, why);
  }
}

function checkCounts(s: Scenario, fail: Fail): void {
  const load = s.users.load;
  const usersKey = load.kind === 'open' ? ['users', 'load', 'open', 'users'] : ['users', 'load', 'closed', 'requests'];
  const users = load.kind === 'open' ? load.users : load.requests;
  if (users > LIMITS.users) {
    fail(usersKey, `${fmtCount(users)} users need about ${fmtBytes(users * LIMITS.bytesPerUser)} of state (${LIMITS.bytesPerUser} bytes each); the limit is ${fmtCount(LIMITS.users)} (${fmtBytes(LIMITS.users * LIMITS.bytesPerUser)})`);
  }
  if (load.kind === 'closed') atMost(fail, ['users', 'load', 'closed', 'concurrency'], load.concurrency, LIMITS.users, 'each user in flight keeps state');
  atMost(fail, ['users', 'retries'], s.users.retries, LIMITS.retries, "a user's tries are counted in 16 bits and each costs events");
  const tries = users * (s.users.retries + 1);
  atMost(fail, ['users', 'retries'], tries, LIMITS.tries, `${fmtCount(users)} users x ${s.users.retries + 1} tries; each try is about ten events`);
  atMost(fail, ['users', 'client_ips'], s.users.client_ips, LIMITS.clientIps, 'client addresses are IPv4 (32 bits)');
  const servers = s.nginx.upstream.servers.length;
  atMost(fail, ['app', 'concurrency'], s.app.concurrency * servers, LIMITS.appSlots, `${servers} servers x concurrency ${s.app.concurrency} slots of 4 bytes`);
}

function checkIntegers(s: Scenario, fail: Fail): void {
  const up = s.nginx.upstream;
  let sum = 0;
  up.servers.forEach((v, i) => {
    const segs = ['nginx', 'upstream', 'servers', i];
    atMost(fail, [...segs, 'weight'], v.weight, LIMITS.int32, 'nginx keeps weights in 32-bit integers');
    sum += v.weight;
    if (sum > LIMITS.weightSum) {
      fail([...segs, 'weight'], `the weights add up to more than ${fmtCount(LIMITS.weightSum)}: nginx's smooth round robin sums them in 32-bit integers`);
    }
    atMost(fail, [...segs, 'max_fails'], v.max_fails, LIMITS.int32, 'kept in a 32-bit integer');
  });
  atMost(fail, ['nginx', 'upstream', 'next_upstream_tries'], up.next_upstream_tries, LIMITS.int32, 'kept in a 32-bit integer');
}

/** Each server's local stock fits the 32-bit integer the app server keeps it in. */
export function checkLocalStock(stock: readonly number[], buffered: { inventory: number } | null, fail: Fail): void {
  stock.forEach((n, i) => {
    if (Number.isSafeInteger(n) && n <= LIMITS.int32) return;
    if (buffered) {
      fail(['app', 'local_stock', 'buffer'], `gives server ${i + 1} a local stock of ${fmtCount(n)} (tickets.inventory ${fmtCount(buffered.inventory)} x buffer, split by weight); each server's local stock must be <= ${fmtCount(LIMITS.int32)} (a 32-bit integer)`);
    }
    fail(['app', 'local_stock', i], `${fmtCount(n)} is over the limit of ${fmtCount(LIMITS.int32)}: local stock is kept in a 32-bit integer`);
  });
}

function checkFaultCounts(s: Scenario, keys: FaultKeys, fail: Fail): void {
  atMost(fail, ['faults'], s.faults.length + s.random_faults.length, LIMITS.faults, 'each is scheduled and logged');
  s.random_faults.forEach((f, j) => {
    const i = keys.random[j] ?? j;
    const span = Math.max(0, f.until_us - f.from_us);
    const draws = (f.nodes.length * span) / (f.mtbf_us + f.mttr_us);
    if (draws > LIMITS.randomFailures) {
      fail(['faults', i, 'mtbf'], `${f.nodes.length} node${f.nodes.length === 1 ? "" : "s"} failing every ${fmtSpan(f.mtbf_us)} for ${fmtSpan(span)} means about ${fmtCount(Math.round(draws))} failures; the limit is ${fmtCount(LIMITS.randomFailures)}`);
    }
  });
}

/** Where each fixed and each random fault was written in `faults:` (the two share one list). */
export type FaultKeys = { fixed: readonly number[]; random: readonly number[] };

function checkPathLatency(s: Scenario, fail: Fail): void {
  if (s.network.topology) checkFrontPath(s, { topology: s.network.topology, lvs: s.lvs }, [], fail);
  s.sites?.list.forEach((x, i) => {
    if (x.front) checkFrontPath(s, x.front, ['sites', i], fail);
  });
}

/** One front's longest path (the one-site front, or a site's: its keys under `at`). */
function checkFrontPath(s: Scenario, front: { topology: NetworkTopology; lvs?: LvsConfig }, at: Seg[], fail: Fail): void {
  // no simple path uses a link twice, so the sum of them all bounds any path
  const terms: Term[] = [{ segs: ['network', 'latency'], us: s.network.latency_us }];
  front.topology.links.forEach((l, i) => terms.push({ segs: [...at, 'network', 'links', i, 'latency'], us: l.latency_us }));
  if (front.lvs) terms.push({ segs: [...at, 'lvs', 'latency'], us: front.lvs.latency_us });
  const total = terms.reduce((a, t) => a + t.us, 0);
  if (total <= LIMITS.path_us) return;
  const worst = largest(terms);
  fail(worst.segs, `a one-way path through the routers can take ${fmtSpan(total)} (${fmtCount(total)} us); path times are kept in 32-bit integers of microseconds, so the limit is ${fmtCount(LIMITS.path_us)} us (35.8 min)`);
}

type Term = { segs: Seg[]; us: number };

function largest(terms: readonly Term[]): Term {
  return terms.reduce((a, b) => (b.us > a.us ? b : a));
}

/** How long a draw of `t` can take, for the span estimate (not its mean). */
export function serviceExtreme_us(t: ServiceTime): number {
  switch (t.kind) {
    case 'const':
      return t.value_us;
    case 'exp':
      return t.mean_us * LIMITS.expTail;
    case 'lognormal':
      return t.median_us * Math.pow(t.p99_us / t.median_us, LIMITS.lognormalZ / 2.326);
  }
}

function serviceMean_us(t: ServiceTime): number {
  switch (t.kind) {
    case 'const':
      return t.value_us;
    case 'exp':
      return t.mean_us;
    case 'lognormal':
      return t.median_us * Math.exp(Math.pow(Math.log(t.p99_us / t.median_us) / 2.326, 2) / 2);
  }
}

/** When the users stop arriving (open) or the last closed-loop round ends, split by the key behind each part. */
function arrivals(s: Scenario): Term[] {
  const load = s.users.load;
  if (load.kind === 'open') return [{ segs: ['users', 'load', 'open', 'rate'], us: (load.users / load.rate_per_s) * 1e6 }];
  const servers = s.nginx.upstream.servers.length;
  const rounds = Math.ceil(load.requests / load.concurrency);
  const app_us = serviceMean_us(s.app.service_time);
  const redis_us = serviceMean_us(s.redis.service_time);
  return [
    { segs: ['users', 'load', 'closed', 'think_time'], us: rounds * load.think_time_us },
    // a round waits for its slowest part; the servers also bound the rate (redis has one thread)
    { segs: ['app', 'service_time'], us: Math.max(rounds * app_us, (load.requests * app_us) / (servers * s.app.concurrency)) },
    { segs: ['redis', 'service_time'], us: Math.max(rounds, load.requests) * redis_us },
    { segs: ['network', 'latency'], us: rounds * 2 * s.network.latency_us },
    { segs: ['nginx', 'proxy_latency'], us: rounds * 2 * s.nginx.proxy_latency_us },
    { segs: ['redis', 'latency'], us: rounds * 2 * s.redis.latency_us },
  ];
}

/** What may still happen after the last arrival, each with its key. */
function tail(s: Scenario, keys: FaultKeys): Term[] {
  const slowFactor = Math.max(1, ...s.faults.map((f) => (f.action === 'slow' ? f.factor : 1)), ...s.random_faults.map((f) => (f.action === 'slow' ? f.factor : 1)));
  const terms: Term[] = [
    { segs: ['users', 'timeout'], us: (s.users.retries + 1) * s.users.timeout_us },
    { segs: ['users', 'retry_backoff'], us: s.users.retries * 1.5 * s.users.retry_backoff_us },
    { segs: ['network', 'latency'], us: 2 * s.network.latency_us },
    { segs: ['nginx', 'proxy_latency'], us: 2 * s.nginx.proxy_latency_us },
    { segs: ['redis', 'latency'], us: 2 * s.redis.latency_us },
    { segs: ['nginx', 'proxy_connect_timeout'], us: s.nginx.proxy_connect_timeout_us },
    { segs: ['nginx', 'proxy_read_timeout'], us: s.nginx.proxy_read_timeout_us },
    { segs: ['nginx', 'upstream', 'fail_timeout'], us: s.nginx.upstream.fail_timeout_us },
    { segs: ['app', 'redis_read_timeout'], us: s.app.redis_read_timeout_us + s.app.redis_connect_timeout_us },
    { segs: ['app', 'service_time'], us: serviceExtreme_us(s.app.service_time) * slowFactor },
    { segs: ['redis', 'service_time'], us: serviceExtreme_us(s.redis.service_time) * slowFactor },
  ];
  const faultEnd = [
    ...s.faults.map((f, i): Term => ({ segs: ['faults', keys.fixed[i] ?? i, 'at'], us: f.at_us + f.for_us })),
    ...s.random_faults.map((f, j): Term => ({ segs: ['faults', keys.random[j] ?? j, 'until'], us: f.until_us + f.mttr_us * LIMITS.expTail })),
  ];
  if (faultEnd.length > 0) terms.push(largest(faultEnd));
  terms.push(...frontTail(s.network.topology, s.lvs, []));
  s.sites?.list.forEach((x, i) => terms.push(...frontTail(x.front?.topology, x.front?.lvs, ['sites', i])));
  return terms;
}

/** What a front's timers may add after the last arrival (its keys under `at`). */
function frontTail(topo: NetworkTopology | undefined, lvs: LvsConfig | undefined, at: Seg[]): Term[] {
  const terms: Term[] = [];
  if (topo) terms.push({ segs: [...at, 'network', 'ospf', 'dead_interval'], us: topo.ospf.dead_interval_us + topo.ospf.spf_max_hold_us + topo.ospf.lsa_min_interval_us });
  if (lvs) {
    terms.push({ segs: [...at, 'lvs', 'vrrp', 'advert_int'], us: 4 * lvs.vrrp.advert_int_us + lvs.vrrp.preempt_delay_us });
    const hc = lvs.health_check;
    if (hc) terms.push({ segs: [...at, 'lvs', 'health_check', 'delay_loop'], us: hc.delay_loop_us + (hc.retry + 1) * (hc.connect_timeout_us + hc.delay_before_retry_us) });
  }
  return terms;
}

function checkSpan(s: Scenario, keys: FaultKeys, fail: Fail): void {
  for (const [i, f] of s.faults.entries()) {
    if (f.action === 'slow' && f.factor > 1e6) {
      fail(['faults', keys.fixed[i] ?? i, 'factor'], `${fmtCount(f.factor)} is over the limit of 1e6: a slowed service time must stay within the simulated span`);
    }
  }
  for (const [j, f] of s.random_faults.entries()) {
    if (f.action === 'slow' && f.factor > 1e6) {
      fail(['faults', keys.random[j] ?? j, 'factor'], `${fmtCount(f.factor)} is over the limit of 1e6: a slowed service time must stay within the simulated span`);
    }
  }
  // the arrivals add up; of what may follow the last one, the longest chain counts
  const terms = [...arrivals(s), ...tail(s, keys)];
  const span_us = arrivals(s).reduce((a, t) => a + t.us, 0) + largest(tail(s, keys)).us;
  if (!(span_us <= LIMITS.span_us)) {
    const worst = largest(terms);
    fail(worst.segs, `makes the run last ${fmtSpan(span_us)} of simulated time (an upper estimate); the limit is ${fmtSpan(LIMITS.span_us)}`);
  }
  const bins = Math.ceil(span_us / s.report.bin_us);
  if (bins > LIMITS.bins) {
    const worst = largest(terms);
    const need = Math.ceil(span_us / LIMITS.bins);
    fail(['report', 'bin'], `${fmtSpan(s.report.bin_us)} bins over about ${fmtSpan(span_us)} of simulated time (most of it from ${keyOf(worst.segs)}) make ${fmtCount(bins)} time-series bins; the limit is ${fmtCount(LIMITS.bins)}: use a bin of at least ${fmtSpan(need)}`);
  }
}

function keyOf(segs: readonly Seg[]): string {
  return segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}
