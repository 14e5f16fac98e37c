// The random failure set of a study: `{ random_kill: { count, among, between } }` kills `count`
// distinct nodes of `among`, each at a uniform time in `between`, drawn from the `faults` stream.
// Each seed (each replication) sees its own set, and every configuration the same one.
import fc from 'fast-check';
import { RngStream } from '../src/engine/rng.js';
import { drawRandomKills } from '../src/model/faults/injector.js';
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';

const FILE = 'rk.yaml';
const TEXT = `name: rk
seed: 3
tickets: { inventory: 200, script: fixed }
users:
  load:
    open: { users: 1500, rate: 20k/s }
app:
  local_stock: { buffer: 1.2 }
  local_check: exact
faults:
  - { at: 5ms, slow: app3, factor: 2 }
  - { random_kill: { count: 2, among: [app1, app2, app3, app4], between: [10ms, 50ms] } }
`;

const kills = (seed: number, set: string[] = []) =>
  runScenario(parseScenario(TEXT, FILE, { seed, set }))
    .report.summary.faults.filter((f) => f.action === 'kill')
    .map((f) => `${f.target}@${f.at_ms}`);

describe('random_kill', () => {
  test('loads with its line; count, among and between are checked', () => {
    const s = parseScenario(TEXT, FILE);
    expect(s.random_kills).toEqual([{ count: 2, among: ['app1', 'app2', 'app3', 'app4'], from_us: 10_000, until_us: 50_000, line: 12 }]);
    expect(s.faults.length).toBe(1);
    const bad = (fault: string) => () => parseScenario(TEXT.replace(/  - \{ random_kill.*\n/, `  - ${fault}\n`), FILE);
    expect(bad('{ random_kill: { count: 5, among: [app1, app2], between: [1s, 2s] } }')).toThrow(
      'rk.yaml:12: faults[1].random_kill.count: must be at most the 2 nodes of among',
    );
    expect(bad('{ random_kill: { count: 1, among: [app1, app9], between: [1s, 2s] } }')).toThrow('faults[1].random_kill.among[1]: unknown node "app9"');
    expect(bad('{ random_kill: { count: 1, among: [app1, app1], between: [1s, 2s] } }')).toThrow('faults[1].random_kill.among: app1 is listed twice');
    expect(bad('{ random_kill: { count: 1, among: [app1], between: [3s, 2s] } }')).toThrow('faults[1].random_kill.between: must be two durations [lo, hi] with lo <= hi');
    expect(bad('{ random_kill: { count: 1, among: [app1], between: [1s] } }')).toThrow('faults[1].random_kill.between: must be two durations');
  });

  test('a run kills two distinct nodes of among, within between; the same seed the same set', () => {
    const k = kills(3);
    expect(k.length).toBe(2);
    const [a, b] = k.map((x) => x.split('@'));
    expect(a?.[0]).not.toBe(b?.[0]);
    for (const [node, at] of [a, b] as [string, string][]) {
      expect(['app1', 'app2', 'app3', 'app4']).toContain(node);
      expect(Number(at)).toBeGreaterThanOrEqual(10);
      expect(Number(at)).toBeLessThanOrEqual(50);
    }
    expect(kills(3)).toEqual(k);
  });

  test('each seed its own set; every configuration of a seed the same set (common random numbers)', () => {
    const sets = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => kills(seed).map((x) => x.split('@')[0]).sort().join('+')));
    expect(sets.size).toBeGreaterThan(2);
    for (const seed of [1, 2, 3]) {
      expect(kills(seed, ['app.local_stock.buffer=1.05'])).toEqual(kills(seed));
      // a rate-driven random fault added to the configuration does not move the kill set
      expect(kills(seed, ['faults[2]={random: slow, nodes: [app2], mtbf: 20ms, mttr: 5ms}'])).toEqual(kills(seed));
    }
  });

  test('property: count distinct nodes of among, times within [from, until]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }), fc.nat(1000), (n, from, span, seed) => {
        const among = Array.from({ length: n }, (_, i) => `app${i + 1}`);
        const count = 1 + (seed % n);
        const out = drawRandomKills([{ count, among, from_us: from, until_us: from + span, line: 1 }], new RngStream('faults', seed));
        expect(out.length).toBe(count);
        const targets = out.map((f) => (f.action === 'kill' ? f.target : ''));
        expect(new Set(targets).size).toBe(count);
        for (const f of out) {
          expect(among).toContain(f.action === 'kill' ? f.target : '');
          expect(f.at_us).toBeGreaterThanOrEqual(from);
          expect(f.at_us).toBeLessThanOrEqual(from + span);
        }
      }),
      { seed: 5, numRuns: 200 },
    );
  });
});
