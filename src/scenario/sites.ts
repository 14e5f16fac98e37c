// `sites:`, `site_link:`, `gslb:` and `redis.site` resolved into Sites (./types.ts): every nginx
// instance and app server in exactly one site, names unique across sites and nodes.
import { lvsSchema, networkKeys } from './network-schema.js';
import { resolveNetwork } from './network-resolve.js';
import type { ParsedScenario } from './schema.js';
import { gslbSchema, section, siteLinkSchema } from './schema.js';
import { directorName, nginxName, REDIS_NODE } from './topology.js';
import type { SiteFront, Sites, UpstreamServer } from './types.js';

type ParsedSites = NonNullable<ParsedScenario['sites']>;
const networkSchema = () => section(networkKeys());

type Seg = string | number;
type Fail = (segs: readonly Seg[], detail: string) => never;

/** The resolved sites, or undefined for a one-site scenario (which then takes none of the site keys). */
export function resolveSites(p: ParsedScenario, servers: readonly UpstreamServer[], fail: Fail): Sites | undefined {
  if (p.sites === undefined) {
    if (p.site_link !== undefined) fail(['site_link'], 'needs sites: (two or more data centres)');
    if (p.gslb !== undefined) fail(['gslb'], 'needs sites: (two or more data centres)');
    if (p.redis.site !== undefined) fail(['redis', 'site'], 'needs sites: (two or more data centres)');
    if (p.tickets.split !== undefined) fail(['tickets', 'split'], 'needs sites: (each site gets its own Redis and share)');
    return undefined;
  }
  const list = p.sites;
  if (list.length < 2) fail(['sites'], `must list at least two sites (got ${list.length})`);
  if (p.lvs !== undefined) fail(['lvs'], 'with sites, each site has its own directors: put lvs: under the site (sites[i].lvs)');
  if (p.network.routers !== undefined) fail(['network', 'routers'], 'with sites, each site has its own routers: put them under the site (sites[i].network.routers)');
  const nginx = Array.from({ length: p.nginx.instances }, (_, k) => nginxName(k));
  const apps = servers.map((s) => s.name);
  const siteOf = new Map<string, string>(); // node -> the site that lists it
  list.forEach((site, i) => {
    const prev = list.findIndex((o) => o.name === site.name);
    if (prev !== i) fail(['sites', i, 'name'], `duplicate site name "${site.name}" (also sites[${prev}])`);
    if (nginx.includes(site.name) || apps.includes(site.name) || site.name === REDIS_NODE) {
      fail(['sites', i, 'name'], `"${site.name}" is already a node name: sites and nodes share one name space`);
    }
    const claim = (key: 'nginx' | 'servers', known: readonly string[]) =>
      site[key].forEach((n, j) => {
        if (!known.includes(n)) fail(['sites', i, key, j], `unknown ${key === 'nginx' ? 'nginx instance' : 'app server'} "${n}" (known: ${known.join(', ')})`);
        const other = siteOf.get(n);
        if (other !== undefined) fail(['sites', i, key, j], `"${n}" is already in site ${other}: node names must be unique across sites`);
        siteOf.set(n, site.name);
      });
    claim('nginx', nginx);
    claim('servers', apps);
    if (site.servers.every((n) => servers.find((s) => s.name === n)?.backup === true)) {
      fail(['sites', i, 'servers'], 'at least one server of a site must not be a backup (its nginx needs a primary server)');
    }
  });
  const homeless = [...nginx, ...apps].filter((n) => !siteOf.has(n));
  if (homeless.length > 0) fail(['sites'], `every nginx instance and app server must be in a site (not placed: ${homeless.join(', ')})`);
  if (list.every((s) => s.weight === 0)) fail(['sites'], 'at least one site needs a weight above 0 (the GSLB hands out sites by weight)');
  const redisSite = p.redis.site ?? list[0].name;
  if (!list.some((s) => s.name === redisSite)) fail(['redis', 'site'], `unknown site "${redisSite}" (sites: ${list.map((s) => s.name).join(', ')})`);
  const split = p.tickets.split === 'per_site' ? evenShares(p.tickets.inventory, list.length) : undefined;
  if (split && p.redis.site !== undefined) fail(['redis', 'site'], 'with tickets.split per_site every site runs its own Redis');
  if (split && (p.redis.replicas ?? []).length > 0) fail(['tickets', 'split'], 'per_site with redis.replicas is not modelled (each site would need its own replicas)');
  const gslb = p.gslb ?? gslbSchema().parse({});
  const link = p.site_link ?? siteLinkSchema().parse({});
  const fronts = resolveSiteFronts(list, [...nginx, ...apps, REDIS_NODE, ...list.map((x) => x.name)], fail);
  return {
    list: list.map((s, i) => {
      const front = fronts[i];
      return { name: s.name, weight: s.weight, nginx: [...s.nginx], servers: [...s.servers], ...(front ? { front } : {}) };
    }),
    redis_site: redisSite,
    ...(split ? { inventory_split: split } : {}),
    link_latency_us: link.latency,
    gslb: { ttl_us: gslb.ttl, interval_us: gslb.interval, fall: gslb.fall, rise: gslb.rise },
  };
}

