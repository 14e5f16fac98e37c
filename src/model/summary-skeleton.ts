// The summary skeleton: summary.json of a run of a scenario in which nothing happened, built by the
// same tier builders as a real one, on fresh zero counters. Its keys are exactly those of a real
// summary.json of that scenario (its values are not), so expect: paths are checked against it
// before a run, and it never goes stale.
import { checkExpectPathsAgainst } from '../metrics/expect-paths.js';
import { Ledger } from '../metrics/ledger.js';
import { Metrics } from '../metrics/metrics.js';
import { summarize } from '../metrics/summarize.js';
import type { Summary } from '../metrics/summary.js';
import type { Scenario } from '../scenario/types.js';
import { AppCounters } from './app/counters.js';
import { appSections } from './app/summary.js';
import { frontAtRest, frontSections } from './front/summary.js';
import { NginxCounters } from './nginx/counters.js';
import { nginxLoad, nginxSection } from './nginx/summary.js';
import { RedisCounters } from './redis/counters.js';
import { redisSections, replicationSkeleton } from './redis/summary.js';
import { SiteCounters } from './sites/counters.js';
import { frontsAtRest } from './sites/fronts.js';
import { siteSections } from './sites/summary.js';

/** summary.json of a run in which nothing happened: the keys are right, the values are not. */
export function summarySkeleton(s: Scenario): Summary {
  const servers = s.nginx.upstream.servers.length;
  const m = new Metrics(s.report.bin_us);
  const duration_us = m.duration_us();
  const app = appSections(s, new AppCounters(servers, s.report.bin_us), { alive: new Uint8Array(servers).fill(1), remainingLocal: new Array<number>(servers).fill(0) }, duration_us);
  const siteFronts = s.sites?.list.some((x) => x.front) ? frontsAtRest(s, s.sites) : null;
  const front = s.network.topology && s.lvs ? frontSections(s, frontAtRest(s, s.network.topology, s.lvs), 0) : siteFronts?.merged;
  const nginxCounters = new NginxCounters(s.nginx.instances, s.nginx.workers, s.report.bin_us);
  const nginx = nginxSection(s, nginxCounters, front?.nginx);
  const rc = s.redis.replication;
  const names = ['redis', ...(rc?.replicas.map((r) => r.name) ?? [])];
  const redis = redisSections(new RedisCounters(s.report.bin_us, names.length), { keyspace: {}, ticketHash: { sold: 0, total: s.tickets.inventory } }, duration_us, names);
  if (rc) redis.replication = replicationSkeleton(names);
  const n = s.sites?.list.length ?? 0;
  const atRest = { alive: new Uint8Array(n).fill(1), inDns: new Uint8Array(n).fill(1), lastSite: new Int16Array(0), lastLost: new Uint8Array(0), usersFinal: new Uint8Array(0), end_us: 0, fronts: siteFronts?.perSite };
  const sites = s.sites ? siteSections(s.sites, s.nginx.upstream.servers.map((v) => v.name), new SiteCounters(n, s.report.bin_us), new AppCounters(servers, s.report.bin_us), atRest) : undefined;
  const end = { events: 0, fingerprint: 0, usersTotal: 0, usersFinal: new Uint8Array(0), usersRequests: new Uint16Array(0) };
  return summarize({ ...s, expect: [] }, m, new Ledger(0), end, { app, nginx, redis, front, nginxLoad: nginxLoad(s, nginxCounters), ...(sites ? { sites } : {}) }).summary;
}

/**
 * Throws a ScenarioError (`FILE:LINE: expect.PATH: ...`, exit 2) for the first expectation that
 * no run of `s` could check. Call it after loading, before running.
 */
export function checkExpectPaths(s: Scenario): void {
  if (s.expect.length === 0) return;
  checkExpectPathsAgainst(s, summarySkeleton(s));
}
