// LVS directors (src/model/lvs.ts LvsTier) through the whole stack, against torvalds/linux
// net/netfilter/ipvs/ (ip_vs_rr.c, ip_vs_wrr.c, ip_vs_sh.c, ip_vs_wlc.c scheduling; ip_vs_xmit.c
// DR vs NAT; ip_vs_sync.c) and keepalived's ipwrapper.c (real servers added one at a time, each at
// the head of the kernel's list).
import fc from 'fast-check';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tracer } from '../src/metrics/trace.js';
import { ephemeralPort } from '../src/model/front/lvs.js';
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';

/** A small stack: `lvs` and `extra` are YAML lines; users arrive at 10k/s. */
function yaml(lvs: string, extra = '', users = 20_000): string {
  return `
name: t
seed: 5
tickets: { inventory: 500, script: fixed }
users:
  load:
    open: { users: ${users}, rate: 10k/s }
  client_ips: 5000
  timeout: 5s
nginx: { instances: 3, workers: 1 }
app:
  service_time: { exp: 20us }
lvs:
${lvs}
${extra}`;
}

const run = (text: string) => runScenario(parseScenario(text, 'test.yaml')).report.summary;

/** Runs with --trace and returns the rows as [time, user, ip, tier, node, event]. */
function traced(text: string): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'ticketsim-lvs-'));
  const file = join(dir, 'trace.csv');
  const tracer = new Tracer(file);
  runScenario(parseScenario(text, 'test.yaml'), { tracer });
  tracer.close();
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const c = l.split(',');
      return [c[0], c[2], c[3], c[4], c[5], c[6]];
    });
}

describe('the source port of a connection', () => {
  test('property: in Linux ip_local_port_range 32768..60999, and fixed by (user, attempt)', () => {
    fc.assert(
      fc.property(fc.nat(2_000_000), fc.integer({ min: 1, max: 60 }), (u, a) => {
        const p = ephemeralPort(u, a);
        expect(p).toBeGreaterThanOrEqual(32768);
        expect(p).toBeLessThanOrEqual(60999);
        expect(ephemeralPort(u, a)).toBe(p);
      }),
    );
  });
});

describe('IPVS schedulers in the director', () => {
  const ONE = '  directors: 1\n  mode: active_active\n  health_check: false\n';

  test('rr: keepalived adds nginx1, nginx2, nginx3 each at the list head, so the scan starts at nginx3', () => {
    const rows = traced(yaml(`${ONE}  scheduler: rr\n`, '', 9)).filter((r) => r[3] === 'lvs');
    expect(rows.map((r) => r[5])).toEqual(['nginx3', 'nginx2', 'nginx1', 'nginx3', 'nginx2', 'nginx1', 'nginx3', 'nginx2', 'nginx1'].map((n) => `schedule:${n}`));
  });

  test('wrr, weights 1,1,3 added one by one: exactly 3:1:1, and the first pass takes everyone', () => {
    const s = run(yaml(`${ONE}  scheduler: wrr\n  weights: [1, 1, 3]\n`, '', 5000));
    expect(s.tiers.lvs?.lvs1.per_nginx).toEqual({ nginx1: 1000, nginx2: 1000, nginx3: 3000 });
    const rows = traced(yaml(`${ONE}  scheduler: wrr\n  weights: [1, 1, 3]\n`, '', 5)).filter((r) => r[3] === 'lvs');
    // list [nginx3 w3, nginx2 w1, nginx1 w1]; after the adds cw is still 1 (ip_vs_wrr_dest_changed
    // resets it only when cw > mw or cw == 0), so the first pass takes all; then cw = mw = 3, 2, 1
    expect(rows.map((r) => r[5].slice(9))).toEqual(['nginx3', 'nginx2', 'nginx1', 'nginx3', 'nginx3']);
  });

  test('sh: one client address, one nginx, whatever the source port; sh-port spreads them', () => {
    const byIp = (rows: string[][]) => {
      const m = new Map<string, Set<string>>();
      for (const r of rows.filter((x) => x[3] === 'lvs')) m.set(r[2], (m.get(r[2]) ?? new Set()).add(r[5]));
      return m;
    };
    const users = 'users:\n  load:\n    open: { users: 3000, rate: 10k/s }\n  client_ips: 20\n';
    const plain = byIp(traced(yaml(`${ONE}  scheduler: sh\n`, '', 3000).replace(/users:\n  load:\n    open: \{ users: 3000, rate: 10k\/s \}\n  client_ips: 5000\n/, users)));
    expect(plain.size).toBe(20);
    for (const set of plain.values()) expect(set.size).toBe(1);
    const port = byIp(traced(yaml(`${ONE}  scheduler: sh\n  sh_port: true\n`, '', 3000).replace(/users:\n  load:\n    open: \{ users: 3000, rate: 10k\/s \}\n  client_ips: 5000\n/, users)));
    expect([...port.values()].some((set) => set.size > 1)).toBe(true);
  });

  test('wlc counts active and (until tcp_fin) inactive connections: the load follows the weights', () => {
    const s = run(yaml(`${ONE}  scheduler: wlc\n  weights: [1, 1, 2]\n`, '', 8000));
    const per = s.tiers.lvs?.lvs1.per_nginx ?? {};
    expect(per.nginx3 / 8000).toBeCloseTo(0.5, 2);
    expect(per.nginx1 / 8000).toBeCloseTo(0.25, 2);
  });
});