/** n shares of `total` as even as can be: the first `total % n` one more. */
export function evenShares(total: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));
}

/**
 * Each site's own routers and directors, resolved as the one-site `network:` and `lvs:` are (errors
 * at sites[i].network... and sites[i].lvs...). Directors are numbered on across sites (dc1 lvs1,
 * lvs2; dc2 lvs3, lvs4), router names must be unique across sites, and either every site has a
 * front or none has (users enter each site the same way).
 */
function resolveSiteFronts(list: ParsedSites, taken: readonly string[], fail: Fail): (SiteFront | undefined)[] {
  const defaultDirectors = lvsSchema().parse({}).directors;
  const owner = new Map<string, string>(); // a front node's name -> its site
  let next = 0;
  const firsts = list.map((site) => {
    const first = next;
    const count = site.lvs?.directors ?? (site.network?.routers !== undefined ? defaultDirectors : 0);
    for (let d = 0; d < count; d++) owner.set(directorName(first + d), site.name);
    next += count;
    return first;
  });
  list.forEach((site, i) => {
    const other = owner.get(site.name);
    if (other !== undefined) fail(['sites', i, 'name'], `"${site.name}" is already a director of site ${other}: sites and nodes share one name space`);
  });
  const fronts = list.map((site, i) => {
    const at = (segs: readonly Seg[], detail: string): never => fail(['sites', i, ...segs], detail);
    if (site.network === undefined && site.lvs === undefined) return undefined;
    if (site.network?.routers === undefined) at(['network', 'routers'], "is required in a site's front (an implicit router would have the same name in every site)");
    const routers = site.network?.routers ?? [];
    routers.forEach((r, j) => {
      const other = owner.get(r);
      if (other !== undefined && other !== site.name) at(['network', 'routers', j], `"${r}" is already a node of site ${other}: node names must be unique across sites`);
    });
    for (const r of routers) owner.set(r, site.name);
    const net = { latency: 0, ...(site.network ?? networkSchema().parse({})) };
    const r = resolveNetwork(net, site.lvs, site.nginx.length, taken, at, firsts[i]);
    return r.topology && r.lvs ? { topology: r.topology, lvs: r.lvs } : undefined;
  });
  const without = fronts.findIndex((f) => f === undefined);
  const withOne = fronts.findIndex((f) => f !== undefined);
  if (withOne >= 0 && without >= 0) {
    fail(['sites', without], `has no front while site ${list[withOne].name} has one: either every site declares its routers and lvs, or none does`);
  }
  return fronts;
}

/** The routers and directors of every site's front (to keep other node names off them). */
export function siteFrontNames(sites: Sites | undefined): string[] {
  return (sites?.list ?? []).flatMap((x) => (x.front ? [...x.front.topology.routers, ...x.front.lvs.directors] : []));
}
