// Fuzzing the scenario input: shipped scenarios mutated at random (lines deleted, duplicated or
// swapped, numbers and units changed, stray characters, truncation) and numeric keys set to edge
// values. The only acceptable outcomes: one line of bad input (exit 2), or a run that ends within
// its time bound. Fixed seed; FUZZ_RUNS=2000 (npm run fuzz) for a longer search.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { ScenarioError, parseScenario } from '../src/scenario/load.js';
import { ScriptError } from '../src/model/redis/lua/errors.js';
import { UnknownExpectPath } from '../src/metrics/expect.js';
import { checkExpectPaths } from '../src/model/summary-skeleton.js';
import { runScenario } from '../src/model/stack.js';
import type { Scenario } from '../src/scenario/types.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
// Runs larger than this are only loaded (their bounds are checked), not run, to keep CI short.
const MAX_RUN_USERS = Number(process.env.FUZZ_MAX_USERS ?? 3000);
const RUN_LIMIT_MS = 20_000;

const SHIPPED = readdirSync('scenarios')
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({ file: path.join('scenarios', f), text: readFileSync(path.join('scenarios', f), 'utf8') }));

const EDGE_NUMBERS = ['0', '-1', '2147483648', '9007199254740992', '1e300', '.nan', 'NaN', '1e-300', '0.5', '-0', '4294967296'];
const UNITS = ['', 'ns', 'us', 'ms', 's', 'm', 'min', 'h', 'd', '/s', 'k/s', '/us'];
const STRAY = [':', '{', '}', '[', ']', '-', '&', '*', '!', '#', '"', "'", '\t', '|', '>', '%', '@', '`', ',', '?', '\u00a0', '\uFEFF'];

type Mutation =
  | { kind: 'delete' | 'duplicate'; line: number }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'number'; nth: number; value: string; unit: string | null }
  | { kind: 'stray'; at: number; ch: string }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('number' as const), nth: fc.nat(), value: fc.constantFrom(...EDGE_NUMBERS), unit: fc.option(fc.constantFrom(...UNITS)) }),
  fc.record({ kind: fc.constant('stray' as const), at: fc.nat(), ch: fc.constantFrom(...STRAY) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

const NUMBER_RE = /(?<![\w.])(\d+(?:\.\d+)?)([a-zA-Z/]*)/g;

function mutate(text: string, m: Mutation): string {
  const lines = text.split('\n');
  const n = lines.length;
  switch (m.kind) {
    case 'delete':
      return lines.filter((_, i) => i !== m.line % n).join('\n');
    case 'duplicate':
      return [...lines.slice(0, (m.line % n) + 1), ...lines.slice(m.line % n)].join('\n');
    case 'swap': {
      const out = [...lines];
      const [a, b] = [m.a % n, m.b % n];
      [out[a], out[b]] = [out[b] as string, out[a] as string];
      return out.join('\n');
    }
    case 'number': {
      const hits = [...text.matchAll(NUMBER_RE)];
      if (hits.length === 0) return text;
      const h = hits[m.nth % hits.length] as RegExpMatchArray;
      const at = h.index ?? 0;
      return text.slice(0, at) + m.value + (m.unit ?? h[2] ?? '') + text.slice(at + h[0].length);
    }
    case 'stray':
      return text.slice(0, m.at % (text.length + 1)) + m.ch + text.slice(m.at % (text.length + 1));
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
  }
}

/** Loads (and, when small, runs) a scenario; throws on anything but an accepted outcome. */
function outcome(text: string, file: string, set: string[] = []): 'refused' | 'loaded' | 'ran' {
  let s: Scenario;
  try {
    s = parseScenario(text, file, { set });
    checkExpectPaths(s);
  } catch (e) {
    if (e instanceof ScenarioError) {
      if (e.message.includes('\n') || e.message.length > 600) throw new Error(`not one short line: ${JSON.stringify(e.message)}`);
      return 'refused';
    }
    throw e;
  }
  const users = s.users.load.kind === 'open' ? s.users.load.users : s.users.load.requests;
  if (users > MAX_RUN_USERS) return 'loaded';
  const t0 = Date.now();
  try {
    runScenario(s);
  } catch (e) {
    // bad input found only by the run (exit 2, one line): a script error, an expect path under a
    // list that this run left shorter
    if (e instanceof ScriptError || e instanceof UnknownExpectPath) return 'refused';
    throw new Error(`${(e as Error).message}\n  replay: sim run ${file}${set.map((x) => ` --set '${x}'`).join('')} (with the counterexample's text)`);
  }
  const ms = Date.now() - t0;
  if (ms > RUN_LIMIT_MS) throw new Error(`a run of ${users} users took ${ms} ms`);
  return 'ran';
}

// Numeric keys and where they are, for edge values through --set.
const NUMERIC_KEYS = [
  'seed',
  'tickets.inventory',
  'users.client_ips',
  'users.retries',
  'users.timeout',
  'users.retry_backoff',
  'network.latency',
  'nginx.instances',
  'nginx.workers',
  'nginx.proxy_latency',
  'nginx.proxy_connect_timeout',
  'nginx.proxy_read_timeout',
  'nginx.upstream.max_fails',
  'nginx.upstream.fail_timeout',
  'nginx.upstream.next_upstream_tries',
  'nginx.upstream.next_upstream_timeout',
  'nginx.upstream.servers[0].weight',
  'app.concurrency',
  'app.redis_read_timeout',
  'app.local_stock.buffer',
  'app.service_time.exp',
  'redis.latency',
  'redis.service_time.const',
  'report.bin',
];

describe('fuzzing the scenario input', () => {
  test('mutated shipped scenarios: one line of bad input, or a run within its bound', () => {
    const tally = { refused: 0, loaded: 0, ran: 0 };
    fc.assert(
      fc.property(fc.constantFrom(...SHIPPED), fc.array(mutation, { minLength: 1, maxLength: 3 }), (sc, ms) => {
        const text = ms.reduce(mutate, sc.text);
        tally[outcome(text, sc.file)]++;
      }),
      { seed: SEED, numRuns: RUNS * 4 },
    );
    expect(tally.refused + tally.loaded + tally.ran).toBe(RUNS * 4);
  });

  test('edge values of the numeric keys: 0, -1, 2^31, 2^53, 1e300, NaN, with and without units', () => {
    const small = SHIPPED.filter((s) => /source-ab|slow-app|two-servers|partition-app/.test(s.file));
    fc.assert(
      fc.property(fc.constantFrom(...small), fc.constantFrom(...NUMERIC_KEYS), fc.constantFrom(...EDGE_NUMBERS), fc.constantFrom(...UNITS), (sc, key, v, unit) => {
        // a small closed load, so that an accepted value is also run
        outcome(sc.text, sc.file, ['users.load={closed: {concurrency: 10, requests: 200}}', 'expect={}', `${key}=${v}${unit}`]);
      }),
      { seed: SEED, numRuns: RUNS * 4 },
    );
  });
});
