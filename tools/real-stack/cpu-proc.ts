// CPU time of real processes, read from /proc (proc(5)): each thread's time on a CPU
// (/proc/PID/task/TID/schedstat), its wake-ups (voluntary context switches, /proc/PID/status), and
// the whole machine's busy and idle time from /proc/stat. Linux only.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 10_000; // USER_HZ is 100 on Linux (sysconf(_SC_CLK_TCK)); /proc reports in these ticks

/** The fields after the command name of /proc/PID/stat (the name may hold spaces and parentheses). */
function statFields(pid: number): string[] | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone
  }
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/**
 * The CPU time of all of `pid`'s threads in µs (0 if it is gone): the sum of each thread's time on
 * a CPU, /proc/PID/task/TID/schedstat's first field, in ns; utime + stime of /proc/PID/stat (in
 * 10 ms ticks) where the kernel keeps no schedstat.
 */
export function cpuOf_us(pid: number): number {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0; // gone
  }
  let ns = 0;
  try {
    for (const tid of tids) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1000;
  } catch {
    const f = statFields(pid);
    // fields after the name start at field 3 (state): utime is field 14 -> index 11
    return f === null ? 0 : (Number(f[11]) + Number(f[12])) * TICK_US;
  }
}

/**
 * Voluntary context switches of a /proc/PID/status text: each is a time the process's main thread
 * blocked (an event loop in epoll_wait with nothing ready) and so was woken again later.
 */
export function wakeupsFromStatus(text: string): number {
  const m = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(text);
  return m === null ? 0 : Number(m[1]);
}

/** `pid`'s main thread's voluntary context switches so far (0 if it is gone): its wake-ups. */
export function wakeupsOf(pid: number): number {
  try {
    return wakeupsFromStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return 0; // gone
  }
}

/** The PIDs whose parent is `ppid` (nginx's workers under its master). */
export function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const f = statFields(Number(d));
    if (f !== null && Number(f[1]) === ppid) out.push(Number(d));
  }
  return out;
}

/** The machine's CPU time since boot, in µs summed over every core: busy (not idle or iowait) and total. */
export function machineCpu_us(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) * TICK_US, total: total * TICK_US };
}

/** CPU time of a set of processes between two moments: call start() before, stop() after. */
export class CpuMeter {
  private readonly before = new Map<number, number>();
  private readonly wakesBefore = new Map<number, number>();
  private machine0 = { busy: 0, total: 0 };
  private t0 = 0;

  constructor(private readonly pids: () => Map<string, number[]>) {}

  start(): void {
    for (const list of this.pids().values()) {
      for (const pid of list) {
        this.before.set(pid, cpuOf_us(pid));
        this.wakesBefore.set(pid, wakeupsOf(pid));
      }
    }
    this.machine0 = machineCpu_us();
    this.t0 = Date.now();
  }

  /** Each named group's CPU µs and wake-ups since start(); the machine's busy share and what the others used. */
  stop(): { cpu_us: Map<string, number>; wakeups: Map<string, number>; machineBusy: number; wall_s: number } {
    const cpu_us = new Map<string, number>();
    const wakeups = new Map<string, number>();
    for (const [name, list] of this.pids()) {
      cpu_us.set(name, list.reduce((a, pid) => a + cpuOf_us(pid) - (this.before.get(pid) ?? 0), 0));
      wakeups.set(name, list.reduce((a, pid) => a + wakeupsOf(pid) - (this.wakesBefore.get(pid) ?? 0), 0));
    }
    const m = machineCpu_us();
    return { cpu_us, wakeups, machineBusy: (m.busy - this.machine0.busy) / Math.max(1, m.total - this.machine0.total), wall_s: (Date.now() - this.t0) / 1000 };
  }
}
