// nginx's request flow driven through the whole stack: backup servers, proxy_next_upstream_tries,
// proxy_next_upstream_timeout, sub-second fail_timeout, and the users' own re-clicks. Every count
// below is worked out by hand in the comment beside it.
//
// The timings all these runs share (the defaults): users <-> nginx 1 ms one way, nginx <-> app
// 100 us, app service 300 us (const), app <-> Redis 100 us, Redis 50 us. A sale that meets no
// fault takes 1 + 0.1 + 0.3 + 0.1 + 0.05 + 0.1 + 0.1 + 1 = 2.75 ms. A connection to a dead app is
// refused one round trip later: 0.2 ms. With max_fails 1 and fail_timeout 10 s (the defaults), a
// peer that failed once is skipped by later requests for the rest of these runs.
import { FIVE_USERS, flowStack, runSummary, THREE_SERVERS } from './support/flow-stack.js';

const run = runSummary;
const stack = (users: string, servers: string, faults: string, nginx = '') => flowStack('stack', users, servers, faults, nginx);
const THREE = THREE_SERVERS;
const KILL_1_2 = '  - { at: 0s, kill: app1 }\n  - { at: 0s, kill: app2 }\n';

describe('backup servers', () => {
  // app1 and app2 (primaries) are dead from the start, app3 is the backup. User 0: app1 refused,
  // app2 refused (2 retries), no primary left, so the request switches to the backup list with
  // its tried bits cleared and app3 sells: 2.75 + 2 x 0.2 = 3.15 ms. Users 1-4 find both
  // primaries failed and go straight to app3: 2.75 ms each, no retry.
  const yaml = stack(FIVE_USERS, THREE.replace('app3, weight: 1 }', 'app3, weight: 1, backup: true }'), KILL_1_2);

  test('all primaries down: the backup sells to everyone', () => {
    const s = run(yaml);
    expect(s.tickets.sold).toBe(5);
    expect(s.users.succeeded).toBe(5);
    expect(s.tiers.nginx.nginx1?.retries).toBe(2);
    expect(s.tiers.nginx.nginx1?.bad_gateway).toBe(0);
    expect([s.tiers.app.app1?.requests, s.tiers.app.app2?.requests, s.tiers.app.app3?.requests]).toEqual([1, 1, 5]);
    expect(s.latency_ms.max).toBe(3.15);
    expect(s.latency_ms.mean).toBe(2.83); // (4 x 2.75 + 3.15) / 5
  });

  test('the backup is not used while a primary lives', () => {
    // only app1 dead: user 0 goes app1 -> app2 (1 retry); later users skip app1 and take app2
    const s = run(yaml.replace('  - { at: 0s, kill: app2 }\n', ''));
    expect(s.tiers.app.app3?.requests).toBe(0);
    expect(s.tiers.app.app2?.requests).toBe(5);
    expect(s.tiers.nginx.nginx1?.retries).toBe(1);
  });
});

describe('proxy_next_upstream_tries', () => {
  // Three primaries, app1 and app2 dead. User 0: app1 refused, app2 refused, then app3 sells
  // (3 tries). With next_upstream_tries 2 it stops after app2: 502, one retry. Later users go
  // to app3 straight away either way.
  const yaml = stack(FIVE_USERS, THREE, KILL_1_2);

  test('unlimited (0): every peer is tried', () => {
    const s = run(yaml);
    expect(s.tiers.nginx.nginx1?.retries).toBe(2);
    expect(s.requests).toEqual({ total: 5, ok: 5, sold_out: 0, errors: 0, timeouts: 0 });
  });

  test('2: the third peer is never reached', () => {
    const s = run(yaml, ['nginx.upstream.next_upstream_tries=2']);
    expect(s.tiers.nginx.nginx1?.retries).toBe(1);
    expect(s.tiers.nginx.nginx1?.bad_gateway).toBe(1);
    expect(s.requests).toEqual({ total: 5, ok: 4, sold_out: 0, errors: 1, timeouts: 0 });
    expect(s.latency_ms.mean).toBe(2.68); // the 502 takes 1 + 0.2 + 0.2 + 1 = 2.4 ms: (4 x 2.75 + 2.4) / 5
  });

  test('1: no retry at all', () => {
    const s = run(yaml, ['nginx.upstream.next_upstream_tries=1']);
    // user 0: app1 refused -> 502. User 1: app1 failed out; app2 refused -> 502. Users 2-4: app3.
    expect(s.tiers.nginx.nginx1?.retries).toBe(0);
    expect(s.requests).toEqual({ total: 5, ok: 3, sold_out: 0, errors: 2, timeouts: 0 });
  });
});

