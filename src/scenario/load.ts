// The scenario loader: YAML text -> validated, fully defaulted Scenario (./types.ts).
// Steps: parse with a LineCounter, apply --seed/--set to the YAML tree, validate with the zod schema,
// then resolve the defaults that depend on other keys. The first error is thrown as one line naming
// the file, the line (or the --set that caused it), the key path and what is wrong.

import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { type Document, LineCounter, type Node, type Pair, type YAMLMap, isAlias, isMap, isNode, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { FIXED_SCRIPT, SOURCE_SCRIPT } from './inventory-scripts.js';
import { type ResolvedNetwork, resolveNetwork } from './network-resolve.js';
import { DEFAULT_NEXT_UPSTREAM, DEFAULT_SERVERS, type ParsedScenario, scenarioErrorMap, scenarioSchema } from './schema.js';
import { resolveHosts } from './hosts-resolve.js';
import { checkBounds, checkListSizes, checkLocalStock, checkSizes, type FaultKeys } from './bounds.js';
import { defaultAppName, nginxName, REDIS_NODE, Topology } from './topology.js';
import { resolveSites, siteFrontNames } from './sites.js';
import type { Expectation, Fault, InventoryScript, RandomFaults, RandomKill, ReplicationConfig, Scenario, Sites, UpstreamServer } from './types.js';
import { unreachable } from '../engine/assert.js';

export type LoadOptions = { seed?: number; set?: string[] };

type Seg = string | number;

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly keyPath: string,
    readonly detail: string,
    /** what on the command line caused it, e.g. "--set nginx.workers" or "--seed"; replaces the line */
    readonly via: string | null = null,
  ) {
    super(formatMessage(file, line, keyPath, detail, via));
    this.name = 'ScenarioError';
  }
}

function formatMessage(file: string, line: number | null, keyPath: string, detail: string, via: string | null): string {
  const parts: string[] = [];
  const where = file && line !== null ? `${file}:${line}` : file || (line !== null ? `line ${line}` : '');
  if (where) parts.push(where);
  if (via) parts.push(via);
  if (keyPath && !(via && namesKey(via, keyPath))) parts.push(keyPath);
  parts.push(detail);
  return parts.join(': ');
}

// "--set nginx.upstream.servers.1.weight: must be ..." already names the key, so say it once.
function namesKey(via: string, keyPath: string): boolean {
  if (via === `--${keyPath}` || via === `--set ${keyPath}`) return true;
  if (!via.startsWith('--set ')) return false;
  const segs = parseSetPath(via.slice('--set '.length));
  return segs !== null && formatKeyPath(segs) === keyPath;
}

/** nginx.upstream.servers[2].weight */
export function formatKeyPath(segs: readonly Seg[]): string {
  let out = '';
  for (const s of segs) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out ? `.${s}` : s;
  }
  return out;
}

// ---- where a key is in the file -----------------------------------------------------------------

type Located = { line: number | null; found: boolean; ranged: boolean };

/** The line of the deepest existing key along `segs`, and whether the whole path exists. */
function locate(doc: Document, lc: LineCounter, segs: readonly Seg[]): Located {
  const lineOf = (n: unknown): number | null =>
    isNode(n) && n.range ? lc.linePos(n.range[0]).line : null;
  let node: unknown = doc.contents;
  let line = lineOf(node);
  let ranged = line !== null;
  for (const seg of segs) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = pairsOf(node).get(String(seg));
      if (!pair) return { line, found: false, ranged: false };
      // the key's line, not the value's: a block value starts on the next line
      const l = lineOf(pair.key) ?? lineOf(pair.value);
      ranged = l !== null;
      if (l !== null) line = l;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) return { line, found: false, ranged: false };
      const l = lineOf(item);
      ranged = l !== null;
      if (l !== null) line = l;
      node = item;
    } else {
      return { line, found: false, ranged: false };
    }
  }
  return { line, found: true, ranged };
}

// Each map's pairs by key text, built once: looking up every key of a long map stays linear.
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();
function pairsOf(map: YAMLMap): Map<string, Pair> {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) if (!index.has(keyText(p.key))) index.set(keyText(p.key), p);
    pairIndex.set(map, index);
  }
  return index;
}

