// Each fault kind's effect on the counts, and properties over random fault schedules.
import fc from 'fast-check';
import { runScenario } from '../src/model/stack.js';
import { lastSnapshot_us } from '../src/model/redis/redis.js';
import { parseScenario } from '../src/scenario/load.js';
import type { Summary } from '../src/metrics/summary.js';

const REDIS = 'redis:\n  service_time: { const: 100us }\n';
const base = (extra = '', users = 20000, redis = REDIS) => `
name: f
seed: 3
tickets: { inventory: 2000, script: fixed }
users:
  load:
    open: { users: ${users}, rate: 10k/s }
  timeout: 5s
nginx:
  proxy_connect_timeout: 500ms
  proxy_read_timeout: 3s
  upstream:
    servers:
      - { name: app1 }
      - { name: app2 }
      - { name: app3 }
      - { name: app4 }
app:
  local_stock: { buffer: 1.2 }
  local_check: exact
  service_time: { exp: 30us }
${redis}${extra}`;

const run = (yaml: string, set: string[] = []) => runScenario(parseScenario(yaml, 'f.yaml', { set })).report.summary;

/** The same totals counted from the servers' own rows: local stock left on the dead, and burned. */
function fromServers(s: Summary): { stranded: number; burned: number } {
  const apps = Object.values(s.tiers.app);
  const stranded = apps.filter((a) => !a.alive_at_end).reduce((n, a) => n + a.local_stock - a.local_sold, 0);
  return { stranded, burned: apps.reduce((n, a) => n + a.burned_local, 0) };
}

describe('fault kinds', () => {
  test('kill: the local stock of a dead server is stranded and counted as unsold', () => {
    const s = run(base('faults:\n  - { at: 100ms, kill: app1 }\n  - { at: 100ms, kill: app2 }\n'));
    expect(s.tiers.app.app1.alive_at_end).toBe(false);
    expect(s.tickets.stranded_local).toBeGreaterThan(0);
    expect(s.tickets.unsold).toBeGreaterThan(0);
    expect(s.tickets.unsold_split.stranded_local).toBe(Math.min(s.tickets.unsold, s.tickets.stranded_local));
    // counted again from the two dead servers' rows (exact local check: it sells its whole stock)
    expect(s.tickets.stranded_local).toBe(fromServers(s).stranded);
    expect(s.tickets.sold + s.tickets.unsold).toBe(2000);
  });

  test('slow: a gray failure is invisible to nginx but users wait and time out', () => {
    const healthy = run(base());
    const slow = run(base('faults:\n  - { at: 0s, slow: app2, factor: 400, for: 2s }\n'), ['users.timeout=1s']);
    expect(slow.tiers.app.app2.share).toBeCloseTo(0.25, 2); // still its full share
    expect(slow.latency_ms.p99).toBeGreaterThan(healthy.latency_ms.p99 * 10);
    expect(slow.requests.timeouts).toBeGreaterThan(0);
    expect(healthy.requests.timeouts).toBe(0);
    expect(slow.faults.map((f) => f.action)).toEqual(['slow', 'slow ends']);
  });

  test('partition: nginx waits out its connect timeout, retries elsewhere and marks the peer failed', () => {
    const s = run(base('faults:\n  - { at: 200ms, partition: [app3], for: 1s }\n'));
    expect(s.tiers.nginx.nginx1.retries).toBeGreaterThan(0);
    expect(s.latency_ms.max).toBeGreaterThanOrEqual(500);
    expect(s.users.failed).toBe(0);
    expect(s.invariants.ledger).toBe(true);
  });

  test('partitioned Redis without client timeouts hangs the app servers; with one they answer', () => {
    const hang = run(base('faults:\n  - { at: 100ms, partition: [redis], for: 2s }\n'));
    const timed = run(base('faults:\n  - { at: 100ms, partition: [redis], for: 2s }\n'), ['app.redis_read_timeout=50ms', 'app.redis_connect_timeout=50ms']);
    // without a read timeout the lock is held through the partition, until the retransmitted
    // command gets through (~3.1 s): nginx gives up after its 3 s read timeout, marks the peers
    // failed and answers 502 (1,528 users); the waiting shows in p99 (2.98 s)
    expect(hang.requests.errors).toBeGreaterThan(0);
    expect(hang.latency_ms.p99).toBeGreaterThan(2000);
    expect(timed.tiers.app.app1.redis_errors).toBeGreaterThan(0);
    expect(timed.tickets.burned_local).toBeGreaterThan(0);
    expect(timed.users.failed).toBeLessThan(hang.users.failed);
  });

  test('drop: lost packets cost TCP retransmission timeouts, not data', () => {
    const s = run(base('faults:\n  - { at: 0s, drop: app1-redis, fraction: 0.3, for: 1s }\n'));
    expect(s.latency_ms.p99).toBeGreaterThanOrEqual(200); // at least one 200 ms RTO
    expect(s.tickets.sold).toBe(2000);
    expect(s.invariants.conservation).toBe(true);
  });

  test('restart without persistence: the hash is gone and the article\'s script errors', () => {
    const s = run(base('faults:\n  - { at: 100ms, restart: redis }\n', 20000, REDIS + '  save: ""\n'), ['tickets.script=source']);
    expect(s.tiers.redis.keyspace).toEqual({});
    expect(s.tiers.redis.script_errors).toBeGreaterThan(0);
    expect(s.tickets.unsold).toBeGreaterThan(0);
    expect(s.tickets.burned_local).toBeGreaterThan(0);
    expect(s.invariants.conservation).toBe(false);
  });

  test('restart with AOF everysec loses the last second of sales and resells them', () => {
    const f = 'faults:\n  - { at: 1500ms, restart: redis }\n';
    const aof = REDIS + '  appendonly: true\n  appendfsync: everysec\n';
    const s = run(base(f, 40000, aof), ['tickets.inventory=20000']);
    expect(s.tiers.redis.writes_lost).toBeGreaterThan(0);
    expect(s.tickets.oversold).toBeGreaterThan(0);
    const always = run(base(f, 40000, aof.replace('everysec', 'always')), ['tickets.inventory=20000']);
    expect(always.tiers.redis.writes_lost).toBe(0);
    expect(always.tickets.oversold).toBe(0);
  });

  test('local_rollback gives back local stock that a failed Redis call spent', () => {
    const f = 'faults:\n  - { at: 50ms, kill: redis, for: 300ms }\n';
    const aof = REDIS + '  appendonly: true\n  appendfsync: always\n';
    const keep = run(base(f, 20000, aof));
    const back = run(base(f, 20000, aof), ['app.local_rollback=true']);
    expect(keep.tickets.burned_local).toBeGreaterThan(0);
    expect(back.tickets.burned_local).toBe(0);
    expect(back.tiers.app.app1.rolled_back).toBeGreaterThan(0);
    expect(back.tickets.sold).toBeGreaterThanOrEqual(keep.tickets.sold);
  });

  test('random faults come from the faults stream only: arrivals do not move', () => {
    const plain = runScenario(parseScenario(base(), 'f.yaml')).report.timeseries;
    const rnd = runScenario(
      parseScenario(base('faults:\n  - { random: kill, nodes: [app1, app2], mtbf: 500ms, mttr: 200ms, until: 2s }\n'), 'f.yaml'),
    ).report;
    expect(rnd.summary.faults.length).toBeGreaterThan(2);
    expect(rnd.timeseries.map((r) => r.arrivals)).toEqual(plain.map((r) => r.arrivals));
  });

  test('retries: a user who hit a 502 clicks again and counts once', () => {
    const s = run(base('faults:\n  - { at: 0s, kill: app1 }\n  - { at: 0s, kill: app2 }\n  - { at: 0s, kill: app3 }\n  - { at: 0s, kill: app4 }\n  - { at: 300ms, recover: app1 }\n'), [
      'users.retries=3',
      'users.retry_backoff=1s',
      'nginx.upstream.fail_timeout=0s',
    ]);
    expect(s.users.retried).toBeGreaterThan(0);
    expect(s.users.total).toBe(20000);
    expect(s.requests.total).toBeGreaterThan(s.users.total);
    expect(s.users.succeeded + s.users.sold_out + s.users.failed).toBe(s.users.total);
  });
});

