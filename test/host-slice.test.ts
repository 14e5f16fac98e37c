// The host CPU with Linux's time slices (EEVDF): one thread per core at a time, for up to its slice
// or until it blocks. Every case is worked by hand in its comment, from the rules in eevdf.ts.
import { Engine } from '../src/engine/engine.js';
import { HostCpu } from '../src/model/host/cpu.js';
import { SliceCpu } from '../src/model/host/eevdf.js';
import { Hosts } from '../src/model/host/hosts.js';
import { kernelSlice_us } from '../src/scenario/hosts-resolve.js';

/** A host on a fresh engine; `done` records (time, tag) of each finished piece. */
function host(cores: number, slice_us: number) {
  const engine = new Engine();
  const cpu = new SliceCpu(engine, 'box1', cores, slice_us);
  const done: [number, number][] = [];
  const kDone = engine.register('test.done', (tag) => done.push([engine.now_us, tag]));
  let kinds = 0;
  const at = (t: number, f: () => void) => engine.at(t, engine.register(`test.at.${kinds++}`, f), 0);
  return { engine, cpu, done, kDone, at };
}

describe('SliceCpu (EEVDF slices)', () => {
  test('two single-thread processes on one core take turns a slice at a time', () => {
    const h = host(1, 1000);
    const a = h.cpu.addProcess(1);
    const b = h.cpu.addProcess(1);
    h.cpu.submit(a, 3000, h.kDone, 1, 0);
    h.cpu.submit(b, 3000, h.kDone, 2, 0);
    h.engine.run();
    // A runs 0-1000 (B, placed at V = 0, waits: A is protected to its deadline 1000). At 1000 A's
    // v = 1000 > V = 500, B (v 0) is eligible: B 1000-2000. At 2000 both v = 1000, deadlines 2000:
    // the waiting one wins the tie, A 2000-3000; then B 3000-4000 (deadline 2000 < A's 3000); A
    // 4000-5000 ends its 3000; B alone 5000-6000. Processor sharing: both at 6000; FIFO: 3000, 6000.
    expect(h.done).toEqual([
      [5000, 1],
      [6000, 2],
    ]);
    expect(h.cpu.utilization(6000)).toBe(1);
  });

  test('a thread that blocks releases its core at once', () => {
    const h = host(1, 1000);
    const a = h.cpu.addProcess(1);
    const b = h.cpu.addProcess(1);
    h.cpu.submit(a, 200, h.kDone, 1, 0);
    h.cpu.submit(b, 500, h.kDone, 2, 0);
    h.engine.run();
    // A runs its 200 and blocks inside its slice; B has the core from 200 (sharing: A at 400)
    expect(h.done).toEqual([
      [200, 1],
      [700, 2],
    ]);
  });

  test('a woken thread waits while the running one is inside its protected slice', () => {
    const h = host(1, 1000);
    const a = h.cpu.addProcess(1);
    const b = h.cpu.addProcess(1);
    h.cpu.submit(b, 3000, h.kDone, 2, 0);
    h.at(300, () => h.cpu.submit(a, 100, h.kDone, 1, 0));
    h.engine.run();
    // at 300 A is placed at V = 300 (deadline 1300); B is protected to v = 1000, so A waits. At
    // 1000 B's v = 1000 > V = 650: A runs 1000-1100; B resumes and ends at 1100 + 2000
    expect(h.done).toEqual([
      [1100, 1],
      [3100, 2],
    ]);
  });

  test('past its protection the running thread still keeps the core while its deadline is earlier', () => {
    const h = host(1, 1000);
    const a = h.cpu.addProcess(1);
    const b = h.cpu.addProcess(1);
    h.cpu.submit(b, 3000, h.kDone, 2, 0);
    h.at(1500, () => h.cpu.submit(a, 100, h.kDone, 1, 0));
    h.engine.run();
    // alone, B renews its deadline to 2000 at v = 1000. A wakes at 1500 at V = 1500, deadline
    // 2500: B is unprotected but its deadline is earlier, so no preemption. At 2000 B (v 2000) is
    // past V = 1750: A runs 2000-2100, B ends at 3100
    expect(h.done).toEqual([
      [2100, 1],
      [3100, 2],
    ]);
  });

  test('a thread that blocked owed CPU keeps its lag: it is placed back from V and runs first', () => {
    const h = host(1, 1000);
    const a = h.cpu.addProcess(1);
    const b = h.cpu.addProcess(1);
    const c = h.cpu.addProcess(1);
    h.cpu.submit(b, 5000, h.kDone, 2, 0);
    h.at(300, () => h.cpu.submit(a, 100, h.kDone, 1, 0));
    h.at(1500, () => {
      h.cpu.submit(c, 100, h.kDone, 3, 0);
      h.cpu.submit(a, 100, h.kDone, 1, 0);
    });
    h.engine.run();
    // A waits for B's slice, runs 1000-1100 and blocks at v = 400 with V = (400 + 1000) / 2: lag
    // 300. At 1500 (B at v = 1400, protected to 2000) C is placed at V = 1400, deadline 2400, and
    // A at V - 300 x 3/2 = 950, deadline 1950. With A queued, V = (1400 + 1400 + 950) / 3 = 1250:
    // B is no longer eligible, so A preempts it, 1500-1600. Then B (deadline 2000, before C's)
    // to the end of its slice at 2200, C 2200-2300, B to 5300. Without the lag A would be placed
    // at 1400 with C's deadline, wait for B's slice and follow C: C at 1800, A at 1900.
    expect(h.done).toEqual([
      [1100, 1],
      [1600, 1],
      [2300, 3],
      [5300, 2],
    ]);
  });

  test('an event-loop process serves its pieces in order and keeps the core while it has more', () => {
    const h = host(1, 1000);
    const loop = h.cpu.addProcess(1);
    const other = h.cpu.addProcess(1);
    h.cpu.submit(loop, 100, h.kDone, 1, 0);
    h.cpu.submit(loop, 50, h.kDone, 2, 0);
    h.cpu.submit(loop, 10, h.kDone, 3, 0);
    h.cpu.submit(other, 1000, h.kDone, 4, 0);
    h.engine.run();
    // the loop's thread runs 100, 50, 10 back to back (160 < its slice), then blocks; the other
    // process gets the core at 160. Sharing would end the loop's pieces at 200, 300, 330.
    expect(h.done).toEqual([
      [100, 1],
      [150, 2],
      [160, 3],
      [1160, 4],
    ]);
  });

  test('one thread uses one core: a second core stays free for another process', () => {
    const h = host(2, 1000);
    const loop = h.cpu.addProcess(1);
    const other = h.cpu.addProcess(1);
    h.cpu.submit(loop, 100, h.kDone, 1, 0);
    h.cpu.submit(loop, 50, h.kDone, 2, 0);
    h.cpu.submit(other, 120, h.kDone, 3, 0);
    h.engine.run();
    expect(h.done).toEqual([
      [100, 1],
      [120, 3],
      [150, 2],
    ]);
    expect(h.cpu.utilization(150)).toBeCloseTo(270 / 300, 12);
  });

  test('each core has its own queue: a thread that just ran is not pulled to an idle core until the tick', () => {
    const h = host(2, 10_000);
    const r = h.cpu.addProcess(1);
    const p = h.cpu.addProcess(1);
    const q = h.cpu.addProcess(1);
    h.cpu.submit(r, 100, h.kDone, 1, 0);
    h.cpu.submit(p, 400, h.kDone, 2, 0);
    h.at(150, () => h.cpu.submit(q, 5000, h.kDone, 3, 0));
    h.at(200, () => h.cpu.submit(r, 100, h.kDone, 1, 0));
    h.engine.run();
    // R runs 0-100 on core 0, P 0-400 on core 1. Q takes idle core 0 at 150. At 200 R wakes with
    // both cores busy, one thread each: back to its previous core 0, behind Q (protected: slice
    // 10 ms). At 400 core 1 frees but R left a core 300 µs ago (< 500: cache-hot), so core 1 idles.
    // At the 4 ms tick core 1 pulls R (3.9 ms since it ran): R runs 4000-4100. Q ends at 5150.
    // One queue for both cores would have run R on core 1 at 400.
    expect(h.done).toEqual([
      [100, 1],
      [400, 2],
      [4100, 1],
      [5150, 3],
    ]);
  });

  test('a core going idle pulls a thread that has not run lately from the busier core', () => {
    const h = host(2, 10_000);
    const a = h.cpu.addProcess(1);
    const b = h.cpu.addProcess(1);
    const c = h.cpu.addProcess(1);
    h.cpu.submit(a, 2000, h.kDone, 1, 0);
    h.cpu.submit(b, 700, h.kDone, 2, 0);
    h.cpu.submit(c, 300, h.kDone, 3, 0);
    h.engine.run();
    // A on core 0, B on core 1; C has never run: both cores busy with one thread, so core 0 (the
    // first of equals), behind A. At 700 core 1 frees and pulls C (never ran: not cache-hot).
    expect(h.done).toEqual([
      [700, 2],
      [1000, 3],
      [2000, 1],
    ]);
  });

  test('a woken thread with both cores busy goes to the lighter one, even away from its last core', () => {
    const h = host(2, 10_000);
    const [r, p, q, x] = [0, 1, 2, 3].map(() => h.cpu.addProcess(1));
    h.cpu.submit(r, 100, h.kDone, 1, 0);
    h.cpu.submit(p, 3000, h.kDone, 2, 0);
    h.at(150, () => h.cpu.submit(q, 3000, h.kDone, 3, 0));
    h.at(160, () => h.cpu.submit(x, 3000, h.kDone, 4, 0));
    h.at(200, () => h.cpu.submit(r, 100, h.kDone, 1, 0));
    h.engine.run();
    // R runs 0-100 on core 0, P 0-3000 on core 1; Q takes idle core 0 at 150; X (both busy, equal)
    // queues on core 0. At 200 R's last core holds two threads and core 1 one: R goes to core 1,
    // runs when P ends (3000-3100); then core 1 pulls X from core 0 (3100-6100); Q ends at 3150.
    // Back on its last core R would wait for Q and end at 3250.
    expect(h.done).toEqual([
      [100, 1],
      [3000, 2],
      [3100, 1],
      [3150, 3],
      [6100, 4],
    ]);
  });

  test('a process with more threads than cores: each thread a core, the rest wait their turn', () => {
    const h = host(2, 1000);
    const p = h.cpu.addProcess(4);
    for (let k = 1; k <= 4; k++) h.cpu.submit(p, 100, h.kDone, k, 0);
    h.engine.run();
    // two run 0-100 and block; the two waiting run 100-200 (sharing: all four at 200)
    expect(h.done).toEqual([
      [100, 1],
      [100, 2],
      [200, 3],
      [200, 4],
    ]);
  });

  test('fractions of a microsecond carry over, so a process spends its CPU exactly', () => {
    const h = host(1, 1000);
    const p = h.cpu.addProcess(1);
    for (let k = 1; k <= 4; k++) h.cpu.submit(p, 2.5, h.kDone, k, 0);
    h.engine.run();
    // 2.5 rounds to 3 (carry -0.5), then 2.5 - 0.5 = 2, 3, 2: ends at 3, 5, 8, 10
    expect(h.done.map(([t]) => t)).toEqual([3, 5, 8, 10]);
  });
});

describe('the slice of a host', () => {
  test("defaults to Linux's sched_base_slice for its cores: 0.75 ms x (1 + ilog2(min(cpus, 8)))", () => {
    expect([1, 2, 3, 4, 8, 64].map(kernelSlice_us)).toEqual([750, 1500, 1500, 2250, 3000, 3000]);
  });

  test('slice 0 is processor sharing, any other a scheduler with slices', () => {
    const cfg = (slice_us: number) => ({
      hosts: [{ name: 'box1', cores: 2, slice_us }],
      processes: [{ name: 'redis', host: 'box1', threads: 1, wake_us: 0 }],
      cpu: {
        users_us: 0,
        nginx_us: 0,
        app_us: [],
        redis_us: 0,
        redis_client_us: 0,
        wake_us: { users: 0, nginx: 0, app: 0, redis: 0 },
        split: { app_lock: 0.061, app_after: 0.202, redis_client_send: 0.81 },
        gc: { every: 0, pause_us: 0 },
      },
    });
    expect(new Hosts(new Engine(), cfg(0), 1000).cpus[0]).toBeInstanceOf(HostCpu);
    expect(new Hosts(new Engine(), cfg(1500), 1000).cpus[0]).toBeInstanceOf(SliceCpu);
  });
});
