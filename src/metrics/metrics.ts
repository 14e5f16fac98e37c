// Counters, time-series bins and the latency histogram that the model writes into while it
// runs. The model only adds to these; summary.ts turns them into the report at the end.
import { LatencyHistogram } from './histogram.js';

/** A growable array of per-bin counts. */
export class Bins {
  values = new Float64Array(256);
  used = 0;

  add(bin: number, v: number): void {
    if (bin >= this.values.length) {
      let n = this.values.length;
      while (n <= bin) n *= 2;
      const next = new Float64Array(n);
      next.set(this.values);
      this.values = next;
    }
    this.values[bin] += v;
    if (bin >= this.used) this.used = bin + 1;
  }
}

export type FaultRecord = { at_us: number; action: string; target: string; detail: string };

export class Metrics {
  readonly bin_us: number;
  readonly latency = new LatencyHistogram();
  // time series, by bin
  readonly arrivals = new Bins();
  readonly ok = new Bins();
  readonly soldOut = new Bins();
  readonly errors = new Bins();
  readonly timeouts = new Bins();
  readonly latencySum_us = new Bins();
  readonly sold = new Bins(); // tickets granted by Redis in each bin

  // requests as the users saw them
  requestsTotal = 0;
  requestsOk = 0;
  requestsSoldOut = 0;
  requestsErrors = 0;
  requestsTimeouts = 0;
  lastResponse_us = 0;
  usersRetried = 0;

  // tickets
  ticketsGranted = 0; // script replies that granted a ticket
  sellOut_us = -1;

  // per app server
  readonly appRequests: Float64Array;
  readonly appLocalSold: Float64Array;
  readonly appRedisOk: Float64Array;
  readonly appRedisRefused: Float64Array;
  readonly appRedisErrors: Float64Array;
  readonly appSoldOut: Float64Array;
  readonly appLost: Float64Array;
  readonly appBusy_us: Float64Array;
  readonly appRedisOkLost: Float64Array; // tickets granted after the server stopped waiting (died, timed out)
  readonly appBurnedLocal: Float64Array; // local deductions whose Redis call failed, not given back
  readonly appRolledBack: Float64Array; // local deductions given back (local_rollback)
  strandedAtKill = 0; // local stock lost with killed processes, summed over kills
  lateAnswers = 0; // answers that reached a user who had stopped waiting

  // per nginx instance
  readonly nginxRequests: Float64Array;
  readonly nginxRetries: Float64Array;
  readonly nginxBadGateway: Float64Array;
  readonly nginxGatewayTimeout: Float64Array;
  readonly nginxPerWorker: Float64Array[];

  // redis
  redisCommands = 0;
  redisScriptOk = 0;
  redisScriptRefused = 0;
  redisScriptErrors = 0;
  redisLost = 0;
  redisBusy_us = 0;
  redisMaxQueue = 0;
  redisWritesLost = 0; // writes a crash took with it (not persisted)
  grantRepliesLost = 0; // granted tickets whose reply TCP never delivered
  readonly redisErrorMessages = new Map<string, number>();

  readonly faults: FaultRecord[] = [];

  constructor(bin_us: number, appServers: number, nginxInstances: number, nginxWorkers: number) {
    this.bin_us = bin_us;
    this.appRequests = new Float64Array(appServers);
    this.appLocalSold = new Float64Array(appServers);
    this.appRedisOk = new Float64Array(appServers);
    this.appRedisRefused = new Float64Array(appServers);
    this.appRedisErrors = new Float64Array(appServers);
    this.appSoldOut = new Float64Array(appServers);
    this.appLost = new Float64Array(appServers);
    this.appBusy_us = new Float64Array(appServers);
    this.appRedisOkLost = new Float64Array(appServers);
    this.appBurnedLocal = new Float64Array(appServers);
    this.appRolledBack = new Float64Array(appServers);
    this.nginxRequests = new Float64Array(nginxInstances);
    this.nginxRetries = new Float64Array(nginxInstances);
    this.nginxBadGateway = new Float64Array(nginxInstances);
    this.nginxGatewayTimeout = new Float64Array(nginxInstances);
    this.nginxPerWorker = Array.from({ length: nginxInstances }, () => new Float64Array(nginxWorkers));
  }

  bin(t_us: number): number {
    return Math.floor(t_us / this.bin_us);
  }
}
