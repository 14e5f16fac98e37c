// The routed network in front of the LVS directors: OSPF routers with equal-cost multipath.
// Follows RFC 2328 (hello/dead timers §9, §10; router-LSAs and their two-way check §16.1 step 2b;
// MinLSInterval, Appendix B), FRRouting/frr ospfd/ospf_spf.c (SPF throttle) and ospfd/ospf_zebra.c
// (maximum-paths), FRR bfdd (detection = multiplier x interval), and Linux
// net/ipv4/fib_semantics.c (hash-threshold next-hop choice); the pure parts live in ./ospf.ts and
// ./ecmp.ts. Only the route to the VIP matters for the data path, so each router keeps one FIB entry.
//
// What is modelled: every router (and, with lvs.mode active_active, every director: it runs ospfd
// and announces the VIP from lo) believes each of its adjacencies up or down. A link or node that
// fails silently is noticed when the neighbour's dead timer (restarted by the last hello heard) or
// its BFD detection time runs out; with `carrier: true` both ends see it at once. A belief change
// makes the router originate a new router-LSA (at most one per MinLSInterval); it floods over the
// live links at their latencies; each router that receives it asks for an SPF, which FRR's throttle
// delays; the SPF over that router's own LSDB installs the new next hops. Until then packets hashed
// onto a dead link or router vanish: they are counted, and the user times out.
// With active_backup, a router's links to a VRRP pair are its ports on the pair's LAN: it announces
// the VIP as a connected stub and delivers to whichever director last sent a gratuitous ARP.
//
// Simplifications (documented in README): the run starts converged; hellos and LSAs cross a link in
// no time for the timers' sake; a packet's path is decided when it enters the network (changes
// during its sub-millisecond flight are not seen); after an adjacency comes back the LSDBs of the
// two sides are exchanged at once; MinLSArrival, retransmissions and LSA ageing are not modelled.
import type { Engine } from '../../engine/engine.js';
import type { RngStreams } from '../../engine/rng.js';
import type { LvsConfig, NetworkTopology } from '../../scenario/network-types.js';
import { flowHashL3, flowHashL4, upperBounds } from './ecmp.js';
import { NetMetrics } from './counters.js';
import { newSpfThrottle, nextSpfDelay_us, spf, spfRan, type OspfTopology, type SpfThrottleState } from './ospf.js';

/** The service address users connect to: 192.0.2.80 (TEST-NET-1, never real traffic). */
export const VIP_ADDR = 0xc0000250;
export const VIP_PORT = 80;
export const VIP_PREFIX = 'vip';

// ---- pure helpers (tested directly) -----------------------------------------------------------

/** The last periodic send strictly before `t` by a sender with sends at phase + k * interval (any k). */
export function lastSendBefore_us(phase_us: number, interval_us: number, t_us: number): number {
  return phase_us + (Math.ceil((t_us - phase_us) / interval_us) - 1) * interval_us;
}

/** The first periodic send at or after `t`. */
export function nextSendAtOrAfter_us(phase_us: number, interval_us: number, t_us: number): number {
  return phase_us + Math.ceil((t_us - phase_us) / interval_us) * interval_us;
}

/**
 * When an OSPF router notices that a neighbour it heard until `t` fell silent (RFC 2328 §10.2
 * InactivityTimer: restarted by every hello, fires RouterDeadInterval later), or, with BFD, when no
 * BFD packet came for multiplier x interval (RFC 5880 §6.8.4), whichever is first.
 */
export function silentFailureDetected_us(
  t_us: number,
  helloPhase_us: number,
  hello_us: number,
  dead_us: number,
  bfd: { phase_us: number; interval_us: number; multiplier: number } | null,
): number {
  const byHello = lastSendBefore_us(helloPhase_us, hello_us, t_us) + dead_us;
  if (bfd === null) return byHello;
  const byBfd = lastSendBefore_us(bfd.phase_us, bfd.interval_us, t_us) + bfd.multiplier * bfd.interval_us;
  return Math.min(byHello, byBfd);
}

