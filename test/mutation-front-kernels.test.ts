// The front-end kernels where their own tests stop short: IPVS dest bookkeeping and thresholds,
// ECMP interval sweeps and the per-packet hashes, OSPF validation texts and name order, VRRP's
// takeover edges. Each expectation is worked out by hand from the code's kernel sources (cited
// in the src/model/front files); written from the mutation run's survivors (docs/mutation.md).
import { IpvsDestList, IpvsService, RrScheduler, ShScheduler, WlcScheduler, WrrScheduler } from '../src/model/front/ipvs.js';
import type { IpvsDestConfig } from '../src/model/front/ipvs.js';
import {
  ECMP_DEAD,
  flowHashL3,
  flowHashL4,
  formatIPv4,
  hashIntervals,
  movedHashCount,
  multipathHash,
  murmur3Words,
  parseIPv4,
  upperBounds,
} from '../src/model/front/ecmp.js';
import { compareNames, linkName, newSpfThrottle, nextSpfDelay_us, spf, spfAll, spfRan, validateTopology } from '../src/model/front/ospf.js';
import type { OspfTopology } from '../src/model/front/ospf.js';
import { backupTakeoverAt_us, masterDown_us, vrrpSkew_us } from '../src/model/front/keepalived.js';

const dests = (ws: number[]): IpvsDestConfig[] => ws.map((weight, i) => ({ name: 'abcdefgh'[i], weight }));

function run(svc: IpvsService, n: number): string {
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const i = svc.schedule();
    out.push(i >= 0 ? svc.dests.names[i] : '-');
  }
  return out.join(' ');
}

describe('IPVS dest list and service bookkeeping', () => {
  test('weights: 0 and 65535 taken; -1, 65536 and 1.5 refused with the range', () => {
    expect(new IpvsDestList(dests([0, 65535])).weight).toEqual([0, 65535]);
    expect(() => new IpvsDestList(dests([-1]))).toThrow(new RangeError('ipvs: weight -1 is outside 0..65535'));
    expect(() => new IpvsDestList(dests([65536]))).toThrow(new RangeError('ipvs: weight 65536 is outside 0..65535'));
    expect(() => new IpvsDestList(dests([1.5]))).toThrow(new RangeError('ipvs: weight 1.5 is outside 0..65535'));
    const svc = new IpvsService('rr', dests([1]));
    expect(() => svc.updateDest('a', 70000)).toThrow(new RangeError('ipvs: weight 70000 is outside 0..65535'));
  });

  test('a new dest starts with no connections, not overloaded, thresholds from its config (0 = none)', () => {
    const d = new IpvsDestList([{ name: 'a', weight: 2, u_threshold: 9, l_threshold: 4 }, { name: 'b', weight: 3 }]);
    expect([d.names, d.activeconns, d.inactconns, d.overloaded, d.uThreshold, d.lThreshold]).toEqual([
      ['a', 'b'], [0, 0], [0, 0], [false, false], [9, 0], [4, 0],
    ]);
    d.removeAt(0);
    expect([d.count, d.names, d.weight, d.uThreshold, d.lThreshold]).toEqual([1, ['b'], [3], [0], [0]]);
    expect([d.activeconns, d.inactconns, d.overloaded]).toEqual([[0], [0], [false]]);
  });

  test('adding a dest twice, removing or updating an unknown one: the kernel refuses', () => {
    const svc = new IpvsService('rr', dests([1]));
    expect(() => svc.addDest({ name: 'a', weight: 1 })).toThrow(new Error('ipvs: dest a already exists'));
    expect(() => svc.removeDest('z')).toThrow(new Error('ipvs: no dest z'));
    expect(() => svc.updateDest('z', 1)).toThrow(new Error('ipvs: no dest z'));
    expect(svc.addDest({ name: 'b', weight: 1 })).toBe(0);
    expect(svc.dests.names).toEqual(['b', 'a']);
  });

  test('active connections cost 256 inactive ones; deactivate moves one over', () => {
    const svc = new IpvsService('lc', dests([1]));
    svc.bind(0);
    svc.bind(0);
    expect(svc.dests.overhead(0)).toBe(512);
    svc.deactivate(0);
    expect([svc.dests.activeconns[0], svc.dests.inactconns[0], svc.dests.overhead(0)]).toEqual([1, 1, 257]);
    svc.unbind(0, false);
    expect([svc.dests.activeconns[0], svc.dests.inactconns[0]]).toEqual([1, 0]);
    svc.unbind(0, true);
    expect([svc.dests.activeconns[0], svc.dests.inactconns[0]]).toEqual([0, 0]);
  });

  test('u_threshold counts inactive connections too', () => {
    const svc = new IpvsService('rr', [{ name: 'a', weight: 1, u_threshold: 3 }]);
    svc.bind(0);
    svc.deactivate(0);
    svc.bind(0); // 1 active + 1 inactive = 2 < 3
    expect(svc.dests.overloaded[0]).toBe(false);
    svc.bind(0); // 3 >= 3
    expect(svc.dests.overloaded[0]).toBe(true);
  });

  test('with l_threshold set, OVERLOAD clears only below it (not at 3/4 of u_threshold)', () => {
    const svc = new IpvsService('rr', [{ name: 'a', weight: 1, u_threshold: 4, l_threshold: 2 }]);
    for (let k = 0; k < 4; k++) svc.bind(0);
    expect(svc.dests.overloaded[0]).toBe(true);
    svc.unbind(0, true); // 3
    svc.unbind(0, true); // 2: 2 < 2 is false (the 3/4 rule would clear here: 8 < 12)
    expect(svc.dests.overloaded[0]).toBe(true);
    svc.unbind(0, true); // 1 < 2
    expect(svc.dests.overloaded[0]).toBe(false);
  });

  test('without thresholds an unbind always clears OVERLOAD', () => {
    const svc = new IpvsService('rr', dests([1]));
    svc.bind(0);
    expect(svc.dests.overloaded[0]).toBe(false); // no u_threshold: never set
    svc.dests.overloaded[0] = true;
    svc.unbind(0, true);
    expect(svc.dests.overloaded[0]).toBe(false);
  });

  test('updateDest clears OVERLOAD when the upper threshold is removed or raised, not when kept or lowered', () => {
    const svc = new IpvsService('rr', [{ name: 'a', weight: 1, u_threshold: 4 }]);
    for (let k = 0; k < 4; k++) svc.bind(0);
    svc.updateDest('a', 2); // thresholds kept
    expect([svc.dests.overloaded[0], svc.dests.weight[0], svc.dests.uThreshold[0]]).toEqual([true, 2, 4]);
    svc.updateDest('a', 2, 4); // the same: still overloaded
    expect(svc.dests.overloaded[0]).toBe(true);
    svc.updateDest('a', 2, 3); // lowered
    expect([svc.dests.overloaded[0], svc.dests.uThreshold[0]]).toEqual([true, 3]);
    svc.updateDest('a', 2, 5, 1); // raised
    expect([svc.dests.overloaded[0], svc.dests.uThreshold[0], svc.dests.lThreshold[0]]).toEqual([false, 5, 1]);
    svc.dests.overloaded[0] = true;
    svc.updateDest('a', 2, 0); // removed; l_threshold kept
    expect([svc.dests.overloaded[0], svc.dests.uThreshold[0], svc.dests.lThreshold[0]]).toEqual([false, 0, 1]);
  });
});

