// Hosts and CPUs wired into scenarios: the `hosts` / `place` / `cpu` keys and their errors, small
// runs worked out by hand (two processes sharing one core; a process with more threads than
// cores), and a scenario whose hosts place nothing giving the same run as one without hosts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runScenario } from '../src/model/stack.js';
import { loadScenario, parseScenario, ScenarioError } from '../src/scenario/load.js';

const FILE = 'scenarios/x.yaml';

function errorOf(text: string): string {
  try {
    parseScenario(text, FILE);
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  throw new Error('expected a ScenarioError, but the scenario loaded');
}

// Every wire 0 µs, app and Redis 0 µs and unplaced, every request sold out locally (stock 0):
// the only time a request takes is the CPU of the processes placed on box1.
const bare = (workers = 1, bin = '100us') => `
tickets: { inventory: 10 }
network: { latency: 0us }
nginx: { workers: ${workers}, proxy_latency: 0us, upstream: { servers: [ { name: app1, weight: 1 } ] } }
app: { local_stock: [0], service_time: { const: 0us } }
redis: { latency: 0us, service_time: { const: 0us } }
report: { bin: ${bin} }
`;
const BARE = bare();

describe('hosts, place and cpu keys', () => {
  test('resolve to hosts and placed processes with their threads', () => {
    const s = parseScenario(`${BARE}hosts: { box1: { cores: 2 }, box2: { cores: 4 } }\nplace: { box1: [users, nginx1], box2: [app1, redis] }\n`, FILE);
    expect(s.hosts).toEqual({
      hosts: [
        { name: 'box1', cores: 2, slice_us: 1500 }, // Linux's sched_base_slice for 2 cpus
        { name: 'box2', cores: 4, slice_us: 2250 },
      ],
      processes: [
        { name: 'users', host: 'box1', threads: 1, wake_us: 0 },
        { name: 'nginx1', host: 'box1', threads: 1, wake_us: 0 }, // nginx.workers
        { name: 'app1', host: 'box2', threads: 4, wake_us: 0 }, // Go: GOMAXPROCS = the host's cores
        { name: 'redis', host: 'box2', threads: 1, wake_us: 0 },
      ],
      cpu: {
        users_us: 53,
        nginx_us: 85,
        app_us: [139],
        redis_us: 27,
        redis_client_us: 0,
        wake_us: { users: 0, nginx: 0, app: 0, redis: 0 },
        split: { app_lock: 0.061, app_after: 0.202, redis_client_send: 0.81 },
        gc: { every: 0, pause_us: 0 }, // no garbage collection pauses
      },
    });
  });

  test('without hosts the resolved scenario has no hosts key at all', () => {
    expect('hosts' in parseScenario(BARE, FILE)).toBe(false);
  });

  test('errors are one line naming the key', () => {
    const hosts = `${BARE}hosts:\n  box1: { cores: 2 }\n`;
    expect(errorOf(`${hosts}place:\n  box9: [users]\n`)).toBe('scenarios/x.yaml:11: place.box9: unknown host (hosts: box1)');
    expect(errorOf(`${hosts}place:\n  box1: [users, app1, app1]\n`)).toBe('scenarios/x.yaml:11: place.box1[2]: app1 is placed twice (already on box1)');
    expect(errorOf(`${hosts}place:\n  box1: [app7]\n`)).toBe('scenarios/x.yaml:11: place.box1[0]: unknown process "app7" (one of users, nginx1, app1, redis)');
    expect(errorOf(`${BARE}place:\n  box1: [users]\n`)).toBe(
      'scenarios/x.yaml:8: place: needs `hosts:` (the machines to place processes on), e.g. hosts: { box1: { cores: 2 } }',
    );
    expect(errorOf(`${BARE}hosts:\n  box1: { cores: 0 }\n`)).toBe('scenarios/x.yaml:9: hosts.box1.cores: must be an integer >= 1 (got 0)');
    expect(errorOf(`${hosts}cpu: { app: 10 }\n`)).toMatch(/^scenarios\/x\.yaml:10: cpu\.app: .*unit/);
  });

  test('through the CLI: one line, exit 2, no stack trace', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ticketsim-hosts-'));
    try {
      const f = path.join(dir, 'bad.yaml');
      writeFileSync(f, `${BARE}hosts: { box1: { cores: 1 } }\nplace: { box1: [users], box2: [redis] }\n`);
      const r = spawnSync(process.execPath, ['dist/cli/main.js', 'validate', f], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`sim: ${f}:9: place.box2: unknown host (hosts: box1)\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Runs `text` and returns its summary. */
function run(text: string) {
  return runScenario(parseScenario(text, FILE)).report.summary;
}

describe('runs worked out by hand', () => {
  test('two single-thread processes on one core share it (slice 0: processor sharing)', () => {
    // ab and nginx (one worker) on one core; users 100 µs per request, nginx 200 µs (100 in, 100 out).
    // 0-100: request 1's ab work alone (request 2's waits: ab has one thread).
    // 100-300: request 1's nginx-in and request 2's ab work share the core, half each: both end at 300.
    // 300-500: request 2's nginx-in and request 1's nginx-out: the one worker runs them in turn
    //   (in first, FIFO), sharing nothing: in 300-400, out 400-500. Answer 1 at 500.
    // 500-600: request 2's nginx-out. Answer 2 at 600. The core was never idle: 600 µs of work.
    const sum = run(`${BARE}users: { load: { closed: { concurrency: 2, requests: 2 } } }
hosts: { box1: { cores: 1, slice: 0 } }
place: { box1: [users, nginx1] }
cpu: { users: 100us, nginx: 200us }
`);
    expect(sum.requests.total).toBe(2);
    expect(sum.latency_ms.max).toBe(0.6);
    expect(sum.duration_ms).toBe(0.6);
    expect(sum.hosts).toEqual({ box1: { cores: 1, slice_ms: 0, processes: ['users', 'nginx1'], cpu_ms: 0.6, utilization: 1 } });
  });

  test('a process with more threads than cores is capped at the cores (slice 0)', () => {
    // four nginx workers (threads) on one core; four requests reach nginx at 0 (ab unplaced).
    // Their four nginx-in pieces (100 µs each) share the core: all end at 400, not at 100.
    // Then the four nginx-out pieces the same: all end at 800.
    const sum = run(`${bare(4)}users: { load: { closed: { concurrency: 4, requests: 4 } } }
hosts: { box1: { cores: 1, slice: 0 } }
place: { box1: [nginx1] }
cpu: { nginx: 200us }
`);
    expect(sum.latency_ms.max).toBe(0.8);
    expect(sum.latency_ms.p50).toBe(sum.latency_ms.max);
    expect(sum.hosts?.['box1']?.utilization).toBe(1);
    // the same on four cores: every worker has a core, 200 µs each
    const wide = run(`${bare(4)}users: { load: { closed: { concurrency: 4, requests: 4 } } }
hosts: { box1: { cores: 4 } }
place: { box1: [nginx1] }
cpu: { nginx: 200us }
`);
    expect(wide.latency_ms.max).toBe(0.2);
  });

  test('a saturated host is the bottleneck, named as a CPU', () => {
    const sum = run(`${bare(1, '10ms')}users: { load: { closed: { concurrency: 4, requests: 400 } } }
hosts: { box1: { cores: 1 } }
place: { box1: [users, nginx1, app1, redis] }
`);
    expect(sum.bottleneck.node).toBe('box1');
    expect(sum.bottleneck.tier).toBe('host');
    expect(sum.bottleneck.sentence).toMatch(/^Bottleneck: the CPU of host box1, 100 % of its 1 core busy from 0 to /);
  });
});

describe('without hosts nothing changes', () => {
  test('hosts that place nothing give the same run, event for event, as no hosts', () => {
    const plain = runScenario(loadScenario('scenarios/source-ab.yaml')).report.summary;
    const hosted = runScenario(loadScenario('scenarios/source-ab.yaml', { set: ['hosts={box1: {cores: 2}}'] })).report.summary;
    const { hosts, ...rest } = hosted;
    expect(hosts).toEqual({ box1: { cores: 2, slice_ms: 1.5, processes: [], cpu_ms: 0, utilization: 0 } });
    expect(rest).toEqual(plain);
  });
});

describe('kills while work is on the CPU', () => {
  // source-ab-one-box with its costs pinned here (validate:real rewrites the file), 1500 requests
  const oneBox = (at_us: number, method: string) =>
    runScenario(
      loadScenario('scenarios/source-ab-one-box.yaml', {
        set: [
          'users.load.closed.requests=1500',
          `users.method=${method}`,
          'cpu={users: 53us, nginx: 84us, app: [337us, 259us, 204us, 159us], redis: 42us, redis_client: 90us, threads: {app: 1}}',
          `faults=[{at: ${at_us}us, kill: app4}]`,
        ],
      }),
    ).report.summary;

  test('a sale answered on the CPU after the lock dies with its process: GET buys twice, POST leaves an orphan', () => {
    // at 20.6 ms one of app4's granted answers is still on the CPU after the lock (the reply and the
    // log line, waiting for a core from 20.52 ms on): the kill resets its connection. nginx re-sends a GET to another server, which
    // sells the same user a second ticket; a POST is not re-sent, so the user hears an error and
    // the ticket has a holder who was never told. The real stack showed the orphan (validation.md).
    const get = oneBox(20_600, 'GET');
    expect(get.users.double_holders).toBe(1);
    expect(get.invariants).toEqual({ no_oversell: true, ledger: false, conservation: true });
    const post = oneBox(20_600, 'POST');
    expect(post.tickets.orphaned).toBe(1);
    expect(post.users.double_holders).toBe(0);
    expect(post.invariants).toEqual({ no_oversell: true, ledger: true, conservation: true });
  });

  // moments that catch app4's jobs before the lock, inside it and after it: the books still balance
  test.each([20_050, 20_150, 20_250])('app4 killed at %i µs keeps conservation', (at_us) => {
    const sum = oneBox(at_us, 'GET');
    expect(sum.invariants.conservation).toBe(true);
    expect(sum.tiers.app['app4']?.lost).toBeGreaterThan(0);
  });
});
