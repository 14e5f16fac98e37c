// load.ts: --set paths and where they write, where an error is reported (file, line, override),
// the checks of replication, servers, local stock, faults and scripts with their whole messages,
// what faults and expectations resolve to, the largest-remainder split, and the capped reader.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bufferTotal, loadScenario, MAX_INPUT_BYTES, parseScenario, readTextCapped, ScenarioError, splitByWeight } from '../src/scenario/load.js';

function refusal(yaml: string, set: string[] = [], file = 'b.yaml'): string {
  try {
    parseScenario(yaml, file, { set });
    return '';
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return e.message;
  }
}

const M = 'name: b\nnginx:\n  workers: 2\nfaults: []\n';
const NOT_A_PATH = 'not a key path (write e.g. nginx.workers or nginx.upstream.servers[1].weight)';

describe('--set: key paths', () => {
  test.each(['nginx..workers', '.nginx', 'nginx[1]b', '[1]', 'nginx.', 'nginx[x]'])('%s is not a key path', (key) => {
    expect(refusal(M, [`${key}=1`])).toBe(`b.yaml: --set ${key}: ${NOT_A_PATH}`);
  });
  test('blanks around the key are trimmed; a key path said once', () => {
    expect(refusal(M, [' nginx.workers =0'])).toBe('b.yaml: --set nginx.workers: must be an integer >= 1 (got 0)');
    // servers.1 and servers[1] are one key
    expect(refusal(M, ['nginx.upstream.servers.1.weight=0'])).toBe('b.yaml: --set nginx.upstream.servers.1.weight: must be an integer >= 1 (got 0)');
    expect(refusal(M, ['nginx.upstream.servers[1].weight=0'])).toBe('b.yaml: --set nginx.upstream.servers[1].weight: must be an integer >= 1 (got 0)');
  });
  test('no =, a value that is not YAML, an unresolved alias', () => {
    expect(refusal(M, ['nginx.workers'])).toBe('b.yaml: --set nginx.workers: expected key.path=value (got "nginx.workers")');
    expect(refusal(M, ['nginx.workers=[1'])).toBe('b.yaml: --set nginx.workers: cannot parse the value as YAML: Flow sequence must end with a ]');
    expect(refusal(M, ['nginx.workers=*a'])).toBe('b.yaml: --set nginx.workers: YAML error in the value: Unresolved alias (the anchor must be set before the alias): a');
  });
  test('under expect., the rest is one summary.json path', () => {
    const s = parseScenario(M, 'b.yaml', { set: ['expect.tiers.app.app1.share="> 0.5"'] });
    expect(s.expect.map((e) => [e.path, e.op, e.a, e.raw, e.line])).toEqual([['tiers.app.app1.share', 'gt', 0.5, '> 0.5', 0]]);
  });
});

describe('--set: where it writes', () => {
  test.each([
    ['nginx[0]=1', 'nginx[0]: nginx is a map; name a key, not index 0'],
    ['app[0]=1', 'app[0]: app is not a list here; set the whole value, e.g. --set app=[...]'],
    ['faults.x=1', 'faults.x: faults is a list; index it with a number, e.g. faults[0]'],
    ['faults[1]={at: 1s, kill: app1}', 'faults[1]: index 1 is out of range (faults has 0 items)'],
    ['nginx.upstream.servers[5].weight=1', 'nginx.upstream.servers[5].weight: index 5 is out of range (nginx.upstream.servers has 4 items)'],
    ['nginx.workers.x=1', 'nginx.workers.x: nginx.workers is a single value, not a map or list'],
  ])('%s', (set, message) => {
    expect(refusal(M, [set])).toBe(`b.yaml: --set ${message}`);
  });
  test('lists with defaults can be indexed without being written; one past the end appends', () => {
    const s = parseScenario(M, 'b.yaml', { set: ['nginx.upstream.servers[1].weight=5', 'nginx.upstream.servers[4]={name: app5}', 'nginx.upstream.next_upstream[0]=http_502', 'faults[0]={at: 1s, kill: app1}'] });
    expect(s.nginx.upstream.servers.map((v) => [v.name, v.weight])).toEqual([['app1', 1], ['app2', 5], ['app3', 3], ['app4', 4], ['app5', 1]]);
    expect(s.nginx.upstream.next_upstream).toEqual(['http_502', 'timeout']);
    expect(s.faults.map((f) => [f.action, f.at_us])).toEqual([['kill', 1_000_000]]);
  });
  test('--seed', () => {
    expect(parseScenario(M, 'b.yaml', { seed: 7 }).seed).toBe(7);
    expect(refusal(M, [])).toBe('');
  });
});

