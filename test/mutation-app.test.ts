// The app servers' faults through the whole stack: a kill with a duration (requests inside reset,
// local stock stranded, the restart reading its stock again), a slow fault that ends, and what each
// one writes in summary.faults. Every figure is worked out by hand beside it.
//
// The timings (the defaults): users <-> nginx 1 ms one way, nginx <-> app 100 us, app service
// 300 us (const), app <-> Redis 100 us, Redis 50 us. A sale that meets no fault: 2.75 ms.
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';
import { AppCounters } from '../src/model/app/counters.js';
import { appSections } from '../src/model/app/summary.js';

const run = (yaml: string, set: string[] = []) => runScenario(parseScenario(yaml, 'test.yaml', { set })).report.summary;

const stack = (users: string, stock: string, faults: string, servers = 2) => `name: app
seed: 1
tickets: { inventory: 100, script: fixed }
users:
  load:
    open: ${users}
nginx:
  upstream:
    fail_timeout: 0s
    servers:
${['app1', 'app2', 'app3'].slice(0, servers).map((n) => `      - { name: ${n}, weight: 1 }\n`).join('')}app:
  local_stock: ${stock}
  local_check: exact
faults:
${faults}`;

const FOUR_SECONDS = '{ users: 4, rate: 1/s, shape: uniform }'; // at 0, 1, 2, 3 s
const faultLog = (s: ReturnType<typeof run>) => s.faults.map((f) => [f.at_ms, f.action, f.target, f.detail]);

describe('a kill with a duration, during a request', () => {
  // app1 killed at 1.2 ms for 1.5 s. fail_timeout 0 s: a failed peer sits out only the second it
  // failed in. Smooth WRR 1:1, ties to the first.
  // User 0 (0 s) reaches app1 at 1.1 ms; its service runs to 1.4 ms, so the kill resets it: 1
  // request reset, all 2 local tickets stranded. nginx hears the reset at 1.3 ms, fails app1 out
  // and retries app2: there at 1.4, sold, back to the user at 1.3 + 0.1 + 2.75 - 1.1 = 3.05 ms.
  // Current weights after: app1 -1 (effective weight 0), app2 1.
  // User 1 (1 s): app1 is eligible again but at weight 0: app1 -1, app2 2 -> app2 (then 1; app1's
  // effective weight climbs to 1). The restart at 1501.2 ms reads app1's stock of 2 again.
  // User 2 (2 s): app1 0, app2 2 -> app2 (then 0). User 3 (3 s): 1, 1 -> app1, which sells.
  const summary = () => run(stack(FOUR_SECONDS, '[2, 10]', '  - { at: 1.2ms, kill: app1, for: 1.5s }\n'));

  test('the request inside is reset and retried, the stock is stranded, the restart sells again', () => {
    const s = summary();
    expect(s.requests).toEqual({ total: 4, ok: 4, sold_out: 0, errors: 0, timeouts: 0 });
    expect(s.tiers.nginx.nginx1?.retries).toBe(1);
    expect(s.tiers.app.app1).toMatchObject({ requests: 2, lost: 1, local_sold: 1, redis_ok: 1, alive_at_end: true });
    expect(s.tiers.app.app2).toMatchObject({ requests: 3, lost: 0, local_sold: 3, redis_ok: 3 });
    expect(s.tickets.stranded_at_kills).toBe(2);
    expect(s.tickets.stranded_local).toBe(0); // app1 is alive at the end
    expect(s.tickets.unsold_why.live_local_left).toBe(8); // app1 2 - 1 (its second life), app2 10 - 3
    expect(s.latency_ms.max).toBe(3.05);
  });

  test('summary.faults says what each step did', () => {
    const s = summary();
    expect(faultLog(s)).toEqual([
      [1.2, 'kill', 'app1', '1 requests reset, 2 local tickets stranded'],
      [1501.2, 'kill ends', 'app1', 'restarted with local stock 2'],
    ]);
  });
});

describe('a restart reads the local stock again', () => {
  // Local stock [1, 10]. User 0 (0 s) buys app1's only ticket (LocalSalesVolume 1). app1 is killed
  // at 0.5 s (nothing inside, nothing left: 0 stranded) and restarted at 1.5 s with volume 0. User 1
  // (1 s) goes to app2 (WRR: app1 0, app2 2). User 2 (2 s): app1 1, app2 1 -> app1, which can sell
  // again: without the restart's reset it would answer "sold out".
  const summary = () => run(stack(FOUR_SECONDS, '[1, 10]', '  - { at: 500ms, kill: app1 }\n  - { at: 1500ms, recover: app1 }\n'));

  test('app1 sells a second ticket after its restart', () => {
    const s = summary();
    expect(s.requests).toEqual({ total: 4, ok: 4, sold_out: 0, errors: 0, timeouts: 0 });
    expect(s.tiers.app.app1).toMatchObject({ requests: 2, local_sold: 2, sold_out: 0, lost: 0 });
    expect(s.tickets.stranded_at_kills).toBe(0);
    expect(faultLog(s)).toEqual([
      [500, 'kill', 'app1', '0 requests reset, 0 local tickets stranded'],
      [1500, 'recover', 'app1', 'restarted with local stock 1'],
    ]);
  });

  test('a server still dead at the end strands what it had left', () => {
    // never recovered: users 1-3 all go to app2 (app1 refuses user 2 at 2 s, who is retried on
    // app2; fail_timeout 0 lets app1 be tried again each second). Local stock [3, 10]: app1 sold 1
    // and 2 are stranded, at the kill and at the end.
    const t = run(stack(FOUR_SECONDS, '[3, 10]', '  - { at: 500ms, kill: app1 }\n'));
    expect(t.tiers.app.app1).toMatchObject({ local_sold: 1, alive_at_end: false });
    expect(t.tickets.stranded_at_kills).toBe(2);
    expect(t.tickets.stranded_local).toBe(2);
    expect(t.tickets.unsold_why.live_local_left).toBe(7); // app2 alive: 10 - 3 sold
    expect(t.requests.ok).toBe(4);
  });
});

