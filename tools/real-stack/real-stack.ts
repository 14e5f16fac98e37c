// `npm run validate:real`: the article's stack for real, next to the simulator.
// Real redis-server, four Node backends running the article's handler (./backend.ts), real nginx
// with the article's upstream block, and `ab -n 10000 -c 100` (Debian apache2-utils), all on
// 127.0.0.1; then scenarios/source-ab.yaml in the simulator, with the same inventory, local
// stocks, weights and load. Four runs: all alive, one backend dead from the start, one killed
// during the sale and one after the sell-out. Prints side-by-side tables, then the simulator
// recalibrated to the measured throughput (docs/validation.md explains the calibration).
// Bounded: fixed request counts, ab stopped after AB_DEADLINE_MS; every process stopped by PID.
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Summary } from '../../src/metrics/summary.js';
import { runScenario } from '../../src/model/stack.js';
import { TICKET_HASH_KEY, TICKET_SOLD_FIELD, TICKET_TOTAL_FIELD } from '../../src/scenario/inventory-scripts.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { ClosedLoad, Scenario } from '../../src/scenario/types.js';
import { freePort, Proc, requireBinary, sleep, stopPid, WARM_HASH_KEY, waitForPort } from './procs.js';
import { childrenOf, CpuMeter } from './cpu-proc.js';
import { fitWakeups, fitWindows, type ProcLoad, replyTurnFit, wakeRejected, wakeupSection, type Window, WINDOW_MODELS } from './wakeups.js';
import { abCpuFromShell, type MeasuredCpu, perRequest, processGroups, writeOneBox } from './one-box.js';
import { RespClient } from './resp.js';
import { earlyLines, parseTimed, saleLines, simTimeline, type Timed } from './early.js';
import { Tracer } from '../../src/metrics/trace.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// this file runs as dist/harness/tools/real-stack/real-stack.js: four levels below the repository
const ROOT = path.resolve(HERE, '../../../..');
const SCENARIO_FILE = path.join(ROOT, 'scenarios/source-ab.yaml');
const ONE_BOX_FILE = path.join(ROOT, 'scenarios/source-ab-one-box.yaml');
const AB_DEADLINE_MS = 180_000; // ab is stopped if a run takes longer than this
// REAL_NICE=-15 (as root): each of the stack's own processes runs in a session of its own whose
// scheduler autogroup gets that nice level (with autogroups, CFS first shares the cores between
// sessions, so a plain nice does nothing against other sessions' work). On a machine busy with
// other work the stack then gets the cores first, as on the article's own machine.
const NICE = Number(process.env['REAL_NICE'] ?? 0);
const WARM_UP = 3000; // requests before each measured run (see warmUp)
const OWN_SESSION = NICE !== 0;

/** Gives our process `pid`'s autogroup (its own session) the REAL_NICE level; nothing else is touched. */
function prioritise(pid: number): void {
  if (NICE === 0) return;
  setPriority(pid, NICE);
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(NICE));
  } catch {
    // no autogroups on this kernel: the nice level alone
  }
}

/** One run's figures, real or simulated, in the same units. */
export type Row = {
  requests: Record<string, number>; // requests each backend answered (not those refused or reset by its death)
  sold: number;
  oversold: number;
  unsold: number;
  succeeded: number; // users told "success"
  throughput: number; // answers per second
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  errors: number; // non-2xx answers (502 from nginx) and failed requests
  failedAttempts: number; // upstream attempts that failed (refused, reset) and were retried or 502
};

// requests, concurrency: ab's -n and -c, when not the scenario's
type Variant = { label: string; dead?: string; killAtFraction?: number; killAt_s?: number; requests?: number; concurrency?: number };

const VARIANTS: Variant[] = [
  { label: 'all four alive' },
  { label: 'app4 dead from the start', dead: 'app4' },
  { label: 'app4 killed during the sale (after 3 % of the requests)', killAtFraction: 0.03 },
  { label: 'app4 killed after the sell-out (after 50 % of the requests)', killAtFraction: 0.5 },
  { label: 'app4 killed at 0.1 s', killAt_s: 0.1 },
  // each process at a second load, for the wake-up fit: one request at a time, all of them sales
  // (1000 requests by 1:2:3:4 stay within every local stock: 100/200/300/400 of 120/240/360/480)
  { label: 'light load (ab -c 1)', requests: 1000, concurrency: 1 },
];
const LIGHT = VARIANTS.length - 1;
const KILLED = 'app4';

// ---- the real stack ----

type Ab = { rps: number; p50: number; p90: number; p99: number; complete: number; non2xx: number; failedExceptLength: number; seconds: number };

/** The figures ab prints (apache2-utils 2.3). */
function parseAb(out: string): Ab {
  const num = (re: RegExp): number => {
    const m = re.exec(out);
    if (m === null) throw new Error(`ab output lacks ${re}:\n${out}`);
    return Number(m[1]);
  };
  const opt = (re: RegExp): number => Number(re.exec(out)?.[1] ?? 0);
  // "Failed requests: N (Connect: a, Receive: b, Length: c, Exceptions: d)": Length only means the
  // bodies differ in size (success and sold-out JSON do), not a failure
  const failed = /Connect: (\d+), Receive: (\d+), Length: \d+, Exceptions: (\d+)/.exec(out);
  return {
    rps: num(/Requests per second:\s+([\d.]+)/),
    p50: num(/^\s+50%\s+(\d+)/m),
    p90: num(/^\s+90%\s+(\d+)/m),
    p99: num(/^\s+99%\s+(\d+)/m),
    complete: num(/Complete requests:\s+(\d+)/),
    non2xx: opt(/Non-2xx responses:\s+(\d+)/),
    failedExceptLength: failed ? Number(failed[1]) + Number(failed[2]) + Number(failed[3]) : 0,
    seconds: num(/Time taken for tests:\s+([\d.]+)/),
  };
}


type RealRow = Row & {
  seconds: number;
  cpuPerRequest_us: Record<string, number>;
  windows: Map<string, Window[]>;
  killedAt_s: number | null;
  firstAnswer_s: number | null;
  cpu: MeasuredCpu;
  loads: ProcLoad[]; // each process's requests, CPU and wake-ups over the run
  timeline: Map<string, Timed[]>; // each backend's requests, stamped (early.ts)
  gc: Map<string, GcOf>;
  abStart_us: number; // CLOCK_MONOTONIC µs when ab was started
  killMono_us: number | null; // and when the kill was sent
};

