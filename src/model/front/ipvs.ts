// IPVS (LVS) real-server schedulers, following torvalds/linux net/netfilter/ipvs/:
// ip_vs_rr.c, ip_vs_wrr.c, ip_vs_lc.c, ip_vs_wlc.c, ip_vs_sh.c, the dest bookkeeping of
// ip_vs_ctl.c (__ip_vs_update_dest, __ip_vs_del_dest) and ip_vs_conn.c (ip_vs_bind_dest,
// ip_vs_unbind_dest), and include/net/ip_vs.h (ip_vs_dest_conn_overhead).
//
// Indices are positions in the service's destination list, in kernel list order: that is the
// order `ipvsadm -Ln` prints. Note that __ip_vs_update_dest adds a new dest at the list HEAD
// (list_add_rcu), so servers added one by one end up in reverse order of addition.
// A scheduler runs only for the first packet of a new connection.

import type { IpvsSchedulerName } from '../../scenario/network-types.js';

export type { IpvsSchedulerName };

export type IpvsDestConfig = {
  name: string;
  weight: number; // 0 = quiesced: keeps its connections, gets no new ones
  u_threshold?: number; // upper connection threshold, 0 = none (ipvsadm -x)
  l_threshold?: number; // lower connection threshold, 0 = 3/4 of u_threshold (ipvsadm -y)
};

/** The client side of a new connection, as the sh scheduler sees it. */
export type IpvsFlow = {
  saddr: number; // client IPv4 as an unsigned 32-bit integer
  sport: number;
};

/** A service's destination list, struct-of-arrays, in kernel list order. */
export class IpvsDestList {
  readonly names: string[] = [];
  readonly weight: number[] = [];
  readonly activeconns: number[] = [];
  readonly inactconns: number[] = [];
  readonly overloaded: boolean[] = [];
  readonly uThreshold: number[] = [];
  readonly lThreshold: number[] = [];

  /** `dests` already in list order (what `ipvsadm -Ln` shows). */
  constructor(dests: readonly IpvsDestConfig[] = []) {
    for (const d of dests) this.insertAt(this.count, d);
  }

  get count(): number {
    return this.names.length;
  }

  indexOf(name: string): number {
    return this.names.indexOf(name);
  }

  insertAt(i: number, d: IpvsDestConfig): void {
    checkWeight(d.weight);
    this.names.splice(i, 0, d.name);
    this.weight.splice(i, 0, d.weight);
    this.activeconns.splice(i, 0, 0);
    this.inactconns.splice(i, 0, 0);
    this.overloaded.splice(i, 0, false);
    this.uThreshold.splice(i, 0, d.u_threshold ?? 0);
    this.lThreshold.splice(i, 0, d.l_threshold ?? 0);
  }

  removeAt(i: number): void {
    this.names.splice(i, 1);
    this.weight.splice(i, 1);
    this.activeconns.splice(i, 1);
    this.inactconns.splice(i, 1);
    this.overloaded.splice(i, 1);
    this.uThreshold.splice(i, 1);
    this.lThreshold.splice(i, 1);
  }

  /** ip_vs_dest_conn_overhead (include/net/ip_vs.h): active connections cost 256 inactive ones. */
  overhead(i: number): number {
    return this.activeconns[i] * 256 + this.inactconns[i];
  }
}

function checkWeight(w: number): void {
  // ip_vs_ctl.c rejects weight < 0; ipvsadm takes 0..65535.
  if (!Number.isInteger(w) || w < 0 || w > 65535) throw new RangeError(`ipvs: weight ${w} is outside 0..65535`);
}

export interface IpvsScheduler {
  readonly name: IpvsSchedulerName;
  /** Returns the chosen dest index, or -1 ("no destination available": the connection is dropped). */
  schedule(dests: IpvsDestList, flow?: IpvsFlow): number;
  /** add_dest: `index` was just inserted. */
  destAdded(dests: IpvsDestList, index: number): void;
  /** del_dest: the dest at `index` was just unlinked (the list no longer holds it). */
  destRemoved(dests: IpvsDestList, index: number): void;
  /** upd_dest: weight or thresholds of `index` changed. */
  destUpdated(dests: IpvsDestList, index: number): void;
}

/**
 * ip_vs_rr.c ip_vs_rr_schedule: circular scan that starts after the last chosen dest and takes the
 * first one with weight > 0 and not overloaded. Weights are otherwise ignored.
 */
export class RrScheduler implements IpvsScheduler {
  readonly name = 'rr';
  /** Index of the last chosen dest; -1 = the list head (ip_vs_rr_init_svc). */
  cursor = -1;