describe('where an error is reported', () => {
  test('a node made by an override and refused as a whole names the last override through it', () => {
    expect(refusal(M, ['app.service_time.exp=1ms', 'app.service_time.const=1ms'])).toBe(
      'b.yaml: --set app.service_time.const: app.service_time: give exactly one of const, exp, lognormal (got const and exp)',
    );
  });
  test('without a file name: "line N", or nothing before the override', () => {
    expect(refusal('users:\n  lod: 1\n', [], '')).toBe('line 2: users.lod: unknown key (allowed: load, client_ips, timeout, retries, retry_backoff, method)');
    expect(refusal('users:\n  lod: 1\n', ['nginx.workers=0'], '')).toBe('--set nginx.workers: must be an integer >= 1 (got 0)');
  });
  test('a block value is named at its key, an alias at its anchor', () => {
    expect(refusal('users:\n  load:\n    open:\n      users: 0\n')).toBe('b.yaml:4: users.load.open.users: must be an integer >= 1 (got 0)');
    expect(refusal('x: &w\n  workers: 0\n', [])).toContain('b.yaml:1: x: unknown key');
  });
  test('syntax errors, duplicate keys, not a map, empty', () => {
    expect(refusal('users: [1, 2\n')).toBe('b.yaml:2: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]');
    expect(refusal('a: 1\nb:\n  c: 1\n  c: 2\n')).toBe('b.yaml:4: YAML syntax error: Map keys must be unique');
    expect(refusal('- a\n- b\n')).toBe('b.yaml:1: a scenario must be a map of keys (name, tickets, users, nginx, ...)');
    expect(refusal('\n\nhello\n')).toBe('b.yaml:3: a scenario must be a map of keys (name, tickets, users, nginx, ...)');
    for (const text of ['', '# c\n', 'null\n']) {
      expect(refusal(text)).toBe('b.yaml: empty scenario (write at least one key, e.g. `tickets: { inventory: 10000 }`)');
    }
  });
  test('too many aliases: refused before they are expanded', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 6 }, (_, i) => `${'bcdefg'[i]}: &${'bcdefg'[i]} [${Array(10).fill(`*${'abcdef'[i]}`).join(', ')}]`)].join('\n');
    expect(refusal(`${bomb}\n`)).toMatch(/^b\.yaml: YAML error: Excessive alias count/);
  });
  test('expect: a __proto__ key is refused, a key that is not a dotted path too', () => {
    expect(refusal('expect:\n  __proto__: 1\n')).toBe('b.yaml:2: expect.__proto__: unknown summary.json path');
    expect(refusal('expect:\n  a..b: 1\n')).toBe('b.yaml:2: expect.a..b: must be a dotted summary.json path like tickets.oversold');
  });
});

const B = 'name: b\nusers:\n  load:\n    open: { users: 6, rate: 1/s }\n';
const SITES = `${B}nginx:\n  instances: 2\n  upstream:\n    servers: [{ name: app1 }, { name: app2 }]\nsites:\n  - { name: dc1, nginx: [nginx1], servers: [app1] }\n  - { name: dc2, nginx: [nginx2], servers: [app2] }\n`;
const replicas = (n: number) => `redis.replicas=[${Array.from({ length: n }, (_, i) => `{name: r${i}}`).join(', ')}]`;

