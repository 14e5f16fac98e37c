// End-to-end runs of small scenarios through the whole model.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runScenario } from '../src/model/stack.js';
import { writeReport } from '../src/report/write.js';
import { parseScenario } from '../src/scenario/load.js';

const base = (extra = '') => `
name: small
seed: 7
tickets:
  inventory: 100
  script: source
users:
  load:
    open: { users: 3000, rate: 20k/s }
  client_ips: 1000
network:
  latency: 200us
nginx:
  upstream:
    servers:
      - { name: app1, weight: 1 }
      - { name: app2, weight: 2 }
      - { name: app3, weight: 3 }
app:
  local_stock: { buffer: 1.5 }
  service_time: { exp: 20us }
${extra}`;

const run = (yaml: string, opts: { seed?: number; set?: string[] } = {}) =>
  runScenario(parseScenario(yaml, 'test.yaml', opts)).report.summary;

describe('the inventory scripts, run through the whole stack', () => {
  test("the article's script sells inventory + 1", () => {
    const s = run(base());
    expect(s.tickets.sold).toBe(101);
    expect(s.tickets.oversold).toBe(1);
    expect(s.invariants.no_oversell).toBe(false);
    expect(s.users.succeeded).toBe(101);
    expect(s.invariants.ledger).toBe(true);
    expect(s.invariants.conservation).toBe(true);
  });

  test('the fixed script sells exactly the inventory', () => {
    const s = run(base(), { set: ['tickets.script=fixed'] });
    expect(s.tickets.sold).toBe(100);
    expect(s.tickets.oversold).toBe(0);
    expect(s.tickets.unsold).toBe(0);
    expect(s.invariants.no_oversell).toBe(true);
    expect(s.users.succeeded).toBe(100);
    expect(s.users.sold_out).toBe(2900);
  });

  test('a user-supplied inline script runs as written', () => {
    // sells nothing: always answers 0
    const s = run(base(), { set: ['tickets.script={lua: "return 0"}'] });
    expect(s.tickets.sold).toBe(0);
    expect(s.tiers.redis.script_refused).toBeGreaterThan(0);
  });
});

describe("the article's local stock check", () => {
  const one = (check: string, stock: number) =>
    run(
      base(`  local_check: ${check}\n`).replace('local_stock: { buffer: 1.5 }', `local_stock: [${stock}]`).replace(
        /servers:\n(.*\n){3}/,
        'servers:\n      - { name: app1, weight: 1 }\n',
      ),
    );

  test('source: LocalSalesVolume++ then < LocalInStock sells stock - 1', () => {
    const s = one('source', 5);
    expect(s.tiers.app.app1.local_sold).toBe(4);
    expect(s.tickets.sold).toBe(4);
    expect(s.tickets.unsold).toBe(96);
  });

  test('exact sells the whole local stock', () => {
    const s = one('exact', 5);
    expect(s.tiers.app.app1.local_sold).toBe(5);
    expect(s.tickets.sold).toBe(5);
  });
});

describe('load split and queueing', () => {
  test('smooth WRR splits requests by weight', () => {
    const s = run(base());
    expect(s.tiers.app.app1.share).toBeCloseTo(1 / 6, 3);
    expect(s.tiers.app.app2.share).toBeCloseTo(2 / 6, 3);
    expect(s.tiers.app.app3.share).toBeCloseTo(3 / 6, 3);
    expect(s.requests.total).toBe(3000);
    expect(s.users.total).toBe(3000);
  });

  test('closed load obeys the interactive response time law N = X (R + Z)', () => {
    const s = run(
      base().replace('open: { users: 3000, rate: 20k/s }', 'closed: { concurrency: 20, requests: 5000, think_time: 1ms }'),
    );
    expect(s.users.total).toBe(5000);
    const X = s.throughput.mean_per_s;
    const R = s.latency_ms.mean / 1000;
    const Z = 0.001;
    expect(X * (R + Z)).toBeGreaterThan(19);
    expect(X * (R + Z)).toBeLessThan(20.5);
  });
});

