// A log-linear latency histogram (HDR-style): 64 sub-buckets per power of two of microseconds,
// so any percentile is within ~1.6 % of the exact value, in constant memory.

const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;
const MAX_EXP = 40; // up to 2^40 us, about 12 days
const BUCKETS = SUB + (MAX_EXP - SUB_BITS + 1) * (SUB / 2);

export class LatencyHistogram {
  readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sum_us = 0;
  max_us = 0;

  static bucketOf(v_us: number): number {
    if (!(v_us >= 1)) return 0;
    if (v_us < 0x7fffffff) {
      // the common case in integer arithmetic
      const v = v_us | 0;
      if (v < SUB) return v; // exact below 64 us
      const exp = 31 - Math.clz32(v);
      return SUB + (exp - SUB_BITS) * (SUB >> 1) + ((v >>> (exp - SUB_BITS + 1)) - (SUB >> 1));
    }
    const v = Math.floor(v_us);
    const exp = Math.floor(Math.log2(v));
    const half = SUB / 2;
    const sub = Math.floor(v / 2 ** (exp - SUB_BITS + 1)) - half; // 0..31 within this power of two
    return Math.min(SUB + (exp - SUB_BITS) * half + sub, BUCKETS - 1);
  }

  /** Lower bound (inclusive) of a bucket in microseconds. */
  static lowerOf(b: number): number {
    if (b < SUB) return b;
    const half = SUB / 2;
    const k = b - SUB; // buckets past the exact range
    const exp = Math.floor(k / half) + SUB_BITS;
    const sub = k % half;
    const shift = exp - SUB_BITS + 1;
    return (half + sub) * 2 ** shift;
  }

  static upperOf(b: number): number {
    return LatencyHistogram.lowerOf(b + 1);
  }

  record(v_us: number): void {
    this.recordIn(LatencyHistogram.bucketOf(v_us), v_us);
  }

  /** Records `v_us`, whose bucket (bucketOf) the caller has already worked out for another histogram. */
  recordIn(bucket: number, v_us: number): void {
    this.counts[bucket]++;
    this.count++;
    this.sum_us += v_us;
    if (v_us > this.max_us) this.max_us = v_us;
  }

  /** The value at quantile q (0..1): the bucket midpoint, capped by the max seen. */
  quantile_us(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b];
      if (seen >= rank) {
        const lo = LatencyHistogram.lowerOf(b);
        const hi = LatencyHistogram.upperOf(b);
        return Math.min(b < SUB ? lo : (lo + hi - 1) / 2, this.max_us);
      }
    }
    return this.max_us;
  }

  /** Non-empty buckets as [lo_us, hi_us, count]. */
  buckets(): { lo_us: number; hi_us: number; count: number }[] {
    const out: { lo_us: number; hi_us: number; count: number }[] = [];
    for (let b = 0; b < this.counts.length; b++) {
      if (this.counts[b] > 0) out.push({ lo_us: LatencyHistogram.lowerOf(b), hi_us: LatencyHistogram.upperOf(b), count: this.counts[b] });
    }
    return out;
  }
}
