// The users through the whole stack: closed load (clients, think time, one address per client),
// open load's arrival times, and what a user's timeout does (late answers, nginx's 504 within it).
// Every figure is worked out by hand beside it.
//
// The timings (the defaults): users <-> nginx 1 ms one way, nginx <-> app 100 us, app service
// 300 us (const), app <-> Redis 100 us, Redis 50 us. A sale: 2.75 ms. The app's lock is held from
// the request's arrival to Redis's reply: 0.55 ms a request.
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';
import { OUTCOME_NONE, OUTCOME_OK, RequestTable } from '../src/model/client/requests.js';

const run = (yaml: string, set: string[] = []) => runScenario(parseScenario(yaml, 'test.yaml', { set })).report.summary;

const stack = (load: string, servers: number, extra = '') => `name: client
seed: 1
tickets: { inventory: 100, script: fixed }
users:
  load:
    ${load}
${extra}nginx:
  upstream:
    servers:
${['app1', 'app2'].slice(0, servers).map((n) => `      - { name: ${n}, weight: 1 }\n`).join('')}app:
  local_stock: ${servers === 1 ? '[100]' : '[100, 100]'}
  local_check: exact
`;

describe('closed load', () => {
  // Two servers 1:1: two requests sent together go one to each server, but meet at Redis at the
  // same time (1.5 ms): the second waits 50 us. So a round of two takes 2.75 and 2.8 ms, and the
  // client answered second sends its next request 50 us later, which then meets nobody.
  test.each([
    // 2 clients, 6 requests, think 1 ms: three rounds, 2.8 + 1 + 2.75 + 1 + 2.75 (the late client)
    ['concurrency: 2, requests: 6, think_time: 1ms', 6, 10.3, 2.8],
    // no think time: three rounds back to back, 2.8 + 2.75 + 2.75
    ['concurrency: 2, requests: 6', 6, 8.3, 2.8],
    // more clients than requests: only 2 start
    ['concurrency: 4, requests: 2', 2, 2.8, 2.8],
    // 6 clients at once, 3 per server behind the lock (0.55 ms a request), app2's 50 us behind
    // app1's at Redis from the first: app1 answers at 2.75, 3.3, 3.85, app2 at 2.8, 3.35, 3.9
    ['concurrency: 6, requests: 6', 6, 3.9, 3.9],
  ])('closed: { %s }: %i requests, the last answer at %f ms', (load, requests, duration, max) => {
    const s = run(stack(`closed: { ${load} }`, 2));
    expect(s.requests).toEqual({ total: requests, ok: requests, sold_out: 0, errors: 0, timeouts: 0 });
    expect(s.users.total).toBe(requests);
    expect(s.duration_ms).toBe(duration);
    expect(s.latency_ms.max).toBe(max);
  });

  test('a client keeps its address for all its requests', () => {
    // one client, 4 requests, three nginx instances without an LVS tier: the address picks the
    // instance, so one instance takes all four, whichever of the 2 addresses the client drew
    const s = run(stack('closed: { concurrency: 1, requests: 4 }', 1, '  client_ips: 2\n'), ['nginx.instances=3']);
    const perInstance = Object.values(s.tiers.nginx).map((n) => n.requests);
    expect(perInstance.length).toBe(3);
    expect([...perInstance].sort()).toEqual([0, 0, 4]);
    expect(s.duration_ms).toBe(11); // 4 x 2.75
  });
});

describe('open load, evenly spaced', () => {
  // 3 users at 3k/s: gaps of 333.33 us, arrivals rounded to 0, 333, 667 us. Two servers,
  // alternating: app1 takes users 0 (1.1 to 1.65 ms) and 2 (from 1.767 ms): no queue, and their
  // scripts meet nobody at Redis: 2.75 ms each. The last answer: 0.667 + 2.75 = 3.417 ms.
  test('arrivals on the rounded grid', () => {
    const s = run(stack('open: { users: 3, rate: 3k/s, shape: uniform }', 2));
    expect(s.requests.ok).toBe(3);
    expect(s.duration_ms).toBe(3.417);
    expect(s.latency_ms.max).toBe(2.75);
  });
});

