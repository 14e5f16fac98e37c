// The data centres between the users and the nginx tier. Each user's request goes to the site its
// DNS answer names (./gslb.ts), to one of that site's nginx instances (a hash of the client
// address, as without sites; with the sites' own fronts, through the site's routers and LVS
// directors instead: ./fronts.ts); each nginx instance proxies only to its own site's app servers
// (Topology.upstreamOf). A site killed as a whole goes dark: its app servers (and Redis, if it
// runs there) die, requests sent to it vanish (no SYN-ACK: the user waits out its timeout), and
// answers still inside it never leave. Recovered, its processes start again, nginx with fresh
// upstream state (no peer still marked failed from the crash); a site's front goes dark and boots with it.
import { unreachable } from '../../engine/assert.js';
import type { Engine } from '../../engine/engine.js';
import type { Topology } from '../../scenario/topology.js';
import type { Sites } from '../../scenario/types.js';
import type { AppFault, FaultHandler, RedisFault, SiteFault } from '../faults/injector.js';
import type { FaultOf } from '../../scenario/types.js';
import type { FrontDoor } from '../client/users.js';
import type { RequestTable } from '../client/requests.js';
import type { Downstream } from '../nginx/nginx.js';
import { Port } from '../shared/port.js';
import type { SiteCounters } from './counters.js';
import type { Gslb } from './gslb.js';
import type { SiteFronts } from './fronts.js';



/** What the sites need of the nginx tier: a request handed to a chosen instance. */
export interface SiteNginx {
  accept(req: number, delay_us: number, instance: number): void;
  /** The instance starts again with fresh upstream state. */
  restart(instance: number): void;
}

/** A tier whose processes a site's fault kills and recovers. */
export type SiteProcesses = {
  app: FaultHandler<AppFault> & { readonly alive: Uint8Array };
  redis: FaultHandler<RedisFault> & { siteFault?(s: number, dark: boolean): string[] };
};

export class SiteTier implements FrontDoor, Downstream, FaultHandler<SiteFault> {
  readonly alive: Uint8Array; // per site
  private readonly nginxOf: Int32Array[]; // per site: its nginx instances
  private readonly appsOf: Int32Array[]; // per site: its app servers
  private readonly siteOfNginx: Int32Array;
  private readonly redisSite: number;
  readonly lastSite: Int16Array; // per user: the site of its last request
  readonly lastLost: Uint8Array; // per user: its last request went to a dead site, or its answer died there
  private readonly users = new Port<Downstream>('sites -> users');
  gslb: Gslb | null = null;
  fronts: SiteFronts | null = null; // each site's routers and directors, when the sites have them
  lastSend_us = 0; // when a user last sent a request

  constructor(
    private readonly engine: Engine,
    private readonly topology: Topology,
    cfg: Sites,
    private readonly requests: RequestTable,
    private readonly clientIp: Uint32Array,
    private readonly nginx: SiteNginx,
    private readonly processes: SiteProcesses,
    readonly counters: SiteCounters,
  ) {
    const n = cfg.list.length;
    this.alive = new Uint8Array(n).fill(1);
    this.siteOfNginx = Int32Array.from(topology.nginx, (x) => topology.siteOf(x));
    this.nginxOf = Array.from({ length: n }, (_, s) => Int32Array.from(topology.nginx.filter((x) => topology.siteOf(x) === s), (x) => x.index));
    this.appsOf = Array.from({ length: n }, (_, s) => Int32Array.from(topology.apps.filter((x) => topology.siteOf(x) === s), (x) => x.index));
    this.redisSite = topology.siteOf(topology.redis);
    this.lastSite = new Int16Array(clientIp.length).fill(-1);
    this.lastLost = new Uint8Array(clientIp.length);
  }

  /** The reply path: the users. */
  connect(users: Downstream): void {
    this.users.bind(users);
  }

  /** Does the site pass a health check now: alive, its VIP reachable through its front, a live app server? */
  healthy(s: number): boolean {
    if (!this.alive[s]) return false;
    if (this.fronts !== null && !this.fronts.reachable(s)) return false;
    const apps = this.appsOf[s];
    for (let i = 0; i < apps.length; i++) if (this.processes.app.alive[apps[i]]) return true;
    return false;
  }

