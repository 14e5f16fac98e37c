// The upper bounds of src/scenario/bounds.ts, checked in-process (robustness.test.ts checks a few
// through the built CLI, where no mutant can be seen): each limit is accepted at its value and
// refused one step past it, with the whole message. Every number is worked out by hand beside it.
import { fmtBytes, fmtCount, fmtSpan } from '../src/scenario/bounds.js';
import { parseScenario, ScenarioError } from '../src/scenario/load.js';

/** The ScenarioError's message for `yaml` with these --set overrides, or '' when it loads. */
function refusal(yaml: string, ...set: string[]): string {
  try {
    parseScenario(yaml, 'b.yaml', { set });
    return '';
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return e.message;
  }
}

// 30 days in µs, the limit of the simulated span
const L_us = 30 * 86_400 * 1_000_000; // 2,592,000,000,000
const SPAN = 'makes the run last 30 days of simulated time (an upper estimate); the limit is 30 days';

// Everything that adds to the span estimate is 0 or 1 µs, so each test's one key decides it. Six
// users at 1/s arrive over 6 s (6,000,000 µs); of the tail, only the two proxy timeouts (1 µs) are
// not 0. One app server. One-hour bins, so the bins never bind here.
const BASE = `name: b
users:
  load:
    open: { users: 6, rate: 1/s }
  timeout: 0s
network: { latency: 0s }
nginx:
  proxy_latency: 0s
  proxy_connect_timeout: 1us
  proxy_read_timeout: 1us
  upstream:
    fail_timeout: 0s
    servers:
      - { name: app1, weight: 1 }
app:
  service_time: { const: 0s }
redis:
  latency: 0s
  service_time: { const: 0s }
report:
  bin: 1h
`;
const TWO_SERVERS = 'nginx.upstream.servers=[{name: app1, weight: 1}, {name: app2, weight: 1}]';
// the open arrivals of BASE: 6 users / (1/s)
const A_us = 6_000_000;
// what the tail may take when the arrivals take A_us: L - A = 2,591,994,000,000
const TAIL_us = L_us - A_us;

describe('fmtCount', () => {
  test.each([
    [0, '0'],
    [-5, '-5'],
    [9_999_999_999, '9999999999'],
    [1e10, '1e10'],
    [-1e10, '-1e10'],
    [1.5e10, '1.5e10'],
    [1.23e10, '1.23e10'],
    [1.2e10, '1.2e10'],
    [2.5, '2.5e0'],
    [0.000123, '1.23e-4'],
    [9.007199254740991e15, '9.01e15'],
    [Infinity, 'Infinity'],
    [NaN, 'NaN'],
  ])('%d -> %s', (n, text) => {
    expect(fmtCount(n)).toBe(text);
  });
});

describe('fmtSpan at each unit edge', () => {
  test.each([
    [Infinity, 'more than 1e300 s'],
    [NaN, 'more than 1e300 s'],
    // 1e7 s and more: a count of seconds
    [1e13, '10000000 s'],
    [2.5e16, '2.5e10 s'],
    // just under: 9,999,999.999999 s / 86,400 = 115.74 days
    [1e13 - 1, '116 days'],
    [172_800e6, '2 days'],
    [172_800e6 - 1, '48 h'],
    [7_200e6, '2 h'],
    [7_200e6 - 1, '120 min'],
    [120e6, '2 min'],
    [120e6 - 1, '120 s'],
    [90e6, '90 s'],
    [1e6, '1 s'],
    [1e6 - 1, '1000 ms'],
    [1_234_567, '1.23 s'],
    [1000, '1 ms'],
    [999, '999 us'],
    [0, '0 us'],
    [1.23456, '1.23 us'],
  ])('%d us -> %s', (us, text) => {
    expect(fmtSpan(us)).toBe(text);
  });
});

