// The fault schedule drawn from the `faults` stream, checked draw by draw against a scripted
// stream (each expected value follows from the script by hand), and the injector's log of fault
// starts and ends through the whole stack.
import { readFileSync } from 'node:fs';
import { Engine } from '../src/engine/engine.js';
import { RngStream, RngStreams } from '../src/engine/rng.js';
import { Metrics } from '../src/metrics/metrics.js';
import { drawRandomFaults, drawRandomKills, FaultInjector, faultSchedule } from '../src/model/faults/injector.js';
import { runScenario } from '../src/model/stack.js';
import { loadScenario, parseScenario } from '../src/scenario/load.js';
import { Topology } from '../src/scenario/topology.js';
import type { Fault, RandomFaults, RandomKill, Scenario } from '../src/scenario/types.js';

/** A stream that answers int() and exp() from a script and records what it was asked. */
class Scripted extends RngStream {
  readonly asked: string[] = [];
  constructor(private readonly ints: number[], private readonly exps: number[] = []) {
    super('scripted', 1);
  }
  override int(n: number): number {
    this.asked.push(`int(${n})`);
    const v = this.ints.shift();
    if (v === undefined || v >= n) throw new Error(`script: no int below ${n}`);
    return v;
  }
  override exp(mean: number): number {
    this.asked.push(`exp(${mean})`);
    const v = this.exps.shift();
    if (v === undefined) throw new Error('script: no exp left');
    return v;
  }
}

const KILLS: RandomKill = { count: 2, among: ['a', 'b', 'c', 'd'], from_us: 10, until_us: 20, line: 7 };