/** The OSPF topology as this model builds it (for `sim explain spf` on a scenario file). */
export function ospfTopologyOf(topo: NetworkTopology, lvs: LvsConfig): OspfTopology {
  const aa = lvs.mode === 'active_active';
  const isDir = (n: string) => lvs.directors.includes(n);
  const routers = aa ? [...topo.routers, ...lvs.directors] : [...topo.routers];
  const links = topo.links
    .filter((l) => aa || (!isDir(l.a) && !isDir(l.b)))
    .map((l) => ({ a: l.a, b: l.b, cost: l.cost, ...(l.reverse_cost !== l.cost ? { reverse_cost: l.reverse_cost } : {}) }));
  const stubs = aa
    ? lvs.directors.map((d) => ({ router: d, prefix: VIP_PREFIX, cost: lvs.vip_cost }))
    : topo.routers.flatMap((r) => {
        const costs = topo.links.filter((l) => (l.a === r && isDir(l.b)) || (l.b === r && isDir(l.a))).map((l) => (l.a === r ? l.cost : l.reverse_cost));
        return costs.length > 0 ? [{ router: r, prefix: VIP_PREFIX, cost: Math.min(...costs) }] : [];
      });
  return { routers, links, stubs };
}

// ---- the dynamic network ----------------------------------------------------------------------

/** What the network needs to know of the VRRP pairs (active_backup): who holds each pair's VIP. */
export interface VipHolders {
  /** Director index the pair's ARP entry points to, or -1. */
  holderOf(pair: number): number;
}

export class NetworkTier {
  readonly R: number; // routers are nodes 0..R-1
  readonly D: number; // directors are nodes R..R+D-1
  readonly N: number;
  readonly names: string[];
  readonly linkNames: string[];
  private readonly aa: boolean;
  private readonly speaker: Uint8Array;
  readonly nodeAlive: Uint8Array;
  private readonly vipUp: Uint8Array; // directors (active_active): announcing the VIP
  private readonly pairOfRouter: Int32Array; // active_backup: the pair whose LAN a router sits on
  // links
  readonly linkA: Int32Array;
  readonly linkB: Int32Array;
  private readonly costAB: Int32Array;
  private readonly costBA: Int32Array;
  private readonly linkLat: Float64Array;
  private readonly carrier: Uint8Array;
  private readonly lanPort: Uint8Array;
  readonly linkAlive: Uint8Array;
  private readonly between: Int32Array; // [x * N + y] -> link, -1 none
  // per link end (2l + e, e = 0 for a, 1 for b): the end's view and the timers of what it sends
  private readonly believe: Uint8Array;
  private readonly helloPhase: Float64Array;
  private readonly bfdPhase: Float64Array;
  private readonly detectGen: Int32Array;
  private readonly detectAt: Float64Array;
  private readonly adjGen: Int32Array;
  // LSAs: per originator a list of versions (links it lists, VIP stub cost or -1)
  private readonly lsaLinks: Uint8Array[][];
  private readonly lsaVip: number[][];
  private readonly latest: Int32Array;
  private readonly view: Int32Array; // [x * N + o] version of o's LSA that x has, -1 none
  private readonly lastOrig: Float64Array;
  private readonly origPending: Uint8Array;
  private readonly recO: number[] = [];
  private readonly recV: number[] = [];
  private readonly throttle: SpfThrottleState[];
  private readonly spfGen: Int32Array;
  // the FIB entry for the VIP on each router
  private readonly P: number;
  private readonly fibN: Int32Array;
  private readonly fibNh: Int32Array;
  private readonly fibLink: Int32Array;
  private readonly fibUb: Int32Array;
  private readonly fibConnected: Uint8Array;
  private readonly fibText: string[];
  private readonly seed: Uint32Array;
  private readonly l4: boolean;
  private readonly ingress: Int32Array;
  private readonly hello_us: number;
  private readonly dead_us: number;
  private readonly maxPaths: number;
  private readonly kDetect: number;
  private readonly kAdjUp: number;
  private readonly kOriginate: number;
  private readonly kLsa: number;
  private readonly kSpf: number;
  private readonly probeM: NetMetrics;
  /** Latency of the path found by the last route() call, in µs. */
  pathLat_us = 0;
  /** Where and why the last lost packet was lost (for --trace). */
  lossNode = 0;
  lossWhy = '';

