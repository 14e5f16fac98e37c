// `sim explain ALGORITHM`: runs one component's algorithm on a small input and shows it step by
// step, so that it can be checked by hand or against the real thing. The walk-throughs live with
// their tier (src/model/nginx/explain.ts, src/model/front/explain.ts); this file reads and checks
// the command line (a bad value is a one-line UsageError, exit code 2) and prints the result.
import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { parse as parseYaml } from 'yaml';
import { UsageError } from './errors.js';
import { ECMP_WEIGHT_MAX, ECMP_WEIGHT_MIN, formatIPv4, parseIPv4 } from '../model/front/ecmp.js';
import {
  explainEcmp,
  explainIpvs,
  explainIpvsShPicks,
  explainIpvsShTable,
  explainSpf,
  explainVrrp,
} from '../model/front/explain.js';
import type { IpvsFlowlessScheduler, IpvsShClient } from '../model/front/explain.js';
import { VRRP_DEFAULTS } from '../model/front/keepalived.js';
import type { VrrpVersion } from '../model/front/keepalived.js';
import { OSPF_MAXIMUM_PATHS_DEFAULT, validateTopology } from '../model/front/ospf.js';
import type { OspfLink, OspfStub, OspfTopology } from '../model/front/ospf.js';
import { ospfTopologyOf } from '../model/front/routers.js';
import { explainNginxIpHash, explainNginxLeastConn, explainNginxSmoothWrr } from '../model/nginx/explain.js';
import type { IpHashClient } from '../model/nginx/explain.js';
import { weightSum } from '../model/shared/explain-format.js';
import type { ExplainResult, ExplainServers } from '../model/shared/explain-format.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';

export type { ExplainResult } from '../model/shared/explain-format.js';

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

type ExplainAlgorithm = (typeof EXPLAIN_ALGORITHMS)[number];

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

