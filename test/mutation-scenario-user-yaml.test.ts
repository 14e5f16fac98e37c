// scenarioToUserYaml and scenarioAsRunYaml, whole texts: every key in the units a user writes,
// small maps and lists of scalars on one line, per-server limits only where they differ from the
// upstream's, threads only where they differ from their default, faults in the order written (those
// set on the command line last). Each text was read against its input line by line; the values
// the loader derives are noted beside the inputs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseScenario } from '../src/scenario/load.js';
import { formatRate, scenarioAsRunYaml, scenarioToUserYaml } from '../src/scenario/user-yaml.js';

// app1's max_fails equals the upstream's 2 (not written), its fail_timeout 3 s differs; app3's
// weight defaults to 1; 1500/s is not a whole number of k/s
const SMALL = `name: small
users:
  load:
    open: { users: 10, rate: 1500/s }
nginx:
  upstream:
    max_fails: 2
    servers:
      - { name: app1, weight: 1, max_fails: 2, fail_timeout: 3s }
      - { name: app2, weight: 2, max_fails: 0, backup: true }
      - { name: app3, down: true }
app:
  local_stock: [1, 2, 3]
`;

// 1.2 x 10,000 split 1:1 -> 6000 each; replica1 in dc2 takes the site link's 2 ms; dc2's one nginx
// weight 3; box1 gets Linux's slice for 2 cores (1.5 ms); nginx threads 1 differ from workers 2 and
// are written, app threads 4 equal box2's cores and are not; 180 s prints as 3m, 900 s as 15m
const BIG = `name: big
description: two sites
users:
  load:
    closed: { concurrency: 2, requests: 4, think_time: 1ms }
nginx:
  instances: 2
  workers: 2
  upstream:
    servers:
      - { name: app1, weight: 1 }
      - { name: app2, weight: 1 }
sites:
  - name: dc1
    nginx: [nginx1]
    servers: [app1]
    network:
      routers: [r1]
      links:
        - { a: r1, b: lvs1, latency: 10us }
        - { a: r1, b: lvs2, latency: 10us }
      bfd: true
    lvs: { directors: 2, health_check: false }
  - name: dc2
    weight: 0
    nginx: [nginx2]
    servers: [app2]
    network:
      routers: [r2]
      links:
        - { a: r2, b: lvs3 }
        - { a: r2, b: lvs4 }
    lvs: { directors: 2, mode: active_active, weights: [3] }
site_link: { latency: 2ms }
redis:
  site: dc1
  replicas:
    - { name: replica1, site: dc2 }
  sentinel: { sentinels: 2, quorum: 1, sites: [dc1, dc2] }
  wait: { numreplicas: 1, timeout: 5ms }
hosts:
  box1: { cores: 2 }
  box2: { cores: 4, slice: 0s }
place:
  box1: [users, nginx1, nginx2]
  box2: [app1, app2, redis]
cpu:
  app: [100us, 200us]
  threads: { nginx: 1, app: 4 }
faults:
  - { at: 1s, kill: dc2 }
expect:
  tickets.sold: 4
  fingerprint: "0badf00d"
  tickets.oversold: "<= 0"
`;

// an inline script, lvs without routers (the implicit router is not written), every fault form
const INLINE = `tickets: { script: { lua: "return 1" } }
lvs: { directors: 2 }
users:
  load:
    open: { users: 10, rate: 2M/s, shape: uniform }
faults:
  - { at: 1s, slow: app1, factor: 2.5, for: 1s }
  - { random: slow, nodes: [app1], mtbf: 1s, mttr: 1s, factor: 3, from: 1s, until: 2s }
  - { at: 0s, drop: app1-redis }
  - { random_kill: { count: 1, among: [app2], between: [1s, 2s] } }
  - { at: 2s, partition: [app3, redis], for: 500ms }
  - { at: 3s, stop: lvs1 }
`;

