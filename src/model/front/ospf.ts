// OSPF, pure part: the shortest-path-first calculation of RFC 2328 §16.1 over point-to-point links,
// with equal-cost multipath, and FRR's SPF throttle (FRRouting/frr ospfd/ospf_spf.c
// ospf_spf_calculate_schedule; defaults from lib/libospf.h). maximum-paths as in
// ospfd/ospf_zebra.c (ospf_zebra_add) and ospfd/ospf_spf.c (vertex_parent_cmp).

/** A point-to-point link. OSPF costs belong to the outgoing interface, hence the optional reverse. */
export type OspfLink = {
  a: string;
  b: string;
  cost: number; // a -> b, 1..65535 (FRR `ip ospf cost`)
  reverse_cost?: number; // b -> a, when it differs
};

/** A stub network announced in a router's router-LSA, e.g. a VIP announced by each LVS director. */
export type OspfStub = {
  router: string;
  prefix: string;
  cost: number; // 0..65535
};

export type OspfTopology = {
  routers: string[];
  links: OspfLink[];
  stubs: OspfStub[];
};

/** One destination: total cost and the equal-cost next hops (neighbour names); [] = directly connected. */
export type OspfRoute = { cost: number; nextHops: string[] };

/** Destination (router name or stub prefix) -> route. */
export type OspfRoutes = Record<string, OspfRoute>;

/** MULTIPATH_NUM of a plain FRR build (configure.ac); packaged builds use more. */
export const OSPF_MAXIMUM_PATHS_DEFAULT = 16;

export const OSPF_COST_MIN = 1;
export const OSPF_COST_MAX = 65535;

/** "a-b", the name faults use for a link. */
export function linkName(l: OspfLink): string {
  return `${l.a}-${l.b}`;
}

/**
 * Orders names like FRR orders next hops: vertex_parent_cmp sorts a vertex's parents by next-hop
 * IPv4 address. Names stand in for addresses, so compare digit runs as numbers (r2 < r10).
 */
export function compareNames(x: string, y: string): number {
  const re = /(\d+)|(\D+)/g;
  const xs = x.match(re) ?? [];
  const ys = y.match(re) ?? [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const a = xs[i];
    const b = ys[i];
    if (a === b) continue;
    const an = /^\d/.test(a);
    const bn = /^\d/.test(b);
    if (an && bn) {
      const d = Number(a) - Number(b);
      if (d !== 0) return d < 0 ? -1 : 1;
      return a.length - b.length; // "02" after "2"
    }
    return a < b ? -1 : 1;
  }
  return xs.length - ys.length;
}

/** Throws an Error naming the first problem. */
export function validateTopology(t: OspfTopology): void {
  const routers = new Set<string>();
  for (const r of t.routers) {
    if (typeof r !== 'string' || r === '') throw new Error(`ospf: router names must be non-empty strings`);
    if (routers.has(r)) throw new Error(`ospf: router ${r} is listed twice`);
    routers.add(r);
  }
  const isCost = (c: unknown, min: number): c is number =>
    typeof c === 'number' && Number.isInteger(c) && c >= min && c <= OSPF_COST_MAX;
  for (const l of t.links) {
    const name = linkName(l);
    if (!routers.has(l.a) || !routers.has(l.b)) throw new Error(`ospf: link ${name} names an unknown router`);
    if (l.a === l.b) throw new Error(`ospf: link ${name} loops back to its own router`);
    if (!isCost(l.cost, OSPF_COST_MIN)) throw new Error(`ospf: link ${name} cost ${l.cost} is outside 1..65535`);
    if (l.reverse_cost !== undefined && !isCost(l.reverse_cost, OSPF_COST_MIN)) {
      throw new Error(`ospf: link ${name} reverse_cost ${l.reverse_cost} is outside 1..65535`);
    }
  }
  for (const s of t.stubs) {
    if (!routers.has(s.router)) throw new Error(`ospf: stub ${s.prefix} is announced by unknown router ${s.router}`);
    if (routers.has(s.prefix)) throw new Error(`ospf: stub prefix ${s.prefix} is also a router name`);
    if (!isCost(s.cost, 0)) throw new Error(`ospf: stub ${s.prefix} on ${s.router} cost ${s.cost} is outside 0..65535`);
  }
}

