// The calibration of `npm run validate:real`: each real process's CPU per request, measured from
// /proc/PID/stat over the ab run, written into scenarios/source-ab-one-box.yaml (everything on one
// host with this machine's cores), then that scenario simulated beside the real runs.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { kernelSlice_us } from '../../src/scenario/hosts-resolve.js';
import { childrenOf } from './cpu-proc.js';
import type { Proc } from './procs.js';
import type { HandlerSections } from './real-stack.js';
import type { ReplyTurn } from './wakeups.js';

/** The measured CPU per request (per script call for Redis), and how busy the machine was. */
export type MeasuredCpu = {
  users_us: number; // ab
  nginx_us: number; // master and workers
  app_us: number; // the four backends, per request they handled, less their Redis client's work
  appEach_us: number[]; // the same per backend, in server order (a busier Node process spends less per request)
  redis_us: number; // per EVALSHA
  redis_client_us: number; // the backends' Redis client per script call: issuing it and parsing the reply
  localShare: number; // of app_us: the local deduction, inside the handler's lock
  afterShare: number; // of app_us: after the lock, the answer and the log line
  sendShare: number; // of redis_client_us: issuing the call (the rest parses the reply)
  machineBusy: number; // the whole machine's busy share over the run (every core)
  othersBusy: number; // the part of it that was not the stack: other work on the machine
  // per kind, CPU = cost_us x requests + wake_us x wake-ups fitted over the runs (wakeups.ts);
  // absent, or null for a kind: no wake-up cost, its CPU per request as measured
  wake?: Record<WakeKind, { cost_us: number; wake_us: number; points: number } | null>;
  wakeRejected?: string; // why no wake-up cost is written although fits were made
  appCallsPerRequest?: number[]; // per backend, in server order: script calls per request handled
  // the backends' CPU per script call beyond their Redis client's own sections (the reply's own
  // turn of the event loop), fitted over windows of 100 requests; absent or null: none
  replyTurn?: ReplyTurn | null;
  // the backends' garbage collection pauses: one every `every` requests, of `pause_us` CPU (their
  // mean length `length_us` x the main thread's share on a CPU while runnable); absent or null: none
  gc?: { every: number; pause_us: number; pauses: number; length_us: number; onCpu: number } | null;
};

export type WakeKind = 'users' | 'nginx' | 'app' | 'redis';

/** The PIDs of each real process group, looked up when asked (nginx's workers are its master's children). */
export function processGroups(redis: Proc | null, nginx: Proc, backends: Map<string, Proc>): Map<string, number[]> {
  return new Map([
    ['redis', redis ? [redis.pid] : []],
    ['nginx', [nginx.pid, ...childrenOf(nginx.pid)]],
    ['app', [...backends.values()].map((p) => p.pid)],
    ...[...backends].map(([name, p]): [string, number[]] => [`app:${name}`, [p.pid]]),
  ]);
}

/**
 * ab's CPU time, µs: after ab exited, the bash around it printed ABTIMES and then `times`, whose
 * second line is its children's user and system time (ab's, and GNU time's own ~1 ms), e.g.
 * "0m0.611s 0m0.104s".
 */