describe('users (open and closed), at the limit of 1e8 and one past', () => {
  // 100M users at 100M/s arrive in 1 s
  const fast = 'users.load.open.rate=100M/s';
  test('100000000 accepted, 100000001 refused; 1,600,000,016 bytes print as 1.6 GB', () => {
    expect(refusal(BASE, fast, 'users.load.open.users=100000000')).toBe('');
    expect(refusal(BASE, fast, 'users.load.open.users=100000001')).toBe(
      'b.yaml: --set users.load.open.users: 100000001 users need about 1.6 GB of state (16 bytes each); the limit is 100000000 (1.6 GB)',
    );
  });
  test.each([
    // 6.25e9 x 16 = 1e11 bytes: 100 GB, rounded (at 100 and above)
    ['6250000000', '6250000000 users need about 100 GB'],
    // 1e10 x 16 = 1.6e11: 160 GB
    ['10000000000', '1e10 users need about 160 GB'],
    // 62.5e9 x 16 = 1e12 bytes: exactly 1000 GB, which is 1 TB
    ['62500000000', '6.25e10 users need about 1.0 TB'],
    // 2^53 - 1 users x 16 = 1.44e17 bytes: 144 PB
    ['9007199254740991', '9.01e15 users need about 144 PB'],
  ])('%s users: %s', (users, text) => {
    expect(refusal(BASE, 'users.load.open.rate=1000G/s', `users.load.open.users=${users}`)).toBe(
      `b.yaml: --set users.load.open.users: ${text} of state (16 bytes each); the limit is 100000000 (1.6 GB)`,
    );
  });
  test('closed: requests named, and concurrency up to 1e8', () => {
    const closed = (c: number, r: number) => `users.load={closed: {concurrency: ${c}, requests: ${r}}}`;
    expect(refusal(BASE, closed(100_000_000, 100_000_000))).toBe('');
    expect(refusal(BASE, closed(1, 100_000_001))).toBe(
      'b.yaml: --set users.load: users.load.closed.requests: 100000001 users need about 1.6 GB of state (16 bytes each); the limit is 100000000 (1.6 GB)',
    );
    expect(refusal(BASE, closed(100_000_001, 100_000_000))).toBe(
      'b.yaml: --set users.load: users.load.closed.concurrency: 100000001 is over the limit of 100000000: each user in flight keeps state',
    );
  });
});

describe('retries and tries', () => {
  test('retries: 1000 accepted, 1001 refused', () => {
    expect(refusal(BASE, 'users.retries=1000')).toBe('');
    expect(refusal(BASE, 'users.retries=1001')).toBe(
      "b.yaml: --set users.retries: 1001 is over the limit of 1000: a user's tries are counted in 16 bits and each costs events",
    );
  });
  test('users x (retries + 1) up to 1e9', () => {
    // 1M users at 1M/s: 1e6 x (999 + 1) = 1e9 tries, accepted; 1e6 x 1001 refused
    const users = ['users.load.open.users=1000000', 'users.load.open.rate=1M/s'];
    expect(refusal(BASE, ...users, 'users.retries=999')).toBe('');
    expect(refusal(BASE, ...users, 'users.retries=1000')).toBe(
      'b.yaml: --set users.retries: 1001000000 is over the limit of 1000000000: 1000000 users x 1001 tries; each try is about ten events',
    );
  });
});

describe('client_ips, app slots', () => {
  test('client_ips: 2^32 accepted, 2^32 + 1 refused', () => {
    expect(refusal(BASE, 'users.client_ips=4294967296')).toBe('');
    expect(refusal(BASE, 'users.client_ips=4294967297')).toBe(
      'b.yaml: --set users.client_ips: 4294967297 is over the limit of 4294967296: client addresses are IPv4 (32 bits)',
    );
  });
  test('servers x app.concurrency up to 1e7: 2 x 5,000,000 accepted, 2 x 5,000,001 refused', () => {
    expect(refusal(BASE, TWO_SERVERS, 'app.concurrency=5000000')).toBe('');
    expect(refusal(BASE, TWO_SERVERS, 'app.concurrency=5000001')).toBe(
      'b.yaml: --set app.concurrency: 10000002 is over the limit of 10000000: 2 servers x concurrency 5000001 slots of 4 bytes',
    );
  });
});