  constructor(
    private readonly engine: Engine,
    private readonly topo: NetworkTopology,
    private readonly lvs: LvsConfig,
    rngs: RngStreams,
    private readonly m: NetMetrics,
    private readonly holders: VipHolders, // who holds each pair's VIP (the LVS tier)
    kindSuffix = '', // with several fronts (sites): tells their event kinds apart
  ) {
    this.aa = lvs.mode === 'active_active';
    this.R = topo.routers.length;
    this.D = lvs.directors.length;
    const N = (this.N = this.R + this.D);
    this.names = [...topo.routers, ...lvs.directors];
    this.probeM = new NetMetrics(1, this.R, this.D, 0);
    const index = new Map(this.names.map((n, i) => [n, i]));
    this.speaker = Uint8Array.from(this.names, (_, i) => (i < this.R || this.aa ? 1 : 0));
    this.nodeAlive = new Uint8Array(N).fill(1);
    this.vipUp = Uint8Array.from(this.names, (_, i) => (i >= this.R && this.aa ? 1 : 0));
    const L = topo.links.length;
    this.linkA = Int32Array.from(topo.links, (l) => index.get(l.a) ?? -1);
    this.linkB = Int32Array.from(topo.links, (l) => index.get(l.b) ?? -1);
    this.costAB = Int32Array.from(topo.links, (l) => l.cost);
    this.costBA = Int32Array.from(topo.links, (l) => l.reverse_cost);
    this.linkLat = Float64Array.from(topo.links, (l) => l.latency_us);
    this.linkNames = topo.links.map((l) => `${l.a}-${l.b}`);
    this.lanPort = new Uint8Array(L);
    this.carrier = Uint8Array.from(topo.links, (l) => (l.carrier ? 1 : 0));
    this.linkAlive = new Uint8Array(L).fill(1);
    this.between = new Int32Array(N * N).fill(-1);
    this.pairOfRouter = new Int32Array(this.R).fill(-1);
    this.indexLinks();
    this.believe = new Uint8Array(2 * L).fill(1);
    this.helloPhase = new Float64Array(2 * L);
    this.bfdPhase = new Float64Array(2 * L);
    this.detectGen = new Int32Array(2 * L);
    this.detectAt = new Float64Array(2 * L).fill(Infinity);
    this.adjGen = new Int32Array(L);
    this.hello_us = topo.ospf.hello_interval_us;
    this.dead_us = topo.ospf.dead_interval_us;
    this.drawTimerPhases(rngs);
    this.maxPaths = topo.maximum_paths;
    this.P = Math.max(1, Math.min(this.maxPaths, N));
    this.fibN = new Int32Array(this.R);
    this.fibNh = new Int32Array(this.R * this.P);
    this.fibLink = new Int32Array(this.R * this.P);
    this.fibUb = new Int32Array(this.R * this.P);
    this.fibConnected = new Uint8Array(this.R);
    this.fibText = new Array<string>(this.R).fill('');
    this.seed = Uint32Array.from(topo.routers, (r) => Math.floor(rngs.stream(`ecmp:${r}`).random() * 2 ** 32));
    this.l4 = topo.hash_policy === 'l4';
    this.ingress = Int32Array.from(topo.ingress, (r) => index.get(r) ?? 0);
    const spfCfg = { delay_ms: topo.ospf.spf_delay_us / 1000, hold_ms: topo.ospf.spf_hold_us / 1000, max_hold_ms: topo.ospf.spf_max_hold_us / 1000 };
    this.throttle = topo.routers.map(() => newSpfThrottle(spfCfg));
    this.spfGen = new Int32Array(this.R);
    this.lsaLinks = this.names.map(() => []);
    this.lsaVip = this.names.map(() => []);
    this.latest = new Int32Array(N).fill(-1);
    this.view = new Int32Array(N * N).fill(-1);
    this.lastOrig = new Float64Array(N).fill(-Infinity);
    this.origPending = new Uint8Array(N);
    this.kDetect = engine.register(`net.detect${kindSuffix}`, (end, gen) => this.onDetect(end, gen));
    this.kAdjUp = engine.register(`net.adj_up${kindSuffix}`, (l, gen) => this.onAdjUp(l, gen));
    this.kOriginate = engine.register(`net.originate${kindSuffix}`, (n) => this.originateNow(n));
    this.kLsa = engine.register(`net.lsa${kindSuffix}`, (x, rec) => this.onLsa(x, rec));
    this.kSpf = engine.register(`net.spf${kindSuffix}`, (x, gen) => this.onSpf(x, gen));
    this.startConverged();
  }

