// LVS directors: the IPVS virtual service in front of the nginx instances (the real servers).
// Follows torvalds/linux net/netfilter/ipvs/: ip_vs_core.c (the scheduler runs for the first packet
// of a connection; ip_vs_leave answers ICMP port unreachable when no real server is available),
// ip_vs_conn.c (the connection table; an entry counts as active in ESTABLISHED, inactive after the
// client's FIN, and expires after its state's timeout: `ipvsadm --set tcp tcpfin`, 900 s / 120 s),
// ip_vs_xmit.c (DR: the director rewrites the MAC only, the reply goes from the real server to the
// client; NAT: it rewrites the address, so the reply must come back through it), ip_vs_sync.c
// (connection sync to the backup), and keepalived's ipwrapper.c / ipvswrapper.c (real servers are
// added one by one, each at the head of the kernel's list: IpvsService.fromAdds).
//
// Connections: each request is one TCP connection (HTTP/1.1 without keep-alive, like ab without
// -k), from the user's address and an ephemeral port derived from (user, attempt). The scheduler
// picks its nginx instance when the request reaches the director. An entry stays active until
// nginx answers, then inactive for tcp_fin; only lc and wlc look at the counts, so only they keep
// them (expiries in a FIFO per director, drained lazily). A crash or a clean stop loses the
// director's table; with `sync: true` the peer holds a copy of every entry made while it was up
// (ip_vs_sync sends an entry once it has seen 3 packets, as a request's SYN, ACK and data are).
//
// Losses, all counted (the user times out: the request is never answered): a packet that reaches a
// dead director (active_active before OSPF reconverges), one sent to the VIP's old holder during a
// VRRP failover or after a clean stop, a NAT reply without a live holder or without an entry, a
// request sent to (or held by) an nginx instance whose host died. With no real server left, IPVS
// refuses the connection (ICMP port unreachable): the user gets an error at once.
import { ColumnRing } from '../../engine/columns.js';
import type { Engine } from '../../engine/engine.js';
import type { FrontEndState } from './summary.js';
import type { RngStream, RngStreams } from '../../engine/rng.js';
import type { LvsConfig, NetworkTopology } from '../../scenario/network-types.js';
import { type Fault, faultTargetText } from '../../scenario/types.js';
import { unreachable } from '../../engine/assert.js';
import type { DirectorFault, FaultHandler, FrontFaultHandlers, NginxFault, RoutedLinkFault, RouterFault } from '../faults/injector.js';
import { HealthCheckers, type CheckedPool } from './healthcheck.js';
import { IpvsService, type IpvsFlow } from './ipvs.js';
import { NetMetrics } from './counters.js';
import { NetworkTier, type VipHolders } from './routers.js';
import type { Downstream } from '../nginx/nginx.js';
import { OUTCOME_ERROR, type RequestTable } from '../client/requests.js';
import type { TraceHook } from '../shared/trace-hook.js';
import type { FrontDoor } from '../client/users.js';
import { VRRP_MASTER, VrrpPairs } from './vrrp.js';
import { nginxName } from '../../scenario/topology.js';
import { check } from '../../engine/assert.js';
import { Port } from '../shared/port.js';

/** What the LVS tier needs of the users: addresses, attempts, and the way back to them. */
export interface UserSide {
  readonly ip: Uint32Array;
  readonly requestsSent: Uint16Array;
  readonly arrived: number;
  readonly total: number;
  respond(req: number, delay_us: number): void;
}

/** What the LVS tier takes from the rest of the scenario. */
export type LvsFrontSlice = {
  nginxInstances: number; // the real servers
  clientLatency_us: number; // users -> the ingress router (one way)
  patience_us: number; // how long after its last send a user may still wait for a request
  bin_us: number; // the report's time bin
  // with sites: the site's nginx instances (their global indices, in the site's order) and a
  // suffix for the event kinds of this site's front; absent, the real servers are nginx1..N
  site?: { realServers: readonly number[]; kindSuffix: string };
};