describe('32-bit integers of the upstream', () => {
  const servers = (a: string, b: string) => `nginx.upstream.servers=[{name: app1, ${a}}, {name: app2, ${b}}]`;
  test('a weight up to 2^31 - 1', () => {
    expect(refusal(BASE, 'nginx.upstream.servers[0].weight=2147483647')).toBe('');
    expect(refusal(BASE, 'nginx.upstream.servers[0].weight=2147483648')).toBe(
      'b.yaml: --set nginx.upstream.servers[0].weight: 2147483648 is over the limit of 2147483647: nginx keeps weights in 32-bit integers',
    );
  });
  test('the weights add up to at most 2^31 - 1: the server that passes it is named', () => {
    expect(refusal(BASE, servers('weight: 2147483646', 'weight: 1'))).toBe('');
    expect(refusal(BASE, servers('weight: 2147483647', 'weight: 1'))).toBe(
      "b.yaml: --set nginx.upstream.servers: nginx.upstream.servers[1].weight: the weights add up to more than 2147483647: nginx's smooth round robin sums them in 32-bit integers",
    );
  });
  test('max_fails per server and next_upstream_tries up to 2^31 - 1', () => {
    expect(refusal(BASE, servers('max_fails: 1', 'max_fails: 2147483647'))).toBe('');
    expect(refusal(BASE, servers('max_fails: 1', 'max_fails: 2147483648'))).toBe(
      'b.yaml: --set nginx.upstream.servers: nginx.upstream.servers[1].max_fails: 2147483648 is over the limit of 2147483647: kept in a 32-bit integer',
    );
    expect(refusal(BASE, 'nginx.upstream.next_upstream_tries=2147483647')).toBe('');
    expect(refusal(BASE, 'nginx.upstream.next_upstream_tries=2147483648')).toBe(
      'b.yaml: --set nginx.upstream.next_upstream_tries: 2147483648 is over the limit of 2147483647: kept in a 32-bit integer',
    );
  });
});

describe('local stock in 32-bit integers', () => {
  test('a written list: the entry past the limit is named', () => {
    expect(refusal(BASE, TWO_SERVERS, 'app.local_stock=[1, 2147483647]')).toBe('');
    expect(refusal(BASE, TWO_SERVERS, 'app.local_stock=[1, 2147483648]')).toBe(
      'b.yaml: --set app.local_stock: app.local_stock[1]: 2147483648 is over the limit of 2147483647: local stock is kept in a 32-bit integer',
    );
  });
  test('a buffer: the server past the limit is named, numbered from 1', () => {
    // weights 1 and 3: server 2 gets 3/4 of the inventory; 3/4 x 2,863,311,528 = 2,147,483,646
    const buffered = ['nginx.upstream.servers=[{name: app1, weight: 1}, {name: app2, weight: 3}]', 'app.local_stock={buffer: 1}'];
    expect(refusal(BASE, ...buffered, 'tickets.inventory=2863311528')).toBe('');
    // 3/4 x 2,863,311,532 = 2,147,483,649
    expect(refusal(BASE, ...buffered, 'tickets.inventory=2863311532')).toBe(
      'b.yaml: --set app.local_stock: app.local_stock.buffer: gives server 2 a local stock of 2147483649 (tickets.inventory 2863311532 x buffer, split by weight); each server\'s local stock must be <= 2147483647 (a 32-bit integer)',
    );
  });
});

describe('sizes of the stack', () => {
  test.each([
    ['nginx.workers', 1024, "nginx's own maximum (NGX_MAX_PROCESSES)"],
    ['nginx.instances', 1024, 'each instance is a node with its own peers, counters and timers'],
    ['lvs.directors', 256, 'each director keeps a table per nginx instance and runs VRRP'],
  ])('%s: %d accepted, one more refused', (key, limit, why) => {
    // active_active: the default router may sit on every director's LAN
    expect(refusal(BASE, 'lvs.mode=active_active', `${key}=${limit}`)).toBe('');
    expect(refusal(BASE, `${key}=${limit + 1}`)).toBe(`b.yaml: --set ${key}: ${limit + 1} is over the limit of ${limit}: ${why}`);
  });
  test('expectations: 10000 accepted, 10001 refused', () => {
    const expect_ = (n: number) => `${BASE}expect:\n${Array.from({ length: n }, (_, i) => `  x${i}: 1\n`).join('')}`;
    expect(refusal(expect_(10_000))).toBe('');
    expect(refusal(expect_(10_001))).toBe('b.yaml:22: expect: 10001 is over the limit of 10000: each is a summary.json path to look up');
  });
});

