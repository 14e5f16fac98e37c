// `sim explain ipvs-* | ecmp | vrrp | spf`: the front tier's algorithms (LVS scheduling, ECMP
// next-hop selection, VRRP timers, OSPF routes) run on a small input and laid out step by step,
// so that they can be checked by hand or against the kernel, keepalived and FRRouting.
import { textTable, vec, weightsLine } from '../shared/explain-format.js';
import type { ExplainResult, ExplainServers } from '../shared/explain-format.js';
import { hashIntervals, upperBounds } from './ecmp.js';
import { IP_VS_SH_TAB_BITS, IpvsService, ShScheduler, WrrScheduler, hash32 } from './ipvs.js';
import type { IpvsFlow, IpvsSchedulerName, ShFlags } from './ipvs.js';
import { TIMER_HZ, VRRP_DOWN_TIMER_ADVERTS, masterDown_us, normalizeAdvertInt_us, vrrpSkew_us } from './keepalived.js';
import type { VrrpVersion } from './keepalived.js';
import { spfAll } from './ospf.js';
import type { OspfTopology } from './ospf.js';

// ---- IPVS ----

/** The IPVS schedulers that pick without looking at the flow. */
export type IpvsFlowlessScheduler = Exclude<IpvsSchedulerName, 'sh'>;

const IPVS_HEAD: Record<IpvsFlowlessScheduler, string> = {
  rr:
    'IPVS round robin (linux net/netfilter/ipvs/ip_vs_rr.c, ip_vs_rr_schedule): circular scan from the\n' +
    'last chosen dest; the first with weight > 0 and not overloaded wins. Weights are otherwise ignored.\n',
  wrr:
    'IPVS weighted round robin (linux net/netfilter/ipvs/ip_vs_wrr.c, ip_vs_wrr_schedule): passes over the\n' +
    'list taking every dest with weight >= cw; cw starts at max weight and falls by gcd at the end of each pass.\n',
  lc:
    'IPVS least connection (linux net/netfilter/ipvs/ip_vs_lc.c, ip_vs_lc_schedule): least overhead =\n' +
    'active*256 + inactive (include/net/ip_vs.h); ties go to the first. New connections stay active here.\n',
  wlc:
    'IPVS weighted least connection (linux net/netfilter/ipvs/ip_vs_wlc.c, ip_vs_wlc_schedule): least\n' +
    'overhead/weight, compared as loh*w > doh*lw (strict); all zero -> the first wins. Connections stay active.\n',
};

const IPVS_HEADERS: Record<IpvsFlowlessScheduler, string[]> = {
  rr: ['pick', 'chosen'],
  wrr: ['pick', 'cw before', 'chosen', 'cw after'],
  lc: ['pick', 'overhead before', 'chosen'],
  wlc: ['pick', 'overhead/weight before', 'chosen'],
};

/** rr, wrr, lc or wlc over `picks` connections that all stay active: the scheduler state per pick. */
export function explainIpvs(kind: IpvsFlowlessScheduler, s: ExplainServers, picks: number): ExplainResult {
  const svc = new IpvsService(
    kind,
    s.names.map((name, i) => ({ name, weight: s.weights[i] })),
  );
  const d = svc.dests;
  const wrr = svc.scheduler instanceof WrrScheduler ? svc.scheduler : null;
  const out: (string | null)[] = [];
  const rows: string[][] = [];
  for (let k = 0; k < picks; k++) {
    const cwBefore = wrr ? wrr.cw : 0;
    const overheads = s.names.map((_, i) => d.overhead(i));
    const i = svc.schedule();
    // Arrivals without departures: every scheduled connection stays active.
    if (i >= 0) svc.bind(i);
    const who = i >= 0 ? s.names[i] : null;
    out.push(who);
    const chosen = who ?? '(none)';
    if (kind === 'rr') rows.push([String(k + 1), chosen]);
    else if (wrr) rows.push([String(k + 1), String(cwBefore), chosen, String(wrr.cw)]);
    else if (kind === 'lc') rows.push([String(k + 1), vec(overheads), chosen]);
    else {
      const ratios = overheads.map((o, j) => (s.weights[j] > 0 ? `${o}/${s.weights[j]}` : '-'));
      rows.push([String(k + 1), `[${ratios.join(', ')}]`, chosen]);
    }
  }
  let text = IPVS_HEAD[kind] + `dests in list order (as ipvsadm -Ln prints them): ${weightsLine(s)}\n`;
  if (wrr) text += `gcd di=${wrr.di}, mw = max - (di - 1) = ${wrr.mw}\n`;
  text += '\n' + textTable(IPVS_HEADERS[kind], rows) + `\norder: ${out.map((x) => x ?? '(none)').join(' ')}\n`;
  return { text, json: { picks: out } };
}