describe('IPVS schedulers at their edges', () => {
  test('rr: a dest added before any pick leaves the cursor at the head', () => {
    const svc = new IpvsService('rr', dests([1, 1]));
    svc.addDest({ name: 'z', weight: 1 }); // list z a b, cursor -1
    expect((svc.scheduler as RrScheduler).cursor).toBe(-1);
    expect(run(svc, 3)).toBe('z a b');
  });

  test('rr: removing a dest after the cursor leaves the cursor where it is', () => {
    const svc = new IpvsService('rr', dests([1, 1, 1]));
    expect(run(svc, 1)).toBe('a');
    svc.removeDest('c');
    expect((svc.scheduler as RrScheduler).cursor).toBe(0);
    expect(run(svc, 2)).toBe('b a');
  });

  test('rr: removing a dest before the cursor steps it back with its dest', () => {
    const svc = new IpvsService('rr', dests([1, 1, 1]));
    expect(run(svc, 2)).toBe('a b');
    svc.removeDest('a'); // list b c, cursor on b = 0
    expect((svc.scheduler as RrScheduler).cursor).toBe(0);
    expect(run(svc, 2)).toBe('c b');
  });

  test('wrr: a weight drop below cw brings cw down to the new mw', () => {
    // 4,3,2 fresh: cw = mw = 4. a -> 1: weights 1,3,2, di 1, mw 3, cw 4 > 3 -> 3, cursor to head.
    const svc = new IpvsService('wrr', dests([4, 3, 2]));
    svc.updateDest('a', 1);
    const s = svc.scheduler as WrrScheduler;
    expect([s.cursor, s.di, s.mw, s.cw]).toEqual([-1, 1, 3, 3]);
    // passes cw 3: b | cw 2: b c | cw 1: a b c
    expect(run(svc, 6)).toBe('b b c a b c');
  });

  test('wrr: removing and adding dests recompute di and mw', () => {
    const svc = new IpvsService('wrr', dests([4, 2, 6]));
    const s = svc.scheduler as WrrScheduler;
    expect([s.di, s.mw, s.cw]).toEqual([2, 5, 5]); // gcd 2, 6 - (2 - 1)
    svc.removeDest('c'); // 4,2: di 2, mw 3; cw 5 > 3 -> 3
    expect([s.cursor, s.di, s.mw, s.cw]).toEqual([-1, 2, 3, 3]);
    svc.addDest({ name: 'z', weight: 3 }); // z3 a4 b2: di 1, mw 4, cw 3 stays (di 1)
    expect([s.cursor, s.di, s.mw, s.cw]).toEqual([-1, 1, 4, 3]);
    expect(run(svc, 4)).toBe('z a z a');
  });

  test('wrr: weight 0 dests do not enter the gcd', () => {
    const s = new IpvsService('wrr', dests([0, 6, 9])).scheduler as WrrScheduler;
    expect([s.di, s.mw, s.cw]).toEqual([3, 7, 7]);
  });

  test('an empty list and an empty service by default', () => {
    expect(new IpvsDestList().count).toBe(0);
    const svc = new IpvsService('rr');
    expect([svc.dests.count, svc.schedule()]).toEqual([0, -1]);
  });

  test('wrr: a last pass that comes back to the cursor without a pick stops there (err_over)', () => {
    // 1,1: di 1, mw 1. a picked (cursor a); both overloaded: b fails, cw 0 -> mw 1 (restarted),
    // the last pass (cw <= di) stops at the old cursor a: -1, cursor still on a, so b is next
    const svc = new IpvsService('wrr', dests([1, 1]));
    expect(run(svc, 1)).toBe('a');
    svc.dests.overloaded[0] = svc.dests.overloaded[1] = true;
    expect(svc.schedule()).toBe(-1);
    expect((svc.scheduler as WrrScheduler).cursor).toBe(0);
    svc.dests.overloaded[0] = svc.dests.overloaded[1] = false;
    expect(run(svc, 2)).toBe('b a');
  });

  test('sh: adding a dest rebuilds the table', () => {
    const svc = new IpvsService('sh', dests([1]));
    const sh = svc.scheduler as ShScheduler;
    expect(Array.from(sh.table.slice(0, 4))).toEqual([0, 0, 0, 0]);
    svc.addDest({ name: 'z', weight: 1 }); // list z a: z 0, a 1 alternate
    expect(Array.from(sh.table.slice(0, 4))).toEqual([0, 1, 0, 1]);
  });

  test('each scheduler answers to its ipvsadm name; sh without flags hashes no port and has no fallback', () => {
    expect((['rr', 'wrr', 'lc', 'wlc', 'sh'] as const).map((n) => new IpvsService(n, dests([1])).scheduler.name)).toEqual(['rr', 'wrr', 'lc', 'wlc', 'sh']);
    const sh = new IpvsService('sh', dests([1])).scheduler as ShScheduler;
    expect([sh.port, sh.fallback]).toEqual([false, false]);
  });

  test('wrr: a pass that finds nothing before the end moves on to the next cw from the head', () => {
    // 2,1: di 1, mw 2. a picked at cw 2; a overloaded: b (1 < 2) fails, cw 1: from the head a is
    // skipped and b taken (the old cursor only stops a last pass after a restart)
    const svc = new IpvsService('wrr', dests([2, 1]));
    expect(run(svc, 1)).toBe('a');
    svc.dests.overloaded[0] = true;
    expect(run(svc, 1)).toBe('b');
  });

  test('wrr: nothing available after a full round: -1, cursor back to the head, cw = mw', () => {
    const svc = new IpvsService('wrr', dests([3, 1]));
    const s = svc.scheduler as WrrScheduler;
    expect(run(svc, 1)).toBe('a');
    svc.dests.overloaded[0] = svc.dests.overloaded[1] = true;
    expect([svc.schedule(), s.cursor, s.cw]).toEqual([-1, -1, 3]);
  });

  test('wrr: the restarted last pass stops at an old cursor that is not the head', () => {
    // 1,1: a b picked (cursor b = 1); both overloaded: nothing after b, cw 0 -> 1 (restarted,
    // last pass), stop at b: -1 with the cursor left on b
    const svc = new IpvsService('wrr', dests([1, 1]));
    expect(run(svc, 2)).toBe('a b');
    svc.dests.overloaded[0] = svc.dests.overloaded[1] = true;
    expect([svc.schedule(), (svc.scheduler as WrrScheduler).cursor]).toEqual([-1, 1]);
  });

  test('wrr: after a restart only the last pass stops at the old cursor; the earlier ones scan on', () => {
    // 1,2: b (cw 2), a (cw 1), b (cw 1). b overloaded: nothing after b, cw 0 -> 2 (restarted); the
    // pass at cw 2 finds nothing up to b and goes on; the last pass (cw 1) takes a before b
    const svc = new IpvsService('wrr', dests([1, 2]));
    expect(run(svc, 3)).toBe('b a b');
    svc.dests.overloaded[1] = true;
    expect(run(svc, 1)).toBe('a');
  });

  test('wrr: the first dest added to an empty service sets cw to mw; a change of di realigns cw', () => {
    expect((IpvsService.fromAdds('wrr', [{ name: 'a', weight: 1 }]).scheduler as WrrScheduler).cw).toBe(1);
    // 3,2: di 1, mw 3; picks a (cw 3), a (cw 2). a -> 4: di 2, mw 3, cw 2 -> (2 / 2) * 2 + 1 = 3
    const svc = new IpvsService('wrr', dests([3, 2]));
    expect(run(svc, 2)).toBe('a a');
    svc.updateDest('a', 4);
    const s = svc.scheduler as WrrScheduler;
    expect([s.cursor, s.di, s.mw, s.cw]).toEqual([-1, 2, 3, 3]);
  });

  test('wlc: an overloaded dest after the first candidate is skipped; weights multiply the other side', () => {
    const d = new IpvsDestList(dests([1, 1]));
    d.activeconns[0] = 1;
    d.overloaded[1] = true; // 0 connections, but overloaded
    expect(new WlcScheduler().schedule(d)).toBe(0);
    // 2,1 with arrivals only: (0,0) a; (256,0) 256*1 > 0 -> b; (256,256) 256*1 > 256*2 no -> a;
    // (512,256) 512 > 512 no -> a; (768,256) 768 > 512 -> b
    const svc = new IpvsService('wlc', dests([2, 1]));
    const out: string[] = [];
    for (let k = 0; k < 5; k++) {
      const i = svc.schedule();
      svc.bind(i);
      out.push(svc.dests.names[i]);
    }
    expect(out.join(' ')).toBe('a b a a b');
  });

  test('sh-fallback: a probe that lands on the first dest takes it', () => {
    // a(1) b(0): buckets a b a b ...; 10.0.0.1 hashes to 39 (b, weight 0); the first probe is
    // bucket (39 + 39) & 255 = 78: a
    const svc = new IpvsService('sh', dests([1, 1]), { fallback: true });
    svc.updateDest('b', 0);
    expect(svc.schedule({ saddr: parseIPv4('10.0.0.1'), sport: 0 })).toBe(0);
  });

  test('OVERLOAD clears below l_threshold counting inactive connections too', () => {
    const svc = new IpvsService('rr', [{ name: 'a', weight: 1, u_threshold: 4, l_threshold: 2 }]);
    for (let k = 0; k < 4; k++) svc.bind(0);
    svc.deactivate(0);
    svc.deactivate(0); // 2 active, 2 inactive
    svc.unbind(0, false); // 2 + 1 = 3: not below 2
    expect(svc.dests.overloaded[0]).toBe(true);
  });

  test('sh: schedule() without a flow is a programming error', () => {
    const svc = new IpvsService('sh', dests([1]));
    expect(() => svc.schedule()).toThrow(new Error('ipvs sh: schedule() needs the client address'));
  });

  test('sh: only the low 16 bits of the source port are hashed', () => {
    const svc = new IpvsService('sh', dests([1, 1, 1, 1]), { port: true });
    const sh = svc.scheduler as ShScheduler;
    const saddr = parseIPv4('10.0.0.1');
    expect(sh.bucket({ saddr, sport: 0x10007 })).toBe(sh.bucket({ saddr, sport: 7 }));
    expect(sh.bucket({ saddr, sport: 7 })).toBe(hash32Of(saddr + 7));
    expect(new ShScheduler(svc.dests).bucket({ saddr, sport: 7 })).toBe(hash32Of(saddr)); // port off
  });

  test('sh: a dest of weight 0 takes one bucket; with every dest down the fallback finds none', () => {
    const svc = new IpvsService('sh', dests([0, 2]), { fallback: true });
    expect(Array.from((svc.scheduler as ShScheduler).table.slice(0, 6))).toEqual([0, 1, 1, 0, 1, 1]);
    svc.updateDest('b', 0);
    expect(svc.schedule({ saddr: 1, sport: 0 })).toBe(-1);
    svc.updateDest('b', 1);
    svc.dests.overloaded[1] = true;
    expect(svc.schedule({ saddr: 1, sport: 0 })).toBe(-1);
  });

  test('sh: an emptied service empties its table', () => {
    const svc = new IpvsService('sh', dests([1]));
    svc.removeDest('a');
    expect(Array.from(new Set((svc.scheduler as ShScheduler).table))).toEqual([-1]);
  });
});