/** The topology without the named links ("a-b" or "b-a") and routers: what is left after faults. */
export function withoutFailed(t: OspfTopology, downLinks: readonly string[], downRouters: readonly string[] = []): OspfTopology {
  const links = new Set(downLinks);
  const routers = new Set(downRouters);
  return {
    routers: t.routers.filter((r) => !routers.has(r)),
    links: t.links.filter(
      (l) => !links.has(`${l.a}-${l.b}`) && !links.has(`${l.b}-${l.a}`) && !routers.has(l.a) && !routers.has(l.b),
    ),
    stubs: t.stubs.filter((s) => !routers.has(s.router)),
  };
}

type Adjacency = Map<string, Map<string, number>>;

function adjacency(t: OspfTopology): Adjacency {
  const adj: Adjacency = new Map();
  for (const r of t.routers) adj.set(r, new Map());
  const add = (from: string, to: string, cost: number): void => {
    const m = adj.get(from);
    if (!m) return;
    // Parallel links: the cheaper one is the shortest path; both lead to the same neighbour.
    const old = m.get(to);
    if (old === undefined || cost < old) m.set(to, cost);
  };
  for (const l of t.links) {
    add(l.a, l.b, l.cost);
    add(l.b, l.a, l.reverse_cost ?? l.cost);
  }
  return adj;
}

function truncate(hops: Iterable<string>, maxPaths: number): string[] {
  return [...hops].sort(compareNames).slice(0, maxPaths);
}

/**
 * RFC 2328 §16.1 from `root`: Dijkstra where a vertex reached at equal cost through several parents
 * gets the union of their next-hop sets, and a direct neighbour's next hop is itself. Stub networks
 * are added after the tree with the same equal-cost merge. A prefix the root announces itself is
 * directly connected (next hops []) whatever others announce: the kernel's connected route wins.
 *
 * maximum-paths: FRR keeps a vertex's parents sorted by next-hop address and installs the first
 * `maxPaths` paths (ospf_zebra_add), so we keep the lowest names in compareNames order. (For a
 * stub reached through several announcing routers FRR concatenates their sorted lists; we sort
 * the union instead.)
 */
export function spf(t: OspfTopology, root: string, maxPaths: number = OSPF_MAXIMUM_PATHS_DEFAULT): OspfRoutes {
  if (!t.routers.includes(root)) throw new Error(`ospf: unknown root router ${root}`);
  if (!Number.isInteger(maxPaths) || maxPaths < 1) throw new Error(`ospf: maximum-paths ${maxPaths} must be >= 1`);
  const adj = adjacency(t);
  const dist = new Map<string, number>([[root, 0]]);
  const hops = new Map<string, Set<string>>([[root, new Set()]]);
  const done = new Set<string>();

  for (;;) {
    // The candidate list is small; a linear scan keeps this obviously right.
    let v: string | undefined;
    for (const [r, d] of dist) {
      if (done.has(r)) continue;
      if (v === undefined || d < (dist.get(v) ?? Infinity) || (d === dist.get(v) && compareNames(r, v) < 0)) v = r;
    }
    if (v === undefined) break;
    done.add(v);
    const dv = dist.get(v) ?? 0;
    const hv = hops.get(v) ?? new Set<string>();
    // Stryker disable next-line ArrayDeclaration: every router has an adjacency entry, so the fallback is never read
    for (const [w, c] of adj.get(v) ?? []) {
      if (done.has(w)) continue; // costs are >= 1, so w is already closer
      const nd = dv + c;
      const via = v === root ? new Set([w]) : hv;
      const dw = dist.get(w);
      if (dw === undefined || nd < dw) {
        dist.set(w, nd);
        hops.set(w, new Set(via));
      } else if (nd === dw) {
        const hw = hops.get(w);
        if (hw) for (const h of via) hw.add(h);
      }
    }
  }

  const routes: OspfRoutes = {};
  for (const r of t.routers) {
    if (r === root || !dist.has(r)) continue;
    // Stryker disable next-line ArrayDeclaration: hops is set wherever dist is, so the fallback is never read
    routes[r] = { cost: dist.get(r) ?? 0, nextHops: truncate(hops.get(r) ?? [], maxPaths) };
  }

  // Second stage: stub networks (ospf_spf_process_stubs / ospf_intra_add_stub).
  const stubCost = new Map<string, number>();
  const stubHops = new Map<string, Set<string>>();
  const connected = new Set<string>();
  for (const s of t.stubs) {
    const dr = dist.get(s.router);
    if (dr === undefined) continue; // announcing router unreachable
    const d = dr + s.cost;
    const old = stubCost.get(s.prefix);
    if (s.router === root) {
      if (!connected.has(s.prefix) || old === undefined || d < old) stubCost.set(s.prefix, d);
      connected.add(s.prefix);
      stubHops.set(s.prefix, new Set());
      continue;
    }
    if (connected.has(s.prefix)) continue;
    const via = hops.get(s.router) ?? new Set<string>();
    if (old === undefined || d < old) {
      stubCost.set(s.prefix, d);
      stubHops.set(s.prefix, new Set(via));
    } else if (d === old) {
      const h = stubHops.get(s.prefix);
      if (h) for (const x of via) h.add(x);
    }
  }
  for (const [prefix, cost] of stubCost) {
    // Stryker disable next-line ArrayDeclaration: stubHops is set wherever stubCost is, so the fallback is never read
    routes[prefix] = { cost, nextHops: truncate(stubHops.get(prefix) ?? [], maxPaths) };
  }
  return routes;
}

