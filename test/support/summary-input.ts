// Hand-made tier sections for summarize(): no node load, one Redis with `scriptCalls` calls all OK, the
// apps' stock totals with `redisOk` grants confirmed. Shared by the tests of the run-level arithmetic
// (mutation-metrics-summarize) and of the invariants (checks-fail).
import type { AppStockTotals, NodeLoad, TierSections } from '../../src/metrics/tier-sections.js';

export const noLoad = (tier: string, bin_us: number): NodeLoad => ({
  tier,
  names: [],
  servers: 1,
  series: { nodes: 0, bin_us, used: 0, busy_us: new Float64Array(0), queue_us: new Float64Array(0), done: new Float64Array(0) },
});

export interface HandTiers {
  bin_us: number;
  redisOk: number;
  scriptCalls: number;
  stock: Partial<AppStockTotals>;
  hash: { sold: number; total: number };
  grantRepliesLost: number;
}

export function handTiers(t: HandTiers): TierSections {
  const stock = { strandedLocal: 0, liveLocalLeft: 0, burnedLocal: 0, strandedAtKills: 0, redisOk: t.redisOk, redisOkLost: 0, ...t.stock };
  return {
    app: { servers: {}, rows: [], stock, load: noLoad('app', t.bin_us) },
    nginx: {},
    redis: {
      redis: {
        commands: t.scriptCalls,
        script_ok: t.scriptCalls,
        script_refused: 0,
        script_errors: 0,
        script_stopped: 0,
        first_script_error: null,
        first_script_error_count: 0,
        first_script_error_ms: null,
        lost: 0,
        utilization: 0,
        max_queue: 0,
        writes_lost: 0,
        keyspace: {},
      },
      ticketHash: t.hash,
      grantRepliesLost: t.grantRepliesLost,
      load: noLoad('redis', t.bin_us),
    },
    nginxLoad: noLoad('nginx', t.bin_us),
  };
}
