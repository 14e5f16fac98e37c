// Replication statistics: mean, sample standard deviation and the Student-t confidence interval
// of the mean. The t quantile is computed here (no statistics package): the t CDF through the
// regularized incomplete beta function (Numerical Recipes' continued fraction, modified Lentz),
// inverted by bisection, which converges to the last bit whatever the degrees of freedom.

/** ln Γ(x) for x > 0, Lanczos approximation (g = 7, 9 terms): about 15 significant digits. */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0] ?? 0;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] ?? 0) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of I_x(a, b), valid (fast) for x < (a + 1) / (a + b + 2). */
function betaFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(x, a, b)) / a : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` > 0 degrees of freedom, 0 < p < 1. */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new RangeError(`tQuantile(${p}, ${df}): need 0 < p < 1 and df > 0`);
  if (p < 0.5) return -tQuantile(1 - p, df);
  if (p === 0.5) return 0;
  // closed forms for 1 and 2 degrees of freedom
  if (df === 1) return Math.tan(Math.PI * (p - 0.5));
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  // bisection until the bracket stops shrinking: the result is the same bits on every machine
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** One metric over the runs of one configuration. sd and the interval need two values. */
export type SampleStats = {
  n: number;
  mean: number | null;
  sd: number | null;
  ci_lo: number | null;
  ci_hi: number | null;
  half_width: number | null;
  min: number | null;
  max: number | null;
};

/**
 * Mean, sample standard deviation (n - 1) and the two-sided `confidence` Student-t interval of the
 * mean, over the numbers in `xs` (nulls, such as a sale that never sold out, are left out).
 */
export function sampleStats(xs: readonly (number | null)[], confidence: number): SampleStats {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { n, mean: null, sd: null, ci_lo: null, ci_hi: null, half_width: null, min: null, max: null };
  let sum = 0;
  for (const x of v) sum += x;
  const mean = sum / n;
  const min = Math.min(...v);
  const max = Math.max(...v);
  if (n < 2) return { n, mean, sd: null, ci_lo: null, ci_hi: null, half_width: null, min, max };
  let ss = 0;
  for (const x of v) ss += (x - mean) * (x - mean);
  const sd = Math.sqrt(ss / (n - 1));
  const half = (tQuantile(1 - (1 - confidence) / 2, n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, ci_lo: mean - half, ci_hi: mean + half, half_width: half, min, max };
}