/** A client of ipvs-sh: the address (and port) as the user wrote it, and the flow it makes. */
export type IpvsShClient = { label: string; flow: IpvsFlow };

/** The sh service over `s`, and the text both sh explanations start with. */
function shService(s: ExplainServers, flags: Required<ShFlags>): { svc: IpvsService; sh: ShScheduler; head: string } {
  const svc = new IpvsService(
    'sh',
    s.names.map((name, i) => ({ name, weight: s.weights[i] })),
    flags,
  );
  const sh = svc.scheduler;
  if (!(sh instanceof ShScheduler)) throw new Error('ipvs-sh: expected the sh scheduler');
  const head =
    'IPVS source hashing (linux net/netfilter/ipvs/ip_vs_sh.c): 256 buckets, each dest taking `weight`\n' +
    'consecutive buckets round robin (weight 0 still takes one);\n' +
    `bucket = hash_32(${flags.port ? 'saddr + sport' : 'saddr'}, 8) = (x * 0x61C88647 mod 2^32) >> 24 (include/linux/hash.h).\n` +
    `dests in list order: ${weightsLine(s)}${flags.fallback ? '; sh-fallback on' : ''}${flags.port ? '; sh-port on' : ''}\n`;
  return { svc, sh, head };
}

function shDestName(s: ExplainServers, i: number): string | null {
  return i >= 0 ? s.names[i] : null;
}

/** The 256 buckets of the sh table, 16 to a row. */
export function explainIpvsShTable(s: ExplainServers, flags: Required<ShFlags>): ExplainResult {
  const { sh, head } = shService(s, flags);
  const names = Array.from(sh.table, (i) => shDestName(s, i) ?? '-');
  const rows: string[][] = [];
  for (let r = 0; r < 256; r += 16) rows.push([`${r}-${r + 15}`, names.slice(r, r + 16).join(' ')]);
  return { text: head + '\n' + textTable(['buckets', 'dest'], rows), json: { table: names } };
}

/** Each client's bucket, the bucket's dest, and the dest sh picks (which differs with sh-fallback). */
export function explainIpvsShPicks(s: ExplainServers, flags: Required<ShFlags>, clients: readonly IpvsShClient[]): ExplainResult {
  const { svc, sh, head } = shService(s, flags);
  const out: (string | null)[] = [];
  const rows: string[][] = [];
  for (const { label, flow } of clients) {
    const port = flags.port ? flow.sport : 0;
    const h = hash32((port + flow.saddr) >>> 0, IP_VS_SH_TAB_BITS);
    const bucketOwner = shDestName(s, sh.table[h]) ?? '-';
    const who = shDestName(s, svc.schedule(flow));
    out.push(who);
    rows.push([label, String(h), bucketOwner, who ?? '(none: dropped)']);
  }
  const text = head + '\n' + textTable(['client', 'bucket', 'bucket dest', 'chosen'], rows);
  return { text, json: { picks: out } };
}

// ---- ECMP ----