/** hash_32(v, 8) worked out once more: the top byte of v * GOLDEN_RATIO_32 mod 2^32. */
function hash32Of(v: number): number {
  return Number((BigInt(v >>> 0) * 0x61c88647n) % 2n ** 32n) >>> 24;
}

describe('ECMP', () => {
  test('weights 1 and 256 are the limits; a fractional weight or a short alive list is refused', () => {
    expect(upperBounds([1, 256])).toEqual([Math.round(2 ** 31 / 257) - 1, 2 ** 31 - 1]);
    expect(() => upperBounds([1.5])).toThrow(new RangeError('ecmp: weight 1.5 is outside 1..256'));
    expect(() => upperBounds([0])).toThrow(new RangeError('ecmp: weight 0 is outside 1..256'));
    expect(() => upperBounds([1, 1], [true])).toThrow(new RangeError('ecmp: 2 weights but 1 alive flags'));
    expect(upperBounds([2], [true])).toEqual([2 ** 31 - 1]);
  });

  test('DIV_ROUND_CLOSEST rounds halves up: weights 1,1,1,1,1,1,1 at 2^31 * k / 7', () => {
    // 2^31 / 7 = 306783378.29 -> 306783378; 2 * 2^31 / 7 = 613566756.57 -> 613566757
    expect(upperBounds([1, 1, 1, 1, 1, 1, 1]).slice(0, 2)).toEqual([306783377, 613566756]);
    // total 3, hop 1 of weight 1: 2^31 / 3 = 715827882.67 -> 715827883
    expect(upperBounds([1, 2])[0]).toBe(715827882);
  });

  test('hashIntervals skips dead hops and bounds that do not move past the last', () => {
    expect(hashIntervals([5, 3, 10])).toEqual([
      { lo: 0, hi: 5, nextHop: 0 },
      { lo: 6, hi: 10, nextHop: 2 },
    ]);
    expect(hashIntervals([ECMP_DEAD, 9])).toEqual([{ lo: 0, hi: 9, nextHop: 1 }]);
    expect(hashIntervals([5, 5, 9])).toEqual([
      { lo: 0, hi: 5, nextHop: 0 },
      { lo: 6, hi: 9, nextHop: 2 },
    ]);
    // a bound one past the last still owns that one hash
    expect(hashIntervals([5, 6, 9])).toEqual([
      { lo: 0, hi: 5, nextHop: 0 },
      { lo: 6, hi: 6, nextHop: 1 },
      { lo: 7, hi: 9, nextHop: 2 },
    ]);
  });

  test('movedHashCount counts the hashes whose hop changed, edges included', () => {
    // before: hop 0 owns 0..4, hop 1 5..9; after: hop 0 0..6, hop 1 7..9 -> 5 and 6 moved
    expect(movedHashCount([4, 9], [6, 9])).toBe(2);
    // hop 0 dead: all of 0..4 moved to hop 1
    expect(movedHashCount([4, 9], [ECMP_DEAD, 9])).toBe(5);
    expect(movedHashCount([4, 9], [4, 9])).toBe(0);
    expect(movedHashCount([6, 9], [4, 9])).toBe(2);
    // before: 0..2 | 3..5 | 6..9; after: 0..4 | 5..9 on hops 0 and 2 -> 3,4 (1 -> 0), 5 (1 -> 2)
    expect(movedHashCount([2, 5, 9], [4, ECMP_DEAD, 9])).toBe(3);
    // lists that end apart: the sweep stops at the shorter one's end
    expect(movedHashCount([4], [9])).toBe(0);
    expect(movedHashCount([9], [4])).toBe(0);
    expect(movedHashCount([4], [ECMP_DEAD, 9])).toBe(5);
  });

  test('the per-packet hashes are MurmurHash3 of the words, shifted to 31 bits', () => {
    const src = parseIPv4('10.1.2.3');
    const dst = parseIPv4('192.0.2.80');
    for (const seed of [0, 7, 0xfffffffe]) {
      expect(flowHashL3(src, dst, seed)).toBe(murmur3Words([src, dst], seed) >>> 1);
      expect(flowHashL4(src, dst, 40000, 80, 6, seed)).toBe(murmur3Words([src, dst, (40000 << 16) | 80, 6], seed) >>> 1);
      // ports and protocol keep their field widths
      expect(flowHashL4(src, dst, 0x19c40, 0x10050, 0x106, seed)).toBe(murmur3Words([src, dst, (0x9c40 << 16) | 0x50, 6], seed) >>> 1);
      const f = { src, dst, sport: 40000, dport: 80, proto: 6 };
      expect(multipathHash('l3', f, seed)).toBe(flowHashL3(src, dst, seed));
      expect(multipathHash('l4', f, seed)).toBe(flowHashL4(src, dst, 40000, 80, 6, seed));
    }
    // MurmurHash3_x86_32 of the 8 bytes "testtest" (two little-endian words), seed 0
    expect(murmur3Words([0x74736574, 0x74736574], 0)).toBe(murmur3Reference([0x74736574, 0x74736574], 0));
  });

  test('dotted quads: four parts of one to three digits, each at most 255', () => {
    expect(parseIPv4('1.2.3.4')).toBe(0x01020304);
    expect(parseIPv4('0.0.0.0')).toBe(0);
    expect(parseIPv4('128.0.0.1')).toBe(0x80000001);
    for (const bad of ['1.2.3.4.5', '1.2.3.1000', '1.2.3.0004', '1.2.3.4a', '1.2.3.', 'a.b.c.d', '1.2.3.-4', '']) {
      expect(() => parseIPv4(bad)).toThrow(new RangeError(`not an IPv4 address: "${bad}"`));
    }
    expect(formatIPv4(0)).toBe('0.0.0.0');
    expect(formatIPv4(0xffffffff)).toBe('255.255.255.255');
    expect(formatIPv4(0x01020304)).toBe('1.2.3.4');
  });
});

