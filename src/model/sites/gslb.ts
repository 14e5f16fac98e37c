// The GSLB in front of the sites, and the users' DNS caches.
//
// The GSLB health-checks every site each `interval` (the first check one interval after the start)
// and answers DNS queries with one site, picked at random in proportion to the sites' weights among
// those it currently hands out, as PowerDNS's LUA records do with `ifportup`/`ifurlup` and the
// `pickwrandom` selector (a BIG-IP DNS pool with ratio load balancing behaves alike). A site leaves
// the answers after `fall` failed checks in a row and comes back after `rise` good ones, as
// HAProxy's fall/rise count (PowerDNS's minimumFailures is the same fall; it has no rise). A check
// fails when the site is dead or has no live app server (an HTTP check through its nginx gets a
// 502), or, with the site's own front, when a probe of its VIP (routed from the GSLB's address as a
// user's packet is) reaches no live director holding the VIP with a live nginx behind it; it is
// taken to fail at once, not after a timeout. Weight-0 sites are standbys: answered only
// when no weighted site is. When no site passes its checks, every site is answered by weight, as
// PowerDNS's backupSelector does: a GSLB never answers with nothing.
//
// Each user caches the answer for its TTL, as a stub or recursive resolver does, and asks again
// at its first request after the TTL has run out; until then it keeps reaching the site it was
// given, dead or not. One cache per user (the model's users do not share a resolver).
import type { Engine } from '../../engine/engine.js';
import type { RngStream } from '../../engine/rng.js';
import type { Sites } from '../../scenario/types.js';
import type { SiteCounters } from './counters.js';

export class Gslb {
  readonly inDns: Uint8Array; // per site: handed out in answers now
  private readonly fails: Int32Array; // failed checks in a row
  private readonly goods: Int32Array; // good checks in a row
  private readonly weight: Float64Array;
  private readonly cached: Int16Array; // per user: the site of its cached answer, -1 none
  private readonly expires_us: Float64Array; // per user: when that answer's TTL runs out
  private readonly kCheck: number;
  private readonly picks: Float64Array; // scratch: the weights of this answer's candidates

  constructor(
    private readonly engine: Engine,
    private readonly cfg: Sites,
    users: number,
    private readonly counters: SiteCounters,
    private readonly rng: RngStream, // the `dns` stream: answers only
    private readonly healthy: (site: number) => boolean,
  ) {
    const n = cfg.list.length;
    this.inDns = new Uint8Array(n).fill(1);
    this.fails = new Int32Array(n);
    this.goods = new Int32Array(n);
    this.weight = Float64Array.from(cfg.list, (s) => s.weight);
    this.picks = new Float64Array(n);
    this.cached = new Int16Array(users).fill(-1);
    this.expires_us = new Float64Array(users);
    this.kCheck = engine.register('gslb.check', () => this.check());
  }

  private keepChecking: () => boolean = () => false;

  /** Starts the checks; they go on while `keepChecking` says something can still happen (so the run ends). */
  start(keepChecking: () => boolean): void {
    this.keepChecking = keepChecking;
    this.engine.at(this.cfg.gslb.interval_us, this.kCheck, 0);
  }

  /** The site user `u` reaches now: its cached answer, or a fresh one once the TTL has run out. */
  siteFor(u: number, now_us: number): number {
    const had = this.cached[u];
    if (had >= 0 && now_us < this.expires_us[u]) return had;
    const site = this.answer();
    if (had >= 0 && had !== site) this.counters.moved[had]++;
    this.cached[u] = site;
    this.expires_us[u] = now_us + this.cfg.gslb.ttl_us;
    const c = this.counters;
    c.answers[site]++;
    c.cachedDelta[site].add(c.bin(now_us), 1);
    c.cachedDelta[site].add(c.bin(this.expires_us[u]), -1);
    return site;
  }

  /** One DNS answer: a weighted draw among the sites handed out (see the head of this file). */
  answer(): number {
    const n = this.inDns.length;
    let total = 0;
    for (let s = 0; s < n; s++) total += this.picks[s] = this.inDns[s] ? this.weight[s] : 0;
    if (total === 0) for (let s = 0; s < n; s++) total += this.picks[s] = this.inDns[s]; // standbys, equally
    if (total === 0) for (let s = 0; s < n; s++) total += this.picks[s] = this.weight[s]; // none passes: all
    let x = this.rng.random() * total;
    for (let s = 0; s < n; s++) {
      x -= this.picks[s];
      if (x < 0 && this.picks[s] > 0) return s;
    }
    for (let s = n - 1; s >= 0; s--) if (this.picks[s] > 0) return s; // rounding at the top end
    return 0;
  }

  private check(): void {
    const c = this.counters;
    const g = this.cfg.gslb;
    const now = this.engine.now_us;
    for (let s = 0; s < this.inDns.length; s++) {
      c.checks[s]++;
      if (this.healthy(s)) {
        this.fails[s] = 0;
        this.goods[s]++;
        if (!this.inDns[s] && this.goods[s] >= g.rise) {
          this.inDns[s] = 1;
          c.timeline.push({ at_us: now, site: s, event: 'restored', detail: `${g.rise} good checks in a row: handed out again` });
        }
      } else {
        c.checksFailed[s]++;
        this.goods[s] = 0;
        this.fails[s]++;
        if (this.inDns[s] && this.fails[s] >= g.fall) {
          this.inDns[s] = 0;
          c.timeline.push({ at_us: now, site: s, event: 'removed', detail: `${g.fall} failed checks in a row: no longer handed out` });
        }
      }
    }
    if (this.keepChecking()) this.engine.schedule(g.interval_us, this.kCheck, 0);
  }
}
