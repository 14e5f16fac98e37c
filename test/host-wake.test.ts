// The CPU a process spends waking up (`cpu.wake`): charged when one of its threads goes from idle
// to busy, before the piece of work that woke it; not when it takes queued work without blocking,
// nor for the next step of the same request submitted the very µs its last one finished. Every
// case is worked by hand in its comment.
import { Engine } from '../src/engine/engine.js';
import { type Cpu, HostCpu } from '../src/model/host/cpu.js';
import { SliceCpu } from '../src/model/host/eevdf.js';
import { runScenario } from '../src/model/stack.js';
import { loadScenario, parseScenario } from '../src/scenario/load.js';
import { scenarioToUser, scenarioToUserYaml } from '../src/scenario/user-yaml.js';

type Make = (engine: Engine, cores: number) => Cpu;
const slices: Make = (engine, cores) => new SliceCpu(engine, 'box1', cores, 1500);
const sharing: Make = (engine, cores) => new HostCpu(engine, 'box1', cores);

/** A host on a fresh engine; `done` records (time, tag) of each finished piece; `then` runs on a tag's completion. */
function host(make: Make, cores: number) {
  const engine = new Engine();
  const cpu = make(engine, cores);
  const done: [number, number][] = [];
  const then = new Map<number, () => void>();
  const kDone = engine.register('test.done', (tag) => {
    done.push([engine.now_us, tag]);
    then.get(tag)?.();
  });
  let kinds = 0;
  const at = (t: number, f: () => void) => engine.at(t, engine.register(`test.at.${kinds++}`, f), 0);
  return { engine, cpu, done, kDone, at, then };
}

describe.each([
  ['slices (EEVDF)', slices],
  ['processor sharing', sharing],
])('wake-ups on a host with %s', (_name, make) => {
  test('a process idle, then busy: one wake-up for a batch, another after it slept', () => {
    const h = host(make, 1);
    const p = h.cpu.addProcess(1, 30);
    // at 0 A (100 us) wakes the thread: 30 + 100, done at 130; B (50), submitted at once, waits
    // in the FIFO and follows without blocking: done at 180. The thread then sleeps; at 1000 C
    // (100) wakes it again: done at 1130. Two wake-ups, 310 us of CPU.
    h.cpu.submit(p, 100, h.kDone, 1, 0);
    h.cpu.submit(p, 50, h.kDone, 2, 0);
    h.at(1000, () => h.cpu.submit(p, 100, h.kDone, 3, 0));
    h.engine.run();
    expect(h.done).toEqual([
      [130, 1],
      [180, 2],
      [1130, 3],
    ]);
    expect(h.cpu.wakeups(p)).toBe(2);
    expect(h.cpu.utilization(2000)).toBe(310 / 2000);
  });

  test("the request's next step, submitted as its last one ends, is the same turn of the loop", () => {
    const h = host(make, 1);
    const p = h.cpu.addProcess(1, 30);
    // A (100) wakes the thread: done at 130; its completion submits D (40), the next step of the
    // same request: no wake-up, done at 170 (a wake-up would make it 200)
    h.then.set(1, () => h.cpu.submit(p, 40, h.kDone, 4, 0));
    h.cpu.submit(p, 100, h.kDone, 1, 0);
    h.engine.run();
    expect(h.done).toEqual([
      [130, 1],
      [170, 4],
    ]);
    expect(h.cpu.wakeups(p)).toBe(1);
  });

  test('each idle thread that takes work wakes; queued work follows on a busy one', () => {
    const h = host(make, 2);
    const p = h.cpu.addProcess(2, 10);
    // X and Y wake the two threads, one per core: 10 + 100 each, done at 110; Z waits and
    // follows X on its thread without a wake-up: done at 210
    h.cpu.submit(p, 100, h.kDone, 1, 0);
    h.cpu.submit(p, 100, h.kDone, 2, 0);
    h.cpu.submit(p, 100, h.kDone, 3, 0);
    h.engine.run();
    expect(h.done).toEqual([
      [110, 1],
      [110, 2],
      [210, 3],
    ]);
    expect(h.cpu.wakeups(p)).toBe(2);
  });

  test('without a wake cost nothing changes, but wake-ups are still counted', () => {
    const h = host(make, 1);
    const p = h.cpu.addProcess(1);
    h.cpu.submit(p, 100, h.kDone, 1, 0);
    h.at(1000, () => h.cpu.submit(p, 100, h.kDone, 2, 0));
    h.engine.run();
    expect(h.done).toEqual([
      [100, 1],
      [1100, 2],
    ]);
    expect(h.cpu.wakeups(p)).toBe(2);
  });
});

