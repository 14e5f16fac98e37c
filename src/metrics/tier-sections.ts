// What each tier's summary builder (in the model, next to the tier's counters) hands to
// summarize(): its sections of summary.json as plain data.
import type { DirectorSummary, LvsSummary, NetworkSummary, NginxFrontFields, RouterSummary } from './summary.js';

/** The network in front: routers, LVS directors, and what they saw of the nginx instances. */
export type FrontSections = {
  network: NetworkSummary;
  lvs: LvsSummary;
  routers: Record<string, RouterSummary>; // tiers.router
  directors: Record<string, DirectorSummary>; // tiers.lvs
  nginx: Record<string, NginxFrontFields>; // merged into tiers.nginx
};
