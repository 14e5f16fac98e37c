// `sites:`, `site_link:`, `gslb:` and `redis.site` resolved into Sites (./types.ts): every nginx
// instance and app server in exactly one site, names unique across sites and nodes.
import type { ParsedScenario } from './schema.js';
import { gslbSchema, siteLinkSchema } from './schema.js';
import { nginxName, REDIS_NODE } from './topology.js';
import type { Sites, UpstreamServer } from './types.js';

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
  if (p.lvs !== undefined) fail(['sites'], 'sites with an lvs: front are not modelled yet (each site would need its own routers and directors)');
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
  return {
    list: list.map((s) => ({ name: s.name, weight: s.weight, nginx: [...s.nginx], servers: [...s.servers] })),
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
