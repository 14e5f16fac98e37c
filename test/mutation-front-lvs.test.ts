// The LVS tier's source port (src/model/front/lvs.ts ephemeralPort): a hash of (user, attempt)
// into Linux's ip_local_port_range 32768..60999, worked out again here with BigInt arithmetic
// (32-bit multiplies as products mod 2^32, shifts as divisions).
import { ephemeralPort } from '../src/model/front/lvs.js';

const M = 2n ** 32n;
const mul = (a: bigint, b: bigint): bigint => (a * b) % M;
const xorShift = (h: bigint, s: bigint): bigint => h ^ (h >> s);

function port(user: number, attempt: number): number {
  let h = mul(BigInt(user >>> 0) ^ 0x5bd1e995n, 0x9e3779b1n) ^ mul(BigInt(attempt >>> 0), 0x85ebca6bn);
  h = xorShift(h, 15n);
  h = mul(h, 0x2c1b3c6dn);
  h = xorShift(h, 12n);
  return 32768 + Number(h % 28232n);
}

describe('ephemeralPort', () => {
  test('the hash of (user, attempt) into 32768..60999', () => {
    for (const [u, a] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [12345, 3],
      [999_999, 7],
      [0x7fffffff, 65535],
    ]) {
      expect(ephemeralPort(u, a)).toBe(port(u, a));
    }
    const seen = new Set<number>();
    for (let u = 0; u < 2000; u++) {
      const p = ephemeralPort(u, u % 5);
      expect(p).toBeGreaterThanOrEqual(32768);
      expect(p).toBeLessThanOrEqual(60999);
      seen.add(p);
    }
    expect(seen.size).toBeGreaterThan(1900); // spread: few of 2000 collide among 28232 ports
  });
});
