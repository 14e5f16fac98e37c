// network-resolve.ts: each check of `network:` and `lvs:` refused with its whole message, at its
// edge where it has one, and what the sections resolve to (the implicit router, ingress, BFD,
// health checks, VRRP).
import { parseScenario, ScenarioError } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';

const Y = 'name: n\nnginx:\n  instances: 2\nnetwork:\n  latency: 1ms\n';

function refusal(...set: string[]): string {
  try {
    parseScenario(Y, 'b.yaml', { set });
    return '';
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return e.message;
  }
}
const load = (...set: string[]): Scenario => parseScenario(Y, 'b.yaml', { set });

const R1 = 'network.routers=[r1]';
const L2 = 'network.links=[{a: r1, b: lvs1}, {a: r1, b: lvs2}]';
const FOUR = ['network.routers=[r1, r2]', 'lvs.directors=4'];
const CROSSED = 'network.links=[{a: r1, b: lvs1}, {a: r1, b: lvs3}, {a: r2, b: lvs2}, {a: r2, b: lvs4}]';

describe('refused, each with its message', () => {
  test.each([
    // links or ingress without routers (and without lvs): named at network:, line 4
    [['network.links=[{a: r1, b: lvs1}]'], 'b.yaml:4: network.routers: is required when links or ingress are given'],
    [['network.ingress=r1'], 'b.yaml:4: network.routers: is required when links or ingress are given'],
    [['lvs.directors=3'], 'b.yaml: --set lvs.directors: active_backup needs pairs (lvs1+lvs2, ...): an even number (got 3)'],
    [['lvs.mode=active_active', 'lvs.forwarding=nat'], 'b.yaml: --set lvs.forwarding: nat needs the replies to return through the director that rewrote them: use dr with active_active'],
    [['lvs.weights=[1]'], 'b.yaml: --set lvs.weights: must have one weight per nginx instance: 2 instances, got 1'],
    [['lvs.weights=[1, 65536]'], "b.yaml: --set lvs.weights: lvs.weights[1]: must be 0..65535 (ipvsadm's range; got 65536)"],
    [['lvs.vrrp.version=4'], 'b.yaml: --set lvs.vrrp.version: must be 2 or 3 (got 4)'],
    [['lvs.vrrp.priority=[1]'], 'b.yaml: --set lvs.vrrp.priority: must list two priorities, for the first and second director of each pair (got 1)'],
    [['lvs.vrrp.priority=[1, 256]'], 'b.yaml: --set lvs.vrrp.priority: lvs.vrrp.priority[1]: must be 1..255 (got 256)'],
    [['network.routers=["a b"]', L2], 'b.yaml: --set network.routers: network.routers[0]: must be letters, digits, _ or - (it names a node)'],
    // names taken by app servers, directors, nginx, Redis, and the word partition
    ...['app1', 'lvs1', 'nginx2', 'redis', 'partition'].map((n): [string[], string] => [[`network.routers=[${n}]`, L2], `b.yaml: --set network.routers: network.routers[0]: "${n}" is already the name of another node`]),
    [['network.routers=[r1, r1]', L2], 'b.yaml: --set network.routers: network.routers[1]: "r1" is listed twice'],
    [[R1, 'network.links=[{a: r1, b: lvs1}, {a: r1, b: zz}]'], 'b.yaml: --set network.links: network.links[1].b: unknown node "zz" (a router of network.routers or a director lvs1..2)'],
    [[R1, 'network.links=[{a: zz, b: lvs1}]'], 'b.yaml: --set network.links: network.links[0].a: unknown node "zz" (a router of network.routers or a director lvs1..2)'],
    [[R1, 'lvs.directors=4', 'network.links=[{a: r1, b: zz}]'], 'b.yaml: --set network.links: network.links[0].b: unknown node "zz" (a router of network.routers or a director lvs1..4)'],
    [[R1, 'network.links=[{a: r1, b: r1}]'], 'b.yaml: --set network.links: network.links[0]: links r1 to itself'],
    [[R1, 'network.links=[{a: lvs1, b: lvs2}]'], 'b.yaml: --set network.links: network.links[0]: links two directors: one end must be a router'],
    [[R1, 'network.links=[{a: r1, b: lvs1}, {a: lvs1, b: r1}]'], 'b.yaml: --set network.links: network.links[1]: a second link between lvs1 and r1 (parallel links are not modelled)'],
    [[R1, 'network.links=[{a: r1, b: lvs1}, {a: r1, b: lvs2, cost: 65536}]'], 'b.yaml: --set network.links: network.links[1].cost: must be 1..65535'],
    [[R1, 'network.links=[{a: r1, b: lvs1}, {a: r1, b: lvs2, reverse_cost: 65536}]'], 'b.yaml: --set network.links: network.links[1].cost: must be 1..65535'],
    [[R1, 'network.links=[{a: r1, b: lvs1}]'], 'b.yaml: --set network.links: director lvs2 has no link to a router'],
    [[...FOUR, CROSSED], "b.yaml: --set network.links: router r1 links to directors of two VRRP pairs; in active_backup a router sits on one pair's LAN"],
    [[R1, L2, 'network.ingress=zz'], 'b.yaml: --set network.ingress: unknown router "zz"'],
    [[R1, L2, 'network.ingress=[r1, zz]'], 'b.yaml: --set network.ingress: unknown router "zz" (item 1)'],
    ...['spf_delay', 'spf_hold', 'spf_max_hold'].map((k): [string[], string] => [[R1, L2, `network.ospf.${k}=1500us`], `b.yaml: --set network.ospf.${k}: must be whole milliseconds (FRR takes them in ms; got 1500us)`]),
    [[R1, L2, 'network.ospf.dead_interval=10s'], 'b.yaml: --set network.ospf.dead_interval: must be longer than hello_interval'],
    [[R1, L2, 'network.maximum_paths=257'], 'b.yaml: --set network.maximum_paths: must be 1..256 (got 257)'],
    // routers without links: the directors have none; no links key, so named at network:, line 4
    [[R1], 'b.yaml:4: network.links: director lvs1 has no link to a router'],
    // links written director first count for their router too
    [[...FOUR, 'network.links=[{a: lvs1, b: r1}, {a: lvs3, b: r1}, {a: lvs2, b: r2}, {a: lvs4, b: r2}]'], "b.yaml: --set network.links: router r1 links to directors of two VRRP pairs; in active_backup a router sits on one pair's LAN"],
    // r1 is on pair 1's LAN only; r2 on both: r2 is named, not r1 (whose own links are fine); either way round
    [[...FOUR, 'network.links=[{a: r1, b: lvs1}, {a: r1, b: lvs2}, {a: r2, b: lvs3}, {a: r2, b: lvs4}, {a: r2, b: lvs1}]'], "b.yaml: --set network.links: router r2 links to directors of two VRRP pairs; in active_backup a router sits on one pair's LAN"],
    [[...FOUR, 'network.links=[{a: lvs1, b: r1}, {a: lvs2, b: r1}, {a: lvs3, b: r2}, {a: lvs4, b: r2}, {a: lvs1, b: r2}]'], "b.yaml: --set network.links: router r2 links to directors of two VRRP pairs; in active_backup a router sits on one pair's LAN"],
  ])('%j', (set, message) => {
    expect(refusal(...set)).toBe(message);
  });
});

