// tiers.redis of summary.json, and what the conservation invariant needs from Redis, from the
// Redis counters and the server's memory at the end of a run.
import { round } from '../../metrics/round.js';
import type { FailoverSummary, RedisSummary, ReplicationSummary } from '../../metrics/summary.js';
import type { ReplicationRow } from '../../metrics/report-input.js';
import type { Replication } from './replication.js';
import type { RedisSections } from '../../metrics/tier-sections.js';
import type { RedisCounters } from './counters.js';

/** The Redis server at the end of a run. */
export type RedisEnd = {
  keyspace: Record<string, Record<string, string> | string>;
  ticketHash: { sold: number; total: number }; // HGET of the ticket hash's fields (NaN if gone)
};

export function redisSections(c: RedisCounters, end: RedisEnd, duration_us: number, names: readonly string[] = ['redis']): RedisSections {
  return {
    redis: {
      commands: c.commands,
      script_ok: c.scriptOk,
      script_refused: c.scriptRefused,
      script_errors: c.scriptErrors,
      script_stopped: c.scriptStopped,
      first_script_error: c.firstError,
      first_script_error_count: c.firstError === null ? 0 : (c.errorMessages.get(c.firstError) ?? 0),
      first_script_error_ms: c.firstError === null ? null : round(c.firstError_us / 1000, 3),
      lost: c.lost,
      utilization: round(c.busy_us / duration_us, 4),
      writes_lost: c.writesLost,
      max_queue: c.maxQueue,
      keyspace: end.keyspace,
    },
    ticketHash: end.ticketHash,
    grantRepliesLost: c.grantRepliesLost,
    load: { tier: 'redis', names, servers: 1, series: c.load },
  };
}

/** The terminal's line about failed script calls: none when every call succeeded. */
export function scriptErrorLines(r: RedisSummary): string[] {
  if (r.script_errors === 0) return [];
  const stopped = r.script_stopped > 0 ? ` (${r.script_stopped} stopped by the model's limits)` : '';
  return [`  SCRIPT ERRORS: ${r.script_errors} calls failed${stopped}, answered "sold out"; first at ${r.first_script_error_ms} ms (${r.first_script_error_count}x): ${r.first_script_error}`];
}

const msOrNull = (t_us: number): number | null => (t_us < 0 ? null : round(t_us / 1000, 3));

/**
 * summary.json's `replication` and replication.csv. `final` is the master at the end; `granted`
 * the tickets the run handed out and `hashSold` the final master's count of them: the sales
 * beyond the inventory that the final master does not know of are the failovers' oversell (the
 * rest, if any, is the script's own).
 */
export function replicationSection(
  r: Replication,
  final: number,
  t: { granted: number; inventory: number; hashSold: number; waitShort: number; readOnly: number; minority: { writes: number; sold: number; last_us: number } },
  end_us: number,
): { summary: ReplicationSummary; rows: ReplicationRow[] } {
  const oversold = Math.max(0, t.granted - t.inventory);
  const scriptOversold = Number.isNaN(t.hashSold) ? 0 : Math.max(0, t.hashSold - t.inventory);
  const byFailover = Math.max(0, oversold - scriptOversold);
  const failovers: FailoverSummary[] = r.failovers.map((f) => ({
    from: r.names[f.from],
    to: r.names[f.to],
    at_ms: round(f.switched_us / 1000, 3),
    failover_ms: f.lost_us < 0 ? null : round((f.switched_us - f.lost_us) / 1000, 3),
    sdown_ms: msOrNull(f.steps.sdown_us),
    odown_ms: msOrNull(f.steps.odown_us),
    elected_ms: msOrNull(f.steps.elected_us),
    promoted_ms: msOrNull(f.steps.promoted_us),
    lost_writes: f.lostWrites,
  }));
  const lagRows = r.lag.rows(end_us);
  const rows: ReplicationRow[] = [];
  const lagMax = new Array<number>(r.n).fill(0);
  lagRows.forEach((row, b) => {
    row.forEach((lag, i) => {
      lagMax[i] = Math.max(lagMax[i], lag);
      rows.push({ t_ms: round((b * r.lag.bin_us) / 1000, 3), node: r.names[i], lag_writes: lag });
    });
  });
  const instances: ReplicationSummary['instances'] = {};
  r.names.forEach((name, i) => {
    instances[name] = { role: r.masterOf[i] < 0 ? 'master' : 'replica', offset: r.offset(i), lag_writes_max: lagMax[i], alive: r.alive[i] === 1 };
  });
  return {
    summary: {
      master: r.names[final],
      writes: r.clientWrites,
      lost_writes: r.clientWrites - r.offset(final),
      oversold_by_failover: byFailover,
      minority_writes: t.minority.writes,
      minority_last_write_ms: msOrNull(t.minority.last_us),
      oversold_by_minority: Math.min(byFailover, t.minority.sold),
      writes_discarded: r.discarded,
      readonly_replies: t.readOnly,
      writes_refused: r.ks.reduce((n, k) => n + k.writesRefused, 0),
      wait_short: t.waitShort,
      failover_ms: failovers.length > 0 ? failovers[0].failover_ms : null,
      failovers,
      instances,
    },
    rows,
  };
}

/** The replication section of a run in which nothing happened (for the summary skeleton). */
export function replicationSkeleton(names: readonly string[]): { summary: ReplicationSummary; rows: ReplicationRow[] } {
  const instances: ReplicationSummary['instances'] = {};
  names.forEach((name, i) => (instances[name] = { role: i === 0 ? 'master' : 'replica', offset: 0, lag_writes_max: 0, alive: true }));
  return {
    summary: {
      master: names[0],
      writes: 0,
      lost_writes: 0,
      oversold_by_failover: 0,
      minority_writes: 0,
      minority_last_write_ms: null,
      oversold_by_minority: 0,
      writes_discarded: 0,
      readonly_replies: 0,
      writes_refused: 0,
      wait_short: 0,
      failover_ms: null,
      failovers: [],
      instances,
    },
    rows: [],
  };
}

/** The terminal's lines about replication and failovers: none without replicas. */
export function replicationLines(r: ReplicationSummary | undefined): string[] {
  if (r === undefined) return [];
  const lines = [
    `  replication: ${r.writes} writes, ${r.lost_writes} lost (not on the final master, ${r.master}); oversold by failover ${r.oversold_by_failover}; refused: ${r.writes_refused} NOREPLICAS, ${r.wait_short} short of WAIT`,
  ];
  if (r.minority_writes > 0) {
    lines.push(
      `  minority master: ${r.minority_writes} writes taken while cut off from its promoted replica (the last at ${r.minority_last_write_ms} ms), ${r.writes_discarded} thrown away when it resynced; oversold by them ${r.oversold_by_minority}`,
    );
  }
  for (const f of r.failovers) {
    lines.push(
      `  failover ${f.from} -> ${f.to} at ${f.at_ms} ms, ${f.failover_ms ?? '?'} ms after the master was lost (sdown ${f.sdown_ms}, odown ${f.odown_ms}, elected ${f.elected_ms}, promotion seen ${f.promoted_ms} ms); ${f.lost_writes} writes the replica never got`,
    );
  }
  return lines;
}
