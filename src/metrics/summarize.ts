// Turns the counters of a finished run into summary.json and the report's tables. The run-level
// sections are built here; each tier's sections come ready-made from that tier's builder.
import type { LatencyBucket, ReportInput, TimeseriesRow } from './report-input.js';
import type { Scenario } from '../scenario/types.js';
import { evaluateExpectations } from './expect.js';
import type { LatencyHistogram } from './histogram.js';
import type { Ledger } from './ledger.js';
import type { Metrics } from './metrics.js';
import { OUTCOME_OK, OUTCOME_SOLD_OUT, OUTCOME_TIMEOUT } from './outcomes.js';
import { round } from './round.js';
import type { Summary, UnsoldWhy } from './summary.js';
import type { AppStockTotals, NodeLoad, RedisSections, TierSections } from './tier-sections.js';
import { findBottleneck, nodeRows } from './bottleneck.js';

/** What the run leaves behind besides the counters, as plain data. */
export type RunEnd = {
  events: number;
  fingerprint: number;
  usersTotal: number;
  usersFinal: Uint8Array; // OUTCOME_* per user
  usersRequests: Uint16Array;
};

type Audit = ReturnType<Ledger['audit']>;

const ms = (us: number) => round(us / 1000);

function unsoldWhy(s: Scenario, unsold: number, stock: AppStockTotals, m: Metrics): UnsoldWhy {
  const localTotal = s.app.local_stock.reduce((a, b) => a + b, 0);
  const lost = stock.strandedLocal + stock.burnedLocal;
  const buffer = localTotal - s.tickets.inventory;
  const checkUnsellable = s.app.local_check === 'exact' ? 0 : s.app.local_stock.length;
  const usable = buffer - checkUnsellable;
  const unsoldLost = Math.min(unsold, Math.max(0, lost - usable));
  return {
    stranded_local: stock.strandedLocal,
    burned_local: stock.burnedLocal,
    lost_local: lost,
    buffer,
    check_unsellable: checkUnsellable,
    usable_buffer: usable,
    unsold_lost: unsoldLost,
    never_reached: unsold - unsoldLost,
    live_local_left: stock.liveLocalLeft,
    sold_out_while_stock: m.soldOutWithStock(),
  };
}

function ticketsSection(s: Scenario, sold: number, audit: Audit, stock: AppStockTotals, m: Metrics): Summary['tickets'] {
  const inventory = s.tickets.inventory;
  const unsold = Math.max(0, inventory - sold);
  // Why tickets stayed unsold, in this order: local stock stranded on dead servers, local stock
  // spent on Redis calls that failed, and the rest (nobody asked a server that still had stock,
  // including the one ticket per server that the article's local check never sells).
  const splitStranded = Math.min(unsold, stock.strandedLocal);
  const splitBurned = Math.min(unsold - splitStranded, stock.burnedLocal);
  return {
    inventory,
    sold,
    oversold: Math.max(0, sold - inventory),
    unsold,
    local_stock_total: s.app.local_stock.reduce((a, b) => a + b, 0),
    stranded_local: stock.strandedLocal,
    orphaned: audit.orphaned,
    unsold_split: {
      stranded_local: splitStranded,
      burned_local: splitBurned,
      never_reached: unsold - splitStranded - splitBurned,
    },
    unsold_why: unsoldWhy(s, unsold, stock, m),
    burned_local: stock.burnedLocal,
    stranded_at_kills: stock.strandedAtKills,
  };
}

/** Each user counts once, by their final outcome. */
function usersSection(s: Scenario, end: RunEnd, m: Metrics, audit: Audit): Summary['users'] {
  let succeeded = 0;
  let soldOut = 0;
  let failed = 0;
  let timedOut = 0;
  let retried = 0;
  for (let u = 0; u < end.usersTotal; u++) {
    const f = end.usersFinal[u];
    if (f === OUTCOME_OK) succeeded++;
    else if (f === OUTCOME_SOLD_OUT) soldOut++;
    else failed++;
    if (f === OUTCOME_TIMEOUT) timedOut++;
    if (end.usersRequests[u] > 1) retried++;
  }
  return {
    total: end.usersTotal,
    succeeded,
    sold_out: soldOut,
    failed,
    failed_timeout: timedOut,
    failed_error: failed - timedOut,
    timeout_ms: s.users.timeout_us > 0 ? ms(s.users.timeout_us) : null,
    retried,
    late_answers: m.lateAnswers,
    double_holders: audit.doubleHolders,
  };
}

/** timeseries.csv, and the peak answer rate over its bins. */
function timeseries(m: Metrics): { rows: TimeseriesRow[]; peak_per_s: number } {
  const bins = Math.max(m.arrivals.used, m.ok.used, m.soldOut.used, m.errors.used, m.timeouts.used, m.sold.used, m.timeoutsBySend.used, m.errorsBySend.used);
  const rows: TimeseriesRow[] = [];
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
    rows.push({
      t_ms: round((b * m.bin_us) / 1000),
      arrivals: at(m.arrivals.values, b),
      ok,
      sold_out: so,
      errors: er,
      timeouts: to,
      sold_total: soldCum,
      latency_mean_ms: answered > 0 ? round(at(m.latencySum_us.values, b) / answered / 1000) : 0,
      timeouts_by_send: at(m.timeoutsBySend.values, b),
      errors_by_send: at(m.errorsBySend.values, b),
    });
  }
  return { rows, peak_per_s: peak };
}