describe('drawRandomKills', () => {
  test('a partial Fisher-Yates shuffle, each kill at from + a draw over [from, until]', () => {
    // k = 0: j = 0 + 2 -> c (pool becomes c b a d), at 10 + 5. k = 1: j = 1 + 2 = 3 -> d, at 10 + 10.
    const rng = new Scripted([2, 5, 2, 10]);
    expect(drawRandomKills([KILLS], rng)).toEqual([
      { at_us: 15, for_us: 0, line: 7, action: 'kill', target: 'c' },
      { at_us: 20, for_us: 0, line: 7, action: 'kill', target: 'd' },
    ]);
    // the pool shrinks by one per pick; the time draws span until - from + 1 values
    expect(rng.asked).toEqual(['int(4)', 'int(11)', 'int(3)', 'int(11)']);
  });

  test('every node once when count is the whole pool; specs one after another', () => {
    const rng = new Scripted([0, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
    const out = drawRandomKills([{ ...KILLS, count: 4, from_us: 0, until_us: 0 }, { count: 1, among: ['x', 'y', 'z', 'w'], from_us: 1, until_us: 4, line: 9 }], rng);
    expect(out.map((f) => [f.at_us, f.action === 'kill' ? f.target : ''])).toEqual([
      [0, 'a'],
      [0, 'b'],
      [0, 'c'],
      [0, 'd'],
      [4, 'x'],
    ]);
  });

  test('a real stream: distinct nodes, times inside [from, until], both ends reached', () => {
    const rng = new RngStreams(5).stream('faults');
    const times = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const out = drawRandomKills([{ count: 3, among: ['a', 'b', 'c'], from_us: 100, until_us: 102, line: 1 }], rng);
      expect(out.map((f) => (f.action === 'kill' ? f.target : '')).sort()).toEqual(['a', 'b', 'c']);
      for (const f of out) times.add(f.at_us);
    }
    expect([...times].sort()).toEqual([100, 101, 102]);
  });
});

const SPEC: RandomFaults = { action: 'kill', nodes: ['n1', 'n2'], mtbf_us: 1000, mttr_us: 100, factor: 1, from_us: 50, until_us: 400, line: 3 };

describe('drawRandomFaults', () => {
  test('per node: up time, repair, up time ... while the start is before until', () => {
    // n1: starts 50 + 100 = 150, repair 20.4 -> 20; next 150 + 20 + 229.6 -> 400: not < 400, stop.
    // n2: starts 50 + round(349.5) = 400: not before until, so none.
    const rng = new Scripted([], [100, 20.4, 229.6, 349.5]);
    expect(drawRandomFaults([SPEC], rng)).toEqual([{ at_us: 150, for_us: 20, line: 3, action: 'kill', target: 'n1' }]);
    expect(rng.asked).toEqual(['exp(1000)', 'exp(100)', 'exp(1000)', 'exp(1000)']);
  });

  test('a repair lasts at least 1 us; slow and partition keep their shape', () => {
    const one = { ...SPEC, nodes: ['n1'] };
    expect(drawRandomFaults([{ ...one, action: 'slow', factor: 4 }], new Scripted([], [0, 0.2, 1000]))).toEqual([
      { at_us: 50, for_us: 1, line: 3, action: 'slow', target: 'n1', factor: 4 },
    ]);
    expect(drawRandomFaults([{ ...one, action: 'partition' }], new Scripted([], [10, 5, 0, 7, 1000]))).toEqual([
      { at_us: 60, for_us: 5, line: 3, action: 'partition', nodes: ['n1'] },
      { at_us: 65, for_us: 7, line: 3, action: 'partition', nodes: ['n1'] },
    ]);
  });
});

describe('faultSchedule', () => {
  test('fixed faults, then the kill sets, then the random faults; the kills are drawn first', () => {
    const fixed: Fault[] = [{ at_us: 5, for_us: 0, line: 1, action: 'kill', target: 'z' }];
    // the kill takes int(4) = 1 -> b and int(11) = 0 -> at 10; then n1's exp draws, then n2's
    const rng = new Scripted([1, 0], [0, 1, 1000, 1000]);
    const out = faultSchedule(fixed, [SPEC], [{ ...KILLS, count: 1 }], rng);
    expect(out.map((f) => [f.at_us, f.action, f.action === 'partition' ? '' : f.target])).toEqual([
      [5, 'kill', 'z'],
      [10, 'kill', 'b'],
      [50, 'kill', 'n1'],
    ]);
  });
});

describe('the injector through the stack', () => {
  const yaml = (faults: string) => `name: inj
seed: 1
tickets: { inventory: 10, script: fixed }
users:
  load:
    open: { users: 1, rate: 1/s, shape: uniform }
nginx:
  upstream:
    servers:
      - { name: app1, weight: 1 }
app:
  local_stock: [10]
faults:
${faults}`;
  const log = (faults: string) => runScenario(parseScenario(yaml(faults), 'test.yaml')).report.summary.faults.map((f) => [f.at_ms, f.action, f.target]);

  test('a fault with a duration ends; one without does not, except a restart', () => {
    expect(log('  - { at: 1s, slow: app1, factor: 2, for: 2s }\n  - { at: 2s, kill: app1 }\n')).toEqual([
      [1000, 'slow', 'app1'],
      [2000, 'kill', 'app1'],
      [3000, 'slow ends', 'app1'],
    ]);
    // a restart is a stop now and a start when it ends, `for` 0 included
    expect(log('  - { at: 1s, restart: redis }\n')).toEqual([
      [1000, 'restart', 'redis'],
      [1000, 'restart ends', 'redis'],
    ]);
  });
});

describe('the injector routes each fault to the tier that owns its target', () => {
  // Recording handlers: each notes (tier, action, index) when a fault starts and when it ends.
  function recorder(seen: string[], tier: string) {
    return {
      applyFault: (f: Fault, i: number) => {
        seen.push(`${tier} ${f.action} ${i}`);
        return `${tier} applied`;
      },
      endFault: (f: Fault, i: number) => {
        seen.push(`${tier} end ${f.action} ${i}`);
        return tier === 'site' ? null : `${tier} ended`; // null: nothing to log
      },
    };
  }
  function handlers(seen: string[], front: boolean, sites: boolean, replicas: boolean) {
    const r = (t: string) => recorder(seen, t);
    return {
      app: r('app'),
      redis: r('redis'),
      proxyLink: r('proxyLink'),
      redisLink: r('redisLink'),
      partition: r('partition'),
      front: front ? { router: r('router'), director: r('director'), nginx: r('nginx'), routedLink: r('routedLink') } : null,
      site: sites ? r('site') : null,
      ...(sites ? { siteLink: r('siteLink') } : {}),
      ...(replicas ? { replica: r('replica'), replicationLink: r('replicationLink') } : {}),
    };
  }
  const at = (action: string, target: string, for_us = 0): Fault => {
    const t = { at_us: 10, for_us, line: 4 };
    switch (action) {
      case 'slow':
        return { ...t, action, target, factor: 2 };
      case 'drop':
        return { ...t, action, target, fraction: 0.5 };
      case 'partition':
        return { ...t, action, nodes: [target] };
      case 'kill':
      case 'recover':
      case 'restart':
      case 'down':
      case 'up':
      case 'stop':
        return { ...t, action, target };
      default:
        throw new Error(action);
    }
  };
  function inject(file: string | Scenario, faults: Fault[], h: (seen: string[]) => ReturnType<typeof handlers>) {
    const s = typeof file === 'string' ? loadScenario(file) : file;
    const engine = new Engine();
    const metrics = new Metrics(s.report.bin_us);
    const seen: string[] = [];
    const inj = new FaultInjector(engine, Topology.of(s), faults, metrics, h(seen));
    expect(inj.faults).toEqual(faults); // the whole schedule, for the report
    inj.start();
    engine.run();
    return { seen, log: metrics.faults.map((f) => `${f.at_us} ${f.action} ${f.target}: ${f.detail}`) };
  }

  test('routers, directors, nginx and routed links go to the front; app, Redis and the stack links to theirs', () => {
    // router-crash.yaml: routers border, edge1, edge2; directors lvs1, lvs2; nginx1, nginx2; app1-4
    const faults = [
      at('kill', 'app2'),
      at('recover', 'app3'),
      at('slow', 'app1'),
      at('kill', 'redis'),
      at('slow', 'redis'),
      at('restart', 'redis'),
      at('kill', 'edge1'),
      at('kill', 'lvs2'),
      at('stop', 'lvs1'),
      at('recover', 'nginx2'),
      at('down', 'edge2-lvs1'),
      at('up', 'border-edge1'),
      at('drop', 'nginx2-app3'),
      at('drop', 'app4-redis'),
      at('partition', 'app1'),
    ];
    const { seen, log } = inject('scenarios/router-crash.yaml', faults, (x) => handlers(x, true, false, false));
    // proxy link nginx2-app3: 1 x 4 + 2 = 6; routed links in network.links order
    expect(seen).toEqual([
      'app kill 1',
      'app recover 2',
      'app slow 0',
      'redis kill 0',
      'redis slow 0',
      'redis restart 0',
      'router kill 1',
      'director kill 1',
      'director stop 0',
      'nginx recover 1',
      'routedLink down 4',
      'routedLink up 0',
      'proxyLink drop 6',
      'redisLink drop 3',
      'partition partition 0',
      'redis end restart 0', // a restart ends even without `for`
    ]);
    expect(log[0]).toBe('10 kill app2: app applied');
    expect(log.at(-1)).toBe('10 restart ends redis: redis ended');
  });

  test('sites, site links, replicas and their links; an end with nothing to undo logs nothing', () => {
    // dc-failover-redis.yaml: sites dc1, dc2; replica1 in dc2, its replication link the site link
    const faults = [at('kill', 'dc2', 5), at('down', 'dc1-dc2'), at('kill', 'replica1'), at('recover', 'app4')];
    const { seen, log } = inject('scenarios/dc-failover-redis.yaml', faults, (x) => handlers(x, false, true, true));
    expect(seen).toEqual(['site kill 1', 'siteLink down 0', 'replica kill 0', 'app recover 3', 'site end kill 1']);
    expect(log).toEqual(['10 kill dc2: site applied', '10 down dc1-dc2: siteLink applied', '10 kill replica1: replica applied', '10 recover app4: app applied']);
  });

  test('replicas beside a routed network: only replica nodes and links go to the replication tier', () => {
    // router-crash.yaml with a replica on its own link
    const text = readFileSync('scenarios/router-crash.yaml', 'utf8').replace(/^expect:[\s\S]*$/m, '') + 'redis:\n  replicas:\n    - { name: replica1, link_latency: 2ms }\n';
    const faults = [at('down', 'redis-replica1'), at('kill', 'replica1'), at('down', 'edge2-lvs1'), at('kill', 'nginx1'), at('kill', 'border')];
    const { seen } = inject(parseScenario(text, 'r.yaml'), faults, (x) => handlers(x, true, false, true));
    expect(seen).toEqual(['replicationLink down 0', 'replica kill 0', 'routedLink down 4', 'nginx kill 0', 'router kill 0']);
  });

  test('the event kinds are fault.start and fault.end (they enter the fingerprint)', () => {
    const s = loadScenario('scenarios/dc-failover-redis.yaml');
    const engine = new Engine();
    new FaultInjector(engine, Topology.of(s), [], new Metrics(s.report.bin_us), handlers([], false, false, false));
    expect(() => engine.register('fault.start', () => {})).toThrow('event kind fault.start is registered twice');
    expect(() => engine.register('fault.end', () => {})).toThrow('event kind fault.end is registered twice');
  });

  test('a target no tier takes is an internal error, named with its line', () => {
    const bad = (f: Fault, front = false, sites = false) => () => inject('scenarios/router-crash.yaml', [f], (x) => handlers(x, front, sites, false));
    expect(bad(at('kill', 'nosuch'))).toThrow('fault target nosuch (line 4) is not a node of this scenario');
    expect(bad(at('drop', 'nosuch'))).toThrow('fault target nosuch (line 4) is not a link of this scenario');
    expect(bad(at('kill', 'edge1'))).toThrow('fault target edge1 (line 4) needs the routed network in front');
    expect(bad(at('slow', 'lvs1'), true)).toThrow('fault target lvs1 (line 4) cannot be slowed');
    expect(bad(at('drop', 'edge1-lvs1'), true)).toThrow('fault target edge1-lvs1 (line 4) is a routed link: it goes down or up, it does not drop');
    expect(() => inject('scenarios/dc-failover-redis.yaml', [at('kill', 'dc1')], (x) => handlers(x, false, false, false))).toThrow('fault target dc1 (line 4) needs sites');
  });
});
