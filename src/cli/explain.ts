// `sim explain ALGORITHM`: runs one component's algorithm on a small input and shows it step by
// step (DESIGN §7), so that it can be checked by hand or against the real thing.
import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './errors.js';
import { ECMP_WEIGHT_MAX, ECMP_WEIGHT_MIN, formatIPv4, hashIntervals, parseIPv4, upperBounds } from '../model/front/ecmp.js';
import { IP_VS_SH_TAB_BITS, IpvsService, ShScheduler, WrrScheduler, hash32 } from '../model/front/ipvs.js';
import type { IpvsFlow, IpvsSchedulerName } from '../model/front/ipvs.js';
import {
  TIMER_HZ,
  VRRP_DEFAULTS,
  VRRP_DOWN_TIMER_ADVERTS,
  masterDown_us,
  normalizeAdvertInt_us,
  vrrpSkew_us,
} from '../model/front/keepalived.js';
import type { VrrpVersion } from '../model/front/keepalived.js';
import { RoundRobinPeers, smoothWrrSequence } from '../model/nginx/nginx.js';
import { ospfTopologyOf } from '../model/front/routers.js';
import { OSPF_MAXIMUM_PATHS_DEFAULT, spfAll, validateTopology } from '../model/front/ospf.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import type { OspfLink, OspfStub, OspfTopology } from '../model/front/ospf.js';

export const EXPLAIN_ALGORITHMS = [
  'nginx',
  'nginx-ip-hash',
  'nginx-least-conn',
  'ipvs-rr',
  'ipvs-wrr',
  'ipvs-lc',
  'ipvs-wlc',
  'ipvs-sh',
  'ecmp',
  'vrrp',
  'spf',
] as const;


/** The parsed command line; values are checked here, so they are typed loosely on purpose. */
export type ExplainInput = {
  algorithm?: unknown;
  weights?: unknown;
  names?: unknown;
  picks?: unknown;
  clients?: unknown;
  table?: unknown;
  down?: unknown;
  priority?: unknown;
  advertInt?: unknown;
  version?: unknown;
  topology?: unknown;
  maxPaths?: unknown;
  shPort?: unknown;
  shFallback?: unknown;
  json?: unknown;
};

export type ExplainResult = { text: string; json: unknown };

const MAX_PICKS = 100_000;
const DEFAULT_WEIGHTS = [1, 2, 3, 4]; // the article's upstream

// ---- argument parsing ----

function listArg(v: unknown, flag: string): string[] | undefined {
  if (v === undefined || v === null || v === false) return undefined;
  const parts = Array.isArray(v) ? v.map((x) => String(x)) : [String(v)];
  const items = parts.flatMap((p) => p.split(',')).map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) throw new UsageError(`--${flag}: empty item in "${parts.join(',')}"`);
  return items;
}

function intArg(v: unknown, flag: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  if (!/^[+-]?\d+$/.test(s)) throw new UsageError(`--${flag}: "${s}" is not an integer`);
  const n = Number(s);
  if (n < min || n > max) throw new UsageError(`--${flag}: ${n} is outside ${min}..${max}`);
  return n;
}

function boolArg(v: unknown): boolean {
  return v === true || v === 'true';
}

type Servers = { names: string[]; weights: number[] };

/** --weights and --names; names default to s1..sN, weights to 1 each (names given) or 1,2,3,4. */
function serversArg(a: ExplainInput, minWeight: number, maxWeight: number): Servers {
  const rawWeights = listArg(a.weights, 'weights');
  let names = listArg(a.names, 'names');
  let weights: number[];
  if (rawWeights) {
    weights = rawWeights.map((w, i) => {
      if (!/^[+-]?\d+$/.test(w)) throw new UsageError(`--weights: "${w}" is not an integer`);
      const n = Number(w);
      const who = names?.[i] ?? `s${i + 1}`;
      if (n < 0) throw new UsageError(`--weights: weight ${n} of ${who} is negative`);
      if (n < minWeight || n > maxWeight) {
        throw new UsageError(`--weights: weight ${n} of ${who} is outside ${minWeight}..${maxWeight}`);
      }
      return n;
    });
  } else {
    weights = names ? names.map(() => Math.max(1, minWeight)) : [...DEFAULT_WEIGHTS];
  }
  names ??= weights.map((_, i) => `s${i + 1}`);
  if (names.length !== weights.length) {
    throw new UsageError(`--names has ${names.length} names but --weights has ${weights.length} weights`);
  }
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new UsageError(`--names: ${n} appears twice`);
    seen.add(n);
  }
  return { names, weights };
}