describe('a slow fault that ends', () => {
  // One server, users at 0, 1, 2 ms; app1 10x slow from 0 for 2.5 ms. A service time is drawn
  // when the request enters the lock, at the factor of that moment.
  // User 0: in at 1.1 ms, 3 ms of service -> 4.1, Redis -> 4.35 (the lock is held until then),
  //   nginx 4.45, user 5.45 ms.
  // User 1: at the app 2.1, waits for the lock until 4.35; the slow fault ended at 2.5: 0.3 ms ->
  //   4.65, Redis 4.9, user 6.0 ms: latency 5.0 ms.
  // User 2: at 3.1, lock at 4.9, out 5.2, Redis 5.45, user 6.55 ms: latency 4.55 ms.
  const summary = () => run(stack('{ users: 3, rate: 1k/s, shape: uniform }', '[10]', '  - { at: 0s, slow: app1, factor: 10, for: 2.5ms }\n', 1));

  test('each service takes the factor of the moment it starts', () => {
    const s = summary();
    expect(s.requests.ok).toBe(3);
    expect(s.latency_ms.max).toBe(5.45);
    expect(s.latency_ms.mean).toBe(5);
    expect(s.duration_ms).toBe(6.55);
  });

  test('summary.faults', () => {
    const s = summary();
    expect(faultLog(s)).toEqual([
      [0, 'slow', 'app1', 'service time x10'],
      [2.5, 'slow ends', 'app1', 'service time back to normal'],
    ]);
  });

  test('busy time: the lock is held 3.25 + 0.55 + 0.55 ms of the 6.55 ms run', () => {
    const s = summary();
    // utilization = 4.35 / 6.55 = 0.66412 -> 0.6641
    expect(s.tiers.app.app1?.utilization).toBe(0.6641);
  });
});

describe('a Redis call that times out, and the dial after it', () => {
  // One server, app.redis_read_timeout 1 ms, Redis 100x slow (5 ms a script) for its first 2 ms.
  // Users at 0, 10, 20 ms.
  // User 0: local deduction at 1.4 ms, the script reaches Redis at 1.5 and runs slow until 6.5;
  //   the app gives up at 2.4: "sold out", the local unit burned, the connection marked broken.
  //   nginx 2.5, user 3.5 ms. Redis still sells that ticket at 6.5: a grant nobody waits for.
  // User 1: local deduction at 11.4, the app dials again first (a round trip, 0.2 ms), then the
  //   call: 2.75 + 0.2 = 2.95 ms.
  // User 2: the new connection is kept: 2.75 ms.
  const yaml = stack('{ users: 3, rate: 100/s, shape: uniform }', '[10]', '  - { at: 0s, slow: redis, factor: 100, for: 2ms }\n', 1).replace(
    '  local_check: exact\n',
    '  local_check: exact\n  redis_read_timeout: 1ms\n',
  );
  const summary = () => run(yaml);

  test('the timed-out call burns its unit; the next call dials', () => {
    const s = summary();
    expect(s.requests).toEqual({ total: 3, ok: 2, sold_out: 1, errors: 0, timeouts: 0 });
    expect(s.tiers.app.app1).toMatchObject({ local_sold: 3, redis_ok: 2, redis_errors: 1, burned_local: 1, rolled_back: 0, sold_out: 1 });
    expect(s.tickets.sold).toBe(3);
    expect(s.latency_ms.max).toBe(3.5);
    expect(s.latency_ms.mean).toBe(3.067); // (3.5 + 2.95 + 2.75) / 3
  });

  test('with local_rollback the unit comes back', () => {
    // local_sold counts the deductions made (3); the failed call's one is given back, not burned
    const r = run(yaml, ['app.local_rollback=true']);
    expect(r.tiers.app.app1).toMatchObject({ local_sold: 3, redis_errors: 1, burned_local: 0, rolled_back: 1 });
  });
});