describe('replication', () => {
  test.each([
    [B, ['redis.sentinel={}'], '--set redis.sentinel: needs redis.replicas (Sentinel promotes a replica)'],
    [B, ['redis.wait={}'], '--set redis.wait: needs redis.replicas (WAIT counts replicas)'],
    [B, ['redis.min_replicas_to_write=1'], '--set redis.min_replicas_to_write: needs redis.replicas'],
    [B, [replicas(16)], '--set redis.replicas: at most 15 replicas (got 16): each Sentinel keeps a table per replica'],
    [B, ['redis.replicas=[{name: a}, {name: b}, {name: a}]'], '--set redis.replicas: redis.replicas[2].name: duplicate replica name "a" (also replicas[0])'],
    [B, ['redis.replicas=[{name: app2}]'], '--set redis.replicas: redis.replicas[0].name: "app2" already names another node'],
    [B, ['redis.replicas=[{name: nginx1}]'], '--set redis.replicas: redis.replicas[0].name: "nginx1" already names another node'],
    [B, ['lvs.directors=2', 'redis.replicas=[{name: lvs2}]'], '--set redis.replicas: redis.replicas[0].name: "lvs2" already names another node'],
    [B, ['lvs.directors=2', 'redis.replicas=[{name: edge}]'], '--set redis.replicas: redis.replicas[0].name: "edge" already names another node'],
    [SITES, ['redis.replicas=[{name: dc2}]'], '--set redis.replicas: redis.replicas[0].name: "dc2" already names another node'],
    [B, ['redis.replicas=[{name: r1}]', 'redis.sentinel={sentinels: 2, quorum: 3}'], '--set redis.sentinel: redis.sentinel.quorum: must be at most sentinels (2)'],
    [B, ['redis.replicas=[{name: r1}]', 'redis.sentinel={sites: [dc1]}'], '--set redis.sentinel: redis.sentinel.sites: needs sites: (Sentinels placed in data centres)'],
    [SITES, ['redis.replicas=[{name: r1, site: dc2}]', 'redis.sentinel={sentinels: 2, quorum: 1, sites: [dc1]}'], '--set redis.sentinel: redis.sentinel.sites: must name one site per Sentinel (2), got 1'],
    [SITES, ['redis.replicas=[{name: r1, site: dc2}]', 'redis.sentinel={sentinels: 2, quorum: 1, sites: [dc1, dc9]}'], '--set redis.sentinel: redis.sentinel.sites[1]: unknown site "dc9" (sites: dc1, dc2)'],
    [SITES, ['redis.replicas=[{name: r1}]', 'redis.sentinel={sentinels: 2, quorum: 1, sites: [dc1, dc2]}'], `--set redis.sentinel: redis.sentinel.sites[1]: site "dc2" runs no Redis instance for the Sentinel to sit with (redis.site or a replica's site)`],
    [B, ['redis.replicas=[{name: r1, site: dc1}]'], '--set redis.replicas: redis.replicas[0].site: needs sites: (a replica in another data centre)'],
    [SITES, ['redis.replicas=[{name: r1, site: dc9}]'], '--set redis.replicas: redis.replicas[0].site: unknown site "dc9" (sites: dc1, dc2)'],
  ])('refusal %#', (yaml, set, message) => {
    expect(refusal(yaml, set)).toBe(`b.yaml: ${message}`);
  });

  test('accepted at the edges, and resolved: a replica in Redis\'s site keeps its link, one elsewhere takes the site link', () => {
    expect(refusal(B, [replicas(15)])).toBe('');
    expect(refusal(B, ['redis.replicas=[{name: r1}]', 'redis.sentinel={sentinels: 2, quorum: 2}'])).toBe('');
    const s = parseScenario(SITES, 'b.yaml', {
      set: [
        'site_link.latency=7ms',
        'redis.replicas=[{name: r1, site: dc1, link_latency: 3ms, priority: 5}, {name: r2, site: dc2, link_latency: 3ms}, {name: r3, link_latency: 4ms}]',
        'redis.sentinel={sentinels: 2, quorum: 1, down_after: 1s, failover_timeout: 2s, parallel_syncs: 3, sites: [dc2, dc1]}',
        'redis.wait={numreplicas: 2, timeout: 9ms}',
        'redis.min_replicas_to_write=1',
        'redis.min_replicas_max_lag=4',
      ],
    });
    expect(s.redis.replication).toEqual({
      replicas: [
        { name: 'r1', link_latency_us: 3000, site: 'dc1', priority: 5 },
        { name: 'r2', link_latency_us: 7000, site: 'dc2', priority: 100 },
        { name: 'r3', link_latency_us: 4000, priority: 100 },
      ],
      min_replicas_to_write: 1,
      min_replicas_max_lag_s: 4,
      sentinel: { sentinels: 2, quorum: 1, down_after_us: 1_000_000, failover_timeout_us: 2_000_000, parallel_syncs: 3, sites: ['dc2', 'dc1'] },
      wait: { numreplicas: 2, timeout_us: 9000 },
    });
    const plain = parseScenario(B, 'b.yaml', { set: ['redis.replicas=[{name: r1}]'] }).redis.replication;
    expect([plain?.sentinel, plain?.wait]).toEqual([null, null]);
    expect(parseScenario(B, 'b.yaml').redis.replication).toBeUndefined();
  });
});

