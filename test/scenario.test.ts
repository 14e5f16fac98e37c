import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXED_SCRIPT, SOURCE_SCRIPT } from '../src/scenario/inventory-scripts.js';
import {
  ScenarioError,
  bufferTotal,
  loadScenario,
  parseScenario,
  splitByWeight,
  type LoadOptions,
} from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { scenarioToUserYaml } from '../src/scenario/user-yaml.js';

const FILE = 'scenarios/x.yaml';

/** The ScenarioError that parsing `text` throws (fails the test if it parses). */
function errorOf(text: string, opts?: LoadOptions): ScenarioError {
  try {
    parseScenario(text, FILE, opts);
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('expected a ScenarioError, but the scenario loaded');
}

describe('defaults', () => {
  test('a minimal file resolves every key to its documented default', () => {
    const s = parseScenario('tickets: {}\n', FILE);
    const server = (name: string, weight: number) => ({ name, weight, max_fails: 1, fail_timeout_us: 10_000_000, backup: false, down: false });
    const expected: Scenario = {
      name: 'x',
      description: '',
      seed: 1,
      file: FILE,
      tickets: { inventory: 10_000, script: { kind: 'source', lua: SOURCE_SCRIPT, origin: 'source' } },
      users: {
        load: { kind: 'open', users: 1_000_000, rate_per_s: 200_000, shape: 'poisson' },
        client_ips: 65_536,
        timeout_us: 30_000_000,
        retries: 0,
        retry_backoff_us: 1_000_000,
        method: 'GET',
      },
      network: { latency_us: 1_000 },
      nginx: {
        instances: 1,
        workers: 1,
        proxy_latency_us: 100,
        proxy_connect_timeout_us: 60_000_000,
        proxy_read_timeout_us: 60_000_000,
        upstream: {
          balance: 'round_robin',
          max_fails: 1,
          fail_timeout_us: 10_000_000,
          next_upstream: ['error', 'timeout'],
          next_upstream_tries: 0,
          next_upstream_timeout_us: 0,
          servers: [server('app1', 1), server('app2', 2), server('app3', 3), server('app4', 4)],
        },
      },
      // 10000 x 1.2 = 12000 split 1:2:3:4
      app: {
        local_stock: [1_200, 2_400, 3_600, 4_800],
        local_check: 'source',
        concurrency: 1,
        local_rollback: false,
        redis_connect_timeout_us: 0,
        redis_read_timeout_us: 0,
        service_time: { kind: 'const', value_us: 300 },
      },
      redis: {
        latency_us: 100,
        service_time: { kind: 'const', value_us: 50 },
        appendonly: false,
        appendfsync: 'everysec',
        save: [
          [3600, 1],
          [300, 100],
          [60, 10000],
        ],
        lua_max_instructions: 1_000_000,
      },
      faults: [],
      random_faults: [],
      random_kills: [],
      expect: [],
      report: { bin_us: 100_000 },
    };
    expect(s).toEqual(expected);
  });

  test('empty sections (`key:` with nothing after it) take their defaults', () => {
    const s = parseScenario('nginx:\nusers:\n  load:\n    closed:\nfaults:\nexpect:\n', FILE);
    expect(s.nginx.upstream.servers.map((x) => x.name)).toEqual(['app1', 'app2', 'app3', 'app4']);
    expect(s.users.load).toEqual({ kind: 'closed', concurrency: 100, requests: 10_000, think_time_us: 0 });
    expect(s.faults).toEqual([]);
    expect(s.expect).toEqual([]);
  });

  test('the name defaults to the basename without extension; an explicit one wins', () => {
    expect(parseScenario('seed: 3\n', 'a/b/million-users.yml').name).toBe('million-users');
    expect(parseScenario('name: custom\n', FILE).name).toBe('custom');
  });

  test('server max_fails and fail_timeout default to the upstream ones; names default to app<i+1>', () => {
    const s = parseScenario(
      [
        'nginx:',
        '  upstream:',
        '    max_fails: 3',
        '    fail_timeout: 5s',
        '    servers:',
        '      - { weight: 2 }',
        '      - { name: special, weight: 1, max_fails: 0, fail_timeout: 1s, backup: true }',
        '      - { down: true }',
      ].join('\n'),
      FILE,
    );
    expect(s.nginx.upstream.servers).toEqual([
      { name: 'app1', weight: 2, max_fails: 3, fail_timeout_us: 5_000_000, backup: false, down: false },
      { name: 'special', weight: 1, max_fails: 0, fail_timeout_us: 1_000_000, backup: true, down: false },
      { name: 'app3', weight: 1, max_fails: 3, fail_timeout_us: 5_000_000, backup: false, down: true },
    ]);
  });

  test('units are converted: durations to µs, rates to /s, service-time forms', () => {
    const s = parseScenario(
      [
        'users:',
        '  load: { open: { users: 50, rate: 12/ms, shape: uniform } }',
        '  timeout: 1.5s',
        'app:',
        '  service_time: { lognormal: { median: 200us, p99: 2ms } }',
        'redis:',
        '  service_time: { exp: 40us }',
        'report: { bin: 1s }',
      ].join('\n'),
      FILE,
    );
    expect(s.users.load).toEqual({ kind: 'open', users: 50, rate_per_s: 12_000, shape: 'uniform' });
    expect(s.users.timeout_us).toBe(1_500_000);
    expect(s.app.service_time).toEqual({ kind: 'lognormal', median_us: 200, p99_us: 2_000 });
    expect(s.redis.service_time).toEqual({ kind: 'exp', mean_us: 40 });
    expect(s.report.bin_us).toBe(1_000_000);
  });

  test('opts.seed overrides the file seed', () => {
    expect(parseScenario('seed: 7\n', FILE).seed).toBe(7);
    expect(parseScenario('seed: 7\n', FILE, { seed: 99 }).seed).toBe(99);
    expect(errorOf('seed: 7\n', { seed: -1 }).message).toBe('scenarios/x.yaml: --seed: must be an integer >= 0 (got -1)');
  });
});

describe('errors name the file, line and key path', () => {
  test('an unknown key lists the allowed ones', () => {
    const e = errorOf('seed: 1\nusers:\n  lod: { open: {} }\n');
    expect(e.message).toBe('scenarios/x.yaml:3: users.lod: unknown key (allowed: load, client_ips, timeout, retries, retry_backoff, method)');
    expect([e.file, e.line, e.keyPath]).toEqual([FILE, 3, 'users.lod']);
  });

  test('an unknown top-level key', () => {
    expect(errorOf('seed: 1\n\nlbs:\n  directors: 2\n').message).toMatch(/^scenarios\/x\.yaml:3: lbs: unknown key \(allowed: name, description, seed, tickets,/);
  });

  test('a negative weight names the server index and the line', () => {
    const text = [
      'nginx:',
      '  upstream:',
      '    servers:',
      '      - { name: app1, weight: 1 }',
      '      - name: app2',
      '        weight: -2',
    ].join('\n');
    expect(errorOf(text).message).toBe('scenarios/x.yaml:6: nginx.upstream.servers[1].weight: must be an integer >= 1 (got -2)');
  });

  test('a zero or fractional weight is refused too (nginx rejects weight=0)', () => {
    expect(errorOf('nginx: { upstream: { servers: [ { weight: 0 } ] } }\n').message).toContain('servers[0].weight: must be an integer >= 1 (got 0)');
    expect(errorOf('nginx: { upstream: { servers: [ { weight: 1.5 } ] } }\n').message).toContain('(got 1.5)');
  });

  test('a duration without a unit', () => {
    expect(errorOf('users:\n  timeout: 30\n').message).toBe('scenarios/x.yaml:2: users.timeout: missing unit (write e.g. 30s) (got 30)');
    expect(parseScenario('users:\n  timeout: 0\n', FILE).users.timeout_us).toBe(0);
  });

  test('a rate without a unit, and a zero rate for an open load', () => {
    expect(errorOf('users:\n  load:\n    open: { rate: 5000 }\n').message).toBe(
      'scenarios/x.yaml:3: users.load.open.rate: missing unit (write e.g. 200k/s) (got 5000)',
    );
    expect(errorOf('users:\n  load:\n    open: { rate: 0/s }\n').message).toContain('users.load.open.rate: must be > 0');
  });

  test('local_stock with the wrong length', () => {
    expect(errorOf('seed: 1\napp:\n  local_stock: [100, 200]\n').message).toBe(
      'scenarios/x.yaml:3: app.local_stock: must have one entry per server: 4 servers, got 2 entries',
    );
  });

  test('local_stock entries and shapes are checked', () => {
    expect(errorOf('app:\n  local_stock: [1, -2, 3, 4]\n').message).toBe('scenarios/x.yaml:2: app.local_stock[1]: must be an integer >= 0 (got -2)');
    expect(errorOf('app:\n  local_stock: { buffer: 0 }\n').message).toBe('scenarios/x.yaml:2: app.local_stock.buffer: must be a number > 0 (got 0)');
    expect(errorOf('app:\n  local_stock: lots\n').message).toBe(
      'scenarios/x.yaml:2: app.local_stock: must be a list of integers (one per server) or { buffer: x } (got "lots")',
    );
  });

  test('exactly one of open / closed', () => {
    expect(errorOf('users:\n  load: { open: {}, closed: {} }\n').message).toBe(
      'scenarios/x.yaml:2: users.load: give exactly one of open, closed (got open and closed)',
    );
  });

  test('enumerations name the allowed values', () => {
    expect(errorOf('nginx:\n  upstream:\n    balance: random\n').message).toBe(
      'scenarios/x.yaml:3: nginx.upstream.balance: must be one of round_robin, ip_hash, least_conn (got "random")',
    );
    expect(errorOf('app:\n  local_check: strict\n').message).toContain('app.local_check: must be one of source, exact (got "strict")');
  });

  test("next_upstream: known conditions only, and 'off' only alone", () => {
    expect(errorOf('nginx:\n  upstream:\n    next_upstream: [error, off]\n').message).toBe(
      "scenarios/x.yaml:3: nginx.upstream.next_upstream[1]: 'off' must be the only condition",
    );
    expect(errorOf('nginx:\n  upstream:\n    next_upstream: [error, http_418]\n').message).toContain('next_upstream[1]: must be one of error, timeout,');
    expect(parseScenario('nginx:\n  upstream:\n    next_upstream: [off]\n', FILE).nginx.upstream.next_upstream).toEqual(['off']);
    expect(parseScenario('nginx:\n  upstream:\n    next_upstream: error http_503\n', FILE).nginx.upstream.next_upstream).toEqual(['error', 'http_503']);
  });

  test('server names are unique and there is at least one server', () => {
    const text = 'nginx:\n  upstream:\n    servers:\n      - { weight: 1 }\n      - { name: app1, weight: 2 }\n';
    expect(errorOf(text).message).toBe('scenarios/x.yaml:5: nginx.upstream.servers[1].name: duplicate server name "app1" (also servers[0])');
    expect(errorOf('nginx:\n  upstream:\n    servers: []\n').message).toBe('scenarios/x.yaml:3: nginx.upstream.servers: must list at least one server');
  });

  test('lognormal needs p99 >= median', () => {
    expect(errorOf('app:\n  service_time:\n    lognormal:\n      median: 2ms\n      p99: 1ms\n').message).toBe(
      'scenarios/x.yaml:5: app.service_time.lognormal.p99: must be >= median (got p99 1000us < median 2000us)',
    );
    expect(errorOf('app:\n  service_time: { const: 1ms, exp: 2ms }\n').message).toContain('give exactly one of const, exp, lognormal');
  });

  test('a wrong type says what was expected', () => {
    expect(errorOf('tickets:\n  inventory: many\n').message).toBe('scenarios/x.yaml:2: tickets.inventory: must be an integer >= 0 (got "many")');
    expect(errorOf('nginx: 3\n').message).toMatch(/^scenarios\/x\.yaml:1: nginx: must be a map with keys instances, workers/);
    expect(errorOf('tickets:\n  script: { lua: 5 }\n').message).toBe('scenarios/x.yaml:2: tickets.script.lua: must be a string (got 5)');
  });

  test('YAML syntax errors carry their line', () => {
    const e = errorOf('seed: 1\nnginx:\n  workers: [1, 2\nredis: {}\n');
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/^scenarios\/x\.yaml:4: YAML syntax error: /);
    expect(errorOf('seed: 1\nseed: 2\n').message).toBe('scenarios/x.yaml:2: YAML syntax error: Map keys must be unique');
  });

  test('an empty file, a non-map file, and a missing file', () => {
    expect(errorOf('').message).toMatch(/^scenarios\/x\.yaml: empty scenario/);
    expect(errorOf('# just a comment\n').message).toMatch(/^scenarios\/x\.yaml: empty scenario/);
    expect(errorOf('- 1\n- 2\n').message).toMatch(/^scenarios\/x\.yaml:1: a scenario must be a map/);
    expect(() => loadScenario('/nonexistent/dir/none.yaml')).toThrow(new ScenarioError('/nonexistent/dir/none.yaml', null, '', 'cannot read scenario: no such file'));
  });

  test('the first error in file order is the one thrown', () => {
    expect(errorOf('seed: -1\nusers:\n  timeout: 5\n').line).toBe(1);
    expect(errorOf('users:\n  timeout: 5\nseed: -1\n').line).toBe(2);
  });
});

describe('local stock from a buffer', () => {
  test('split by weight with largest remainders sums to floor(inventory x buffer)', () => {
    const s = parseScenario('tickets: { inventory: 1001 }\napp: { local_stock: { buffer: 1.15 } }\n', FILE);
    // floor(1151.15) = 1151 over weights 1:2:3:4 -> quotas 115.1, 230.2, 345.3, 460.4; leftover 1 goes to the .4
    expect(s.app.local_stock).toEqual([115, 230, 345, 461]);
    expect(s.app.local_stock.reduce((a, b) => a + b, 0)).toBe(1151);
  });

  test('ties in the remainder go to the earlier server; the split is deterministic', () => {
    expect(splitByWeight(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(splitByWeight(11, [1, 1, 1])).toEqual([4, 4, 3]);
    expect(splitByWeight(0, [1, 2])).toEqual([0, 0]);
    for (let total = 0; total < 300; total++) {
      const w = [1 + (total % 5), 3, 7, 2];
      const parts = splitByWeight(total, w);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
      expect(splitByWeight(total, w)).toEqual(parts);
    }
  });

  test('each share is within one of its exact quota', () => {
    for (let total = 0; total < 500; total += 7) {
      const w = [1, 2, 3, 4, 5];
      const W = 15;
      splitByWeight(total, w).forEach((p, i) => {
        const quota = (total * (w[i] as number)) / W;
        expect(p).toBeGreaterThanOrEqual(Math.floor(quota));
        expect(p).toBeLessThanOrEqual(Math.ceil(quota));
      });
    }
  });

  test('the split covers backup and down servers too, and follows --set weights', () => {
    const s = parseScenario('tickets: { inventory: 100 }\napp: { local_stock: { buffer: 1 } }\n', FILE, {
      set: ['nginx.upstream.servers[2].weight=1', 'nginx.upstream.servers[3].backup=true', 'nginx.upstream.servers[1].down=true'],
    });
    // 100 over 1:2:1:4 -> 12.5, 25, 12.5, 50; the one left over goes to app1 (tie with app3, earlier wins)
    expect(s.app.local_stock).toEqual([13, 25, 12, 50]);
  });

  test('floor(inventory x buffer) is not thrown off by float error', () => {
    expect(100 * 1.15).toBeLessThan(115); // the trap
    expect(bufferTotal(100, 1.15)).toBe(115);
    expect(bufferTotal(10_000, 1.2)).toBe(12_000);
    expect(bufferTotal(7, 1.5)).toBe(10);
  });
});

describe('tickets.script', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ticketsim-scenario-'));
    mkdirSync(path.join(dir, 'scenarios', 'lua'), { recursive: true });
    writeFileSync(path.join(dir, 'scenarios', 'lua', 'mine.lua'), 'return 1\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('source and fixed resolve to the shipped texts', () => {
    expect(parseScenario('tickets: { script: fixed }\n', FILE).tickets.script).toEqual({ kind: 'fixed', lua: FIXED_SCRIPT, origin: 'fixed' });
    expect(parseScenario('tickets: { script: source }\n', FILE).tickets.script.lua).toBe(SOURCE_SCRIPT);
  });

  test('inline Lua', () => {
    expect(parseScenario('tickets:\n  script: { lua: "return 0" }\n', FILE).tickets.script).toEqual({ kind: 'inline', lua: 'return 0', origin: 'inline' });
  });

  test("a path is read relative to the scenario file's directory", () => {
    const file = path.join(dir, 'scenarios', 'mine.yaml');
    writeFileSync(file, 'tickets:\n  script: lua/mine.lua\n');
    expect(loadScenario(file).tickets.script).toEqual({ kind: 'file', lua: 'return 1\n', origin: 'lua/mine.lua' });
    expect(loadScenario(file).name).toBe('mine');
  });

  test('a script file that is not there names the key and the line', () => {
    const file = path.join(dir, 'scenarios', 'bad.yaml');
    writeFileSync(file, 'seed: 2\ntickets:\n  script: lua/none.lua\n');
    const e = (() => {
      try {
        loadScenario(file);
      } catch (err) {
        return err as ScenarioError;
      }
      throw new Error('loaded');
    })();
    expect(e).toBeInstanceOf(ScenarioError);
    expect([e.line, e.keyPath]).toEqual([3, 'tickets.script']);
    expect(e.detail).toContain('cannot read script file');
    expect(e.detail).toContain('ENOENT');
  });
});

describe('--set overrides', () => {
  const base = 'nginx:\n  workers: 1\n';

  test('scalars, nested keys, whole lists and script names', () => {
    const s = parseScenario(base, FILE, {
      set: ['nginx.workers=2', 'users.timeout=5s', 'app.local_stock=[1,2,3,4]', 'tickets.script=fixed', 'users.load.closed={concurrency: 10}'],
    });
    expect(s.nginx.workers).toBe(2);
    expect(s.users.timeout_us).toBe(5_000_000);
    expect(s.app.local_stock).toEqual([1, 2, 3, 4]);
    expect(s.tickets.script.kind).toBe('fixed');
    expect(s.users.load).toEqual({ kind: 'closed', concurrency: 10, requests: 10_000, think_time_us: 0 });
  });

  test('list items by dotted index or brackets, including the default server list', () => {
    const a = parseScenario(base, FILE, { set: ['nginx.upstream.servers.1.weight=5'] });
    const b = parseScenario(base, FILE, { set: ['nginx.upstream.servers[1].weight=5'] });
    expect(a.nginx.upstream.servers.map((x) => x.weight)).toEqual([1, 5, 3, 4]);
    expect(b).toEqual(a);
    const c = parseScenario('nginx:\n  upstream:\n    servers: [{ name: a }, { name: b }]\n', FILE, { set: ['nginx.upstream.servers[1].name=z'] });
    expect(c.nginx.upstream.servers.map((x) => x.name)).toEqual(['a', 'z']);
  });

  test('an index one past the end appends', () => {
    const s = parseScenario(base, FILE, { set: ['nginx.upstream.servers[4]={name: app5, weight: 5}', 'app.local_stock=[1,1,1,1,1]'] });
    expect(s.nginx.upstream.servers.map((x) => x.name)).toEqual(['app1', 'app2', 'app3', 'app4', 'app5']);
  });

  test('overrides apply in order', () => {
    expect(parseScenario(base, FILE, { set: ['nginx.workers=3', 'nginx.workers=4'] }).nginx.workers).toBe(4);
  });

  test('expect paths keep their dots', () => {
    const s = parseScenario(base, FILE, { set: ['expect.tickets.oversold=1'] });
    expect(s.expect).toEqual([{ path: 'tickets.oversold', op: 'eq', a: 1, b: 1, raw: '1', line: 0 }]);
  });

  test('an invalid value is blamed on the --set, not on a line', () => {
    const e = errorOf(base, { set: ['nginx.workers=0'] });
    expect(e.message).toBe('scenarios/x.yaml: --set nginx.workers: must be an integer >= 1 (got 0)');
    expect([e.line, e.via, e.keyPath]).toEqual([null, '--set nginx.workers', 'nginx.workers']);
    expect(errorOf(base, { set: ['nginx.upstream.servers.1.weight=-2'] }).message).toBe(
      'scenarios/x.yaml: --set nginx.upstream.servers.1.weight: must be an integer >= 1 (got -2)',
    );
    expect(errorOf(base, { set: ['users.lod=1'] }).message).toBe(
      'scenarios/x.yaml: --set users.lod: unknown key (allowed: load, client_ips, timeout, retries, retry_backoff, method)',
    );
    expect(errorOf(base, { set: ['faults=[{at: 1s, kill: app9}]'] }).message).toBe(
      'scenarios/x.yaml: --set faults: faults[0].kill: unknown node "app9" (allowed: app1, app2, app3, app4, redis)',
    );
  });

  test('malformed --set specs', () => {
    expect(errorOf(base, { set: ['nginx.workers'] }).message).toBe('scenarios/x.yaml: --set nginx.workers: expected key.path=value (got "nginx.workers")');
    expect(errorOf(base, { set: ['nginx..workers=2'] }).message).toContain('--set nginx..workers: not a key path');
    expect(errorOf(base, { set: ['nginx.workers=[1'] }).message).toContain('--set nginx.workers: cannot parse the value as YAML');
    expect(errorOf(base, { set: ['nginx.upstream.servers.9.weight=2'] }).message).toBe(
      'scenarios/x.yaml: --set nginx.upstream.servers.9.weight: index 9 is out of range (nginx.upstream.servers has 4 items)',
    );
    expect(errorOf(base, { set: ['nginx.workers.x=2'] }).message).toContain('nginx.workers is a single value');
    expect(errorOf(base, { set: ['app.local_stock.0=5'] }).message).toContain('app.local_stock is not a list here');
  });

  test('errors elsewhere in the file still name their line', () => {
    expect(errorOf('nginx:\n  workers: 1\n  instances: 0\n', { set: ['nginx.workers=2'] }).message).toBe(
      'scenarios/x.yaml:3: nginx.instances: must be an integer >= 1 (got 0)',
    );
  });
});

describe('expect', () => {
  test('every form parses to an Expectation with its line', () => {
    const text = [
      'seed: 1',
      'expect:',
      '  tickets.oversold: 1',
      '  tickets.sold: ">= 9990"',
      '  tickets.unsold: "<= 10"',
      '  latency_ms.p99: "< 5.5"',
      '  throughput.mean_per_s: "> 4000"',
      '  requests.errors: "== 0"',
      '  tiers.app.app4.share: "between 0.39 and 0.41"',
      '  users.failed: "3"',
    ].join('\n');
    expect(parseScenario(text, FILE).expect).toEqual([
      { path: 'tickets.oversold', op: 'eq', a: 1, b: 1, raw: '1', line: 3 },
      { path: 'tickets.sold', op: 'ge', a: 9990, b: 9990, raw: '>= 9990', line: 4 },
      { path: 'tickets.unsold', op: 'le', a: 10, b: 10, raw: '<= 10', line: 5 },
      { path: 'latency_ms.p99', op: 'lt', a: 5.5, b: 5.5, raw: '< 5.5', line: 6 },
      { path: 'throughput.mean_per_s', op: 'gt', a: 4000, b: 4000, raw: '> 4000', line: 7 },
      { path: 'requests.errors', op: 'eq', a: 0, b: 0, raw: '== 0', line: 8 },
      { path: 'tiers.app.app4.share', op: 'between', a: 0.39, b: 0.41, raw: 'between 0.39 and 0.41', line: 9 },
      { path: 'users.failed', op: 'eq', a: 3, b: 3, raw: '3', line: 10 },
    ]);
  });

  test('bad expectations are errors with line and path', () => {
    expect(errorOf('expect:\n  tickets.sold: "about 10"\n').message).toMatch(
      /^scenarios\/x\.yaml:2: expect\.tickets\.sold: must be a number or a string like "<= 10".*\(got "about 10"\)$/,
    );
    expect(errorOf('expect:\n  tickets.sold: "between 5 and 1"\n').message).toContain('between A and B needs A <= B');
    expect(errorOf('expect:\n  tickets.sold: true\n').message).toContain('(got true)');
    expect(errorOf('expect:\n  "tickets..sold": 1\n').message).toContain('must be a dotted summary.json path');
    expect(errorOf('expect: [1]\n').message).toContain('expect: must be a map of summary.json paths');
  });
});

describe('faults', () => {
  test('kill and recover resolve with their lines', () => {
    const text = 'seed: 1\nfaults:\n  - { at: 0s, kill: app4 }\n  - at: 2.5s\n    recover: app4\n  - { at: 1m, kill: redis }\n';
    expect(parseScenario(text, FILE).faults).toEqual([
      { at_us: 0, action: 'kill', target: 'app4', line: 3, for_us: 0 },
      { at_us: 2_500_000, action: 'recover', target: 'app4', line: 4, for_us: 0 },
      { at_us: 60_000_000, action: 'kill', target: 'redis', line: 6, for_us: 0 },
    ]);
  });

  test('each action keeps exactly the options it takes', () => {
    const text =
      'faults:\n  - { at: 1s, slow: app2, factor: 4, for: 2s }\n  - { at: 1s, drop: app1-redis, fraction: 0.25 }\n' +
      '  - { at: 2s, partition: [app3, redis], for: 1s }\n  - { at: 3s, restart: redis, for: 500ms }\n';
    expect(parseScenario(text, FILE).faults).toEqual([
      { at_us: 1_000_000, action: 'slow', target: 'app2', factor: 4, for_us: 2_000_000, line: 2 },
      { at_us: 1_000_000, action: 'drop', target: 'app1-redis', fraction: 0.25, for_us: 0, line: 3 },
      { at_us: 2_000_000, action: 'partition', nodes: ['app3', 'redis'], for_us: 1_000_000, line: 4 },
      { at_us: 3_000_000, action: 'restart', target: 'redis', for_us: 500_000, line: 5 },
    ]);
  });

  test('targets must be a server name or redis', () => {
    expect(errorOf('faults:\n  - { at: 1s, kill: app1 }\n  - { at: 2s, kill: nginx1 }\n').message).toBe(
      'scenarios/x.yaml:3: faults[1].kill: unknown node "nginx1" (allowed: app1, app2, app3, app4, redis)',
    );
    const renamed = 'nginx:\n  upstream:\n    servers: [{ name: web }]\nfaults:\n  - { at: 1s, kill: app1 }\n';
    expect(errorOf(renamed).message).toBe('scenarios/x.yaml:5: faults[0].kill: unknown node "app1" (allowed: web, redis)');
  });

  test('each fault needs at and exactly one action', () => {
    expect(errorOf('faults:\n  - { kill: app1 }\n').message).toBe('scenarios/x.yaml:2: faults[0].at: is required (write e.g. at: 2s)');
    expect(errorOf('faults:\n  - { at: 1s }\n').message).toMatch(/^scenarios\/x\.yaml:2: faults\[0\]: give exactly one of kill, recover, slow, restart, partition, drop\b.* \(got none\)$/);
    expect(errorOf('faults:\n  - { at: 1s, slow: app1, bogus: 1 }\n').message).toMatch(/^scenarios\/x\.yaml:2: faults\[0\]\.bogus: unknown key \(allowed: at, kill, recover, slow,/);
    expect(errorOf('faults:\n  - { at: 1s, kill: app1, recover: app2 }\n').message).toMatch(/give exactly one of/);
    expect(errorOf('faults:\n  - { at: 1s, drop: app1-app2 }\n').message).toMatch(/faults\[0\]\.drop: unknown node "app1-app2"/);
    expect(errorOf('faults:\n  - { random: kill, nodes: [app1] }\n').message).toMatch(/a random fault needs mtbf, mttr/);
  });
});

describe('scenarioToUserYaml', () => {
  test('prints every default in the keys and units the scenario docs use, and it reads back equal', () => {
    const s = parseScenario('tickets: { inventory: 1000 }\nfaults:\n  - { at: 1s, kill: app2 }\n', FILE);
    const out = scenarioToUserYaml(s, ['hello']);
    expect(out.split('\n')).toEqual([
      '# hello',
      '',
      'name: x',
      'seed: 1',
      'tickets:',
      '  inventory: 1000',
      '  script: source',
      'users:',
      '  load: { open: { users: 1000000, rate: 200k/s, shape: poisson } }',
      '  client_ips: 65536',
      '  timeout: 30s',
      '  retries: 0',
      '  retry_backoff: 1s',
      '  method: GET',
      'network:',
      '  latency: 1ms',
      'nginx:',
      '  instances: 1',
      '  workers: 1',
      '  proxy_latency: 100us',
      '  proxy_connect_timeout: 1m',
      '  proxy_read_timeout: 1m',
      '  upstream:',
      '    balance: round_robin',
      '    max_fails: 1',
      '    fail_timeout: 10s',
      '    next_upstream: [ error, timeout ]',
      '    next_upstream_tries: 0',
      '    next_upstream_timeout: 0s',
      '    servers:',
      '      - { name: app1, weight: 1 }',
      '      - { name: app2, weight: 2 }',
      '      - { name: app3, weight: 3 }',
      '      - { name: app4, weight: 4 }',
      'app:',
      '  local_stock: [ 120, 240, 360, 480 ]',
      '  local_check: source',
      '  concurrency: 1',
      '  local_rollback: false',
      '  redis_connect_timeout: 0s',
      '  redis_read_timeout: 0s',
      '  service_time: { const: 300us }',
      'redis:',
      '  latency: 100us',
      '  service_time: { const: 50us }',
      '  appendonly: false',
      '  appendfsync: everysec',
      '  save: 3600 1 300 100 60 10000',
      '  lua_max_instructions: 1000000',
      'faults:',
      '  - { at: 1s, kill: app2 }',
      'expect: {}',
      'report:',
      '  bin: 100ms',
      '',
    ]);
    const again = parseScenario(out, FILE);
    expect({ ...again, faults: again.faults.map((f) => ({ ...f, line: 2 })) }).toEqual({ ...s, faults: s.faults.map((f) => ({ ...f, line: 2 })) });
  });
});
