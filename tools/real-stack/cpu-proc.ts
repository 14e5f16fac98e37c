// CPU time of real processes, read from /proc (proc(5)): utime + stime of /proc/PID/stat (fields
// 14 and 15, in clock ticks), and the whole machine's busy and idle time from /proc/stat. Linux only.
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

/** utime + stime (or, with `children`, cutime + cstime) in µs from the text of a /proc/PID/stat. */
export function cpuFromStat_us(text: string, children = false): number {
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields after the name start at field 3 (state): utime is field 14 -> index 11, cutime 16 -> 13
  const i = children ? 13 : 11;
  return (Number(f[i]) + Number(f[i + 1])) * TICK_US;
}

/** utime + stime of `pid` in µs (0 if it is gone); with `children`, cutime + cstime instead (waited-for children). */
export function cpuOf_us(pid: number, children = false): number {
  const f = statFields(pid);
  if (f === null) return 0;
  // fields after the name start at field 3 (state): utime is field 14 -> index 11
  const i = children ? 13 : 11;
  return (Number(f[i]) + Number(f[i + 1])) * TICK_US;
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
  private machine0 = { busy: 0, total: 0 };
  private t0 = 0;

  constructor(private readonly pids: () => Map<string, number[]>) {}

  start(): void {
    for (const list of this.pids().values()) for (const pid of list) this.before.set(pid, cpuOf_us(pid));
    this.machine0 = machineCpu_us();
    this.t0 = Date.now();
  }

  /** Each named group's CPU µs since start(); the machine's busy share and what the others used. */
  stop(): { cpu_us: Map<string, number>; machineBusy: number; wall_s: number } {
    const cpu_us = new Map<string, number>();
    for (const [name, list] of this.pids()) {
      cpu_us.set(name, list.reduce((a, pid) => a + cpuOf_us(pid) - (this.before.get(pid) ?? 0), 0));
    }
    const m = machineCpu_us();
    return { cpu_us, machineBusy: (m.busy - this.machine0.busy) / Math.max(1, m.total - this.machine0.total), wall_s: (Date.now() - this.t0) / 1000 };
  }
}