function picksArg(a: ExplainInput, fallback: number): number {
  return intArg(a.picks, 'picks', 0, MAX_PICKS) ?? Math.min(fallback, MAX_PICKS);
}

/** "1s", "100ms", "250us", "2m", or a bare number of seconds (keepalived's advert_int unit) -> µs. */
export function parseDurationArg_us(v: unknown, flag: string): number {
  const s = String(v).trim();
  const m = /^(\d+)(?:\.(\d+))?\s*(us|ms|s|m)?$/.exec(s);
  if (!m) throw new UsageError(`--${flag}: "${s}" is not a duration (write e.g. 1s, 100ms, 250us)`);
  const scale = { us: 1, ms: 1_000, s: 1_000_000, m: 60_000_000 }[m[3] ?? 's'] ?? 1_000_000;
  // Exact decimal arithmetic: 1.1s must be 1100000 µs, not 1100000.0000000002.
  const frac = m[2] ?? '';
  const digits = BigInt(m[1] + frac);
  const denom = 10n ** BigInt(frac.length);
  const us = digits * BigInt(scale);
  if (us % denom !== 0n) throw new UsageError(`--${flag}: ${s} is not a whole number of microseconds`);
  return Number(us / denom);
}

// ---- text formatting ----

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

const vec = (xs: ArrayLike<number>): string => `[${Array.from(xs).join(', ')}]`;

function weightsLine(s: Servers): string {
  return s.names.map((n, i) => `${n}=${s.weights[i]}`).join(' ');
}

// ---- algorithms ----

function explainNginx(a: ExplainInput): ExplainResult {
  const s = serversArg(a, 1, 1_000_000); // nginx rejects weight=0
  const total = s.weights.reduce((x, y) => x + y, 0);
  const picks = picksArg(a, total);
  const seq = smoothWrrSequence(s.weights, picks);
  const names = seq.map((i) => s.names[i]);

  // Replay the same picks on a peer set to show current_weight around each one.
  const peers = new RoundRobinPeers(
    s.names.map((name, i) => ({ name, weight: s.weights[i], max_fails: 1, fail_timeout_s: 10, down: false })),
  );
  peers.single = s.names.length === 1;
  const tried = new Uint32Array(Math.max(1, Math.ceil(s.names.length / 32)));
  const rows: string[][] = [];
  for (let k = 0; k < picks; k++) {
    const before = Array.from(peers.currentWeight);
    tried.fill(0);
    const i = peers.pick(0, tried, 0);
    if (i < 0) break;
    const added = before.map((cw, j) => cw + peers.effectiveWeight[j]);
    const after = Array.from(peers.currentWeight);
    peers.free(i, 0, false);
    rows.push([String(k + 1), vec(before), vec(added), s.names[i], vec(after)]);
  }
  const text =
    `nginx smooth weighted round robin (nginx src/http/ngx_http_upstream_round_robin.c, ngx_http_upstream_get_peer)\n` +
    `peers: ${weightsLine(s)}; each pick adds effective_weight to every current_weight, takes the largest\n` +
    `(ties to the first), then subtracts the total (${total}) from the chosen one.\n\n` +
    table(['pick', 'current before', '+ effective_weight', 'chosen', `after (chosen - ${total})`], rows) +
    `\norder: ${names.join(' ')}\n`;
  return { text, json: { picks: names } };
}

function nginxPeers(s: { names: string[]; weights: number[] }): RoundRobinPeers {
  const peers = new RoundRobinPeers(
    s.names.map((name, i) => ({ name, weight: s.weights[i], max_fails: 1, fail_timeout_s: 10, down: false })),
  );
  peers.single = s.names.length === 1;
  return peers;
}