describe('RDB snapshots follow the save rules', () => {
  test('save 1 1: a snapshot each second with a write; none without rules', () => {
    const writes = [100_000, 1_500_000, 2_600_000];
    // cron ticks every 100 ms: snapshots at 1.0 s and 2.0 s; at 2.6..2.9 s the last one is < 1 s old
    expect(lastSnapshot_us(writes, [[1, 1]], 3_000_000)).toBe(2_000_000);
    expect(lastSnapshot_us(writes, [], 3_000_000)).toBe(-1);
    expect(lastSnapshot_us(writes, [[60, 1]], 3_000_000)).toBe(0); // only the pre-run dump
  });
});

describe('properties over random fault schedules (fixed script, Redis keeps its data)', () => {
  const nodes = ['app1', 'app2', 'app3', 'app4'];
  const faultArb = fc.record({
    at: fc.integer({ min: 0, max: 1500 }),
    kind: fc.constantFrom('kill', 'recover', 'slow', 'partition', 'drop', 'restart'),
    node: fc.constantFrom(...nodes),
    dur: fc.integer({ min: 1, max: 800 }),
  });
  const yamlOf = (fs: { at: number; kind: string; node: string; dur: number }[]) =>
    fs
      .map((f) => {
        if (f.kind === 'partition') return `  - { at: ${f.at}ms, partition: [${f.node}], for: ${f.dur}ms }`;
        if (f.kind === 'drop') return `  - { at: ${f.at}ms, drop: ${f.node}-redis, fraction: 0.3, for: ${f.dur}ms }`;
        if (f.kind === 'slow') return `  - { at: ${f.at}ms, slow: ${f.node}, factor: 20, for: ${f.dur}ms }`;
        if (f.kind === 'restart') return `  - { at: ${f.at}ms, restart: redis, for: ${f.dur}ms }`;
        return `  - { at: ${f.at}ms, ${f.kind}: ${f.node} }`;
      })
      .join('\n');

  test('no oversell, ledger, conservation, sold + unsold = inventory', () => {
    fc.assert(
      fc.property(fc.array(faultArb, { maxLength: 6 }), fc.integer({ min: 1, max: 1000 }), (fs, seed) => {
        const y = base(fs.length ? `faults:\n${yamlOf(fs)}\n` : '', 5000, REDIS + '  appendonly: true\n  appendfsync: always\n');
        const s = runScenario(parseScenario(y, 'p.yaml', { seed, set: ['users.method=POST', 'tickets.inventory=500'] })).report.summary;
        expect(s.invariants.no_oversell).toBe(true);
        expect(s.invariants.ledger).toBe(true);
        expect(s.invariants.conservation).toBe(true);
        expect(s.tickets.sold + s.tickets.unsold).toBe(500);
        const { stranded, burned } = fromServers(s);
        expect([s.tickets.stranded_local, s.tickets.burned_local]).toEqual([stranded, burned]);
        expect(s.users.succeeded + s.users.sold_out + s.users.failed).toBe(5000);
      }),
      { numRuns: 25 },
    );
  });
});