describe("a user's timeout", () => {
  // One user, one server made 100x slow (30 ms of service): the answer would reach the user at
  // 1 + 0.1 + 30 + 0.25 + 0.1 + 1 = 32.45 ms.
  const slow = (extra: string) =>
    stack('open: { users: 1, rate: 1/s, shape: uniform }', 1, extra) + 'faults:\n  - { at: 0s, slow: app1, factor: 100 }\n';

  test('the user gives up at 5 ms; the answer comes late; the ticket is sold anyway', () => {
    const s = run(slow('  timeout: 5ms\n'));
    expect(s.requests).toEqual({ total: 1, ok: 0, sold_out: 0, errors: 0, timeouts: 1 });
    expect(s.users).toMatchObject({ total: 1, failed: 1, failed_timeout: 1, failed_error: 0, late_answers: 1, retried: 0, timeout_ms: 5 });
    expect(s.tickets.sold).toBe(1);
    expect(s.latency_all_ms.max).toBe(5); // counted at the timeout
    expect(s.latency_ms.max).toBe(0); // but no answer: nothing in the answered latencies
  });

  test("nginx's 504 inside the user's timeout is an answer with its latency", () => {
    // proxy_read_timeout 3 ms from the connection (1.1 ms): 504 at 4.1, the user hears it at 5.1
    const s = run(slow('  timeout: 10ms\n'), ['nginx.proxy_read_timeout=3ms']);
    expect(s.requests).toEqual({ total: 1, ok: 0, sold_out: 0, errors: 0, timeouts: 1 });
    expect(s.users).toMatchObject({ failed_timeout: 1, late_answers: 0 });
    expect(s.latency_ms.max).toBe(5.1);
    expect(s.tiers.nginx.nginx1?.gateway_timeout).toBe(1);
  });

  test('with two retries, the user clicks again twice and times out three times', () => {
    // each new request queues behind the ones before at app1 (30.25 ms each in the lock) and times
    // out too; all three answers come late, all three tickets are sold to nobody who heard. The
    // user counts once in users.retried.
    const s = run(slow('  timeout: 5ms\n  retries: 2\n  retry_backoff: 10ms\n'));
    expect(s.requests).toEqual({ total: 3, ok: 0, sold_out: 0, errors: 0, timeouts: 3 });
    expect(s.users).toMatchObject({ total: 1, failed_timeout: 1, retried: 1, late_answers: 3 });
    expect(s.tickets.sold).toBe(3);
  });
});

describe('the request table', () => {
  test('a reused slot starts clean', () => {
    const rq = new RequestTable(40, 1); // 40 peers: two words of tried bits per request
    expect(rq.triedWords).toBe(2);
    const r = rq.alloc(7, 100);
    expect([rq.user[r], rq.id[r], rq.sent_us[r], rq.hashState[r], rq.holds[r], rq.status[r]]).toEqual([7, 0, 100, 89, 1, OUTCOME_NONE]);
    const [gen, use] = [rq.gen[r], rq.use[r]];
    // what nginx, the app and the users leave behind
    rq.onBackup[r] = 1;
    rq.hashState[r] = 5;
    rq.hashTries[r] = 3;
    rq.ngxWaiting[r] = 1;
    rq.abandoned[r] = 1;
    rq.lost[r] = 1;
    rq.triesLeft[r] = 2;
    rq.tried[r * 2] = 5;
    rq.tried[r * 2 + 1] = 6;
    rq.status[r] = OUTCOME_OK;
    rq.server[r] = 3;
    rq.hold(r); // an app server takes it
    rq.unhold(r);
    expect(rq.live).toBe(1);
    rq.unhold(r); // the user lets go: released
    expect(rq.live).toBe(0);
    expect(rq.server[r]).toBe(-1);
    expect(rq.gen[r]).toBe(gen + 1); // stale events of the old use are told apart
    const s = rq.alloc(8, 200);
    expect(s).toBe(r);
    expect([rq.user[s], rq.id[s], rq.sent_us[s]]).toEqual([8, 1, 200]);
    expect([rq.onBackup[s], rq.hashState[s], rq.hashTries[s], rq.ngxWaiting[s], rq.abandoned[s], rq.lost[s], rq.triesLeft[s]]).toEqual([0, 89, 0, 0, 0, 0, 0]);
    expect([rq.tried[s * 2], rq.tried[s * 2 + 1], rq.status[s], rq.holds[s]]).toEqual([0, 0, OUTCOME_NONE, 1]);
    expect([rq.gen[s], rq.use[s]]).toEqual([gen + 2, use + 1]);
  });

  test("clearing a slot's tried bits leaves its neighbours' alone", () => {
    // two words of tried bits per slot (40 peers). Slots 0 and 2 stay held, slot 1 is released;
    // slots are handed out in a circle, so allocating and releasing goes round until slot 1 comes
    // back. Then its words 2-3 are cleared and its neighbours' words 1 and 4 are not.
    const rq = new RequestTable(40, 8);
    expect([rq.alloc(0, 0), rq.alloc(1, 0), rq.alloc(2, 0)]).toEqual([0, 1, 2]);
    rq.unhold(1);
    let r = -1;
    for (let k = 0; k < 20 && r !== 1; k++) {
      rq.tried.fill(9);
      r = rq.alloc(3 + k, 0);
      if (r !== 1) rq.unhold(r);
    }
    expect(r).toBe(1);
    expect(Array.from(rq.tried.subarray(0, 6))).toEqual([9, 9, 0, 0, 9, 9]);
  });

  test('the table grows past its capacity and keeps what it holds', () => {
    const rq = new RequestTable(3, 2);
    const slots = [0, 1, 2, 3, 4].map((u) => rq.alloc(u, u * 10));
    expect(new Set(slots).size).toBe(5);
    expect(rq.capacity).toBeGreaterThanOrEqual(5);
    expect(slots.map((r) => [rq.user[r], rq.sent_us[r]])).toEqual([0, 1, 2, 3, 4].map((u) => [u, u * 10]));
  });

  test('a hold of a released slot, or an unhold without a hold, is an internal error', () => {
    const rq = new RequestTable(1, 4);
    const r = rq.alloc(0, 0);
    rq.unhold(r);
    expect(() => rq.hold(r)).toThrow(`hold of request slot ${r}, which nobody holds (it was released)`);
    expect(() => rq.unhold(r)).toThrow(`unhold of request slot ${r} without a hold`);
  });
});