describe('DR and NAT, connection tables and sync', () => {
  const PAIR = (fwd: string, sync: boolean) => `  directors: 2
  mode: active_backup
  forwarding: ${fwd}
  sync: ${sync}
  scheduler: wrr
  health_check: false
`;
  const SLOW = `app:
  concurrency: 64
  service_time: { lognormal: { median: 20ms, p99: 60ms } }
`;
  const scenario = (fwd: string, sync: boolean, faults: string) =>
    yaml(PAIR(fwd, sync), `faults:\n${faults}`, 30_000).replace('app:\n  service_time: { exp: 20us }\n', SLOW);

  test('a crash of the master: in DR the replies in flight still arrive, in NAT they die with its table', () => {
    const faults = '  - { at: 1s, kill: lvs1 }\n';
    const dr = run(scenario('dr', false, faults));
    const nat = run(scenario('nat', false, faults));
    // the same arrivals fall into the same VRRP window in both (their timers do not depend on it)
    expect(nat.network?.reconvergence[0].window_ms).toBe(dr.network?.reconvergence[0].window_ms);
    expect(nat.lvs?.connections_lost).toBeGreaterThan(20);
    expect(nat.lvs?.connections_lost).toBe(dr.lvs?.connections_lost);
    // NAT loses exactly the replies of the connections open at the crash on top of DR's losses
    expect((nat.lvs?.lost_on_failover ?? 0) - (dr.lvs?.lost_on_failover ?? 0)).toBe(nat.lvs?.connections_lost);
    expect(dr.requests.timeouts).toBe(dr.lvs?.lost_on_failover);
  });

  test('NAT handover back to the master: without sync its table lacks the backup\'s open connections', () => {
    // lvs2 has the VIP from 0.5 s + Skew_Time; lvs1 starts at 2 s and preempts at 3.0039 s
    const faults = '  - { at: 0.5s, stop: lvs1 }\n  - { at: 2s, recover: lvs1 }\n';
    const plain = run(scenario('nat', false, faults));
    const synced = run(scenario('nat', true, faults));
    const back = (s: typeof plain) => s.network?.reconvergence[1].lost ?? NaN;
    expect(plain.lvs?.vip_holders.map((v) => [v.director, v.from_ms])).toEqual([
      ['lvs1', 0],
      ['lvs2', 1109.375],
      ['lvs1', 3003.906],
    ]);
    expect(back(plain)).toBeGreaterThan(50); // replies in flight at 3.0039 s reach lvs1, which has no entry
    expect(back(synced)).toBeLessThan(10); // only packets already on their way to lvs2
    expect(synced.lvs?.connections_lost).toBe(0);
    // the VIP moved at the same times
    expect(synced.lvs?.vip_holders).toEqual(plain.lvs?.vip_holders);
  });
});

