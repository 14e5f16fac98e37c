// The hosts of a scenario (`hosts` / `place` / `cpu`): one HostCpu per host, one CPU process per
// placed node. A tier asks for its node's ProcCpu: null means the node is unplaced (or there are
// no hosts) and its work costs no time, as before hosts existed, with no extra event.
//
// Where each process spends its CPU per request, and the source of each split:
// - users (ab): all of it when the request starts. ab's clock starts before connect() and stops
//   after the read, so its connect/write/read/parse work is all inside the latency it reports; in a
//   closed loop the next request follows at once, so charging it at the start changes no rate.
// - nginx: half on the way in (accept, read and parse the request, pick a peer, connect and write
//   upstream), half on the way out (read the upstream answer, write it to the client, close both
//   connections): about the same system calls each way in ngx_http_upstream.c's event handlers.
// - app: `cpu.split` (default: APP_LOCK_SHARE and the rest in scenario/hosts-resolve.ts), measured on validate:real's backends
//   (tools/real-stack/backend.ts times its own sections with process.cpuUsage(): the local
//   deduction, the Redis client's call and reply, the answer and the log line; the rest of the
//   process's CPU, from /proc/PID/stat, is the HTTP server's: accepting and parsing, before the
//   handler runs). The Redis client's work is `cpu.redis_client`, per call, inside the lock:
//   under load the lock is held while the app waits for a core to read the reply, as in the
//   article's run (lock hold 339 µs, of which Redis 334 µs).
// - redis: per command, on its one thread (the script call's own work, reading and replying).
import type { Engine } from '../../engine/engine.js';
import type { HostsConfig } from '../../scenario/types.js';
import { round } from '../../metrics/round.js';
import type { HostSummary } from '../../metrics/summary.js';
import type { HostsSections, NodeLoad } from '../../metrics/tier-sections.js';
import { LoadBins } from '../shared/load-bins.js';
import { type Cpu, HostCpu } from './cpu.js';
import { SliceCpu } from './eevdf.js';

/**
 * The app's shares of `cpu.app` (before the lock, inside it, after it) and of `cpu.redis_client`
 * (issuing the call, parsing the reply), from `cpu.split`. The remainders are rounded to 1e-9 so
 * that the defaults give exactly the shares they always did (1 - 0.061 - 0.202 is 0.7370000000000001).
 */
export function appCpuSplit(split: HostsConfig['cpu']['split']): { before: number; lock: number; after: number; send: number; reply: number } {
  const rest = (v: number): number => Math.round(v * 1e9) / 1e9;
  return { before: rest(1 - split.app_lock - split.app_after), lock: split.app_lock, after: split.app_after, send: split.redis_client_send, reply: rest(1 - split.redis_client_send) };
}

/** nginx's `cpu.nginx`: on the way in, and on the way out. */
export const NGINX_SPLIT = { in: 0.5, out: 0.5 } as const;

/** One placed process: its work runs on its host's cores, at most `threads` pieces at once. */
export class ProcCpu {
  constructor(
    readonly host: Cpu,
    readonly proc: number,
  ) {}

  /** Runs `work_us` of CPU; event (kind, entity, arg) fires when it is done. */
  run(work_us: number, kind: number, entity: number, arg: number): void {
    this.host.submit(this.proc, work_us, kind, entity, arg);
  }

  /** How often this process has woken from idle so far. */
  wakeups(): number {
    return this.host.wakeups(this.proc);
  }
}

export class Hosts {
  readonly cpus: Cpu[];
  readonly loads: LoadBins[]; // per host: its cores' busy time, runnable pieces waiting, pieces done
  private readonly procs = new Map<string, ProcCpu>();

  constructor(engine: Engine, cfg: HostsConfig, bin_us: number) {
    this.loads = cfg.hosts.map(() => new LoadBins(1, bin_us));
    // slice 0: processor sharing, the limit of short slices; else Linux's slices (eevdf.ts)
    this.cpus = cfg.hosts.map((h, i) =>
      h.slice_us > 0 ? new SliceCpu(engine, h.name, h.cores, h.slice_us, this.loads[i], 0) : new HostCpu(engine, h.name, h.cores, this.loads[i], 0),
    );
    const byName = new Map(cfg.hosts.map((h, i) => [h.name, this.cpus[i]]));
    for (const p of cfg.processes) {
      const host = byName.get(p.host);
      if (host) this.procs.set(p.name, new ProcCpu(host, host.addProcess(p.threads, p.wake_us)));
    }
  }

  /** Brings every host's busy time and load bins up to the end of the run. */
  finish(end_us: number): void {
    for (const c of this.cpus) c.utilization(end_us);
  }

  /** The CPU of process `name`, or null if it is not placed on a host. */
  proc(name: string): ProcCpu | null {
    return this.procs.get(name) ?? null;
  }
}

/** summary.json's `hosts` and each host's load for nodes.csv, at the end of a run. */
export function hostsSections(cfg: HostsConfig, hosts: Hosts, end_us: number, duration_us: number): HostsSections {
  hosts.finish(end_us);
  const out: Record<string, HostSummary> = {};
  const loads: NodeLoad[] = [];
  cfg.hosts.forEach((h, i) => {
    const cpu = hosts.cpus[i];
    out[h.name] = {
      cores: h.cores,
      slice_ms: h.slice_us / 1000,
      processes: cfg.processes.filter((p) => p.host === h.name).map((p) => p.name),
      cpu_ms: round(cpu.busyCore_us / 1000, 3),
      utilization: duration_us > 0 ? round(cpu.busyCore_us / (duration_us * h.cores), 4) : 0,
    };
    const woken = cfg.processes.filter((p) => p.host === h.name && p.wake_us > 0);
    if (woken.length > 0) out[h.name].wakeups = Object.fromEntries(woken.map((p) => [p.name, hosts.proc(p.name)?.wakeups() ?? 0]));
    loads.push({ tier: 'host', names: [h.name], servers: h.cores, series: hosts.loads[i] });
  });
  return { hosts: out, loads };
}