// Counted on the YAML's plain value, so a long list of broken items is refused for its length
// before its first broken item is looked at.
describe('long lists, counted before validation', () => {
  const list = (n: number, item: string) => Array.from({ length: n }, () => item).join(', ');
  test.each([
    // weight 0 is below its lower bound; {} links lack a and b; {} faults lack an action
    ['nginx.upstream.servers', 10_001, '{weight: 0}', "nginx's round robin scans every server on every pick"],
    ['network.routers', 257, '[]', 'each router runs SPF over router x router tables'],
    ['network.links', 4097, '{}', 'SPF runs over every link at each change'],
    ['faults', 10_001, '{}', 'each is scheduled and logged'],
  ])('%s: %d broken items refused for their number', (key, n, item, why) => {
    expect(refusal(BASE, `${key}=[${list(n, item)}]`)).toBe(`b.yaml: --set ${key}: ${n} is over the limit of ${n - 1}: ${why}`);
  });
  test('a list in the file is refused at its line', () => {
    const yaml = BASE.replace('      - { name: app1, weight: 1 }\n', '').replace('    servers:\n', `    servers: [${list(10_001, '{}')}]\n`);
    expect(refusal(yaml)).toBe("b.yaml:13: nginx.upstream.servers: 10001 is over the limit of 10000: nginx's round robin scans every server on every pick");
  });
  test('one broken item fewer than the limit is looked at', () => {
    expect(refusal(BASE, `faults=[${list(10_000, '{}')}]`)).toMatch(/^b\.yaml: --set faults: faults\[0\]/);
  });
});

/** `key` at `ok_us` loads (a service time's `const`/`exp` under `blamed`); one µs more is refused as making the run too long, naming `blamed`. */
function spanEdge(yaml: string, key: string, ok_us: number, blamed: string, ...set: string[]): void {
  const value = (us: number): string => (blamed === key ? `${us}us` : `{${key}: ${us}us}`);
  expect(refusal(yaml, ...set, `${blamed}=${value(ok_us)}`)).toBe('');
  expect(refusal(yaml, ...set, `${blamed}=${value(ok_us + 1)}`)).toBe(`b.yaml: --set ${blamed}: ${SPAN}`);
}

describe('the span: open arrivals plus the longest tail term, at 30 days', () => {
  // each tail term k x key fills L - A_us = 2,591,994,000,000 µs; one µs more is k µs too many
  test.each([
    // (1 + retries) x users.timeout, retries 1: 2 x 1,295,997,000,000
    ['users.timeout', TAIL_us / 2, 'users.retries=1'],
    // retries x 1.5 x retry_backoff, retries 1: 1.5 x 1,727,996,000,000
    ['users.retry_backoff', TAIL_us / 1.5, 'users.retries=1'],
    // there and back: 2 x each latency
    ['network.latency', TAIL_us / 2, 'seed=1'],
    ['nginx.proxy_latency', TAIL_us / 2, 'seed=1'],
    ['redis.latency', TAIL_us / 2, 'seed=1'],
    ['nginx.proxy_connect_timeout', TAIL_us, 'seed=1'],
    ['nginx.proxy_read_timeout', TAIL_us, 'seed=1'],
    ['nginx.upstream.fail_timeout', TAIL_us, 'seed=1'],
  ])('%s: %d us accepted', (key, ok_us, also) => {
    spanEdge(BASE, key, ok_us, key, also);
  });

  test('app.redis_read_timeout counts with the connect timeout', () => {
    // 2,591,000,000,000 + 994,000,000 = L - A
    spanEdge(BASE, 'app.redis_read_timeout', 2_591_000_000_000, 'app.redis_read_timeout', 'app.redis_connect_timeout=994s');
  });

  test('service times: a constant, 40 x an exponential mean, times the largest slow factor', () => {
    spanEdge(BASE, 'const', TAIL_us, 'app.service_time');
    spanEdge(BASE, 'const', TAIL_us, 'redis.service_time');
    // 40 x 64,799,850,000
    spanEdge(BASE, 'exp', TAIL_us / 40, 'app.service_time');
    // slowed 3 x by a fixed fault, and 2 x (less) by a random one: 3 x 863,998,000,000
    const slow = 'faults=[{at: 0s, slow: app1, factor: 3}, {random: slow, nodes: [app1], mtbf: 1h, mttr: 1h, factor: 2}]';
    spanEdge(BASE, 'const', TAIL_us / 3, 'app.service_time', slow);
    // the random fault's factor 4 is now the largest: 4 x 647,998,500,000
    const slow4 = 'faults=[{at: 0s, slow: app1, factor: 3}, {random: slow, nodes: [app1], mtbf: 1h, mttr: 1h, factor: 4}]';
    spanEdge(BASE, 'const', TAIL_us / 4, 'redis.service_time', slow4);
    // a factor under 1 never shortens the estimate; a kill has no factor
    spanEdge(BASE, 'const', TAIL_us, 'app.service_time', 'faults=[{at: 0s, slow: app1, factor: 0.5}, {at: 0s, kill: app1}]');
  });

  test('a lognormal draw up to median x (p99/median)^(9/2.326)', () => {
    // median 100,000 s, p99 200,000 s: 1e11 x 2^3.8693 = 1.4614e12 µs; + 6 s = 16.9 days: accepted
    expect(refusal(BASE, 'app.service_time={lognormal: {median: 100000s, p99: 200000s}}')).toBe('');
    // median 200,000 s, p99 400,000 s: 2e11 x 14.614 = 2.9228e12 µs, + 6 s = 2,922,855 s = 33.8 days
    expect(refusal(BASE, 'app.service_time={lognormal: {median: 200000s, p99: 400000s}}')).toBe(
      'b.yaml: --set app.service_time: makes the run last 33.8 days of simulated time (an upper estimate); the limit is 30 days',
    );
  });

  test('the arrivals: users / rate', () => {
    // 5,183,999 users at 2/s: 2,591,999,500,000 µs + the 1 µs tail; 5,184,000: L + 1
    const rate = 'users.load.open.rate=2/s';
    expect(refusal(BASE, rate, 'users.load.open.users=5183999')).toBe('');
    expect(refusal(BASE, rate, 'users.load.open.users=5184000')).toBe(`b.yaml: --set users.load.open.rate: ${SPAN}`);
  });

  test('faults: a fixed one ends at at + for, a random one at until + 40 x mttr; the latest is named', () => {
    // at + 1 s = L - A
    spanEdge(BASE, 'faults[0].at', TAIL_us - 1_000_000, 'faults[0].at', 'faults=[{at: 0s, kill: app1, for: 1s}]');
    // the second of two fixed faults, after a random one: faults[2].at
    const three = 'faults=[{random: kill, nodes: [app1], mtbf: 1h, mttr: 1us}, {at: 1s, kill: app1}, {at: 0s, kill: app1, for: 1s}]';
    expect(refusal(BASE, three, `faults[2].at=${TAIL_us - 1_000_000}us`)).toBe('');
    expect(refusal(BASE, three, `faults[2].at=${TAIL_us - 1_000_000 + 1}us`)).toBe(`b.yaml: --set faults[2].at: ${SPAN}`);
    // until + 40 x 1 µs = L - A; the random fault is written second
    const random = 'faults=[{at: 1s, kill: app1}, {random: kill, nodes: [app1], mtbf: 1h, mttr: 1us}]';
    expect(refusal(BASE, random, `faults[1].until=${TAIL_us - 40}us`)).toBe('');
    expect(refusal(BASE, random, `faults[1].until=${TAIL_us - 39}us`)).toBe(`b.yaml: --set faults[1].until: ${SPAN}`);
  });

  test('faults written in the file are named at their line', () => {
    const yaml = `${BASE}faults:\n  - { at: 1s, kill: app1 }\n  - { at: ${TAIL_us}us, kill: app1, for: 1us }\n`;
    expect(refusal(yaml)).toBe(`b.yaml:24: faults[1].at: ${SPAN}`);
  });
});

