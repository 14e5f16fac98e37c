// What the nginx instances count while the model runs, one slot per instance; summary.ts turns it
// into tiers.nginx. The requests nginx hands to each app server are the app's (app/counters.ts).
import { LoadBins } from '../shared/load-bins.js';

export class NginxCounters {
  readonly requests: Float64Array; // requests accepted
  readonly retries: Float64Array; // proxy_next_upstream: another attempt on another peer
  readonly badGateway: Float64Array; // answered 502
  readonly gatewayTimeout: Float64Array; // answered 504
  readonly perWorker: Float64Array[]; // [instance][worker]: requests each worker accepted
  // per instance and bin: requests accepted (done) and held until answered (queue); nginx has no
  // service time in the model, so it is never busy (nodes.csv)
  readonly load: LoadBins;

  constructor(instances: number, workers: number, bin_us: number) {
    this.load = new LoadBins(instances, bin_us);
    this.requests = new Float64Array(instances);
    this.retries = new Float64Array(instances);
    this.badGateway = new Float64Array(instances);
    this.gatewayTimeout = new Float64Array(instances);
    this.perWorker = Array.from({ length: instances }, () => new Float64Array(workers));
  }
}
