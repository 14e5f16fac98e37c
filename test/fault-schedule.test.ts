// The random fault schedule's shape: per node, a fault starts only after the previous one was
// repaired, and the up times and repair times have the means the scenario asked for.
import { RngStreams } from '../src/engine/rng.js';
import { drawRandomFaults } from '../src/model/faults/injector.js';
import type { RandomFaults } from '../src/scenario/types.js';

const SPEC: RandomFaults = {
  action: 'kill',
  nodes: ['app1', 'app2', 'app3', 'app4'],
  mtbf_us: 10_000_000,
  mttr_us: 2_000_000,
  factor: 1,
  from_us: 5_000_000,
  until_us: 20_005_000_000, // about 1 670 failures per node
  line: 1,
};

/** The mean of xs and the half-width of a 4-sigma interval around it (exponential: sd = mean). */
function within(xs: number[], mean: number): boolean {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
  return Math.abs(m - mean) < (4 * sd) / Math.sqrt(xs.length);
}

describe('drawRandomFaults', () => {
  const faults = drawRandomFaults([SPEC], new RngStreams(11).stream('faults'));
  const perNode = SPEC.nodes.map((n) => faults.filter((f) => f.action === 'kill' && f.target === n));

  test('each node gets its own faults, all inside [from, until)', () => {
    for (const fs of perNode) {
      expect(fs.length).toBeGreaterThan(1500);
      for (const f of fs) {
        expect(f.at_us).toBeGreaterThanOrEqual(SPEC.from_us);
        expect(f.at_us).toBeLessThan(SPEC.until_us);
        expect(f.for_us).toBeGreaterThanOrEqual(1);
      }
    }
    expect(perNode.reduce((a, fs) => a + fs.length, 0)).toBe(faults.length);
  });

  test('no overlap on a node: the next failure starts after the repair', () => {
    for (const fs of perNode) {
      for (let i = 1; i < fs.length; i++) {
        const prev = fs[i - 1];
        const cur = fs[i];
        expect(cur.at_us).toBeGreaterThanOrEqual(prev.at_us + (prev.for_us ?? NaN));
      }
    }
  });

  test('up times average mtbf and repairs average mttr (4-sigma intervals)', () => {
    for (const fs of perNode) {
      const up = fs.map((f, i) => (i === 0 ? f.at_us - SPEC.from_us : f.at_us - fs[i - 1].at_us - (fs[i - 1].for_us ?? NaN)));
      const repairs = fs.map((f) => f.for_us ?? NaN);
      expect(within(up, SPEC.mtbf_us)).toBe(true);
      expect(within(repairs, SPEC.mttr_us)).toBe(true);
      // and not the other way round: the intervals are narrow enough to tell them apart
      expect(within(up, SPEC.mttr_us)).toBe(false);
      expect(within(repairs, SPEC.mtbf_us)).toBe(false);
    }
  });

  test('slow and partition take the same times, with their own shape', () => {
    const slow = drawRandomFaults([{ ...SPEC, action: 'slow', factor: 3, nodes: ['app1'], until_us: 100_000_000 }], new RngStreams(11).stream('faults'));
    const kill = drawRandomFaults([{ ...SPEC, nodes: ['app1'], until_us: 100_000_000 }], new RngStreams(11).stream('faults'));
    expect(slow.map((f) => [f.at_us, f.for_us])).toEqual(kill.map((f) => [f.at_us, f.for_us]));
    expect(slow.every((f) => f.action === 'slow' && f.factor === 3)).toBe(true);
    const part = drawRandomFaults([{ ...SPEC, action: 'partition', nodes: ['app1'], until_us: 100_000_000 }], new RngStreams(11).stream('faults'));
    expect(part.every((f) => f.action === 'partition' && f.nodes.join() === 'app1')).toBe(true);
  });
});
