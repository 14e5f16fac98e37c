// Number formatting for the report, independent of locale and ICU data so output is the same bytes
// on every machine (toLocaleString would not be).

/** Rounds to `decimals` places, drops trailing zeros, groups thousands with ','; non-finite gives '-'. */
export function fmtNum(v: number, decimals = 2): string {
  if (!Number.isFinite(v)) return '-';
  const s = plain(v, decimals);
  const neg = s.startsWith('-');
  const [int, frac] = (neg ? s.slice(1) : s).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + grouped + (frac ? '.' + frac : '');
}

/** Like fmtNum without grouping: for SVG coordinates and CSV cells. */
export function plain(v: number, decimals = 2): string {
  if (!Number.isFinite(v)) return '0';
  const r = Number(v.toFixed(decimals)) + 0; // + 0 turns -0 into 0
  return String(r);
}

/** A duration in milliseconds, in ms below 10 s and in seconds above. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (Math.abs(ms) >= 10_000) return `${fmtNum(ms / 1000, 2)} s`;
  return `${fmtNum(ms, ms !== 0 && Math.abs(ms) < 1 ? 3 : 2)} ms`;
}

/** A fraction as a percentage. */
export function fmtPct(fraction: number, decimals = 1): string {
  return `${fmtNum(fraction * 100, decimals)}%`;
}
