// The shape of summary.json (DESIGN §7): the public contract. Add fields, never rename.

import type { DirectorSummary, LvsSummary, NetworkSummary, RouterSummary } from './network-summary.js';

export type AppServerSummary = {
  requests: number; // requests that reached this server (including retries sent to it)
  weight: number;
  share: number; // requests / all app requests
  expected_share: number; // weight / total weight of the non-backup, non-down servers
  local_stock: number;
  local_sold: number; // local deductions that succeeded
  redis_ok: number; // sales confirmed by Redis
  redis_refused: number; // local success, Redis script returned 0
  redis_errors: number; // local success, Redis call failed
  sold_out: number; // answered "sold out" (local or remote refusal, or Redis error)
  lost: number; // requests lost when the server died
  burned_local: number; // local deductions spent on failed Redis calls
  rolled_back: number; // local deductions given back (local_rollback)
  utilization: number; // busy time / run time
  alive_at_end: boolean;
};

export type Summary = {
  scenario: string;
  seed: number;
  tickets: {
    inventory: number;
    sold: number;
    oversold: number;
    unsold: number;
    local_stock_total: number;
    stranded_local: number;
    orphaned: number; // sold by Redis, but the buyer was never told
    // unsold = stranded_local + burned_local + never_reached
    unsold_split: { stranded_local: number; burned_local: number; never_reached: number };
    burned_local: number; // local deductions whose Redis call failed (not rolled back)
    stranded_at_kills: number; // local stock lost with killed processes, summed over all kills
  };
  users: {
    total: number;
    succeeded: number;
    sold_out: number;
    failed: number;
    retried: number;
    late_answers: number; // answers that came after the user had stopped waiting
    double_holders: number; // users holding two tickets (a retry after a lost success)
  };
  requests: {
    total: number;
    ok: number;
    sold_out: number;
    errors: number;
    timeouts: number;
  };
  latency_ms: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  throughput: { mean_per_s: number; peak_per_s: number };
  sell_out_ms: number | null;
  duration_ms: number;
  tiers: {
    app: Record<string, AppServerSummary>;
    // lost, alive_at_end: with an LVS tier (issue #4)
    nginx: Record<string, { requests: number; retries: number; bad_gateway: number; gateway_timeout: number; per_worker: number[]; lost?: number; alive_at_end?: boolean }>;
    lvs?: Record<string, DirectorSummary>; // with an LVS tier: per director
    router?: Record<string, RouterSummary>; // with a routed network: per router
    redis: {
      commands: number;
      script_ok: number;
      script_refused: number;
      script_errors: number;
      lost: number;
      utilization: number;
      max_queue: number;
      writes_lost: number; // writes a crash took with it
      keyspace: Record<string, Record<string, string> | string>;
    };
  };
  network?: NetworkSummary; // with a routed network: losses, reconvergence, timeline
  lvs?: LvsSummary; // with an LVS tier: failover losses, VIP holders
  invariants: { no_oversell: boolean; ledger: boolean; conservation: boolean };
  expect: Record<string, { want: string; value: number | string | null; held: boolean }>; // string for fingerprint
  faults: { at_ms: number; action: string; target: string; detail: string }[];
  events: number;
  fingerprint: string; // FNV-1a over every event's (time, kind, entity): pins exact behaviour
};