  /** A user's request: to the site its DNS answer names, then to one of that site's nginx instances. */
  accept(r: number, delay_us: number): void {
    const rq = this.requests;
    const u = rq.user[r];
    const now = this.engine.now_us;
    const s = this.gslb === null ? 0 : this.gslb.siteFor(u, now);
    this.lastSend_us = now;
    const c = this.counters;
    c.requests[s]++;
    c.requestBins[s].add(c.bin(now), 1);
    this.lastSite[u] = s;
    if (!this.alive[s]) {
      // nothing answers the SYN: the user waits out its timeout, and the slot is freed then
      c.lost[s]++;
      c.lostBins[s].add(c.bin(now), 1);
      this.lastLost[u] = 1;
      rq.lost[r] = 1;
      return;
    }
    this.lastLost[u] = 0;
    if (this.fronts !== null) {
      this.fronts.accept(s, r, delay_us); // the site's VIP: in at its ingress routers
      return;
    }
    const nginx = this.nginxOf[s];
    const inst = nginx.length > 1 ? nginx[this.clientIp[u] % nginx.length] : nginx[0];
    this.nginx.accept(r, delay_us, inst);
  }

  /** nginx answers: the answer reaches the user unless its site has died meanwhile. */
  respond(r: number, delay_us: number): void {
    const s = this.siteOfNginx[this.requests.nginx[r]];
    if (this.alive[s]) {
      if (this.fronts !== null) this.fronts.respond(s, r, delay_us);
      else this.users.to.respond(r, delay_us);
      return;
    }
    const rq = this.requests;
    const c = this.counters;
    c.answersLost[s]++;
    c.lostBins[s].add(c.bin(this.engine.now_us), 1);
    this.lastLost[rq.user[r]] = 1;
    if (rq.abandoned[r]) rq.unhold(r); // the user stopped waiting already: nobody else refers to it
    else rq.lost[r] = 1; // the user's timeout frees it
  }

  applyFault(f: SiteFault, s: number): string {
    switch (f.action) {
      case 'kill':
        return this.kill(f, s);
      case 'recover':
        return this.recover(f, s);
      default:
        return unreachable(f);
    }
  }

  endFault(f: SiteFault, s: number): string | null {
    switch (f.action) {
      case 'kill': // a kill with `for`
        return this.recover({ ...f, action: 'recover' }, s);
      case 'recover':
        return null;
      default:
        return unreachable(f);
    }
  }

  private kill(f: FaultOf<'kill'>, s: number): string {
    if (!this.alive[s]) return 'already dark';
    this.alive[s] = 0;
    const parts = this.eachProcess(s, (i, name) => this.processes.app.applyFault({ ...f, target: name }, i), (name) => this.processes.redis.applyFault({ ...f, target: name }, 0));
    parts.push(...(this.processes.redis.siteFault?.(s, true) ?? [])); // its replicas, and the Sentinels on them
    if (this.fronts !== null) parts.push(this.fronts.siteDown(s));
    this.counters.timeline.push({ at_us: this.engine.now_us, site: s, event: 'down', detail: 'the site goes dark' });
    return `dark: ${parts.join('; ')}`;
  }

  private recover(f: FaultOf<'recover'>, s: number): string {
    if (this.alive[s]) return 'already up';
    this.alive[s] = 1;
    for (const k of this.nginxOf[s]) this.nginx.restart(k);
    const parts = this.eachProcess(s, (i, name) => this.processes.app.applyFault({ ...f, target: name }, i), (name) => this.processes.redis.applyFault({ ...f, target: name }, 0));
    parts.push(...(this.processes.redis.siteFault?.(s, false) ?? []));
    if (this.fronts !== null) parts.push(this.fronts.siteUp(s));
    this.counters.timeline.push({ at_us: this.engine.now_us, site: s, event: 'up', detail: 'the site is back' });
    return `back: ${parts.join('; ')}`;
  }

  /** Applies `app` to each app server of site s and `redis` to Redis if it runs there; their details, named. */
  private eachProcess(s: number, app: (i: number, name: string) => string, redis: (name: string) => string): string[] {
    const t = this.topology;
    const out = Array.from(this.appsOf[s], (i) => `${t.apps[i].name} ${app(i, t.apps[i].name)}`);
    if (this.redisSite === s) out.push(`${t.redis.name} ${redis(t.redis.name)}`);
    return out;
  }
}