/** The first key that repeats one before it in its map, or null; linear, unlike the parser's own check. */
function duplicateKey(doc: Document): Node | null {
  let dup: Node | null = null;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const p of map.items) {
        const k = keyText(p.key);
        if (seen.has(k) && isNode(p.key)) {
          dup = p.key;
          return visit.BREAK;
        }
        seen.add(k);
      }
      return undefined;
    },
  });
  return dup;
}

function keyText(k: unknown): string {
  if (isScalar(k)) return String(k.value);
  return String(k);
}

// ---- --set overrides -------------------------------------------------------------------------

type Override = { segs: Seg[]; label: string };

/** "a.b[1].c" or "a.b.1.c" -> ['a', 'b', 1, 'c']. Under expect:, the rest is one summary path. */
function parseSetPath(key: string): Seg[] | null {
  if (key.startsWith('expect.') && key.length > 'expect.'.length) return ['expect', key.slice('expect.'.length)];
  const segs: Seg[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|(\.)/gy;
  let expectKey = true;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < key.length) {
    re.lastIndex = pos;
    m = re.exec(key);
    if (!m) return null;
    pos = re.lastIndex;
    if (m[3] !== undefined) {
      if (expectKey) return null; // empty segment: "a..b" or ".a"
      expectKey = true;
    } else if (m[2] !== undefined) {
      if (segs.length === 0) return null;
      segs.push(Number(m[2]));
      expectKey = false;
    } else if (m[1] !== undefined) {
      if (!expectKey) return null; // "a[1]b"
      segs.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
      expectKey = false;
    }
  }
  if (expectKey || segs.length === 0) return null;
  return segs;
}

// Lists with a non-empty default, so `--set nginx.upstream.servers.1.weight=5` can index into them
// even when the file does not write them out.
function defaultListAt(segs: readonly Seg[]): unknown[] | null {
  switch (formatKeyPath(segs)) {
    case 'nginx.upstream.servers':
      return DEFAULT_SERVERS.map((s) => ({ ...s }));
    case 'nginx.upstream.next_upstream':
      return [...DEFAULT_NEXT_UPSTREAM];
    case 'faults':
      return [];
    default:
      return null;
  }
}

function isEmpty(n: unknown): boolean {
  return n === undefined || n === null || (isScalar(n) && n.value === null);
}

/** Writes `value` at `segs` in the YAML tree, creating maps (and default lists) on the way. */
function setAt(doc: Document, segs: readonly Seg[], value: unknown, fail: (detail: string) => never): void {
  if (isEmpty(doc.contents)) doc.contents = doc.createNode({});
  let node: unknown = doc.contents;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as Seg;
    const last = i === segs.length - 1;
    const here = formatKeyPath(segs.slice(0, i)) || 'the top level';
    const nextIsIndex = typeof segs[i + 1] === 'number';
    const makeChild = (): unknown => {
      if (!nextIsIndex) return doc.createNode({});
      const list = defaultListAt(segs.slice(0, i + 1));
      if (list === null) {
        const p = formatKeyPath(segs.slice(0, i + 1));
        fail(`${p} is not a list here; set the whole value, e.g. --set ${p}=[...]`);
      }
      return doc.createNode(list);
    };
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      if (typeof seg === 'number') fail(`${here} is a map; name a key, not index ${seg}`);
      if (last) {
        node.set(seg, doc.createNode(value));
        return;
      }
      let child: unknown = node.get(seg, true);
      if (isEmpty(child)) {
        child = makeChild();
        node.set(seg, child);
      }
      node = child;
    } else if (isSeq(node)) {
      if (typeof seg !== 'number') fail(`${here} is a list; index it with a number, e.g. ${here}[0]`);
      if (seg > node.items.length) fail(`index ${seg} is out of range (${here} has ${node.items.length} items)`);
      if (last) {
        if (seg === node.items.length) node.items.push(doc.createNode(value));
        else node.items[seg] = doc.createNode(value);
        return;
      }
      let child: unknown = node.items[seg];
      if (isEmpty(child)) {
        child = makeChild();
        node.items[seg] = child;
      }
      node = child;
    } else {
      fail(`${here} is a single value, not a map or list`);
    }
  }
}

