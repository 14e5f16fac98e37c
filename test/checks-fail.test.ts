// Every check seen failing: each expect: operator holds in one case and breaks in another, in
// process and through `sim check` (exit 1); each invariant breaks in a run made to break it.
import { holds } from '../src/metrics/expect.js';
import { Ledger } from '../src/metrics/ledger.js';
import { Metrics } from '../src/metrics/metrics.js';
import { OUTCOME_OK, OUTCOME_SOLD_OUT } from '../src/metrics/outcomes.js';
import { summarize } from '../src/metrics/summarize.js';
import type { AppStockTotals } from '../src/metrics/tier-sections.js';
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';
import { parseExpectation } from '../src/scenario/schema.js';
import type { Expectation } from '../src/scenario/types.js';
import { handTiers } from './support/summary-input.js';
import { scratch, sim } from './support/sim-cli.js';

const { write } = scratch('sim-checks-fail-');

const e = (path: string, value: unknown): Expectation => ({ ...parseExpectation(value, path), path, line: 1 });

describe('each operator holds on one side of its bound and breaks on the other', () => {
  // [written, values that hold, values that break]; the bounds themselves are in both lists
  const cases: [unknown, number[], number[]][] = [
    [3, [3], [2, 4, 3.0001]],
    ['== 3', [3], [2.9999, 4]],
    ['< 3', [2, 2.9999, -1], [3, 4]],
    ['<= 3', [3, 2], [3.0001, 4]],
    ['> 3', [4, 3.0001], [3, 2]],
    ['>= 3', [3, 4], [2.9999, 2]],
    // below, inside, at both ends, above: `||` for `&&` would hold below and above
    ['between 1 and 3', [1, 2, 3], [0, 0.9999, 3.0001, 5]],
  ];
  test.each(cases)('%s', (written, good, bad) => {
    const x = e('tickets.sold', written);
    for (const v of good) expect([v, holds(x, v)]).toEqual([v, true]);
    for (const v of bad) expect([v, holds(x, v)]).toEqual([v, false]);
    // null (sell_out_ms of a run that never sold out) and text never hold a number
    expect(holds(x, null)).toBe(false);
    expect(holds(x, '3')).toBe(false);
  });

  test('the fingerprint: text equality only', () => {
    const x = e('fingerprint', '0badf00d');
    expect(holds(x, '0badf00d')).toBe(true);
    expect(holds(x, '0badf00e')).toBe(false);
    expect(holds(x, '0BADF00D')).toBe(false); // reports write lower case; the expectation is lower-cased
    expect(holds(x, null)).toBe(false);
  });
});

// 400 users, one every 50 us, against inventory 20 with the article's script: 21 sold (its >=
// sells one more than the total), 379 told "sold out", nobody failed, no retries. The local stock
// (buffer 2: 40 on the one server) is spent down to 40 - 21 - 1 before Redis refuses.
const TINY = `name: tiny
seed: 3
tickets: { inventory: 20 }
users:
  load:
    open: { users: 400, rate: 20k/s, shape: uniform }
app:
  local_stock: { buffer: 2 }
  service_time: { exp: 20us }
`;

