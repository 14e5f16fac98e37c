// tiers.app of summary.json, the rows of servers.csv, and the app servers' totals that tickets
// and invariants need, from the app counters at the end of a run.
import type { ServerRow } from '../../metrics/report-input.js';
import { round } from '../../metrics/round.js';
import type { AppServerSummary } from '../../metrics/summary.js';
import type { AppSections } from '../../metrics/tier-sections.js';
import type { Scenario } from '../../scenario/types.js';
import type { AppCounters } from './counters.js';

/** The app servers at the end of a run. */
export type AppEnd = {
  alive: ArrayLike<number>; // 1 if the process is up
  remainingLocal: number[]; // local sales each server could still make
};

const sum = (a: Float64Array): number => a.reduce((x, y) => x + y, 0);

export function appSections(s: Scenario, c: AppCounters, end: AppEnd, duration_us: number): AppSections {
  const servers = s.nginx.upstream.servers;
  const requestsTotal = sum(c.requests);
  const weightTotal = servers.reduce((a, sv) => a + (sv.backup || sv.down ? 0 : sv.weight), 0);
  const app: Record<string, AppServerSummary> = {};
  let strandedLocal = 0;
  let liveLocalLeft = 0;
  servers.forEach((sv, i) => {
    if (!end.alive[i]) strandedLocal += end.remainingLocal[i];
    else liveLocalLeft += end.remainingLocal[i];
    app[sv.name] = {
      requests: c.requests[i],
      weight: sv.weight,
      share: round(requestsTotal > 0 ? c.requests[i] / requestsTotal : 0, 4),
      expected_share: round(sv.backup || sv.down || weightTotal === 0 ? 0 : sv.weight / weightTotal, 4),
      local_stock: s.app.local_stock[i],
      local_sold: c.localSold[i],
      redis_ok: c.redisOk[i],
      redis_refused: c.redisRefused[i],
      redis_errors: c.redisErrors[i],
      sold_out: c.soldOut[i],
      lost: c.lost[i],
      burned_local: c.burnedLocal[i],
      rolled_back: c.rolledBack[i],
      utilization: round(c.busy_us[i] / duration_us / s.app.concurrency, 4),
      alive_at_end: end.alive[i] === 1,
    };
  });
  const rows: ServerRow[] = servers.map((sv) => serverRow(sv.name, app[sv.name]));
  const stock = {
    strandedLocal,
    liveLocalLeft,
    burnedLocal: sum(c.burnedLocal),
    strandedAtKills: c.strandedAtKill,
    redisOk: sum(c.redisOk),
    redisOkLost: sum(c.redisOkLost),
  };
  return { servers: app, rows, stock, load: { tier: 'app', names: servers.map((sv) => sv.name), servers: s.app.concurrency, series: c.load } };
}

function serverRow(node: string, a: AppServerSummary): ServerRow {
  return {
    tier: 'app',
    node,
    requests: a.requests,
    weight: a.weight,
    share: a.share,
    expected_share: a.expected_share,
    local_stock: a.local_stock,
    local_sold: a.local_sold,
    redis_ok: a.redis_ok,
    sold_out: a.sold_out,
    lost: a.lost,
    utilization: a.utilization,
  };
}