// ---- zod issues -> (path, message) ------------------------------------------------------------

type Problem = { segs: Seg[]; detail: string };

function toSegs(p: readonly PropertyKey[]): Seg[] {
  return p.map((k) => (typeof k === 'number' ? k : String(k)));
}

function problemsOf(issues: readonly z.core.$ZodIssue[], base: readonly Seg[]): Problem[] {
  const out: Problem[] = [];
  for (const iss of issues) {
    const segs = [...base, ...toSegs(iss.path)];
    if (iss.code === 'invalid_union') {
      // Report the alternative whose shape matched (a list vs a map), not "invalid input".
      let matched = iss.errors.filter(
        (errs) => !(errs.length === 1 && errs[0]?.path.length === 0 && (errs[0].code === 'invalid_type' || errs[0].code === 'invalid_union')),
      );
      // a list refused for one of its items, not a scalar refusing the whole list (cpu.app: [-1us])
      if (matched.length > 1) {
        const inside = matched.filter((errs) => errs.some((e) => e.path.length > 0));
        if (inside.length === 1) matched = inside;
      }
      if (matched.length === 1 && matched[0]) {
        out.push(...problemsOf(matched[0], segs));
        continue;
      }
    }
    if (iss.code === 'unrecognized_keys') {
      for (const k of iss.keys) out.push({ segs: [...segs, k], detail: iss.message });
      continue;
    }
    out.push({ segs, detail: iss.message });
  }
  return out;
}

// ---- the loader --------------------------------------------------------------------------------

/** Scenario and script files larger than this are refused: no reading /dev/zero until memory runs out. */
export const MAX_INPUT_BYTES = 4 << 20;

/**
 * Reads a text file of at most MAX_INPUT_BYTES. Reads by chunks rather than by its size, since a
 * device or a pipe has none; throws an Error with a short reason otherwise.
 */
export function readTextCapped(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw Object.assign(new Error(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message), { code });
  }
  try {
    const buf = Buffer.alloc(MAX_INPUT_BYTES + 1);
    let got = 0;
    for (;;) {
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
      if (got > MAX_INPUT_BYTES) throw new Error(`larger than ${MAX_INPUT_BYTES >> 20} MB, the limit for a scenario or script file`);
    }
    return buf.toString('utf8', 0, got);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'EISDIR' ? 'is a directory' : (e as Error).message);
  } finally {
    closeSync(fd);
  }
}

function codeOf(e: unknown): string {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : '';
}

/** Reads and loads a scenario file. */
export function loadScenario(file: string, opts: LoadOptions = {}): Scenario {
  let text: string;
  try {
    text = readTextCapped(file);
  } catch (e) {
    throw new ScenarioError(file, null, '', `cannot read scenario: ${(e as Error).message}`);
  }
  return parseScenario(text, file, opts);
}

/** Applies --seed and each --set to the YAML tree; returns what each one set, for error messages. */
function applyOverrides(doc: Document, file: string, opts: LoadOptions): Override[] {
  const overrides: Override[] = [];
  if (opts.seed !== undefined) {
    const fail = (detail: string): never => {
      throw new ScenarioError(file, null, 'seed', detail, '--seed');
    };
    setAt(doc, ['seed'], opts.seed, fail);
    overrides.push({ segs: ['seed'], label: '--seed' });
  }
  for (const spec of opts.set ?? []) {
    const eq = spec.indexOf('=');
    const key = (eq < 0 ? spec : spec.slice(0, eq)).trim();
    const label = `--set ${key}`;
    const fail = (detail: string): never => {
      throw new ScenarioError(file, null, key, detail, label);
    };
    if (eq < 0) throw new ScenarioError(file, null, '', `expected key.path=value (got ${JSON.stringify(spec)})`, `--set ${spec}`);
    const segs = parseSetPath(key);
    if (!segs) fail('not a key path (write e.g. nginx.workers or nginx.upstream.servers[1].weight)');
    const vdoc = parseDocument(spec.slice(eq + 1), { prettyErrors: false });
    const verr = vdoc.errors[0];
    if (verr) fail(`cannot parse the value as YAML: ${verr.message.split('\n')[0] ?? ''}`);
    let value: unknown;
    try {
      value = vdoc.toJS({ maxAliasCount: 100 }); // the file's guard against alias bombs, here too
    } catch (e) {
      fail(`YAML error in the value: ${(e as Error).message}`);
    }
    setAt(doc, segs as Seg[], value, fail);
    overrides.push({ segs: segs as Seg[], label });
  }
  return overrides;
}