describe('servers, local stock', () => {
  test('every server a backup; one list entry per server; a buffer past 2^53', () => {
    expect(refusal('nginx:\n  upstream:\n    servers:\n      - { name: a, backup: true }\n')).toBe(
      'b.yaml:3: nginx.upstream.servers: at least one server must not be a backup (nginx needs a primary server)',
    );
    expect(refusal('app:\n  local_stock: [1, 2]\n')).toBe('b.yaml:2: app.local_stock: must have one entry per server: 4 servers, got 2 entries');
    expect(refusal('tickets: { inventory: 9007199254740991 }\napp:\n  local_stock: { buffer: 2 }\n')).toBe(
      'b.yaml:3: app.local_stock.buffer: tickets.inventory 9007199254740991 x buffer 2 is not an exact integer number of tickets (over 2^53)',
    );
  });
  test('a server takes the upstream max_fails and fail_timeout unless it says its own', () => {
    const s = parseScenario('nginx:\n  upstream:\n    max_fails: 3\n    fail_timeout: 2s\n    servers: [{ weight: 2 }, { name: x, max_fails: 0, fail_timeout: 1s, backup: true, down: true }]\n', 'b.yaml');
    expect(s.nginx.upstream.servers).toEqual([
      { name: 'app1', weight: 2, max_fails: 3, fail_timeout_us: 2_000_000, backup: false, down: false },
      { name: 'x', weight: 1, max_fails: 0, fail_timeout_us: 1_000_000, backup: true, down: true },
    ]);
    // 1.2 x 10,000 = 12,000 split 2:1
    expect(s.app.local_stock).toEqual([8000, 4000]);
  });
  test('splitByWeight: floors, then the largest remainders, ties to the earlier server', () => {
    expect(splitByWeight(100, [1, 1, 1])).toEqual([34, 33, 33]);
    // 10 x 1/3 = 3 r 1, 10 x 2/3 = 6 r 2: the one left over goes to the second
    expect(splitByWeight(10, [1, 2])).toEqual([3, 7]);
    expect(splitByWeight(3, [1, 1])).toEqual([2, 1]);
    expect(splitByWeight(5, [2, 1, 2])).toEqual([2, 1, 2]);
    expect(splitByWeight(7, [1, 3, 3])).toEqual([1, 3, 3]);
    expect(splitByWeight(5, [])).toEqual([]);
    expect(splitByWeight(5, [0, 0])).toEqual([0, 0]);
  });
  test('bufferTotal: 100 x 1.15 is 115, not the 114.99999999999999 of floating point', () => {
    expect(bufferTotal(100, 1.15)).toBe(115);
    expect(bufferTotal(3, 0.5)).toBe(1);
  });
});