describe('accepted at the edges', () => {
  test.each([
    [['lvs.weights=[0, 65535]']],
    [['lvs.vrrp.priority=[255, 1]']],
    [['lvs.vrrp.version=3']],
    [[R1, 'network.links=[{a: r1, b: lvs1, cost: 65535, reverse_cost: 65535}, {a: r1, b: lvs2}]']],
    [[...FOUR, 'network.links=[{a: r1, b: lvs1}, {a: r1, b: lvs2}, {a: r2, b: lvs3}, {a: r2, b: lvs4}]']],
    // active_active has no LANs of pairs
    [[...FOUR, 'lvs.mode=active_active', CROSSED]],
    [[R1, L2, 'network.ospf.spf_delay=2ms', 'network.ospf.spf_hold=0s', 'network.ospf.spf_max_hold=1s']],
    [[R1, L2, 'network.ospf.dead_interval=10000001us']],
    [[R1, L2, 'network.maximum_paths=256']],
    // the pair rule and the nat rule belong to one mode each
    [['lvs.mode=active_active', 'lvs.directors=3']],
    [['lvs.forwarding=nat']],
    // each router on its own pair's LAN, links written director first
    [[...FOUR, 'network.links=[{a: lvs1, b: r1}, {a: lvs2, b: r1}, {a: lvs3, b: r2}, {a: lvs4, b: r2}]']],
    // a-bc and ab-c are two links: a pair's names are kept apart, not run together
    [['network.routers=[a, ab, bc, c]', 'network.links=[{a: a, b: lvs1}, {a: a, b: lvs2}, {a: a, b: bc}, {a: ab, b: c}]']],
  ])('%j', (set) => {
    expect(refusal(...set)).toBe('');
  });
});