/** Loads a scenario from text; `file` names it in messages and anchors relative script paths. */
export function parseScenario(text: string, file: string, opts: LoadOptions = {}): Scenario {
  const lc = new LineCounter();
  // the parser's own unique-keys check is quadratic in a map's size, so duplicateKey() does it
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const first = (syntax.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ScenarioError(file, syntax.linePos?.[0].line ?? null, '', `YAML syntax error: ${first}`);
  }
  const dup = duplicateKey(doc);
  if (dup) throw new ScenarioError(file, dup.range ? lc.linePos(dup.range[0]).line : null, '', 'YAML syntax error: Map keys must be unique');
  if (isEmpty(doc.contents)) throw new ScenarioError(file, null, '', 'empty scenario (write at least one key, e.g. `tickets: { inventory: 10000 }`)');
  if (!isMap(doc.contents)) {
    const line = locate(doc, lc, []).line;
    throw new ScenarioError(file, line, '', 'a scenario must be a map of keys (name, tickets, users, nginx, ...)');
  }

  // Overrides go into the YAML tree so that lines of untouched keys stay right.
  const overrides = applyOverrides(doc, file, opts);

  // An error inside an overridden value names the override; anything else names its line.
  const errorAt = (segs: readonly Seg[], detail: string): ScenarioError => {
    const keyPath = formatKeyPath(segs);
    for (let i = overrides.length - 1; i >= 0; i--) {
      const o = overrides[i] as Override;
      if (o.segs.length <= segs.length && o.segs.every((s, j) => s === segs[j])) {
        return new ScenarioError(file, null, keyPath, detail, o.label);
      }
    }
    const at = locate(doc, lc, segs);
    if (at.found && !at.ranged) {
      // a node created by an override whose path runs through this one
      for (let i = overrides.length - 1; i >= 0; i--) {
        const o = overrides[i] as Override;
        if (segs.every((s, j) => s === o.segs[j])) return new ScenarioError(file, null, keyPath, detail, o.label);
      }
    }
    return new ScenarioError(file, at.line, keyPath, detail);
  };

  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw new ScenarioError(file, null, '', `YAML error: ${(e as Error).message}`);
  }
  // a record would turn this key into the object's prototype and drop it silently
  const ex = input !== null && typeof input === 'object' && 'expect' in input ? input.expect : null;
  if (ex !== null && typeof ex === 'object' && Object.hasOwn(ex, '__proto__')) throw errorAt(['expect', '__proto__'], 'unknown summary.json path');
  checkListSizes(input, (segs, detail) => {
    throw errorAt(segs, detail);
  });
  // jitless: zod would compile each object schema into a function for its first parse, and a scenario is parsed once
  const result = scenarioSchema.safeParse(input, { error: scenarioErrorMap, jitless: true });
  if (!result.success) {
    const problems = problemsOf(result.error.issues, []);
    // The first in document order; errors from overrides (no line) first, as the user just typed them.
    const errors = problems.map((p) => errorAt(p.segs, p.detail));
    const rank = (e: ScenarioError): number => (e.via ? -1 : (e.line ?? Number.MAX_SAFE_INTEGER));
    const first = errors.reduce((best, e) => (rank(e) < rank(best) ? e : best));
    throw first;
  }
  return resolve(result.data, file, (segs, detail) => {
    throw errorAt(segs, detail);
  }, (segs) => locate(doc, lc, segs));
}

// ---- defaults that depend on other keys ---------------------------------------------------------

type Fail = (segs: readonly Seg[], detail: string) => never;