/** Linux hash-threshold: each next hop's upper bound and the share of the hash space it gets. */
export function explainEcmp(s: ExplainServers, down: ReadonlySet<string>): ExplainResult {
  const alive = s.names.map((n) => !down.has(n));
  const bounds = upperBounds(s.weights, alive);
  const span = hashIntervals(bounds);
  const rows = s.names.map((n, i) => {
    const iv = span.find((x) => x.nextHop === i);
    const share = iv ? `${(((iv.hi - iv.lo + 1) / 2 ** 31) * 100).toFixed(2)}%` : '0%';
    return [n, String(s.weights[i]), alive[i] ? 'yes' : 'no', String(bounds[i]), iv ? `${iv.lo}..${iv.hi}` : '-', share];
  });
  const text =
    'Linux ECMP hash-threshold (linux net/ipv4/fib_semantics.c, fib_rebalance / fib_select_multipath):\n' +
    'upper_bound = DIV_ROUND_CLOSEST(cumulative weight << 31, total live weight) - 1, dead = -1; a flow\n' +
    'takes the first next hop with hash31 <= upper_bound. The kernel keys its hash with a per-boot secret.\n\n' +
    textTable(['next hop', 'weight', 'alive', 'upper bound', 'hash range', 'share'], rows);
  return { text, json: { upperBounds: bounds } };
}

// ---- VRRP ----

export type VrrpExplainInput = { priority: number; version: VrrpVersion; advertInt_us: number };

/** keepalived's skew and master-down timers for a backup, and the takeover times they give. */
export function explainVrrp(v: VrrpExplainInput): ExplainResult {
  const { priority, version } = v;
  const adv = normalizeAdvertInt_us(v.advertInt_us, version);
  const skew = vrrpSkew_us(priority, adv, version);
  const down = masterDown_us(priority, adv, version);
  const sec = (us: number): string => `${us / TIMER_HZ} s`;
  const rows = [
    ['advert_int', String(adv), sec(adv)],
    ['skew', String(skew), sec(skew)],
    ['master down interval', String(down), sec(down)],
    ['takeover after a clean stop (priority-0 advert)', String(skew), sec(skew)],
    ['takeover after a crash: more than', String(down - adv), sec(down - adv)],
    ['takeover after a crash: at most', String(down), sec(down)],
  ];
  const formula =
    version === 2
      ? `skew = (256 - ${priority}) * 1000000 / 256 (RFC 3768 6.1: independent of advert_int)`
      : `skew = (256 - ${priority}) * (advert_int / 10000) * 625 / 16 (RFC 5798 6.1, in centiseconds)`;
  const rounded = adv !== v.advertInt_us;
  const text =
    `VRRPv${version} timers in keepalived's integer microseconds (acassen/keepalived keepalived/include/vrrp.h,\n` +
    `VRRP_TIMER_SKEW / VRRP_MS_DOWN_TIMER), priority ${priority}${priority === 255 ? ' (address owner)' : ''}:\n` +
    `${formula}\nmaster down = ${VRRP_DOWN_TIMER_ADVERTS} * advert_int + skew, counted from the last advert heard.\n` +
    (rounded ? `note: keepalived rounds advert_int ${v.advertInt_us} us to ${adv} us for VRRPv${version}.\n` : '') +
    '\n' +
    textTable(['timer', 'us', 'seconds'], rows);
  return { text, json: { skewUs: skew, masterDownUs: down } };
}

// ---- OSPF ----

/** Every router's routing table after SPF, keeping at most `maxPaths` next hops per route. */
export function explainSpf(topo: OspfTopology, maxPaths: number): ExplainResult {
  const routes = spfAll(topo, maxPaths);
  let text =
    'OSPF shortest path first (RFC 2328 16.1; FRRouting/frr ospfd/ospf_spf.c): Dijkstra over link costs;\n' +
    'equal-cost parents merge their next hops, a direct neighbour is its own next hop; stubs added last.\n' +
    `maximum-paths ${maxPaths} (lowest next-hop names kept).\n`;
  for (const r of topo.routers) {
    const rows = Object.entries(routes[r]).map(([dest, rt]) => [
      dest,
      String(rt.cost),
      rt.nextHops.length ? rt.nextHops.join(', ') : '(connected)',
    ]);
    text += `\nrouter ${r}\n` + textTable(['destination', 'cost', 'next hops'], rows);
  }
  return { text, json: { routes } };
}