/** A function that returns how many lines the files hold now, reading only what is new. */
function lineCounter(files: string[]): () => number {
  const offset = files.map(() => 0);
  let lines = 0;
  const buf = Buffer.alloc(64 * 1024);
  return () => {
    files.forEach((f, i) => {
      let fd: number;
      try {
        fd = openSync(f, 'r');
      } catch {
        return; // not created yet (or never: a dead backend)
      }
      try {
        for (;;) {
          const n = readSync(fd, buf, 0, buf.length, offset[i]!);
          if (n <= 0) break;
          offset[i]! += n;
          for (let k = 0; k < n; k++) if (buf[k] === 10) lines++;
        }
      } finally {
        closeSync(fd);
      }
    });
    return lines;
  };
}

/** The article's nginx.conf: its upstream block, on `nginxPort`, temp files under `dir`. */
function nginxConf(s: Scenario, dir: string, ports: number[], nginxPort: number): string {
  const up = s.nginx.upstream;
  return [
    'daemon off;',
    'master_process on;',
    `worker_processes ${s.nginx.workers};`,
    'error_log stderr error;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((m) => `  ${m}_temp_path ${path.join(dir, m)};`),
    '  upstream load_rule {',
    ...up.servers.map(
      (sv, i) => `    server 127.0.0.1:${ports[i]} weight=${sv.weight} max_fails=${sv.max_fails} fail_timeout=${Math.floor(sv.fail_timeout_us / 1e6)}s;`,
    ),
    '  }',
    '  server {',
    `    listen 127.0.0.1:${nginxPort};`,
    `    location / { proxy_pass http://load_rule; proxy_next_upstream ${up.next_upstream.join(' ')}; }`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Each process's requests (Redis: script calls), CPU (a backend's less its Redis client's) and wake-ups over one run. */
function processLoads(
  run: string,
  used: { cpu_us: Map<string, number>; wakeups: Map<string, number> },
  ab: { cpu_us: number; wakeups: number; answered: number },
  calls: number,
  perBackend: Map<string, HandlerSections>,
): ProcLoad[] {
  const of = (k: string): { cpu_us: number; wakeups: number } => ({ cpu_us: used.cpu_us.get(k) ?? 0, wakeups: used.wakeups.get(k) ?? 0 });
  return [
    { proc: 'ab', run, requests: ab.answered, cpu_us: ab.cpu_us, wakeups: ab.wakeups },
    { proc: 'nginx', run, requests: ab.answered, ...of('nginx') },
    ...[...perBackend].map(([name, st]): ProcLoad => {
      const o = of(`app:${name}`);
      return { proc: name, run, requests: st.handled, cpu_us: o.cpu_us - st.send_us - st.reply_us, wakeups: o.wakeups };
    }),
    { proc: 'redis', run, requests: calls, ...of('redis') },
  ];
}

/** The CPU the backends' handlers spent in each section, summed over the backends (backend.ts). */
export type HandlerSections = { local_us: number; send_us: number; reply_us: number; calls: number; after_us: number; handled: number };

/**
 * Stops each backend in turn: the CPU per request each reported on its way out (its whole life,
 * start-up included), and the CPU its handler's sections took, summed.
 */
async function stopBackends(
  backends: Map<string, Proc>,
): Promise<{ cpuPerRequest_us: Record<string, number>; sections: HandlerSections; perBackend: Map<string, HandlerSections>; windows: Map<string, Window[]>; gc: Map<string, GcOf> }> {
  const cpuPerRequest_us: Record<string, number> = {};
  const windows = new Map<string, Window[]>();
  const sections: HandlerSections = { local_us: 0, send_us: 0, reply_us: 0, calls: 0, after_us: 0, handled: 0 };
  const perBackend = new Map<string, HandlerSections>();
  const gc = new Map<string, GcOf>();
  for (const [name, p] of backends) {
    await p.stop('SIGTERM');
    const m = /STATS (\{.*\})/.exec(p.output);
    if (m) {
      const st = JSON.parse(m[1]!) as HandlerSections & { requests: number; cpu_us: number; windows: Window[]; gc?: Omit<GcOf, 'handled'> };
      if (st.gc) gc.set(name, { ...st.gc, handled: st.handled });
      windows.set(name, st.windows);
      cpuPerRequest_us[name] = st.requests > 0 ? Math.round(st.cpu_us / st.requests) : 0;
      for (const k of Object.keys(sections) as (keyof HandlerSections)[]) sections[k] += st[k];
      perBackend.set(name, st);
    }
  }
  return { cpuPerRequest_us, sections, perBackend, windows, gc };
}

/** A backend's garbage collection pauses over a measured run (backend.ts: their count, length, longest), its requests, its main thread's time on a CPU and waiting for one. */
type GcOf = { pauses: number; total_us: number; max_us: number; handled: number; run_us: number; wait_us: number };

/**
 * The backends' garbage collection as the model's `cpu.gc`: a pause every `every` requests (all
 * backends' requests over all their pauses), of CPU = the pauses' mean length x the share of its
 * runnable time the main thread spent on a CPU (a pause is runnable throughout; the rest of its
 * length it waited for a core, which the model's host gives it again). null: no pause.
 */
function gcPauses(gc: Map<string, GcOf>): MeasuredCpu['gc'] {
  const sum = (f: (g: GcOf) => number): number => [...gc.values()].reduce((a, g) => a + f(g), 0);
  const pauses = sum((g) => g.pauses);
  const runnable = sum((g) => g.run_us + g.wait_us);
  if (pauses === 0 || runnable <= 0) return null;
  const onCpu = sum((g) => g.run_us) / runnable;
  return { every: Math.round(sum((g) => g.handled) / pauses), pause_us: (sum((g) => g.total_us) / pauses) * onCpu, pauses, length_us: sum((g) => g.total_us) / pauses, onCpu };
}

/** Requests each backend answered, users told success, and each request's stamps, from the backends' logs. */
function answersInLogs(s: Scenario, dir: string): { requests: Record<string, number>; succeeded: number; timeline: Map<string, Timed[]> } {
  const requests: Record<string, number> = {};
  const timeline = new Map<string, Timed[]>();
  let succeeded = 0;
  for (const sv of s.nginx.upstream.servers) {
    let lines: string[] = [];
    try {
      lines = readFileSync(path.join(dir, `${sv.name}.log`), 'utf8').split('\n').filter((l) => l !== '');
    } catch {
      // never started
    }
    requests[sv.name] = lines.length;
    succeeded += lines.filter((l) => l.startsWith('result:1')).length;
    timeline.set(sv.name, lines.map(parseTimed).filter((t): t is Timed => t !== null));
  }
  return { requests, succeeded, timeline };
}

class RealStack {
  private redisProc: Proc | null = null;
  private redis: RespClient | null = null;
  private redisPort = 0;
  private readonly procs = new Set<Proc>();

  constructor(private readonly s: Scenario, private readonly bins: { nginx: string; redis: string; ab: string; time: string }) {}

  async startRedis(dir: string): Promise<void> {
    this.redisPort = await freePort();
    this.redisProc = this.track(new Proc(this.bins.redis, ['--port', String(this.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], dir, OWN_SESSION));
    prioritise(this.redisProc.pid);
    await waitForPort(this.redisPort, 5000, this.redisProc);
    this.redis = await RespClient.connect(this.redisPort);
  }

  private track(p: Proc): Proc {
    this.procs.add(p);
    void p.exited.then(() => this.procs.delete(p));
    return p;
  }

  private async cmd(argv: string[]): Promise<unknown> {
    const r = await (this.redis as RespClient).command(argv);
    if (r !== null && typeof r === 'object' && 'message' in r) throw new Error(`redis ${argv[0]}: ${r.message}`);
    return r;
  }

  /** One `ab` run through nginx; `killAfter` answered requests, KILLED's process is killed by PID. */
  async run(v: Variant, killAfter: number | null): Promise<RealRow> {
    const s = this.s;
    const dir = mkdtempSync(path.join(tmpdir(), 'ticketsim-real-'));
    const started: Proc[] = [];
    try {
      await this.cmd(['FLUSHALL']);
      await this.cmd(['HSET', TICKET_HASH_KEY, TICKET_TOTAL_FIELD, String(s.tickets.inventory), TICKET_SOLD_FIELD, '0']);
      const sha = String(await this.cmd(['SCRIPT', 'LOAD', s.tickets.script.lua]));
      const { ports, backends } = await this.startBackends(v, dir, sha, started);
      const { nginx, nginxPort } = await this.startNginx(dir, ports, started);
      const scenarioLoad = s.users.load;
      if (scenarioLoad.kind !== 'closed') throw new Error('source-ab must have a closed load (ab -n -c)');
      const load = { ...scenarioLoad, requests: v.requests ?? scenarioLoad.requests, concurrency: v.concurrency ?? scenarioLoad.concurrency };
      if (v.dead === undefined) await this.warmUp(nginxPort);
      const meter = new CpuMeter(() => processGroups(this.redisProc, nginx, backends));
      const calls0 = await this.evalshaCalls();
      meter.start();
      const { res, killedAt_s, firstAnswer_s, abCpu_us, abWakeups, abStart_us, killMono_us } = await this.runAb(load, nginxPort, killAfter, dir, backends, started, v.killAt_s);
      const used = meter.stop();
      const calls = (await this.evalshaCalls()) - calls0;

      await nginx.stop('SIGTERM');
      const { cpuPerRequest_us, sections, perBackend, windows, gc } = await stopBackends(backends);
      const { requests, succeeded, timeline } = answersInLogs(s, dir);
      const sold = Number(await this.cmd(['HGET', TICKET_HASH_KEY, TICKET_SOLD_FIELD]));
      const inv = s.tickets.inventory;
      return {
        requests,
        sold,
        oversold: Math.max(0, sold - inv),
        unsold: Math.max(0, inv - sold),
        succeeded,
        throughput: res.rps,
        p50_ms: res.p50,
        p90_ms: res.p90,
        p99_ms: res.p99,
        errors: res.non2xx + res.failedExceptLength + (load.requests - res.complete),
        // nginx logs each failed upstream attempt once, at level error
        failedAttempts: nginx.output.split('\n').filter((l) => l.includes('[error]') && l.includes('upstream') && !l.includes('no live upstreams')).length,
        seconds: res.seconds,
        cpuPerRequest_us,
        windows,
        killedAt_s,
        firstAnswer_s,
        cpu: { ...perRequest(used, abCpu_us, res.complete, calls, sections, perBackend), gc: gcPauses(gc) },
        gc,
        loads: processLoads(v.label, used, { cpu_us: abCpu_us, wakeups: abWakeups, answered: res.complete }, calls, perBackend),
        timeline,
        abStart_us,
        killMono_us,
      };
    } finally {
      for (const p of started) await p.stop('SIGKILL', 1000);
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * WARM_UP requests through nginx to the backends' /warm before measuring, so that V8 has
   * compiled every path of the handler: /warm runs the same code on a hash of its own
   * (WARM_HASH_KEY, the same inventory, so both the sale and the sold-out answer run), its own
   * local stock and log. A multiple of the weights' sum (10): smooth WRR ends a whole period with
   * every current weight back at 0, where the measured run starts.
   */
  private async warmUp(nginxPort: number): Promise<void> {
    await this.cmd(['HSET', WARM_HASH_KEY, TICKET_TOTAL_FIELD, String(this.s.tickets.inventory), TICKET_SOLD_FIELD, '0']);
    const ab = this.track(new Proc(this.bins.ab, ['-n', String(WARM_UP), '-c', '100', `http://127.0.0.1:${nginxPort}/warm`]));
    const code = await ab.exited;
    if (code !== 0) throw new Error(`warm-up ab exited with ${code}:\n${ab.output.slice(-2000)}`);
  }

  /** Script calls Redis has run so far (INFO commandstats). */
  private async evalshaCalls(): Promise<number> {
    const info = String(await this.cmd(['INFO', 'commandstats']));
    return Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0);
  }

  /** Starts one backend per upstream server, in order, except `v.dead`, whose port stays closed. */
  private async startBackends(v: Variant, dir: string, sha: string, started: Proc[]): Promise<{ ports: number[]; backends: Map<string, Proc> }> {
    const s = this.s;
    const servers = s.nginx.upstream.servers;
    const ports: number[] = [];
    const backends = new Map<string, Proc>();
    for (let i = 0; i < servers.length; i++) {
      const name = servers[i]!.name;
      const port = await freePort();
      ports.push(port);
      if (name === v.dead) continue; // nothing listens: nginx's connect() is refused
      const p = this.track(new Proc(process.execPath, [path.join(HERE, 'backend.js'), name, String(port), String(s.app.local_stock[i]), String(this.redisPort), sha, path.join(dir, `${name}.log`)], undefined, OWN_SESSION));
      started.push(p);
      prioritise(p.pid);
      backends.set(name, p);
      await waitForPort(port, 5000, p);
    }
    return { ports, backends };
  }

  private async startNginx(dir: string, ports: number[], started: Proc[]): Promise<{ nginx: Proc; nginxPort: number }> {
    const nginxPort = await freePort();
    writeFileSync(path.join(dir, 'nginx.conf'), nginxConf(this.s, dir, ports, nginxPort));
    const nginx = this.track(new Proc(this.bins.nginx, ['-p', dir, '-e', 'stderr', '-c', path.join(dir, 'nginx.conf')], undefined, OWN_SESSION));
    started.push(nginx);
    await waitForPort(nginxPort, 5000, nginx);
    prioritise(nginx.pid); // its workers share its session
    if (NICE !== 0) for (const pid of childrenOf(nginx.pid)) setPriority(pid, NICE);
    return { nginx, nginxPort };
  }

  /** Runs ab to the end (or AB_DEADLINE_MS), killing KILLED after `killAfter` answers if asked. */
  private async runAb(
    load: ClosedLoad,
    nginxPort: number,
    killAfter: number | null,
    dir: string,
    backends: Map<string, Proc>,
    started: Proc[],
    killAt_s?: number,
  ): Promise<{ res: Ab; killedAt_s: number | null; firstAnswer_s: number | null; abCpu_us: number; abWakeups: number; abStart_us: number; killMono_us: number | null }> {
    const s = this.s;
    // ab under a shell whose `times` prints its children's CPU time once ab has exited (ab's own
    // /proc entry is gone by then), to the millisecond; GNU time around ab prints ab's voluntary
    // context switches (its wake-ups) from its rusage
    const abArgs = ['-n', String(load.requests), '-c', String(load.concurrency), '-s', String(Math.ceil(s.users.timeout_us / 1e6)), '-r', `http://127.0.0.1:${nginxPort}/buy/ticket`];
    const abStart_us = monoNow_us();
    const ab = this.track(new Proc('/bin/bash', ['-c', `nice -n ${NICE} ${this.bins.time} -f 'ABWAKEUPS %w' "$0" "$@"; rc=$?; echo ABTIMES >&2; times >&2; exit $rc`, this.bins.ab, ...abArgs], undefined, OWN_SESSION));
    prioritise(ab.pid);
    started.push(ab);
    let killer: NodeJS.Timeout | undefined;
    let killedAt_s: number | null = null;
    let firstAnswer_s: number | null = null;
    let killMono_us: number | null = null;
    if (killAt_s !== undefined) {
      // `killAt_s` after the first answer (the logs say), not after ab's start: starting ab and
      // its 100 connections takes a while that the simulated run does not have
      const t0 = Date.now();
      const answered = lineCounter(s.nginx.upstream.servers.map((sv) => path.join(dir, `${sv.name}.log`)));
      killer = setInterval(() => {
        if (answered() < 1) return;
        clearInterval(killer);
        const first = Date.now();
        killer = setTimeout(() => {
          killedAt_s = (Date.now() - t0) / 1000;
          firstAnswer_s = (first - t0) / 1000;
          killMono_us = monoNow_us();
          void backends.get(KILLED)?.stop('SIGKILL');
        }, killAt_s * 1000);
      }, 1);
    }
    if (killAfter !== null) {
      // kill KILLED by PID once the backends have answered `killAfter` requests (their logs say)
      const t0 = Date.now();
      const answered = lineCounter(s.nginx.upstream.servers.map((sv) => path.join(dir, `${sv.name}.log`)));
      killer = setInterval(() => {
        if (answered() < killAfter) return;
        clearInterval(killer);
        killedAt_s = (Date.now() - t0) / 1000;
        killMono_us = monoNow_us();
        void backends.get(KILLED)?.stop('SIGKILL');
      }, 5);
    }
    const deadline = setTimeout(() => {
      for (const pid of childrenOf(ab.pid)) void stopPid(pid, 500);
      void ab.stop('SIGKILL');
    }, AB_DEADLINE_MS);
    const code = await ab.exited;
    clearTimeout(deadline);
    clearInterval(killer);
    clearTimeout(killer);
    if (code !== 0) throw new Error(`ab exited with ${code}:\n${ab.output.slice(-2000)}`);
    return { res: parseAb(ab.output), killedAt_s, firstAnswer_s, abCpu_us: abCpuFromShell(ab.output), abWakeups: Number(/ABWAKEUPS (\d+)/.exec(ab.output)?.[1] ?? 0), abStart_us, killMono_us };
  }

  /** Stops everything still running, by PID. */
  async stop(): Promise<void> {
    this.redis?.close();
    for (const p of [...this.procs]) await p.stop('SIGTERM', 2000);
  }
}

// ---- the simulator ----

function simRow(sum: Summary): Row & { seconds: number } {
  const requests: Record<string, number> = {};
  // handled: the attempts nginx made, minus those refused or reset by a dead process
  for (const [name, a] of Object.entries(sum.tiers.app)) requests[name] = a.requests - a.lost;
  return {
    requests,
    sold: sum.tickets.sold,
    oversold: sum.tickets.oversold,
    unsold: sum.tickets.unsold,
    succeeded: sum.users.succeeded,
    throughput: sum.throughput.mean_per_s,
    p50_ms: sum.latency_ms.p50,
    p90_ms: sum.latency_ms.p90,
    p99_ms: sum.latency_ms.p99,
    errors: sum.requests.errors + sum.requests.timeouts,
    failedAttempts: Object.values(sum.tiers.app).reduce((a, x) => a + x.lost, 0),
    seconds: sum.duration_ms / 1000,
  };
}

type SimRun = Row & { seconds: number; answeredBy_s: (k: number) => number; wakeups?: Record<string, number>; timeline?: Map<string, Timed[]> };

function simulate(set: string[], file = SCENARIO_FILE, traced = false): SimRun {
  // 1 ms bins, to tell when the k-th answer went out; traced: each request's hops (early.ts)
  const traceFile = traced ? path.join(mkdtempSync(path.join(tmpdir(), 'ticketsim-trace-')), 'trace.csv') : null;
  const tracer = traceFile !== null ? new Tracer(traceFile) : undefined;
  const report = runScenario(loadScenario(file, { set: ['report.bin=1ms', ...set] }), { tracer }).report;
  let timeline: Map<string, Timed[]> | undefined;
  if (tracer !== undefined && traceFile !== null) {
    tracer.close();
    timeline = simTimeline(readFileSync(traceFile, 'utf8'));
    rmSync(path.dirname(traceFile), { recursive: true, force: true });
  }
  const answeredBy_s = (k: number): number => {
    let n = 0;
    for (const b of report.timeseries) {
      n += b.ok + b.sold_out + b.errors + b.timeouts;
      if (n >= k) return (b.t_ms + report.bin_ms) / 1000;
    }
    return report.summary.duration_ms / 1000;
  };
  const host = Object.values(report.summary.hosts ?? {})[0];
  return { ...simRow(report.summary), answeredBy_s, wakeups: host?.wakeups, timeline };
}

const monoNow_us = (): number => Number(process.hrtime.bigint() / 1000n);

const faultSet = (at_ms: number): string => `faults=${JSON.stringify([{ at: `${at_ms.toFixed(1)}ms`, kill: KILLED }])}`;

// ---- the table ----

function table(title: string, names: string[], real: Row, sim: Row): string {
  const total = (r: Row): number => Object.values(r.requests).reduce((a, b) => a + b, 0);
  const share = (r: Row, n: string): string => `${r.requests[n] ?? 0} (${total(r) > 0 ? (((r.requests[n] ?? 0) / total(r)) * 100).toFixed(1) : '0.0'} %)`;
  const rows: [string, string, string][] = [
    ...names.map((n): [string, string, string] => [`requests answered by ${n}`, share(real, n), share(sim, n)]),
    ['sold (Redis)', String(real.sold), String(sim.sold)],
    ['oversold', String(real.oversold), String(sim.oversold)],
    ['unsold', String(real.unsold), String(sim.unsold)],
    ['users told success', String(real.succeeded), String(sim.succeeded)],
    ['errors (non-2xx, failed)', String(real.errors), String(sim.errors)],
    ['failed upstream attempts (retried by nginx)', String(real.failedAttempts), String(sim.failedAttempts)],
    ['throughput (answers/s)', real.throughput.toFixed(0), sim.throughput.toFixed(0)],
    ['latency p50 (ms)', String(real.p50_ms), sim.p50_ms.toFixed(2)],
    ['latency p99 (ms)', String(real.p99_ms), sim.p99_ms.toFixed(2)],
  ];
  return [`### ${title}`, '', '| | real | simulated |', '|---|---:|---:|', ...rows.map((r) => `| ${r.join(' | ')} |`), ''].join('\n');
}

const pct = (sim: number, real: number): string => (real > 0 ? `${sim >= real ? '+' : ''}${(((sim - real) / real) * 100).toFixed(1)} %` : '-');

const KINDS = ['ab', 'nginx', 'app', 'redis'] as const;

/** The processes of one kind (the backends app1..: app) over the runs given, as fit points. */
function kindPoints(kind: (typeof KINDS)[number], rows: (RealRow | undefined)[]): ProcLoad[] {
  return rows.flatMap((r) => (r ? r.loads.filter((p) => p.proc.startsWith(kind)) : []));
}

/** Each backend's windows of `row` as fit points (CPU less the Redis client's part). */
function windowPoints(row: RealRow | undefined, run: string): ProcLoad[] {
  if (row === undefined) return [];
  return [...row.windows].flatMap(([name, ws]) => ws.map((w, i): ProcLoad => ({ proc: name, run: `${run} #${i + 1}`, requests: w.requests, cpu_us: w.cpu_us - w.client_us, wakeups: w.wakeups })));
}


/** The backends' windows of 50 requests or more, over the runs given. */
function fitWindowsOf(rows: (RealRow | undefined)[]): Window[] {
  return rows.flatMap((r) => (r ? [...r.windows.values()].flat() : [])).filter((w) => w.requests >= 50);
}


/** The windows' CPU (less the Redis client's sections) fitted on other terms too: which explains them. */
function windowModels(rows: (RealRow | undefined)[]): string[] {
  const ws = fitWindowsOf(rows);
  return WINDOW_MODELS.map((m) => {
    const f = fitWindows(ws, m);
    if (f === null) return `- ${m.join(' + ')}: cannot be told apart`;
    return `- ${m.map((t, j) => `${f.b[j]!.toFixed(1)} us per ${t}`).join(' + ')}: rms residual ${f.rms_us.toFixed(1)} us per request`;
  });
}


/**
 * The backends' wake-up fit over windows of 100 requests (both runs), and whether the real run's
 * start is dearer: each backend's CPU per request (less its Redis client's) and wake-ups per
 * request over its first window against the rest, with what the fit predicts for each.
 */
function windowLines(real: RealRow, light: RealRow | undefined): string[] {
  const points = [...windowPoints(real, 'main'), ...windowPoints(light, 'light')];
  const fit = fitWakeups(points);
  if (fit === null) return ['The backends\' windows cannot separate c from w.'];
  let sq = 0;
  let n = 0;
  for (const r of fit.residuals) {
    if (r.point.requests < 50) continue;
    sq += ((r.predicted_us - r.point.cpu_us) / r.point.requests) ** 2;
    n++;
  }
  const per = (ws: Window[]): string => {
    const t = ws.reduce((a, w) => ({ requests: a.requests + w.requests, cpu_us: a.cpu_us + w.cpu_us - w.client_us, wakeups: a.wakeups + w.wakeups }), { requests: 0, cpu_us: 0, wakeups: 0 });
    const m = Math.max(1, t.requests);
    return `${(t.cpu_us / m).toFixed(0)} us (fit ${(fit.cost_us + (fit.wake_us * t.wakeups) / m).toFixed(0)}), ${(t.wakeups / m).toFixed(2)} wake-ups`;
  };
  const each = [...real.windows].map(([name, ws]) => `${name} ${per(ws.slice(0, 1))} / ${per(ws.slice(1))}`);
  const series = [...real.windows].map(
    ([name, ws]) => `- ${name}: ${ws.filter((w) => w.requests > 0).map((w) => `${((w.cpu_us - w.client_us) / w.requests).toFixed(0)}/${(w.wakeups / w.requests).toFixed(2)}`).join(' ')}`,
  );
  return [
    `Backends over windows of 100 requests (${n} windows of 50 or more, both runs): c = ${fit.cost_us.toFixed(1)} us per request, w = ${fit.wake_us.toFixed(1)} us per wake-up, ` +
      `rms residual ${Math.sqrt(sq / Math.max(1, n)).toFixed(1)} us per request.`,
    '',
    ...windowModels([real, light]),
    '',
    `Backends' process CPU per request less their Redis client's, and wake-ups per request, over their first 100 measured requests / over the rest (the first ones also carry the work of requests in flight): ${each.join('; ')}.`,
    '',
    'Each window of 100 requests in turn, CPU per request (us, less the Redis client\'s) / wake-ups per request:',
    '',
    ...series,
  ];
}

/** One variant of source-ab-one-box simulated: the run, the kill at the real kill's distance from the first answer, the light run. */
function oneBoxRun(file: string, cpu: MeasuredCpu, when: string, killed: RealRow) {
  writeOneBox(file, cpu, when);
  const sim = simulate([], file, true);
  // as long after the first answer as the real kill came (0.1 s asked; the timer may fire late
  // on a busy machine), within a millisecond (1 ms bins)
  const after_ms = killed.killedAt_s !== null && killed.firstAnswer_s !== null ? (killed.killedAt_s - killed.firstAnswer_s) * 1000 : 100;
  const kill_ms = after_ms + sim.answeredBy_s(1) * 1000;
  const lightSet = `users.load={closed: {concurrency: 1, requests: ${VARIANTS[LIGHT]!.requests ?? 0}}}`;
  return { sim, kill_ms, killed: simulate([faultSet(kill_ms)], file, true), light: simulate([lightSet], file, true) };
}
type OneBoxRun = ReturnType<typeof oneBoxRun>;

/** real against each simulated variant: the targets (throughput and latency within 25 %, tickets sold within 2 %) and app4's kill. */
function oneBoxTable(real: RealRow, killed: RealRow, runs: [string, OneBoxRun][]): string[] {
  const cell = (r: number, s: number, digits: number, within: number): string =>
    `${s.toFixed(digits)} | ${pct(s, r)}${within > 0 ? (Math.abs(s - r) <= within * r ? ' (met)' : ' (missed)') : ''}`;
  const row = (name: string, r: number, pick: (v: OneBoxRun) => number, digits: number, within = 0): string =>
    `| ${name} | ${r.toFixed(digits)} | ${runs.map(([, v]) => cell(r, pick(v), digits, within)).join(' | ')} |`;
  return [
    `| | real | ${runs.map(([label]) => `${label} | difference`).join(' | ')} |`,
    `|---|---:|${runs.map(() => '---:|---:').join('|')}|`,
    row('throughput (answers/s)', real.throughput, (v) => v.sim.throughput, 0, 0.25),
    row('latency p50 (ms)', real.p50_ms, (v) => v.sim.p50_ms, 1, 0.25),
    row('latency p90 (ms)', real.p90_ms, (v) => v.sim.p90_ms, 1, 0.25),
    row('latency p99 (ms)', real.p99_ms, (v) => v.sim.p99_ms, 1, 0.25),
    row('app4 killed at 0.1 s: tickets sold', killed.sold, (v) => v.killed.sold, 0, 0.02),
    row('app4 killed at 0.1 s: answers by app4', killed.requests['app4'] ?? 0, (v) => v.killed.requests['app4'] ?? 0, 0),
    row('app4 killed at 0.1 s: failed upstream attempts', killed.failedAttempts, (v) => v.killed.failedAttempts, 0),
  ];
}

/** The runs' start and each sale's path, real beside each simulated variant. */
function oneBoxTimelines(real: RealRow, killed: RealRow, light: RealRow | undefined, runs: [string, OneBoxRun][]): string[] {
  return [
    'The start of the runs, request by request (times from ab\'s start, or the simulated run\'s):',
    '',
    ...earlyLines('real, app4 killed', killed.timeline, killed.abStart_us, killed.killMono_us),
    ...runs.flatMap(([label, v]) => earlyLines(`simulated, app4 killed (${label})`, v.killed.timeline ?? new Map(), 0, v.kill_ms * 1000)),
    ...earlyLines('real, all alive', real.timeline, real.abStart_us, null),
    ...runs.flatMap(([label, v]) => earlyLines(`simulated, all alive (${label})`, v.sim.timeline ?? new Map(), 0, null)),
    '',
    'Each sale\'s path through its backend, means over the run (simulated: no stamp when the call is issued, nor for the answer):',
    '',
    ...saleLines('real, all alive', real.timeline),
    ...runs.flatMap(([label, v]) => saleLines(`simulated, all alive (${label})`, v.sim.timeline ?? new Map())),
    ...(light === undefined ? [] : saleLines('real, light load (ab -c 1)', light.timeline)),
    ...runs.flatMap(([label, v]) => saleLines(`simulated, light load (${label})`, v.light.timeline ?? new Map())),
  ];
}

/** The measured CPU costs written to source-ab-one-box.yaml, and that scenario simulated beside the real runs. */
function oneBoxSection(real: RealRow | undefined, killed: RealRow | undefined, light: RealRow | undefined): string[] {
  if (real === undefined || killed === undefined) return [];
  const wake = wakeFits(real, light);
  const c: MeasuredCpu = { ...real.cpu, wake, wakeRejected: wakeRejected(kindPoints('app', [real, light])), replyTurn: replyTurnFit(fitWindowsOf([real, light])) };
  const when = `Measured ${real.throughput.toFixed(0)} answers/s.`;
  writeOneBox(ONE_BOX_FILE, c, when);
  // what was written, one measured cost per request (the model before the reply turn), and the fitted wake-up costs
  const dir = mkdtempSync(path.join(tmpdir(), 'ticketsim-onebox-'));
  const written = oneBoxRun(path.join(dir, 'written.yaml'), c, when, killed);
  const turnOnly = oneBoxRun(path.join(dir, 'turn.yaml'), { ...c, wakeRejected: 'for comparison', gc: null }, when, killed);
  const plain = oneBoxRun(path.join(dir, 'plain.yaml'), { ...c, wakeRejected: 'for comparison', replyTurn: null, gc: null }, when, killed);
  const woken = oneBoxRun(path.join(dir, 'woken.yaml'), { ...c, wakeRejected: undefined, replyTurn: null, gc: null }, when, killed);
  rmSync(dir, { recursive: true, force: true });
  const runs: [string, OneBoxRun][] = [['written', written], ['reply turn, no pauses', turnOnly], ['one cost per request', plain], ['wake-up costs', woken]];
  const turn =
    (c.replyTurn ? `${c.replyTurn.us.toFixed(1)} us per script call for the reply's own turn of the event loop (${c.replyTurn.terms}, rms ${c.replyTurn.rms_us.toFixed(1)} us per request)` : 'no reply turn (no fit with a positive cost per script call)') +
    (c.gc ? `; a garbage collection pause every ${c.gc.every} requests of ${c.gc.pause_us.toFixed(0)} us CPU (${c.gc.pauses} pauses ${(c.gc.length_us / 1000).toFixed(2)} ms long on average x ${(c.gc.onCpu * 100).toFixed(0)} % on a CPU)` : '; no garbage collection pause');
  return [
    '### one host: source-ab-one-box.yaml, CPU costs measured in the first run',
    '',
    `CPU per request (schedstat): ab ${c.users_us.toFixed(1)} us, nginx ${c.nginx_us.toFixed(1)} us, backends ${c.app_us.toFixed(1)} us ` +
      `(${c.appEach_us.map((v) => v.toFixed(0)).join('/')} us each) ` +
      `(${(c.localShare * 100).toFixed(1)} % the local deduction, ${(c.afterShare * 100).toFixed(1)} % after the lock) and ${c.redis_client_us.toFixed(1)} us per script call in their Redis client ` +
      `(${(c.sendShare * 100).toFixed(0)} % issuing it), Redis ${c.redis_us.toFixed(1)} us per script call. ` +
      `Machine ${(c.machineBusy * 100).toFixed(0)} % busy during the run, ${(c.othersBusy * 100).toFixed(0)} % of it other work.`,
    '',
    `Written: ${c.wakeRejected === undefined ? wakeWritten(c) : `no wake-up cost: ${c.wakeRejected}; with them it would be ${wakeWritten(c)}; ${turn}`}. Simulated as written, without the pauses, with one cost per request as measured (the model before the reply turn and the pauses), and with the fitted wake-up costs. ` +
      `app4 killed 0.1 s after the first answer: real at ${killed.killedAt_s?.toFixed(3) ?? '-'} s (first answer at ${killed.firstAnswer_s?.toFixed(3) ?? '-'} s), simulated at ${runs.map(([, v]) => (v.kill_ms / 1000).toFixed(3)).join(' / ')} s.`,
    '',
    ...oneBoxTable(real, killed, runs),
    '',
    ...oneBoxTimelines(real, killed, light, runs),
    '',
    `Wake-ups over the run, real / simulated with wake-up costs: ${real.loads.map((p) => `${p.proc} ${p.wakeups} / ${woken.sim.wakeups?.[SIM_PROC[p.proc] ?? p.proc] ?? '-'}`).join(', ')}.`,
    '',
    ...windowLines(real, light),
    '',
  ];
}

/** validate:real's process names to the scenario's. */
const SIM_PROC: Record<string, string> = { ab: 'users', nginx: 'nginx1' };

/** Each kind's wake-up fit over the measured run and the light one. */
function wakeFits(real: RealRow, light: RealRow | undefined): NonNullable<MeasuredCpu['wake']> {
  const f = (kind: (typeof KINDS)[number]) => {
    const points = kindPoints(kind, [real, light]);
    const fit = fitWakeups(points);
    return fit === null ? null : { cost_us: fit.cost_us, wake_us: fit.wake_us, points: points.length };
  };
  return { users: f('ab'), nginx: f('nginx'), app: f('app'), redis: f('redis') };
}

/** What the written scenario charges per wake-up, in words. */
function wakeWritten(c: MeasuredCpu): string {
  const each = Object.entries(c.wake ?? {}).map(([k, f]) => (f !== null && f.cost_us > 0 && f.wake_us > 0 ? `${k} ${f.cost_us.toFixed(0)} us per request + ${f.wake_us.toFixed(0)} us per wake-up` : `${k} no wake-up cost (fit not positive)`));
  return each.join(', ');
}

/**
 * Calibration (docs/validation.md): the heaviest server is the closed system's bottleneck, so
 * X = 1 / (share_max * E[S]); scale the service-time distribution to the measured X.
 */
function calibratedSection(s: Scenario, realRps: number): string[] {
  const st = s.app.service_time;
  if (st.kind !== 'lognormal') return [];
  const totalW = s.nginx.upstream.servers.reduce((a, sv) => a + sv.weight, 0);
  const shareMax = Math.max(...s.nginx.upstream.servers.map((sv) => sv.weight)) / totalW;
  const sigma = Math.log(st.p99_us / st.median_us) / 2.3263478740408408;
  const meanNow = st.median_us * Math.exp((sigma * sigma) / 2);
  const target = 1e6 / (shareMax * realRps);
  const k = target / meanNow;
  const median = Math.round(st.median_us * k);
  const p99 = Math.round(st.p99_us * k);
  const cal = simulate([`app.service_time={lognormal: {median: ${median}us, p99: ${p99}us}}`]);
  const err = (cal.throughput / realRps - 1) * 100;
  return [
    '### calibrated',
    '',
    `Measured ${realRps.toFixed(0)} answers/s; E[S] = 1/(${shareMax} x ${realRps.toFixed(0)}/s) = ${target.toFixed(0)} us, so ` +
      `\`--set 'app.service_time={lognormal: {median: ${median}us, p99: ${p99}us}}'\` (x${k.toFixed(3)}): simulated ${cal.throughput.toFixed(0)} answers/s (${err >= 0 ? '+' : ''}${err.toFixed(1)} %), p50 ${cal.p50_ms} ms, p99 ${cal.p99_ms} ms.`,
    '',
  ];
}

/**
 * REAL_KILL_REPEATS=N: the kill at 0.1 s run N more times on the real stack, for its spread from
 * run to run (one real run against a target of 2 % says little if the real figure moves more).
 */
async function killRepeats(stack: RealStack): Promise<string[]> {
  const n = Number(process.env['REAL_KILL_REPEATS'] ?? 0);
  const v = VARIANTS.find((x) => x.killAt_s !== undefined);
  if (!(n > 0) || v === undefined) return [];
  const rows: RealRow[] = [];
  for (let i = 0; i < n; i++) {
    process.stderr.write(`validate:real: ${v.label}, again (${i + 1} of ${n}) ...\n`);
    rows.push(await stack.run(v, null));
  }
  const sold = rows.map((r) => r.sold);
  const mean = sold.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(sold.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  return [
    `### ${v.label}, ${n} more real runs`,
    '',
    `Tickets sold: ${sold.join(', ')} (mean ${mean.toFixed(1)}, sd ${sd.toFixed(1)}, ${((sd / mean) * 100).toFixed(1)} %); answers by app4: ${rows.map((r) => r.requests['app4'] ?? 0).join(', ')}; ` +
      `killed after the first answer by ${rows.map((r) => (r.killedAt_s !== null && r.firstAnswer_s !== null ? ((r.killedAt_s - r.firstAnswer_s) * 1000).toFixed(0) : '-')).join(', ')} ms.`,
    '',
    ...rows.flatMap((r, i) => earlyLines(`run ${i + 1}`, r.timeline, r.abStart_us, r.killMono_us)),
    '',
  ];
}

async function main(): Promise<void> {
  const bins = {
    nginx: requireBinary('nginx', 'nginx-light'),
    redis: requireBinary('redis-server', 'redis-server'),
    ab: requireBinary('ab', 'apache2-utils'),
    time: requireBinary('time', 'time'),
  };
  const s = loadScenario(SCENARIO_FILE);
  const names = s.nginx.upstream.servers.map((sv) => sv.name);
  const load = s.users.load;
  if (load.kind !== 'closed') throw new Error('source-ab must have a closed load');
  const stack = new RealStack(s, bins);
  const redisDir = mkdtempSync(path.join(tmpdir(), 'ticketsim-redis-'));
  const onSignal = (): void => void stack.stop().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const out: string[] = [
    `## ab -n ${load.requests} -c ${load.concurrency}, inventory ${s.tickets.inventory}, local stock ${s.app.local_stock.join('/')}, weights ${s.nginx.upstream.servers.map((sv) => sv.weight).join(':')}`,
    '',
  ];
  try {
    await stack.startRedis(redisDir);
    let baseline: { sim: SimRun; realRps: number } | null = null;
    const reals: RealRow[] = [];
    for (const v of VARIANTS) {
      let killAfter: number | null = null;
      let simKill_s = 0;
      const set: string[] = [];
      if (v.dead !== undefined) set.push(`faults=${JSON.stringify([{ at: '0s', kill: v.dead }])}`);
      if (v.killAt_s !== undefined) set.push(faultSet(v.killAt_s * 1000));
      if (v.requests !== undefined) set.push(`users.load={closed: {concurrency: ${v.concurrency ?? load.concurrency}, requests: ${v.requests}}}`);
      if (v.killAtFraction !== undefined && baseline !== null) {
        // after that share of the requests: real, counted in the backends' logs; simulated, the
        // time the fault-free run had answered as many (it is the same run up to the kill)
        killAfter = Math.round(load.requests * v.killAtFraction);
        simKill_s = baseline.sim.answeredBy_s(killAfter);
        set.push(faultSet(simKill_s * 1000));
      }
      process.stderr.write(`validate:real: ${v.label} ...\n`);
      const real = await stack.run(v, killAfter);
      const sim = simulate(set);
      if (baseline === null) baseline = { sim, realRps: real.throughput };
      reals.push(real);
      const when =
        killAfter !== null
          ? ` (real: killed at ${real.killedAt_s?.toFixed(2) ?? '-'} s of ${real.seconds.toFixed(2)} s; simulated: at ${simKill_s.toFixed(2)} s of ${sim.seconds.toFixed(2)} s)`
          : '';
      out.push(table(`${v.label}${when}`, names, real, sim));
      out.push(`Real backends' CPU per request (us): ${Object.entries(real.cpuPerRequest_us).map(([n, c]) => `${n} ${c}`).join(', ')}; ab took ${real.seconds.toFixed(2)} s, the simulated run ${sim.seconds.toFixed(2)} s.`, '');
      out.push(
        `Garbage collection: ${[...real.gc].map(([n, g]) => `${n} ${g.pauses} pauses over ${g.handled} requests, ${(g.total_us / 1000).toFixed(1)} ms (max ${(g.max_us / 1000).toFixed(2)} ms; main thread on a CPU ${(g.run_us / 1000).toFixed(0)} ms, waiting for one ${(g.wait_us / 1000).toFixed(0)} ms)`).join('; ')}.`,
        '',
      );
    }
    const light = reals[LIGHT];
    out.push(...wakeupSection(KINDS.map((kind) => ({ kind, unit: kind === 'redis' ? 'script call' : 'request', points: kindPoints(kind, [reals[0], light]) }))));
    out.push(...oneBoxSection(reals[0], reals[VARIANTS.findIndex((v) => v.killAt_s !== undefined)], light));
    if (baseline !== null) out.push(...calibratedSection(s, baseline.realRps));
    out.push(...(await killRepeats(stack)));
  } finally {
    await stack.stop();
    rmSync(redisDir, { recursive: true, force: true });
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().catch(async (e: unknown) => {
  process.stderr.write(`validate:real: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  // let pending stops finish, then leave
  await sleep(100);
  process.exit(1);
});
