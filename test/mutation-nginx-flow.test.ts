// nginx's request flow through the whole stack, for the cases the other nginx tests leave out:
// one primary with a backup (not nginx's `single`), proxy_next_upstream's conditions one by one,
// non_idempotent, `down` peers in the try count, instances chosen by the client address, and one
// peer state per worker. Every figure is worked out by hand in the comment beside it.
//
// The timings (the defaults): users <-> nginx 1 ms one way, nginx <-> app 100 us, app service
// 300 us (const), app <-> Redis 100 us, Redis 50 us. A sale: 2.75 ms. A connection to a dead app
// is refused one round trip later: 0.2 ms. max_fails 1, fail_timeout 10 s: a peer that failed once
// is skipped by later requests for the rest of these runs.
import { RoundRobinPeers } from '../src/model/nginx/pick-peer.js';
import { FIVE_USERS, flowStack, runSummary, THREE_SERVERS } from './support/flow-stack.js';

const run = runSummary;
const stack = (users: string, servers: string, faults: string, nginx = '', stock = '[10, 10, 10]') =>
  flowStack('flow', users, servers, faults, nginx, stock);
const THREE = THREE_SERVERS;
const KILL_1 = '  - { at: 0s, kill: app1 }\n';

describe('one primary and one backup', () => {
  // Not nginx's `single` (that needs no backup list): a failure counts and the request may go on.
  // User 0: app1 refused (1 of 2 tries), the primaries are spent, app2 (backup) sells: 2.75 + 0.2
  // = 2.95 ms. Users 1-4: app1 is failed out, so straight to the backup: 2.75 ms.
  const yaml = stack(FIVE_USERS, '      - { name: app1, weight: 1 }\n      - { name: app2, weight: 1, backup: true }\n', KILL_1, '', '[10, 10]');

  test('the dead primary is tried once, then the backup sells to everyone', () => {
    const s = run(yaml);
    expect(s.requests).toEqual({ total: 5, ok: 5, sold_out: 0, errors: 0, timeouts: 0 });
    expect(s.tiers.nginx.nginx1).toMatchObject({ requests: 5, retries: 1, bad_gateway: 0, gateway_timeout: 0 });
    expect([s.tiers.app.app1?.requests, s.tiers.app.app2?.requests]).toEqual([1, 5]);
    expect(s.latency_ms.max).toBe(2.95);
  });

  test('with no backup, the lone server is `single`: never retried, never failed out', () => {
    // every user goes to app1 and hears a 502 at 1 + 0.2 + 1 = 2.2 ms
    const s = run(stack(FIVE_USERS, '      - { name: app1, weight: 1 }\n', KILL_1, '', '[10]'));
    expect(s.requests).toEqual({ total: 5, ok: 0, sold_out: 0, errors: 5, timeouts: 0 });
    expect(s.tiers.nginx.nginx1).toMatchObject({ retries: 0, bad_gateway: 5 });
    expect(s.tiers.app.app1?.requests).toBe(5);
    expect(s.latency_ms.max).toBe(2.2);
  });
});

describe('proxy_next_upstream conditions', () => {
  // app1 dead, three primaries of weight 1. User 0 picks app1 (ties go to the first) and is
  // refused: an error. Users 1-4 skip the failed app1 and buy from app2 and app3.
  const refused = stack(FIVE_USERS, THREE, KILL_1);

  test.each([
    ['error timeout', 1, 5],
    ['error', 1, 5],
    ['timeout', 0, 4],
    ['off', 0, 4],
  ])('next_upstream %s on a refused connection: %i retries, %i sold', (conds, retries, ok) => {
    const s = run(refused, [`nginx.upstream.next_upstream=${conds}`]);
    expect(s.tiers.nginx.nginx1?.retries).toBe(retries);
    expect(s.tiers.nginx.nginx1?.bad_gateway).toBe(5 - ok);
    expect(s.requests).toEqual({ total: 5, ok, sold_out: 0, errors: 5 - ok, timeouts: 0 });
  });

  // app1 cut off (partition): the SYN never arrives; proxy_connect_timeout 50 ms. One user at 0.
  // Retried on a timeout: app2 sells at 1 + 50 + 1.75 = 52.75 ms. Not retried: 504 at 1 + 50 + 1.
  const cutOff = stack('{ users: 1, rate: 1/s, shape: uniform }', THREE, '  - { at: 0s, partition: [app1] }\n', '  proxy_connect_timeout: 50ms\n');

  test.each([
    ['timeout', 1, 1, 0, 52.75],
    ['error', 0, 0, 1, 52],
    ['off', 0, 0, 1, 52],
  ])('next_upstream %s on a connect timeout: %i retries, %i sold, %i 504s, %f ms', (conds, retries, ok, timeouts, max) => {
    const s = run(cutOff, [`nginx.upstream.next_upstream=${conds}`]);
    expect(s.tiers.nginx.nginx1?.retries).toBe(retries);
    expect(s.tiers.nginx.nginx1?.gateway_timeout).toBe(timeouts);
    expect(s.requests).toEqual({ total: 1, ok, sold_out: 0, errors: 0, timeouts });
    expect(s.latency_ms.max).toBe(max);
  });
});