describe('faults', () => {
  test.each([
    ['{random_kill: {count: 1, among: [app1, zz], between: [1s, 2s]}}', 'faults[0].random_kill.among[1]: unknown node "zz" (allowed: app1, app2, app3, app4, redis)'],
    ['{random_kill: {count: 1, among: [app1, app2, app1], between: [1s, 2s]}}', 'faults[0].random_kill.among: app1 is listed twice'],
    ['{random: kill, nodes: [app1, zz], mtbf: 1s, mttr: 1s}', 'faults[0].nodes[1]: unknown node "zz" (allowed: app1, app2, app3, app4, redis)'],
    ['{at: 1s, partition: []}', 'faults[0].partition: must list at least one node'],
    ['{at: 1s, partition: [app1, zz]}', 'faults[0].partition[1]: unknown node "zz" (allowed: nginx1, app1, app2, app3, app4, redis)'],
    ['{at: 1s, stop: lvs1}', 'faults[0].stop: no node of this scenario takes this fault (down/up need network.links, stop an lvs: director)'],
    ['{at: 1s, down: a-b}', 'faults[0].down: no node of this scenario takes this fault (down/up need network.links, stop an lvs: director)'],
    ['{at: 1s, kill: zz}', 'faults[0].kill: unknown node "zz" (allowed: app1, app2, app3, app4, redis)'],
  ])('%s', (fault, message) => {
    expect(refusal(B, [`faults=[${fault}]`])).toBe(`b.yaml: --set faults: ${message}`);
  });
  test('a long list of allowed nodes is cut after 12', () => {
    const servers = (n: number) => `nginx.upstream.servers=[${Array.from({ length: n }, (_, i) => `{name: s${i}}`).join(', ')}]`;
    expect(refusal(B, [servers(13), 'faults=[{at: 1s, kill: zz}]'])).toBe('b.yaml: --set faults: faults[0].kill: unknown node "zz" (allowed: s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, ...)');
    expect(refusal(B, [servers(11), 'faults=[{at: 1s, kill: zz}]'])).toBe('b.yaml: --set faults: faults[0].kill: unknown node "zz" (allowed: s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, redis)');
  });
  test('each form resolved, with its line (0 for one set on the command line)', () => {
    const y = `${B}faults:
  - { at: 1s, slow: app1, factor: 2, for: 1s }
  - { random: kill, nodes: [app2], mtbf: 1s, mttr: 1s }
  - { random_kill: { count: 1, among: [app3], between: [1s, 2s] } }
  - { at: 2s, drop: app1-redis, fraction: 0.5 }
  - { at: 3s, partition: [app1, redis] }
  - { at: 4s, kill: app2 }
expect:
  tickets.sold: ">= 1"
`;
    const s = parseScenario(y, 'b.yaml', { set: ['faults[6]={at: 5s, recover: app2}'] });
    expect(s.faults).toEqual([
      { at_us: 1_000_000, for_us: 1_000_000, line: 6, action: 'slow', target: 'app1', factor: 2 },
      { at_us: 2_000_000, for_us: 0, line: 9, action: 'drop', target: 'app1-redis', fraction: 0.5 },
      { at_us: 3_000_000, for_us: 0, line: 10, action: 'partition', nodes: ['app1', 'redis'] },
      { at_us: 4_000_000, for_us: 0, line: 11, action: 'kill', target: 'app2' },
      { at_us: 5_000_000, for_us: 0, line: 0, action: 'recover', target: 'app2' },
    ]);
    // until: the end of the arrivals, 6 users at 1/s
    expect(s.random_faults).toEqual([{ action: 'kill', nodes: ['app2'], mtbf_us: 1_000_000, mttr_us: 1_000_000, factor: 10, from_us: 0, until_us: 6_000_000, line: 7 }]);
    expect(s.random_kills).toEqual([{ count: 1, among: ['app3'], from_us: 1_000_000, until_us: 2_000_000, line: 8 }]);
    expect(s.expect).toEqual([{ path: 'tickets.sold', op: 'ge', a: 1, b: 1, raw: '>= 1', line: 13 }]);
  });
  test('with a closed load a random fault runs until 60 s unless it says', () => {
    const s = parseScenario('users:\n  load:\n    closed: {}\nfaults:\n  - { random: kill, nodes: [app2], mtbf: 1s, mttr: 1s }\n  - { random: kill, nodes: [app2], mtbf: 1s, mttr: 1s, until: 0s }\n', 'b.yaml');
    expect(s.random_faults.map((f) => f.until_us)).toEqual([60_000_000, 0]);
  });
});

