// keepalived VRRP, dynamic part: one VRRP instance per pair of LVS directors (lvs1+lvs2, lvs3+lvs4,
// ...), each holding the pair's VIP in turn. Follows acassen/keepalived keepalived/vrrp/vrrp.c
// (vrrp_state_backup: a priority-0 advert sets the down timer to Skew_Time; a lower-priority
// advert is ignored when preempting, else it restarts the timer; vrrp_init_state: an instance
// configured `state MASTER` that is not the address owner starts as backup with a down timer of
// advert_int + VRRP_TIMER_SKEW_MIN, one configured `state BACKUP` with 3 x advert_int + skew) and
// RFC 3768 / RFC 5798 §6.4. Timer values come from ./keepalived.ts (integer µs, as keepalived).
//
// Adverts are periodic, so instead of one event per advert the master's advert phase is kept and
// the backup's down timer is computed when something changes: a crash is noticed master-down after
// the last advert sent before it. The run starts converged: the higher priority of each pair is
// master (the first on a tie), its adverts at a phase drawn from the stream `vrrp:<director>`.
// The first director of a pair is configured `state MASTER`, the second `state BACKUP`.
// Adverts and gratuitous ARPs cross the pair's LAN in no time; the routers' ARP entry for the VIP
// follows the last master's GARP.
import type { Engine } from '../../engine/engine.js';
import type { RngStreams } from '../../engine/rng.js';
import type { LvsConfig } from '../../scenario/network-types.js';
import { TIMER_HZ, TIMER_CENTI_HZ, masterDown_us, vrrpSkew_us } from './keepalived.js';
import type { NetMetrics } from './counters.js';
import { lastSendBefore_us } from './routers.js';

export const VRRP_DOWN = 0; // crashed or keepalived stopped (FAULT / not running)
export const VRRP_BACKUP = 1;
export const VRRP_MASTER = 2;

/** VRRP_TIMER_SKEW_MIN (keepalived include/vrrp.h): the skew of priority 255. */
export function vrrpSkewMin_us(advertInt_us: number, version: 2 | 3): number {
  return version === 3 ? Math.floor((Math.floor(advertInt_us / TIMER_CENTI_HZ) * 625) / 16) : Math.floor(TIMER_HZ / 256);
}

export class VrrpPairs {
  readonly state: Uint8Array;
  readonly priority: Int32Array;
  /** Per pair: the director the routers' ARP entry for the VIP points to, -1 if none yet. */
  readonly holder: Int32Array;
  private readonly advertBase: Float64Array; // when the director's adverts as master are phased from
  private readonly gen: Int32Array; // bumped to cancel a pending takeover
  private readonly pendingAt: Float64Array; // time of the pending takeover, Infinity if none
  private readonly since_us: Float64Array; // per pair: when the holder took the VIP
  private readonly serving: Uint8Array; // per pair: the holder is master (an interval is open)
  private readonly adv: number;
  private readonly kTakeover: number;
  /** Called when director d becomes master of its pair (its GARP moved the VIP). */
  onMaster: (d: number) => void = () => {};

  constructor(
    private readonly engine: Engine,
    private readonly cfg: LvsConfig,
    rngs: RngStreams,
    private readonly m: NetMetrics,
    kindSuffix = '', // with several fronts (sites): tells their event kinds apart
  ) {
    const D = cfg.directors.length;
    this.adv = cfg.vrrp.advert_int_us;
    this.state = new Uint8Array(D);
    this.priority = Int32Array.from(cfg.directors, (_, d) => cfg.vrrp.priority[d & 1]);
    this.holder = new Int32Array(D >> 1).fill(-1);
    this.advertBase = new Float64Array(D);
    this.gen = new Int32Array(D);
    this.pendingAt = new Float64Array(D).fill(Infinity);
    this.since_us = new Float64Array(D >> 1);
    this.serving = new Uint8Array(D >> 1).fill(1);
    this.kTakeover = engine.register(`vrrp.takeover${kindSuffix}`, (d, gen) => this.onTakeover(d, gen));
    for (let p = 0; p < D >> 1; p++) {
      const a = 2 * p;
      const b = a + 1;
      const master = this.priority[b] > this.priority[a] ? b : a;
      this.state[a] = this.state[b] = VRRP_BACKUP;
      this.state[master] = VRRP_MASTER;
      this.advertBase[master] = Math.floor(rngs.stream(`vrrp:${cfg.directors[master]}`).random() * this.adv);
      this.holder[p] = master;
    }
  }

  peer(d: number): number {
    return d ^ 1;
  }

  skew_us(d: number): number {
    return vrrpSkew_us(this.priority[d], this.adv, this.cfg.vrrp.version);
  }

