// keepalived VRRP timers: acassen/keepalived keepalived/include/vrrp.h (VRRP_TIMER_SKEW_CALC,
// VRRP_MS_DOWN_TIMER), keepalived/vrrp/vrrp.c (vrrp_state_backup, advert_int rounding).
import fc from 'fast-check';
import {
  VRRP_ADVER_DFL_us,
  VRRP_DEFAULTS,
  VRRP_DOWN_TIMER_ADVERTS,
  backupTakeoverAt_us,
  cleanStopTakeover_us,
  masterDown_us,
  normalizeAdvertInt_us,
  vrrpSkew_us,
} from '../src/model/front/keepalived.js';
import type { VrrpVersion } from '../src/model/front/keepalived.js';

describe('VRRP_TIMER_SKEW / VRRP_MS_DOWN_TIMER', () => {
  test('v2, priority 100, advert_int 1 s: skew 156 * 10^6 / 256 = 609375, down 3609375', () => {
    expect(vrrpSkew_us(100, 1_000_000, 2)).toBe(609_375);
    expect(masterDown_us(100, 1_000_000, 2)).toBe(3_609_375);
  });

  test('v2 skew does not depend on advert_int (RFC 3768 6.1)', () => {
    expect(vrrpSkew_us(100, 5_000_000, 2)).toBe(609_375);
    expect(masterDown_us(100, 5_000_000, 2)).toBe(15_609_375);
  });

  test('v3 scales with the interval in centiseconds: *625/16', () => {
    expect(vrrpSkew_us(100, 1_000_000, 3)).toBe(609_375); // 156 * 100 * 625 / 16
    expect(vrrpSkew_us(100, 100_000, 3)).toBe(60_937); // 156 * 10 * 625 / 16 = 60937.5
    expect(masterDown_us(100, 100_000, 3)).toBe(360_937);
    // a sub-centisecond remainder is dropped before multiplying
    expect(vrrpSkew_us(100, 109_999, 3)).toBe(60_937);
  });

  test('the address owner (255) counts as 256 - 255 = 1, even with a lowered effective priority', () => {
    expect(vrrpSkew_us(255, 1_000_000, 2)).toBe(3_906); // 10^6 / 256 = 3906.25
    expect(vrrpSkew_us(254, 1_000_000, 2, 255)).toBe(3_906);
    expect(vrrpSkew_us(254, 1_000_000, 2)).toBe(7_812);
  });

  test('a priority-0 advert (clean stop) leaves the backup Skew_Time only', () => {
    expect(cleanStopTakeover_us(100, 1_000_000, 2)).toBe(609_375);
  });

  test('priority outside 1..255 is refused', () => {
    expect(() => vrrpSkew_us(0, 1_000_000, 2)).toThrow(RangeError);
    expect(() => vrrpSkew_us(256, 1_000_000, 2)).toThrow(RangeError);
  });

  test('defaults: advert_int 1 s, version 2, 3 adverts, priority 100, preempt on, garp 5 s x5', () => {
    expect(VRRP_DEFAULTS).toEqual({
      advert_int_us: 1_000_000,
      version: 2,
      priority: 100,
      down_timer_adverts: 3,
      preempt: true,
      preempt_delay_us: 0,
      garp_master_delay_us: 5_000_000,
      garp_master_repeat: 5,
    });
    expect(VRRP_ADVER_DFL_us).toBe(1_000_000);
    expect(VRRP_DOWN_TIMER_ADVERTS).toBe(3);
  });
});

describe('advert_int as keepalived stores it (vrrp.c)', () => {
  test('v2: whole seconds, rounded to nearest, at least 1, at most 255', () => {
    expect(normalizeAdvertInt_us(1_400_000, 2)).toBe(1_000_000);
    expect(normalizeAdvertInt_us(1_500_000, 2)).toBe(2_000_000);
    expect(normalizeAdvertInt_us(300_000, 2)).toBe(1_000_000);
    expect(normalizeAdvertInt_us(300_000_000, 2)).toBe(255_000_000);
  });

  test('v3: centiseconds, at most 40.95 s', () => {
    expect(normalizeAdvertInt_us(15_000, 3)).toBe(20_000);
    expect(normalizeAdvertInt_us(100_000, 3)).toBe(100_000);
    expect(normalizeAdvertInt_us(4_000, 3)).toBe(10_000);
    expect(normalizeAdvertInt_us(41_000_000, 3)).toBe(40_950_000);
  });
});

describe('failover', () => {
  test('defaults, crash just after an advert: 3.609375 s minus the gap; clean stop 0.609375 s', () => {
    const base = { firstAdvert_us: 0, advertInt_us: 1_000_000, masterDown_us: 3_609_375, skew_us: 609_375 };
    expect(backupTakeoverAt_us({ ...base, stop_us: 10_000_001, clean: false })).toBe(13_609_375);
    expect(backupTakeoverAt_us({ ...base, stop_us: 10_000_000, clean: false })).toBe(12_609_375);
    expect(backupTakeoverAt_us({ ...base, stop_us: 10_500_000, clean: true })).toBe(11_109_375);
  });

  test('property: after a crash the backup takes over within [2*advert_int + skew, 3*advert_int + skew]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 254 }),
        fc.constantFrom<VrrpVersion>(2, 3),
        fc.integer({ min: 1, max: 500 }), // centiseconds
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 100_000_000 }),
        (priority, version, cs, first, after) => {
          const adv = normalizeAdvertInt_us(cs * 10_000, version);
          const skew = vrrpSkew_us(priority, adv, version);
          const stop = first + after;
          const t = backupTakeoverAt_us({
            firstAdvert_us: first,
            advertInt_us: adv,
            stop_us: stop,
            masterDown_us: masterDown_us(priority, adv, version),
            skew_us: skew,
            clean: false,
          });
          expect(t - stop).toBeGreaterThanOrEqual(2 * adv + skew);
          expect(t - stop).toBeLessThanOrEqual(3 * adv + skew);
        },
      ),
    );
  });
});