describe('the span with a closed load: every round adds up', () => {
  // 10 requests, 3 at a time: 4 rounds. The tail's largest term is 1 µs (the proxy timeouts).
  const CLOSED = BASE.replace('open: { users: 6, rate: 1/s }', 'closed: { concurrency: 3, requests: 10 }');
  test('think_time: 4 rounds x 647,999,999,999 + 1 = L - 3', () => {
    spanEdge(CLOSED, 'users.load.closed.think_time', 647_999_999_999, 'users.load.closed.think_time');
  });
  test('app.service_time: 10 requests over 1 server x 2 slots (5 x) outlast 4 rounds; + 1 x in the tail', () => {
    // 6 x 432,000,000,000 = L
    spanEdge(CLOSED, 'const', L_us / 6, 'app.service_time', 'app.concurrency=2');
  });
  test('app.service_time: 4 rounds outlast 10 requests over 5 slots (2 x); + 1 x in the tail', () => {
    // 5 x 518,400,000,000 = L
    spanEdge(CLOSED, 'const', L_us / 5, 'app.service_time', 'app.concurrency=5');
  });
  test('redis.service_time: one thread, 10 requests one after another; + 1 x in the tail', () => {
    // 11 x 235,636,363,636 = L - 4
    spanEdge(CLOSED, 'const', 235_636_363_636, 'redis.service_time');
  });
  test('an exponential service time counts its mean per round and 40 x it in the tail', () => {
    // 4 rounds + 40 = 44 x 58,909,090,909 = L - 4
    spanEdge(CLOSED, 'exp', 58_909_090_909, 'app.service_time', 'app.concurrency=5');
  });
  test('a lognormal service time counts its mean per round', () => {
    // median 2e11 µs, p99 4e11: mean = 2e11 x e^((ln 2 / 2.326)^2 / 2) = 2.0908e11, x 4 rounds = 8.3632e11;
    // the tail's extreme 2e11 x 2^(9/2.326) = 2.9228e12; together 3.7592e12 µs = 43.5 days
    expect(refusal(CLOSED, 'app.concurrency=5', 'app.service_time={lognormal: {median: 200000s, p99: 400000s}}')).toBe(
      'b.yaml: --set app.service_time: makes the run last 43.5 days of simulated time (an upper estimate); the limit is 30 days',
    );
  });
  test.each(['network.latency', 'nginx.proxy_latency', 'redis.latency'])('%s: there and back per round (8 x) and in the tail (2 x)', (key) => {
    // 10 x 259,200,000,000 = L
    spanEdge(CLOSED, key, L_us / 10, key);
  });
});

