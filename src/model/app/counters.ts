// What the app servers count while the model runs, one slot per server; summary.ts turns it into
// tiers.app, servers.csv and the app servers' part of tickets and invariants.
import { LoadBins } from '../shared/load-bins.js';

export class AppCounters {
  // Requests that reached each server, retries included: counted when nginx hands one over
  // (AppTier.deliver), even to a dead process. nginx does the handing over, but tiers.app reports
  // them next to what the server did with them, so they are the app's.
  readonly requests: Float64Array;
  readonly localSold: Float64Array; // local deductions that succeeded, over all lives of the process
  readonly redisOk: Float64Array; // sales confirmed by Redis
  readonly redisRefused: Float64Array; // local success, the script returned 0
  readonly redisErrors: Float64Array; // local success, the Redis call failed
  readonly soldOut: Float64Array; // answered "sold out"
  readonly lost: Float64Array; // requests refused or reset because the process was dead
  readonly busy_us: Float64Array; // time with a request inside the lock
  readonly redisOkLost: Float64Array; // tickets granted after the server stopped waiting (died, timed out)
  readonly burnedLocal: Float64Array; // local deductions whose Redis call failed, not given back
  readonly rolledBack: Float64Array; // local deductions given back (local_rollback)
  strandedAtKill = 0; // local stock lost with killed processes, summed over kills (tickets.stranded_at_kills)
  readonly load: LoadBins; // per server and bin: the lock's busy slots, queue and completions (nodes.csv)

  constructor(servers: number, bin_us: number) {
    this.load = new LoadBins(servers, bin_us);
    this.requests = new Float64Array(servers);
    this.localSold = new Float64Array(servers);
    this.redisOk = new Float64Array(servers);
    this.redisRefused = new Float64Array(servers);
    this.redisErrors = new Float64Array(servers);
    this.soldOut = new Float64Array(servers);
    this.lost = new Float64Array(servers);
    this.busy_us = new Float64Array(servers);
    this.redisOkLost = new Float64Array(servers);
    this.burnedLocal = new Float64Array(servers);
    this.rolledBack = new Float64Array(servers);
  }
}