  schedule(d: IpvsDestList): number {
    const n = d.count;
    // From the head one pass covers the list; otherwise wrap round and end at the cursor itself.
    for (let s = 1; s <= n; s++) {
      const i = (this.cursor + s) % n;
      if (!d.overloaded[i] && d.weight[i] > 0) {
        this.cursor = i;
        return i;
      }
    }
    return -1;
  }

  destAdded(_d: IpvsDestList, index: number): void {
    // The cursor points at a dest, not a position: keep it on the same dest.
    if (this.cursor >= 0 && index <= this.cursor) this.cursor++;
  }

  /** ip_vs_rr_del_dest: if the cursor's dest goes, step back to the previous entry (or the head). */
  destRemoved(_d: IpvsDestList, index: number): void {
    if (index <= this.cursor) this.cursor--;
  }

  destUpdated(): void {}
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * ip_vs_wrr.c, current version: passes over the list with a falling threshold `cw`, from the
 * max weight down by the gcd `di`, picking every dest with weight >= cw. Not interleaved like
 * nginx: the heaviest dest takes a run of picks at the start of each round.
 */
export class WrrScheduler implements IpvsScheduler {
  readonly name = 'wrr';
  /** mark->cl: index of the last chosen dest, -1 = head. */
  cursor = -1;
  /** mark->cw: current weight threshold. */
  cw = 0;
  /** mark->mw: max weight - (di - 1), so that the last pass has cw = 1. */
  mw = 0;
  /** mark->di: gcd of the positive weights (1 if none). */
  di = 1;

  /** ip_vs_wrr_init_svc: the state right after the scheduler is bound to a service with `d`. */
  constructor(d: IpvsDestList) {
    this.recompute(d);
    this.cw = this.mw;
  }

  private recompute(d: IpvsDestList): void {
    this.cursor = -1;
    // ip_vs_wrr_gcd_weight and ip_vs_wrr_max_weight
    let g = 0;
    let max = 0;
    for (let i = 0; i < d.count; i++) {
      const w = d.weight[i];
      if (w > 0) g = g > 0 ? gcd(w, g) : w;
      if (w > max) max = w;
    }
    this.di = g || 1;
    this.mw = max - (this.di - 1);
  }

  /** ip_vs_wrr_schedule */
  schedule(d: IpvsDestList): number {
    const n = d.count;
    if (this.mw === 0) return -1; // err_noavail: cursor unchanged
    const last = this.cursor;
    let stop = -2; // none; -1 would be the head, which the scan never tests
    let lastPass = false;
    let restarted = false;
    let pos = this.cursor;
    for (;;) {
      // list_for_each_entry_continue: from after pos to the end of the list
      for (let i = pos + 1; i < n; i++) {
        if (!d.overloaded[i] && d.weight[i] >= this.cw) {
          this.cursor = i;
          return i;
        }
        if (i === stop) {
          this.cursor = i; // err_over
          return -1;
        }
      }
      pos = -1; // back at the head
      this.cw -= this.di;
      if (this.cw <= 0) {
        this.cw = this.mw;
        // Stop if the last pass (cw <= di) was already done, or the scan began at the head.
        if (lastPass || last === -1) {
          this.cursor = -1; // err_over
          return -1;
        }
        restarted = true;
      }
      lastPass = this.cw <= this.di;
      // First traversal was for w >= 1 only after `last`: now cover the dests up to `last`.
      if (lastPass && restarted && last !== -1) stop = last;
    }
  }

  /** ip_vs_wrr_dest_changed, shared by add_dest, del_dest and upd_dest. */
  private changed(d: IpvsDestList): void {
    this.recompute(d);
    if (this.cw > this.mw || this.cw === 0) this.cw = this.mw;
    else if (this.di > 1) this.cw = Math.trunc(this.cw / this.di) * this.di + 1;
  }

  destAdded(d: IpvsDestList): void {
    this.changed(d);
  }

  destRemoved(d: IpvsDestList): void {
    this.changed(d);
  }

  destUpdated(d: IpvsDestList): void {
    this.changed(d);
  }
}

/**
 * ip_vs_lc.c ip_vs_lc_schedule: least overhead (active*256 + inactive), skipping overloaded
 * dests and weight 0; strict `<`, so ties go to the first in list order. Weights are otherwise ignored.
 */
export class LcScheduler implements IpvsScheduler {
  readonly name = 'lc';

  schedule(d: IpvsDestList): number {
    let least = -1;
    let loh = 0;
    for (let i = 0; i < d.count; i++) {
      if (d.overloaded[i] || d.weight[i] === 0) continue;
      const doh = d.overhead(i);
      if (least < 0 || doh < loh) {
        least = i;
        loh = doh;
      }
    }
    return least;
  }