  /** Fills the node-pair link index and marks the routers' ports on VRRP pairs' LANs. */
  private indexLinks(): void {
    const N = this.N;
    for (let l = 0; l < this.linkA.length; l++) {
      const a = this.linkA[l];
      const b = this.linkB[l];
      this.between[a * N + b] = l;
      this.between[b * N + a] = l;
      if (!this.aa && (a >= this.R || b >= this.R)) {
        // a router's port on a VRRP pair's LAN: no OSPF adjacency, noticed like a carrier loss
        this.lanPort[l] = 1;
        this.carrier[l] = 1;
        const r = a < this.R ? a : b;
        const d = (a < this.R ? b : a) - this.R;
        this.pairOfRouter[r] = d >> 1;
      }
    }
  }

  /** Each interface's timers run from its own phase: the run starts in a steady state. */
  private drawTimerPhases(rngs: RngStreams): void {
    const links = this.topo.links;
    const bfd = this.topo.bfd;
    for (let l = 0; l < links.length; l++) {
      for (let e = 0; e < 2; e++) {
        const rng = rngs.stream(`ospf:${this.linkNames[l]}:${e === 0 ? links[l].a : links[l].b}`);
        this.helloPhase[2 * l + e] = Math.floor(rng.random() * this.hello_us);
        if (bfd) this.bfdPhase[2 * l + e] = Math.floor(rng.random() * bfd.interval_us);
      }
    }
  }

  /** Converged at t = 0: every speaker's LSA is everywhere, every router has run its SPF. */
  private startConverged(): void {
    const N = this.N;
    for (let o = 0; o < N; o++) {
      if (!this.speaker[o]) continue;
      this.pushVersion(o);
      for (let x = 0; x < N; x++) if (this.speaker[x]) this.view[x * N + o] = 0;
    }
    for (let r = 0; r < this.R; r++) this.install(r, false);
  }

  /** The one-way latencies of the paths the initial routes use: worth a FIFO lane each. */
  initialPathLatencies(): number[] {
    const out = new Set<number>();
    const walk = (node: number, lat: number, depth: number): void => {
      if (out.size > 8 || depth > 16) return;
      if (node >= this.R) {
        out.add(lat);
        return;
      }
      if (this.fibConnected[node]) {
        for (let d = this.R; d < this.N; d++) {
          const l = this.between[node * this.N + d];
          if (l >= 0) out.add(lat + this.linkLat[l]);
        }
        return;
      }
      for (let i = 0; i < this.fibN[node]; i++) walk(this.fibNh[node * this.P + i], lat + this.linkLat[this.fibLink[node * this.P + i]], depth + 1);
    };
    for (const r of this.ingress) walk(r, 0, 0);
    return [...out].sort((x, y) => x - y);
  }

  // ---- the data path ------------------------------------------------------------------------

