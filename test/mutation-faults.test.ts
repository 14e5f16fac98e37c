// The fault schedule drawn from the `faults` stream, checked draw by draw against a scripted
// stream (each expected value follows from the script by hand), and the injector's log of fault
// starts and ends through the whole stack.
import { RngStream, RngStreams } from '../src/engine/rng.js';
import { drawRandomFaults, drawRandomKills, faultSchedule } from '../src/model/faults/injector.js';
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';
import type { Fault, RandomFaults, RandomKill } from '../src/scenario/types.js';

/** A stream that answers int() and exp() from a script and records what it was asked. */
class Scripted extends RngStream {
  readonly asked: string[] = [];
  constructor(private readonly ints: number[], private readonly exps: number[] = []) {
    super('scripted', 1);
  }
  override int(n: number): number {
    this.asked.push(`int(${n})`);
    const v = this.ints.shift();
    if (v === undefined || v >= n) throw new Error(`script: no int below ${n}`);
    return v;
  }
  override exp(mean: number): number {
    this.asked.push(`exp(${mean})`);
    const v = this.exps.shift();
    if (v === undefined) throw new Error('script: no exp left');
    return v;
  }
}

const KILLS: RandomKill = { count: 2, among: ['a', 'b', 'c', 'd'], from_us: 10, until_us: 20, line: 7 };

describe('drawRandomKills', () => {
  test('a partial Fisher-Yates shuffle, each kill at from + a draw over [from, until]', () => {
    // k = 0: j = 0 + 2 -> c (pool becomes c b a d), at 10 + 5. k = 1: j = 1 + 2 = 3 -> d, at 10 + 10.
    const rng = new Scripted([2, 5, 2, 10]);
    expect(drawRandomKills([KILLS], rng)).toEqual([
      { at_us: 15, for_us: 0, line: 7, action: 'kill', target: 'c' },
      { at_us: 20, for_us: 0, line: 7, action: 'kill', target: 'd' },
    ]);
    // the pool shrinks by one per pick; the time draws span until - from + 1 values
    expect(rng.asked).toEqual(['int(4)', 'int(11)', 'int(3)', 'int(11)']);
  });

  test('every node once when count is the whole pool; specs one after another', () => {
    const rng = new Scripted([0, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
    const out = drawRandomKills([{ ...KILLS, count: 4, from_us: 0, until_us: 0 }, { count: 1, among: ['x', 'y', 'z', 'w'], from_us: 1, until_us: 4, line: 9 }], rng);
    expect(out.map((f) => [f.at_us, f.action === 'kill' ? f.target : ''])).toEqual([
      [0, 'a'],
      [0, 'b'],
      [0, 'c'],
      [0, 'd'],
      [4, 'x'],
    ]);
  });

  test('a real stream: distinct nodes, times inside [from, until], both ends reached', () => {
    const rng = new RngStreams(5).stream('faults');
    const times = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const out = drawRandomKills([{ count: 3, among: ['a', 'b', 'c'], from_us: 100, until_us: 102, line: 1 }], rng);
      expect(out.map((f) => (f.action === 'kill' ? f.target : '')).sort()).toEqual(['a', 'b', 'c']);
      for (const f of out) times.add(f.at_us);
    }
    expect([...times].sort()).toEqual([100, 101, 102]);
  });
});

const SPEC: RandomFaults = { action: 'kill', nodes: ['n1', 'n2'], mtbf_us: 1000, mttr_us: 100, factor: 1, from_us: 50, until_us: 400, line: 3 };

describe('drawRandomFaults', () => {
  test('per node: up time, repair, up time ... while the start is before until', () => {
    // n1: starts 50 + 100 = 150, repair 20.4 -> 20; next 150 + 20 + 229.6 -> 400: not < 400, stop.
    // n2: starts 50 + round(349.5) = 400: not before until, so none.
    const rng = new Scripted([], [100, 20.4, 229.6, 349.5]);
    expect(drawRandomFaults([SPEC], rng)).toEqual([{ at_us: 150, for_us: 20, line: 3, action: 'kill', target: 'n1' }]);
    expect(rng.asked).toEqual(['exp(1000)', 'exp(100)', 'exp(1000)', 'exp(1000)']);
  });

  test('a repair lasts at least 1 us; slow and partition keep their shape', () => {
    const one = { ...SPEC, nodes: ['n1'] };
    expect(drawRandomFaults([{ ...one, action: 'slow', factor: 4 }], new Scripted([], [0, 0.2, 1000]))).toEqual([
      { at_us: 50, for_us: 1, line: 3, action: 'slow', target: 'n1', factor: 4 },
    ]);
    expect(drawRandomFaults([{ ...one, action: 'partition' }], new Scripted([], [10, 5, 0, 7, 1000]))).toEqual([
      { at_us: 60, for_us: 5, line: 3, action: 'partition', nodes: ['n1'] },
      { at_us: 65, for_us: 7, line: 3, action: 'partition', nodes: ['n1'] },
    ]);
  });
});

describe('faultSchedule', () => {
  test('fixed faults, then the kill sets, then the random faults; the kills are drawn first', () => {
    const fixed: Fault[] = [{ at_us: 5, for_us: 0, line: 1, action: 'kill', target: 'z' }];
    // the kill takes int(4) = 1 -> b and int(11) = 0 -> at 10; then n1's exp draws, then n2's
    const rng = new Scripted([1, 0], [0, 1, 1000, 1000]);
    const out = faultSchedule(fixed, [SPEC], [{ ...KILLS, count: 1 }], rng);
    expect(out.map((f) => [f.at_us, f.action, f.action === 'partition' ? '' : f.target])).toEqual([
      [5, 'kill', 'z'],
      [10, 'kill', 'b'],
      [50, 'kill', 'n1'],
    ]);
  });
});

describe('the injector through the stack', () => {
  const yaml = (faults: string) => `name: inj
seed: 1
tickets: { inventory: 10, script: fixed }
users:
  load:
    open: { users: 1, rate: 1/s, shape: uniform }
nginx:
  upstream:
    servers:
      - { name: app1, weight: 1 }
app:
  local_stock: [10]
faults:
${faults}`;
  const log = (faults: string) => runScenario(parseScenario(yaml(faults), 'test.yaml')).report.summary.faults.map((f) => [f.at_ms, f.action, f.target]);

  test('a fault with a duration ends; one without does not, except a restart', () => {
    expect(log('  - { at: 1s, slow: app1, factor: 2, for: 2s }\n  - { at: 2s, kill: app1 }\n')).toEqual([
      [1000, 'slow', 'app1'],
      [2000, 'kill', 'app1'],
      [3000, 'slow ends', 'app1'],
    ]);
    // a restart is a stop now and a start when it ends, `for` 0 included
    expect(log('  - { at: 1s, restart: redis }\n')).toEqual([
      [1000, 'restart', 'redis'],
      [1000, 'restart ends', 'redis'],
    ]);
  });
});
