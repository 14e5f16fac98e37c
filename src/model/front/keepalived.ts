// keepalived VRRP timing, pure part. Follows acassen/keepalived keepalived/include/vrrp.h
// (VRRP_TIMER_SKEW_CALC, VRRP_TIMER_SKEW, VRRP_MS_DOWN_TIMER), keepalived/vrrp/vrrp.c
// (vrrp_state_backup, the advert_int checks in vrrp_complete_instance) and
// keepalived/core/global_data.c (defaults); RFC 3768 §6.1 (VRRPv2) and RFC 5798 §6.1 (VRRPv3).
// keepalived keeps these timers in integer microseconds, and so do we.

// The timer units, the default advert_int and its normalisation are what keepalived's config
// parser applies, so they live with the scenario; they are re-exported here for the model.
import { TIMER_CENTI_HZ, TIMER_HZ, VRRP_ADVER_DFL_us, VRRP_VERSION_2, type VrrpVersion } from '../../scenario/keepalived-config.js';

export { normalizeAdvertInt_us, TIMER_CENTI_HZ, TIMER_HZ, VRRP_ADVER_DFL_us, VRRP_VERSION_2, type VrrpVersion } from '../../scenario/keepalived-config.js';

/** include/vrrp.h */
export const VRRP_VERSION_3 = 3;
export const VRRP_PRIO_OWNER = 255; // the address owner
export const VRRP_PRIO_DFL = 100;
export const VRRP_PRIO_STOP = 0; // sent by a master that shuts down cleanly
export const VRRP_DOWN_TIMER_ADVERTS = 3;
export const VRRP_GARP_DELAY_us = 5 * TIMER_HZ; // garp_master_delay
export const VRRP_GARP_REP = 5; // garp_master_repeat

/** Instance defaults: include/vrrp.h and core/global_data.c (vrrp_version 2, preempt on). */
export const VRRP_DEFAULTS = {
  advert_int_us: VRRP_ADVER_DFL_us,
  version: VRRP_VERSION_2 as VrrpVersion,
  priority: VRRP_PRIO_DFL,
  down_timer_adverts: VRRP_DOWN_TIMER_ADVERTS,
  preempt: true,
  preempt_delay_us: 0,
  garp_master_delay_us: VRRP_GARP_DELAY_us,
  garp_master_repeat: VRRP_GARP_REP,
} as const;

function checkPriority(p: number, what: string): void {
  if (!Number.isInteger(p) || p < 1 || p > 255) throw new RangeError(`vrrp: ${what} ${p} is outside 1..255`);
}

/**
 * Skew_Time in microseconds (VRRP_TIMER_SKEW). v2 (RFC 3768): (256 - prio) / 256 s, independent of
 * the advert interval. v3 (RFC 5798): (256 - prio) * Master_Adver_Interval / 256, with the interval
 * truncated to centiseconds first and computed as *625/16 to stay inside a uint32, as keepalived does.
 * An address owner (base priority 255) always uses 255, so its skew is that of priority 255.
 */
export function vrrpSkew_us(
  priority: number,
  advertInt_us: number,
  version: VrrpVersion,
  basePriority: number = priority,
): number {
  checkPriority(priority, 'priority');
  const prio = basePriority === VRRP_PRIO_OWNER ? VRRP_PRIO_OWNER : priority;
  const priVal = 256 - prio;
  if (version === VRRP_VERSION_3) {
    return Math.floor((priVal * Math.floor(advertInt_us / TIMER_CENTI_HZ) * 625) / 16);
  }
  return Math.floor((priVal * TIMER_HZ) / 256);
}

/** Master_Down_Interval in microseconds (VRRP_MS_DOWN_TIMER): down_timer_adverts * MAI + skew. */
export function masterDown_us(
  priority: number,
  advertInt_us: number,
  version: VrrpVersion,
  downTimerAdverts: number = VRRP_DOWN_TIMER_ADVERTS,
  basePriority: number = priority,
): number {
  return downTimerAdverts * advertInt_us + vrrpSkew_us(priority, advertInt_us, version, basePriority);
}

/**
 * vrrp_state_backup: a backup that receives a priority-0 advert (the master is stopping cleanly)
 * sets its down timer to Skew_Time only.
 */
export function cleanStopTakeover_us(priority: number, advertInt_us: number, version: VrrpVersion): number {
  return vrrpSkew_us(priority, advertInt_us, version);
}

/**
 * When a backup takes over, given a master that sends adverts at firstAdvert + k * advertInt and
 * stops at `stop_us` (adverts due at or after it are never sent). A crash is silent, so the backup's
 * down timer, restarted by the last advert it heard, runs out master-down later; a clean stop sends
 * a priority-0 advert, after which the backup waits Skew_Time only. `transit_us` delays every advert.
 */
export function backupTakeoverAt_us(p: {
  firstAdvert_us: number;
  advertInt_us: number;
  stop_us: number;
  masterDown_us: number;
  skew_us: number;
  clean: boolean;
  transit_us?: number;
}): number {
  const transit = p.transit_us ?? 0;
  if (p.clean) return p.stop_us + transit + p.skew_us;
  if (p.stop_us <= p.firstAdvert_us) throw new RangeError('vrrp: the master stopped before its first advert');
  const lastK = Math.ceil((p.stop_us - p.firstAdvert_us) / p.advertInt_us) - 1;
  const lastAdvert = p.firstAdvert_us + lastK * p.advertInt_us;
  return lastAdvert + transit + p.masterDown_us;
}
