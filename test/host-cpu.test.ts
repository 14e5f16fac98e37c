// The host CPU: processor sharing among running threads, each process capped at its threads.
// Exact cases worked out by hand, then M/G/1-PS against theory: the mean sojourn time is
// S / (1 - rho) whatever the service distribution.
import { Engine } from '../src/engine/engine.js';
import { RngStreams } from '../src/engine/rng.js';
import { HostCpu } from '../src/model/host/cpu.js';

/** A host on a fresh engine; `done` records (time, tag) of each finished piece. */
function host(cores: number) {
  const engine = new Engine();
  const cpu = new HostCpu(engine, 'box1', cores);
  const done: [number, number][] = [];
  const kDone = engine.register('test.done', (tag) => done.push([engine.now_us, tag]));
  let kinds = 0;
  const at = (t: number, f: () => void) => engine.at(t, engine.register(`test.at.${kinds++}`, f), 0);
  return { engine, cpu, done, kDone, at };
}

describe('HostCpu', () => {
  test('two single-thread processes on one core each get half of it', () => {
    const h = host(1);
    const a = h.cpu.addProcess(1);
    const b = h.cpu.addProcess(1);
    h.cpu.submit(a, 100, h.kDone, 1, 0);
    h.cpu.submit(b, 100, h.kDone, 2, 0);
    h.engine.run();
    // both run at rate 1/2: 100 µs of work each takes 200 µs
    expect(h.done).toEqual([
      [200, 1],
      [200, 2],
    ]);
    expect(h.cpu.utilization(200)).toBe(1);
  });

  test('a process with more work than threads runs at most its threads at once, FIFO', () => {
    const h = host(2);
    const p = h.cpu.addProcess(1);
    h.cpu.submit(p, 100, h.kDone, 1, 0);
    h.cpu.submit(p, 100, h.kDone, 2, 0);
    h.engine.run();
    // one thread: the second piece waits, although a core is free
    expect(h.done).toEqual([
      [100, 1],
      [200, 2],
    ]);
    expect(h.cpu.utilization(200)).toBe(0.5);
  });

  test('a process with more threads than cores is capped at the cores', () => {
    const h = host(2);
    const p = h.cpu.addProcess(4);
    for (let k = 1; k <= 4; k++) h.cpu.submit(p, 100, h.kDone, k, 0);
    h.engine.run();
    // four running pieces on two cores: rate 1/2 each
    expect(h.done.map(([t]) => t)).toEqual([200, 200, 200, 200]);
  });

  test('a late arrival slows the running piece down from then on', () => {
    const h = host(1);
    const p = h.cpu.addProcess(8);
    h.cpu.submit(p, 100, h.kDone, 1, 0);
    h.at(50, () => h.cpu.submit(p, 30, h.kDone, 2, 0));
    h.engine.run();
    // piece 1 has 50 left at t=50; both run at 1/2: piece 2 (30) ends at 50 + 60 = 110, piece 1 has
    // 20 left then and ends at 130
    expect(h.done).toEqual([
      [110, 2],
      [130, 1],
    ]);
  });

  // M/G/1-PS: Poisson arrivals at rate lambda, mean service S, one core: E[T] = S / (1 - rho).
  const psMean = (service: 'const' | 'exp', rho: number): number => {
    const h = host(1);
    const p = h.cpu.addProcess(1_000_000); // unlimited threads: pure processor sharing
    const S = 1000;
    const lambda = rho / S; // per µs
    const rng = new RngStreams(42).stream(`ps:${service}`);
    const jobs = 200_000;
    const start = new Float64Array(jobs);
    let sum = 0;
    const kEnd = h.engine.register('ps.end', (j) => {
      sum += h.engine.now_us - start[j];
    });
    let t = 0;
    const kArrive = h.engine.register('ps.arrive', (j) => {
      start[j] = h.engine.now_us;
      h.cpu.submit(p, service === 'const' ? S : rng.exp(S), kEnd, j, 0);
      if (j + 1 < jobs) {
        t += rng.exp(1 / lambda);
        h.engine.at(Math.round(t), kArrive, j + 1);
      }
    });
    h.engine.at(0, kArrive, 0);
    h.engine.run();
    return sum / jobs;
  };

  test.each([
    ['const', 0.5],
    ['exp', 0.5],
    ['const', 0.8],
  ] as const)('M/G/1-PS with %s service at rho %s: mean sojourn S / (1 - rho)', (service, rho) => {
    const expected = 1000 / (1 - rho);
    // 200k jobs: the batch-means standard error is about 1 % at rho 0.5 and 2 % at rho 0.8
    const got = psMean(service, rho);
    process.stdout.write(`M/G/1-PS ${service} rho ${rho}: ${got.toFixed(1)} us, theory ${expected.toFixed(1)}\n`);
    expect(Math.abs(got / expected - 1)).toBeLessThan(rho < 0.6 ? 0.03 : 0.06);
  });
});