/** --weights and --names; names default to s1..sN, weights to 1 each (names given) or 1,2,3,4. */
function serversArg(a: ExplainInput, minWeight: number, maxWeight: number): ExplainServers {
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

/** --clients, or --picks (default 8) sample addresses; `sample(k)` is the k-th one, from 0. */
function clientsArg(a: ExplainInput, sample: (k: number) => number): string[] {
  return listArg(a.clients, 'clients') ?? Array.from({ length: picksArg(a, 8) }, (_, k) => formatIPv4(sample(k) >>> 0));
}

const SAMPLE_NET = parseIPv4('10.0.0.0');

function parseIpHashClient(c: string): IpHashClient {
  try {
    return { label: c, ip: parseIPv4(c) };
  } catch {
    throw new UsageError(`--clients: "${c}" is not an IPv4 address`);
  }
}

function parseShClient(c: string): IpvsShClient {
  const m = /^([^:]+)(?::(\d+))?$/.exec(c);
  try {
    if (!m) throw new RangeError('bad form');
    const sport = m[2] === undefined ? 0 : Number(m[2]);
    if (sport > 65535) throw new RangeError('bad port');
    return { label: c, flow: { saddr: parseIPv4(m[1]), sport } };
  } catch {
    throw new UsageError(`--clients: "${c}" is not an IPv4 address (optionally :port)`);
  }
}

// ---- one command line per algorithm ----

/** nginx rejects weight=0 in an upstream block. */
const nginxServersArg = (a: ExplainInput): ExplainServers => serversArg(a, 1, 1_000_000);
/** ipvsadm takes weights 0..65535; weight 0 takes no new connections. */
const ipvsServersArg = (a: ExplainInput): ExplainServers => serversArg(a, 0, 65535);

function nginxSmoothWrr(a: ExplainInput): ExplainResult {
  const s = nginxServersArg(a);
  return explainNginxSmoothWrr(s, picksArg(a, weightSum(s.weights)));
}

function nginxIpHash(a: ExplainInput): ExplainResult {
  const s = nginxServersArg(a);
  // ip_hash hashes only the first three bytes, so the sample clients are one /24 apart.
  const clients = clientsArg(a, (k) => SAMPLE_NET + ((k + 1) << 8)).map(parseIpHashClient);
  return explainNginxIpHash(s, clients);
}

function nginxLeastConn(a: ExplainInput): ExplainResult {
  const s = nginxServersArg(a);
  return explainNginxLeastConn(s, picksArg(a, weightSum(s.weights)));
}

function ipvsFlowless(kind: IpvsFlowlessScheduler): (a: ExplainInput) => ExplainResult {
  return (a) => {
    const s = ipvsServersArg(a);
    return explainIpvs(kind, s, picksArg(a, Math.max(weightSum(s.weights), s.names.length)));
  };
}

function ipvsSh(a: ExplainInput): ExplainResult {
  const s = ipvsServersArg(a);
  const flags = { port: boolArg(a.shPort), fallback: boolArg(a.shFallback) };
  if (boolArg(a.table)) return explainIpvsShTable(s, flags);
  const clients = clientsArg(a, (k) => SAMPLE_NET + k + 1).map(parseShClient);
  return explainIpvsShPicks(s, flags, clients);
}

function ecmp(a: ExplainInput): ExplainResult {
  const s = serversArg(a, ECMP_WEIGHT_MIN, ECMP_WEIGHT_MAX);
  const down = new Set(listArg(a.down, 'down') ?? []);
  for (const n of down) if (!s.names.includes(n)) throw new UsageError(`--down: unknown next hop ${n}`);
  return explainEcmp(s, down);
}

function vrrp(a: ExplainInput): ExplainResult {
  const priority = intArg(a.priority, 'priority', 1, 255) ?? VRRP_DEFAULTS.priority;
  const asked = intArg(a.version, 'version', 2, 3);
  const version: VrrpVersion = asked === undefined ? VRRP_DEFAULTS.version : asked === 2 ? 2 : 3;
  const advertInt_us =
    a.advertInt === undefined || a.advertInt === null
      ? VRRP_DEFAULTS.advert_int_us
      : parseDurationArg_us(a.advertInt, 'advert-int');
  if (advertInt_us <= 0) throw new UsageError('--advert-int must be positive');
  return explainVrrp({ priority, version, advertInt_us });
}

// ---- spf: the topology file ----

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
 * A scenario file with a routed network (or sites with their own): the OSPF topology exactly as the model builds it (directors
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
  if (s.network.topology && s.lvs) return ospfTopologyOf(s.network.topology, s.lvs);
  // with sites, each site's front is its own OSPF domain (no link joins them): side by side
  const sites = (s.sites?.list ?? []).flatMap((x) => (x.front ? [ospfTopologyOf(x.front.topology, x.front.lvs)] : []));
  if (sites.length === 0) return null;
  return { routers: sites.flatMap((t) => t.routers), links: sites.flatMap((t) => t.links), stubs: sites.flatMap((t) => t.stubs) };
}

function spf(a: ExplainInput): ExplainResult {
  if (typeof a.topology !== 'string' || a.topology === '') {
    throw new UsageError('explain spf needs --topology FILE.yaml (routers, links, stubs)');
  }
  const maxPaths = intArg(a.maxPaths, 'max-paths', 1, 256) ?? OSPF_MAXIMUM_PATHS_DEFAULT;
  const topo = scenarioTopology(a.topology) ?? loadTopology(a.topology);
  return explainSpf(topo, maxPaths);
}

const EXPLAINERS: Record<ExplainAlgorithm, (a: ExplainInput) => ExplainResult> = {
  nginx: nginxSmoothWrr,
  'nginx-ip-hash': nginxIpHash,
  'nginx-least-conn': nginxLeastConn,
  'ipvs-rr': ipvsFlowless('rr'),
  'ipvs-wrr': ipvsFlowless('wrr'),
  'ipvs-lc': ipvsFlowless('lc'),
  'ipvs-wlc': ipvsFlowless('wlc'),
  'ipvs-sh': ipvsSh,
  ecmp,
  vrrp,
  spf,
};

/** Runs one explanation; throws UsageError on bad input. */
export function runExplain(argv: ExplainInput): ExplainResult {
  const algorithm = typeof argv.algorithm === 'string' ? argv.algorithm : '';
  const known = EXPLAIN_ALGORITHMS.find((name) => name === algorithm);
  if (known === undefined) {
    throw new UsageError(
      `explain: unknown algorithm "${algorithm}" (one of: ${EXPLAIN_ALGORITHMS.join(', ')})`,
    );
  }
  return EXPLAINERS[known](argv);
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