function resolveExpect(p: ParsedScenario, fail: Fail, where: (segs: readonly Seg[]) => Located): Expectation[] {
  return Object.entries(p.expect).map(([key, e]) => {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(key)) {
      fail(['expect', key], 'must be a dotted summary.json path like tickets.oversold');
    }
    return { path: key, ...e, line: lineIn(where(['expect', key])) }; // op, a, b, raw (and over, confidence when said)
  });
}

function resolve(p: ParsedScenario, file: string, fail: Fail, where: (segs: readonly Seg[]) => Located): Scenario {
  checkSizes(p, fail);
  const up = p.nginx.upstream;
  const servers = resolveServers(up, fail);
  const localStock = resolveLocalStock(p, servers.length, fail);
  const sites = resolveSites(p, servers, fail); // first: with sites, a top-level front is refused as such
  const routed = resolveNetwork(p.network, p.lvs, p.nginx.instances, [...servers.map((v) => v.name), REDIS_NODE], fail);
  const replication = resolveReplication(p, nodeNames(servers, p.nginx.instances, routed, sites), sites, fail);
  const topology = Topology.of({
    sites, nginx: { instances: p.nginx.instances, proxy_latency_us: p.nginx.proxy_latency, upstream: { servers } },
    redis: { latency_us: p.redis.latency, ...(replication ? { replication } : {}) },
    network: { topology: routed.topology },
    lvs: routed.lvs,
  });
  const { faults, randomFaults, randomKills, keys } = resolveFaults(p, topology, fail, where);
  const hosts = resolveHosts(p, servers.map((v) => v.name), fail);
  const expect = resolveExpect(p, fail, where);

  const s: Scenario = {
    name: p.name ?? (file ? path.basename(file, path.extname(file)) : 'scenario'),
    description: p.description.trimEnd(), // a block scalar (description: >) ends in a newline
    seed: p.seed,
    file,
    tickets: { inventory: p.tickets.inventory, script: resolveScript(p.tickets.script, file, fail) },
    users: {
      load: p.users.load,
      client_ips: p.users.client_ips,
      timeout_us: p.users.timeout,
      retries: p.users.retries,
      retry_backoff_us: p.users.retry_backoff,
      method: p.users.method,
    },
    network: { latency_us: p.network.latency, ...(routed.topology ? { topology: routed.topology } : {}) },
    nginx: {
      instances: p.nginx.instances,
      workers: p.nginx.workers,
      proxy_latency_us: p.nginx.proxy_latency,
      proxy_connect_timeout_us: p.nginx.proxy_connect_timeout,
      proxy_read_timeout_us: p.nginx.proxy_read_timeout,
      upstream: {
        balance: up.balance,
        max_fails: up.max_fails,
        fail_timeout_us: up.fail_timeout,
        next_upstream: up.next_upstream,
        next_upstream_tries: up.next_upstream_tries,
        next_upstream_timeout_us: up.next_upstream_timeout,
        servers,
      },
    },
    app: {
      local_stock: localStock,
      local_check: p.app.local_check,
      concurrency: p.app.concurrency,
      local_rollback: p.app.local_rollback,
      redis_connect_timeout_us: p.app.redis_connect_timeout,
      redis_read_timeout_us: p.app.redis_read_timeout,
      service_time: p.app.service_time,
    },
    redis: {
      latency_us: p.redis.latency,
      service_time: p.redis.service_time,
      appendonly: p.redis.appendonly,
      appendfsync: p.redis.appendfsync,
      save: p.redis.save,
      lua_max_instructions: p.redis.lua_max_instructions,
      ...(replication ? { replication } : {}),
    },
    ...(hosts ? { hosts } : {}),
    ...(routed.lvs ? { lvs: routed.lvs } : {}),
    ...(sites ? { sites } : {}),
    faults,
    random_faults: randomFaults,
    random_kills: randomKills,
    expect,
    report: { bin_us: p.report.bin },
  };
  checkBounds(s, keys, fail);
  return s;
}


/** The names of every node and site, which a replica must not take: a fault names each. */
function nodeNames(servers: readonly UpstreamServer[], instances: number, routed: ResolvedNetwork, sites: Sites | undefined): string[] {
  const nginx = Array.from({ length: instances }, (_, k) => nginxName(k));
  const front = [...(routed.topology?.routers ?? []), ...(routed.lvs?.directors ?? []), ...siteFrontNames(sites)];
  return [...servers.map((v) => v.name), ...nginx, ...front, ...(sites?.list.map((x) => x.name) ?? [])];
}

