// Checks written from the mutants of src/scenario that the quick pass left alive (docs/mutation.md):
// keepalived's advert_int rounding at its edges, which malformed rates are "missing a unit" and
// which are "not a rate", and the errors of hosts/place/cpu without hosts. Every expected value is
// worked out by hand beside it.
import { normalizeAdvertInt_us } from '../src/scenario/keepalived-config.js';
import { parseScenario, ScenarioError } from '../src/scenario/load.js';
import { parseRate_per_s } from '../src/scenario/units.js';

describe('normalizeAdvertInt_us at its edges', () => {
  test.each([
    // 0 (unset) takes keepalived's default of 1 s, for both versions
    [0, 2, 1_000_000],
    [0, 3, 1_000_000],
    // v2: 256 s and more is clamped to 255 s; 255 s stays
    [256_000_000, 2, 255_000_000],
    [255_000_000, 2, 255_000_000],
    // v2 rounds to the nearest second: 1.4 s -> 1 s, 1.5 s -> 2 s, 0.4 s -> 0 -> 1 s
    [1_400_000, 2, 1_000_000],
    [1_500_000, 2, 2_000_000],
    [400_000, 2, 1_000_000],
    // v3: 40.96 s and more is clamped to 40.95 s
    [40_960_000, 3, 40_950_000],
    // v3 rounds to centiseconds: 40.955 s + 5 ms = 40.960 s, which v3 cannot carry -> 40.95 s
    [40_955_000, 3, 40_950_000],
    // 1.234 s -> 1.23 s; 4 ms -> 0 -> 10 ms
    [1_234_000, 3, 1_230_000],
    [4_000, 3, 10_000],
  ] as const)('%d µs, VRRP v%d -> %d µs', (in_us, version, out_us) => {
    expect(normalizeAdvertInt_us(in_us, version)).toBe(out_us);
  });
});

describe('rates: which malformed texts lack a unit and which are not rates', () => {
  test.each([
    // a number with at most a magnitude letter: the unit is missing
    ['+5', 'missing unit'],
    ['1.5', 'missing unit'],
    ['1.25', 'missing unit'],
    ['.25', 'missing unit'],
    ['1e5', 'missing unit'],
    ['1e+5', 'missing unit'],
    ['1e10', 'missing unit'],
    ['5 k', 'missing unit'],
    // anything else is not a rate
    ['x5', 'not a rate'],
    ['5k/', 'not a rate'],
  ])('%s: %s', (text, want) => {
    expect(() => parseRate_per_s(text)).toThrow(want);
  });

  test('bare zeros in any spelling need no unit', () => {
    expect(parseRate_per_s('00')).toBe(0);
    expect(parseRate_per_s('0.00')).toBe(0);
  });

  test('surrounding blanks are trimmed', () => {
    expect(parseRate_per_s(' 200k/s ')).toBe(200_000);
  });

  test('an unknown magnitude or rate unit is named', () => {
    expect(() => parseRate_per_s('5x/s')).toThrow(`unknown magnitude 'x' in "5x/s" (allowed: k, M, G)`);
    expect(() => parseRate_per_s('5/d')).toThrow(`unknown rate unit '/d' in "5/d" (allowed: /us, /ms, /s, /min, /h)`);
  });
});

function errorOf(text: string): string {
  try {
    parseScenario(text, 'x.yaml');
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  throw new Error('expected a ScenarioError, but the scenario loaded');
}

describe('hosts, place and cpu: the errors', () => {
  const base = 'name: h\nnginx: { upstream: { servers: [ { name: app1 }, { name: app2 } ] } }\n';
  test.each([
    ['place without hosts', `${base}place: { box1: [app1] }\n`, /^x\.yaml:\d+: place: needs `hosts:` \(the machines to place processes on\)/],
    ['cpu without hosts', `${base}cpu: { app: 100us }\n`, /^x\.yaml:\d+: cpu: needs `hosts:` \(CPU time is spent on a host\)/],
    ['no host', `${base}hosts: {}\n`, /^x\.yaml:\d+: hosts: must name at least one host/],
    ['cpu.app of the wrong length', `${base}hosts: { box1: { cores: 2 } }\ncpu: { app: [100us] }\n`, /^x\.yaml:\d+: cpu\.app: must have one entry per upstream server \(2\), got 1$/],
  ])('%s', (_what, text, want) => {
    expect(errorOf(text)).toMatch(want);
  });
});