  /**
   * Forwards a packet of flow (src, sport) to the VIP from its ingress router: at each router the
   * FIB's next hops for the VIP, chosen by hash-threshold over a per-router seeded hash. Returns the
   * director it reaches (0..D-1), with the path's latency in pathLat_us, or -1 when the packet is lost.
   */
  route(src: number, sport: number, probe = false): number {
    const N = this.N;
    const R = this.R;
    const P = this.P;
    const m = probe ? this.probeM : this.m; // a health probe's path is counted apart (and dropped)
    let node = this.ingress.length === 1 ? this.ingress[0] : this.ingress[(Math.imul(src, 0x9e3779b1) >>> 0) % this.ingress.length];
    let lat = 0;
    for (let hops = 0; hops < 32; hops++) {
      if (node >= R) {
        this.pathLat_us = lat;
        return node - R;
      }
      if (!this.nodeAlive[node]) {
        // a dead router that its neighbours still route through
        m.blackholed++;
        m.routerBlackholed[node]++;
        return this.loss(node, 'blackholed:router_down');
      }
      m.routerRequests[node]++;
      let l: number;
      let next: number;
      if (this.fibConnected[node]) {
        const d = this.holders.holderOf(this.pairOfRouter[node]);
        l = d < 0 ? -1 : this.between[node * N + R + d];
        if (l < 0) {
          m.noRoute++;
          m.routerNoRoute[node]++;
          return this.loss(node, 'no_route');
        }
        next = R + d;
      } else {
        const n = this.fibN[node];
        if (n === 0) {
          m.noRoute++;
          m.routerNoRoute[node]++;
          return this.loss(node, 'no_route');
        }
        let i = 0;
        if (n > 1) {
          const h = this.l4 ? flowHashL4(src, VIP_ADDR, sport, VIP_PORT, 6, this.seed[node]) : flowHashL3(src, VIP_ADDR, this.seed[node]);
          const base = node * P;
          while (i < n - 1 && h > this.fibUb[base + i]) i++; // fib_select_multipath
        }
        l = this.fibLink[node * P + i];
        next = this.fibNh[node * P + i];
      }
      if (!this.linkAlive[l]) {
        m.blackholed++;
        m.routerBlackholed[node]++;
        return this.loss(node, `blackholed:${this.linkNames[l]}`);
      }
      lat += this.linkLat[l];
      node = next;
    }
    // a transient loop between routers with different LSDBs: the TTL runs out
    m.looped++;
    m.blackholed++;
    return this.loss(node, 'looped');
  }

  private loss(node: number, why: string): number {
    this.lossNode = node;
    this.lossWhy = why;
    return -1;
  }

  // ---- faults -----------------------------------------------------------------------------

  linkDown(l: number): void {
    if (!this.linkAlive[l]) return;
    this.linkAlive[l] = 0;
    for (let e = 0; e < 2; e++) this.endLost(l, e);
  }

  linkUp(l: number): void {
    if (this.linkAlive[l]) return;
    this.linkAlive[l] = 1;
    this.reform(l);
  }

  /** A node (router, or director in active_active) stops: power loss or crash. */
  nodeDown(n: number): void {
    if (!this.nodeAlive[n]) return;
    this.nodeAlive[n] = 0;
    if (n < this.R) this.spfGen[n]++;
    this.origPending[n] = 0;
    for (let l = 0; l < this.linkA.length; l++) {
      const e = this.linkA[l] === n ? 0 : this.linkB[l] === n ? 1 : -1;
      if (e < 0) continue;
      this.believe[2 * l + e] = 0;
      this.detectGen[2 * l + e]++;
      this.detectAt[2 * l + e] = Infinity;
      this.endLost(l, 1 - e);
    }
  }

  /** A node boots: empty LSDB and FIB; adjacencies form with the neighbours' next hellos. */
  nodeUp(n: number): void {
    if (this.nodeAlive[n]) return;
    const now = this.engine.now_us;
    this.nodeAlive[n] = 1;
    const N = this.N;
    for (let o = 0; o < N; o++) this.view[n * N + o] = -1;
    if (n < this.R) {
      this.fibN[n] = 0;
      this.fibConnected[n] = 0;
      this.fibText[n] = '';
      this.throttle[n] = newSpfThrottle(this.throttle[n].config);
    }
    this.lastOrig[n] = -Infinity;
    for (let l = 0; l < this.linkA.length; l++) {
      const e = this.linkA[l] === n ? 0 : this.linkB[l] === n ? 1 : -1;
      if (e < 0) continue;
      // the booting node says hello at once, then every hello_interval
      this.helloPhase[2 * l + e] = now % this.hello_us;
      if (this.topo.bfd) this.bfdPhase[2 * l + e] = now % this.topo.bfd.interval_us;
      if (this.lanPort[l]) {
        if (n < this.R && this.linkAlive[l]) this.believe[2 * l + e] = 1;
        continue;
      }
      this.believe[2 * l + e] = 0;
      this.reform(l);
    }
    if (this.speaker[n]) this.originate(n);
  }

