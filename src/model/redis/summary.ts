// tiers.redis of summary.json, and what the conservation invariant needs from Redis, from the
// Redis counters and the server's memory at the end of a run.
import { round } from '../../metrics/round.js';
import type { RedisSummary } from '../../metrics/summary.js';
import type { RedisSections } from '../../metrics/tier-sections.js';
import type { RedisCounters } from './counters.js';

/** The Redis server at the end of a run. */
export type RedisEnd = {
  keyspace: Record<string, Record<string, string> | string>;
  ticketHash: { sold: number; total: number }; // HGET of the ticket hash's fields (NaN if gone)
};

export function redisSections(c: RedisCounters, end: RedisEnd, duration_us: number): RedisSections {
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
    load: { tier: 'redis', names: ['redis'], servers: 1, series: c.load },
  };
}

/** The terminal's line about failed script calls: none when every call succeeded. */
export function scriptErrorLines(r: RedisSummary): string[] {
  if (r.script_errors === 0) return [];
  const stopped = r.script_stopped > 0 ? ` (${r.script_stopped} stopped by the model's limits)` : '';
  return [`  SCRIPT ERRORS: ${r.script_errors} calls failed${stopped}, answered "sold out"; first at ${r.first_script_error_ms} ms (${r.first_script_error_count}x): ${r.first_script_error}`];
}
