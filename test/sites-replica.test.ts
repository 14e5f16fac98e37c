// A Redis replica placed in a site (`redis.replicas[].site`): its replication link is the site
// link. Worked by hand: the lost-write window through a cut site link, the app servers dialing a
// promoted replica in their own site, and a dark site taking its replica and Sentinels with it.
import type { Summary } from '../src/metrics/summary.js';
import { lookupCommand } from '../src/model/redis/keyspace.js';
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';
import { replicaSites } from './support/replica-sites.js';

const HINCRBY = lookupCommand('HINCRBY')!;

/** Master in site 0, replica1 in site 1, 5 ms apart; `link.up` is the site link's state. */
function twoSites() {
  const { engine, ks, repl, link, at, endAt } = replicaSites({ link_latency_us: 5_000, min_replicas_to_write: 0, sentinel: null });
  endAt(1_000_000);
  const write = () => {
    ks[0].now_us = engine.now_us;
    ks[0].exec(HINCRBY, ['HINCRBY', 't', 'sold', '1']);
    repl.wrote(0);
  };
  return { engine, repl, link, at, write };
}

describe('a replica in another site: the site link is its replication link', () => {
  test('writes at 0, 10, 20, 30 ms, the site link cut at 22 ms, promotion at 40 ms: the replica has 2, 2 are lost', () => {
    const { engine, repl, link, at, write } = twoSites();
    const offsets: number[] = [];
    for (const t of [0, 10_000, 20_000, 30_000]) at(t, write);
    for (const t of [4_000, 5_000, 16_000, 36_000]) at(t, () => offsets.push(repl.offset(1)));
    at(22_000, () => (link.up = false)); // the write of 20 ms is on the wire (lands at 25 ms): lost with it
    let lost = -1;
    at(40_000, () => (lost = repl.promote(1)));
    engine.run();
    expect(offsets).toEqual([0, 0, 2, 2]);
    expect(lost).toBe(2);
  });

  test('the site link heals at 10 ms: the stream resumes and lands 5 ms later', () => {
    const { engine, repl, link, at, write } = twoSites();
    at(0, () => (link.up = false));
    for (const t of [1_000, 2_000, 3_000]) at(t, write);
    const seen: number[] = [];
    at(10_000, () => {
      link.up = true;
      repl.resumeStreams();
    });
    at(14_999, () => seen.push(repl.offset(1)));
    at(15_001, () => seen.push(repl.offset(1)));
    engine.run();
    expect(seen).toEqual([0, 3]);
  });
});

const err = (text: string): string => {
  try {
    parseScenario(text, 'x.yaml');
    return 'no error';
  } catch (e) {
    return (e as Error).message;
  }
};

const SITES = `nginx:
  instances: 2
  upstream: { servers: [{ name: app1 }, { name: app2 }] }
sites:
  - { name: dc1, nginx: [nginx1], servers: [app1] }
  - { name: dc2, nginx: [nginx2], servers: [app2] }
site_link: { latency: 3ms }
`;

describe('redis.replicas[].site', () => {
  test('in another site than Redis the link takes the site link latency; in Redis own site its link_latency', () => {
    const s = parseScenario(`${SITES}redis:\n  site: dc1\n  replicas:\n    - { name: r1, site: dc2 }\n    - { name: r2, site: dc1, link_latency: 200us }\n`, 'x.yaml');
    expect(s.redis.replication?.replicas).toEqual([
      { name: 'r1', link_latency_us: 3000, priority: 100, site: 'dc2' },
      { name: 'r2', link_latency_us: 200, priority: 100, site: 'dc1' },
    ]);
  });

  test('a site needs sites, and a known one', () => {
    expect(err('redis:\n  replicas:\n    - { name: r1, site: dc2 }\n')).toBe('x.yaml:3: redis.replicas[0].site: needs sites: (a replica in another data centre)');
    expect(err(`${SITES}redis:\n  replicas:\n    - { name: r1, site: dc3 }\n`)).toBe('x.yaml:10: redis.replicas[0].site: unknown site "dc3" (sites: dc1, dc2)');
  });
});

// One app server per site, 3 ms apart; constant service times, so an answer without queueing takes
// 2 x 1 ms (users) + 2 x 100 us (proxy) + 20 us (app) + 2 x 100 us (Redis) + 50 us (EVAL) = 2.47 ms,
// and 6 ms more from dc2 while the master is in dc1.
const TINY = `name: tiny
seed: 1
tickets: { inventory: 100000, script: fixed }
users:
  load: { open: { users: 1000, rate: 100/s } }
${SITES}gslb: { ttl: 1s, interval: 1s, fall: 1, rise: 1 }
app: { service_time: { const: 20us } }
redis:
  site: dc1
  service_time: { const: 50us }
  replicas: [{ name: replica1, site: dc2 }]
  sentinel: { sentinels: 3, quorum: 2, down_after: 1s }
`;
const run = (faults: string): Summary => runScenario(parseScenario(`${TINY}faults:\n${faults}`, 'tiny.yaml')).report.summary;

describe('end to end', () => {
  test('dc1 dies at 1 s; the replica in dc2 is promoted and dc2 dials it in its own site: 2.47 ms a sale', () => {
    const out = runScenario(parseScenario(`${TINY}faults:\n  - { at: 1s, kill: dc1 }\n`, 'tiny.yaml')).report;
    const fo = out.summary.replication?.failovers ?? [];
    expect(fo.map((f) => [f.from, f.to])).toEqual([['redis', 'replica1']]);
    expect(fo[0].at_ms).toBeLessThan(3000);
    // from 3 s every answer comes from dc2's app server and the replica beside it
    const latency = out.timeseries.filter((b) => b.t_ms >= 3000 && b.t_ms < 7000 && b.ok > 0).map((b) => b.latency_mean_ms);
    expect(latency.length).toBe(40);
    expect(latency.filter((x) => x === 2.47).length).toBe(35);
    // the other 5 bins: two users inside one app's lock (its Redis round trip) wait a few us more
    expect(Math.max(...latency)).toBeLessThan(2.5);
  });

  test('the site link down from the start: the replica never gets a write; dc2 promotes it and sells there, dc1 on the old master', () => {
    const s = run('  - { at: 0ms, down: dc1-dc2 }\n');
    const inst = s.replication?.instances ?? {};
    expect(s.tickets.sold).toBe(999);
    // two masters, each with its own sales (the replica's offset counts its own writes since its promotion)
    expect(inst.replica1.role).toBe('master');
    expect(inst.redis.role).toBe('master');
    expect(inst.redis.offset).toBeGreaterThan(0);
    expect(inst.replica1.offset).toBeGreaterThan(0);
    expect(inst.redis.offset + inst.replica1.offset).toBe(s.tickets.sold);
    expect(s.replication?.failovers[0].lost_writes).toBeGreaterThan(0); // dc1's sales before the promotion
  });

  test('kill dc2 kills the replica and the Sentinels on it: the master dying after has no failover', () => {
    const dark = run('  - { at: 500ms, kill: dc2 }\n  - { at: 1s, kill: redis }\n');
    expect(dark.replication?.instances.replica1.alive).toBe(false);
    expect(dark.replication?.failovers).toEqual([]);
    const lit = run('  - { at: 1s, kill: redis }\n');
    expect(lit.replication?.failovers.map((f) => f.to)).toEqual(['replica1']);
  });
});