  /** active_active: keepalived on director d removed (or added back) the VIP: ospfd re-announces. */
  setVip(d: number, up: boolean): void {
    const n = this.R + d;
    if (!this.aa || this.vipUp[n] === (up ? 1 : 0)) return;
    this.vipUp[n] = up ? 1 : 0;
    if (this.nodeAlive[n]) this.originate(n);
  }

  /** The end `e` of link `l` loses its neighbour: at once with carrier, else when hellos or BFD stop. */
  private endLost(l: number, e: number): void {
    const self = e === 0 ? this.linkA[l] : this.linkB[l];
    if (!this.nodeAlive[self]) return;
    const k = 2 * l + e;
    if (this.lanPort[l]) {
      if (self < this.R && this.believe[k]) this.beliefChange(l, e, false);
      return;
    }
    if (!this.speaker[self] || !this.believe[k] || this.detectAt[k] < Infinity) return;
    if (this.carrier[l]) {
      this.beliefChange(l, e, false);
      return;
    }
    const other = 2 * l + (1 - e);
    const bfd = this.topo.bfd ? { phase_us: this.bfdPhase[other], interval_us: this.topo.bfd.interval_us, multiplier: this.topo.bfd.multiplier } : null;
    const at = silentFailureDetected_us(this.engine.now_us, this.helloPhase[other], this.hello_us, this.dead_us, bfd);
    this.detectAt[k] = at;
    this.engine.at(Math.max(at, this.engine.now_us), this.kDetect, k, this.detectGen[k]);
  }

  private onDetect(k: number, gen: number): void {
    if (gen !== this.detectGen[k]) return;
    this.detectAt[k] = Infinity;
    const l = k >> 1;
    const e = k & 1;
    const other = e === 0 ? this.linkB[l] : this.linkA[l];
    if (this.linkAlive[l] && this.nodeAlive[other]) return; // it came back in time
    this.beliefChange(l, e, false);
  }

  /** A link usable again (link up, or a node at one end booted): the adjacency forms. */
  private reform(l: number): void {
    const a = this.linkA[l];
    const b = this.linkB[l];
    if (!this.linkAlive[l] || !this.nodeAlive[a] || !this.nodeAlive[b]) return;
    const now = this.engine.now_us;
    if (this.lanPort[l]) {
      const e = a < this.R ? 0 : 1;
      if (!this.believe[2 * l + e]) this.beliefChange(l, e, true);
      return;
    }
    // a flap shorter than the detection time goes unnoticed: the next hello restarts the dead timer
    for (let e = 0; e < 2; e++) {
      const k = 2 * l + e;
      if (this.detectAt[k] === Infinity) continue;
      const other = 2 * l + (1 - e);
      let heard = nextSendAtOrAfter_us(this.helloPhase[other], this.hello_us, now);
      if (this.topo.bfd) heard = Math.min(heard, nextSendAtOrAfter_us(this.bfdPhase[other], this.topo.bfd.interval_us, now));
      if (heard < this.detectAt[k]) {
        this.detectGen[k]++;
        this.detectAt[k] = Infinity;
      }
    }
    if (this.believe[2 * l] && this.believe[2 * l + 1]) return;
    // hello from each side, each listing the other: Full once both have spoken (RFC 2328 §10.5)
    const full = this.carrier[l]
      ? now
      : Math.max(nextSendAtOrAfter_us(this.helloPhase[2 * l], this.hello_us, now), nextSendAtOrAfter_us(this.helloPhase[2 * l + 1], this.hello_us, now));
    this.adjGen[l]++;
    this.engine.at(full, this.kAdjUp, l, this.adjGen[l]);
  }

  private onAdjUp(l: number, gen: number): void {
    if (gen !== this.adjGen[l]) return;
    const a = this.linkA[l];
    const b = this.linkB[l];
    if (!this.linkAlive[l] || !this.nodeAlive[a] || !this.nodeAlive[b]) return;
    for (let e = 0; e < 2; e++) if (!this.believe[2 * l + e]) this.beliefChange(l, e, true);
    this.resync();
  }