/** spf() from every router, for `sim explain spf`. */
export function spfAll(t: OspfTopology, maxPaths: number = OSPF_MAXIMUM_PATHS_DEFAULT): Record<string, OspfRoutes> {
  validateTopology(t);
  const out: Record<string, OspfRoutes> = {};
  for (const r of t.routers) out[r] = spf(t, r, maxPaths);
  return out;
}

// ---- SPF throttle (ospfd/ospf_spf.c ospf_spf_calculate_schedule) ----

/** lib/libospf.h OSPF_SPF_DELAY_DEFAULT, OSPF_SPF_HOLDTIME_DEFAULT, OSPF_SPF_MAX_HOLDTIME_DEFAULT (ms). */
export const OSPF_SPF_DELAY_DEFAULT_ms = 0;
export const OSPF_SPF_HOLDTIME_DEFAULT_ms = 50;
export const OSPF_SPF_MAX_HOLDTIME_DEFAULT_ms = 5000;

/** `timers throttle spf DELAY HOLD MAXHOLD`, in milliseconds as FRR takes them. */
export type SpfThrottleConfig = { delay_ms: number; hold_ms: number; max_hold_ms: number };

export type SpfThrottleState = {
  config: SpfThrottleConfig;
  /** ospf->spf_hold_multiplier, starts at 1. */
  holdMultiplier: number;
  /** ospf->ts_spf: when the last SPF ran (FRR stamps it as each area's SPF finishes); null = never. */
  lastSpf_us: number | null;
  /** When the pending SPF will run (ospf->t_spf_calc); null = none pending. */
  scheduledAt_us: number | null;
};

export function newSpfThrottle(config?: Partial<SpfThrottleConfig>): SpfThrottleState {
  return {
    config: {
      delay_ms: config?.delay_ms ?? OSPF_SPF_DELAY_DEFAULT_ms,
      hold_ms: config?.hold_ms ?? OSPF_SPF_HOLDTIME_DEFAULT_ms,
      max_hold_ms: config?.max_hold_ms ?? OSPF_SPF_MAX_HOLDTIME_DEFAULT_ms,
    },
    holdMultiplier: 1,
    lastSpf_us: null,
    scheduledAt_us: null,
  };
}

/**
 * An event asks for an SPF at `now_us` (ospf_spf_calculate_schedule). Returns the delay until the
 * SPF runs, in microseconds, and records it in `s`; or null when one is already scheduled (the event
 * is absorbed by it). An event within the current hold time of the last SPF waits out the rest of it
 * and grows the next hold by `hold` (multiplier++), up to max_hold; a later event runs after `delay`
 * and resets the multiplier to 1. FRR works in whole milliseconds: elapsed is truncated.
 */
export function nextSpfDelay_us(s: SpfThrottleState, now_us: number): number | null {
  if (s.scheduledAt_us !== null) return null;
  const { delay_ms, hold_ms, max_hold_ms } = s.config;
  const elapsed_ms = s.lastSpf_us === null ? Infinity : Math.floor((now_us - s.lastSpf_us) / 1000);
  const ht = Math.min(hold_ms * s.holdMultiplier, max_hold_ms);
  let delay_ms_out: number;
  if (elapsed_ms < ht) {
    if (ht < max_hold_ms) s.holdMultiplier++;
    delay_ms_out = Math.max(delay_ms, ht - elapsed_ms); // always honour the initial delay
  } else {
    delay_ms_out = delay_ms;
    s.holdMultiplier = 1;
  }
  const delay_us = delay_ms_out * 1000;
  s.scheduledAt_us = now_us + delay_us;
  return delay_us;
}

/** The scheduled SPF ran at `now_us` (ospf_spf_calculate_schedule_worker): stamp it, clear the timer. */
export function spfRan(s: SpfThrottleState, now_us: number): void {
  s.lastSpf_us = now_us;
  s.scheduledAt_us = null;
}