describe('proxy_next_upstream_timeout', () => {
  // app1 and app2 cut off from the start; proxy_connect_timeout 50 ms. Users at 0, 200, 400 ms.
  // User 0: app1 times out at 50 ms after nginx took the request, app2 at 100 ms, then app3 would
  // sell. nginx moves on only while (now - start) < next_upstream_timeout.
  const yaml = stack('{ users: 3, rate: 5/s, shape: uniform }', THREE, '  - { at: 0s, partition: [app1, app2] }\n', '  proxy_connect_timeout: 50ms\n');

  test('80 ms: after app2 (100 ms in) it gives up with a 504 at 1 + 100 + 1 = 102 ms', () => {
    const s = run(yaml, ['nginx.upstream.next_upstream_timeout=80ms']);
    expect(s.tiers.nginx.nginx1?.retries).toBe(1);
    expect(s.tiers.nginx.nginx1?.gateway_timeout).toBe(1);
    expect(s.requests).toEqual({ total: 3, ok: 2, sold_out: 0, errors: 0, timeouts: 1 });
    expect(s.latency_ms.max).toBe(102);
  });

  test('100 ms: the bound itself is too late (>=), also a 504', () => {
    expect(run(yaml, ['nginx.upstream.next_upstream_timeout=100ms']).requests.timeouts).toBe(1);
  });

  test('101 ms, or none: app3 sells to user 0 at 100 + 2.75 ms', () => {
    for (const t of ['101ms', '0s']) {
      const s = run(yaml, [`nginx.upstream.next_upstream_timeout=${t}`]);
      expect(s.tiers.nginx.nginx1?.retries).toBe(2);
      expect(s.requests).toEqual({ total: 3, ok: 3, sold_out: 0, errors: 0, timeouts: 0 });
      expect(s.latency_ms.max).toBe(102.75);
    }
  });
});

describe('fail_timeout below a second is floored to whole seconds, as nginx parses it', () => {
  // app1 dead, app2 alive, weights 1:1, users at 0, 1, 2, 3 s. nginx's clock is whole seconds.
  // User 0 (second 0): smooth WRR picks app1 (tie, first) -> refused: fails 1, checked 0,
  // effective weight 0; retry on app2. Current weights after: app1 -1, app2 1.
  // fail_timeout 500ms -> 0 s: app1 is failed out only while now - 0 <= 0, i.e. in second 0.
  //   second 1: app1 -1+0, ew->1; app2 1+1=2 -> app2 (cw 1). second 2: app1 0, app2 2 -> app2
  //   (cw 0). second 3: app1 1, app2 1 -> tie, app1 -> refused, retry: 2 retries in all.
  // Rounded to 1 s instead, app1 would be skipped in second 1 too and reached only in second 4:
  // 1 retry.
  const yaml = stack(
    '{ users: 4, rate: 1/s, shape: uniform }',
    '      - { name: app1, weight: 1, fail_timeout: 500ms }\n      - { name: app2, weight: 1, fail_timeout: 500ms }\n',
    '  - { at: 0s, kill: app1 }\n',
  ).replace('[10, 10, 10]', '[10, 10]');

  test('500ms behaves as 0 s: app1 is tried again in second 3', () => {
    const s = run(yaml);
    expect(s.tiers.nginx.nginx1?.retries).toBe(2);
    expect(s.tiers.app.app1?.requests).toBe(2);
    expect(s.users.succeeded).toBe(4);
  });

  test('1s: app1 sits out second 1 and is not reached again within four users', () => {
    const s = run(yaml.replaceAll('500ms', '1s'));
    expect(s.tiers.nginx.nginx1?.retries).toBe(1);
    expect(s.tiers.app.app1?.requests).toBe(1);
  });
});

describe("the users' own re-clicks", () => {
  // One server, dead from the start: every request is refused (a single peer is never retried by
  // nginx) and answered 502. Each user clicks again `retries` times: 4 users x (1 + retries).
  const yaml = stack('{ users: 4, rate: 1k/s, shape: uniform }', '      - { name: app1, weight: 1 }\n', '  - { at: 0s, kill: app1 }\n').replace(
    '[10, 10, 10]',
    '[10]',
  );

  test.each([
    [0, 4, 0],
    [1, 8, 4],
    [2, 12, 4],
    [5, 24, 4],
  ])('retries %i: %i requests, %i users retried', (retries, requests, retried) => {
    const s = run(yaml, [`users.retries=${retries}`, 'users.retry_backoff=10ms']);
    expect(s.requests).toEqual({ total: requests, ok: 0, sold_out: 0, errors: requests, timeouts: 0 });
    expect(s.users).toMatchObject({ total: 4, failed: 4, retried });
    expect(s.tiers.nginx.nginx1?.retries).toBe(0);
  });
});