describe('every operator through sim check', () => {
  const fp = runScenario(parseScenario(TINY, 'tiny.yaml')).report.summary.fingerprint;
  const holding = `expect:
  tickets.inventory: 20
  tickets.sold: "< 22"
  tickets.oversold: "<= 1"
  users.total: "> 399"
  requests.total: ">= 400"
  users.succeeded: "between 21 and 21"
  users.sold_out: "== 379"
  fingerprint: "${fp}"
`;
  const breaking = `expect:
  tickets.inventory: 19
  tickets.sold: "< 21"
  tickets.oversold: "<= 0"
  users.total: "> 400"
  requests.total: ">= 401"
  users.succeeded: "between 22 and 30"
  tickets.local_stock_total: "between 0 and 39"
  users.failed: "between 1 and 5"
  users.sold_out: "== 380"
  fingerprint: "00000000"
`;

  test('all hold: exit 0', () => {
    const f = write('holding.yaml', TINY + holding);
    const r = sim('check', f);
    expect(r.err).toBe('');
    expect(r.out).toBe(`PASS ${f} (8 expectations, 3 invariants)\n`);
    expect(r.code).toBe(0);
  });

  test('each breaks: exit 1, one line each with what was wanted and what came', () => {
    const f = write('breaking.yaml', TINY + breaking);
    const r = sim('check', f);
    expect(r.code).toBe(1);
    const fails = r.out.split('\n').filter((l) => l.startsWith(`FAIL ${f}: `));
    const at = `FAIL ${f}: tiny:`;
    expect(fails).toEqual([
      `${at} tickets.inventory: wanted 19, got 20`,
      `${at} tickets.sold: wanted < 21, got 21`,
      `${at} tickets.oversold: wanted <= 0, got 1`,
      `${at} users.total: wanted > 400, got 400`,
      `${at} requests.total: wanted >= 401, got 400`,
      `${at} users.succeeded: wanted between 22 and 30, got 21`,
      `${at} tickets.local_stock_total: wanted between 0 and 39, got 40`,
      `${at} users.failed: wanted between 1 and 5, got 0`,
      `${at} users.sold_out: wanted == 380, got 379`,
      `${at} fingerprint: wanted 00000000, got ${fp}`,
      // the block states oversold <= 0, so the invariant is wanted as that says
      `${at} invariant no_oversell: wanted as stated by expect tickets.oversold, got broken (sold 21 > inventory 20)`,
    ]);
  });
});

// Two servers behind nginx, one user every millisecond; Redis takes 2 ms a command, so its queue
// grows by one command every 2 ms and a command waits longer and longer. app1 dies at 5.5 ms
// with a GET whose HINCRBY is already queued at Redis: nginx sees the reset and, GET being
// idempotent, sends it again to app2. Redis still runs the first command (a ticket for a user
// nobody will tell) and then app2's (a second ticket): one user holds two tickets.
const DOUBLE = `name: double
seed: 1
tickets: { inventory: 100, script: fixed }
users:
  load:
    open: { users: 20, rate: 1k/s, shape: uniform }
nginx:
  upstream:
    servers:
      - { name: app1, weight: 1 }
      - { name: app2, weight: 1 }
app:
  local_stock: [100, 100]
  service_time: { const: 100us }
redis:
  service_time: { const: 2ms }
faults:
  - { at: 5500us, kill: app1 }
`;

