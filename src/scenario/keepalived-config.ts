// What keepalived's configuration parser does to the VRRP timing keys: its timer units, the
// default advert_int, and the rounding of advert_int to what the protocol version can carry.
// Follows acassen/keepalived lib/timer.h, keepalived/include/vrrp.h and keepalived/vrrp/vrrp.c.

/** lib/timer.h */
export const TIMER_HZ = 1_000_000;
export const TIMER_CENTI_HZ = 10_000;

/** include/vrrp.h */
export const VRRP_VERSION_2 = 2;
export const VRRP_ADVER_DFL_us = 1 * TIMER_HZ; // VRRP_ADVER_DFL = 1 s

export type VrrpVersion = 2 | 3;

/**
 * The advert_int keepalived actually uses (vrrp.c, vrrp_complete_instance): v2 carries whole
 * seconds (1..255, rounded to nearest), v3 centiseconds (0.01..40.95 s, rounded to nearest).
 */
export function normalizeAdvertInt_us(advertInt_us: number, version: VrrpVersion): number {
  let a = advertInt_us > 0 ? advertInt_us : VRRP_ADVER_DFL_us;
  if (version === VRRP_VERSION_2) {
    if (a >= 256 * TIMER_HZ) return 255 * TIMER_HZ;
    // Stryker disable next-line ArithmeticOperator: a * TIMER_HZ is nonzero like any a > 0, and a whole second rounds to itself
    if (a % TIMER_HZ) {
      a += TIMER_HZ / 2;
      a -= a % TIMER_HZ;
      if (a === 0) a = TIMER_HZ;
    }
    return a;
  }
  if (a >= 4096 * TIMER_CENTI_HZ) return 4095 * TIMER_CENTI_HZ;
  // Stryker disable next-line ArithmeticOperator: a * TIMER_CENTI_HZ is nonzero like any a > 0, and a whole centisecond rounds to itself
  if (a % TIMER_CENTI_HZ) {
    a += TIMER_CENTI_HZ / 2;
    a -= a % TIMER_CENTI_HZ;
    if (a === 0) a = TIMER_CENTI_HZ;
    else if (a === 4096 * TIMER_CENTI_HZ) a = 4095 * TIMER_CENTI_HZ;
  }
  return a;
}
