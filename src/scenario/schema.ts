// The zod schema of the scenario YAML, a public interface: keys are added, never renamed. Strict:
// unknown keys are errors.
// Every key's default is written in a `default:` comment beside it; the README table is built from these.
// Units are converted here (durations -> integer µs, rates -> /s). Defaults that depend on other keys
// (server max_fails, local stock split, name, script text) are filled in by ./load.ts.

import * as z from 'zod';
import type { ExpectOp, ExpectOver, NextUpstreamCondition, ServiceTime } from './types.js';
import { parseDuration_us, parseRate_per_s } from './units.js';
import { lvsSchema, networkKeys } from './network-schema.js';
import { REDIS_NODE } from './topology.js';
import { LIMITS } from './bounds.js';

type Ctx = z.RefinementCtx;

// What the JSON Schema (`sim schema`) says of the keys whose checks are code (a transform has no
// JSON form of its own): the type, the range, the units. Looked up by schema object.
export const jsonHints = new WeakMap<object, Record<string, unknown>>();

function hinted<T extends z.ZodType>(schema: T, hint: Record<string, unknown>): T {
  jsonHints.set(schema, hint);
  return schema;
}

const DURATION_HINT = {
  type: ['string', 'number'],
  pattern: String.raw`^\s*[0-9.eE+-]+\s*(ns|us|µs|μs|ms|s|m|min|h)?\s*$`,
  description: 'a duration with a unit: 250us, 3ms, 1.5s, 2m, 1h (a bare 0 needs none)',
};
const RATE_HINT = { type: ['string', 'number'], description: 'a rate: 200000/s, 200k/s, 1.5M/s, 12/ms, 600/min' };

/** A short rendering of a value for "(got ...)" in messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return String(v);
}

// A map section: strict, and `key:` with nothing after it means "all defaults".
export function section<S extends z.ZodRawShape>(shape: S) {
  const allowed = Object.keys(shape).join(', ');
  const obj = z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') return `unknown key (allowed: ${allowed})`;
      if (iss.code === 'invalid_type') return `must be a map with keys ${allowed} (got ${describeValue(iss.input)})`;
      return undefined;
    },
  });
  return z.preprocess((v) => (v === null ? {} : v), obj);
}

/** An integer >= min; `max` is the documented upper bound (./bounds.ts checks it with its reason). */
export function int(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return hinted(z.unknown().transform((v, ctx: Ctx): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      ctx.addIssue({ code: 'custom', message: `must be an integer >= ${min} (got ${describeValue(v)})` });
      return z.NEVER;
    }
    return v;
  }), { type: 'integer', minimum: min, maximum: max });
}

function positiveNumber() {
  return hinted(z.unknown().transform((v, ctx: Ctx): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      ctx.addIssue({ code: 'custom', message: `must be a number > 0 (got ${describeValue(v)})` });
      return z.NEVER;
    }
    return v;
  }), { type: 'number', exclusiveMinimum: 0 });
}