/** redis.replicas and what goes with them; null without replicas (the other keys then must stay unset). */
function resolveReplication(p: ParsedScenario, otherNames: readonly string[], sites: Sites | undefined, fail: Fail): ReplicationConfig | null {
  const r = p.redis;
  const replicas = r.replicas ?? [];
  if (replicas.length === 0) {
    if (r.sentinel) fail(['redis', 'sentinel'], 'needs redis.replicas (Sentinel promotes a replica)');
    if (r.wait) fail(['redis', 'wait'], 'needs redis.replicas (WAIT counts replicas)');
    if (r.min_replicas_to_write > 0) fail(['redis', 'min_replicas_to_write'], 'needs redis.replicas');
    return null;
  }
  if (replicas.length > 15) fail(['redis', 'replicas'], `at most 15 replicas (got ${replicas.length}): each Sentinel keeps a table per replica`);
  replicas.forEach((x, i) => {
    const j = replicas.findIndex((y) => y.name === x.name);
    if (j !== i) fail(['redis', 'replicas', i, 'name'], `duplicate replica name "${x.name}" (also replicas[${j}])`);
    if (otherNames.includes(x.name)) fail(['redis', 'replicas', i, 'name'], `"${x.name}" already names another node`);
  });
  const sn = r.sentinel;
  if (sn && sn.quorum > sn.sentinels) fail(['redis', 'sentinel', 'quorum'], `must be at most sentinels (${sn.sentinels})`);
  if (sn?.sites) checkSentinelSites(sn.sites, sn.sentinels, replicas, sites, fail);
  return {
    replicas: replicas.map((x, i) => ({ name: x.name, ...replicaLink(x, sites, (detail) => fail(['redis', 'replicas', i, 'site'], detail)), priority: x.priority })),
    min_replicas_to_write: r.min_replicas_to_write,
    min_replicas_max_lag_s: r.min_replicas_max_lag,
    sentinel: sn
      ? { sentinels: sn.sentinels, quorum: sn.quorum, down_after_us: sn.down_after, failover_timeout_us: sn.failover_timeout, parallel_syncs: sn.parallel_syncs, ...(sn.sites ? { sites: sn.sites } : {}) }
      : null,
    wait: r.wait ? { numreplicas: r.wait.numreplicas, timeout_us: r.wait.timeout } : null,
  };
}

/** redis.sentinel.sites: one known site per Sentinel, each running a Redis instance for it to sit with. */
function checkSentinelSites(list: readonly string[], count: number, replicas: readonly { site?: string }[], sites: Sites | undefined, fail: Fail): void {
  const key = ['redis', 'sentinel', 'sites'];
  if (sites === undefined) fail(key, 'needs sites: (Sentinels placed in data centres)');
  if (list.length !== count) fail(key, `must name one site per Sentinel (${count}), got ${list.length}`);
  const withRedis = new Set([sites.redis_site, ...replicas.flatMap((x) => (x.site === undefined ? [] : [x.site]))]);
  list.forEach((name, i) => {
    if (!sites.list.some((s) => s.name === name)) fail([...key, i], `unknown site "${name}" (sites: ${sites.list.map((s) => s.name).join(', ')})`);
    if (!withRedis.has(name)) fail([...key, i], `site "${name}" runs no Redis instance for the Sentinel to sit with (redis.site or a replica's site)`);
  });
}

/** A replica's link: with `site:` in another site than Redis, the site link's latency. */
function replicaLink(x: { link_latency: number; site?: string }, sites: Sites | undefined, fail: (detail: string) => never): { link_latency_us: number; site?: string } {
  if (x.site === undefined) return { link_latency_us: x.link_latency };
  if (sites === undefined) fail('needs sites: (a replica in another data centre)');
  if (!sites.list.some((s) => s.name === x.site)) fail(`unknown site "${x.site}" (sites: ${sites.list.map((s) => s.name).join(', ')})`);
  return { link_latency_us: x.site === sites.redis_site ? x.link_latency : sites.link_latency_us, site: x.site };
}

