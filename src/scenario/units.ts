// Units for scenario values: durations become integer microseconds, rates become per-second floats.
// Errors are thrown as plain Error with a short message; the loader adds file, line and key path.

const NUMBER = String.raw`([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)`;

// Microseconds per unit. Both the micro sign (U+00B5) and Greek mu (U+03BC) are accepted,
// because keyboards produce either.
const DURATION_UNITS: Record<string, number> = {
  ns: 0.001,
  us: 1,
  '\u00b5s': 1,
  '\u03bcs': 1,
  ms: 1_000,
  s: 1_000_000,
  m: 60_000_000,
  min: 60_000_000,
  h: 3_600_000_000,
};

const DURATION_RE = new RegExp(`^${NUMBER}\\s*([a-zA-Z\u00b5\u03bc]*)$`);

/** "250us", "3ms", "1.5s", "2m", "1h", "500ns" -> integer microseconds (rounded). A bare 0 is allowed. */
export function parseDuration_us(text: string | number): number {
  const raw = typeof text === 'number' ? String(text) : text.trim();
  const m = DURATION_RE.exec(raw);
  if (!m) throw new Error(`not a duration: ${JSON.stringify(raw)} (write e.g. 250us, 3ms, 1.5s, 2m)`);
  const value = Number(m[1]);
  // Stryker disable next-line StringLiteral: the regex group always takes part in a match, so the fallback is never read
  const unit = m[2] ?? '';
  if (value < 0 || Object.is(value, -0)) throw new Error(`must not be negative (got ${raw})`);
  if (unit === '') {
    if (value === 0) return 0;
    throw new Error(`missing unit (write e.g. 30s) (got ${raw})`);
  }
  const scale = DURATION_UNITS[unit];
  if (scale === undefined) {
    throw new Error(`unknown duration unit '${unit}' in ${JSON.stringify(raw)} (allowed: ns, us, µs, ms, s, m, min, h)`);
  }
  const us = Math.round(value * scale);
  if (!Number.isSafeInteger(us)) throw new Error(`duration too large (got ${raw})`);
  return us;
}

// Seconds per unit of the rate's denominator.
const RATE_PER: Record<string, number> = {
  us: 1e-6,
  '\u00b5s': 1e-6,
  '\u03bcs': 1e-6,
  ms: 1e-3,
  s: 1,
  min: 60,
  h: 3600,
};
// Magnitude suffixes. No lowercase 'm': it would read as milli to some and mega to others.
const MAGNITUDE: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9 };

const RATE_RE = new RegExp(`^${NUMBER}\\s*([a-zA-Z]?)\\s*/\\s*([a-zA-Z\u00b5\u03bc]+)$`);

/** "200000/s", "200k/s", "1.5M/s", "12/ms", "600/min" -> events per second (a float). */
export function parseRate_per_s(text: string | number): number {
  const raw = typeof text === 'number' ? String(text) : text.trim();
  const m = RATE_RE.exec(raw);
  if (!m) {
    if (/^[+-]?0*(?:\.0*)?$/.test(raw) && /\d/.test(raw)) return 0; // a bare 0 needs no unit
    if (/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*[a-zA-Z]?$/.test(raw)) {
      throw new Error(`missing unit (write e.g. 200k/s) (got ${raw})`);
    }
    throw new Error(`not a rate: ${JSON.stringify(raw)} (write e.g. 200000/s, 200k/s, 12/ms, 600/min)`);
  }
  const value = Number(m[1]);
  if (value < 0 || Object.is(value, -0)) throw new Error(`must not be negative (got ${raw})`);
  // Stryker disable next-line StringLiteral: the regex group always takes part in a match, so the fallback is never read
  const mag = MAGNITUDE[m[2] ?? ''];
  if (mag === undefined) throw new Error(`unknown magnitude '${m[2]}' in ${JSON.stringify(raw)} (allowed: k, M, G)`);
  // Stryker disable next-line StringLiteral: the regex group always takes part in a match, so the fallback is never read
  const per = RATE_PER[m[3] ?? ''];
  if (per === undefined) {
    throw new Error(`unknown rate unit '/${m[3]}' in ${JSON.stringify(raw)} (allowed: /us, /ms, /s, /min, /h)`);
  }
  const rate = (value * mag) / per;
  if (!Number.isFinite(rate)) throw new Error(`rate too large (got ${raw})`);
  return rate;
}

// Largest first; m and h only when whole, since "1.5m" reads worse than "90s".
const FORMAT_UNITS: ReadonlyArray<{ unit: string; us: number; step: number }> = [
  { unit: 'h', us: 3_600_000_000, step: 3_600_000_000 },
  { unit: 'm', us: 60_000_000, step: 60_000_000 },
  { unit: 's', us: 1_000_000, step: 1_000 },
  { unit: 'ms', us: 1_000, step: 1 },
];

/** Integer microseconds -> the shortest exact text that parseDuration_us reads back to the same value. */
export function formatDuration(us: number): string {
  if (us < 0) return `-${formatDuration(-us)}`;
  if (us === 0) return '0s';
  if (Number.isInteger(us)) {
    for (const u of FORMAT_UNITS) {
      if (us >= u.us && us % u.step === 0) {
        const text = `${us / u.us}${u.unit}`;
        // near 2^53 the decimal may not survive the float multiply back; fall through to µs then
        if (parseDuration_us(text) === us) return text;
      }
    }
  }
  return `${us}us`;
}
