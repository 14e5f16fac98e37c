// What the Redis server counts while the model runs; summary.ts turns it into tiers.redis. Tickets
// granted and the sell-out time are the run's (metrics/metrics.ts): the summary reports them as such.
import { LoadBins } from '../shared/load-bins.js';

export class RedisCounters {
  commands = 0; // commands that reached the server, up or not
  scriptOk = 0;
  scriptRefused = 0;
  scriptErrors = 0;
  lost = 0; // queued or running commands reset by a crash
  busy_us = 0; // command thread busy time
  maxQueue = 0;
  writesLost = 0;
  waitShort = 0; // sales whose WAIT saw too few replicas ack in time: the app's error path // writes a crash took with it (not persisted)
  // Granted tickets whose reply TCP never delivered: the app never heard of them. Only the
  // conservation invariant reports them, next to the app's own late grants.
  grantRepliesLost = 0;
  readOnly = 0; // scripts that reached a replica: -READONLY
  readonly errorMessages = new Map<string, number>(); // script errors, by message
  scriptStopped = 0; // calls the model stopped: Lua instruction limit or memory cap (also in scriptErrors)
  firstError: string | null = null; // the first script error reply's text
  firstError_us = -1;
  readonly load: LoadBins; // per bin: the command thread's busy time, queue and commands done (nodes.csv)

  constructor(bin_us: number, instances = 1) {
    this.load = new LoadBins(instances, bin_us);
  }
}