function resolveServers(up: ParsedScenario['nginx']['upstream'], fail: Fail): UpstreamServer[] {
  const servers: UpstreamServer[] = up.servers.map((s, i) => ({
    name: s.name ?? defaultAppName(i),
    weight: s.weight,
    max_fails: s.max_fails ?? up.max_fails,
    fail_timeout_us: s.fail_timeout ?? up.fail_timeout,
    backup: s.backup,
    down: s.down,
  }));
  const seen = new Map<string, number>();
  servers.forEach((s, i) => {
    const prev = seen.get(s.name);
    if (prev !== undefined) {
      fail(['nginx', 'upstream', 'servers', i, 'name'], `duplicate server name "${s.name}" (also servers[${prev}])`);
    }
    seen.set(s.name, i);
  });
  if (servers.every((s) => s.backup)) {
    fail(['nginx', 'upstream', 'servers'], 'at least one server must not be a backup (nginx needs a primary server)');
  }
  return servers;
}

function resolveLocalStock(p: ParsedScenario, servers: number, fail: Fail): number[] {
  if (Array.isArray(p.app.local_stock)) {
    if (p.app.local_stock.length !== servers) {
      fail(['app', 'local_stock'], `must have one entry per server: ${servers} servers, got ${p.app.local_stock.length} entries`);
    }
    checkLocalStock(p.app.local_stock, null, fail);
    return p.app.local_stock;
  }
  const total = bufferTotal(p.tickets.inventory, p.app.local_stock.buffer);
  if (!Number.isSafeInteger(total)) {
    fail(['app', 'local_stock', 'buffer'], `tickets.inventory ${p.tickets.inventory} x buffer ${p.app.local_stock.buffer} is not an exact integer number of tickets (over 2^53)`);
  }
  const stock = splitByWeight(total, p.nginx.upstream.servers.map((s) => s.weight));
  checkLocalStock(stock, { inventory: p.tickets.inventory }, fail);
  return stock;
}

type ParsedFixedFault = Extract<ParsedScenario['faults'][number], { kind: 'fixed' }>;

/** The fault of a parsed `faults:` entry: each action keeps the options it takes. */
function toFault(f: ParsedFixedFault, line: number): Fault {
  const timing = { at_us: f.at_us, for_us: f.for_us, line };
  switch (f.action) {
    case 'kill':
    case 'recover':
    case 'restart':
    case 'down':
    case 'up':
    case 'stop':
      return { ...timing, action: f.action, target: f.target };
    case 'slow':
      return { ...timing, action: 'slow', target: f.target, factor: f.factor };
    case 'drop':
      return { ...timing, action: 'drop', target: f.target, fraction: f.fraction };
    case 'partition':
      return { ...timing, action: 'partition', nodes: f.nodes };
    default:
      return unreachable(f.action);
  }
}