  private beliefChange(l: number, e: number, up: boolean): void {
    const now = this.engine.now_us;
    const self = e === 0 ? this.linkA[l] : this.linkB[l];
    this.believe[2 * l + e] = up ? 1 : 0;
    this.m.log(now, this.names[self], up ? 'adjacency up' : 'adjacency down', this.linkNames[l]);
    if (!up) this.m.detected(now);
    this.originate(self);
  }

  // ---- LSAs and SPF -------------------------------------------------------------------------

  private pushVersion(o: number): number {
    const L = this.linkA.length;
    const links = new Uint8Array(L);
    let vip = -1;
    for (let l = 0; l < L; l++) {
      const e = this.linkA[l] === o ? 0 : this.linkB[l] === o ? 1 : -1;
      if (e < 0 || !this.believe[2 * l + e]) continue;
      if (this.lanPort[l]) {
        const c = e === 0 ? this.costAB[l] : this.costBA[l];
        if (vip < 0 || c < vip) vip = c;
      } else links[l] = 1;
    }
    if (o >= this.R && this.vipUp[o]) vip = this.lvs.vip_cost;
    this.lsaLinks[o].push(links);
    this.lsaVip[o].push(vip);
    return ++this.latest[o];
  }

  /** Originates o's router-LSA now, or when MinLSInterval allows (one pending origination). */
  private originate(o: number): void {
    if (!this.nodeAlive[o] || !this.speaker[o] || this.origPending[o]) return;
    const at = this.lastOrig[o] + this.topo.ospf.lsa_min_interval_us;
    if (at > this.engine.now_us) {
      this.origPending[o] = 1;
      this.engine.at(at, this.kOriginate, o);
      return;
    }
    this.originateNow(o);
  }

  private originateNow(o: number): void {
    if (!this.nodeAlive[o]) return;
    this.origPending[o] = 0;
    this.lastOrig[o] = this.engine.now_us;
    const v = this.pushVersion(o);
    // flood over the live links, each router receiving it after the path's latency
    const dist = this.floodDistances(o);
    for (let x = 0; x < this.N; x++) {
      if (dist[x] === Infinity) continue;
      this.recO.push(o);
      this.recV.push(v);
      this.engine.schedule(dist[x], this.kLsa, x, this.recO.length - 1);
    }
  }

  /** Dijkstra by latency over live speakers and live OSPF links. */
  private floodDistances(src: number): Float64Array {
    const N = this.N;
    const dist = new Float64Array(N).fill(Infinity);
    const done = new Uint8Array(N);
    dist[src] = 0;
    for (;;) {
      let v = -1;
      for (let x = 0; x < N; x++) if (!done[x] && dist[x] < Infinity && (v < 0 || dist[x] < dist[v])) v = x;
      if (v < 0) break;
      done[v] = 1;
      for (let l = 0; l < this.linkA.length; l++) {
        if (this.lanPort[l] || !this.linkAlive[l]) continue;
        const w = this.linkA[l] === v ? this.linkB[l] : this.linkB[l] === v ? this.linkA[l] : -1;
        if (w < 0 || !this.nodeAlive[w] || !this.speaker[w]) continue;
        const d = dist[v] + this.linkLat[l];
        if (d < dist[w]) dist[w] = d;
      }
    }
    return dist;
  }

  /** After an adjacency forms, the two sides swap databases: whoever is connected gets the latest. */
  private resync(): void {
    const N = this.N;
    const comp = new Int32Array(N).fill(-1);
    for (let s = 0; s < N; s++) {
      if (comp[s] >= 0 || !this.nodeAlive[s] || !this.speaker[s]) continue;
      const dist = this.floodDistances(s);
      for (let x = 0; x < N; x++) if (dist[x] < Infinity) comp[x] = s;
    }
    for (let o = 0; o < N; o++) {
      const v = this.latest[o];
      if (v < 0) continue;
      for (let x = 0; x < N; x++) {
        if (comp[x] < 0 || this.view[x * N + o] >= v) continue;
        let has = false;
        for (let y = 0; y < N && !has; y++) has = comp[y] === comp[x] && (this.view[y * N + o] === v || (y === o && this.nodeAlive[o] === 1));
        if (!has) continue;
        this.recO.push(o);
        this.recV.push(v);
        this.engine.schedule(0, this.kLsa, x, this.recO.length - 1);
      }
    }
  }

