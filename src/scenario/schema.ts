// The zod schema of the scenario YAML (DESIGN §7). Strict: unknown keys are errors.
// Every key's default is written in a `default:` comment beside it; the README table is built from these.
// Units are converted here (durations -> integer µs, rates -> /s). Defaults that depend on other keys
// (server max_fails, local stock split, name, script text) are filled in by ./load.ts.

import { z } from 'zod';
import type { ExpectOp, NextUpstreamCondition, ServiceTime } from './types.js';
import { parseDuration_us, parseRate_per_s } from './units.js';

type Ctx = z.RefinementCtx;

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
function section<S extends z.ZodRawShape>(shape: S) {
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

function int(min: number) {
  return z.unknown().transform((v, ctx: Ctx): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      ctx.addIssue({ code: 'custom', message: `must be an integer >= ${min} (got ${describeValue(v)})` });
      return z.NEVER;
    }
    return v;
  });
}

function positiveNumber() {
  return z.unknown().transform((v, ctx: Ctx): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      ctx.addIssue({ code: 'custom', message: `must be a number > 0 (got ${describeValue(v)})` });
      return z.NEVER;
    }
    return v;
  });
}

// A bare YAML number is handed to the parser as text so that `0` passes and `30` gets "missing unit".
function duration(opts: { positive?: boolean } = {}) {
  return z.unknown().transform((v, ctx: Ctx): number => {
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
  });
}

function rate(opts: { positive?: boolean } = {}) {
  return z.unknown().transform((v, ctx: Ctx): number => {
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
  });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (iss) => `must be one of ${values.join(', ')} (got ${describeValue(iss.input)})`,
  });
}

function text() {
  return z.string({ error: (iss) => (iss.input === undefined ? 'is required' : `must be a string (got ${describeValue(iss.input)})`) });
}

function flag() {
  return z.boolean({ error: (iss) => `must be true or false (got ${describeValue(iss.input)})` });
}

function list<T extends z.ZodType>(item: T, what: string) {
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
  users: int(1).default(1_000_000), // default: 1000000 users in all
  rate: rate({ positive: true }).prefault('200k/s'), // default: 200k/s arrivals
  shape: oneOf(['poisson', 'uniform']).default('poisson'), // default: poisson (exponential gaps)
});

const closedLoad = section({
  concurrency: int(1).default(100), // default: 100 users in flight, like ab -c
  requests: int(1).default(10_000), // default: 10000 requests in all, like ab -n
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
    .refine((s) => s !== 'redis', { message: '"redis" is reserved for the Redis node' })
    .optional(), // default: app<index+1>; names must be unique
  weight: int(1).default(1), // default: 1 (nginx rejects weight=0)
  max_fails: int(0).optional(), // default: upstream.max_fails
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
  balance: oneOf(['round_robin']).default('round_robin'), // default: round_robin (nginx's smooth weighted); the only one so far
  max_fails: int(0).default(1), // default: 1 (nginx's default)
  fail_timeout: duration().prefault('10s'), // default: 10s (nginx's default)
  next_upstream: nextUpstream.prefault([...DEFAULT_NEXT_UPSTREAM]), // default: [error, timeout] (nginx's default)
  next_upstream_tries: int(0).default(0), // default: 0 = unlimited (nginx's default)
  servers: list(server, 'servers')
    .min(1, { message: 'must list at least one server' })
    .prefault(DEFAULT_SERVERS.map((s) => ({ ...s }))), // default: app1..app4 with weights 1,2,3,4
});

// ---- app -----------------------------------------------------------------------------------

const localStock = z.union(
  [
    list(int(0), 'integers'), // explicit stock per server, in server order; length must equal servers
    section({ buffer: positiveNumber() }), // floor(inventory x buffer) split by weight (largest remainder)
  ],
  { error: (iss) => `must be a list of integers (one per server) or { buffer: x } (got ${describeValue(iss.input)})` },
);

// ---- faults and expectations ---------------------------------------------------------------

const fault = section({
  at: duration(), // required: when, from the start of the run
  kill: text().optional(), // a server name or "redis"
  recover: text().optional(), // a server name or "redis"
}).transform((v, ctx: Ctx) => {
  const which = exactlyOne(v, ['kill', 'recover'] as const, ctx);
  const target = which === 'kill' ? v.kill : which === 'recover' ? v.recover : undefined;
  if (which === null || target === undefined) return z.NEVER;
  return { at_us: v.at, action: which, target };
});

const NUM = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`;
const CMP_RE = new RegExp(`^(<=|>=|==|<|>)\\s*(${NUM})$`);
const BETWEEN_RE = new RegExp(`^between\\s+(${NUM})\\s+and\\s+(${NUM})$`, 'i');
const PLAIN_RE = new RegExp(`^${NUM}$`);
const OPS: Record<string, ExpectOp> = { '<=': 'le', '>=': 'ge', '==': 'eq', '<': 'lt', '>': 'gt' };

export type ParsedExpectation = { op: ExpectOp; a: number; b: number; raw: string };

/** An expect value: a number (==), "<= 10", ">= 9990", "< x", "> x", "== x", "between A and B". */
export function parseExpectation(value: unknown): ParsedExpectation {
  const usage = 'must be a number or a string like "<= 10", ">= 9990", "== 1", "between 0.39 and 0.41"';
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

const expectValue = z.unknown().transform((v, ctx: Ctx): ParsedExpectation => {
  try {
    return parseExpectation(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

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
  }).prefault({}),
  users: section({
    load: load.prefault({ open: {} }), // default: open (1000000 users at 200k/s, poisson); or closed
    client_ips: int(1).default(65_536), // default: 65536 distinct source addresses
    timeout: duration().prefault('30s'), // default: 30s
    retries: int(0).default(0), // default: 0 (a user's own re-clicks after an error)
  }).prefault({}),
  network: section({
    latency: duration().prefault('1ms'), // default: 1ms one-way users <-> nginx (stands in for the routed network)
  }).prefault({}),
  nginx: section({
    instances: int(1).default(1), // default: 1
    workers: int(1).default(1), // default: 1 (each worker keeps its own round-robin state)
    proxy_latency: duration().prefault('100us'), // default: 100us one-way nginx <-> app
    upstream: upstream.prefault({}),
  }).prefault({}),
  app: section({
    local_stock: localStock.prefault({ buffer: 1.2 }), // default: { buffer: 1.2 }
    local_check: oneOf(['source', 'exact']).default('source'), // default: source (LocalSalesVolume++ then <, sells stock-1)
    concurrency: int(1).default(1), // default: 1 (the article's `done` channel of size 1: one request at a time)
    service_time: serviceTime.prefault({ const: '300us' }), // default: { const: 300us }
  }).prefault({}),
  redis: section({
    latency: duration().prefault('100us'), // default: 100us one-way app <-> redis
    service_time: serviceTime.prefault({ const: '50us' }), // default: { const: 50us }
  }).prefault({}),
  faults: z
    .preprocess((v) => (v === null ? [] : v), list(fault, 'faults ({ at: 1s, kill: app1 } or { at: 2s, recover: app1 })'))
    .prefault([]), // default: [] (no faults); applied in the order written
  expect: z
    .preprocess(
      (v) => (v === null ? {} : v),
      z.record(text(), expectValue, {
        error: (iss) => (iss.code === 'invalid_type' ? `must be a map of summary.json paths to values (got ${describeValue(iss.input)})` : undefined),
      }),
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