function explainNginxIpHash(a: ExplainInput): ExplainResult {
  const s = serversArg(a, 1, 1_000_000);
  const peers = nginxPeers(s);
  const clients =
    listArg(a.clients, 'clients') ??
    Array.from({ length: picksArg(a, 8) }, (_, k) => formatIPv4((parseIPv4('10.0.0.0') + ((k + 1) << 8)) >>> 0));
  const tried = new Uint32Array(Math.max(1, Math.ceil(s.names.length / 32)));
  const hash = new Int32Array(1);
  const tries = new Int32Array(1);
  const out: string[] = [];
  const rows: string[][] = [];
  for (const c of clients) {
    let ip: number;
    try {
      ip = parseIPv4(c);
    } catch {
      throw new UsageError(`--clients: "${c}" is not an IPv4 address`);
    }
    tried.fill(0);
    hash[0] = 89;
    tries[0] = 0;
    const i = peers.pickIpHash(0, tried, 0, ip, hash, 0, tries);
    peers.free(i, 0, false);
    out.push(s.names[i]);
    rows.push([c, `${(ip >>> 24) & 255}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}`, String(hash[0]), String(hash[0] % peers.totalWeight), s.names[i]]);
  }
  const text =
    'nginx ip_hash (nginx src/http/modules/ngx_http_upstream_ip_hash_module.c, ngx_http_upstream_get_ip_hash_peer):\n' +
    'hash = 89; for each of the first 3 bytes of the IPv4 address: hash = (hash * 113 + byte) % 6271;\n' +
    `w = hash % total_weight (${peers.totalWeight}), then walk the peers subtracting weights: ${weightsLine(s)}\n\n` +
    table(['client', 'key (3 bytes)', 'hash', 'w', 'chosen'], rows);
  return { text, json: { picks: out } };
}

function explainNginxLeastConn(a: ExplainInput): ExplainResult {
  const s = serversArg(a, 1, 1_000_000);
  const total = s.weights.reduce((x, y) => x + y, 0);
  const picks = picksArg(a, total);
  const peers = nginxPeers(s);
  const tried = new Uint32Array(Math.max(1, Math.ceil(s.names.length / 32)));
  const out: string[] = [];
  const rows: string[][] = [];
  for (let k = 0; k < picks; k++) {
    const conns = Array.from(peers.conns);
    tried.fill(0);
    // arrivals without departures: every connection stays open
    const i = peers.pickLeastConn(0, tried, 0);
    out.push(s.names[i]);
    rows.push([String(k + 1), `[${conns.map((c, j) => `${c}/${s.weights[j]}`).join(', ')}]`, s.names[i]]);
  }
  const text =
    'nginx least_conn (nginx src/http/modules/ngx_http_upstream_least_conn_module.c): the peer with the\n' +
    'fewest conns/weight (compared as a.conns * b.weight < b.conns * a.weight); ties go to smooth WRR\n' +
    `among the tied peers, scanning from the first. peers: ${weightsLine(s)}\n\n` +
    table(['pick', 'conns/weight before', 'chosen'], rows) +
    `\norder: ${out.join(' ')}\n`;
  return { text, json: { picks: out } };
}