/** What it needs of nginx: to hand a request to a chosen instance. */
export interface RealServers {
  accept(req: number, delay_us: number, instance: number): void;
}

/** The GSLB's health probes come from 198.51.100.53 (TEST-NET-2). */
export const GSLB_PROBE_ADDR = 0xc6336435;

/** Linux ip_local_port_range 32768..60999; the port is a hash of (user, attempt). */
export function ephemeralPort(user: number, attempt: number): number {
  let h = Math.imul(user ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(attempt, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return 32768 + ((h >>> 0) % 28232);
}

// fields of a request's record
const R_DIR = 0; // director that scheduled it
const R_LIFE = 1; // that director's life then (its table is lost when the life changes)
const R_RS = 2; // nginx instance chosen
const R_SYNC = 3; // peer's life + 1 when the entry was synced to it, else 0
const R_DESTGEN = 4; // generation of the dest when bound (lc, wlc)
const R_PATH = 5; // user -> director latency, one way, µs
const R_EPOCH = 6; // the nginx instance's epoch when the request was handed to it
const R_PORT = 7; // source port
const R_STRIDE = 8;

export class LvsTier implements FrontDoor, Downstream, CheckedPool, VipHolders {
  readonly D: number;
  readonly K: number;
  readonly m: NetMetrics;
  readonly net: NetworkTier;
  readonly vrrp: VrrpPairs | null;
  readonly checks: HealthCheckers | null;
  readonly alive: Uint8Array; // the director's host
  readonly running: Uint8Array; // keepalived runs and its IPVS service exists
  private readonly life: Int32Array; // bumped whenever the director's connection table is lost
  private readonly svc: IpvsService[];
  private readonly destOf: Int32Array; // [d * K + k] dest index of nginx k in d's list, -1 if removed
  private readonly rsOfDest: Int32Array[]; // per director: dest index -> nginx k
  private readonly destGen: Int32Array; // [d * K + k] bumped when the dest is removed or added
  private readonly open: Float64Array; // per director: connections not yet answered (this life)
  private readonly openSynced: Float64Array; // of those, copied to the peer
  private readonly servingSince: Float64Array; // active_active: when the director last started serving, -1 if not
  readonly nginxAlive: Uint8Array;
  private readonly nginxEpoch: Int32Array;
  private readonly realServerIndex = new Map<string, number>(); // IPVS destination name -> nginx k
  /** Decide at send time when nothing can change before the arrival (see quiet). A run option: tests turn it off to show it changes nothing. */
  decideAtSend = true;
  private readonly flow: IpvsFlow = { saddr: 0, sport: 0 };
  private readonly trackConns: boolean;
  private readonly portNeeded: boolean;
  private readonly hashed: boolean; // sh: the scheduler needs the flow
  private readonly fastOk: boolean; // rr, wrr, sh: a decision depends on nothing that changes by itself
  private readonly pathConst: number; // user -> director latency when every path has the same, else -1
  private faultTimes = new Float64Array(0); // starts and ends of all faults, sorted
  private faultIdx = 0;
  private pendingArrivals = 0; // arrival events in flight
  private readonly aa: boolean;
  private readonly nat: boolean;
  private readonly lat_us: number;
  // per request slot, one interleaved record of R_STRIDE ints (one cache line: slots are many)
  private req = new Int32Array(1024 * R_STRIDE);
  // inactive-connection expiries (lc, wlc): FIFO per director of (time, d * K + k, life, destGen)
  private readonly exp = new ColumnRing({ at_us: Float64Array, dest: Int32Array, life: Int32Array, destGen: Int32Array }, 1024);
  private readonly kArrive: number;
  private readonly kNatReply: number;
  private readonly dirRng: RngStream[];
  trace: TraceHook | null = null;
  private readonly users = new Port<UserSide>('lvs -> users');
  private lastSend_us = 0;
  private readonly patience_us: number; // how long after its last send a request may still be waited for
  private readonly rsGlobal: Int32Array; // real server k -> its nginx instance's global index
  readonly rsNames: readonly string[]; // real server k's name

  constructor(
    private readonly engine: Engine,
    private readonly cfg: LvsConfig,
    topo: NetworkTopology,
    front: LvsFrontSlice,
    private readonly requests: RequestTable,
    private readonly nginx: RealServers,
    rngs: RngStreams,
  ) {
    this.D = cfg.directors.length;
    this.rsGlobal = Int32Array.from(front.site?.realServers ?? Array.from({ length: front.nginxInstances }, (_, k) => k));
    this.K = this.rsGlobal.length;
    this.rsNames = Array.from(this.rsGlobal, (g) => nginxName(g));
    const suffix = front.site?.kindSuffix ?? '';
    this.patience_us = front.patience_us;
    for (let k = 0; k < this.K; k++) this.realServerIndex.set(this.rsNames[k], k);
    this.m = new NetMetrics(front.bin_us, topo.routers.length, this.D, this.K);
    this.net = new NetworkTier(engine, topo, cfg, rngs, this.m, this, suffix);
    this.aa = cfg.mode === 'active_active';
    this.nat = cfg.forwarding === 'nat';
    this.lat_us = cfg.latency_us;
    this.trackConns = cfg.scheduler === 'lc' || cfg.scheduler === 'wlc';
    this.portNeeded = topo.hash_policy === 'l4' || (cfg.scheduler === 'sh' && cfg.sh_port);
    this.hashed = cfg.scheduler === 'sh';
    this.fastOk = cfg.scheduler === 'rr' || cfg.scheduler === 'wrr' || cfg.scheduler === 'sh';
    this.alive = new Uint8Array(this.D).fill(1);
    this.running = new Uint8Array(this.D).fill(1);
    this.life = new Int32Array(this.D);
    this.open = new Float64Array(this.D);
    this.openSynced = new Float64Array(this.D);
    this.servingSince = new Float64Array(this.D).fill(this.aa ? 0 : -1);
    this.destOf = new Int32Array(this.D * this.K);
    this.destGen = new Int32Array(this.D * this.K);
    this.svc = [];
    this.rsOfDest = [];
    for (let d = 0; d < this.D; d++) {
      this.svc.push(this.freshService());
      this.rsOfDest.push(new Int32Array(this.K));
      this.reindex(d);
    }
    this.nginxAlive = new Uint8Array(this.K).fill(1);
    this.nginxEpoch = new Int32Array(this.K);
    this.dirRng = cfg.directors.map((n) => rngs.stream(`lvs:${n}`));
    this.vrrp = this.aa ? null : new VrrpPairs(engine, cfg, rngs, this.m, suffix);
    this.checks = cfg.health_check ? new HealthCheckers(engine, cfg, cfg.health_check, rngs, this.m, this, this.rsNames, suffix) : null;
    this.kArrive = engine.register(`lvs.arrive${suffix}`, (req, d) => this.onArrive(req, d));
    this.kNatReply = engine.register(`lvs.nat_reply${suffix}`, (req) => this.onNatReply(req));
    // the fixed hops of the data path get FIFO lanes
    // (every lane costs a look on every event: only those the common path uses)
    const paths = this.net.initialPathLatencies();
    this.pathConst = paths.length === 1 ? front.clientLatency_us + paths[0] : -1;
    const decidedAtSend = this.pathConst >= 0 && this.fastOk;
    for (const p of paths) engine.declareFixedDelay(front.clientLatency_us + p);
    if (decidedAtSend) engine.declareFixedDelay(this.pathConst + cfg.latency_us);
    if (!decidedAtSend || this.nat) engine.declareFixedDelay(cfg.latency_us);
  }

  /** The reply path: the users, reached straight (DR) or back through the director (NAT). */
  connect(users: UserSide): void {
    this.users.bind(users);
  }

  /** keepalived's virtual_server: the real servers added in config order (each at the list head). */
  private freshService(): IpvsService {
    const dests = this.cfg.weights.map((weight, k) => ({ name: this.rsNames[k], weight }));
    return IpvsService.fromAdds(this.cfg.scheduler, dests, { port: this.cfg.sh_port, fallback: this.cfg.sh_fallback });
  }

  private reindex(d: number): void {
    const names = this.svc[d].dests.names;
    for (let k = 0; k < this.K; k++) this.destOf[d * this.K + k] = -1;
    const map = this.rsOfDest[d];
    names.forEach((n, i) => {
      const k = this.realServerIndex.get(n) ?? -1;
      check(k >= 0, () => `IPVS destination ${n} is not an nginx instance`);
      map[i] = k;
      this.destOf[d * this.K + k] = i;
    });
  }

  // ---- the data path ------------------------------------------------------------------------

  /** Users' FrontDoor: the request enters the network after the access latency. */
  accept(r: number, access_us: number): void {
    const rq = this.requests;
    if (r * R_STRIDE >= this.req.length) this.growRequests(rq.capacity);
    const users = this.users.to;
    this.lastSend_us = this.engine.now_us;
    const u = rq.user[r];
    const src = users.ip[u];
    // the source port matters only to L4 hashing and sh-port
    const sport = this.portNeeded ? ephemeralPort(u, users.requestsSent[u]) : 0;
    const d = this.net.route(src, sport);
    if (d < 0) {
      this.m.lost(this.engine.now_us);
      this.trace?.hop(r, 'router', this.net.names[this.net.lossNode], this.net.lossWhy);
      return;
    }
    const path = access_us + this.net.pathLat_us;
    const o = r * R_STRIDE;
    this.req[o + R_PATH] = path;
    this.req[o + R_PORT] = sport;
    const at = this.engine.now_us + path;
    if (this.quiet(at, path)) {
      this.decide(r, d, at, path);
      return;
    }
    this.pendingArrivals++;
    this.engine.schedule(path, this.kArrive, r, d);
  }

  /**
   * Would the director decide the same now as when the packet arrives at `at`? Yes if nothing it
   * looks at can change before then: no fault starts or ends, no VRRP takeover is due, no health
   * checker is at work (verdicts change the pool), the scheduler keeps no time-varying counts
   * (rr, wrr, sh; lc and wlc count connections closing meanwhile), and no earlier packet is still
   * on its way (with every path equally long, decisions then come in arrival order). Then the
   * arrival event is not needed: one event less per request, the same run.
   */
  private quiet(at: number, path: number): boolean {
    if (!this.decideAtSend || !this.fastOk || path !== this.pathConst || this.pendingArrivals > 0 || this.trace !== null) return false;
    const now = this.engine.now_us;
    const ft = this.faultTimes;
    while (this.faultIdx < ft.length && ft[this.faultIdx] < now) this.faultIdx++;
    if (this.faultIdx < ft.length && ft[this.faultIdx] <= at) return false;
    if (this.vrrp !== null && this.vrrp.nextTakeover_us() <= at) return false;
    return this.checks === null || this.checks.awakeCount === 0;
  }

  private onArrive(r: number, d: number): void {
    this.pendingArrivals--;
    this.decide(r, d, this.engine.now_us, 0);
  }

  /** The director's decision for the packet arriving at `now` (= the engine's now + `lead`). */
  private decide(r: number, d: number, now: number, lead: number): void {
    const m = this.m;
    if (!this.alive[d]) {
      // a dead director still in the routes (active_active), or the dead VRRP master
      if (this.aa) m.dirBlackholed[d]++;
      else m.dirLostOnFailover[d]++;
      m.lost(now);
      this.trace?.hop(r, 'lvs', this.cfg.directors[d], 'lost:director_down');
      return;
    }
    if (!this.running[d] || (this.vrrp !== null && this.vrrp.state[d] !== VRRP_MASTER)) {
      // keepalived took the VIP (and the IPVS service) away: the packet is dropped
      m.dirLostOnFailover[d]++;
      m.lost(now);
      this.trace?.hop(r, 'lvs', this.cfg.directors[d], 'lost:no_vip');
      return;
    }
    m.dirRequests[d]++;
    m.dirLoad.finished(d, now);
    const rq = this.requests;
    const req = this.req;
    const o = r * R_STRIDE;
    const svc = this.svc[d];
    if (this.trackConns) this.expire(now);
    if (this.hashed) {
      // sh hashes the client address (and port with sh-port)
      this.flow.saddr = this.users.to.ip[rq.user[r]];
      this.flow.sport = req[o + R_PORT];
    }
    const i = svc.schedule(this.flow);
    if (i < 0) {
      m.dirNoDest[d]++;
      this.trace?.hop(r, 'lvs', this.cfg.directors[d], 'refused:no_real_server', OUTCOME_ERROR);
      rq.status[r] = OUTCOME_ERROR;
      this.users.to.respond(r, lead + req[o + R_PATH]);
      return;
    }
    const k = this.rsOfDest[d][i];
    req[o + R_DIR] = d;
    req[o + R_LIFE] = this.life[d];
    req[o + R_RS] = k;
    req[o + R_SYNC] = 0;
    if (this.trackConns) {
      svc.bind(i);
      req[o + R_DESTGEN] = this.destGen[d * this.K + k];
    }
    this.open[d]++;
    m.dirPerRs[d * this.K + k]++;
    if (this.cfg.sync && this.vrrp !== null) {
      const p = d ^ 1;
      if (this.alive[p] && this.running[p]) {
        req[o + R_SYNC] = this.life[p] + 1;
        this.openSynced[d]++;
        const j = this.destOf[p * this.K + k];
        if (this.trackConns && j >= 0) this.svc[p].bind(j);
      }
    }
    this.trace?.hop(r, 'lvs', this.cfg.directors[d], `schedule:${this.rsNames[k]}`);
    if (!this.nginxAlive[k]) {
      // the SYN goes to a dead host: nobody answers
      m.nginxLost[k]++;
      m.lost(now);
      this.trace?.hop(r, 'nginx', this.rsNames[k], 'lost:host_down');
      return;
    }
    req[o + R_EPOCH] = this.nginxEpoch[k];
    this.nginx.accept(r, lead + this.lat_us, this.rsGlobal[k]);
  }

  /** nginx's Downstream: its answer (or its 502/504) leaves nginx instance rq.nginx[r]. */
  respond(r: number, _delay_us: number): void {
    const req = this.req;
    const o = r * R_STRIDE;
    const k = req[o + R_RS];
    const now = this.engine.now_us;
    if (this.nginxEpoch[k] !== req[o + R_EPOCH]) {
      // the instance died with the connection open: the user never hears back
      this.m.nginxLost[k]++;
      this.m.lost(now);
      this.trace?.hop(r, 'nginx', this.rsNames[k], 'lost:host_down');
      return;
    }
    const d = req[o + R_DIR];
    const sync = req[o + R_SYNC];
    if (req[o + R_LIFE] === this.life[d]) {
      this.open[d]--;
      if (sync > 0) this.openSynced[d]--;
      if (this.trackConns) this.closeConn(d, k, r);
    }
    if (this.trackConns && sync > 0 && sync === this.life[d ^ 1] + 1) this.closeConn(d ^ 1, k, r);
    // DR: straight to the user. DR needs the real servers on the director's LAN (only the MAC is
    // rewritten), so the reply leaves through the same routers: the request's path, backwards.
    if (this.nat) this.engine.schedule(this.lat_us, this.kNatReply, r);
    else this.users.to.respond(r, req[o + R_PATH]);
  }

  /** NAT: the reply reaches the holder of the pair's (internal) VIP, which needs the entry. */
  private onNatReply(r: number): void {
    const m = this.m;
    const o = r * R_STRIDE;
    const d0 = this.req[o + R_DIR];
    const vrrp = this.vrrp;
    check(vrrp !== null, () => 'a NAT reply without VRRP pairs (NAT needs active_backup)');
    const h = vrrp.holder[d0 >> 1];
    const live = h >= 0 && this.alive[h] && this.running[h] && vrrp.state[h] === VRRP_MASTER;
    const hasEntry = live && ((h === d0 && this.req[o + R_LIFE] === this.life[h]) || (h === (d0 ^ 1) && this.req[o + R_SYNC] === this.life[h] + 1));
    const who = this.cfg.directors[h >= 0 ? h : d0];
    if (!hasEntry) {
      m.dirLostOnFailover[h >= 0 ? h : d0]++;
      m.lost(this.engine.now_us);
      this.trace?.hop(r, 'lvs', who, live ? 'lost:reply_without_entry' : 'lost:reply_no_holder');
      return;
    }
    this.trace?.hop(r, 'lvs', who, 'nat_reply');
    this.users.to.respond(r, this.req[o + R_PATH]);
  }

  /** The client's FIN: the entry turns inactive and expires tcp_fin later. */
  private closeConn(d: number, k: number, r: number): void {
    const di = d * this.K + k;
    if (this.destGen[di] !== this.req[r * R_STRIDE + R_DESTGEN] && d === this.req[r * R_STRIDE + R_DIR]) return;
    const i = this.destOf[di];
    if (i < 0) return;
    this.svc[d].deactivate(i);
    const j = this.exp.pushSlot();
    const e = this.exp.cols;
    e.at_us[j] = this.engine.now_us + this.cfg.timeouts.tcp_fin_us;
    e.dest[j] = di;
    e.life[j] = this.life[d];
    e.destGen[j] = this.destGen[di];
  }

  /** ip_vs_conn_expire for the entries whose FIN_WAIT timeout has passed. */
  private expire(now: number): void {
    const exp = this.exp;
    const e = exp.cols; // unbinding arms no expiry, so these stay current
    while (exp.size > 0 && e.at_us[exp.head] <= now) {
      const h = exp.head;
      const di = e.dest[h];
      const d = Math.floor(di / this.K);
      if (e.life[h] === this.life[d] && e.destGen[h] === this.destGen[di]) {
        const i = this.destOf[di];
        if (i >= 0) this.svc[d].unbind(i, false);
      }
      exp.drop();
    }
  }

  private growRequests(capacity: number): void {
    let n = this.req.length / R_STRIDE;
    while (n <= capacity) n *= 2;
    const b = new Int32Array(n * R_STRIDE);
    b.set(this.req);
    this.req = b;
  }

  /**
   * Would a health probe to the VIP be answered now? It enters at an ingress router like a user's
   * packet (from the GSLB's own address, so along one path), and needs a live director holding the
   * VIP whose IPVS service has a live real server. Counts nothing.
   */
  reachable(): boolean {
    const d = this.net.route(GSLB_PROBE_ADDR, 0, true);
    if (d < 0 || !this.alive[d] || !this.running[d] || (this.vrrp !== null && this.vrrp.state[d] !== VRRP_MASTER)) return false;
    for (let k = 0; k < this.K; k++) if (this.destOf[d * this.K + k] >= 0 && this.nginxAlive[k]) return true;
    return false;
  }

  // ---- VipHolders, CheckedPool ------------------------------------------------------------------

  holderOf(pair: number): number {
    return this.vrrp === null ? -1 : this.vrrp.holder[pair];
  }

  rsAlive(k: number): boolean {
    return this.nginxAlive[k] === 1;
  }

  /** Users still arriving, or requests a user may still wait for (bounded, so every run ends). */
  busy(): boolean {
    const u = this.users.to;
    if (u.arrived < u.total) return true;
    return this.requests.live > 0 && this.engine.now_us < this.lastSend_us + this.patience_us;
  }

  rsVerdict(d: number, k: number, up: boolean): void {
    const svc = this.svc[d];
    const name = this.rsNames[k];
    const di = d * this.K + k;
    if (up) {
      if (this.destOf[di] >= 0) return;
      svc.addDest({ name, weight: this.cfg.weights[k] });
    } else {
      if (this.destOf[di] < 0) return;
      svc.removeDest(name); // sh rebuilds its table (ip_vs_sh_del_dest)
      this.m.dirRsRemoved[d]++;
    }
    this.destGen[di]++;
    this.reindex(d);
  }

  // ---- faults -----------------------------------------------------------------------------

  /** active_active: director d stops (or starts) announcing and serving the VIP. */
  private serving(d: number, on: boolean): void {
    if (!this.aa) return;
    const now = this.engine.now_us;
    if (on) {
      if (this.servingSince[d] < 0) this.servingSince[d] = now;
      return;
    }
    if (this.servingSince[d] >= 0) this.m.vip.push({ pair: -1, director: this.cfg.directors[d], from_us: this.servingSince[d], to_us: now });
    this.servingSince[d] = -1;
  }

  /** The director's table is gone: count the open connections the peer did not get. */
  private loseTable(d: number): number {
    const lost = this.open[d] - this.openSynced[d];
    this.m.dirConnectionsLost[d] += lost;
    this.open[d] = 0;
    this.openSynced[d] = 0;
    this.life[d]++;
    return lost;
  }

  killDirector(d: number): string {
    if (!this.alive[d]) return 'already down';
    this.alive[d] = 0;
    const wasRunning = this.running[d] === 1;
    this.running[d] = 0;
    const lost = this.loseTable(d);
    this.serving(d, false);
    this.checks?.directorDown(d);
    if (this.aa) this.net.nodeDown(this.net.R + d);
    else if (wasRunning) this.vrrp?.crash(d);
    return `${lost} open connections lost`;
  }

  stopDirector(d: number): string {
    if (!this.alive[d] || !this.running[d]) return 'not running';
    this.running[d] = 0;
    const lost = this.loseTable(d);
    this.serving(d, false);
    this.checks?.directorDown(d);
    if (this.aa) this.net.setVip(d, false);
    else this.vrrp?.stop(d);
    return `keepalived stopped (VIP released), ${lost} open connections lost`;
  }

  recoverDirector(d: number): string {
    if (this.alive[d] && this.running[d]) return 'already running';
    const booted = !this.alive[d];
    this.alive[d] = 1;
    this.running[d] = 1;
    this.life[d]++;
    this.svc[d] = this.freshService();
    for (let k = 0; k < this.K; k++) this.destGen[d * this.K + k]++;
    this.reindex(d);
    const rng = this.dirRng[d];
    this.checks?.directorUp(d, () => rng.random());
    this.serving(d, true);
    if (this.aa) {
      if (booted) this.net.nodeUp(this.net.R + d);
      this.net.setVip(d, true);
    } else this.vrrp?.start(d);
    return booted ? 'booted, keepalived started' : 'keepalived started';
  }

  killNginx(k: number): string {
    if (!this.nginxAlive[k]) return 'already down';
    this.nginxAlive[k] = 0;
    this.nginxEpoch[k]++;
    this.checks?.rsChanged(k);
    return 'host down: its connections hang';
  }

  recoverNginx(k: number): string {
    if (this.nginxAlive[k]) return 'already up';
    this.nginxAlive[k] = 1;
    this.checks?.rsChanged(k);
    return 'up again';
  }

  /** Notes when faults start and end: the director decides at send time only between them. */
  noteFaultTimes(schedule: readonly Fault[]): void {
    const times: number[] = [];
    for (const f of schedule) {
      times.push(f.at_us);
      if (f.for_us > 0 || f.action === 'restart') times.push(f.at_us + f.for_us);
    }
    this.faultTimes = Float64Array.from(times.sort((a, b) => a - b));
  }

  /** How routers, routed links, directors and nginx instances take their faults. */
  faultHandlers(): FrontFaultHandlers {
    const m = this.m;
    const now = () => this.engine.now_us;
    // every fault of the network in front goes into its timeline too
    const logged = <F extends Fault>(apply: (f: F, i: number) => string, end: (f: F, i: number) => string): FaultHandler<F> => ({
      applyFault: (f, i) => {
        const target = faultTargetText(f);
        m.faultApplied(now(), f.action, target);
        m.log(now(), target, f.action, 'fault');
        return apply(f, i);
      },
      endFault: (f, i) => {
        const target = faultTargetText(f);
        m.faultApplied(now(), `${f.action} ends`, target);
        m.log(now(), target, `${f.action} ends`, 'fault');
        return end(f, i);
      },
    });
    return {
      router: logged<RouterFault>((f, r) => this.routerFault(r, f.action === 'recover'), (f, r) => this.routerFault(r, f.action === 'kill')),
      routedLink: logged<RoutedLinkFault>((f, l) => this.linkFault(l, f.action === 'up'), (f, l) => this.linkFault(l, f.action === 'down')),
      director: logged<DirectorFault>((f, d) => this.directorFault(f, d), (f, d) => this.directorFaultEnds(f, d)),
      nginx: logged<NginxFault>(
        (f, k) => (f.action === 'kill' ? this.killNginx(k) : this.recoverNginx(k)),
        (f, k) => (f.action === 'kill' ? this.recoverNginx(k) : `${f.action} does not apply to ${f.target}`),
      ),
    };
  }

  // a router's `recover`, or the end of its `kill`, boots it; the reverse takes it down
  private routerFault(r: number, up: boolean): string {
    if (up) this.net.nodeUp(r);
    else this.net.nodeDown(r);
    return up ? 'booted: adjacencies form with the next hellos' : 'router down: silent until its neighbours notice';
  }

  private linkFault(l: number, up: boolean): string {
    if (up) this.net.linkUp(l);
    else this.net.linkDown(l);
    return up ? 'link up' : 'link down';
  }

  private directorFault(f: DirectorFault, d: number): string {
    switch (f.action) {
      case 'kill':
        return this.killDirector(d);
      case 'stop':
        return this.stopDirector(d);
      case 'recover':
        return this.recoverDirector(d);
      default:
        return unreachable(f);
    }
  }

  private directorFaultEnds(f: DirectorFault, d: number): string {
    switch (f.action) {
      case 'kill':
      case 'stop':
        return this.recoverDirector(d);
      case 'recover':
        return `${f.action} does not apply to ${f.target}`;
      default:
        return unreachable(f);
    }
  }

  /** Closes the open intervals and hands the end state to the summary. */
  finish(end_us: number): FrontEndState {
    this.vrrp?.finish(end_us);
    for (let d = 0; d < this.D; d++) {
      if (this.aa && this.servingSince[d] >= 0) this.m.vip.push({ pair: -1, director: this.cfg.directors[d], from_us: this.servingSince[d], to_us: end_us });
    }
    const state = (d: number): string => {
      if (!this.alive[d]) return 'DOWN';
      if (!this.running[d]) return 'STOPPED';
      if (this.vrrp === null) return 'ACTIVE';
      return this.vrrp.state[d] === VRRP_MASTER ? 'MASTER' : 'BACKUP';
    };
    return {
      m: this.m,
      routerAlive: this.net.nodeAlive.subarray(0, this.net.R),
      routeText: Array.from({ length: this.net.R }, (_, r) => this.net.routeText(r)),
      directorAlive: this.alive,
      directorState: Array.from({ length: this.D }, (_, d) => state(d)),
      nginxAlive: this.nginxAlive,
    };
  }

}