/** MurmurHash3_x86_32 written out from the reference, byte by byte, for little-endian words. */
function murmur3Reference(words: number[], seed: number): number {
  const bytes: number[] = [];
  for (const w of words) bytes.push(w & 255, (w >>> 8) & 255, (w >>> 16) & 255, w >>> 24);
  let h = BigInt(seed >>> 0);
  const M = 2n ** 32n;
  const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (32n - r))) % M;
  for (let i = 0; i < bytes.length; i += 4) {
    let k = BigInt(bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16)) + BigInt(bytes[i + 3]) * 2n ** 24n;
    k = (k * 0xcc9e2d51n) % M;
    k = rotl(k, 15n);
    k = (k * 0x1b873593n) % M;
    h ^= k;
    h = rotl(h, 13n);
    h = (h * 5n + 0xe6546b64n) % M;
  }
  h ^= BigInt(bytes.length);
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) % M;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) % M;
  h ^= h >> 16n;
  return Number(h);
}

describe('OSPF validation and order', () => {
  const base: OspfTopology = { routers: ['r1', 'r2'], links: [{ a: 'r1', b: 'r2', cost: 1 }], stubs: [] };
  const bad = (t: Partial<OspfTopology>, msg: string): void => {
    expect(() => validateTopology({ ...base, ...t })).toThrow(new Error(msg));
  };

  test('every topology error, in full', () => {
    bad({ routers: ['r1', ''] }, 'ospf: router names must be non-empty strings');
    bad({ routers: ['r1', 'r2', 'r1'] }, 'ospf: router r1 is listed twice');
    bad({ links: [{ a: 'r9', b: 'r2', cost: 1 }] }, 'ospf: link r9-r2 names an unknown router');
    bad({ links: [{ a: 'r1', b: 'r9', cost: 1 }] }, 'ospf: link r1-r9 names an unknown router');
    bad({ links: [{ a: 'r1', b: 'r1', cost: 1 }] }, 'ospf: link r1-r1 loops back to its own router');
    bad({ links: [{ a: 'r1', b: 'r2', cost: 65536 }] }, 'ospf: link r1-r2 cost 65536 is outside 1..65535');
    bad({ links: [{ a: 'r1', b: 'r2', cost: 1.5 }] }, 'ospf: link r1-r2 cost 1.5 is outside 1..65535');
    bad({ links: [{ a: 'r1', b: 'r2', cost: 1, reverse_cost: 0 }] }, 'ospf: link r1-r2 reverse_cost 0 is outside 1..65535');
    bad({ stubs: [{ router: 'r3', prefix: 'vip', cost: 0 }] }, 'ospf: stub vip is announced by unknown router r3');
    bad({ stubs: [{ router: 'r1', prefix: 'vip', cost: -1 }] }, 'ospf: stub vip on r1 cost -1 is outside 0..65535');
    bad({ stubs: [{ router: 'r1', prefix: 'vip', cost: 65536 }] }, 'ospf: stub vip on r1 cost 65536 is outside 0..65535');
    expect(() =>
      validateTopology({
        ...base,
        links: [{ a: 'r1', b: 'r2', cost: 65535, reverse_cost: 1 }],
        stubs: [
          { router: 'r1', prefix: 'vip', cost: 0 },
          { router: 'r2', prefix: 'net', cost: 65535 },
        ],
      }),
    ).not.toThrow();
    expect(linkName({ a: 'x', b: 'y', cost: 1 })).toBe('x-y');
  });

  test('spf refuses an unknown root and maximum-paths below 1 or fractional', () => {
    expect(() => spf(base, 'r9')).toThrow(new Error('ospf: unknown root router r9'));
    expect(() => spf(base, 'r1', 0)).toThrow(new Error('ospf: maximum-paths 0 must be >= 1'));
    expect(() => spf(base, 'r1', 1.5)).toThrow(new Error('ospf: maximum-paths 1.5 must be >= 1'));
    expect(spf(base, 'r1', 1)).toEqual({ r2: { cost: 1, nextHops: ['r2'] } });
    expect(() => spfAll({ ...base, links: [{ a: 'r1', b: 'r1', cost: 1 }] })).toThrow(/loops back/);
  });

  test('compareNames: digit runs as numbers, then their length, text runs as text, then run count', () => {
    expect(compareNames('r2', 'r2')).toBe(0);
    expect(compareNames('r10', 'r2')).toBe(1);
    expect(compareNames('r2', 'r10')).toBe(-1);
    expect(compareNames('r02', 'r2')).toBe(1);
    expect(compareNames('r2', 'r02')).toBe(-1);
    expect(compareNames('a', 'b')).toBe(-1);
    expect(compareNames('b', 'a')).toBe(1);
    expect(compareNames('r', 'r1')).toBe(-1);
    expect(compareNames('r1x', 'r1')).toBe(1);
    expect(compareNames('1', 'a')).toBe(-1);
    expect(compareNames('a1', 'b0')).toBe(-1);
    expect(compareNames('', '')).toBe(0);
  });

  test('parallel links: the cheaper one counts, whichever is listed first', () => {
    for (const links of [
      [{ a: 'r1', b: 'r2', cost: 5 }, { a: 'r2', b: 'r1', cost: 2 }],
      [{ a: 'r1', b: 'r2', cost: 2 }, { a: 'r1', b: 'r2', cost: 5 }],
    ]) {
      expect(spf({ ...base, links }, 'r1')).toEqual({ r2: { cost: 2, nextHops: ['r2'] } });
    }
  });

  test('stubs: the root\'s own prefix is connected at its own cost; an unreachable announcer is ignored', () => {
    const t: OspfTopology = {
      routers: ['r1', 'r2', 'r3'],
      links: [{ a: 'r1', b: 'r2', cost: 1 }],
      stubs: [
        { router: 'r2', prefix: 'vip', cost: 0 }, // cost 1 via r2, met first
        { router: 'r1', prefix: 'vip', cost: 7 }, // own: connected, cost 7 all the same
        { router: 'r1', prefix: 'vip', cost: 3 }, // own again, cheaper
        { router: 'r2', prefix: 'vip', cost: 0 }, // after the connected one: ignored
        { router: 'r3', prefix: 'far', cost: 0 }, // r3 unreachable
        { router: 'r2', prefix: 'net', cost: 4 },
        { router: 'r1', prefix: 'net', cost: 9 }, // connected beats the cheaper path
      ],
    };
    expect(spf(t, 'r1')).toEqual({
      r2: { cost: 1, nextHops: ['r2'] },
      vip: { cost: 3, nextHops: [] },
      net: { cost: 9, nextHops: [] },
    });
  });

  test('stubs at equal cost merge next hops; a dearer announcer adds none; maximum-paths truncates', () => {
    const t: OspfTopology = {
      routers: ['r1', 'r2', 'r3', 'r4'],
      links: [
        { a: 'r1', b: 'r2', cost: 1 },
        { a: 'r1', b: 'r3', cost: 1 },
        { a: 'r1', b: 'r4', cost: 1 },
      ],
      stubs: [
        { router: 'r3', prefix: 'vip', cost: 1 },
        { router: 'r2', prefix: 'vip', cost: 1 },
        { router: 'r4', prefix: 'vip', cost: 2 },
      ],
    };
    expect(spf(t, 'r1').vip).toEqual({ cost: 2, nextHops: ['r2', 'r3'] });
    expect(spf(t, 'r1', 1).vip).toEqual({ cost: 2, nextHops: ['r2'] });
    const cheaperLast = { ...t, stubs: [...t.stubs, { router: 'r4', prefix: 'vip', cost: 0 }] };
    expect(spf(cheaperLast, 'r1').vip).toEqual({ cost: 1, nextHops: ['r4'] });
  });

  test('SPF throttle: partial config keeps the defaults; a hold at max_hold stops growing', () => {
    const s = newSpfThrottle({ hold_ms: 100 });
    expect(s).toEqual({ config: { delay_ms: 0, hold_ms: 100, max_hold_ms: 5000 }, holdMultiplier: 1, lastSpf_us: null, scheduledAt_us: null });
    expect(nextSpfDelay_us(s, 7)).toBe(0);
    expect(s.scheduledAt_us).toBe(7);
    spfRan(s, 7);
    expect([s.lastSpf_us, s.scheduledAt_us]).toEqual([7, null]);
    // elapsed exactly the hold: not inside it
    expect(nextSpfDelay_us(s, 100_007)).toBe(0);
    expect(s.holdMultiplier).toBe(1);
    const m = newSpfThrottle({ hold_ms: 50, max_hold_ms: 100 });
    spfRan(m, 0);
    m.holdMultiplier = 2; // ht = 100 = max: stays 2
    expect(nextSpfDelay_us(m, 1000)).toBe(99_000);
    expect(m.holdMultiplier).toBe(2);
    spfRan(m, 100_000);
    m.holdMultiplier = 1; // ht = 50 < 100: grows
    expect(nextSpfDelay_us(m, 149_000)).toBe(1000);
    expect(m.holdMultiplier).toBe(2);
  });
});