test("a process waking holds the core: the other process waits for its wake-up too (slices)", () => {
  const h = host(slices, 1);
  const p = h.cpu.addProcess(1, 200);
  const q = h.cpu.addProcess(1, 0);
  // P (100) wakes first and runs 0-300 inside its protected slice; Q (100) waits, 300-400
  h.cpu.submit(p, 100, h.kDone, 1, 0);
  h.cpu.submit(q, 100, h.kDone, 2, 0);
  h.engine.run();
  expect(h.done).toEqual([
    [300, 1],
    [400, 2],
  ]);
});

describe('cpu.wake in a scenario', () => {
  // source-ab-one-box, one user sending two requests in turn: smooth WRR sends the first to app4,
  // the second to app3; both sell. Per request: ab wakes once (the answer wakes it for the next),
  // nginx twice (the request; the app's answer), the app twice (the request; Redis's reply; the
  // lock, the call and the answer follow as the same turn), Redis once.
  const run = (wake: string) =>
    runScenario(
      loadScenario('scenarios/source-ab-one-box.yaml', {
        set: ['users.load={closed: {concurrency: 1, requests: 2}}', 'cpu={users: 53us, nginx: 84us, app: 200us, redis: 42us, redis_client: 63us, threads: {app: 1}' + wake + '}'],
      }),
    ).report.summary;

  test('counts each process wake-ups and charges them on the host', () => {
    const plain = run('');
    const woken = run(', wake: {users: 10us, nginx: 20us, app: 30us, redis: 40us}');
    expect(plain.hosts?.box1?.wakeups).toBeUndefined();
    expect(woken.hosts?.box1?.wakeups).toEqual({ users: 2, nginx1: 4, app1: 0, app2: 0, app3: 2, app4: 2, redis: 2 });
    // 2 x 10 + 4 x 20 + 4 x 30 + 2 x 40 = 300 us more CPU
    expect(woken.hosts?.box1?.cpu_ms).toBeCloseTo((plain.hosts?.box1?.cpu_ms ?? 0) + 0.3, 9);
    // every wake-up is on the request's path: each of the two requests takes 10 + 2 x 20 + 2 x 30 + 40 = 150 us longer
    expect(woken.duration_ms).toBeCloseTo(plain.duration_ms + 0.3, 9);
  });

  test('is printed back by sim validate, and so is a split that is not the default', () => {
    const s = loadScenario('scenarios/source-ab-one-box.yaml', { set: ['cpu.wake={app: 30us}', 'cpu.split={app_lock: 0.044, app_after: 0.191, redis_client_send: 0.76}'] });
    expect(s.hosts?.cpu.wake_us).toEqual({ users: 0, nginx: 0, app: 30, redis: 0 });
    expect(s.hosts?.processes.find((p) => p.name === 'app2')?.wake_us).toBe(30);
    expect(s.hosts?.processes.find((p) => p.name === 'redis')?.wake_us).toBe(0);
    expect(s.hosts?.cpu.split).toEqual({ app_lock: 0.044, app_after: 0.191, redis_client_send: 0.76 });
    const cpu = (scenarioToUser(s) as { cpu: Record<string, unknown> }).cpu;
    expect(cpu.wake).toEqual({ users: '0s', nginx: '0s', app: '30us', redis: '0s' });
    expect(cpu.split).toEqual({ app_lock: 0.044, app_after: 0.191, redis_client_send: 0.76 });
    // and read back the same
    expect(parseScenario(scenarioToUserYaml(s), 'x.yaml').hosts).toEqual(s.hosts);
    // without them (no wake cost, the default split, no garbage collection pause) none of these keys is written
    const defaults = ['cpu.wake={}', 'cpu.split={app_lock: 0.061, app_after: 0.202, redis_client_send: 0.81}', 'cpu.gc={}'];
    const plain = (scenarioToUser(loadScenario('scenarios/source-ab-one-box.yaml', { set: defaults })) as { cpu: Record<string, unknown> }).cpu;
    expect(Object.keys(plain)).toEqual(['users', 'nginx', 'app', 'redis', 'redis_client', 'threads']);
  });

  test('app_lock and app_after may not add up to more than the whole', () => {
    expect(() => loadScenario('scenarios/source-ab-one-box.yaml', { set: ['cpu.split={app_lock: 0.5, app_after: 0.6}'] })).toThrow(
      /cpu\.split: app_lock \+ app_after must be at most 1 \(got 0\.5 \+ 0\.6\)/,
    );
  });
});