// A bare YAML number is handed to the parser as text so that `0` passes and `30` gets "missing unit".
export function duration(opts: { positive?: boolean } = {}) {
  return hinted(z.unknown().transform((v, ctx: Ctx): number => {
    if (v === undefined) {
      ctx.addIssue({ code: 'custom', message: 'is required (write e.g. 1s)' });
      return z.NEVER;
    }
    if (typeof v !== 'string' && typeof v !== 'number') {
      ctx.addIssue({ code: 'custom', message: `must be a duration like 250us, 3ms, 1.5s, 2m (got ${describeValue(v)})` });
      return z.NEVER;
    }
    let us: number;
    try {
      us = parseDuration_us(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
    if (opts.positive && us <= 0) {
      ctx.addIssue({ code: 'custom', message: `must be > 0 (got ${describeValue(v)})` });
      return z.NEVER;
    }
    return us;
  }), DURATION_HINT);
}

function rate(opts: { positive?: boolean } = {}) {
  return hinted(z.unknown().transform((v, ctx: Ctx): number => {
    if (typeof v !== 'string' && typeof v !== 'number') {
      ctx.addIssue({ code: 'custom', message: `must be a rate like 200k/s, 12/ms, 600/min (got ${describeValue(v)})` });
      return z.NEVER;
    }
    let r: number;
    try {
      r = parseRate_per_s(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
    if (opts.positive && r <= 0) {
      ctx.addIssue({ code: 'custom', message: `must be > 0 (got ${describeValue(v)})` });
      return z.NEVER;
    }
    return r;
  }), RATE_HINT);
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (iss) => `must be one of ${values.join(', ')} (got ${describeValue(iss.input)})`,
  });
}

export function text() {
  return z.string({ error: (iss) => (iss.input === undefined ? 'is required' : `must be a string (got ${describeValue(iss.input)})`) });
}

export function flag() {
  return z.boolean({ error: (iss) => `must be true or false (got ${describeValue(iss.input)})` });
}

export function list<T extends z.ZodType>(item: T, what: string) {
  return z.array(item, {
    error: (iss) => (iss.code === 'invalid_type' ? `must be a list of ${what} (got ${describeValue(iss.input)})` : undefined),
  });
}

/** Give exactly one of `keys`; returns the one given, or null after adding an issue. */
function exactlyOne<K extends string>(obj: Partial<Record<K, unknown>>, keys: readonly K[], ctx: Ctx): K | null {
  const present = keys.filter((k) => obj[k] !== undefined);
  if (present.length === 1) return present[0] ?? null;
  ctx.addIssue({
    code: 'custom',
    message: `give exactly one of ${keys.join(', ')} (got ${present.length === 0 ? 'none' : present.join(' and ')})`,
  });
  return null;
}

// ---- service times -------------------------------------------------------------------------

const serviceTime = section({
  const: duration().optional(), // { const: 300us }: every request takes exactly this long
  exp: duration().optional(), // { exp: 200us }: exponential with this mean
  lognormal: section({
    median: duration({ positive: true }), // required, > 0
    p99: duration({ positive: true }), // required; must be >= median
  }).optional(),
}).transform((v, ctx: Ctx): ServiceTime => {
  const which = exactlyOne(v, ['const', 'exp', 'lognormal'] as const, ctx);
  if (which === 'const' && v.const !== undefined) return { kind: 'const', value_us: v.const };
  if (which === 'exp' && v.exp !== undefined) return { kind: 'exp', mean_us: v.exp };
  if (which === 'lognormal' && v.lognormal !== undefined) {
    const { median, p99 } = v.lognormal;
    if (p99 < median) {
      ctx.addIssue({ code: 'custom', path: ['lognormal', 'p99'], message: `must be >= median (got p99 ${p99}us < median ${median}us)` });
      return z.NEVER;
    }
    return { kind: 'lognormal', median_us: median, p99_us: p99 };
  }
  return z.NEVER;
});

// ---- users ---------------------------------------------------------------------------------

const openLoad = section({
  users: int(1, LIMITS.users).default(1_000_000), // default: 1000000 users in all
  rate: rate({ positive: true }).prefault('200k/s'), // default: 200k/s arrivals
  shape: oneOf(['poisson', 'uniform']).default('poisson'), // default: poisson (exponential gaps)
});

const closedLoad = section({
  concurrency: int(1, LIMITS.users).default(100), // default: 100 users in flight, like ab -c
  requests: int(1, LIMITS.users).default(10_000), // default: 10000 requests in all, like ab -n
  think_time: duration().prefault('0s'), // default: 0s between a reply and the next request
});

const load = z
  .preprocess(
    (v) => (v === null ? { open: {} } : v),
    section({
      open: openLoad.optional(), // default: open with the defaults above
      closed: closedLoad.optional(),
    }),
  )
  .transform((v, ctx: Ctx) => {
    const which = exactlyOne(v, ['open', 'closed'] as const, ctx);
    if (which === 'open' && v.open) return { kind: 'open' as const, users: v.open.users, rate_per_s: v.open.rate, shape: v.open.shape };
    if (which === 'closed' && v.closed) {
      const c = v.closed;
      return { kind: 'closed' as const, concurrency: c.concurrency, requests: c.requests, think_time_us: c.think_time };
    }
    return z.NEVER;
  });

// ---- nginx ---------------------------------------------------------------------------------

export const NEXT_UPSTREAM_CONDITIONS = [
  'error',
  'timeout',
  'invalid_header',
  'http_500',
  'http_502',
  'http_503',
  'http_504',
  'http_429',
  'non_idempotent',
  'off',
] as const satisfies readonly NextUpstreamCondition[];

/** The article's upstream block: app1..app4 weighted 1:2:3:4. Also used by --set to index into the default list. */
export const DEFAULT_SERVERS: ReadonlyArray<{ name: string; weight: number }> = [
  { name: 'app1', weight: 1 },
  { name: 'app2', weight: 2 },
  { name: 'app3', weight: 3 },
  { name: 'app4', weight: 4 },
];
export const DEFAULT_NEXT_UPSTREAM: readonly NextUpstreamCondition[] = ['error', 'timeout'];

// Node names appear in fault targets, reports and expect paths, so no dots or spaces.
const NODE_NAME_RE = /^[A-Za-z0-9_-]+$/;

const server = section({
  name: text()
    .refine((s) => NODE_NAME_RE.test(s), { message: 'must be letters, digits, _ or - (it names a node)' })
    .refine((s) => s !== REDIS_NODE, { message: `"${REDIS_NODE}" is reserved for the Redis node` })
    .optional(), // default: app<index+1>; names must be unique
  weight: int(1, LIMITS.int32).default(1), // default: 1 (nginx rejects weight=0)
  max_fails: int(0, LIMITS.int32).optional(), // default: upstream.max_fails
  fail_timeout: duration().optional(), // default: upstream.fail_timeout
  backup: flag().default(false), // default: false
  down: flag().default(false), // default: false
});

const nextUpstream = z
  .preprocess(
    // nginx writes `proxy_next_upstream error timeout;`, so a space-separated string is accepted too
    (v) => (typeof v === 'string' ? v.trim().split(/\s+/) : v),
    list(oneOf(NEXT_UPSTREAM_CONDITIONS), `conditions (${NEXT_UPSTREAM_CONDITIONS.join(', ')})`),
  )
  .transform((conds, ctx: Ctx): NextUpstreamCondition[] => {
    if (conds.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must list at least one condition (or off)' });
      return z.NEVER;
    }
    const off = conds.indexOf('off');
    if (off >= 0 && conds.length > 1) {
      ctx.addIssue({ code: 'custom', path: [off], message: "'off' must be the only condition" });
      return z.NEVER;
    }
    return conds;
  });

const upstream = section({
  balance: oneOf(['round_robin', 'ip_hash', 'least_conn']).default('round_robin'), // default: round_robin (nginx's smooth weighted)
  max_fails: int(0, LIMITS.int32).default(1), // default: 1 (nginx's default)
  fail_timeout: duration().prefault('10s'), // default: 10s (nginx's default)
  next_upstream: nextUpstream.prefault([...DEFAULT_NEXT_UPSTREAM]), // default: [error, timeout] (nginx's default)
  next_upstream_tries: int(0, LIMITS.int32).default(0), // default: 0 = unlimited (nginx's default)
  next_upstream_timeout: duration().prefault('0s'), // default: 0s = unlimited (nginx's default)
  servers: list(server, 'servers')
    .min(1, { message: 'must list at least one server' })
    .prefault(DEFAULT_SERVERS.map((s) => ({ ...s }))), // default: app1..app4 with weights 1,2,3,4
});

// ---- app -----------------------------------------------------------------------------------

const localStock = z.union(
  [
    list(int(0, LIMITS.int32), 'integers'), // explicit stock per server, in server order; length must equal servers
    section({ buffer: positiveNumber() }), // floor(inventory x buffer) split by weight (largest remainder)
  ],
  { error: (iss) => `must be a list of integers (one per server) or { buffer: x } (got ${describeValue(iss.input)})` },
);

// ---- redis ---------------------------------------------------------------------------------

// redis.conf's `save` as "seconds changes [seconds changes ...]", or a list of [seconds, changes].
const saveRules = z.unknown().transform((v, ctx: Ctx): [number, number][] => {
  const usage = 'must be like "3600 1 300 100 60 10000" (pairs of seconds and changes), or "" for no snapshots';
  let nums: unknown[];
  if (typeof v === 'string') nums = v.trim() === '' ? [] : v.trim().split(/\s+/).map(Number);
  else if (Array.isArray(v)) nums = v.flat();
  else {
    ctx.addIssue({ code: 'custom', message: `${usage} (got ${describeValue(v)})` });
    return z.NEVER;
  }
  if (nums.length % 2 !== 0 || !nums.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n > 0)) {
    ctx.addIssue({ code: 'custom', message: `${usage} (got ${describeValue(v)})` });
    return z.NEVER;
  }
  const rules: [number, number][] = [];
  for (let i = 0; i < nums.length; i += 2) rules.push([nums[i] as number, nums[i + 1] as number]);
  return rules;
});

// ---- sites ---------------------------------------------------------------------------------

// One data centre: `{ name: dc1, weight: 1, nginx: [nginx1], servers: [app1, app2] }`.
const site = section({
  name: text().refine((s) => NODE_NAME_RE.test(s), { message: 'must be letters, digits, _ or - (it names a site)' }), // required
  weight: int(0, LIMITS.int32).default(1), // default: 1 (its share of the DNS answers; 0 = a standby site)
  nginx: list(text(), 'nginx instance names (nginx1..N)').min(1, { message: 'must list at least one nginx instance' }), // required
  servers: list(text(), 'app server names').min(1, { message: 'must list at least one app server' }), // required
  // default: none (users reach the site's nginx directly). The site's own routers, as `network:`
  // names them (routers, ingress, links, ...; users -> its ingress take the top-level network.latency)
  network: section(networkKeys()).optional(),
  lvs: lvsSchema().optional(), // default: none; the site's own directors, numbered on from the sites before it
});

/** The GSLB in front of the sites: its DNS answers' TTL and its health checks. */
export function gslbSchema() {
  return section({
    ttl: duration().prefault('30s'), // default: 30s (BIG-IP DNS's pool TTL); resolvers keep an answer this long
    interval: duration({ positive: true }).prefault('5s'), // default: 5s (PowerDNS's health-check interval)
    fall: int(1, 1000).default(3), // default: 3 failed checks in a row take a site out of the answers (HAProxy's fall)
    rise: int(1, 1000).default(2), // default: 2 good checks in a row bring it back (HAProxy's rise)
  });
}

export function siteLinkSchema() {
  return section({
    latency: duration().prefault('5ms'), // default: 5ms one-way between any two sites
  });
}

// A replica and its replication link: the link stands for the inter-site link once sites exist.
const replica = section({
  name: text()
    .refine((s) => NODE_NAME_RE.test(s), { message: 'must be letters, digits, _ or - (it names a node)' })
    .refine((s) => s !== REDIS_NODE, { message: `"${REDIS_NODE}" is the master's name` }),
  link_latency: duration().prefault('1ms'), // default: 1ms one-way master <-> replica
  priority: int(0, 255).default(100), // default: 100 (replica-priority; 0 = never promoted)
  // default: none. With sites, the site the replica runs in: in another site than redis.site its
  // replication link is the site link (its latency, its `down`), and `kill: <site>` kills it
  site: text().optional(),
});

// sentinel.conf for the one monitored master
const sentinel = section({
  sentinels: int(1, 15).default(3), // default: 3
  quorum: int(1, 15).default(2), // default: 2
  down_after: duration({ positive: true }).prefault('30s'), // default: 30s (down-after-milliseconds)
  failover_timeout: duration({ positive: true }).prefault('180s'), // default: 180s (failover-timeout)
  parallel_syncs: int(1, 15).default(1), // default: 1
  // default: none (each Sentinel sits with a replica, round robin). With sites, the site each
  // Sentinel runs in, one per Sentinel; it sits with the Redis instance of that site
  sites: list(text(), 'site names, one per Sentinel').optional(),
});

const waitCall = section({
  numreplicas: int(1, 15).default(1), // default: 1
  timeout: duration().prefault('100ms'), // default: 100ms (0 = wait for ever, as WAIT does)
});

// ---- faults and expectations ---------------------------------------------------------------

function fraction() {
  return hinted(z.unknown().transform((v, ctx: Ctx): number => {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      ctx.addIssue({ code: 'custom', message: `must be a number between 0 and 1 (got ${describeValue(v)})` });
      return z.NEVER;
    }
    return v;
  }), { type: 'number', minimum: 0, maximum: 1 });
}