test('a small scenario, as run', () => {
  expect(scenarioAsRunYaml(parseScenario(SMALL, 'small.yaml'))).toBe(`# The scenario "small" as run (seed 1), every default filled in: sim run takes this file as it is.

name: small
seed: 1
tickets:
  inventory: 10000
  script: source
users:
  load: { open: { users: 10, rate: 1500/s, shape: poisson } }
  client_ips: 65536
  timeout: 30s
  retries: 0
  retry_backoff: 1s
  method: GET
network:
  latency: 1ms
nginx:
  instances: 1
  workers: 1
  proxy_latency: 100us
  proxy_connect_timeout: 1m
  proxy_read_timeout: 1m
  upstream:
    balance: round_robin
    max_fails: 2
    fail_timeout: 10s
    next_upstream: [ error, timeout ]
    next_upstream_tries: 0
    next_upstream_timeout: 0s
    servers:
      - { name: app1, weight: 1, fail_timeout: 3s }
      - { name: app2, weight: 2, max_fails: 0, backup: true }
      - { name: app3, weight: 1, down: true }
app:
  local_stock: [ 1, 2, 3 ]
  local_check: source
  concurrency: 1
  local_rollback: false
  redis_connect_timeout: 0s
  redis_read_timeout: 0s
  service_time: { const: 300us }
redis:
  latency: 100us
  service_time: { const: 50us }
  appendonly: false
  appendfsync: everysec
  save: 3600 1 300 100 60 10000
  lua_max_instructions: 1000000
faults: []
expect: {}
report:
  bin: 100ms
`);
});

test('two sites with fronts, replication, hosts', () => {
  expect(scenarioToUserYaml(parseScenario(BIG, 'big.yaml'))).toBe(`name: big
description: two sites
seed: 1
tickets:
  inventory: 10000
  script: source
users:
  load: { closed: { concurrency: 2, requests: 4, think_time: 1ms } }
  client_ips: 65536
  timeout: 30s
  retries: 0
  retry_backoff: 1s
  method: GET
network:
  latency: 1ms
nginx:
  instances: 2
  workers: 2
  proxy_latency: 100us
  proxy_connect_timeout: 1m
  proxy_read_timeout: 1m
  upstream:
    balance: round_robin
    max_fails: 1
    fail_timeout: 10s
    next_upstream: [ error, timeout ]
    next_upstream_tries: 0
    next_upstream_timeout: 0s
    servers:
      - { name: app1, weight: 1 }
      - { name: app2, weight: 1 }
app:
  local_stock: [ 6000, 6000 ]
  local_check: source
  concurrency: 1
  local_rollback: false
  redis_connect_timeout: 0s
  redis_read_timeout: 0s
  service_time: { const: 300us }
redis:
  latency: 100us
  service_time: { const: 50us }
  appendonly: false
  appendfsync: everysec
  save: 3600 1 300 100 60 10000
  lua_max_instructions: 1000000
  site: dc1
  replicas:
    - { name: replica1, link_latency: 2ms, priority: 100, site: dc2 }
  min_replicas_to_write: 0
  min_replicas_max_lag: 10
  sentinel: { sentinels: 2, quorum: 1, down_after: 30s, failover_timeout: 3m, parallel_syncs: 1, sites: [ dc1, dc2 ] }
  wait: { numreplicas: 1, timeout: 5ms }
sites:
  - name: dc1
    weight: 1
    nginx: [ nginx1 ]
    servers: [ app1 ]
    network:
      routers: [ r1 ]
      ingress: [ r1 ]
      links:
        - { a: r1, b: lvs1, cost: 10, reverse_cost: 10, latency: 10us, carrier: false }
        - { a: r1, b: lvs2, cost: 10, reverse_cost: 10, latency: 10us, carrier: false }
      hash_policy: l3
      maximum_paths: 16
      ospf: { hello_interval: 10s, dead_interval: 40s, spf_delay: 0s, spf_hold: 50ms, spf_max_hold: 5s, lsa_min_interval: 5s }
      bfd: { interval: 300ms, multiplier: 3 }
    lvs:
      directors: 2
      mode: active_backup
      forwarding: dr
      scheduler: wlc
      sh_port: false
      sh_fallback: false
      weights: [ 1 ]
      latency: 50us
      vip_cost: 0
      sync: false
      timeouts: { tcp: 15m, tcp_fin: 2m }
      vrrp: { version: 2, advert_int: 1s, priority: [ 150, 100 ], preempt: true, preempt_delay: 0s }
      health_check: false
  - name: dc2
    weight: 0
    nginx: [ nginx2 ]
    servers: [ app2 ]
    network:
      routers: [ r2 ]
      ingress: [ r2 ]
      links:
        - { a: r2, b: lvs3, cost: 10, reverse_cost: 10, latency: 50us, carrier: false }
        - { a: r2, b: lvs4, cost: 10, reverse_cost: 10, latency: 50us, carrier: false }
      hash_policy: l3
      maximum_paths: 16
      ospf: { hello_interval: 10s, dead_interval: 40s, spf_delay: 0s, spf_hold: 50ms, spf_max_hold: 5s, lsa_min_interval: 5s }
      bfd: false
    lvs:
      directors: 2
      mode: active_active
      forwarding: dr
      scheduler: wlc
      sh_port: false
      sh_fallback: false
      weights: [ 3 ]
      latency: 50us
      vip_cost: 0
      sync: false
      timeouts: { tcp: 15m, tcp_fin: 2m }
      vrrp: { version: 2, advert_int: 1s, priority: [ 150, 100 ], preempt: true, preempt_delay: 0s }
      health_check: { type: TCP_CHECK, delay_loop: 1m, connect_timeout: 5s, retry: 1, delay_before_retry: 1s }
site_link:
  latency: 2ms
gslb:
  ttl: 30s
  interval: 5s
  fall: 3
  rise: 2
hosts:
  box1: { cores: 2, slice: 1.5ms }
  box2: { cores: 4, slice: 0s }
place:
  box1: [ users, nginx1, nginx2 ]
  box2: [ app1, app2, redis ]
cpu:
  users: 53us
  nginx: 85us
  app: [ 100us, 200us ]
  redis: 27us
  redis_client: 0s
  threads: { nginx: 1 }
faults:
  - { at: 1s, kill: dc2 }
expect:
  tickets.sold: 4
  fingerprint: 0badf00d
  tickets.oversold: <= 0
report:
  bin: 100ms
`);
});