describe('non_idempotent', () => {
  // One POST at 0 to app1 made 100x slow (30 ms of service); proxy_read_timeout 3 ms. The request
  // reaches app1 at 1.1 ms, connected: its read timeout fires at 4.1 ms. A POST already sent is
  // not repeated: 504 at 5.1 ms. With non_idempotent it goes on to app2: 4.1 + 2.75 - 1 (the user
  // leg in) = 5.85 ms. app1's handler still runs to its end and sells too (Go does not cancel it).
  const yaml = stack(
    '{ users: 1, rate: 1/s, shape: uniform }',
    '      - { name: app1, weight: 1 }\n      - { name: app2, weight: 1 }\n',
    '  - { at: 0s, slow: app1, factor: 100 }\n',
    '  proxy_read_timeout: 3ms\n',
    '[10, 10]',
  );

  test('a POST that reached the app is answered 504, not sent again', () => {
    const s = run(yaml, ['users.method=POST']);
    expect(s.tiers.nginx.nginx1).toMatchObject({ retries: 0, gateway_timeout: 1 });
    expect(s.requests).toEqual({ total: 1, ok: 0, sold_out: 0, errors: 0, timeouts: 1 });
    expect(s.latency_ms.max).toBe(5.1);
    expect(s.tickets.sold).toBe(1); // app1's abandoned run
  });

  test('with non_idempotent the POST goes on to app2', () => {
    const s = run(yaml, ['users.method=POST', 'nginx.upstream.next_upstream=error timeout non_idempotent']);
    expect(s.tiers.nginx.nginx1).toMatchObject({ retries: 1, gateway_timeout: 0 });
    expect(s.requests).toEqual({ total: 1, ok: 1, sold_out: 0, errors: 0, timeouts: 0 });
    expect(s.latency_ms.max).toBe(5.85);
    expect(s.tickets.sold).toBe(2);
  });

  test('a GET is sent again without it', () => {
    const s = run(yaml, ['users.method=GET']);
    expect(s.tiers.nginx.nginx1?.retries).toBe(1);
    expect(s.latency_ms.max).toBe(5.85);
  });

  test('a POST refused before it was sent is repeated', () => {
    // app1 dead: the connection is refused, nothing was sent, so the POST may go to app2
    const s = run(yaml.replace('slow: app1, factor: 100', 'kill: app1'), ['users.method=POST']);
    expect(s.tiers.nginx.nginx1?.retries).toBe(1);
    expect(s.requests.ok).toBe(1);
    expect(s.latency_ms.max).toBe(2.95); // 2.75 + 0.2
  });
});

describe('down peers do not count as tries', () => {
  // app1 `down`, app2 and app3 dead: tries = 2 (the non-down peers). User 0: app2 refused, app3
  // refused: no try left, 502 after one retry. Counting app1 would leave a try: a second retry
  // that finds no live peer. Nobody ever sends to app1.
  const yaml = stack(
    '{ users: 1, rate: 1/s, shape: uniform }',
    THREE.replace('app1, weight: 1 }', 'app1, weight: 1, down: true }'),
    '  - { at: 0s, kill: app2 }\n  - { at: 0s, kill: app3 }\n',
  );

  test('two tries, one retry, a 502', () => {
    const s = run(yaml);
    expect(s.tiers.nginx.nginx1).toMatchObject({ retries: 1, bad_gateway: 1 });
    expect(s.tiers.app.app1?.requests).toBe(0);
    expect([s.tiers.app.app2?.requests, s.tiers.app.app3?.requests]).toEqual([1, 1]);
    expect(s.latency_ms.max).toBe(2.4); // 1 + 0.2 + 0.2 + 1
  });
});

describe('instances without an LVS tier: the client address picks one', () => {
  // client_ips 1: every user has 10.0.0.0 = 167772160. 167772160 % 3 = 1: nginx2 takes all;
  // 167772160 % 2 = 0: nginx1 does.
  const yaml = stack(FIVE_USERS, THREE, '  []\n').replace('users:\n', 'users:\n  client_ips: 1\n');

  test.each([
    [3, [0, 5, 0]],
    [2, [5, 0]],
    [1, [5]],
  ])('%i instances: requests per instance %j', (instances, perInstance) => {
    const s = run(yaml, [`nginx.instances=${instances}`]);
    expect(Object.values(s.tiers.nginx).map((n) => n.requests)).toEqual(perInstance);
    expect(s.tickets.sold).toBe(5);
  });
});