describe('active_active: a director crash is a routing black hole until OSPF notices', () => {
  const AA = `  directors: 2
  mode: active_active
  scheduler: rr
  health_check: false
`;
  const NET = `network:
  routers: [r1]
  links:
    - { a: r1, b: lvs1 }
    - { a: r1, b: lvs2 }
  ospf: { hello_interval: 1s, dead_interval: 4s }
faults:
  - { at: 0.5s, kill: lvs1 }
`;

  test('lost at the dead director for 3-4 s, then every flow on lvs2', () => {
    const s = run(yaml(AA, NET, 60_000));
    const r = s.network?.reconvergence[0];
    expect(r?.window_ms).toBeGreaterThanOrEqual(3000);
    expect(r?.window_ms).toBeLessThan(4000);
    expect(s.lvs?.blackholed).toBe(s.tiers.lvs?.lvs1.blackholed);
    expect(s.network?.blackholed).toBe(s.lvs?.blackholed); // nothing lost inside the routers
    expect(s.lvs?.blackholed).toBeGreaterThan(10_000); // about half of 10k/s over the window
    expect(s.tiers.router?.r1.vip_route).toBe('vip via lvs2');
  });
});

describe('health checks take a dead nginx out of the service', () => {
  test('all real servers dead: once removed, IPVS refuses at once (ICMP port unreachable): errors, not timeouts', () => {
    const lvs = '  directors: 1\n  mode: active_active\n  scheduler: rr\n  health_check: { delay_loop: 1s, connect_timeout: 200ms, retry: 0 }\n';
    const faults = 'faults:\n  - { at: 0.2s, kill: nginx1 }\n  - { at: 0.2s, kill: nginx2 }\n  - { at: 0.2s, kill: nginx3 }\n';
    const s = run(yaml(lvs, faults, 30_000));
    expect(s.tiers.lvs?.lvs1.real_servers_removed).toBe(3);
    expect(s.lvs?.no_dest).toBeGreaterThan(15_000);
    expect(s.requests.errors).toBe(s.lvs?.no_dest);
    expect(s.requests.timeouts).toBe(s.lvs?.nginx_lost); // those sent to a dead host before its removal
  });
});

describe('determinism', () => {
  test('the same seed gives the same summary, fingerprint included; another seed does not', () => {
    const text = yaml('  directors: 2\n  mode: active_backup\n', 'faults:\n  - { at: 0.5s, kill: lvs1 }\n', 10_000);
    const a = JSON.stringify(run(text));
    expect(JSON.stringify(run(text))).toBe(a);
    expect(JSON.stringify(run(text.replace('seed: 5', 'seed: 6')))).not.toBe(a);
  });
});

describe('deciding at send time when nothing can change before the arrival', () => {
  const NET = `network:
  routers: [r1, r2, r3]
  links:
    - { a: r1, b: r2 }
    - { a: r1, b: r3 }
    - { a: r2, b: lvs1 }
    - { a: r2, b: lvs2 }
    - { a: r3, b: lvs1 }
    - { a: r3, b: lvs2 }
  ospf: { hello_interval: 1s, dead_interval: 4s }
`;
  const cases: [string, string, string][] = [
    ['wrr, active_active, a router and an nginx crash', '  directors: 2\n  mode: active_active\n  scheduler: wrr\n  health_check: { delay_loop: 1s, connect_timeout: 300ms }\n',
      'faults:\n  - { at: 0.4s, kill: r2, for: 1s }\n  - { at: 0.7s, kill: nginx2 }\n  - { at: 1.6s, recover: nginx2 }\n'],
    ['sh with sh-port, active_backup, a director crash', '  directors: 2\n  mode: active_backup\n  scheduler: sh\n  sh_port: true\n',
      'faults:\n  - { at: 0.5s, kill: lvs1 }\n  - { at: 1.2s, recover: lvs1 }\n'],
    ['rr, NAT with sync, a clean stop and a link down', '  directors: 2\n  mode: active_backup\n  forwarding: nat\n  sync: true\n  scheduler: rr\n',
      'faults:\n  - { at: 0.3s, stop: lvs1 }\n  - { at: 0.9s, down: r1-r2 }\n  - { at: 1.5s, recover: lvs1 }\n'],
  ];
  test.each(cases)('%s: the same summary, fewer events', (_name, lvs, faults) => {
    const text = yaml(lvs, NET + faults, 25_000);
    const strip = (x: ReturnType<typeof run>) => JSON.stringify({ ...x, events: 0, fingerprint: '', expect: {} });
    const slow = runScenario(parseScenario(text, 'test.yaml'), { fastPaths: { directors: false } }).report.summary;
    const fast = runScenario(parseScenario(text, 'test.yaml'), { fastPaths: { directors: true } }).report.summary;
    expect(strip(fast)).toBe(strip(slow));
    expect(fast.events).toBeLessThan(slow.events);
  });
});