describe('scripts, files, names', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mutation-load-'));
  test('an inline script must not be blank; a file is read relative to the scenario, or absolute', () => {
    expect(refusal(B, ['tickets.script={lua: " "}'])).toBe('b.yaml: --set tickets.script: tickets.script.lua: must not be empty');
    expect(refusal(B, ['tickets.script=none.lua'], path.join(dir, 'b.yaml'))).toBe(
      `${path.join(dir, 'b.yaml')}: --set tickets.script: cannot read script file "${path.join(dir, 'none.lua')}" (no such file, ENOENT); write source, fixed, a .lua path relative to the scenario, or { lua: "..." }`,
    );
    expect(refusal(B, [`tickets.script=${dir}`])).toBe(
      `b.yaml: --set tickets.script: cannot read script file "${dir}" (is a directory); write source, fixed, a .lua path relative to the scenario, or { lua: "..." }`,
    );
    writeFileSync(path.join(dir, 'sell.lua'), 'return 1\n');
    const rel = parseScenario(B, path.join(dir, 's.yaml'), { set: ['tickets.script=sell.lua'] }).tickets.script;
    expect(rel).toEqual({ kind: 'file', lua: 'return 1\n', origin: 'sell.lua' });
    const abs = parseScenario(B, 'elsewhere/s.yaml', { set: [`tickets.script=${path.join(dir, 'sell.lua')}`] }).tickets.script;
    expect(abs).toEqual({ kind: 'file', lua: 'return 1\n', origin: path.join(dir, 'sell.lua') });
    expect(parseScenario(B, 'b.yaml', { set: ['tickets.script={lua: "return 2"}'] }).tickets.script).toEqual({ kind: 'inline', lua: 'return 2', origin: 'inline' });
    expect(parseScenario(B, 'b.yaml', { set: ['tickets.script=fixed'] }).tickets.script.kind).toBe('fixed');
  });
  test('the name: as written, else the file name without its extension, else "scenario"; a description loses its last newline', () => {
    expect(parseScenario('seed: 1\n', 'x/my-scn.yaml').name).toBe('my-scn');
    expect(parseScenario('seed: 1\n', '').name).toBe('scenario');
    expect(parseScenario('description: |\n  a\n  b\n', 'b.yaml').description).toBe('a\nb');
  });
  test('the capped reader: up to 4 MB, a missing file, a directory', () => {
    const big = path.join(dir, 'big.yaml');
    writeFileSync(big, `#${' '.repeat(MAX_INPUT_BYTES - 1)}`);
    expect(readTextCapped(big).length).toBe(MAX_INPUT_BYTES);
    writeFileSync(big, `#${' '.repeat(MAX_INPUT_BYTES)}`);
    expect(() => readTextCapped(big)).toThrow('larger than 4 MB, the limit for a scenario or script file');
    expect(() => loadScenario(big)).toThrow(`${big}: cannot read scenario: larger than 4 MB, the limit for a scenario or script file`);
    expect(() => loadScenario(path.join(dir, 'none.yaml'))).toThrow(`${path.join(dir, 'none.yaml')}: cannot read scenario: no such file`);
    expect(() => loadScenario(dir)).toThrow(`${dir}: cannot read scenario: is a directory`);
    writeFileSync(path.join(dir, 'ok.yaml'), 'seed: 3\n');
    expect(loadScenario(path.join(dir, 'ok.yaml'), { seed: 4 }).seed).toBe(4);
  });
});