  private onLsa(x: number, rec: number): void {
    if (!this.nodeAlive[x]) return;
    const o = this.recO[rec];
    const v = this.recV[rec];
    const k = x * this.N + o;
    if (this.view[k] >= v) return;
    this.view[k] = v;
    if (x >= this.R) return; // directors do not forward: their SPF does not matter here
    const delay = nextSpfDelay_us(this.throttle[x], this.engine.now_us);
    if (delay !== null) this.engine.schedule(delay, this.kSpf, x, this.spfGen[x]);
  }

  private onSpf(x: number, gen: number): void {
    if (gen !== this.spfGen[x] || !this.nodeAlive[x]) return;
    spfRan(this.throttle[x], this.engine.now_us);
    this.m.routerSpfRuns[x]++;
    this.install(x, true);
  }

  /** x's LSDB as an OspfTopology: links that both ends list (the two-way check), and VIP stubs. */
  private topologyAt(x: number): OspfTopology {
    const N = this.N;
    const routers: string[] = [];
    for (let o = 0; o < N; o++) if (this.view[x * N + o] >= 0) routers.push(this.names[o]);
    const links: OspfTopology['links'] = [];
    for (let l = 0; l < this.linkA.length; l++) {
      if (this.lanPort[l]) continue;
      const a = this.linkA[l];
      const b = this.linkB[l];
      const va = this.view[x * N + a];
      const vb = this.view[x * N + b];
      if (va < 0 || vb < 0 || !this.lsaLinks[a][va][l] || !this.lsaLinks[b][vb][l]) continue;
      links.push({ a: this.names[a], b: this.names[b], cost: this.costAB[l], reverse_cost: this.costBA[l] });
    }
    const stubs: OspfTopology['stubs'] = [];
    for (let o = 0; o < N; o++) {
      const v = this.view[x * N + o];
      if (v >= 0 && this.lsaVip[o][v] >= 0) stubs.push({ router: this.names[o], prefix: VIP_PREFIX, cost: this.lsaVip[o][v] });
    }
    return { routers, links, stubs };
  }

  /** Runs SPF at router x over its LSDB and installs the VIP's next hops. */
  private install(x: number, logChange: boolean): void {
    const t = this.topologyAt(x);
    const route = t.routers.includes(this.names[x]) ? spf(t, this.names[x], this.maxPaths)[VIP_PREFIX] : undefined;
    const P = this.P;
    let text: string;
    if (route === undefined) {
      this.fibN[x] = 0;
      this.fibConnected[x] = 0;
      text = 'vip unreachable';
    } else if (route.nextHops.length === 0) {
      this.fibN[x] = 0;
      this.fibConnected[x] = 1;
      text = 'vip connected';
    } else {
      const hops = route.nextHops.slice(0, P);
      const ub = upperBounds(hops.map(() => 1));
      hops.forEach((h, i) => {
        const nh = this.names.indexOf(h);
        this.fibNh[x * P + i] = nh;
        this.fibLink[x * P + i] = this.between[x * this.N + nh];
        this.fibUb[x * P + i] = ub[i];
      });
      this.fibN[x] = hops.length;
      this.fibConnected[x] = 0;
      text = `vip via ${hops.join(', ')}`;
    }
    if (text !== this.fibText[x]) {
      this.fibText[x] = text;
      if (logChange) {
        const now = this.engine.now_us;
        this.m.routerRouteChanges[x]++;
        this.m.log(now, this.names[x], 'route', text);
        this.m.converged(now);
      }
    }
  }

  /** The VIP route each router has now, as text (for the report). */
  routeText(r: number): string {
    return this.fibText[r];
  }

  linkIndex(name: string): number {
    const i = this.linkNames.indexOf(name);
    if (i >= 0) return i;
    return this.topo.links.findIndex((l) => `${l.b}-${l.a}` === name);
  }
}
