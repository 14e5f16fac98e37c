// The lower bound of each numeric scenario key that scenario-bounds.test.ts leaves out (sites and
// the GSLB, replicas, Sentinel, WAIT, Lua, faults, hosts and CPU, the routed network, LVS): the
// smallest value loads, the next one down is refused with the whole one-line message.
import { parseScenario, ScenarioError } from '../src/scenario/load.js';

function refusal(yaml: string, set: readonly string[]): string {
  try {
    parseScenario(yaml, 'b.yaml', { set: [...set] });
    return '';
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return e.message;
  }
}

const BASE = `name: b
users:
  load:
    open: { users: 6, rate: 1/s }
nginx:
  instances: 2
  upstream:
    servers:
      - { name: app1, weight: 1 }
      - { name: app2, weight: 1 }
`;
const SITES = `${BASE}sites:
  - { name: dc1, nginx: [nginx1], servers: [app1] }
  - { name: dc2, nginx: [nginx2], servers: [app2] }
`;
const REPLICA = 'redis.replicas=[{name: r1}]';
const NET = ['network.routers=[r1]', 'network.links=[{a: r1, b: lvs1}, {a: r1, b: lvs2}]'];
const HOST = ['hosts={box1: {cores: 1}}', 'place={box1: [app1]}'];
const random = (extra: string, mtbf = '1s', mttr = '1s') => `faults=[{random: kill, nodes: [app1], mtbf: ${mtbf}, mttr: ${mttr}${extra}}]`;
const randomKill = (count: number, lo: string) => `faults=[{random_kill: {count: ${count}, among: [app1], between: [${lo}, 1s]}}]`;

const INT0 = 'must be an integer >= 0';
const INT1 = 'must be an integer >= 1';
const NEG = 'must not be negative';
const POS = 'must be > 0';

