/** `x` rounded to `digits` decimals, as summary.json shows its ratios and times. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
