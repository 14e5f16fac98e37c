// tiers.redis of summary.json, and what the conservation invariant needs from Redis, from the
// Redis counters and the server's memory at the end of a run.
import { round } from '../../metrics/round.js';
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
