// Turns the counters of a finished run into summary.json and the report's tables.
import type { ReportInput, ServerRow, TimeseriesRow } from './report-input.js';
import type { Scenario } from '../scenario/types.js';
import { evaluateExpectations } from './expect.js';
import type { Ledger } from './ledger.js';
import type { Metrics } from './metrics.js';
import { OUTCOME_OK, OUTCOME_SOLD_OUT } from './outcomes.js';
import type { AppServerSummary, Summary } from './summary.js';
import type { FrontSections } from './tier-sections.js';
import { nginxName } from '../scenario/topology.js';

/** What the model leaves behind at the end of a run, as plain data; `fe`: the front end's sections, built by the front tier. */
export type EndState = {
  events: number;
  fingerprint: number;
  usersTotal: number;
  usersFinal: Uint8Array; // OUTCOME_* per user
  usersRequests: Uint16Array;
  appAlive: Uint8Array;
  appRemainingLocal: number[];
  redisSoldField: number; // HGET sold at the end (NaN if gone)
  redisTotalField: number;
  keyspace: Record<string, Record<string, string> | string>;
};

const round = (x: number, digits = 3) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function summarize(s: Scenario, m: Metrics, ledger: Ledger, end: EndState, fe?: FrontSections): ReportInput {
  const servers = s.nginx.upstream.servers;
  const inventory = s.tickets.inventory;
  // tickets handed out: script calls that granted one (Redis's own counter may have forgotten some)
  const sold = ledger.granted;
  const oversold = Math.max(0, sold - inventory);
  const unsold = Math.max(0, inventory - sold);
  const localStockTotal = s.app.local_stock.reduce((a, b) => a + b, 0);
  let strandedLocal = 0;
  servers.forEach((_, i) => {
    if (!end.appAlive[i]) strandedLocal += end.appRemainingLocal[i];
  });
  // Why tickets stayed unsold, in this order: local stock stranded on dead servers, local stock
  // spent on Redis calls that failed, and the rest (nobody asked a server that still had stock,
  // including the one ticket per server that the article's local check never sells).
  const burnedLocal = m.appBurnedLocal.reduce((a, b) => a + b, 0);
  const splitStranded = Math.min(unsold, strandedLocal);
  const splitBurned = Math.min(unsold - splitStranded, burnedLocal);

  // users: count each user once, by their final outcome
  let succeeded = 0;
  let soldOut = 0;
  let failed = 0;
  let retried = 0;
  for (let u = 0; u < end.usersTotal; u++) {
    const f = end.usersFinal[u];
    if (f === OUTCOME_OK) succeeded++;
    else if (f === OUTCOME_SOLD_OUT) soldOut++;
    else failed++;
    if (end.usersRequests[u] > 1) retried++;
  }

  const appRequestsTotal = m.appRequests.reduce((a, b) => a + b, 0);
  const weightTotal = servers.reduce((a, sv) => a + (sv.backup || sv.down ? 0 : sv.weight), 0);
  // the last answer, not the last event: idle timeout wake-ups may run long after it
  const duration_us = Math.max(m.lastResponse_us, 1);
  const app: Record<string, AppServerSummary> = {};
  servers.forEach((sv, i) => {
    app[sv.name] = {
      requests: m.appRequests[i],
      weight: sv.weight,
      share: round(appRequestsTotal > 0 ? m.appRequests[i] / appRequestsTotal : 0, 4),
      expected_share: round(sv.backup || sv.down || weightTotal === 0 ? 0 : sv.weight / weightTotal, 4),
      local_stock: s.app.local_stock[i],
      local_sold: m.appLocalSold[i],
      redis_ok: m.appRedisOk[i],
      redis_refused: m.appRedisRefused[i],
      redis_errors: m.appRedisErrors[i],
      sold_out: m.appSoldOut[i],
      lost: m.appLost[i],
      burned_local: m.appBurnedLocal[i],
      rolled_back: m.appRolledBack[i],
      utilization: round(m.appBusy_us[i] / duration_us / s.app.concurrency, 4),
      alive_at_end: end.appAlive[i] === 1,
    };
  });
  const nginx: Summary['tiers']['nginx'] = {};
  for (let k = 0; k < s.nginx.instances; k++) {
    nginx[nginxName(k)] = {
      requests: m.nginxRequests[k],
      retries: m.nginxRetries[k],
      bad_gateway: m.nginxBadGateway[k],
      gateway_timeout: m.nginxGatewayTimeout[k],
      per_worker: Array.from(m.nginxPerWorker[k]),
      ...(fe ? fe.nginx[nginxName(k)] : {}),
    };
  }

  // time series
  const bins = Math.max(m.arrivals.used, m.ok.used, m.soldOut.used, m.errors.used, m.timeouts.used, m.sold.used);
  const timeseries: TimeseriesRow[] = [];
  let soldCum = 0;
  let peak = 0;
  // each series grows on its own: past a series' length its bins are empty (0), not undefined
  const at = (v: Float64Array, b: number): number => (b < v.length ? v[b] : 0);
  for (let b = 0; b < bins; b++) {
    soldCum += at(m.sold.values, b);
    const ok = at(m.ok.values, b);
    const so = at(m.soldOut.values, b);
    const er = at(m.errors.values, b);
    const to = at(m.timeouts.values, b);
    const answered = ok + so + er;
    peak = Math.max(peak, (answered + to) * (1e6 / m.bin_us));
    timeseries.push({
      t_ms: round((b * m.bin_us) / 1000),
      arrivals: at(m.arrivals.values, b),
      ok,
      sold_out: so,
      errors: er,
      timeouts: to,
      sold_total: soldCum,
      latency_mean_ms: answered > 0 ? round(at(m.latencySum_us.values, b) / answered / 1000) : 0,
    });
  }

  const audit = ledger.audit();
  const confirmedByApps = m.appRedisOk.reduce((a, b) => a + b, 0);
  const grantedToDeadApps = m.appRedisOkLost.reduce((a, b) => a + b, 0) + m.grantRepliesLost;
  const responses = m.requestsOk + m.requestsSoldOut + m.requestsErrors + m.requestsTimeouts;
  const h = m.latency;
  const ms = (us: number) => round(us / 1000);

  const summary: Summary = {
    scenario: s.name,
    seed: s.seed,
    tickets: {
      inventory,
      sold,
      oversold,
      unsold,
      local_stock_total: localStockTotal,
      stranded_local: strandedLocal,
      orphaned: audit.orphaned,
      unsold_split: {
        stranded_local: splitStranded,
        burned_local: splitBurned,
        never_reached: unsold - splitStranded - splitBurned,
      },
      burned_local: burnedLocal,
      stranded_at_kills: m.strandedAtKill,
    },
    users: { total: end.usersTotal, succeeded, sold_out: soldOut, failed, retried, late_answers: m.lateAnswers, double_holders: audit.doubleHolders },
    requests: {
      total: m.requestsTotal,
      ok: m.requestsOk,
      sold_out: m.requestsSoldOut,
      errors: m.requestsErrors,
      timeouts: m.requestsTimeouts,
    },
    latency_ms: {
      p50: ms(h.quantile_us(0.5)),
      p90: ms(h.quantile_us(0.9)),
      p99: ms(h.quantile_us(0.99)),
      p999: ms(h.quantile_us(0.999)),
      max: ms(h.max_us),
      mean: ms(h.count > 0 ? h.sum_us / h.count : 0),
    },
    throughput: {
      mean_per_s: round(m.lastResponse_us > 0 ? responses / (m.lastResponse_us / 1e6) : 0, 1),
      peak_per_s: round(peak, 1),
    },
    sell_out_ms: m.sellOut_us >= 0 ? ms(m.sellOut_us) : null,
    duration_ms: ms(m.lastResponse_us),
    tiers: {
      app,
      nginx,
      redis: {
        commands: m.redisCommands,
        script_ok: m.redisScriptOk,
        script_refused: m.redisScriptRefused,
        script_errors: m.redisScriptErrors,
        lost: m.redisLost,
        utilization: round(m.redisBusy_us / duration_us, 4),
        writes_lost: m.redisWritesLost,
        max_queue: m.redisMaxQueue,
        keyspace: end.keyspace,
      },
      ...(fe ? { lvs: fe.directors, router: fe.routers } : {}),
    },
    ...(fe ? { network: fe.network, lvs: fe.lvs } : {}),
    invariants: {
      no_oversell: sold <= inventory,
      // every success holds exactly one ticket, no one holds two, every sold ticket has a holder
      ledger: audit.doubleHolders === 0 && audit.toldWithoutTicket === 0 && audit.toldTwice === 0,
      // the hash still says the inventory and counts every ticket handed out, and the apps'
      // confirmed sales plus the grants nobody waited for any more add up to the same number
      conservation:
        end.redisTotalField === inventory && end.redisSoldField === sold && confirmedByApps + grantedToDeadApps === sold,
    },
    expect: {},
    faults: m.faults.map((f) => ({ at_ms: ms(f.at_us), action: f.action, target: f.target, detail: f.detail })),
    events: end.events,
    fingerprint: (end.fingerprint >>> 0).toString(16).padStart(8, '0'),
  };
  summary.expect = evaluateExpectations(summary, s.expect);

  const serverRows: ServerRow[] = servers.map((sv) => {
    const a = app[sv.name];
    return {
      tier: 'app',
      node: sv.name,
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
  });

  return {
    summary,
    timeseries,
    bin_ms: m.bin_us / 1000,
    servers: serverRows,
    latency: h.buckets().map((b) => ({ lo_ms: b.lo_us / 1000, hi_ms: b.hi_us / 1000, count: b.count })),
  };
}