const FAULT_ACTIONS = ['kill', 'recover', 'slow', 'restart', 'partition', 'drop', 'down', 'up', 'stop'] as const;

// One entry of `faults:`: exactly one action key naming its target, plus the options it takes.
// `{ at: 2s, kill: app3 }`, `{ at: 2s, slow: app3, factor: 10, for: 5s }`,
// `{ at: 2s, partition: [app3, redis], for: 5s }`, `{ at: 2s, drop: app3-redis, fraction: 0.1 }`,
// `{ at: 2s, restart: redis, for: 1s }`, and the random forms
// `{ random: kill, nodes: [app1, app2], mtbf: 20s, mttr: 3s, until: 10s }` and
// `{ random_kill: { count: 2, among: [app1, app2, app3], between: [1s, 3s] } }`.
const randomKill = section({
  count: int(1), // how many distinct nodes die
  among: list(text(), 'node names'),
  between: list(duration(), 'two durations, like [1s, 3s]'), // each dies at a uniform time in [lo, hi]
}).transform((v, ctx: Ctx) => {
  const [lo, hi] = v.between;
  if (v.between.length !== 2 || lo === undefined || hi === undefined || hi < lo) {
    ctx.addIssue({ code: 'custom', path: ['between'], message: 'must be two durations [lo, hi] with lo <= hi, like [1s, 3s]' });
    return z.NEVER;
  }
  if (v.count > v.among.length) {
    ctx.addIssue({ code: 'custom', path: ['count'], message: `must be at most the ${v.among.length} nodes of among` });
    return z.NEVER;
  }
  return { count: v.count, among: v.among, from_us: lo, until_us: hi };
});

