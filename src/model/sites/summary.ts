// tiers.site, the gslb section of summary.json and sites.csv, from the sites' counters at the end of a run.
import { OUTCOME_ERROR, OUTCOME_TIMEOUT } from '../../metrics/outcomes.js';
import type { SiteRow } from '../../metrics/report-input.js';
import { round } from '../../metrics/round.js';
import type { SiteSummary } from '../../metrics/summary.js';
import type { FrontSections, SiteSections } from '../../metrics/tier-sections.js';
import type { Sites } from '../../scenario/types.js';
import type { AppCounters } from '../app/counters.js';
import type { SiteCounters, SiteEvent } from './counters.js';

/** What the run leaves of the sites and their users. */
export type SitesEnd = {
  alive: Uint8Array; // per site, at the end
  inDns: Uint8Array; // per site, at the end
  lastSite: Int16Array; // per user: the site of its last request (-1: never sent)
  lastLost: Uint8Array; // per user: that request died in a dark site
  usersFinal: Uint8Array; // per user: OUTCOME_*
  end_us: number;
  siteSold?: readonly number[] | null; // tickets.split per_site: what each site's Redis sold
  fronts?: readonly FrontSections[] | null; // per site: its own front's sections
};

const ms = (us: number) => round(us / 1000);

export function siteSections(cfg: Sites, appNames: readonly string[], c: SiteCounters, app: AppCounters, end: SitesEnd): SiteSections {
  const n = cfg.list.length;
  const usersLast = new Float64Array(n);
  const failedDark = new Float64Array(n);
  for (let u = 0; u < end.lastSite.length; u++) {
    const s = end.lastSite[u];
    if (s < 0) continue;
    usersLast[s]++;
    const f = end.usersFinal[u];
    if (end.lastLost[u] && (f === OUTCOME_TIMEOUT || f === OUTCOME_ERROR)) failedDark[s]++;
  }
  const site: Record<string, SiteSummary> = {};
  cfg.list.forEach((x, s) => {
    const last = (event: SiteEvent['event']) => {
      const hits = c.timeline.filter((t) => t.site === s && t.event === event);
      return hits.length === 0 ? null : ms(hits[hits.length - 1].at_us);
    };
    const apps = x.servers.map((name) => appNames.indexOf(name));
    const sum = (v: Float64Array) => apps.reduce((a, i) => a + v[i], 0);
    site[x.name] = {
      weight: x.weight,
      nginx: [...x.nginx],
      servers: [...x.servers],
      redis: cfg.inventory_split ? true : cfg.redis_site === x.name,
      answers: c.answers[s],
      users_moved_away: c.moved[s],
      users_last: usersLast[s],
      users_failed_dark: failedDark[s],
      requests: c.requests[s],
      lost: c.lost[s],
      answers_lost: c.answersLost[s],
      checks: c.checks[s],
      checks_failed: c.checksFailed[s],
      dark_ms: ms(darkTime_us(c.timeline, s, end.end_us)),
      last_down_ms: last('down'),
      last_removed_ms: last('removed'),
      last_restored_ms: last('restored'),
      last_up_ms: last('up'),
      alive_at_end: end.alive[s] === 1,
      in_dns_at_end: end.inDns[s] === 1,
      app: { requests: sum(app.requests), redis_ok: sum(app.redisOk), local_sold: sum(app.localSold) },
      ...(cfg.inventory_split ? { tickets: siteTickets(cfg.inventory_split[s], end.siteSold?.[s] ?? 0, end.alive[s] === 1) } : {}),
      ...frontOfSite(end.fronts?.[s]),
    };
  });
  const stranded = Object.values(site).reduce((a, x) => a + (x.tickets?.stranded ?? 0), 0);
  const g = cfg.gslb;
  return {
    site,
    gslb: {
      ttl_ms: ms(g.ttl_us),
      interval_ms: ms(g.interval_us),
      fall: g.fall,
      rise: g.rise,
      redis_site: cfg.inventory_split ? 'per_site' : cfg.redis_site,
      link_latency_ms: ms(cfg.link_latency_us),
      users_failed_dark: failedDark.reduce((a, b) => a + b, 0),
      ...(cfg.inventory_split ? { tickets_stranded: stranded } : {}),
      timeline: c.timeline.map((t) => ({ at_ms: ms(t.at_us), site: cfg.list[t.site].name, event: t.event, detail: t.detail })),
    },
    rows: siteRows(cfg, c),
  };
}

/** A site's routers and directors, and its front's network and lvs sections. */
function frontOfSite(f: FrontSections | undefined): Pick<SiteSummary, 'router' | 'lvs' | 'front'> {
  return f ? { router: f.routers, lvs: f.directors, front: { network: f.network, lvs: f.lvs } } : {};
}

/** A site's own share: a site dark at the end strands what its Redis has not sold. */
function siteTickets(share: number, sold: number, alive: boolean): NonNullable<SiteSummary['tickets']> {
  const left = Math.max(0, share - sold);
  return { share, sold, left, stranded: alive ? 0 : left };
}

/** How long site s was dark: from each `down` to the next `up`, or to the end of the run. */
function darkTime_us(timeline: readonly SiteEvent[], s: number, end_us: number): number {
  let total = 0;
  let since = -1;
  for (const t of timeline) {
    if (t.site !== s) continue;
    if (t.event === 'down' && since < 0) since = t.at_us;
    if (t.event === 'up' && since >= 0) {
      total += t.at_us - since;
      since = -1;
    }
  }
  return since >= 0 ? total + Math.max(0, end_us - since) : total;
}

/**
 * sites.csv: per bin and site, requests sent and lost, whether it is up and handed out at the bin's
 * end, and how many users' cached answers name it then; up to the last bin with a request.
 */
function siteRows(cfg: Sites, c: SiteCounters): SiteRow[] {
  const n = cfg.list.length;
  let bins = 0;
  for (let s = 0; s < n; s++) bins = Math.max(bins, c.requestBins[s].used, c.lostBins[s].used);
  const alive = new Uint8Array(n).fill(1);
  const inDns = new Uint8Array(n).fill(1);
  const cached = new Float64Array(n);
  const rows: SiteRow[] = [];
  let e = 0;
  const at = (v: Float64Array, b: number) => (b < v.length ? v[b] : 0);
  for (let b = 0; b < bins; b++) {
    const binEnd_us = (b + 1) * c.bin_us;
    for (; e < c.timeline.length && c.timeline[e].at_us < binEnd_us; e++) {
      const t = c.timeline[e];
      if (t.event === 'down' || t.event === 'up') alive[t.site] = t.event === 'up' ? 1 : 0;
      else inDns[t.site] = t.event === 'restored' ? 1 : 0;
    }
    cfg.list.forEach((x, s) => {
      cached[s] += at(c.cachedDelta[s].values, b);
      const counts = { requests: at(c.requestBins[s].values, b), lost: at(c.lostBins[s].values, b) };
      rows.push({ t_ms: round((b * c.bin_us) / 1000), site: x.name, ...counts, alive: alive[s], in_dns: inDns[s], cached: cached[s] });
    });
  }
  return rows;
}