function latencySection(h: LatencyHistogram): Summary['latency_ms'] {
  return {
    p50: ms(h.quantile_us(0.5)),
    p90: ms(h.quantile_us(0.9)),
    p99: ms(h.quantile_us(0.99)),
    p999: ms(h.quantile_us(0.999)),
    max: ms(h.max_us),
    mean: ms(h.count > 0 ? h.sum_us / h.count : 0),
  };
}

/** The percentiles of every request, failures included, with their count. */
function latencyOf(h: LatencyHistogram): Summary['latency_all_ms'] {
  return { ...latencySection(h), count: h.count };
}

function invariantsSection(s: Scenario, sold: number, audit: Audit, stock: AppStockTotals, redis: RedisSections): Summary['invariants'] {
  const inventory = s.tickets.inventory;
  const grantedToDeadApps = stock.redisOkLost + redis.grantRepliesLost;
  return {
    no_oversell: sold <= inventory,
    // every success holds exactly one ticket, no one holds two, every sold ticket has a holder
    ledger: audit.doubleHolders === 0 && audit.toldWithoutTicket === 0 && audit.toldTwice === 0,
    // the hash still says the inventory and counts every ticket handed out, and the apps'
    // confirmed sales plus the grants nobody waited for any more add up to the same number
    conservation: redis.ticketHash.total === inventory && redis.ticketHash.sold === sold && stock.redisOk + grantedToDeadApps === sold,
  };
}

const bucketsOf = (h: LatencyHistogram): LatencyBucket[] => h.buckets().map((b) => ({ lo_ms: b.lo_us / 1000, hi_ms: b.hi_us / 1000, count: b.count }));

export function summarize(s: Scenario, m: Metrics, ledger: Ledger, end: RunEnd, tiers: TierSections): ReportInput {
  // tickets handed out: script calls that granted one (Redis's own counter may have forgotten some)
  const sold = ledger.granted;
  const audit = ledger.audit();
  const series = timeseries(m);
  const responses = m.requestsOk + m.requestsSoldOut + m.requestsErrors + m.requestsTimeouts;
  const fe = tiers.front;
  // upstream first, the order of nodes.csv and the bottleneck's tie-break
  // the hosts last: a saturated CPU holds up every process on it, so it explains the others' queues
  const loads: NodeLoad[] = [...(fe ? [fe.load] : []), tiers.nginxLoad, tiers.app.load, tiers.redis.load, ...(tiers.hosts?.loads ?? [])];
  const summary: Summary = {
    scenario: s.name,
    description: s.description,
    seed: s.seed,
    tickets: ticketsSection(s, sold, audit, tiers.app.stock, m),
    users: usersSection(s, end, m, audit),
    requests: {
      total: m.requestsTotal,
      ok: m.requestsOk,
      sold_out: m.requestsSoldOut,
      errors: m.requestsErrors,
      timeouts: m.requestsTimeouts,
    },
    latency_ms: latencySection(m.latency),
    latency_all_ms: latencyOf(m.latencyAll),
    latency_ok_ms: latencyOf(m.latencyOk),
    latency_ko_ms: latencyOf(m.latencyKo),
    throughput: {
      mean_per_s: round(m.lastResponse_us > 0 ? responses / (m.lastResponse_us / 1e6) : 0, 1),
      peak_per_s: round(series.peak_per_s, 1),
    },
    sell_out_ms: m.sellOut_us >= 0 ? ms(m.sellOut_us) : null,
    duration_ms: ms(m.lastResponse_us),
    bin_ms: m.bin_us / 1000,
    bottleneck: findBottleneck(loads),
    tiers: {
      app: tiers.app.servers,
      nginx: tiers.nginx,
      redis: tiers.redis.redis,
      ...(fe ? { lvs: fe.directors, router: fe.routers } : {}),
      ...(tiers.sites ? { site: tiers.sites.site } : {}),
    },
    ...(tiers.sites ? { gslb: tiers.sites.gslb } : {}),
    ...(fe ? { network: fe.network, lvs: fe.lvs } : {}),
    ...(tiers.hosts ? { hosts: tiers.hosts.hosts } : {}),
    ...(tiers.redis.replication ? { replication: tiers.redis.replication.summary } : {}),
    invariants: invariantsSection(s, sold, audit, tiers.app.stock, tiers.redis),
    expect: {},
    faults: m.faults.map((f) => ({ at_ms: ms(f.at_us), action: f.action, target: f.target, detail: f.detail })),
    events: end.events,
    fingerprint: (end.fingerprint >>> 0).toString(16).padStart(8, '0'),
  };
  summary.expect = evaluateExpectations(summary, s.expect);
  return {
    summary,
    timeseries: series.rows,
    bin_ms: m.bin_us / 1000,
    servers: tiers.app.rows,
    nodes: nodeRows(loads),
    latency: bucketsOf(m.latency),
    latency_ok: bucketsOf(m.latencyOk),
    latency_all: bucketsOf(m.latencyAll),
    ...(tiers.sites ? { sites: tiers.sites.rows } : {}),
    ...(tiers.redis.replication ? { replication: tiers.redis.replication.rows } : {}),
  };
}
