// nginx gives up on an attempt (proxy_read_timeout 3 ms against a 2 ms lock section, one request
// at a time per server) and moves the request on. The Go handler is not cancelled: the abandoned
// attempt still takes the lock, deducts local stock and calls Redis, and releases the lock when
// it returns; only its answer goes nowhere. Before handler runs were told apart from requests, the
// abandoned attempt's completion was dropped and its server's lock was never released (app1 sold
// 1 of the 2 requests it took), or it completed against the request's new server and stopped the
// run with an internal error.
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';

const YAML = `name: attempts
seed: 1
tickets: { inventory: 100 }
users:
  load:
    closed: { concurrency: 4, requests: 40 }
  timeout: 5s
nginx:
  proxy_read_timeout: 3ms
  upstream:
    servers:
      - { name: app1, weight: 1 }
      - { name: app2, weight: 1 }
app:
  local_stock: [100, 100]
  concurrency: 1
  service_time: { const: 2ms }
redis:
  service_time: { const: 50us }
`;

const run = (method: 'GET' | 'POST') => runScenario(parseScenario(YAML, 'attempts.yaml', { set: [`users.method=${method}`] })).report.summary;
const perServer = (s: ReturnType<typeof run>) =>
  Object.fromEntries(Object.entries(s.tiers.app).map(([name, a]) => [name, [a.requests, a.local_sold, a.redis_ok]]));

describe('an attempt nginx gave up on runs to its end', () => {
  test('GET: every request a server took is deducted and confirmed; the re-sent request sells its user a second ticket', () => {
    const s = run('GET');
    // [requests taken, local deductions, Redis confirmations]: every attempt finished
    expect(perServer(s)).toEqual({ app1: [2, 2, 2], app2: [3, 3, 3] });
    expect(s.tickets.sold).toBe(5);
    expect(s.users.succeeded).toBe(3);
    expect(s.users.double_holders).toBe(1);
    expect(s.invariants).toEqual({ no_oversell: true, ledger: false, conservation: true });
  });

  test('POST: nginx does not re-send a request it already sent, so nobody holds two', () => {
    const s = run('POST');
    expect(perServer(s)).toEqual({ app1: [2, 2, 2], app2: [2, 2, 2] });
    expect(s.users.double_holders).toBe(0);
    expect(s.invariants).toEqual({ no_oversell: true, ledger: true, conservation: true });
  });

  test('a Redis 2 s away (every sale outlives nginx timeouts) runs to the end', () => {
    const s = runScenario(parseScenario(YAML, 'attempts.yaml', { set: ['redis.latency=2s', 'nginx.proxy_read_timeout=60s'] })).report.summary;
    expect(s.invariants.conservation).toBe(true);
    expect(s.tickets.sold).toBe(Object.values(s.tiers.app).reduce((n, a) => n + a.redis_ok, 0));
  });
});
