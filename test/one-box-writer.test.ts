// validate:real's calibrated scenario: what it writes must load, with the measured costs and this
// machine's scheduler slice.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { loadScenario } from '../src/scenario/load.js';
import { machineSlice, writeOneBox } from '../tools/real-stack/one-box.js';

/** Costs of a measured run whose backends make 0.1, 0.2, 0.1 and 0.05 script calls per request. */
const CALLS_MEASURED = {
  users_us: 50,
  nginx_us: 78,
  app_us: 200,
  appEach_us: [346, 268, 198, 161],
  redis_us: 42,
  redis_client_us: 106.7,
  localShare: 0.057,
  afterShare: 0.194,
  sendShare: 0.79,
  machineBusy: 0.92,
  othersBusy: 0.02,
  appCallsPerRequest: [0.1, 0.2, 0.1, 0.05],
  wakeRejected: 'misses by 29 %',
};

test('the written source-ab-one-box loads with the measured costs and the kernel slice', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ticketsim-onebox-'));
  try {
    const file = path.join(dir, 'one-box.yaml');
    const measured = {
      users_us: 50.2,
      nginx_us: 78,
      app_us: 212.2,
      appEach_us: [346, 268, 198, 161],
      redis_us: 41.8,
      redis_client_us: 106.7,
      localShare: 0.057,
      afterShare: 0.194,
      sendShare: 0.79,
      machineBusy: 0.92,
      othersBusy: 0.02,
    };
    writeOneBox(file, measured, 'Measured 5107 answers/s.');
    // written out, not left to the default: the lead's machine may differ from the one that runs it
    expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^hosts: \\{ box1: \\{ cores: ${cpus().length}, slice: ${Math.round(machineSlice().slice_us)}us \\} \\}$`, 'm'));
    const s = loadScenario(file);
    const slice = machineSlice();
    // 2 CPUs without debugfs: 0.75 ms x (1 + log2 2)
    if (cpus().length === 2 && slice.source.startsWith("the kernel's default")) expect(slice.slice_us).toBe(1500);
    expect(s.hosts?.hosts).toEqual([{ name: 'box1', cores: cpus().length, slice_us: Math.round(slice.slice_us) }]);
    expect(s.hosts?.cpu).toEqual({
      users_us: 50,
      nginx_us: 78,
      app_us: [346, 268, 198, 161],
      redis_us: 42,
      redis_client_us: 107,
      wake_us: { users: 0, nginx: 0, app: 0, redis: 0 }, // no fit given: no wake-up cost
      split: { app_lock: 0.057, app_after: 0.194, redis_client_send: 0.79 }, // the measured shares
      gc: { every: 0, pause_us: 0 }, // no pauses measured
    });
    // with wake-up fits: each kind's fitted cost per request and per wake-up where both are
    // positive (one app cost for every backend); a kind whose fit is not positive keeps its
    // measured cost per request and wakes for free
    writeOneBox(file, { ...measured, wake: { users: { cost_us: 41.6, wake_us: 49.1, points: 2 }, nginx: null, app: { cost_us: 95.8, wake_us: 272.5, points: 8 }, redis: { cost_us: -50.4, wake_us: 108.2, points: 2 } } }, 'x');
    const w = loadScenario(file).hosts?.cpu;
    expect(w).toMatchObject({ users_us: 42, nginx_us: 78, app_us: [96, 96, 96, 96], redis_us: 42, wake_us: { users: 49, nginx: 0, app: 273, redis: 0 } });
    // fits made but rejected: measured costs per request, no wake-up cost, and the reason said
    writeOneBox(file, { ...measured, wake: { users: { cost_us: 41.6, wake_us: 49.1, points: 2 }, nginx: null, app: { cost_us: 95.8, wake_us: 272.5, points: 8 }, redis: null }, wakeRejected: 'misses by 29 %' }, 'x');
    expect(loadScenario(file).hosts?.cpu).toMatchObject({ users_us: 50, app_us: [346, 268, 198, 161], wake_us: { users: 0, nginx: 0, app: 0, redis: 0 } });
    expect(readFileSync(file, 'utf8')).toContain('  # per wake-up from idle: not written, misses by 29 %\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the reply turn moves from the backends' cost per request to the Redis client's per call, on the reply side", () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ticketsim-onebox-'));
  try {
    const file = path.join(dir, 'one-box.yaml');
    const measured = {
      ...CALLS_MEASURED,
      replyTurn: { us: 100, rms_us: 55.6, windows: 110, terms: 'request + script call + second awake or asleep' },
    };
    writeOneBox(file, measured, 'x');
    const cpu = loadScenario(file).hosts?.cpu;
    // per request: 346 - 100 x 0.1, 268 - 100 x 0.2, 198 - 100 x 0.1, 161 - 100 x 0.05
    expect(cpu?.app_us).toEqual([336, 248, 188, 156]);
    // per call: 106.7 + 100, of which issuing it stays 0.79 x 106.7 = 84.293 us: 84.293 / 206.7 = 0.4078
    expect(cpu?.redis_client_us).toBe(207);
    expect(cpu?.split).toEqual({ app_lock: 0.057, app_after: 0.194, redis_client_send: 0.408 });
    expect(readFileSync(file, 'utf8')).toContain('  redis_client: 207us  # 107us its own sections + 100us the reply\'s own turn of the event loop');
    // with the app's wake-up fit written, that fit explains the same CPU: no reply turn
    writeOneBox(file, { ...measured, wakeRejected: undefined, wake: { users: null, nginx: null, app: { cost_us: 95.8, wake_us: 272.5, points: 8 }, redis: null } }, 'x');
    expect(loadScenario(file).hosts?.cpu).toMatchObject({ app_us: [96, 96, 96, 96], redis_client_us: 107, split: { redis_client_send: 0.79 } });
    // no reply turn measured: as before
    writeOneBox(file, { ...measured, replyTurn: null }, 'x');
    expect(loadScenario(file).hosts?.cpu).toMatchObject({ app_us: [346, 268, 198, 161], redis_client_us: 107, split: { redis_client_send: 0.79 } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the garbage collection pauses come out of every request's cost and are written as cpu.gc", () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ticketsim-onebox-'));
  try {
    const file = path.join(dir, 'one-box.yaml');
    const measured = {
      ...CALLS_MEASURED,
      // 40 pauses of 5 ms on average, the thread on a CPU 40 % of its runnable time: 2 ms each; one every 250 requests
      gc: { every: 250, pause_us: 2000, pauses: 40, length_us: 5000, onCpu: 0.4 },
    };
    writeOneBox(file, measured, 'x');
    const cpu = loadScenario(file).hosts?.cpu;
    expect(cpu?.gc).toEqual({ every: 250, pause_us: 2000 });
    // 2000 / 250 = 8 us per request less for every server
    expect(cpu?.app_us).toEqual([338, 260, 190, 153]);
    expect(readFileSync(file, 'utf8')).toContain('  # garbage collection: 40 pauses of V8 over the run, 5.00 ms long on average, the main thread on a CPU 40 % of its runnable time\n  gc: { every: 250, pause: 2000us }\n');
    // with the reply turn too: 346 - 100 x 0.1 - 8
    writeOneBox(file, { ...measured, replyTurn: { us: 100, rms_us: 50, windows: 110, terms: 'request + script call' } }, 'x');
    expect(loadScenario(file).hosts?.cpu.app_us).toEqual([328, 240, 180, 148]);
    // none measured: no key, costs as measured
    writeOneBox(file, { ...measured, gc: null }, 'x');
    expect(loadScenario(file).hosts?.cpu).toMatchObject({ app_us: [346, 268, 198, 161], gc: { every: 0, pause_us: 0 } });
    expect(readFileSync(file, 'utf8')).not.toContain('gc:');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