  masterDown_us(d: number): number {
    return masterDown_us(this.priority[d], this.adv, this.cfg.vrrp.version);
  }

  /** The last advert master d sent before `t`. */
  lastAdvert_us(d: number, t: number): number {
    return Math.max(this.advertBase[d] - this.adv, lastSendBefore_us(this.advertBase[d], this.adv, t));
  }

  /** Pending takeover time of d (Infinity if none). */
  takeoverAt_us(d: number): number {
    return this.pendingAt[d];
  }

  /** The earliest pending takeover of any director (Infinity if none). */
  nextTakeover_us(): number {
    let t = Infinity;
    for (let d = 0; d < this.pendingAt.length; d++) if (this.pendingAt[d] < t) t = this.pendingAt[d];
    return t;
  }

  /** Director d crashed: its adverts stop; the backup's down timer runs out master-down later. */
  crash(d: number): void {
    this.leave(d, false);
  }

  /** keepalived on d stops cleanly: a master sends priority 0, so the backup waits Skew_Time only. */
  stop(d: number): void {
    this.leave(d, true);
  }

  private leave(d: number, clean: boolean): void {
    const now = this.engine.now_us;
    const wasMaster = this.state[d] === VRRP_MASTER;
    this.state[d] = VRRP_DOWN;
    this.cancel(d);
    if (wasMaster) this.closeInterval(d >> 1, now); // the ARP entry still points here, but nobody serves
    const b = this.peer(d);
    if (!wasMaster || this.state[b] !== VRRP_BACKUP) return;
    const at = clean ? now + this.skew_us(b) : this.lastAdvert_us(d, now) + this.masterDown_us(b);
    this.schedule(b, Math.max(at, now));
  }

  /** keepalived starts on d (after a recover, or after a stop): vrrp_init_state. */
  start(d: number): void {
    if (this.state[d] !== VRRP_DOWN) return;
    const now = this.engine.now_us;
    this.state[d] = VRRP_BACKUP;
    const version = this.cfg.vrrp.version;
    const init = (d & 1) === 0 ? this.adv + vrrpSkewMin_us(this.adv, version) : this.masterDown_us(d);
    const p = this.peer(d);
    if (this.state[p] !== VRRP_MASTER) {
      this.schedule(d, now + init);
      return;
    }
    // a master is there: its adverts restart our timer unless we preempt it
    if (!this.cfg.vrrp.preempt || this.priority[d] <= this.priority[p]) return;
    const pd = this.cfg.vrrp.preempt_delay_us;
    const at = pd > 0 ? Math.max(now + init, this.lastAdvert_us(p, now + pd) + this.masterDown_us(d)) : now + init;
    this.schedule(d, at);
  }

  private schedule(d: number, at: number): void {
    this.gen[d]++;
    this.pendingAt[d] = at;
    this.engine.at(at, this.kTakeover, d, this.gen[d]);
  }

  private cancel(d: number): void {
    this.gen[d]++;
    this.pendingAt[d] = Infinity;
  }

  private onTakeover(d: number, gen: number): void {
    if (gen !== this.gen[d] || this.state[d] !== VRRP_BACKUP) return;
    this.pendingAt[d] = Infinity;
    const now = this.engine.now_us;
    const p = this.peer(d);
    if (this.state[p] === VRRP_MASTER && !(this.cfg.vrrp.preempt && this.priority[d] > this.priority[p])) return;
    if (this.state[p] === VRRP_MASTER) this.state[p] = VRRP_BACKUP; // it hears a higher priority
    this.state[d] = VRRP_MASTER;
    this.advertBase[d] = now; // adverts and GARPs at once
    const pair = d >> 1;
    const old = this.holder[pair];
    this.closeInterval(pair, now);
    this.holder[pair] = d;
    this.since_us[pair] = now;
    this.serving[pair] = 1;
    this.m.log(now, this.cfg.directors[d], 'vrrp master', `takes the VIP of pair ${pair + 1}${old >= 0 && old !== d ? ` from ${this.cfg.directors[old]}` : ''}`);
    this.m.detected(now);
    this.m.converged(now);
    this.onMaster(d);
  }

  private closeInterval(pair: number, now: number): void {
    if (!this.serving[pair]) return;
    this.serving[pair] = 0;
    this.m.vip.push({ pair, director: this.cfg.directors[this.holder[pair]], from_us: this.since_us[pair], to_us: now });
  }

  /** Closes the VIP intervals at the end of the run. */
  finish(end_us: number): void {
    for (let p = 0; p < this.holder.length; p++) this.closeInterval(p, end_us);
  }
}