describe('the ledger breaks when a GET is sent again after a kill', () => {
  test('in process: one user holds two tickets', () => {
    const s = runScenario(parseScenario(DOUBLE, 'double.yaml')).report.summary;
    expect(s.users.double_holders).toBe(1);
    expect(s.tickets.sold).toBe(21); // 20 users, one of them twice
    expect(s.users.succeeded).toBe(20);
    expect(s.invariants.ledger).toBe(false);
    expect(s.invariants.no_oversell).toBe(true);
    expect(s.invariants.conservation).toBe(true);
  });

  test('POST is not sent again once sent: nobody holds two, and the ledger holds', () => {
    const s = runScenario(parseScenario(DOUBLE, 'double.yaml', { set: ['users.method=POST'] })).report.summary;
    expect(s.users.double_holders).toBe(0);
    expect(s.tiers.nginx.nginx1?.retries).toBe(0);
    expect(s.invariants.ledger).toBe(true);
  });

  test('through sim check: exit 1 and the ledger line', () => {
    const f = write('double.yaml', DOUBLE);
    const r = sim('check', f);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL ${f}: double: invariant ledger: wanted to hold, got broken (tickets handed out 21, users told success 20, users holding two 1)\n`);
  });
});

// One server, users every 10 ms, Redis with AOF and appendfsync everysec restarting at 250 ms:
// the first fsync would come at 1 s, so every HINCRBY before the restart is lost. The hash
// forgets those sales: its `sold` no longer counts every ticket handed out.
const AOF = `name: aof
seed: 1
tickets: { inventory: 50, script: fixed }
users:
  load:
    open: { users: 40, rate: 100/s, shape: uniform }
nginx:
  upstream:
    servers:
      - { name: app1, weight: 1 }
app:
  local_stock: [100]
  local_check: exact
  service_time: { const: 100us }
redis:
  service_time: { const: 100us }
  appendonly: true
  appendfsync: everysec
faults:
  - { at: 250ms, restart: redis }
`;

describe('conservation breaks when a Redis restart loses writes', () => {
  test('in process: 25 sales before the restart are forgotten', () => {
    const s = runScenario(parseScenario(AOF, 'aof.yaml')).report.summary;
    // users at 0, 10, ..., 240 ms (25 of them) bought before the restart; 15 after
    expect(s.tickets.sold).toBe(40);
    expect(s.tiers.redis.writes_lost).toBe(25);
    expect(s.tiers.redis.keyspace).toEqual({ ticket_hash_key: { ticket_total_nums: '50', ticket_sold_nums: '15' } });
    expect(s.invariants.conservation).toBe(false);
  });

  test('appendfsync always loses nothing, and conservation holds', () => {
    const s = runScenario(parseScenario(AOF, 'aof.yaml', { set: ['redis.appendfsync=always'] })).report.summary;
    expect(s.tiers.redis.writes_lost).toBe(0);
    expect(s.invariants.conservation).toBe(true);
  });

  test('through sim check: exit 1 and the conservation line', () => {
    const f = write('aof.yaml', AOF);
    const r = sim('check', f);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL ${f}: aof: invariant conservation: wanted to hold, got broken (tickets handed out 40; the Redis hash says total 50, sold 15; confirmed by app servers 40)\n`);
  });
});