// [what, scenario, what else is set, the lowest value, the next one down, the message's tail]
const cases: [string, string, string[], string, string, string][] = [
  ['lognormal median', BASE, [], 'app.service_time={lognormal: {median: 1us, p99: 1us}}', 'app.service_time={lognormal: {median: 0s, p99: 1us}}', `--set app.service_time: app.service_time.lognormal.median: ${POS} (got "0s")`],
  ['a site weight', SITES, [], 'sites[1].weight=0', 'sites[1].weight=-1', `--set sites[1].weight: ${INT0} (got -1)`],
  ['gslb.ttl', SITES, [], 'gslb.ttl=0s', 'gslb.ttl=-1us', `--set gslb.ttl: ${NEG} (got -1us)`],
  ['gslb.interval', SITES, [], 'gslb.interval=1us', 'gslb.interval=0s', `--set gslb.interval: ${POS} (got "0s")`],
  ['gslb.fall', SITES, [], 'gslb.fall=1', 'gslb.fall=0', `--set gslb.fall: ${INT1} (got 0)`],
  ['gslb.rise', SITES, [], 'gslb.rise=1', 'gslb.rise=0', `--set gslb.rise: ${INT1} (got 0)`],
  ['site_link.latency', SITES, [], 'site_link.latency=0s', 'site_link.latency=-1us', `--set site_link.latency: ${NEG} (got -1us)`],
  ['a replica link', BASE, [], 'redis.replicas=[{name: r1, link_latency: 0s}]', 'redis.replicas=[{name: r1, link_latency: -1us}]', `--set redis.replicas: redis.replicas[0].link_latency: ${NEG} (got -1us)`],
  ['a replica priority', BASE, [], 'redis.replicas=[{name: r1, priority: 0}]', 'redis.replicas=[{name: r1, priority: -1}]', `--set redis.replicas: redis.replicas[0].priority: ${INT0} (got -1)`],
  ['sentinels', BASE, [REPLICA, 'redis.sentinel.quorum=1'], 'redis.sentinel.sentinels=1', 'redis.sentinel.sentinels=0', `--set redis.sentinel.sentinels: ${INT1} (got 0)`],
  ['quorum', BASE, [REPLICA], 'redis.sentinel.quorum=1', 'redis.sentinel.quorum=0', `--set redis.sentinel.quorum: ${INT1} (got 0)`],
  ['down_after', BASE, [REPLICA], 'redis.sentinel.down_after=1us', 'redis.sentinel.down_after=0s', `--set redis.sentinel.down_after: ${POS} (got "0s")`],
  ['failover_timeout', BASE, [REPLICA], 'redis.sentinel.failover_timeout=1us', 'redis.sentinel.failover_timeout=0s', `--set redis.sentinel.failover_timeout: ${POS} (got "0s")`],
  ['parallel_syncs', BASE, [REPLICA], 'redis.sentinel.parallel_syncs=1', 'redis.sentinel.parallel_syncs=0', `--set redis.sentinel.parallel_syncs: ${INT1} (got 0)`],
  ['WAIT numreplicas', BASE, [REPLICA], 'redis.wait.numreplicas=1', 'redis.wait.numreplicas=0', `--set redis.wait.numreplicas: ${INT1} (got 0)`],
  ['WAIT timeout', BASE, [REPLICA], 'redis.wait.timeout=0s', 'redis.wait.timeout=-1us', `--set redis.wait.timeout: ${NEG} (got -1us)`],
  ['min_replicas_to_write', BASE, [REPLICA], 'redis.min_replicas_to_write=0', 'redis.min_replicas_to_write=-1', `--set redis.min_replicas_to_write: ${INT0} (got -1)`],
  ['min_replicas_max_lag', BASE, [REPLICA], 'redis.min_replicas_max_lag=0', 'redis.min_replicas_max_lag=-1', `--set redis.min_replicas_max_lag: ${INT0} (got -1)`],
  ['lua_max_instructions', BASE, [], 'redis.lua_max_instructions=1', 'redis.lua_max_instructions=0', `--set redis.lua_max_instructions: ${INT1} (got 0)`],
  ['random_kill count', BASE, [], randomKill(1, '0s'), randomKill(0, '0s'), `--set faults: faults[0].random_kill.count: ${INT1} (got 0)`],
  ['random_kill between', BASE, [], randomKill(1, '0s'), randomKill(1, '-1us'), `--set faults: faults[0].random_kill.between[0]: ${NEG} (got -1us)`],
  ['a fault at', BASE, [], 'faults=[{at: 0s, kill: app1}]', 'faults=[{at: -1us, kill: app1}]', `--set faults: faults[0].at: ${NEG} (got -1us)`],
  ['a fault for', BASE, [], 'faults=[{at: 0s, kill: app1, for: 0s}]', 'faults=[{at: 0s, kill: app1, for: -1us}]', `--set faults: faults[0].for: ${NEG} (got -1us)`],
  ['a slow factor', BASE, [], 'faults=[{at: 0s, slow: app1, factor: 0.001}]', 'faults=[{at: 0s, slow: app1, factor: 0}]', '--set faults: faults[0].factor: must be a number > 0 (got 0)'],
  ['a drop fraction', BASE, [], 'faults=[{at: 0s, drop: app1-redis, fraction: 0}]', 'faults=[{at: 0s, drop: app1-redis, fraction: -0.1}]', '--set faults: faults[0].fraction: must be a number between 0 and 1 (got -0.1)'],
  ['mtbf', BASE, [], random('', '1us'), random('', '0s'), `--set faults: faults[0].mtbf: ${POS} (got "0s")`],
  ['mttr', BASE, [], random('', '1s', '1us'), random('', '1s', '0s'), `--set faults: faults[0].mttr: ${POS} (got "0s")`],
  ['from', BASE, [], random(', from: 0s'), random(', from: -1us'), `--set faults: faults[0].from: ${NEG} (got -1us)`],
  ['until', BASE, [], random(', until: 0s'), random(', until: -1us'), `--set faults: faults[0].until: ${NEG} (got -1us)`],
  ['cores', BASE, ['place={box1: [app1]}'], 'hosts={box1: {cores: 1}}', 'hosts={box1: {cores: 0}}', `--set hosts: hosts.box1.cores: ${INT1} (got 0)`],
  ['a slice', BASE, ['place={box1: [app1]}'], 'hosts={box1: {cores: 1, slice: 0s}}', 'hosts={box1: {cores: 1, slice: -1us}}', `--set hosts: hosts.box1.slice: ${NEG} (got -1us)`],
  ...(['users', 'nginx', 'app', 'redis', 'redis_client'] as const).map((k): [string, string, string[], string, string, string] => [
    `cpu.${k}`, BASE, HOST, `cpu.${k}=0s`, `cpu.${k}=-1us`, `--set cpu.${k}: ${NEG} (got -1us)`,
  ]),
  ['cpu.app, one per server', BASE, HOST, 'cpu.app=[0s, 0s]', 'cpu.app=[0s, -1us]', `--set cpu.app: cpu.app[1]: ${NEG} (got -1us)`],
  ...(['users', 'nginx', 'app', 'redis'] as const).map((k): [string, string, string[], string, string, string] => [
    `cpu.threads.${k}`, BASE, HOST, `cpu.threads.${k}=1`, `cpu.threads.${k}=0`, `--set cpu.threads.${k}: ${INT1} (got 0)`,
  ]),
  ['a link cost', BASE, NET, 'network.links[0].cost=1', 'network.links[0].cost=0', `--set network.links[0].cost: ${INT1} (got 0)`],
  ['a link reverse_cost', BASE, NET, 'network.links[0].reverse_cost=1', 'network.links[0].reverse_cost=0', `--set network.links[0].reverse_cost: ${INT1} (got 0)`],
  ['a link latency', BASE, NET, 'network.links[0].latency=0s', 'network.links[0].latency=-1us', `--set network.links[0].latency: ${NEG} (got -1us)`],
  ['maximum_paths', BASE, NET, 'network.maximum_paths=1', 'network.maximum_paths=0', `--set network.maximum_paths: ${INT1} (got 0)`],
  ['hello_interval', BASE, NET, 'network.ospf.hello_interval=1us', 'network.ospf.hello_interval=0s', `--set network.ospf.hello_interval: ${POS} (got "0s")`],
  ['dead_interval', BASE, [...NET, 'network.ospf.hello_interval=1us'], 'network.ospf.dead_interval=2us', 'network.ospf.dead_interval=0s', `--set network.ospf.dead_interval: ${POS} (got "0s")`],
  ...(['spf_delay', 'spf_hold', 'spf_max_hold', 'lsa_min_interval'] as const).map((k): [string, string, string[], string, string, string] => [
    k, BASE, NET, `network.ospf.${k}=0s`, `network.ospf.${k}=-1us`, `--set network.ospf.${k}: ${NEG} (got -1us)`,
  ]),
  ['BFD interval', BASE, NET, 'network.bfd={interval: 1us}', 'network.bfd={interval: 0s}', `--set network.bfd: network.bfd.interval: ${POS} (got "0s")`],
  ['BFD multiplier', BASE, NET, 'network.bfd={multiplier: 1}', 'network.bfd={multiplier: 0}', `--set network.bfd: network.bfd.multiplier: ${INT1} (got 0)`],
  ['directors', BASE, ['lvs.mode=active_active'], 'lvs.directors=1', 'lvs.directors=0', `--set lvs.directors: ${INT1} (got 0)`],
  ['an LVS weight', BASE, [], 'lvs.weights=[0, 0]', 'lvs.weights=[0, -1]', `--set lvs.weights: lvs.weights[1]: ${INT0} (got -1)`],
  ['lvs.timeouts.tcp', BASE, [], 'lvs.timeouts.tcp=1us', 'lvs.timeouts.tcp=0s', `--set lvs.timeouts.tcp: ${POS} (got "0s")`],
  ['lvs.timeouts.tcp_fin', BASE, [], 'lvs.timeouts.tcp_fin=1us', 'lvs.timeouts.tcp_fin=0s', `--set lvs.timeouts.tcp_fin: ${POS} (got "0s")`],
];

test.each(cases)('%s', (_what, yaml, also, lowest, below, says) => {
  expect(refusal(yaml, [...also, lowest])).toBe('');
  expect(refusal(yaml, [...also, below])).toBe(`b.yaml: ${says}`);
});