const fault = section({
  at: duration().optional(), // required for a fixed fault: when, from the start of the run
  kill: text().optional(), // a node: an app server or "redis"; or a site: all of it goes dark
  recover: text().optional(),
  slow: text().optional(),
  restart: text().optional(), // "redis"
  partition: list(text(), 'node names').optional(),
  drop: text().optional(), // a link: nginx1-app3 or app3-redis
  down: text().optional(), // a network link: r1-lvs1 (network.links), or a site link: dc1-dc2
  up: text().optional(), // a network link
  stop: text().optional(), // an LVS director: keepalived stops cleanly
  for: duration().optional(), // default: until the end of the run (restart: 0s downtime)
  factor: positiveNumber().optional(), // slow: default 10
  fraction: fraction().optional(), // drop: default 0.1
  random: oneOf(['kill', 'slow', 'partition']).optional(),
  nodes: list(text(), 'node names').optional(), // random: the nodes that may fail
  mtbf: duration({ positive: true }).optional(), // random: mean time between failures per node
  mttr: duration({ positive: true }).optional(), // random: mean time to repair
  from: duration().optional(), // random: default 0s
  until: duration().optional(), // random: default the end of the open load's arrivals, else 60s
  random_kill: randomKill.optional(),
}).transform((v, ctx: Ctx) => {
  if (v.random_kill !== undefined) return { kind: 'random_kill' as const, ...v.random_kill };
  if (v.random !== undefined) {
    const missing = (['nodes', 'mtbf', 'mttr'] as const).filter((k) => v[k] === undefined);
    if (missing.length > 0) {
      ctx.addIssue({ code: 'custom', message: `a random fault needs ${missing.join(', ')}` });
      return z.NEVER;
    }
    return {
      kind: 'random' as const,
      action: v.random,
      nodes: v.nodes ?? [],
      mtbf_us: v.mtbf ?? 0,
      mttr_us: v.mttr ?? 0,
      factor: v.factor ?? 10,
      from_us: v.from ?? 0,
      until_us: v.until ?? -1,
    };
  }
  const which = exactlyOne(v, FAULT_ACTIONS, ctx);
  if (which === null) return z.NEVER;
  if (v.at === undefined) {
    ctx.addIssue({ code: 'custom', path: ['at'], message: 'is required (write e.g. at: 2s)' });
    return z.NEVER;
  }
  const target = which === 'partition' ? 'partition' : (v[which] as string);
  return {
    kind: 'fixed' as const,
    at_us: v.at,
    action: which,
    target,
    for_us: v.for ?? 0,
    factor: v.factor ?? 10,
    fraction: v.fraction ?? 0.1,
    nodes: which === 'partition' ? (v.partition ?? []) : [],
  };
});