function explainIpvs(a: ExplainInput, kind: Exclude<IpvsSchedulerName, 'sh'>): ExplainResult {
  const s = serversArg(a, 0, 65535);
  const total = s.weights.reduce((x, y) => x + y, 0);
  const picks = picksArg(a, Math.max(total, s.names.length));
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
  const head: Record<typeof kind, string> = {
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
  const headers: Record<typeof kind, string[]> = {
    rr: ['pick', 'chosen'],
    wrr: ['pick', 'cw before', 'chosen', 'cw after'],
    lc: ['pick', 'overhead before', 'chosen'],
    wlc: ['pick', 'overhead/weight before', 'chosen'],
  };
  let text = head[kind] + `dests in list order (as ipvsadm -Ln prints them): ${weightsLine(s)}\n`;
  if (wrr) text += `gcd di=${wrr.di}, mw = max - (di - 1) = ${wrr.mw}\n`;
  text += '\n' + table(headers[kind], rows) + `\norder: ${out.map((x) => x ?? '(none)').join(' ')}\n`;
  return { text, json: { picks: out } };
}

function parseClient(c: string): IpvsFlow {
  const m = /^([^:]+)(?::(\d+))?$/.exec(c);
  try {
    if (!m) throw new RangeError('bad form');
    const sport = m[2] === undefined ? 0 : Number(m[2]);
    if (sport > 65535) throw new RangeError('bad port');
    return { saddr: parseIPv4(m[1]), sport };
  } catch {
    throw new UsageError(`--clients: "${c}" is not an IPv4 address (optionally :port)`);
  }
}

function explainIpvsSh(a: ExplainInput): ExplainResult {
  const s = serversArg(a, 0, 65535);
  const flags = { port: boolArg(a.shPort), fallback: boolArg(a.shFallback) };
  const svc = new IpvsService(
    'sh',
    s.names.map((name, i) => ({ name, weight: s.weights[i] })),
    flags,
  );
  const sh = svc.scheduler;
  if (!(sh instanceof ShScheduler)) throw new Error('ipvs-sh: expected the sh scheduler');
  const nameOf = (i: number): string | null => (i >= 0 ? s.names[i] : null);
  const head =
    'IPVS source hashing (linux net/netfilter/ipvs/ip_vs_sh.c): 256 buckets, each dest taking `weight`\n' +
    'consecutive buckets round robin (weight 0 still takes one);\n' +
    `bucket = hash_32(${flags.port ? 'saddr + sport' : 'saddr'}, 8) = (x * 0x61C88647 mod 2^32) >> 24 (include/linux/hash.h).\n` +
    `dests in list order: ${weightsLine(s)}${flags.fallback ? '; sh-fallback on' : ''}${flags.port ? '; sh-port on' : ''}\n`;

  if (boolArg(a.table)) {
    const names = Array.from(sh.table, (i) => nameOf(i) ?? '-');
    const rows: string[][] = [];
    for (let r = 0; r < 256; r += 16) rows.push([`${r}-${r + 15}`, names.slice(r, r + 16).join(' ')]);
    return { text: head + '\n' + table(['buckets', 'dest'], rows), json: { table: names } };
  }

  const clients =
    listArg(a.clients, 'clients') ??
    Array.from({ length: picksArg(a, 8) }, (_, k) => formatIPv4((parseIPv4('10.0.0.0') + k + 1) >>> 0));
  const out: (string | null)[] = [];
  const rows: string[][] = [];
  for (const c of clients) {
    const flow = parseClient(c);
    const port = flags.port ? flow.sport : 0;
    const h = hash32((port + flow.saddr) >>> 0, IP_VS_SH_TAB_BITS);
    const bucketOwner = nameOf(sh.table[h]) ?? '-';
    const who = nameOf(svc.schedule(flow));
    out.push(who);
    rows.push([c, String(h), bucketOwner, who ?? '(none: dropped)']);
  }
  const text = head + '\n' + table(['client', 'bucket', 'bucket dest', 'chosen'], rows);
  return { text, json: { picks: out } };
}

function explainEcmp(a: ExplainInput): ExplainResult {
  const s = serversArg(a, ECMP_WEIGHT_MIN, ECMP_WEIGHT_MAX);
  const down = new Set(listArg(a.down, 'down') ?? []);
  for (const n of down) if (!s.names.includes(n)) throw new UsageError(`--down: unknown next hop ${n}`);
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
    table(['next hop', 'weight', 'alive', 'upper bound', 'hash range', 'share'], rows);
  return { text, json: { upperBounds: bounds } };
}

function explainVrrp(a: ExplainInput): ExplainResult {
  const priority = intArg(a.priority, 'priority', 1, 255) ?? VRRP_DEFAULTS.priority;
  const version = (intArg(a.version, 'version', 2, 3) ?? VRRP_DEFAULTS.version) as VrrpVersion;
  const asked_us =
    a.advertInt === undefined || a.advertInt === null
      ? VRRP_DEFAULTS.advert_int_us
      : parseDurationArg_us(a.advertInt, 'advert-int');
  if (asked_us <= 0) throw new UsageError('--advert-int must be positive');
  const adv = normalizeAdvertInt_us(asked_us, version);
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
  const text =
    `VRRPv${version} timers in keepalived's integer microseconds (acassen/keepalived keepalived/include/vrrp.h,\n` +
    `VRRP_TIMER_SKEW / VRRP_MS_DOWN_TIMER), priority ${priority}${priority === 255 ? ' (address owner)' : ''}:\n` +
    `${formula}\nmaster down = ${VRRP_DOWN_TIMER_ADVERTS} * advert_int + skew, counted from the last advert heard.\n` +
    (adv !== asked_us ? `note: keepalived rounds advert_int ${asked_us} us to ${adv} us for VRRPv${version}.\n` : '') +
    '\n' +
    table(['timer', 'us', 'seconds'], rows);
  return { text, json: { skewUs: skew, masterDownUs: down } };
}

function loadTopology(file: string): OspfTopology {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--topology ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const bad = (what: string): never => {
    throw new UsageError(`--topology ${file}: ${what}`);
  };
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObj(doc)) return bad('expected a mapping with routers, links and stubs');
  const net = isObj(doc.network) ? doc.network : doc;
  const routers = net.routers;
  if (!Array.isArray(routers) || !routers.every((r): r is string => typeof r === 'string')) {
    return bad('routers: expected a list of router names');
  }
  const linksIn = net.links ?? [];
  const stubsIn = net.stubs ?? [];
  if (!Array.isArray(linksIn)) return bad('links: expected a list');
  if (!Array.isArray(stubsIn)) return bad('stubs: expected a list');
  const links: OspfLink[] = linksIn.map((l: unknown, i) => {
    if (!isObj(l) || typeof l.a !== 'string' || typeof l.b !== 'string' || typeof l.cost !== 'number') {
      return bad(`links[${i}]: expected { a: ROUTER, b: ROUTER, cost: N }`);
    }
    const link: OspfLink = { a: l.a, b: l.b, cost: l.cost };
    if (l.reverse_cost !== undefined) {
      if (typeof l.reverse_cost !== 'number') return bad(`links[${i}].reverse_cost: expected a number`);
      link.reverse_cost = l.reverse_cost;
    }
    return link;
  });
  const stubs: OspfStub[] = stubsIn.map((s: unknown, i) => {
    if (!isObj(s) || typeof s.router !== 'string' || typeof s.prefix !== 'string') {
      return bad(`stubs[${i}]: expected { router: ROUTER, prefix: NAME, cost: N }`);
    }
    const cost = s.cost ?? 0;
    if (typeof cost !== 'number') return bad(`stubs[${i}].cost: expected a number`);
    return { router: s.router, prefix: s.prefix, cost };
  });
  const topo: OspfTopology = { routers, links, stubs };
  try {
    validateTopology(topo);
  } catch (e) {
    return bad(e instanceof Error ? e.message : String(e));
  }
  return topo;
}

