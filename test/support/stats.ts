// Replication statistics and queueing formulas for the theory checks.

/** Student t quantile t_{0.975, df} (two-sided 95 %), tabulated for small df. */
const T975 = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086];

export type Interval = { mean: number; lo: number; hi: number; halfWidth: number; n: number };

/** Mean and 95 % confidence interval over independent replications (t distribution). */
export function confidenceInterval(xs: readonly number[]): Interval {
  const n = xs.length;
  if (n < 2) throw new Error('a confidence interval needs at least 2 replications');
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  const t = T975[n - 1] ?? 1.96;
  const halfWidth = (t * Math.sqrt(variance)) / Math.sqrt(n);
  return { mean, lo: mean - halfWidth, hi: mean + halfWidth, halfWidth, n };
}

/** M/M/1 mean sojourn time: 1/(mu - lambda). */
export function mm1Sojourn(lambda: number, mu: number): number {
  if (lambda >= mu) throw new Error('M/M/1 is unstable for lambda >= mu');
  return 1 / (mu - lambda);
}

/** Erlang C: the probability that an arrival waits in an M/M/c queue (offered load a = lambda/mu). */
export function erlangC(c: number, a: number): number {
  const rho = a / c;
  if (rho >= 1) throw new Error('M/M/c is unstable for a >= c');
  // sum_{k<c} a^k/k!, and a^c/c!, built term by term (no factorials overflow for small c)
  let term = 1;
  let sum = 0;
  for (let k = 0; k < c; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  const top = term / (1 - rho);
  return top / (sum + top);
}

/** M/M/c mean sojourn time: C(c, a)/(c mu - lambda) + 1/mu. */
export function mmcSojourn(lambda: number, mu: number, c: number): number {
  return erlangC(c, lambda / mu) / (c * mu - lambda) + 1 / mu;
}

/**
 * Exact mean value analysis of a closed network: one FCFS exponential station (mean service
 * `s`) and one infinite-server delay of mean `z` (think time plus wire latencies; a delay
 * station is insensitive to its distribution). Returns the station's mean residence R and the
 * throughput X for `n` customers.
 */
export function mvaSingleStation(n: number, s: number, z: number): { r: number; x: number } {
  let q = 0;
  let r = 0;
  let x = 0;
  for (let k = 1; k <= n; k++) {
    r = s * (1 + q);
    x = k / (r + z);
    q = x * r;
  }
  return { r, x };
}

/** "m [lo, hi]" with `digits` decimals. */
export function fmt(ci: Interval, digits = 3): string {
  return `${ci.mean.toFixed(digits)} [${ci.lo.toFixed(digits)}, ${ci.hi.toFixed(digits)}]`;
}
