// Builds the sites and their GSLB for a scenario with `sites:`, and their sections of the report.
import type { Engine } from '../../engine/engine.js';
import type { RngStreams } from '../../engine/rng.js';
import type { FrontSections, SiteSections } from '../../metrics/tier-sections.js';
import type { Topology } from '../../scenario/topology.js';
import type { Sites } from '../../scenario/types.js';
import type { AppCounters } from '../app/counters.js';
import type { RequestTable } from '../client/requests.js';
import { SiteCounters } from './counters.js';
import { Gslb } from './gslb.js';
import { type SiteNginx, type SiteProcesses, SiteTier } from './sites.js';
import { siteSections } from './summary.js';
import { hasSiteFronts, SiteFronts } from './fronts.js';
import type { LvsFrontSlice, UserSide } from '../front/lvs.js';
import type { Fault } from '../../scenario/types.js';

export type SiteParts = { tier: SiteTier; gslb: Gslb; counters: SiteCounters; fronts: SiteFronts | null };

/** Each site's own front: what its LVS tier takes from the rest of the scenario, and a run option. */
export type SiteFrontWiring = { slice: Omit<LvsFrontSlice, 'site'>; decideAtSend: boolean };

export function buildSites(
  engine: Engine,
  cfg: Sites,
  bin_us: number,
  topology: Topology,
  requests: RequestTable,
  clientIp: Uint32Array,
  nginx: SiteNginx,
  processes: SiteProcesses,
  rngs: RngStreams,
  front: SiteFrontWiring,
): SiteParts {
  const counters = new SiteCounters(cfg.list.length, bin_us);
  const tier = new SiteTier(engine, topology, cfg, requests, clientIp, nginx, processes, counters);
  const gslb = new Gslb(engine, cfg, clientIp.length, counters, rngs.stream('dns'), (s) => tier.healthy(s));
  tier.gslb = gslb;
  // with the sites' own fronts, a user resolved to a site enters through that site's routers and directors
  const fronts = hasSiteFronts(cfg) ? new SiteFronts(engine, cfg, topology, front.slice, requests, nginx, rngs) : null;
  if (fronts) fronts.decideAtSend = front.decideAtSend;
  tier.fronts = fronts;
  return { tier, gslb, counters, fronts };
}

/** The sites' fronts get the way back to the users and the fault times; the checks go on while users arrive, and for as long after the last request as a user may wait and retry. */
export function startSites(parts: SiteParts, engine: Engine, users: UserSide, patience_us: number, schedule: readonly Fault[]): void {
  parts.fronts?.connect(users);
  parts.fronts?.noteFaultTimes(schedule);
  parts.gslb.start(() => users.arrived < users.total || engine.now_us < parts.tier.lastSend_us + patience_us);
}

export function sitesReport(
  cfg: Sites,
  parts: SiteParts,
  appNames: readonly string[],
  app: AppCounters,
  usersFinal: Uint8Array,
  end_us: number,
  siteSold: readonly number[] | null,
  fronts?: readonly FrontSections[],
): SiteSections {
  const { tier, gslb, counters } = parts;
  return siteSections(cfg, appNames, counters, app, { alive: tier.alive, inDns: gslb.inDns, lastSite: tier.lastSite, lastLost: tier.lastLost, usersFinal, end_us, siteSold, fronts });
}