describe('random faults: the failures they are expected to draw, up to 1e6', () => {
  test('nodes x (until - from) / (mtbf + mttr)', () => {
    const one = (mtbf: number, mttr: number, extra = '') => `faults=[{random: kill, nodes: [app1], mtbf: ${mtbf}us, mttr: ${mttr}us${extra}}]`;
    // until defaults to the end of the arrivals, 6 s: 6e6 / (2 + 4) = 1e6, accepted; 6e6 / 5 refused
    expect(refusal(BASE, one(2, 4))).toBe('');
    expect(refusal(BASE, one(2, 3))).toBe('b.yaml: --set faults: faults[0].mtbf: 1 node failing every 2 us for 6 s means about 1200000 failures; the limit is 1000000');
    // 7e6 / 6 = 1,166,666.67, rounded
    expect(refusal(BASE, one(3, 3, ', until: 7s'))).toBe('b.yaml: --set faults: faults[0].mtbf: 1 node failing every 3 us for 7 s means about 1166667 failures; the limit is 1000000');
    // until before from: no time, no failures
    expect(refusal(BASE, one(1, 1, ', from: 5s, until: 1s'))).toBe('');
  });
  test('two nodes from 1 s to 4 s, written after a fixed fault', () => {
    const two = (mtbf: number, mttr: number) => `faults=[{at: 1s, kill: app1}, {random: kill, nodes: [app1, redis], mtbf: ${mtbf}us, mttr: ${mttr}us, from: 1s, until: 4s}]`;
    // 2 x 3e6 / 6 = 1e6
    expect(refusal(BASE, two(3, 3))).toBe('');
    expect(refusal(BASE, two(2, 3))).toBe('b.yaml: --set faults: faults[1].mtbf: 2 nodes failing every 2 us for 3 s means about 1200000 failures; the limit is 1000000');
  });
});

describe('slow factors up to 1e6', () => {
  const over = (i: number) => `b.yaml: --set faults: faults[${i}].factor: 1000001 is over the limit of 1e6: a slowed service time must stay within the simulated span`;
  const random = (action: string, factor: number) => `{random: ${action}, nodes: [app1], mtbf: 1h, mttr: 1h, factor: ${factor}}`;
  test('a fixed slow fault', () => {
    expect(refusal(BASE, `faults=[${random('kill', 1)}, {at: 0s, slow: app1, factor: 1000000}]`)).toBe('');
    expect(refusal(BASE, `faults=[${random('kill', 1)}, {at: 0s, slow: app1, factor: 1000001}]`)).toBe(over(1));
  });
  test('a random slow fault; a random kill ignores its factor', () => {
    expect(refusal(BASE, `faults=[{at: 1s, kill: app1}, ${random('slow', 1000000)}]`)).toBe('');
    expect(refusal(BASE, `faults=[{at: 1s, kill: app1}, ${random('slow', 1000001)}]`)).toBe(over(1));
    expect(refusal(BASE, `faults=[${random('kill', 1000001)}]`)).toBe('');
  });
});

