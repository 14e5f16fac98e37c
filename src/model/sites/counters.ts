// What the sites and the GSLB count while the model runs, one slot per site; summary.ts turns it
// into tiers.site, the gslb section and sites.csv.
import { Bins } from '../../metrics/metrics.js';

/** A change of a site's state: it died or came back, or the GSLB took it out of its answers or put it back. */
export type SiteEvent = { at_us: number; site: number; event: 'down' | 'up' | 'removed' | 'restored'; detail: string };

export class SiteCounters {
  readonly answers: Float64Array; // DNS answers naming the site (resolutions)
  readonly moved: Float64Array; // re-resolutions that took a user away from the site
  readonly requests: Float64Array; // requests users sent to the site
  readonly lost: Float64Array; // sent while the site was dead: nobody answers
  readonly answersLost: Float64Array; // taken in, but the site died before its answer left
  readonly requestBins: Bins[]; // per site: requests sent, by bin
  readonly lostBins: Bins[]; // per site: requests lost (sent to a dead site, or their answer lost), by bin
  // per site: +1 in the bin a user's answer naming it was given, -1 in the bin its TTL runs out;
  // summed up to a bin, the users whose cached answer names the site at the bin's end
  readonly cachedDelta: Bins[];
  readonly timeline: SiteEvent[] = [];
  readonly checks: Float64Array; // health checks made of the site
  readonly checksFailed: Float64Array;

  constructor(
    sites: number,
    readonly bin_us: number,
  ) {
    this.answers = new Float64Array(sites);
    this.moved = new Float64Array(sites);
    this.requests = new Float64Array(sites);
    this.lost = new Float64Array(sites);
    this.answersLost = new Float64Array(sites);
    this.checks = new Float64Array(sites);
    this.checksFailed = new Float64Array(sites);
    this.requestBins = Array.from({ length: sites }, () => new Bins());
    this.lostBins = Array.from({ length: sites }, () => new Bins());
    this.cachedDelta = Array.from({ length: sites }, () => new Bins());
  }

  bin(now_us: number): number {
    return Math.floor(now_us / this.bin_us);
  }
}