test('an inline script, the implicit router, each fault form; a fault set on the command line comes last', () => {
  expect(scenarioToUserYaml(parseScenario(INLINE, 'x.yaml', { set: ['faults[6]={at: 4s, recover: app1}'] }))).toBe(`name: x
seed: 1
tickets:
  inventory: 10000
  script: { lua: return 1 }
users:
  load: { open: { users: 10, rate: 2M/s, shape: uniform } }
  client_ips: 65536
  timeout: 30s
  retries: 0
  retry_backoff: 1s
  method: GET
network:
  latency: 1ms
  hash_policy: l3
  maximum_paths: 16
  ospf: { hello_interval: 10s, dead_interval: 40s, spf_delay: 0s, spf_hold: 50ms, spf_max_hold: 5s, lsa_min_interval: 5s }
  bfd: false
lvs:
  directors: 2
  mode: active_backup
  forwarding: dr
  scheduler: wlc
  sh_port: false
  sh_fallback: false
  weights: [ 1 ]
  latency: 50us
  vip_cost: 0
  sync: false
  timeouts: { tcp: 15m, tcp_fin: 2m }
  vrrp: { version: 2, advert_int: 1s, priority: [ 150, 100 ], preempt: true, preempt_delay: 0s }
  health_check: { type: TCP_CHECK, delay_loop: 1m, connect_timeout: 5s, retry: 1, delay_before_retry: 1s }
nginx:
  instances: 1
  workers: 1
  proxy_latency: 100us
  proxy_connect_timeout: 1m
  proxy_read_timeout: 1m
  upstream:
    balance: round_robin
    max_fails: 1
    fail_timeout: 10s
    next_upstream: [ error, timeout ]
    next_upstream_tries: 0
    next_upstream_timeout: 0s
    servers:
      - { name: app1, weight: 1 }
      - { name: app2, weight: 2 }
      - { name: app3, weight: 3 }
      - { name: app4, weight: 4 }
app:
  local_stock: [ 1200, 2400, 3600, 4800 ]
  local_check: source
  concurrency: 1
  local_rollback: false
  redis_connect_timeout: 0s
  redis_read_timeout: 0s
  service_time: { const: 300us }
redis:
  latency: 100us
  service_time: { const: 50us }
  appendonly: false
  appendfsync: everysec
  save: 3600 1 300 100 60 10000
  lua_max_instructions: 1000000
faults:
  - { at: 1s, slow: app1, factor: 2.5, for: 1s }
  - { random: slow, nodes: [ app1 ], mtbf: 1s, mttr: 1s, factor: 3, from: 1s, until: 2s }
  - { at: 0s, drop: app1-redis, fraction: 0.1 }
  - { random_kill: { count: 1, among: [ app2 ], between: [ 1s, 2s ] } }
  - { at: 2s, partition: [ app3, redis ], for: 500ms }
  - { at: 3s, stop: lvs1 }
  - { at: 4s, recover: app1 }
expect: {}
report:
  bin: 100ms
`);
});