describe('time-series bins, up to 1e6', () => {
  test('7 us bins over 6 s of arrivals and a 1 s proxy timeout: exactly 1e6 bins; 1 us more is 1000001', () => {
    expect(refusal(BASE, 'report.bin=7us', 'nginx.proxy_connect_timeout=1000000us')).toBe('');
    expect(refusal(BASE, 'report.bin=7us', 'nginx.proxy_connect_timeout=1000001us')).toBe(
      'b.yaml: --set report.bin: 7 us bins over about 7 s of simulated time (most of it from users.load.open.rate) make 1000001 time-series bins; the limit is 1000000: use a bin of at least 8 us',
    );
  });
  test('the largest term named by its key, list index included', () => {
    // 6 s of arrivals + a fault at 10 s: 16 s in 1 us bins
    expect(refusal(BASE, 'report.bin=1us', 'faults=[{at: 10s, kill: app1}]')).toBe(
      'b.yaml: --set report.bin: 1 us bins over about 16 s of simulated time (most of it from faults[0].at) make 16000000 time-series bins; the limit is 1000000: use a bin of at least 16 us',
    );
  });
});

// A routed front: one router, two directors, every latency 0 (lines 6-12).
const FRONT = BASE.replace(
  'network: { latency: 0s }\n',
  `network:
  latency: 0s
  routers: [r1]
  links:
    - { a: r1, b: lvs1, latency: 0s }
    - { a: r1, b: lvs2, latency: 0s }
lvs: { directors: 2, latency: 0s }
`,
);
// Two sites, each with such a front.
const SITES = BASE.replace('    servers:\n      - { name: app1, weight: 1 }\n', '    servers:\n      - { name: app1, weight: 1 }\n      - { name: app2, weight: 1 }\n')
  .replace('nginx:\n', 'nginx:\n  instances: 2\n')
  .replace('redis:\n', 'redis:\n  site: dc1\n')
  .concat(
    ['dc1', 'dc2']
      .map((name, i) => `  - name: ${name}
    nginx: [nginx${i + 1}]
    servers: [app${i + 1}]
    network:
      routers: [r${i + 1}]
      links:
        - { a: r${i + 1}, b: lvs${2 * i + 1}, latency: 0s }
        - { a: r${i + 1}, b: lvs${2 * i + 2}, latency: 0s }
    lvs: { directors: 2, latency: 0s }
`)
      .join(''),
  )
  .replace('  - name: dc1', 'sites:\n  - name: dc1');

const P_us = 2 ** 31 - 1;
const path = (total: number) =>
  `a one-way path through the routers can take 35.8 min (${total} us); path times are kept in 32-bit integers of microseconds, so the limit is 2147483647 us (35.8 min)`;

describe('the one-way path through a front, up to 2^31 - 1 us', () => {
  test('the largest part is named: network.latency, a link, lvs.latency', () => {
    expect(refusal(FRONT)).toBe('');
    expect(refusal(FRONT, `network.latency=${P_us}us`)).toBe('');
    expect(refusal(FRONT, `network.latency=${P_us + 1}us`)).toBe(`b.yaml: --set network.latency: ${path(P_us + 1)}`);
    // every part counts: 1000 + 2000 + (P - 3000) + 1
    const parts = ['network.latency=1000us', 'network.links[0].latency=2000us'];
    expect(refusal(FRONT, ...parts, `network.links[1].latency=${P_us - 3000}us`)).toBe('');
    expect(refusal(FRONT, ...parts, `network.links[1].latency=${P_us - 2999}us`)).toBe(`b.yaml: --set network.links[1].latency: ${path(P_us + 1)}`);
    expect(refusal(FRONT, ...parts, `lvs.latency=${P_us - 3000}us`)).toBe('');
    expect(refusal(FRONT, ...parts, `lvs.latency=${P_us - 2999}us`)).toBe(`b.yaml: --set lvs.latency: ${path(P_us + 1)}`);
  });
  test('a tie names the first', () => {
    const half = 2 ** 30;
    expect(refusal(FRONT, `network.latency=${half}us`, `lvs.latency=${half}us`)).toBe(`b.yaml: --set network.latency: ${path(2 * half)}`);
  });
  test("each site's front, under sites[i]", () => {
    expect(refusal(SITES)).toBe('');
    const parts = ['network.latency=1000us', 'sites[1].network.links[0].latency=2000us'];
    expect(refusal(SITES, ...parts, `sites[1].network.links[1].latency=${P_us - 3000}us`)).toBe('');
    expect(refusal(SITES, ...parts, `sites[1].network.links[1].latency=${P_us - 2999}us`)).toBe(`b.yaml: --set sites[1].network.links[1].latency: ${path(P_us + 1)}`);
    expect(refusal(SITES, `sites[0].lvs.latency=${P_us + 1}us`)).toBe(`b.yaml: --set sites[0].lvs.latency: ${path(P_us + 1)}`);
  });
});