describe('tiers.app shares and servers.csv rows', () => {
  // Weights 1, 2, 3 and a backup of weight 4; app2 `down`. Expected shares count the live
  // primaries only: app1 1 / 4 = 0.25, app3 3 / 4 = 0.75, app2 and the backup 0. Four users at
  // 1 ms gaps, WRR over app1 and app3 (1:3): app3, app1 (a tie at 2, 2), app3, app3 -> shares 0.25
  // and 0.75.
  const yaml = `name: shares
seed: 1
tickets: { inventory: 100, script: fixed }
users:
  load:
    open: { users: 4, rate: 1k/s, shape: uniform }
nginx:
  upstream:
    servers:
      - { name: app1, weight: 1 }
      - { name: app2, weight: 2, down: true }
      - { name: app3, weight: 3 }
      - { name: app4, weight: 4, backup: true }
app:
  local_stock: [5, 6, 7, 8]
`;
  const runOut = () => runScenario(parseScenario(yaml, 'test.yaml'));

  test('shares and expected shares', () => {
    const out = runOut();
    const app = out.report.summary.tiers.app;
    expect(Object.entries(app).map(([n, a]) => [n, a.requests, a.share, a.expected_share, a.weight, a.local_stock])).toEqual([
      ['app1', 1, 0.25, 0.25, 1, 5],
      ['app2', 0, 0, 0, 2, 6],
      ['app3', 3, 0.75, 0.75, 3, 7],
      ['app4', 0, 0, 0, 4, 8],
    ]);
  });

  test('servers.csv rows carry the same figures', () => {
    const out = runOut();
    expect(out.report.servers.map((r) => [r.tier, r.node, r.requests, r.weight, r.share, r.expected_share, r.local_stock, r.local_sold, r.redis_ok, r.sold_out, r.lost])).toEqual([
      ['app', 'app1', 1, 1, 0.25, 0.25, 5, 1, 1, 0, 0],
      ['app', 'app2', 0, 2, 0, 0, 6, 0, 0, 0, 0],
      ['app', 'app3', 3, 3, 0.75, 0.75, 7, 3, 3, 0, 0],
      ['app', 'app4', 0, 4, 0, 0, 8, 0, 0, 0, 0],
    ]);
    // 0.55 ms in the lock per request over the 5.75 ms run (the last user at 3 ms, + 2.75):
    // app1 0.55 / 5.75 = 0.09565, app3 1.65 / 5.75 = 0.28696
    expect(out.report.servers.map((r) => r.utilization)).toEqual([0.0957, 0, 0.287, 0]);
  });

  test('utilization is per lock slot; a dead server counts its refusals as lost', () => {
    // concurrency 2: the same busy time over twice the slots: 0.55 / 5.75 / 2 = 0.04783,
    // 1.65 / 5.75 / 2 = 0.14348
    const two = runScenario(parseScenario(yaml, 'test.yaml', { set: ['app.concurrency=2'] }));
    expect(two.report.servers.map((r) => r.utilization)).toEqual([0.0478, 0, 0.1435, 0]);
    // app1 dead: user 1's request is refused there (lost) and retried on app3
    const dead = runScenario(parseScenario(`${yaml}faults:\n  - { at: 0s, kill: app1 }\n`, 'test.yaml'));
    expect(dead.report.servers.map((r) => [r.node, r.requests, r.lost, r.local_sold])).toEqual([
      ['app1', 1, 1, 0],
      ['app2', 0, 0, 0],
      ['app3', 4, 0, 4],
      ['app4', 0, 0, 0],
    ]);
  });
});

describe('nodes.csv rows of the app servers and nginx', () => {
  // One user at 0 to one server, bins of 1 ms (report.bin 1ms): nginx takes the request at 1 ms
  // and holds it until the answer leaves at 2.75 - 1 = 1.75 ms; app1's lock is busy from 1.1 to
  // 1.65 ms; Redis runs the script from 1.5 to 1.55 ms. So in bin 1: nginx1 done 1, queue 0.75
  // (held 0.75 of the bin); app1 done 1, busy 0.55; redis done 1, busy 0.05.
  test('each tier names its nodes and its tier', () => {
    const yaml = stack('{ users: 1, rate: 1/s, shape: uniform }', '[10]', '  []\n', 1) + 'report: { bin: 1ms }\n';
    const rows = runScenario(parseScenario(yaml, 'test.yaml')).report.nodes.filter((r) => r.t_ms === 1);
    expect(rows.map((r) => [r.tier, r.node, r.done, r.busy, r.queue])).toEqual([
      ['nginx', 'nginx1', 1, 0, 0.75],
      ['app', 'app1', 1, 0.55, 0],
      ['redis', 'redis', 1, 0.05, 0],
    ]);
  });
});

describe('shares with no request at all', () => {
  // zero counters (a run in which nothing reached an app server): every share is 0, not 0 / 0
  test('share 0, expected share by weight', () => {
    const s = parseScenario(stack('{ users: 1, rate: 1/s, shape: uniform }', '[10, 10]', '  []\n'), 'test.yaml');
    const sections = appSections(s, new AppCounters(2, 1000), { alive: Uint8Array.of(1, 1), remainingLocal: [10, 10] }, 1000);
    expect(Object.values(sections.servers).map((a) => [a.share, a.expected_share])).toEqual([
      [0, 0.5],
      [0, 0.5],
    ]);
  });
});

