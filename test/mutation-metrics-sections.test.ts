// Which sections summary.json and the report carry, and in which order (summary.json's bytes follow
// it): the front's, the sites', the hosts' and the replicas' appear with them and only with them.
// Small runs of shipped scenarios (a few hundred users).
import { readFileSync } from 'node:fs';
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';

const run = (file: string, set: string[] = []) => runScenario(parseScenario(readFileSync(file, 'utf8'), file, { set })).report;
const HEAD = ['scenario', 'description', 'seed', 'tickets', 'users', 'requests', 'latency_ms', 'latency_all_ms', 'latency_ok_ms', 'latency_ko_ms', 'throughput', 'sell_out_ms', 'duration_ms', 'bin_ms', 'bottleneck', 'tiers'];
const TAIL = ['invariants', 'expect', 'faults', 'events', 'fingerprint'];
const REPORT = ['summary', 'timeseries', 'bin_ms', 'servers', 'nodes', 'latency', 'latency_ok', 'latency_all'];
const nodeTiers = (r: ReturnType<typeof run>) => [...new Set(r.nodes.map((n) => n.tier))];

test('no front, sites, hosts or replicas: none of their sections', () => {
  const r = run('test/fixtures/hand-sell-out.yaml');
  expect(Object.keys(r.summary)).toEqual([...HEAD, ...TAIL]);
  expect(Object.keys(r.summary.tiers)).toEqual(['app', 'nginx', 'redis']);
  expect(Object.keys(r)).toEqual(REPORT);
  expect(nodeTiers(r)).toEqual(['nginx', 'app', 'redis']);
});

test('a front: tiers.lvs and tiers.router, network and lvs; its directors first in nodes.csv', () => {
  const r = run('scenarios/director-failover.yaml', ['users.load.open.users=200']);
  expect(Object.keys(r.summary)).toEqual([...HEAD, 'network', 'lvs', ...TAIL]);
  expect(Object.keys(r.summary.tiers)).toEqual(['app', 'nginx', 'redis', 'lvs', 'router']);
  expect(Object.keys(r.summary.tiers.lvs ?? {})).toEqual(['lvs1', 'lvs2']);
  expect(Object.keys(r)).toEqual(REPORT);
  expect(nodeTiers(r)).toEqual(['lvs', 'nginx', 'app', 'redis']);
});

test('replicas: replication in summary.json and its rows in the report', () => {
  const r = run('scenarios/redis-failover-async.yaml', ['users.load.open.users=200']);
  expect(Object.keys(r.summary)).toEqual([...HEAD, 'replication', ...TAIL]);
  expect(Object.keys(r)).toEqual([...REPORT, 'replication']);
  expect(r.replication?.length).toBeGreaterThan(0);
});

test('hosts: the hosts section; each host last in nodes.csv', () => {
  const r = run('scenarios/source-ab-one-box.yaml', ['users.load.closed.requests=200']);
  expect(Object.keys(r.summary)).toEqual([...HEAD, 'hosts', ...TAIL]);
  expect(Object.keys(r)).toEqual(REPORT);
  expect(nodeTiers(r)).toEqual(['nginx', 'app', 'redis', 'host']);
});

test('sites: tiers.site and gslb, then the front; sites.csv rows in the report', () => {
  const r = run('scenarios/dual-dc.yaml', ['users.load.open.users=2000']);
  expect(Object.keys(r.summary)).toEqual([...HEAD, 'gslb', 'network', 'lvs', ...TAIL]);
  expect(Object.keys(r.summary.tiers)).toEqual(['app', 'nginx', 'redis', 'lvs', 'router', 'site']);
  expect(Object.keys(r.summary.tiers.site ?? {})).toEqual(['dc1', 'dc2']);
  expect(Object.keys(r)).toEqual([...REPORT, 'sites']);
  expect(r.sites?.length).toBeGreaterThan(0);
});