/** Fixed and random faults, each target checked against what the topology accepts for its action. */
function resolveFaults(
  p: ParsedScenario,
  topology: Topology,
  fail: Fail,
  where: (segs: readonly Seg[]) => Located,
): { faults: Fault[]; randomFaults: RandomFaults[]; randomKills: RandomKill[]; keys: FaultKeys } {
  const shortList = (xs: string[]) => (xs.length > 12 ? `${xs.slice(0, 12).join(', ')}, ...` : xs.join(', '));
  const checkNode = (segs: Seg[], name: string, allowed: string[]) => {
    if (allowed.length === 0) fail(segs, `no node of this scenario takes this fault (down/up need network.links, stop an lvs: director)`);
    if (!allowed.includes(name)) fail(segs, `unknown node ${JSON.stringify(name)} (allowed: ${shortList(allowed)})`);
  };
  const faults: Fault[] = [];
  const randomFaults: RandomFaults[] = [];
  const randomKills: RandomKill[] = [];
  const keys = { fixed: [] as number[], random: [] as number[] };
  const openLoad = p.users.load.kind === 'open' ? p.users.load : null;
  const loadEnd_us = openLoad ? Math.round((openLoad.users / openLoad.rate_per_s) * 1e6) : 60_000_000;
  p.faults.forEach((f, i) => {
    const line = lineIn(where(['faults', i]));
    if (f.kind === 'random_kill') {
      const { kind: _kind, ...spec } = f;
      f.among.forEach((n, j) => checkNode(['faults', i, 'random_kill', 'among', j], n, topology.targets('kill')));
      const dup = f.among.find((n, j) => f.among.indexOf(n) !== j);
      if (dup !== undefined) fail(['faults', i, 'random_kill', 'among'], `${dup} is listed twice`);
      randomKills.push({ ...spec, line });
      return;
    }
    if (f.kind === 'random') {
      const allowed = topology.targets(f.action);
      f.nodes.forEach((n, j) => checkNode(['faults', i, 'nodes', j], n, allowed));
      const { kind: _kind, ...spec } = f;
      randomFaults.push({ ...spec, until_us: f.until_us >= 0 ? f.until_us : loadEnd_us, line });
      keys.random.push(i);
      return;
    }
    if (f.action === 'partition') {
      if (f.nodes.length === 0) fail(['faults', i, 'partition'], 'must list at least one node');
      f.nodes.forEach((n, j) => checkNode(['faults', i, 'partition', j], n, topology.targets('partition')));
    } else checkNode(['faults', i, f.action], f.target, topology.targets(f.action));
    faults.push(toFault(f, line));
    keys.fixed.push(i);
  });
  return { faults, randomFaults, randomKills, keys };
}

// 0 for entries that came from the command line rather than the file.
function lineIn(at: Located): number {
  return at.found && at.ranged && at.line !== null ? at.line : 0;
}

function resolveScript(s: ParsedScenario['tickets']['script'], file: string, fail: Fail): InventoryScript {
  if (typeof s !== 'string') {
    if (s.lua.trim() === '') fail(['tickets', 'script', 'lua'], 'must not be empty');
    return { kind: 'inline', lua: s.lua, origin: 'inline' };
  }
  if (s === 'source') return { kind: 'source', lua: SOURCE_SCRIPT, origin: 'source' };
  if (s === 'fixed') return { kind: 'fixed', lua: FIXED_SCRIPT, origin: 'fixed' };
  // Relative to the scenario file, so a scenario and its script move together; an absolute path as is.
  const full = path.isAbsolute(s) ? s : path.join(path.dirname(file), s);
  let lua: string;
  try {
    lua = readTextCapped(full);
  } catch (e) {
    return fail(
      ['tickets', 'script'],
      `cannot read script file ${JSON.stringify(full)} (${(e as Error).message}${codeOf(e) ? `, ${codeOf(e)}` : ''}); write source, fixed, a .lua path relative to the scenario, or { lua: "..." }`,
    );
  }
  return { kind: 'file', lua, origin: s };
}

/** floor(inventory x buffer), without 1.15 x 100 = 114.999... flooring to 114. */
export function bufferTotal(inventory: number, buffer: number): number {
  const x = inventory * buffer;
  const cleaned = Math.abs(x) < 1e9 ? Math.round(x * 1e6) / 1e6 : x;
  return Math.floor(cleaned);
}

/**
 * Splits `total` in proportion to `weights` by the largest-remainder method: each gets the floor of
 * its quota, and the leftover units go to the largest remainders, ties to the earlier server.
 * Integer arithmetic (BigInt), so the result never depends on float rounding.
 */
export function splitByWeight(total: number, weights: readonly number[]): number[] {
  const W = BigInt(weights.reduce((a, b) => a + b, 0));
  if (weights.length === 0 || W === 0n) return weights.map(() => 0);
  const T = BigInt(total);
  const parts = weights.map((w, i) => {
    const q = T * BigInt(w);
    return { i, base: q / W, rem: q % W };
  });
  let left = T - parts.reduce((a, p) => a + p.base, 0n);
  const order = [...parts].sort((x, y) => (x.rem === y.rem ? x.i - y.i : x.rem > y.rem ? -1 : 1));
  const out = parts.map((p) => p.base);
  for (const p of order) {
    if (left <= 0n) break;
    out[p.i] = (out[p.i] ?? 0n) + 1n;
    left -= 1n;
  }
  return out.map((v) => Number(v));
}