  destAdded(): void {}
  destRemoved(): void {}
  destUpdated(): void {}
}

/**
 * ip_vs_wlc.c ip_vs_wlc_schedule: least overhead/weight. The first dest with weight > 0 that is
 * not overloaded starts as `least`; each later non-overloaded dest replaces it only if
 * `loh * d.weight > doh * least.weight` (strict, 64-bit). With all counters at 0 the first wins.
 */
export class WlcScheduler implements IpvsScheduler {
  readonly name = 'wlc';

  schedule(d: IpvsDestList): number {
    let least = -1;
    for (let i = 0; i < d.count; i++) {
      if (!d.overloaded[i] && d.weight[i] > 0) {
        least = i;
        break;
      }
    }
    if (least < 0) return -1;
    let loh = d.overhead(least);
    for (let i = least + 1; i < d.count; i++) {
      if (d.overloaded[i]) continue; // weight 0 is not skipped here, but can never win
      const doh = d.overhead(i);
      // Products stay below 2^53 for any realistic counters, so plain numbers are exact.
      if (loh * d.weight[i] > doh * d.weight[least]) {
        least = i;
        loh = doh;
      }
    }
    return least;
  }

  destAdded(): void {}
  destRemoved(): void {}
  destUpdated(): void {}
}

/** CONFIG_IP_VS_SH_TAB_BITS default. */
export const IP_VS_SH_TAB_BITS = 8;
export const IP_VS_SH_TAB_SIZE = 1 << IP_VS_SH_TAB_BITS;
const IP_VS_SH_TAB_MASK = IP_VS_SH_TAB_SIZE - 1;

/** include/linux/hash.h GOLDEN_RATIO_32. */
export const GOLDEN_RATIO_32 = 0x61c88647;

/** include/linux/hash.h hash_32: multiply by GOLDEN_RATIO_32 and keep the top `bits` bits. */
export function hash32(val: number, bits: number): number {
  return Math.imul(val >>> 0, GOLDEN_RATIO_32) >>> (32 - bits);
}

export type ShFlags = {
  /** IP_VS_SVC_F_SCHED_SH_PORT (ipvsadm -b sh-port): hash the source port too. */
  port?: boolean;
  /** IP_VS_SVC_F_SCHED_SH_FALLBACK (ipvsadm -b sh-fallback): probe other buckets if the dest is unavailable. */
  fallback?: boolean;
};

/**
 * ip_vs_sh.c: a 256-bucket table filled from the dest list, each dest taking `weight` consecutive
 * buckets (weight 0 still takes one), round robin until full; rebuilt on every dest change.
 * Bucket = (offset + hash_32(ntohl(saddr) + sport, 8)) & 255.
 */
export class ShScheduler implements IpvsScheduler {
  readonly name = 'sh';
  /** Dest index per bucket, -1 when the list is empty. */
  readonly table = new Int32Array(IP_VS_SH_TAB_SIZE);
  readonly port: boolean;
  readonly fallback: boolean;

  constructor(d: IpvsDestList, flags: ShFlags = {}) {
    this.port = flags.port ?? false;
    this.fallback = flags.fallback ?? false;
    this.reassign(d);
  }

  /** ip_vs_sh_reassign */
  reassign(d: IpvsDestList): void {
    if (d.count === 0) {
      this.table.fill(-1);
      return;
    }
    let p = 0;
    let dCount = 0;
    for (let i = 0; i < IP_VS_SH_TAB_SIZE; i++) {
      this.table[i] = p;
      // Don't move to the next dest until it has filled `weight` buckets.
      if (++dCount >= d.weight[p]) {
        p = (p + 1) % d.count;
        dCount = 0;
      }
    }
  }

  /** ip_vs_sh_hashkey (IPv4) */
  bucket(flow: IpvsFlow, offset = 0): number {
    const port = this.port ? flow.sport & 0xffff : 0;
    return (offset + hash32((port + flow.saddr) >>> 0, IP_VS_SH_TAB_BITS)) & IP_VS_SH_TAB_MASK;
  }

  private unavailable(d: IpvsDestList, i: number): boolean {
    return d.weight[i] <= 0 || d.overloaded[i];
  }

  /** ip_vs_sh_schedule -> ip_vs_sh_get or ip_vs_sh_get_fallback */
  schedule(d: IpvsDestList, flow?: IpvsFlow): number {
    if (!flow) throw new Error('ipvs sh: schedule() needs the client address');
    const ihash = this.bucket(flow);
    const first = this.table[ihash];
    if (first < 0) return -1;
    if (!this.unavailable(d, first)) return first;
    if (!this.fallback) return -1;
    // Walk round the table from the original hash; note the probe is (k + ihash) + hash,
    // so the first bucket tried is 2*hash, not hash + 1.
    for (let k = 0; k < IP_VS_SH_TAB_SIZE; k++) {
      const roffset = (k + ihash) % IP_VS_SH_TAB_SIZE;
      const i = this.table[this.bucket(flow, roffset)];
      if (i < 0) break;
      if (!this.unavailable(d, i)) return i;
    }
    return -1;
  }

