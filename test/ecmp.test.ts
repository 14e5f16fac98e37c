// Linux hash-threshold multipath: torvalds/linux net/ipv4/fib_semantics.c fib_rebalance and
// fib_select_multipath; the 31-bit hash of net/ipv4/route.c fib_multipath_hash (`mhash >> 1`).
import fc from 'fast-check';
import {
  ECMP_DEAD,
  formatIPv4,
  hashIntervals,
  movedHashCount,
  multipathHash,
  murmur3Words,
  parseIPv4,
  selectNextHop,
  upperBounds,
} from '../src/model/front/ecmp.js';

const SPACE = 2 ** 31;

describe('fib_rebalance', () => {
  test('three equal next hops: DIV_ROUND_CLOSEST(k * 2^31, 3) - 1', () => {
    // (2^31 + 1) / 3 = 715827883; (2^32 + 1) / 3 = 1431655765.67 -> 1431655765; 3 * 2^31 / 3 = 2^31
    expect(upperBounds([1, 1, 1])).toEqual([715827882, 1431655764, 2147483647]);
  });

  test('a dead next hop gets -1 and drops out of the total', () => {
    // live total 2: 2^31 / 2 = 2^30 -> 1073741823
    expect(upperBounds([1, 1, 1], [true, false, true])).toEqual([1073741823, ECMP_DEAD, 2147483647]);
    expect(upperBounds([1, 1], [false, false])).toEqual([ECMP_DEAD, ECMP_DEAD]);
  });

  test('weights 1,2: a third and two thirds', () => {
    expect(upperBounds([1, 2])).toEqual([715827882, 2147483647]);
  });

  test('weights outside 1..256 are refused', () => {
    expect(() => upperBounds([0, 1])).toThrow(RangeError);
    expect(() => upperBounds([257])).toThrow(RangeError);
  });
});

describe('fib_select_multipath', () => {
  test('first next hop with hash <= upper bound; dead ones skipped', () => {
    const b = upperBounds([1, 1, 1]);
    expect(selectNextHop(0, b)).toBe(0);
    expect(selectNextHop(715827882, b)).toBe(0);
    expect(selectNextHop(715827883, b)).toBe(1);
    expect(selectNextHop(SPACE - 1, b)).toBe(2);
    const d = upperBounds([1, 1, 1], [true, false, true]);
    expect(selectNextHop(1073741823, d)).toBe(0);
    expect(selectNextHop(1073741824, d)).toBe(2);
    expect(selectNextHop(5, [ECMP_DEAD, ECMP_DEAD])).toBe(-1);
  });
});

describe('flow hash', () => {
  test('MurmurHash3_x86_32 reference vectors', () => {
    expect(murmur3Words([], 0)).toBe(0);
    expect(murmur3Words([], 1)).toBe(0x514e28b7);
    expect(murmur3Words([], 0xffffffff)).toBe(0x81f16f39);
    expect(murmur3Words([0x74736574], 0)).toBe(0xba6bd213); // "test"
  });

  test('31 bits, deterministic, keyed by the seed; L3 ignores ports, L4 does not', () => {
    const f = { src: parseIPv4('10.0.0.1'), dst: parseIPv4('192.0.2.10'), sport: 40000, dport: 80, proto: 6 };
    const h = multipathHash('l3', f, 7);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(h).toBeLessThan(SPACE);
    expect(multipathHash('l3', f, 7)).toBe(h);
    expect(multipathHash('l3', { ...f, sport: 1 }, 7)).toBe(h);
    expect(multipathHash('l4', { ...f, sport: 1 }, 7)).not.toBe(multipathHash('l4', f, 7));
    expect(multipathHash('l3', f, 8)).not.toBe(h);
  });

  test('IPv4 parse and format', () => {
    expect(parseIPv4('10.0.0.1')).toBe(0x0a000001);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    expect(formatIPv4(0xc0000201)).toBe('192.0.2.1');
    expect(() => parseIPv4('10.0.0.256')).toThrow(RangeError);
    expect(() => parseIPv4('10.0.0')).toThrow(RangeError);
  });
});

const weightsArb = fc.array(fc.integer({ min: 1, max: 256 }), { minLength: 1, maxLength: 8 });

describe('properties', () => {
  test('the live next hops split [0, 2^31) in weight proportion, each within 1 of exact', () => {
    fc.assert(
      fc.property(weightsArb, (ws) => {
        const b = upperBounds(ws);
        const iv = hashIntervals(b);
        expect(iv.length).toBe(ws.length);
        expect(iv[iv.length - 1].hi).toBe(SPACE - 1);
        const total = ws.reduce((x, y) => x + y, 0);
        iv.forEach((x, i) => expect(Math.abs(x.hi - x.lo + 1 - (ws[i] / total) * SPACE)).toBeLessThanOrEqual(1));
      }),
    );
  });

  test('removing a next hop moves all of its flows to live ones; bringing it back restores every flow', () => {
    fc.assert(
      fc.property(
        weightsArb.filter((w) => w.length >= 2),
        fc.nat(),
        fc.array(fc.integer({ min: 0, max: SPACE - 1 }), { minLength: 1, maxLength: 50 }),
        (ws, k0, hashes) => {
          const k = k0 % ws.length;
          const before = upperBounds(ws);
          const alive = ws.map((_, i) => i !== k);
          const after = upperBounds(ws, alive);
          for (const h of hashes) {
            const a = selectNextHop(h, before);
            const b = selectNextHop(h, after);
            expect(b).not.toBe(k);
            expect(alive[b]).toBe(true);
            expect(selectNextHop(h, upperBounds(ws))).toBe(a);
          }
        },
      ),
    );
  });

  test('equal weights: removing hop k moves 1/N plus what its survivors cede to their neighbours', () => {
    // Survivor s < k keeps [s/(N-1), ...) instead of [s/N, ...): it cedes s/(N(N-1)).
    // Survivor s > k ends at s/(N-1) instead of (s+1)/N: it cedes (N-1-s)/(N(N-1)).
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.nat(), (n, k0) => {
        const k = k0 % n;
        const ws = new Array<number>(n).fill(1);
        const moved = movedHashCount(
          upperBounds(ws),
          upperBounds(
            ws,
            ws.map((_, i) => i !== k),
          ),
        );
        let frac = 1 / n;
        for (let s = 0; s < n; s++) {
          if (s < k) frac += s / (n * (n - 1));
          if (s > k) frac += (n - 1 - s) / (n * (n - 1));
        }
        expect(Math.abs(moved - frac * SPACE)).toBeLessThanOrEqual(2 * n);
      }),
    );
  });

  test('so "only the removed hop\'s flows move" holds just for the middle of three (ALGORITHMS.md §5)', () => {
    const all = upperBounds([1, 1, 1]);
    const middle = movedHashCount(all, upperBounds([1, 1, 1], [true, false, true]));
    const edge = movedHashCount(all, upperBounds([1, 1, 1], [false, true, true]));
    expect(Math.abs(middle / SPACE - 1 / 3)).toBeLessThan(1e-8); // exactly the dead hop's third
    expect(Math.abs(edge / SPACE - 1 / 2)).toBeLessThan(1e-8); // its third plus a sixth of a survivor's
    // modulo-N (hash % 3 -> hash % 2) would move about 2/3.
  });
});
