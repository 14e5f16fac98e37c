// The expect: block: parsing (numbers, comparisons, the fingerprint as text), checking paths
// before a run, evaluating after it, and the fingerprint that pins a run.
import { evaluateExpectations, holds } from '../src/metrics/expect.js';
import { expectablePaths } from '../src/metrics/expect-paths.js';
import { checkExpectPaths, summarySkeleton } from '../src/model/summary-skeleton.js';
import { runScenario } from '../src/model/stack.js';
import { loadScenario, parseScenario, ScenarioError } from '../src/scenario/load.js';
import { parseExpectation } from '../src/scenario/schema.js';
import type { Expectation } from '../src/scenario/types.js';

const SMALL = `name: tiny
seed: 3
tickets: { inventory: 20 }
users:
  load:
    open: { users: 400, rate: 20k/s }
app:
  local_stock: { buffer: 2 }
  service_time: { exp: 20us }
`;

const load = (extra = '', opts: { seed?: number; set?: string[] } = {}) => parseScenario(SMALL + extra, 'tiny.yaml', opts);

describe('parseExpectation', () => {
  test('numbers and comparisons as before', () => {
    expect(parseExpectation(3)).toEqual({ op: 'eq', a: 3, b: 3, raw: '3' });
    expect(parseExpectation('>= 9990')).toMatchObject({ op: 'ge', a: 9990 });
    expect(parseExpectation('between 0.09 and 0.11')).toMatchObject({ op: 'between', a: 0.09, b: 0.11 });
    expect(() => parseExpectation('abcd1234')).toThrow(/must be a number or a string/);
    expect(() => parseExpectation('between 2 and 1')).toThrow(/A <= B/);
  });

  test('the fingerprint is text, held by equality', () => {
    expect(parseExpectation('0BadF00d', 'fingerprint')).toMatchObject({ op: 'eq_text', raw: '0badf00d' });
    // YAML reads an unquoted all-digit fingerprint as a number: its digits come back
    expect(parseExpectation(12345678, 'fingerprint').raw).toBe('12345678');
    expect(parseExpectation(1234, 'fingerprint').raw).toBe('00001234');
    expect(() => parseExpectation('xyz', 'fingerprint')).toThrow(/8 hex digits/);
    expect(() => parseExpectation('>= 3', 'fingerprint')).toThrow(/8 hex digits/);
    expect(() => parseExpectation(1.5, 'fingerprint')).toThrow(/8 hex digits/);
  });

  test('a bad fingerprint in a file names its line', () => {
    expect(() => load('expect:\n  fingerprint: nothex!!\n')).toThrow(/tiny\.yaml:11: expect\.fingerprint: must be 8 hex digits/);
  });
});

describe('expect paths are checked before the run', () => {
  const problem = (extra: string, set: string[] = []): string => {
    try {
      checkExpectPaths(load(extra, { set }));
      return '';
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      return (e as Error).message;
    }
  };

  test('known paths pass, including each server and the fingerprint', () => {
    expect(problem('expect:\n  tickets.sold: 20\n  tiers.app.app4.share: "<= 1"\n  invariants.ledger: 1\n  sell_out_ms: ">= 0"\n  fingerprint: "00000000"\n')).toBe('');
  });

  test('a typo: file, line, key path, and a suggestion', () => {
    expect(problem('expect:\n  tickets.sold: 20\n  tickets.sould: 3\n')).toBe('tiny.yaml:12: expect.tickets.sould: unknown summary.json path (did you mean tickets.sold?)');
  });

  test('a server the scenario does not have', () => {
    expect(problem('expect:\n  tiers.app.app9.share: 0.1\n')).toMatch(/^tiny\.yaml:11: expect\.tiers\.app\.app9\.share: unknown summary\.json path/);
  });

  test('a group is not a number; text is only for the fingerprint', () => {
    expect(problem('expect:\n  tickets: 3\n')).toMatch(/expect\.tickets: is a group, not a number \(e\.g\. tickets\.inventory/);
    expect(problem('expect:\n  scenario: 3\n')).toMatch(/expect\.scenario: is text/);
  });

  test('one from --set names the --set', () => {
    expect(problem('', ['expect.tickets.sould=3'])).toBe('tiny.yaml: --set expect.tickets.sould: unknown summary.json path (did you mean tickets.sold?)');
  });

  test('paths under lists are left to the run (their length is not known before)', () => {
    expect(problem('expect:\n  faults.0.at_ms: 0\n')).toBe('');
  });

  test('the skeleton has the same paths as a real summary', () => {
    const s = load();
    const real = runScenario(s).report.summary;
    expect(expectablePaths(summarySkeleton(s)).sort()).toEqual(expectablePaths(real).sort());
  });
});

describe('evaluation', () => {
  const e = (path: string, value: unknown): Expectation => ({ ...parseExpectation(value, path), path, line: 1 });

  test('text equality for the fingerprint', () => {
    const sum = { fingerprint: '0badf00d', tickets: { sold: 3 } };
    expect(evaluateExpectations(sum, [e('fingerprint', '0badf00d')]).fingerprint).toEqual({ want: '0badf00d', value: '0badf00d', held: true });
    expect(evaluateExpectations(sum, [e('fingerprint', 'deadbeef')]).fingerprint?.held).toBe(false);
    expect(holds(e('tickets.sold', 3), 3)).toBe(true);
    expect(holds(e('tickets.sold', 3), null)).toBe(false);
  });
});

describe('the fingerprint pins a run', () => {
  test('the same seed gives the same fingerprint; another seed another one', () => {
    const a = runScenario(load()).report.summary.fingerprint;
    const b = runScenario(load()).report.summary.fingerprint;
    const c = runScenario(load('', { seed: 4 })).report.summary.fingerprint;
    expect(a).toMatch(/^[0-9a-f]{8}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  test('it covers outcomes: source-ab at seed 1001 with inventory 500 or 1000 runs the same events, not the same sales', () => {
    const ab = (inventory: number) =>
      runScenario(loadScenario('scenarios/source-ab.yaml', { seed: 1001, set: [`tickets.inventory=${inventory}`] })).report.summary;
    const a = ab(500);
    const b = ab(1000);
    expect([a.tickets.sold, b.tickets.sold]).toEqual([501, 1001]);
    expect(a.events).toBe(b.events);
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });

  test('it covers one Lua reply: a script that answers 1005 instead of 5 once, granting all the same', () => {
    const script = (fifth: string) =>
      `{lua: "local n = redis.call('HINCRBY', KEYS[1], ARGV[2], 1) if n == 5 then return ${fifth} end return n"}`;
    const a = runScenario(load('', { set: [`tickets.script=${script('n')}`] })).report.summary;
    const b = runScenario(load('', { set: [`tickets.script=${script('1005')}`] })).report.summary;
    expect({ ...a, fingerprint: '' }).toEqual({ ...b, fingerprint: '' });
    expect(a.tiers.redis.script_refused).toBe(0); // every call grants, the fifth among them
    expect(a.tiers.redis.script_ok).toBeGreaterThan(5);
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });

  test('expect.fingerprint holds for its own run and breaks for any other', () => {
    const fp = runScenario(load()).report.summary.fingerprint;
    const pinned = `expect:\n  fingerprint: "${fp}"\n`;
    expect(runScenario(load(pinned)).report.summary.expect.fingerprint).toEqual({ want: fp, value: fp, held: true });
    expect(runScenario(load(pinned, { seed: 4 })).report.summary.expect.fingerprint?.held).toBe(false);
    expect(runScenario(load(pinned, { set: ['tickets.inventory=21'] })).report.summary.expect.fingerprint?.held).toBe(false);
  });
});