test('a script file: its path as written, and a header line saying what it is relative to', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'user-yaml-'));
  writeFileSync(path.join(dir, 'sell.lua'), 'return 1\n');
  const text = scenarioAsRunYaml(parseScenario('tickets: { script: sell.lua }\n', path.join(dir, 's.yaml')));
  expect(text.split('\n').slice(0, 8)).toEqual([
    '# The scenario "s" as run (seed 1), every default filled in: sim run takes this file as it is.',
    '# tickets.script sell.lua is relative to the original scenario file.',
    '',
    'name: s',
    'seed: 1',
    'tickets:',
    '  inventory: 10000',
    '  script: sell.lua',
  ]);
});

test('a header given to scenarioToUserYaml goes on top, one comment line each', () => {
  expect(scenarioToUserYaml(parseScenario('name: h\n', 'h.yaml'), ['one', 'two']).split('\n').slice(0, 4)).toEqual(['# one', '# two', '', 'name: h']);
  expect(scenarioToUserYaml(parseScenario('name: h\n', 'h.yaml')).split('\n')[0]).toBe('name: h');
});

test.each([
  [1_000, '1k/s'],
  [999, '999/s'],
  [1_000_000, '1M/s'],
  [1_001_000, '1001k/s'],
  [0.5, '0.5/s'],
  // 0 / 1e6 is a whole number too, but 0 is below every magnitude
  [0, '0/s'],
  // / 1e3 rounds to the whole 4563179413700606, whose "k/s" reads back as ...6000, not ...6500
  [4563179413700606500, '4563179413700606500/s'],
])('formatRate(%d) = %s', (perS, text) => {
  expect(formatRate(perS)).toBe(text);
});

/** The lines of top-level key `key` of a printed scenario, its own line included. */
function block(text: string, key: string): string {
  const lines = text.split('\n');
  const from = lines.indexOf(`${key}:`);
  const to = lines.findIndex((l, i) => i > from && /^\S/.test(l));
  return lines.slice(from, to).join('\n');
}