describe('faults', () => {
  test('killing an app server strands its local stock and nginx retries elsewhere', () => {
    const s = run(base('faults:\n  - { at: 20ms, kill: app3 }\n'), { set: ['tickets.script=fixed'] });
    expect(s.tiers.app.app3.alive_at_end).toBe(false);
    expect(s.tickets.stranded_local).toBeGreaterThan(0);
    expect(s.faults).toHaveLength(1);
    expect(s.faults[0]).toMatchObject({ at_ms: 20, action: 'kill', target: 'app3' });
    expect(s.tiers.nginx.nginx1.retries).toBeGreaterThan(0);
    // max_fails=1, fail_timeout=10s: after the first failure app3 gets (almost) nothing more
    expect(s.tiers.app.app3.share).toBeLessThan(0.1);
    expect(s.invariants.no_oversell).toBe(true);
    expect(s.invariants.ledger).toBe(true);
    expect(s.invariants.conservation).toBe(true);
  });

  test('a restarted app server gets its configured stock back', () => {
    const s = run(base('faults:\n  - { at: 5ms, kill: app1 }\n  - { at: 10ms, recover: app1 }\n'));
    expect(s.tiers.app.app1.alive_at_end).toBe(true);
    expect(s.faults.map((f) => f.action)).toEqual(['kill', 'recover']);
    expect(s.tickets.stranded_local).toBe(0);
  });

  test('while Redis is down, locally deducted tickets are refused and stay unsold', () => {
    const s = run(base('faults:\n  - { at: 0s, kill: redis }\n  - { at: 100ms, recover: redis }\n'), {
      set: ['tickets.script=fixed', 'users.load.open.users=4000', 'app.local_stock=[20, 40, 60]'],
    });
    const redisErrors = Object.values(s.tiers.app).reduce((a, x) => a + x.redis_errors, 0);
    expect(redisErrors).toBeGreaterThan(0);
    // the local stock spent on failed Redis calls is gone: fewer than 100 can be sold
    expect(s.tickets.sold).toBeLessThan(100);
    expect(s.tickets.unsold).toBe(100 - s.tickets.sold);
    expect(s.invariants.conservation).toBe(true);
  });
});

describe('determinism', () => {
  test('the same seed gives byte-identical report files; another seed changes the run', async () => {
    const dirs = [mkdtempSync(path.join(tmpdir(), 'ts-a-')), mkdtempSync(path.join(tmpdir(), 'ts-b-'))];
    for (const d of dirs) {
      const { report } = runScenario(parseScenario(base(), 'test.yaml'));
      await writeReport(d, report, { host: d });
    }
    const files = readdirSync(dirs[0]).filter((f) => f !== 'run.json').sort();
    expect(files).toEqual(expect.arrayContaining(['summary.json', 'timeseries.csv', 'servers.csv', 'index.html', 'sold.svg']));
    for (const f of files) expect(readFileSync(path.join(dirs[1], f))).toEqual(readFileSync(path.join(dirs[0], f)));

    const a = run(base());
    const b = run(base(), { seed: 8 });
    expect(b.fingerprint).not.toBe(a.fingerprint);
    expect(b.latency_ms).not.toEqual(a.latency_ms);
  });

  test('adding a fault does not shift the users arrival stream', () => {
    // the first arrivals happen before the fault, so the first bins are identical
    const plain = runScenario(parseScenario(base(), 'test.yaml')).report.timeseries;
    const faulty = runScenario(parseScenario(base('faults:\n  - { at: 100ms, kill: app2 }\n'), 'test.yaml')).report.timeseries;
    expect(faulty.map((r) => r.arrivals)).toEqual(plain.map((r) => r.arrivals));
  });
});

import { Tracer } from '../src/metrics/trace.js';

describe('answers taken when sent (Users.respond)', () => {
  // Timeouts that fire, retries, 502s from a dead server, late answers and sold-out answers:
  // every path the fast path must leave to the event, or may take early.
  const USERS = 'users:\n  load:\n    open: { users: 3000, rate: 20k/s }\n  client_ips: 1000\n';
  const cases: [string, string][] = [
    ['timeouts and retries', base().replace(USERS, `${USERS}  timeout: 3ms\n  retries: 2\n  retry_backoff: 1ms\n`)],
    ['a server killed and restarted', base('faults:\n  - { at: 30ms, kill: app2, for: 40ms }\n')],
    ['closed load', base().replace(USERS, 'users:\n  load:\n    closed: { concurrency: 50, requests: 3000 }\n  client_ips: 1000\n')],
  ];
  test.each(cases)('%s: the same summary, fewer events', (name, text) => {
    expect(text).not.toBe(base()); // the case really changed the scenario
    const strip = (x: ReturnType<typeof run>) => JSON.stringify({ ...x, events: 0, fingerprint: '' });
    const slow = runScenario(parseScenario(text, 'test.yaml'), { fastPaths: { answers: false } }).report.summary;
    const fast = runScenario(parseScenario(text, 'test.yaml'), { fastPaths: { answers: true } }).report.summary;
    expect(strip(fast)).toBe(strip(slow));
    if (name === 'closed load') expect(fast.events).toBe(slow.events); // closed load always takes the event
    else expect(fast.events).toBeLessThan(slow.events);
  });
});

describe('--trace', () => {
  test('one row per hop, every request sent and answered, streamed to a renamed file', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ts-trace-')), 'trace.csv');
    const tracer = new Tracer(file);
    const s = runScenario(parseScenario(base(), 'test.yaml'), { tracer }).report.summary;
    tracer.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('time_us,request,user,client_ip,tier,node,event,outcome');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.filter((r) => r[6] === 'send')).toHaveLength(s.requests.total);
    expect(rows.filter((r) => r[6] === 'answer' && r[7] === 'ok')).toHaveLength(s.requests.ok);
    expect(rows.filter((r) => r[4] === 'redis' && r[7] === 'ok')).toHaveLength(s.tickets.sold);
    // time never goes backwards in the stream
    const times = rows.map((r) => Number(r[0]));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);
    expect(readdirSync(path.dirname(file))).toEqual(['trace.csv']);
  });
});
