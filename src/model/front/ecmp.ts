// Linux IPv4 equal-cost multipath: hash-threshold (RFC 2992), not modulo-N.
// Follows torvalds/linux net/ipv4/fib_semantics.c (fib_rebalance, fib_select_multipath) and
// net/ipv4/route.c (fib_multipath_hash, which returns a 31-bit hash: `mhash >> 1`).
//
// Only the interval logic is reproducible: the kernel hashes the flow keys with siphash under a
// per-boot random key (or the fib_multipath_hash_seed sysctl on recent kernels), so no simulator
// can predict which real path a given flow takes. We use a seeded MurmurHash3 instead; the
// spread over next hops and the set of flows that move on a change behave the same way.

/** Next-hop weight range: the kernel stores `rtnh_hops + 1`, so `ip route ... weight 1..256`. */
export const ECMP_WEIGHT_MIN = 1;
export const ECMP_WEIGHT_MAX = 256;

/** A dead or link-down next hop's upper bound (fib_rebalance). */
export const ECMP_DEAD = -1;

/** net.ipv4.fib_multipath_hash_policy: 0 = L3 (default), 1 = L4 five-tuple. */
export type MultipathHashPolicy = 'l3' | 'l4';

export type FlowKeys = {
  src: number; // IPv4 as an unsigned 32-bit integer
  dst: number;
  sport: number;
  dport: number;
  proto: number; // 6 = TCP
};

/**
 * fib_rebalance: over live next hops, in order,
 * `upper_bound = DIV_ROUND_CLOSEST_ULL((u64)cumulative_weight << 31, total) - 1`; dead ones get -1.
 * (The kernel skips the computation for a single next hop; we still return 2^31 - 1 for it.)
 */
export function upperBounds(weights: readonly number[], alive?: readonly boolean[]): number[] {
  if (alive && alive.length !== weights.length) {
    throw new RangeError(`ecmp: ${weights.length} weights but ${alive.length} alive flags`);
  }
  for (const w of weights) {
    if (!Number.isInteger(w) || w < ECMP_WEIGHT_MIN || w > ECMP_WEIGHT_MAX) {
      throw new RangeError(`ecmp: weight ${w} is outside ${ECMP_WEIGHT_MIN}..${ECMP_WEIGHT_MAX}`);
    }
  }
  const isAlive = (i: number): boolean => (alive ? alive[i] : true);
  let total = 0n;
  for (let i = 0; i < weights.length; i++) if (isAlive(i)) total += BigInt(weights[i]);

  // BigInt: (cum << 31) outgrows 2^53 once the total weight passes 2^22.
  const out: number[] = [];
  let cum = 0n;
  for (let i = 0; i < weights.length; i++) {
    if (!isAlive(i)) {
      out.push(ECMP_DEAD);
      continue;
    }
    cum += BigInt(weights[i]);
    const x = cum << 31n;
    out.push(Number((x + total / 2n) / total) - 1);
  }
  return out;
}

/**
 * fib_select_multipath: the first next hop, in order, with `hash <= upper_bound`, skipping dead
 * ones (-1; newer kernels skip them explicitly, older ones implicitly since hash >= 0).
 * Returns -1 when every next hop is dead.
 */
export function selectNextHop(hash31: number, bounds: readonly number[]): number {
  for (let i = 0; i < bounds.length; i++) {
    const ub = bounds[i];
    if (ub === ECMP_DEAD) continue;
    if (hash31 <= ub) return i;
  }
  return -1;
}

/** Which next hop owns each part of the hash space [0, 2^31 - 1], as closed intervals. */
export function hashIntervals(bounds: readonly number[]): { lo: number; hi: number; nextHop: number }[] {
  const out: { lo: number; hi: number; nextHop: number }[] = [];
  let lo = 0;
  for (let i = 0; i < bounds.length; i++) {
    const ub = bounds[i];
    if (ub === ECMP_DEAD || ub < lo) continue;
    out.push({ lo, hi: ub, nextHop: i });
    lo = ub + 1;
  }
  return out;
}

/** How many of the 2^31 hash values map to a different next hop under `after` than `before`. */
export function movedHashCount(before: readonly number[], after: readonly number[]): number {
  const a = hashIntervals(before);
  const b = hashIntervals(after);
  let moved = 0;
  let i = 0;
  let j = 0;
  // Sweep both interval lists together; they each cover [0, 2^31 - 1] if anything is alive.
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i].lo, b[j].lo);
    const hi = Math.min(a[i].hi, b[j].hi);
    if (hi >= lo && a[i].nextHop !== b[j].nextHop) moved += hi - lo + 1;
    if (a[i].hi < b[j].hi) i++;
    else j++;
  }
  return moved;
}

// MurmurHash3 x86_32 over 32-bit words (Austin Appleby's public-domain reference), keyed by seed.
/** One 32-bit block of MurmurHash3_x86_32 mixed into h. */
function mixK(h: number, w: number): number {
  let k = Math.imul(w >>> 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3_x86_32 of the little-endian bytes of `words`. */
export function murmur3Words(words: readonly number[], seed: number): number {
  let h = seed >>> 0;
  for (const w of words) h = mixK(h, w);
  return fmix32(h ^ (words.length * 4));
}

/** multipathHash('l3', ...) without allocating (the per-packet path): 31 bits of (src, dst). */
export function flowHashL3(src: number, dst: number, seed: number): number {
  return fmix32(mixK(mixK(seed >>> 0, src), dst) ^ 8) >>> 1;
}

/** multipathHash('l4', ...) without allocating: the five-tuple. */
export function flowHashL4(src: number, dst: number, sport: number, dport: number, proto: number, seed: number): number {
  let h = mixK(seed >>> 0, src);
  h = mixK(h, dst);
  h = mixK(h, ((sport & 0xffff) << 16) | (dport & 0xffff));
  h = mixK(h, proto & 0xff);
  return fmix32(h ^ 16) >>> 1;
}

/**
 * Stand-in for fib_multipath_hash: 31 bits, like the kernel's `mhash >> 1`.
 * 'l3' hashes (src, dst) as policy 0 does; 'l4' the five-tuple as policy 1 does.
 */
export function multipathHash(policy: MultipathHashPolicy, flow: FlowKeys, seed: number): number {
  return policy === 'l3'
    ? flowHashL3(flow.src, flow.dst, seed)
    : flowHashL4(flow.src, flow.dst, flow.sport, flow.dport, flow.proto, seed);
}

/** Dotted quad -> unsigned 32-bit integer (host order, as ntohl gives it). */
export function parseIPv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new RangeError(`not an IPv4 address: "${text}"`);
  }
  return ((Number(parts[0]) << 24) | (Number(parts[1]) << 16) | (Number(parts[2]) << 8) | Number(parts[3])) >>> 0;
}

export function formatIPv4(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}