test('a Redis per site, the fixed script, exponential and lognormal service times', () => {
  const text = scenarioToUserYaml(
    parseScenario(
      `tickets: { script: fixed, split: per_site }
nginx:
  instances: 2
  upstream:
    servers: [{ name: app1 }, { name: app2 }]
sites:
  - { name: dc1, nginx: [nginx1], servers: [app1] }
  - { name: dc2, nginx: [nginx2], servers: [app2] }
app:
  service_time: { exp: 1ms }
redis:
  service_time: { lognormal: { median: 50us, p99: 200us } }
`,
      'x.yaml',
    ),
  );
  expect(block(text, 'tickets')).toBe('tickets:\n  inventory: 10000\n  script: fixed\n  split: per_site');
  expect(block(text, 'app').split('\n').at(-1)).toBe('  service_time: { exp: 1ms }');
  // no redis.site with a Redis per site
  expect(block(text, 'redis')).toBe(`redis:
  latency: 100us
  service_time: { lognormal: { median: 50us, p99: 200us } }
  appendonly: false
  appendfsync: everysec
  save: 3600 1 300 100 60 10000
  lua_max_instructions: 1000000`);
});

test('restart, down and up faults, a random fault on no nodes; expectations: a number, "== x" as written, an all-digit fingerprint as text', () => {
  const text = scenarioToUserYaml(
    parseScenario(
      `nginx:
  upstream:
    servers: [{ name: app1 }]
redis:
  replicas: [{ name: rep1, link_latency: 1ms }]
faults:
  - { at: 1s, restart: redis }
  - { at: 2s, down: redis-rep1, for: 1s }
  - { at: 4s, up: rep1-redis }
  - { random: kill, nodes: [], mtbf: 1s, mttr: 1s, until: 2s }
expect:
  tickets.sold: "== 5"
  tickets.unsold: 7
  fingerprint: "12345678"
`,
      'x.yaml',
    ),
  );
  // a random fault on no nodes is accepted; its empty list keeps the fault on one line
  expect(block(text, 'faults')).toBe(
    'faults:\n  - { at: 1s, restart: redis }\n  - { at: 2s, down: redis-rep1, for: 1s }\n  - { at: 4s, up: rep1-redis }\n  - { random: kill, nodes: [], mtbf: 1s, mttr: 1s, factor: 10, from: 0s, until: 2s }',
  );
  expect(block(text, 'expect')).toBe('expect:\n  tickets.sold: == 5\n  tickets.unsold: 7\n  fingerprint: "12345678"');
  // a replica without a site has no site key
  expect(text).toContain('\n  replicas:\n    - { name: rep1, link_latency: 1ms, priority: 100 }\n');
});

// One host; nginx 1 worker, app threads = the host's 2 cores, users and redis 1: no threads key.
// Each case pays a wake-up in one process kind only and moves one share of the split only.
const HOSTS = `nginx:
  upstream:
    servers: [{ name: app1 }, { name: app2 }]
hosts:
  box: { cores: 2 }
place:
  box: [users, nginx1, app1, app2, redis]
`;
test.each([
  ['  app: 100us\n  wake: { users: 5us }\n  split: { app_lock: 0.1 }\n', '  wake: { users: 5us, nginx: 0s, app: 0s, redis: 0s }\n  split: { app_lock: 0.1, app_after: 0.202, redis_client_send: 0.81 }'],
  ['  app: 100us\n  wake: { nginx: 7us }\n  split: { app_after: 0.3 }\n', '  wake: { users: 0s, nginx: 7us, app: 0s, redis: 0s }\n  split: { app_lock: 0.061, app_after: 0.3, redis_client_send: 0.81 }'],
  ['  app: 100us\n  wake: { app: 9us }\n  split: { redis_client_send: 0.5 }\n', '  wake: { users: 0s, nginx: 0s, app: 9us, redis: 0s }\n  split: { app_lock: 0.061, app_after: 0.202, redis_client_send: 0.5 }'],
  ['  app: 100us\n  wake: { redis: 11us }\n', '  wake: { users: 0s, nginx: 0s, app: 0s, redis: 11us }'],
])('cpu: one app CPU for every server, wake-ups and a split only where set (%#)', (cpu, extra) => {
  const text = scenarioToUserYaml(parseScenario(`${HOSTS}cpu:\n${cpu}`, 'x.yaml'));
  expect(block(text, 'cpu')).toBe(`cpu:\n  users: 53us\n  nginx: 85us\n  app: 100us\n  redis: 27us\n  redis_client: 0s\n${extra}`);
});
