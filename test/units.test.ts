import fc from 'fast-check';
import { formatDuration, parseDuration_us, parseRate_per_s } from '../src/scenario/units.js';

describe('parseDuration_us', () => {
  test.each([
    ['250us', 250],
    ['250µs', 250], // micro sign U+00B5
    ['250μs', 250], // Greek mu U+03BC
    ['3ms', 3_000],
    ['1.5s', 1_500_000],
    ['2m', 120_000_000],
    ['1min', 60_000_000],
    ['1h', 3_600_000_000],
    ['500ns', 1], // 0.5 µs rounds half up
    ['400ns', 0],
    ['1499ns', 1],
    ['0.1s', 100_000],
    ['.5ms', 500],
    ['1e3us', 1_000],
    [' 30s ', 30_000_000],
    ['30 s', 30_000_000],
    ['0', 0],
    ['0s', 0],
  ])('%s -> %d µs', (text, us) => {
    expect(parseDuration_us(text)).toBe(us);
  });

  test('a bare number 0 is allowed, any other bare number needs a unit', () => {
    expect(parseDuration_us(0)).toBe(0);
    expect(() => parseDuration_us(30)).toThrow('missing unit (write e.g. 30s)');
    expect(() => parseDuration_us('30')).toThrow('missing unit (write e.g. 30s)');
    expect(() => parseDuration_us('1.5')).toThrow('missing unit');
  });

  test('negative durations are errors', () => {
    expect(() => parseDuration_us('-5s')).toThrow('must not be negative (got -5s)');
    expect(() => parseDuration_us('-0s')).toThrow('must not be negative');
  });

  test('unknown units and junk are errors that say what is allowed', () => {
    expect(() => parseDuration_us('5d')).toThrow(/unknown duration unit 'd'.*allowed: ns, us, µs, ms, s, m, min, h/);
    expect(() => parseDuration_us('5 secs')).toThrow("unknown duration unit 'secs'");
    expect(() => parseDuration_us('fast')).toThrow('not a duration: "fast"');
    expect(() => parseDuration_us('1m30s')).toThrow('not a duration');
    expect(() => parseDuration_us('')).toThrow('not a duration');
  });

  test('durations past 2^53 µs are refused rather than silently imprecise', () => {
    expect(() => parseDuration_us('1e12h')).toThrow('duration too large');
  });
});

describe('parseRate_per_s', () => {
  test.each([
    ['200000/s', 200_000],
    ['200k/s', 200_000],
    ['200K/s', 200_000],
    ['1.5M/s', 1_500_000],
    ['2G/s', 2e9],
    ['12/ms', 12_000],
    ['3/us', 3_000_000],
    ['600/min', 10],
    ['7200/h', 2],
    ['5 / s', 5],
    ['0/s', 0],
    ['0', 0],
  ])('%s -> %d /s', (text, rate) => {
    expect(parseRate_per_s(text)).toBeCloseTo(rate, 9);
  });

  test('a bare number needs a unit', () => {
    expect(() => parseRate_per_s('200000')).toThrow('missing unit (write e.g. 200k/s)');
    expect(() => parseRate_per_s(5)).toThrow('missing unit');
    expect(() => parseRate_per_s('200k')).toThrow('missing unit');
  });

  test('negative rates are errors', () => {
    expect(() => parseRate_per_s('-5/s')).toThrow('must not be negative (got -5/s)');
  });

  test('unknown units and magnitudes are errors', () => {
    expect(() => parseRate_per_s('5/day')).toThrow("unknown rate unit '/day'");
    expect(() => parseRate_per_s('5m/s')).toThrow("unknown magnitude 'm'");
    expect(() => parseRate_per_s('lots')).toThrow('not a rate: "lots"');
  });
});

describe('formatDuration', () => {
  test.each([
    [0, '0s'],
    [250, '250us'],
    [1_000, '1ms'],
    [1_500, '1.5ms'],
    [1_234_567, '1234.567ms'],
    [1_500_000, '1.5s'],
    [90_000_000, '90s'],
    [120_000_000, '2m'],
    [3_600_000_000, '1h'],
    [5_400_000_000, '90m'],
    [-3_000, '-3ms'],
  ])('%d µs -> %s', (us, text) => {
    expect(formatDuration(us)).toBe(text);
  });

  test('parsing the formatted text gives back the same microseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (us) => {
        expect(parseDuration_us(formatDuration(us))).toBe(us);
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});