describe('what the sections resolve to', () => {
  test('neither routers nor lvs: no topology, no lvs', () => {
    const s = load();
    expect(s.network.topology).toBeUndefined();
    expect(s.lvs).toBeUndefined();
  });

  test('lvs alone: the implicit router "edge", linked to every director at cost 10 and no latency; keepalived and ipvsadm defaults', () => {
    const s = load('lvs.directors=2');
    expect(s.network.topology).toEqual({
      routers: ['edge'],
      ingress: ['edge'],
      links: [
        { a: 'edge', b: 'lvs1', cost: 10, reverse_cost: 10, latency_us: 0, carrier: false },
        { a: 'edge', b: 'lvs2', cost: 10, reverse_cost: 10, latency_us: 0, carrier: false },
      ],
      hash_policy: 'l3',
      maximum_paths: 16,
      ospf: { hello_interval_us: 10_000_000, dead_interval_us: 40_000_000, spf_delay_us: 0, spf_hold_us: 50_000, spf_max_hold_us: 5_000_000, lsa_min_interval_us: 5_000_000 },
      bfd: null,
      implicit: true,
    });
    expect(s.lvs).toEqual({
      directors: ['lvs1', 'lvs2'],
      mode: 'active_backup',
      forwarding: 'dr',
      scheduler: 'wlc',
      sh_port: false,
      sh_fallback: false,
      weights: [1, 1],
      latency_us: 50,
      vip_cost: 0,
      sync: false,
      timeouts: { tcp_us: 900_000_000, tcp_fin_us: 120_000_000 },
      vrrp: { version: 2, advert_int_us: 1_000_000, priority: [150, 100], preempt: true, preempt_delay_us: 0 },
      health_check: { type: 'TCP_CHECK', delay_loop_us: 60_000_000, connect_timeout_us: 5_000_000, retry: 1, delay_before_retry_us: 1_000_000 },
    });
  });

  test('routers without lvs get the default lvs; links as written, reverse_cost defaulting to cost', () => {
    const s = load(R1, 'network.links=[{a: r1, b: lvs1, cost: 7, latency: 5us, carrier: true}, {a: lvs2, b: r1, cost: 3, reverse_cost: 9}]');
    expect(s.lvs?.directors).toEqual(['lvs1', 'lvs2']);
    expect(s.network.topology?.implicit).toBe(false);
    expect(s.network.topology?.links).toEqual([
      { a: 'r1', b: 'lvs1', cost: 7, reverse_cost: 7, latency_us: 5, carrier: true },
      { a: 'lvs2', b: 'r1', cost: 3, reverse_cost: 9, latency_us: 50, carrier: false },
    ]);
  });

  test('ingress: the first router by default, one name, or a list', () => {
    const two = ['network.routers=[r1, r2]', 'network.links=[{a: r1, b: r2}, {a: r2, b: lvs1}, {a: r2, b: lvs2}]'];
    expect(load(...two).network.topology?.ingress).toEqual(['r1']);
    expect(load(...two, 'network.ingress=r2').network.topology?.ingress).toEqual(['r2']);
    expect(load(...two, 'network.ingress=[r2, r1]').network.topology?.ingress).toEqual(['r2', 'r1']);
  });

  test('BFD: false is none, true is FRR 300 ms x 3, or as written', () => {
    expect(load(R1, L2, 'network.bfd=false').network.topology?.bfd).toBeNull();
    expect(load(R1, L2, 'network.bfd=true').network.topology?.bfd).toEqual({ interval_us: 300_000, multiplier: 3 });
    expect(load(R1, L2, 'network.bfd={interval: 50ms, multiplier: 5}').network.topology?.bfd).toEqual({ interval_us: 50_000, multiplier: 5 });
  });

  test('health checks: false is none, true is TCP_CHECK with its defaults; HTTP_GET waits 3 s before a retry', () => {
    expect(load('lvs.health_check=false').lvs?.health_check).toBeNull();
    expect(load('lvs.health_check=true').lvs?.health_check).toEqual({ type: 'TCP_CHECK', delay_loop_us: 60_000_000, connect_timeout_us: 5_000_000, retry: 1, delay_before_retry_us: 1_000_000 });
    expect(load('lvs.health_check={type: HTTP_GET}').lvs?.health_check?.delay_before_retry_us).toBe(3_000_000);
    expect(load('lvs.health_check={type: HTTP_GET, delay_before_retry: 2s}').lvs?.health_check?.delay_before_retry_us).toBe(2_000_000);
  });

  test('VRRP: version 3, advert_int to centiseconds, priorities and preempt as written', () => {
    expect(load('lvs.vrrp={version: 3, advert_int: 1234ms, priority: [7, 9], preempt: false, preempt_delay: 2s}').lvs?.vrrp).toEqual({
      version: 3,
      advert_int_us: 1_230_000,
      priority: [7, 9],
      preempt: false,
      preempt_delay_us: 2_000_000,
    });
  });

  test('the rest of lvs: as written', () => {
    const l = load('lvs={directors: 2, mode: active_active, scheduler: sh, sh_port: true, sh_fallback: true, weights: [2, 0], latency: 7us, vip_cost: 4, sync: true, timeouts: {tcp: 1s, tcp_fin: 2s}}').lvs;
    expect([l?.mode, l?.scheduler, l?.sh_port, l?.sh_fallback, l?.weights, l?.latency_us, l?.vip_cost, l?.sync, l?.timeouts]).toEqual([
      'active_active', 'sh', true, true, [2, 0], 7, 4, true, { tcp_us: 1_000_000, tcp_fin_us: 2_000_000 },
    ]);
  });
});