describe('conservation and the unsold split, from hand-made counters', () => {
  // inventory 5; Redis granted 3 tickets to users 0, 1, 2, who were told; user 3 heard "sold out"
  // twice. Only the run-level arithmetic is under test here, so the tier sections are minimal.
  const scenario = parseScenario('name: hand\ntickets: { inventory: 5 }\nusers:\n  load:\n    closed: { concurrency: 1, requests: 4 }\n', 'hand.yaml');
  // a tier that recorded no load: summarize() needs the series, these tests do not look at them
  const run = (stock: Partial<AppStockTotals>, hash = { sold: 3, total: 5 }, grantRepliesLost = 0, latencies_us: number[] = []) => {
    const metrics = new Metrics(100_000);
    for (const l of latencies_us) metrics.latency.record(l);
    const ledger = new Ledger(4);
    for (const u of [0, 1, 2]) {
      ledger.grant(u);
      ledger.tell(u);
    }
    const end = {
      events: 0,
      fingerprint: 0,
      usersTotal: 4,
      usersFinal: Uint8Array.from([OUTCOME_OK, OUTCOME_OK, OUTCOME_OK, OUTCOME_SOLD_OUT]),
      usersRequests: Uint16Array.from([1, 1, 1, 2]),
    };
    const tiers = handTiers({ bin_us: 100_000, redisOk: 3, scriptCalls: 3, stock, hash, grantRepliesLost });
    return summarize(scenario, metrics, ledger, end, tiers).summary;
  };

  test('the apps confirm what Redis granted: conservation holds', () => {
    expect(run({}).invariants).toEqual({ no_oversell: true, ledger: true, conservation: true });
  });

  test('an app confirmation missing: conservation breaks', () => {
    expect(run({ redisOk: 2 }).invariants.conservation).toBe(false);
    expect(run({ redisOk: 4 }).invariants.conservation).toBe(false);
  });

  test('a grant that reached a dead app, or whose reply was lost, still counts', () => {
    expect(run({ redisOk: 2, redisOkLost: 1 }).invariants.conservation).toBe(true);
    expect(run({ redisOk: 2 }, undefined, 1).invariants.conservation).toBe(true);
    expect(run({ redisOk: 2, redisOkLost: 1 }, undefined, 1).invariants.conservation).toBe(false);
  });

  test('the hash forgetting a sale, or its total, breaks it', () => {
    expect(run({}, { sold: 2, total: 5 }).invariants.conservation).toBe(false);
    expect(run({}, { sold: 3, total: 4 }).invariants.conservation).toBe(false);
  });

  test('the unsold split: stranded first, then burned, the rest never reached', () => {
    // unsold = 5 - 3 = 2
    expect(run({ strandedLocal: 1 }).tickets.unsold_split).toEqual({ stranded_local: 1, burned_local: 0, never_reached: 1 });
    expect(run({ strandedLocal: 1, burnedLocal: 5 }).tickets.unsold_split).toEqual({ stranded_local: 1, burned_local: 1, never_reached: 0 });
    expect(run({ burnedLocal: 1 }).tickets.unsold_split).toEqual({ stranded_local: 0, burned_local: 1, never_reached: 1 });
    expect(run({ strandedLocal: 7 }).tickets.unsold_split).toEqual({ stranded_local: 2, burned_local: 0, never_reached: 0 });
    // the totals stay whole beside the split
    expect(run({ strandedLocal: 7, burnedLocal: 4 }).tickets).toMatchObject({ unsold: 2, stranded_local: 7, burned_local: 4 });
  });

  test('latency quantiles at 0.5, 0.9, 0.99 and 0.999: ranks ceil(q n) of 1..20 us (exact buckets below 64 us)', () => {
    const lat = Array.from({ length: 20 }, (_, i) => 20 - i); // recorded in any order
    // ranks 10, 18, 20, 20: 10, 18, 20, 20 us; the mean 10.5 us
    expect(run({}, undefined, 0, lat).latency_ms).toEqual({ p50: 0.01, p90: 0.018, p99: 0.02, p999: 0.02, max: 0.02, mean: 0.011 });
  });

  test('users count once each, by their last answer; one retried', () => {
    expect(run({}).users).toEqual({ total: 4, succeeded: 3, sold_out: 1, failed: 0, retried: 1, late_answers: 0, double_holders: 0, failed_timeout: 0, failed_error: 0, timeout_ms: 30000 });
  });
});

describe('the ledger audit, each breach on its own', () => {
  const audit = (held: number[], told: number[]) => {
    const l = new Ledger(held.length);
    held.forEach((n, u) => {
      for (let i = 0; i < n; i++) l.grant(u);
    });
    told.forEach((n, u) => {
      for (let i = 0; i < n; i++) l.tell(u);
    });
    return { ...l.audit(), granted: l.granted };
  };

  test('clean: one ticket and one success each, or neither', () => {
    expect(audit([1, 0, 1], [1, 0, 1])).toEqual({ doubleHolders: 0, toldWithoutTicket: 0, orphaned: 0, toldTwice: 0, granted: 2 });
  });

  test('each breach counted apart', () => {
    expect(audit([2, 1], [1, 1])).toMatchObject({ doubleHolders: 1, orphaned: 0, granted: 3 });
    expect(audit([0, 1], [1, 1])).toMatchObject({ toldWithoutTicket: 1, doubleHolders: 0 });
    expect(audit([1, 3], [0, 0])).toMatchObject({ orphaned: 4, toldWithoutTicket: 0 });
    expect(audit([1, 1], [2, 1])).toMatchObject({ toldTwice: 1, doubleHolders: 0 });
  });

  test('counts saturate at 255 per user, the total does not', () => {
    const r = audit([300], [300]);
    expect(r).toMatchObject({ doubleHolders: 1, toldTwice: 1, granted: 300 });
  });
});