  destAdded(d: IpvsDestList): void {
    this.reassign(d);
  }

  destRemoved(d: IpvsDestList): void {
    this.reassign(d);
  }

  destUpdated(d: IpvsDestList): void {
    this.reassign(d);
  }
}

/** A scheduler bound to `d` as `ipvsadm -A -s NAME` (or -E) would bind it: init_service over the list. */
export function createScheduler(name: IpvsSchedulerName, d: IpvsDestList, flags: ShFlags = {}): IpvsScheduler {
  switch (name) {
    case 'rr':
      return new RrScheduler();
    case 'wrr':
      return new WrrScheduler(d);
    case 'lc':
      return new LcScheduler();
    case 'wlc':
      return new WlcScheduler();
    case 'sh':
      return new ShScheduler(d, flags);
  }
}

/** A virtual service: its dest list, its scheduler, and the kernel's dest bookkeeping around them. */
export class IpvsService {
  readonly dests: IpvsDestList;
  readonly scheduler: IpvsScheduler;

  /** `dests` in list order, with the scheduler initialised over the whole list. */
  constructor(name: IpvsSchedulerName, dests: readonly IpvsDestConfig[] = [], flags: ShFlags = {}) {
    this.dests = new IpvsDestList(dests);
    this.scheduler = createScheduler(name, this.dests, flags);
  }

  /**
   * What keepalived and `ipvsadm -A; ipvsadm -a ...` do: create the service empty, then add the
   * servers one at a time in config order (each at the list head). The wrr state can then differ
   * from a fresh init over the same list, as in the kernel.
   */
  static fromAdds(name: IpvsSchedulerName, inAddOrder: readonly IpvsDestConfig[], flags: ShFlags = {}): IpvsService {
    const svc = new IpvsService(name, [], flags);
    for (const d of inAddOrder) svc.addDest(d);
    return svc;
  }

  /** __ip_vs_update_dest(add): list_add_rcu at the head, then sched->add_dest. Returns its index (0). */
  addDest(d: IpvsDestConfig): number {
    if (this.dests.indexOf(d.name) >= 0) throw new Error(`ipvs: dest ${d.name} already exists`);
    this.dests.insertAt(0, d);
    this.scheduler.destAdded(this.dests, 0);
    return 0;
  }

  /** __ip_vs_del_dest: unlink, then sched->del_dest. */
  removeDest(name: string): void {
    const i = this.mustFind(name);
    this.dests.removeAt(i);
    this.scheduler.destRemoved(this.dests, i);
  }

  /** __ip_vs_update_dest(!add), e.g. a keepalived weight change; clears OVERLOAD as the kernel does. */
  updateDest(name: string, weight: number, uThreshold?: number, lThreshold?: number): void {
    const i = this.mustFind(name);
    checkWeight(weight);
    const d = this.dests;
    d.weight[i] = weight;
    const u = uThreshold ?? d.uThreshold[i];
    if (u === 0 || u > d.uThreshold[i]) d.overloaded[i] = false;
    d.uThreshold[i] = u;
    d.lThreshold[i] = lThreshold ?? d.lThreshold[i];
    this.scheduler.destUpdated(d, i);
  }

  schedule(flow?: IpvsFlow): number {
    return this.scheduler.schedule(this.dests, flow);
  }

  /** ip_vs_bind_dest for a new (active) connection: count it and maybe set OVERLOAD. */
  bind(i: number): void {
    const d = this.dests;
    d.activeconns[i]++;
    if (d.uThreshold[i] !== 0 && d.activeconns[i] + d.inactconns[i] >= d.uThreshold[i]) d.overloaded[i] = true;
  }

  /** A connection leaves ESTABLISHED (e.g. FIN): it moves from active to inactive. */
  deactivate(i: number): void {
    this.dests.activeconns[i]--;
    this.dests.inactconns[i]++;
  }

  /** ip_vs_unbind_dest when a connection entry expires: uncount it and maybe clear OVERLOAD. */
  unbind(i: number, wasActive: boolean): void {
    const d = this.dests;
    if (wasActive) d.activeconns[i]--;
    else d.inactconns[i]--;
    const total = d.activeconns[i] + d.inactconns[i];
    if (d.lThreshold[i] !== 0) {
      if (total < d.lThreshold[i]) d.overloaded[i] = false;
    } else if (d.uThreshold[i] !== 0) {
      if (total * 4 < d.uThreshold[i] * 3) d.overloaded[i] = false;
    } else {
      d.overloaded[i] = false;
    }
  }

  private mustFind(name: string): number {
    const i = this.dests.indexOf(name);
    if (i < 0) throw new Error(`ipvs: no dest ${name}`);
    return i;
  }
}