/**
 * A scenario file with a routed network: the OSPF topology exactly as the model builds it (directors
 * as routers announcing the VIP in active_active; in active_backup the routers on a pair's LAN
 * announce it). Null when the file is not such a scenario.
 */
function scenarioTopology(file: string): OspfTopology | null {
  let s: Scenario;
  try {
    s = loadScenario(file);
  } catch {
    return null;
  }
  return s.network.topology && s.lvs ? ospfTopologyOf(s.network.topology, s.lvs) : null;
}

function explainSpf(a: ExplainInput): ExplainResult {
  if (typeof a.topology !== 'string' || a.topology === '') {
    throw new UsageError('explain spf needs --topology FILE.yaml (routers, links, stubs)');
  }
  const maxPaths = intArg(a.maxPaths, 'max-paths', 1, 256) ?? OSPF_MAXIMUM_PATHS_DEFAULT;
  const topo = scenarioTopology(a.topology) ?? loadTopology(a.topology);
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
    text += `\nrouter ${r}\n` + table(['destination', 'cost', 'next hops'], rows);
  }
  return { text, json: { routes } };
}

/** Runs one explanation; throws UsageError on bad input. */
export function runExplain(argv: ExplainInput): ExplainResult {
  const algorithm = typeof argv.algorithm === 'string' ? argv.algorithm : '';
  switch (algorithm) {
    case 'nginx':
      return explainNginx(argv);
    case 'nginx-ip-hash':
      return explainNginxIpHash(argv);
    case 'nginx-least-conn':
      return explainNginxLeastConn(argv);
    case 'ipvs-rr':
      return explainIpvs(argv, 'rr');
    case 'ipvs-wrr':
      return explainIpvs(argv, 'wrr');
    case 'ipvs-lc':
      return explainIpvs(argv, 'lc');
    case 'ipvs-wlc':
      return explainIpvs(argv, 'wlc');
    case 'ipvs-sh':
      return explainIpvsSh(argv);
    case 'ecmp':
      return explainEcmp(argv);
    case 'vrrp':
      return explainVrrp(argv);
    case 'spf':
      return explainSpf(argv);
    default:
      throw new UsageError(
        `explain: unknown algorithm "${algorithm}" (one of: ${EXPLAIN_ALGORITHMS.join(', ')})`,
      );
  }
}