describe("a front's timers in the span's tail", () => {
  test('OSPF: dead_interval + spf_max_hold + lsa_min_interval', () => {
    // X + 1 s + 2 s = L - A
    spanEdge(FRONT, 'network.ospf.dead_interval', TAIL_us - 3_000_000, 'network.ospf.dead_interval', 'network.ospf.spf_max_hold=1s', 'network.ospf.lsa_min_interval=2s');
  });
  test('VRRP: 4 x advert_int + preempt_delay, named by advert_int', () => {
    // 4 x 1 s + X = L - A; the error names advert_int, which the file does not write (line 12, lvs:)
    expect(refusal(FRONT, `lvs.vrrp.preempt_delay=${TAIL_us - 4_000_000}us`)).toBe('');
    expect(refusal(FRONT, `lvs.vrrp.preempt_delay=${TAIL_us - 3_999_999}us`)).toBe(`b.yaml:12: lvs.vrrp.advert_int: ${SPAN}`);
  });
  test('health checks: delay_loop + (retry + 1) x (connect_timeout + delay_before_retry)', () => {
    // X + 3 x (1 s + 2 s) = L - A
    const hc = (us: number) => `lvs.health_check={delay_loop: ${us}us, retry: 2, connect_timeout: 1s, delay_before_retry: 2s}`;
    expect(refusal(FRONT, hc(TAIL_us - 9_000_000))).toBe('');
    expect(refusal(FRONT, hc(TAIL_us - 8_999_999))).toBe(`b.yaml: --set lvs.health_check: lvs.health_check.delay_loop: ${SPAN}`);
  });
  test("each site's timers, under sites[i]", () => {
    spanEdge(SITES, 'sites[1].network.ospf.dead_interval', TAIL_us - 10_000_000, 'sites[1].network.ospf.dead_interval');
    const hc = (us: number) => `sites[0].lvs.health_check={delay_loop: ${us}us, retry: 0, connect_timeout: 1s, delay_before_retry: 0s}`;
    expect(refusal(SITES, hc(TAIL_us - 1_000_000))).toBe('');
    expect(refusal(SITES, hc(TAIL_us - 999_999))).toBe(`b.yaml: --set sites[0].lvs.health_check: sites[0].lvs.health_check.delay_loop: ${SPAN}`);
  });
});

describe("the sizes of each site's front", () => {
  const names = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`).join(', ');
  test('directors, routers and links of sites[1]', () => {
    expect(refusal(SITES, 'sites[1].lvs.directors=257')).toBe(
      'b.yaml: --set sites[1].lvs.directors: 257 is over the limit of 256: each director keeps a table per nginx instance and runs VRRP',
    );
    expect(refusal(SITES, `sites[1].network.routers=[${names(257, 'x')}]`)).toBe(
      'b.yaml: --set sites[1].network.routers: 257 is over the limit of 256: each router runs SPF over router x router tables',
    );
    expect(refusal(SITES, `sites[1].network.links=[${Array.from({ length: 4097 }, () => '{a: r2, b: lvs3}').join(', ')}]`)).toBe(
      'b.yaml: --set sites[1].network.links: 4097 is over the limit of 4096: SPF runs over every link at each change',
    );
    // at the limits something else is refused, not the size
    expect(refusal(SITES, 'sites[1].lvs.directors=256')).not.toContain('over the limit');
    expect(refusal(SITES, `sites[1].network.routers=[${names(256, 'x')}]`)).not.toContain('over the limit');
    expect(refusal(SITES, `sites[1].network.links=[${Array.from({ length: 4096 }, () => '{a: r2, b: lvs3}').join(', ')}]`)).not.toContain('over the limit');
  });
});

describe('fmtBytes', () => {
  test.each([
    [0, '0 bytes'],
    [999, '999 bytes'],
    [1000, '1.0 KB'],
    [1500, '1.5 KB'],
    [99_400, '99 KB'],
    // two significant digits of 99.5 and 99.7 would be 1.0e+2
    [99_500, '100 KB'],
    [99_700, '100 KB'],
    [999_000, '999 KB'],
    [1_000_000, '1.0 MB'],
    [1_600_000_016, '1.6 GB'],
    [1e12, '1.0 TB'],
    [1.44e17, '144 PB'],
    // past PB the count grows
    [1.6e21, '1600000 PB'],
  ])('%d -> %s', (bytes, text) => {
    expect(fmtBytes(bytes)).toBe(text);
  });
});