describe('each worker keeps its own peer state', () => {
  // app1 dead, three primaries, 40 users. The first request each worker takes picks app1 (ties go
  // to the first) and is refused; that worker skips app1 from then on. So the retries are the
  // number of workers that took a request, and app1 sees as many requests.
  test.each([1, 2, 3])('%i workers', (workers) => {
    const s = run(stack('{ users: 40, rate: 1k/s, shape: uniform }', THREE, KILL_1), [`nginx.workers=${workers}`, 'tickets.inventory=40', 'app.local_stock=[40,40,40]']);
    const n = s.tiers.nginx.nginx1;
    const used = n?.per_worker.filter((c) => c > 0).length;
    expect(n?.per_worker.length).toBe(workers);
    expect(n?.per_worker.reduce((a, b) => a + b, 0)).toBe(40);
    expect(used).toBe(workers); // 40 fair draws leave no worker idle (a chance of 3 x (2/3)^40)
    expect(n?.retries).toBe(workers);
    expect(s.tiers.app.app1?.requests).toBe(workers);
    expect(s.tickets.sold).toBe(40);
  });
});

describe('ip_hash on a miss: re-hash from the current hash, round robin after 20 misses', () => {
  // 10.0.0.1 over the bytes 10, 0, 0 from 89: 2565, then 1753, 5403, 5523, 4582, 4070, ...;
  // modulo 3 (three peers of weight 1): 0, 1, 0, 0, 1, 2.
  const three = () => new RoundRobinPeers([0, 1, 2].map((i) => ({ name: `s${i}`, weight: 1, max_fails: 1, fail_timeout_s: 10, down: false })));
  const IP = ((10 << 24) | 1) >>> 0;

  test.each([
    [0b000, 0, 2565, 0], // a hit at once
    [0b001, 1, 1753, 1], // s0 tried: the next hash, 1753 % 3 = 1
    [0b011, 2, 4070, 5], // s0, s1 tried: misses at 2565, 1753, 5403, 5523, 4582; 4070 % 3 = 2
  ])('tried bits %i: peer %i, hash %i, %i misses', (bits, peer, hash, misses) => {
    const p = three();
    const tried = Uint32Array.of(bits);
    const state = Int32Array.of(89);
    const tries = new Int32Array(1);
    expect(p.pickIpHash(0, tried, 0, IP, state, 0, tries)).toBe(peer);
    expect([state[0], tries[0]]).toEqual([hash, misses]);
  });

  test('every peer tried: 21 misses, then round robin, which finds none', () => {
    const p = three();
    const tries = new Int32Array(1);
    expect(p.pickIpHash(0, Uint32Array.of(0b111), 0, IP, Int32Array.of(89), 0, tries)).toBe(-1);
    expect(tries[0]).toBe(21);
  });

  test('past 20 misses, or with one peer, it is round robin from the start', () => {
    // s0 tried. With 21 misses already: no hash at all, round robin gives s1 (state untouched).
    // With 20: one more hash (2565 -> s0, tried), the 21st miss, then round robin: s1.
    for (const [before, after] of [
      [21, 21],
      [20, 21],
    ]) {
      const tries = Int32Array.of(before);
      const state = Int32Array.of(89);
      expect(three().pickIpHash(0, Uint32Array.of(0b001), 0, IP, state, 0, tries)).toBe(1);
      expect([state[0], tries[0]]).toEqual([89, after]);
    }
    // one peer: round robin, no hash taken (a hash would have set the state to 2565)
    const one = new RoundRobinPeers([{ name: 's0', weight: 1, max_fails: 1, fail_timeout_s: 10, down: false }]);
    const st = Int32Array.of(89);
    expect(one.pickIpHash(0, new Uint32Array(1), 0, IP, st, 0, new Int32Array(1))).toBe(0);
    expect(st[0]).toBe(89);
  });

  test('weights 1, 2, 3: w = 2565 % 6 = 3 walks past 1 and 2 to the third peer', () => {
    const p = new RoundRobinPeers([1, 2, 3].map((w, i) => ({ name: `s${i}`, weight: w, max_fails: 1, fail_timeout_s: 10, down: false })));
    expect(p.pickIpHash(0, new Uint32Array(1), 0, IP, Int32Array.of(89), 0, new Int32Array(1))).toBe(2);
  });
});