function builder(y: Argv) {
  return (
    y
      // --version here is the VRRP version, not the program's.
      .version(false)
      .positional('algorithm', {
        type: 'string',
        describe: `one of: ${EXPLAIN_ALGORITHMS.join(', ')}`,
      })
      .option('weights', { type: 'string', describe: 'server weights, e.g. 1,2,3,4 (default 1,2,3,4)' })
      .option('names', { type: 'string', describe: 'server names, e.g. a,b,c,d (default s1..sN)' })
      .option('picks', { type: 'number', describe: 'number of picks (default: sum of the weights)' })
      .option('clients', { type: 'string', describe: 'ipvs-sh: client addresses, e.g. 10.0.0.1,10.0.0.2:5000' })
      .option('table', { type: 'boolean', describe: 'ipvs-sh: print the 256 buckets' })
      .option('sh-port', { type: 'boolean', describe: 'ipvs-sh: hash the source port too (sh-port flag)' })
      .option('sh-fallback', { type: 'boolean', describe: 'ipvs-sh: probe other buckets if the dest is unavailable' })
      .option('down', { type: 'string', describe: 'ecmp: next hops that are dead, e.g. s2' })
      .option('priority', { type: 'number', describe: 'vrrp: the backup priority, 1..255 (default 100)' })
      .option('advert-int', { type: 'string', describe: 'vrrp: advert_int, e.g. 1s or 100ms (default 1s)' })
      .option('version', { type: 'number', describe: 'vrrp: VRRP version, 2 or 3 (default 2)' })
      .option('topology', { type: 'string', describe: 'spf: YAML file with routers, links, stubs' })
      .option('max-paths', { type: 'number', describe: `spf: maximum-paths (default ${OSPF_MAXIMUM_PATHS_DEFAULT})` })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON object instead of a table' })
      .example('$0 explain nginx --weights 5,1,1 --names a,b,c', 'a a b a c a a')
      .example('$0 explain ipvs-sh --weights 1,2,3 --table --json', '{"table": [...256 names]}')
      .example('$0 explain vrrp --priority 100 --advert-int 1s', 'skew 609375 us, master down 3609375 us')
  );
}

type ExplainArgs = ReturnType<typeof builder> extends Argv<infer U> ? U : never;

export const explainCommand: CommandModule<object, ExplainArgs> = {
  command: 'explain <algorithm>',
  describe: "show a component's algorithm on a small input, step by step",
  builder,
  handler: (argv) => {
    const r = runExplain(argv);
    process.stdout.write(argv.json ? `${JSON.stringify(r.json)}\n` : r.text);
  },
};
