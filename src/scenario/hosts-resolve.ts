// `hosts` / `place` / `cpu` -> HostsConfig: which process runs on which host, with how many
// threads. Unplaced processes keep their own unlimited CPU; a scenario without `hosts` has none.
import type { ParsedScenario } from './schema.js';
import { nginxName, REDIS_NODE } from './topology.js';
import type { HostsConfig } from './types.js';

type Seg = string | number;
type Fail = (segs: readonly Seg[], detail: string) => never;

export const USERS_PROCESS = 'users';
// The default split of the app's CPU (measured on validate:real's backends, docs/validation.md):
// the local deduction inside the lock, the answer and the log line after it; and of the Redis
// client's, issuing the call (the rest parses the reply). `cpu.split` overrides them.
export const APP_LOCK_SHARE = 0.061;
export const APP_AFTER_SHARE = 0.202;
export const CLIENT_SEND_SHARE = 0.81;

/**
 * Linux's sysctl_sched_base_slice for a machine of `cores` CPUs: 0.75 ms x (1 + ilog2(min(cpus, 8)))
 * (kernel/sched/fair.c: get_update_sysctl_factor, SCHED_TUNABLESCALING_LOG), 1.5 ms for 2.
 */
export function kernelSlice_us(cores: number): number {
  return 750 * (1 + Math.floor(Math.log2(Math.min(Math.max(cores, 1), 8))));
}

/** The processes a scenario can place, with their kind. */
function placeable(p: ParsedScenario, servers: readonly string[]): Map<string, 'users' | 'nginx' | 'app' | 'redis'> {
  const m = new Map<string, 'users' | 'nginx' | 'app' | 'redis'>([[USERS_PROCESS, 'users']]);
  for (let k = 0; k < p.nginx.instances; k++) m.set(nginxName(k), 'nginx');
  for (const s of servers) m.set(s, 'app');
  m.set(REDIS_NODE, 'redis');
  return m;
}

export function resolveHosts(p: ParsedScenario, servers: readonly string[], fail: Fail): HostsConfig | undefined {
  if (p.hosts === undefined) {
    if (p.place !== undefined) fail(['place'], 'needs `hosts:` (the machines to place processes on), e.g. hosts: { box1: { cores: 2 } }');
    if (p.cpu !== undefined) fail(['cpu'], 'needs `hosts:` (CPU time is spent on a host), e.g. hosts: { box1: { cores: 2 } }');
    return undefined;
  }
  const hosts = Object.entries(p.hosts).map(([name, h]) => ({ name, cores: h.cores, slice_us: h.slice ?? kernelSlice_us(h.cores) }));
  if (hosts.length === 0) fail(['hosts'], 'must name at least one host, e.g. { box1: { cores: 2 } }');
  const cores = new Map(hosts.map((h) => [h.name, h.cores]));
  const kinds = placeable(p, servers);
  const cpu = p.cpu ?? {
    users: 53,
    nginx: 85,
    app: 139,
    redis: 27,
    redis_client: 0,
    threads: {},
    wake: { users: 0, nginx: 0, app: 0, redis: 0 },
    split: { app_lock: APP_LOCK_SHARE, app_after: APP_AFTER_SHARE, redis_client_send: CLIENT_SEND_SHARE },
    gc: { every: 0, pause: 0 },
  };
  if (cpu.split.app_lock + cpu.split.app_after > 1) fail(['cpu', 'split'], `app_lock + app_after must be at most 1 (got ${cpu.split.app_lock} + ${cpu.split.app_after})`);
  const app = cpu.app;
  if (Array.isArray(app) && app.length !== servers.length) fail(['cpu', 'app'], `must have one entry per upstream server (${servers.length}), got ${app.length}`);
  const placedOn = new Map<string, string>();
  const processes: HostsConfig['processes'] = [];
  for (const [host, names] of Object.entries(p.place ?? {})) {
    const hostCores = cores.get(host);
    if (hostCores === undefined) fail(['place', host], `unknown host (hosts: ${hosts.map((h) => h.name).join(', ')})`);
    names.forEach((name, i) => {
      const kind = kinds.get(name);
      if (kind === undefined) fail(['place', host, i], `unknown process "${name}" (one of ${[...kinds.keys()].join(', ')})`);
      const already = placedOn.get(name);
      if (already !== undefined) fail(['place', host, i], `${name} is placed twice (already on ${already})`);
      placedOn.set(name, host);
      const def = { users: 1, nginx: p.nginx.workers, app: hostCores, redis: 1 }[kind];
      processes.push({ name, host, threads: cpu.threads[kind] ?? def, wake_us: cpu.wake[kind] });
    });
  }
  return {
    hosts,
    processes,
    cpu: {
      users_us: cpu.users,
      nginx_us: cpu.nginx,
      app_us: Array.isArray(app) ? app : servers.map(() => app),
      redis_us: cpu.redis,
      redis_client_us: cpu.redis_client,
      wake_us: cpu.wake,
      split: cpu.split,
      gc: { every: cpu.gc.every, pause_us: cpu.gc.pause },
    },
  };
}
