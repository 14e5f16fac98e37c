// cpu.gc: the app's garbage collection pauses, a piece of CPU on its thread at every `every`-th
// request a server receives, worked by hand on source-ab-one-box with one user.
import { runScenario } from '../src/model/stack.js';
import { loadScenario, parseScenario } from '../src/scenario/load.js';
import { scenarioToUser, scenarioToUserYaml } from '../src/scenario/user-yaml.js';

// one user, ten requests in turn. Smooth WRR over 1:2:3:4 sends them to
// app4 app3 app2 app4 app1 app3 app4 app2 app3 app4: app4 gets 4, app3 3, app2 2, app1 1
const CPU = 'cpu={users: 53us, nginx: 84us, app: 200us, redis: 42us, redis_client: 63us, threads: {app: 1}';
const run = (gc: string) =>
  runScenario(loadScenario('scenarios/source-ab-one-box.yaml', { set: ['users.load={closed: {concurrency: 1, requests: 10}}', `${CPU}${gc}}`] })).report.summary;

describe('cpu.gc', () => {
  test('a pause at every second request a server receives: 4 pauses, each on its request\'s path', () => {
    const plain = run('');
    const gc = run(', gc: {every: 2, pause: 500us}');
    // app4's 2nd and 4th, app3's 2nd, app2's 2nd; app1 has one request: 4 x 500 us
    expect(gc.hosts?.box1?.cpu_ms).toBeCloseTo((plain.hosts?.box1?.cpu_ms ?? 0) + 2, 9);
    // one request at a time: each pause delays the whole run
    expect(gc.duration_ms).toBeCloseTo(plain.duration_ms + 2, 9);
    expect(gc.latency_ms.max).toBeCloseTo(plain.latency_ms.max + 0.5, 9);
  });

  test('every request pays with every: 1; none without gc or with every: 0', () => {
    const plain = run('');
    expect(run(', gc: {every: 1, pause: 500us}').duration_ms).toBeCloseTo(plain.duration_ms + 5, 9);
    expect(run(', gc: {every: 0, pause: 500us}')).toEqual(plain);
    // every: 5: no server receives a 5th request (app4 gets 4), so none pauses
    expect(run(', gc: {every: 5, pause: 500us}')).toEqual(plain);
  });

  test('is printed back by sim validate and read back the same; absent when there is none', () => {
    const s = loadScenario('scenarios/source-ab-one-box.yaml', { set: ['cpu.gc={every: 285, pause: 1.5ms}'] });
    expect(s.hosts?.cpu.gc).toEqual({ every: 285, pause_us: 1500 });
    expect((scenarioToUser(s) as { cpu: Record<string, unknown> }).cpu.gc).toEqual({ every: 285, pause: '1.5ms' });
    expect(parseScenario(scenarioToUserYaml(s), 'x.yaml').hosts).toEqual(s.hosts);
    const none = loadScenario('scenarios/source-ab-one-box.yaml', { set: ['cpu.gc={}'] });
    expect(none.hosts?.cpu.gc).toEqual({ every: 0, pause_us: 0 });
    expect('gc' in (scenarioToUser(none) as { cpu: Record<string, unknown> }).cpu).toBe(false);
  });

  test('bad values name the key', () => {
    expect(() => loadScenario('scenarios/source-ab-one-box.yaml', { set: ['cpu.gc={every: -1}'] })).toThrow(/cpu\.gc\.every/);
    expect(() => loadScenario('scenarios/source-ab-one-box.yaml', { set: ['cpu.gc={every: 2, pause: -1us}'] })).toThrow(/cpu\.gc\.pause/);
  });
});