const NUM = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`;
const CMP_RE = new RegExp(`^(<=|>=|==|<|>)\\s*(${NUM})$`);
const BETWEEN_RE = new RegExp(`^between\\s+(${NUM})\\s+and\\s+(${NUM})$`, 'i');
const PLAIN_RE = new RegExp(`^${NUM}$`);
const OPS: Record<string, ExpectOp> = { '<=': 'le', '>=': 'ge', '==': 'eq', '<': 'lt', '>': 'gt' };

export type ParsedExpectation = { op: ExpectOp; a: number; b: number; raw: string; over?: ExpectOver; confidence?: number };

// Paths whose value is text, held by equality. A fingerprint is 8 hex digits; YAML reads an
// unquoted all-digit one as a number, so that is taken back to its 8 digits.
const TEXT_PATHS: Record<string, { re: RegExp; usage: string }> = {
  fingerprint: { re: /^[0-9a-f]{8}$/, usage: 'must be 8 hex digits in quotes, like "0badf00d"' },
};

function parseTextExpectation(value: unknown, rule: { re: RegExp; usage: string }): ParsedExpectation {
  const text =
    typeof value === 'string'
      ? value.trim().toLowerCase()
      : typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
        ? String(value).padStart(8, '0')
        : null;
  if (text === null || !rule.re.test(text)) throw new Error(`${rule.usage} (got ${describeValue(value)})`);
  return { op: 'eq_text', a: NaN, b: NaN, raw: text };
}

/**
 * An expect value: a number (==), "<= 10", ">= 9990", "< x", "> x", "== x", "between A and B";
 * for a text path (fingerprint), the text itself.
 */
export function parseExpectation(value: unknown, path = ''): ParsedExpectation {
  const textRule = Object.hasOwn(TEXT_PATHS, path) ? TEXT_PATHS[path] : undefined; // not constructor, toString, ...
  if (textRule) return parseTextExpectation(value, textRule);
  if (typeof value === 'string') {
    const over = parseOverRuns(value);
    if (over !== null) return over;
  }
  return parseOneRun(value);
}

const EVERY_RE = /^(.*?)\s+in\s+every\s+run$/i;
const MEAN_RE = /^mean\s+(.*?)(?:\s+at\s+([0-9.]+)\s*%)?$/i;

/**
 * The forms that speak of many runs (sim check --replications): "== 0 in every run" (each run on
 * its own), "mean < 200 at 95%" (the Student-t interval of the mean must lie on the right side of
 * the bound; without "at", check's --confidence). Null when `value` is neither.
 */
function parseOverRuns(value: string): ParsedExpectation | null {
  const raw = value.trim();
  const every = EVERY_RE.exec(raw);
  if (every) {
    const inner = innerOf(every[1] ?? '', raw);
    return { ...inner, raw, over: 'every' };
  }
  const mean = MEAN_RE.exec(raw);
  if (!mean) return null;
  const inner = innerOf(mean[1] ?? '', raw);
  if (inner.op === 'eq' || inner.op === 'eq_text') {
    throw new Error(`a mean is never exactly equal at a confidence; write "mean between A and B" or "mean <= x" (got ${JSON.stringify(raw)})`);
  }
  const out: ParsedExpectation = { ...inner, raw, over: 'mean' };
  if (mean[2] !== undefined) {
    const pct = Number(mean[2]);
    if (!(pct > 0 && pct < 100)) throw new Error(`the confidence must be above 0 % and below 100 % (got ${JSON.stringify(raw)})`);
    out.confidence = Number(`${mean[2]}e-2`); // decimal: 99.9 % is 0.999, not 0.9990000000000001
  }
  return out;
}

/** The comparison inside a many-runs form; its errors name the whole text. */
function innerOf(text: string, raw: string): ParsedExpectation {
  try {
    return parseOneRun(text);
  } catch {
    throw new Error(`must compare like "== 0 in every run" or "mean < 200 at 95%" (got ${JSON.stringify(raw)})`);
  }
}

function parseOneRun(value: unknown): ParsedExpectation {
  const usage = 'must be a number or a string like "<= 10", ">= 9990", "== 1", "between 0.39 and 0.41", "== 0 in every run", "mean < 200 at 95%"';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${usage} (got ${describeValue(value)})`);
    return { op: 'eq', a: value, b: value, raw: String(value) };
  }
  if (typeof value !== 'string') throw new Error(`${usage} (got ${describeValue(value)})`);
  const raw = value.trim();
  let m = CMP_RE.exec(raw);
  if (m) {
    const a = Number(m[2]);
    return { op: OPS[m[1] ?? '=='] ?? 'eq', a, b: a, raw };
  }
  m = BETWEEN_RE.exec(raw);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a > b) throw new Error(`between A and B needs A <= B (got ${JSON.stringify(raw)})`);
    return { op: 'between', a, b, raw };
  }
  if (PLAIN_RE.test(raw)) {
    const a = Number(raw);
    return { op: 'eq', a, b: a, raw };
  }
  throw new Error(`${usage} (got ${describeValue(value)})`);
}