export function abCpuFromShell(output: string): number {
  const m = /ABTIMES\n[^\n]*\n(\d+)m([\d.]+)s (\d+)m([\d.]+)s/.exec(output);
  if (m === null) throw new Error(`the shell around ab printed no times:\n${output.slice(-500)}`);
  return Math.round((Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1e6);
}

export function perRequest(
  used: { cpu_us: Map<string, number>; machineBusy: number; wall_s: number },
  abCpu_us: number,
  answered: number,
  scriptCalls: number,
  sections: HandlerSections,
  perBackend: Map<string, HandlerSections>,
): MeasuredCpu {
  const handled = sections.handled;
  const c = (k: string): number => used.cpu_us.get(k) ?? 0;
  const client = sections.send_us + sections.reply_us;
  const app = c('app') - client;
  const stack_us = abCpu_us + c('nginx') + c('app') + c('redis');
  const cores = cpus().length;
  return {
    users_us: abCpu_us / Math.max(1, answered),
    nginx_us: c('nginx') / Math.max(1, answered),
    app_us: app / Math.max(1, handled),
    appEach_us: [...perBackend].map(([name, st]) => (c(`app:${name}`) - st.send_us - st.reply_us) / Math.max(1, st.handled)),
    appCallsPerRequest: [...perBackend].map(([, st]) => st.calls / Math.max(1, st.handled)),
    redis_us: c('redis') / Math.max(1, scriptCalls),
    redis_client_us: client / Math.max(1, sections.calls),
    localShare: app > 0 ? sections.local_us / app : 0,
    afterShare: app > 0 ? sections.after_us / app : 0,
    sendShare: client > 0 ? sections.send_us / client : 0,
    machineBusy: used.machineBusy,
    othersBusy: Math.max(0, used.machineBusy - stack_us / (used.wall_s * 1e6 * cores)),
  };
}

/**
 * This machine's scheduler slice, µs, and where it comes from: the kernel's own value when debugfs
 * shows it (/sys/kernel/debug/sched/base_slice_ns, root only), else the kernel's default for this
 * many CPUs (kernel/sched/fair.c).
 */
export function machineSlice(): { slice_us: number; source: string } {
  try {
    const ns = Number(readFileSync('/sys/kernel/debug/sched/base_slice_ns', 'utf8').trim());
    if (Number.isFinite(ns) && ns > 0) return { slice_us: ns / 1000, source: '/sys/kernel/debug/sched/base_slice_ns' };
  } catch {
    // not mounted or not root: the default below
  }
  const cores = cpus().length;
  return { slice_us: kernelSlice_us(cores), source: `the kernel's default for ${cores} CPUs, 0.75 ms x (1 + log2 ${Math.min(cores, 8)})` };
}

const us = (v: number): string => `${Math.max(1, Math.round(v))}us`;
const share = (v: number): string => v.toFixed(3);

/**
 * The `cpu:` lines: per kind, the fitted cost per request and per wake-up where the fit has both
 * positive, else the CPU per request as measured (the app's per backend) and no wake-up cost.
 */
function cpuLines(cpu: MeasuredCpu): string[] {
  const fit = (k: WakeKind) => {
    const f = cpu.wakeRejected === undefined ? (cpu.wake?.[k] ?? null) : null;
    return f !== null && f.cost_us > 0 && f.wake_us > 0 ? f : null;
  };
  const per = (k: WakeKind, measured_us: number): string => {
    const f = fit(k);
    return f === null ? us(measured_us) : `${us(f.cost_us)}  # + ${us(f.wake_us)} per wake-up, fitted over ${f.points} runs (${us(measured_us)} per request in the first)`;
  };
  const app = fit('app');
  // a sale's reply turn moves out of the per-request cost into the Redis client's per call (inside
  // the lock, on the reply); with a wake-up fit for the app that fit explains the same CPU instead
  const turn = app === null && cpu.replyTurn ? cpu.replyTurn : null;
  const turn_us = turn?.us ?? 0;
  // the pauses' CPU comes out of every request's, as the model spreads them evenly over requests
  const gc = app === null && cpu.gc && cpu.gc.every > 0 ? cpu.gc : null;
  const gcPerRequest_us = gc ? gc.pause_us / gc.every : 0;
  const appEach = cpu.appEach_us.map((v, i) => v - turn_us * (cpu.appCallsPerRequest?.[i] ?? 0) - gcPerRequest_us);
  const client_us = cpu.redis_client_us + turn_us;
  const appLine =
    app === null
      ? `[${appEach.map(us).join(', ')}]  # per server: a busier Node process spends less per request (${us(cpu.app_us)} over all${turn ? ', less the reply turns' : ''}${gc ? ', less the garbage collection' : ''})`
      : `${us(app.cost_us)}  # + ${us(app.wake_us)} per wake-up, fitted over ${app.points} backend runs (as measured: ${cpu.appEach_us.map(us).join(', ')} per request)`;
  const clientLine =
    turn === null
      ? us(cpu.redis_client_us)
      : `${us(client_us)}  # ${us(cpu.redis_client_us)} its own sections + ${us(turn_us)} the reply's own turn of the event loop (per script call, fitted over ${turn.windows} windows of 100 requests: ${turn.terms}, rms ${us(turn.rms_us)} per request)`;
  const w = (k: WakeKind): string => {
    const f = fit(k);
    return f === null ? '0us' : us(f.wake_us);
  };
  return [
    `  users: ${per('users', cpu.users_us)}`,
    `  nginx: ${per('nginx', cpu.nginx_us)}`,
    `  app: ${appLine}`,
    `  redis: ${per('redis', cpu.redis_us)}`,
    `  redis_client: ${clientLine}`,
    `  threads: { app: 1 }  # validate:real's backends are Node: one JavaScript thread each (a Go server would use the cores)`,
    cpu.wake === undefined
      ? '  # per wake-up from idle: not measured in this run'
      : cpu.wakeRejected !== undefined
        ? `  # per wake-up from idle: not written, ${cpu.wakeRejected}`
        : '  # per wake-up from idle: CPU = c x requests + w x wake-ups, fitted over the measured run and a light one (ab -c 1); 0 where the fit is not positive',
    `  wake: { users: ${w('users')}, nginx: ${w('nginx')}, app: ${w('app')}, redis: ${w('redis')} }`,
    `  # of app: inside the lock (the local deduction), after it (the answer, the log line); of redis_client: issuing the call${turn ? ' (the reply turn is on the reply side)' : ''}`,
    ...(gc
      ? [
          `  # garbage collection: ${gc.pauses} pauses of V8 over the run, ${(gc.length_us / 1000).toFixed(2)} ms long on average, the main thread on a CPU ${(gc.onCpu * 100).toFixed(0)} % of its runnable time`,
          `  gc: { every: ${gc.every}, pause: ${us(gc.pause_us)} }`,
        ]
      : []),
    `  split: { app_lock: ${share(cpu.localShare)}, app_after: ${share(cpu.afterShare)}, redis_client_send: ${share(turn ? (cpu.sendShare * cpu.redis_client_us) / client_us : cpu.sendShare)} }`,
  ];
}

/** scenarios/source-ab-one-box.yaml: source-ab on one host with the measured CPU costs. */
export function writeOneBox(file: string, cpu: MeasuredCpu, when: string): void {
  const cores = cpus().length;
  const slice = machineSlice();
  const text = `# yaml-language-server: $schema=../schema/scenario.schema.json
# Written by \`npm run validate:real\` (tools/real-stack/one-box.ts): the article's own test,
# \`ab -n 10000 -c 100\` through nginx 1:2:3:4, with every process on one ${cores}-core host and the
# CPU time per request each real process spent in that run (its threads' time on a CPU, from
# /proc/PID/task/*/schedstat, before and after, divided by the requests; Redis by its script calls). ${when}
# The machine was ${Math.round(cpu.machineBusy * 100)} % busy during the run, ${Math.round(cpu.othersBusy * 100)} % of it other work.
name: source-ab-one-box
description: >
  source-ab with every process sharing one ${cores}-core host, CPU costs measured on the real stack.
seed: 1
tickets:
  inventory: 1000
  script: source
users:
  load:
    closed: { concurrency: 100, requests: 10000 }
  client_ips: 1
  timeout: 30s
network:
  latency: 50us
nginx:
  instances: 1
  workers: 1
  proxy_latency: 50us
  upstream:
    balance: round_robin
    servers:
      - { name: app1, weight: 1 }
      - { name: app2, weight: 2 }
      - { name: app3, weight: 3 }
      - { name: app4, weight: 4 }
app:
  local_stock: [120, 240, 360, 480]
  local_check: source
  service_time: { const: 0us }  # the handler's time is its CPU, on the host below
redis:
  latency: 50us
  service_time: { const: 0us }  # likewise: the script call is CPU
# slice: each core runs one thread for up to this long (Linux's EEVDF sched_base_slice; from ${slice.source})
hosts: { box1: { cores: ${cores}, slice: ${us(slice.slice_us)} } }
place: { box1: [users, nginx1, app1, app2, app3, app4, redis] }
cpu:
${cpuLines(cpu).join('\n')}
expect:
  tickets.sold: 1001
  tickets.oversold: 1
  invariants.no_oversell: 0
  tiers.app.app4.share: "between 0.399 and 0.401"
  users.failed: 0
`;
  writeFileSync(file, text);
}