describe('VRRP timers at their edges', () => {
  test('priorities 1 and 255 are the limits; 1.5 is refused with the range', () => {
    expect(vrrpSkew_us(1, 1_000_000, 2)).toBe(996_093); // 255 * 10^6 / 256 = 996093.75
    expect(vrrpSkew_us(255, 1_000_000, 3)).toBe(3_906); // 1 * 100 * 625 / 16 = 3906.25
    expect(() => vrrpSkew_us(1.5, 1_000_000, 2)).toThrow(new RangeError('vrrp: priority 1.5 is outside 1..255'));
    expect(() => vrrpSkew_us(0, 1_000_000, 2)).toThrow(new RangeError('vrrp: priority 0 is outside 1..255'));
    // v3, owner with a lowered priority: skew of 255
    expect(vrrpSkew_us(200, 1_000_000, 3, 255)).toBe(3_906);
    expect(masterDown_us(200, 1_000_000, 3, 2, 255)).toBe(2_003_906);
  });

  test('takeover: transit delays it; a master that stopped before its first advert is refused', () => {
    const base = { firstAdvert_us: 250_000, advertInt_us: 1_000_000, masterDown_us: 3_609_375, skew_us: 609_375 };
    // adverts at 0.25, 1.25, 2.25 s; stop at 2.25 s exactly: the one due then is never sent -> last 1.25 s
    expect(backupTakeoverAt_us({ ...base, stop_us: 2_250_000, clean: false, transit_us: 100 })).toBe(1_250_000 + 100 + 3_609_375);
    expect(backupTakeoverAt_us({ ...base, stop_us: 2_250_001, clean: false })).toBe(2_250_000 + 3_609_375);
    expect(backupTakeoverAt_us({ ...base, stop_us: 2_000_000, clean: true, transit_us: 100 })).toBe(2_000_000 + 100 + 609_375);
    expect(() => backupTakeoverAt_us({ ...base, stop_us: 250_000, clean: false })).toThrow(
      new RangeError('vrrp: the master stopped before its first advert'),
    );
    // a clean stop needs no advert at all
    expect(backupTakeoverAt_us({ ...base, stop_us: 0, clean: true })).toBe(609_375);
  });
});