// Parsed per entry so that the path can choose how its value reads (number or text).
const expectValues = (rec: Record<string, unknown>, ctx: Ctx): Record<string, ParsedExpectation> => {
  const out: [string, ParsedExpectation][] = [];
  for (const [path, v] of Object.entries(rec)) {
    try {
      out.push([path, parseExpectation(v, path)]);
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: [path], message: (e as Error).message });
    }
  }
  // fromEntries defines own keys, so `__proto__:` stays a key (and is then refused as a path)
  return Object.fromEntries(out);
};

// ---- the whole file ------------------------------------------------------------------------

export const scenarioSchema = section({
  // default: the file's basename without extension. It names the report directory, so no slashes.
  name: text()
    .min(1, { message: 'must not be empty' })
    .refine((s) => !/[/\\]/.test(s) && s !== '.' && s !== '..', { message: 'must not contain / or \\ or be . or .. (it names the report directory)' })
    .optional(),
  description: text().default(''), // default: '' (free text)
  seed: int(0).default(1), // default: 1; `--seed N` overrides it
  tickets: section({
    inventory: int(0).default(10_000), // default: 10000 (the Redis hash field "total")
    // default: source. source (the article's Lua, oversells by one) | fixed | path/to/file.lua
    // (relative to the scenario file) | { lua: "..." }
    script: z
      .union([text(), section({ lua: text() })], {
        error: (iss) => `must be source, fixed, a path to a .lua file, or { lua: "..." } (got ${describeValue(iss.input)})`,
      })
      .default('source'),
    // default: none (one inventory). per_site: with sites, each site runs a Redis of its own with
    // an even share of the inventory (the first sites one more each for the remainder), and its
    // app servers use only that one; a dark site's unsold share is stranded
    split: oneOf(['per_site']).optional(),
  }).prefault({}),
  users: section({
    load: load.prefault({ open: {} }), // default: open (1000000 users at 200k/s, poisson); or closed
    client_ips: int(1, LIMITS.clientIps).default(65_536), // default: 65536 distinct source addresses
    timeout: duration().prefault('30s'), // default: 30s
    retries: int(0, LIMITS.retries).default(0), // default: 0 (a user's own re-clicks after an error or a timeout)
    retry_backoff: duration().prefault('1s'), // default: 1s before a re-click (+-50 % jitter)
    method: oneOf(['GET', 'POST']).default('GET'), // default: GET (ab's); POST is not retried by nginx once sent
  }).prefault({}),
  network: section({
    latency: duration().prefault('1ms'), // default: 1ms one-way users <-> nginx; with routers: users -> ingress router
    ...networkKeys(), // routers, ingress, links, hash_policy, maximum_paths, ospf, bfd (./network-schema.ts)
  }).prefault({}),
  lvs: lvsSchema().optional(), // default: none; with network.routers, the defaults of ./network-schema.ts
  // default: none (one site). Two or more data centres, each naming its nginx instances and app
  // servers; every instance and server in exactly one site
  sites: list(site, 'sites ({ name: dc1, weight: 1, nginx: [nginx1], servers: [app1] })').optional(),
  site_link: siteLinkSchema().optional(), // default: { latency: 5ms } with sites; only with sites
  gslb: gslbSchema().optional(), // default: { ttl: 30s, interval: 5s, fall: 3, rise: 2 } with sites; only with sites
  nginx: section({
    instances: int(1, LIMITS.instances).default(1), // default: 1
    workers: int(1, LIMITS.workers).default(1), // default: 1 (each worker keeps its own round-robin state)
    proxy_latency: duration().prefault('100us'), // default: 100us one-way nginx <-> app
    proxy_connect_timeout: duration({ positive: true }).prefault('60s'), // default: 60s (nginx's)
    proxy_read_timeout: duration({ positive: true }).prefault('60s'), // default: 60s (nginx's)
    upstream: upstream.prefault({}),
  }).prefault({}),
  app: section({
    local_stock: localStock.prefault({ buffer: 1.2 }), // default: { buffer: 1.2 }
    local_check: oneOf(['source', 'exact']).default('source'), // default: source (LocalSalesVolume++ then <, sells stock-1)
    concurrency: int(1, LIMITS.appSlots).default(1), // default: 1 (the article's `done` channel of size 1: one request at a time)
    local_rollback: flag().default(false), // default: false (the article keeps the local deduction when Redis fails)
    redis_connect_timeout: duration().prefault('0s'), // default: 0s = none (redigo's Dial without options)
    redis_read_timeout: duration().prefault('0s'), // default: 0s = none
    service_time: serviceTime.prefault({ const: '300us' }), // default: { const: 300us }
  }).prefault({}),
  redis: section({
    latency: duration().prefault('100us'), // default: 100us one-way app <-> redis
    site: text().optional(), // default: the first site (with sites: where Redis runs; other sites add the site link)
    service_time: serviceTime.prefault({ const: '50us' }), // default: { const: 50us }
    appendonly: flag().default(false), // default: false (redis.conf's default)
    appendfsync: oneOf(['always', 'everysec', 'no']).default('everysec'), // default: everysec
    save: saveRules.prefault('3600 1 300 100 60 10000'), // default: redis.conf's "3600 1 300 100 60 10000"; "" = no RDB
    // default: 1000000 Lua instructions per script call, then the call fails with an error that
    // summary.json counts. Redis's own limit is a time (busy-reply-threshold, formerly
    // lua-time-limit, 5 s); a count is the same on every machine. fengari runs about 3e7 a second.
    lua_max_instructions: int(1)
      .refine((n) => n <= 1e9, { message: 'must be at most 1000000000 (a call that long takes about 35 s here)' })
      .default(1_000_000),
    // default: none (one Redis). Replicas on asynchronous replication, each over a link of its own.
    replicas: list(replica, 'replicas ({ name: replica1, link_latency: 1ms })').optional(),
    min_replicas_to_write: int(0, LIMITS.int32).default(0), // default: 0 = off (redis.conf's min-replicas-to-write)
    min_replicas_max_lag: int(0, LIMITS.int32).default(10), // default: 10 (seconds, redis.conf's min-replicas-max-lag)
    sentinel: sentinel.optional(), // default: none (no failover); needs replicas
    wait: waitCall.optional(), // default: none; { numreplicas: 1, timeout: 100ms }: the app calls WAIT after each sale
  }).prefault({}),
  // default: none (every process has its own unlimited CPU). { box1: { cores: 2 } }
  hosts: z
    .record(
      text(),
      section({
        cores: int(1, LIMITS.cores),
        // default: Linux's sched_base_slice for these cores, 0.75ms x (1 + log2(min(cores, 8))): 1.5ms
        // for 2. A core runs one thread for up to this long; 0 = processor sharing (every runnable
        // thread advances at once)
        slice: duration().optional(),
      }),
      { error: () => 'must be a map of host names to { cores: N }' },
    )
    .optional(),
  // default: none. { box1: [users, nginx1, app1, redis] }: the processes each host runs
  place: z.record(text(), list(text(), 'process names (users, nginx1, app1, redis)'), { error: () => 'must be a map of host names to lists of processes' }).optional(),
  // CPU time per request (per command for Redis), spent on the process's host; used with `hosts`
  cpu: section({
    users: duration().prefault('53us'), // default: 53us (ab's own work per request)
    nginx: duration().prefault('85us'), // default: 85us
    // default: 139us (the Go server's, inside and outside the lock); or a list, one per upstream server
    app: z.union([list(duration(), 'durations (one per server)'), duration()]).prefault('139us'),
    redis: duration().prefault('27us'), // default: 27us per script call
    redis_client: duration().prefault('0us'), // default: 0us: the app's Redis client per script call, inside the lock, beyond `app`
    threads: section({
      users: int(1, LIMITS.threads).optional(), // default: 1 (ab is one thread)
      nginx: int(1, LIMITS.threads).optional(), // default: nginx.workers
      app: int(1, LIMITS.threads).optional(), // default: the host's cores (Go's GOMAXPROCS)
      redis: int(1, LIMITS.threads).optional(), // default: 1 (Redis runs commands on one thread)
    }).prefault({}),
    // CPU a process spends each time one of its threads wakes from idle (an event loop's
    // epoll_wait returning), beside its cost per request; default: 0us (none)
    wake: section({
      users: duration().prefault('0us'),
      nginx: duration().prefault('0us'),
      app: duration().prefault('0us'),
      redis: duration().prefault('0us'),
    }).prefault({}),
    // where the app's CPU falls: its shares inside the lock and after it (the rest is before it),
    // and the share of redis_client that issues the call (the rest reads the reply)
    split: section({
      app_lock: fraction().prefault(0.061), // default: 0.061 (the local deduction)
      app_after: fraction().prefault(0.202), // default: 0.202 (the answer and the log line)
      redis_client_send: fraction().prefault(0.81), // default: 0.81
    }).prefault({}),
    // the app's garbage collection: a pause of `pause` CPU on its thread every `every` requests it
    // receives (a runtime that stops its event loop to collect); default: every 0 (none)
    gc: section({
      every: int(0, LIMITS.int32).prefault(0),
      pause: duration().prefault('0us'),
    }).prefault({}),
  }).optional(),
  faults: z
    .preprocess((v) => (v === null ? [] : v), list(fault, 'faults ({ at: 1s, kill: app1 }, { at: 2s, recover: app1 }, ...)'))
    .prefault([]), // default: [] (no faults); applied in the order written
  expect: z
    .preprocess(
      (v) => (v === null ? {} : v),
      z
        .record(text(), z.unknown(), {
          error: (iss) => (iss.code === 'invalid_type' ? `must be a map of summary.json paths to values (got ${describeValue(iss.input)})` : undefined),
        })
        .transform(expectValues),
    )
    .prefault({}), // default: {} (no expectations)
  report: section({
    bin: duration({ positive: true }).prefault('100ms'), // default: 100ms time-series bin width
  }).prefault({}),
});

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ParsedScenario = z.output<typeof scenarioSchema>;

/** Messages for the issues zod raises itself (the helpers above word their own). */
export const scenarioErrorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      return `must be ${iss.expected === 'array' ? 'a list' : iss.expected === 'object' ? 'a map' : `a ${iss.expected}`} (got ${describeValue(iss.input)})`;
    case 'too_small':
      return `is too small (minimum ${String(iss.minimum)})`;
    default:
      return undefined;
  }
};
