// `npm run bench`: times whole commands as the operating system sees them (wall time, CPU time
// and peak RSS from getrusage in each child), interleaved round by round so that a noisy machine
// hurts every case alike, and prints medians beside the targets. Speed is measured here, never
// asserted in unit tests.
//
//   npm run bench [-- --runs 5] [-- --users 10m,100m] [-- --only million-users,reference]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SIM = path.join(ROOT, 'dist/cli/main.js');
// sim runs as its bin does: with the node flags of main.js's shebang
const SIM_FLAGS = readFileSync(SIM, 'utf8').split('\n', 1)[0].split(/\s+/).filter((a) => a.startsWith('--'));
const REFERENCE = path.join(ROOT, 'dist/harness/bench/reference-loop.js');
const LUA_CALLS = path.join(ROOT, 'dist/harness/bench/lua-calls.js');
const SIMULATION_ALONE = path.join(ROOT, 'dist/harness/bench/simulation-alone.js');
const SWEEP_RUNS = 200; // source-ab replications in the sweep case

// Written by each child when it exits: its own resource usage, on file descriptor 3.
const RUSAGE_HOOK =
  'data:text/javascript,' +
  encodeURIComponent(
    'import { writeSync } from "node:fs";' +
      'process.on("exit", () => { const u = process.resourceUsage();' +
      'try { writeSync(3, JSON.stringify({ cpu_us: u.userCPUTime + u.systemCPUTime, rss_kb: u.maxRSS })); } catch {} });',
  );

type Sample = { wall_s: number; cpu_s: number; rss_mb: number; events: number; calls: number; calls_per_s: number; calls_per_cpu_s: number; loop_cpu_s: number };
type Case = {
  name: string;
  args: (out: string) => string[];
  events: (stdout: string, out: string) => number;
  calls?: (out: string) => number; // Lua script calls, for the cases that count them
  // script calls/s timed by the child itself, first call to last: per second of wall time, of CPU time
  callRate?: (stdout: string) => { wall: number; cpu: number };
  loopCpu?: (stdout: string) => number; // CPU s of the event loop alone, timed by the child
};

const simRun = (file: string, ...set: string[]): Case['args'] => (out) => [...SIM_FLAGS, SIM, 'run', file, '--quiet', '--out', out, ...set.flatMap((s) => ['--set', s])];
const runEvents = (_stdout: string, out: string): number => (JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as { events: number }).events;
const noEvents = (): number => 0;
const scriptCalls = (out: string): number => (JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as { tiers: { redis: { commands: number } } }).tiers.redis.commands;

function cases(bigUsers: readonly number[]): Case[] {
  const list: Case[] = [
    { name: 'node -e 0', args: () => ['-e', '0'], events: noEvents },
    { name: 'sim --version', args: () => [...SIM_FLAGS, SIM, '--version'], events: noEvents },
    { name: 'sim validate million-users', args: () => [...SIM_FLAGS, SIM, 'validate', 'scenarios/million-users.yaml'], events: noEvents },
    { name: 'reference loop, 1M users', args: () => [REFERENCE], events: (stdout) => (JSON.parse(stdout) as { events: number }).events },
    { name: 'million-users, whole command', args: simRun('scenarios/million-users.yaml'), events: runEvents },
    { name: 'source-ab, whole command', args: simRun('scenarios/source-ab.yaml'), events: runEvents },
    {
      name: 'source-ab, event loop alone',
      args: () => [...SIM_FLAGS, SIMULATION_ALONE, 'scenarios/source-ab.yaml'],
      events: (stdout) => (JSON.parse(stdout) as { events: number }).events,
      loopCpu: (stdout) => (JSON.parse(stdout) as { loop_cpu_s: number }).loop_cpu_s,
    },
    {
      // a study's runs without per-run reports or charts, on the machine's cores
      name: `sweep: ${SWEEP_RUNS} source-ab runs`,
      args: (out) => [...SIM_FLAGS, SIM, 'sweep', 'scenarios/source-ab.yaml', '--replications', String(SWEEP_RUNS), '--out', out],
      events: noEvents,
    },
    {
      // the same 100k calls as the Redis-bound run, without the rest of the simulation
      name: 'Lua script alone: 100k calls',
      args: () => [...SIM_FLAGS, LUA_CALLS, '100000'],
      events: noEvents,
      callRate: (stdout) => {
        const r = JSON.parse(stdout) as { calls_per_s: number; calls_per_cpu_s: number };
        return { wall: r.calls_per_s, cpu: r.calls_per_cpu_s };
      },
    },
    {
      // every request passes the local check and runs the Lua script
      name: 'Redis-bound: 100k script calls',
      args: simRun('scenarios/source-ab.yaml', 'users.load.closed.requests=100000', 'tickets.inventory=1000000', 'app.local_stock={buffer: 2}', 'app.local_check=exact'),
      events: runEvents,
      calls: scriptCalls,
    },
  ];
  for (const n of bigUsers) {
    list.push({ name: `million-users with ${n / 1e6}M users`, args: simRun('scenarios/million-users.yaml', `users.load.open.users=${n}`), events: runEvents });
  }
  return list;
}

function measure(c: Case): Sample {
  const out = mkdtempSync(path.join(tmpdir(), 'ticketsim-bench-'));
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--import', RUSAGE_HOOK, ...c.args(out)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' }, maxBuffer: 1 << 26 });
    const wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${String(r.stderr).trim().split('\n')[0] ?? ''}`);
    const usage = JSON.parse(String(r.output[3])) as { cpu_us: number; rss_kb: number };
    const calls = c.calls?.(out) ?? 0;
    const rate = c.callRate?.(String(r.stdout)) ?? { wall: calls / wall_s, cpu: (calls * 1e6) / usage.cpu_us };
    const loop_cpu_s = c.loopCpu?.(String(r.stdout)) ?? 0;
    return { wall_s, cpu_s: usage.cpu_us / 1e6, rss_mb: usage.rss_kb / 1024, events: c.events(String(r.stdout), out), calls, calls_per_s: rate.wall, calls_per_cpu_s: rate.cpu, loop_cpu_s };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function parseCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!m) throw new Error(`--users takes counts like 10m or 100m (got ${text})`);
  return Math.round(Number(m[1]) * (m[2].toLowerCase() === 'm' ? 1e6 : m[2].toLowerCase() === 'k' ? 1e3 : 1));
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

type Row = { name: string; wall_s: number; cpu_s: number; rss_mb: number; events_per_s: number; calls_per_s: number; calls_per_cpu_s: number; loop_cpu_s: number };

function table(rows: readonly Row[]): string {
  const head = ['case', 'wall s', 'CPU s', 'M events/s', 'peak RSS MB'];
  const body = rows.map((r) => [r.name, r.wall_s.toFixed(3), r.cpu_s.toFixed(3), r.events_per_s > 0 ? (r.events_per_s / 1e6).toFixed(2) : '', r.rss_mb.toFixed(0)]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

function targets(by: Map<string, Row>): string[] {
  const get = (n: string) => by.get(n);
  const out: string[] = [];
  const check = (label: string, value: number, limit: number, unit: string) =>
    out.push(`${value <= limit ? 'meets ' : 'MISSES'}  ${label}: ${value.toFixed(2)}${unit} (target <= ${limit}${unit})`);
  const node0 = get('node -e 0');
  const ref = get('reference loop, 1M users');
  const mu = get('million-users, whole command');
  if (ref && mu) check('million-users / reference loop, CPU', mu.cpu_s / ref.cpu_s, 4, 'x');
  if (mu) check('million-users peak RSS', mu.rss_mb, 200, ' MB');
  if (node0) for (const n of ['sim --version', 'sim validate million-users']) {
    const r = get(n);
    if (r) check(`${n} / node -e 0, CPU`, r.cpu_s / node0.cpu_s, 2.5, 'x');
  }
  const ab = get('source-ab, whole command');
  const abLoop = get('source-ab, event loop alone');
  if (node0 && ab && abLoop) {
    const limit = 3 * node0.cpu_s + abLoop.loop_cpu_s;
    out.push(`${ab.cpu_s <= limit ? 'meets ' : 'MISSES'}  source-ab whole command, CPU: ${ab.cpu_s.toFixed(3)} s (target <= 3 x node -e 0 + its event loop ${abLoop.loop_cpu_s.toFixed(3)} s = ${limit.toFixed(3)} s)`);
  }
  const sweep = get(`sweep: ${SWEEP_RUNS} source-ab runs`);
  if (sweep) out.push(`${SWEEP_RUNS / sweep.wall_s >= 10 ? 'meets ' : 'MISSES'}  sweep, source-ab runs per second of wall time: ${(SWEEP_RUNS / sweep.wall_s).toFixed(1)} (target >= 10)`);
  const lua = get('Redis-bound: 100k script calls');
  // the whole command's wall time, start-up and report included: a lower bound on the script rate
  if (lua) out.push(`${lua.calls_per_s >= 250_000 ? 'meets ' : 'MISSES'}  Lua script calls/s, whole command: ${(lua.calls_per_s / 1e6).toFixed(3)} M (target >= 0.25 M)`);
  const alone = get('Lua script alone: 100k calls');
  // timed inside the process from the first call to the last: V8's warm-up counts, start-up does not
  if (alone) {
    const perCpu = `${(alone.calls_per_cpu_s / 1e6).toFixed(3)} M per CPU second`;
    out.push(`${alone.calls_per_s >= 250_000 ? 'meets ' : 'MISSES'}  Lua script calls/s, the calls alone: ${(alone.calls_per_s / 1e6).toFixed(3)} M, ${perCpu} (target >= 0.25 M)`);
  }
  const big = get('million-users with 100M users');
  if (big && mu) check('100M users / 1M users, wall', big.wall_s / mu.wall_s, 100, 'x');
  // on a shared machine (or under nice) wall time says more about the others than about the run
  if (big && mu) check('100M users / 1M users, CPU', big.cpu_s / mu.cpu_s, 100, 'x');
  if (big) check('100M users peak RSS', big.rss_mb, 2048, ' MB');
  return out;
}

function main(): void {
  const runs = Number(option('--runs') ?? 5);
  const only = option('--only')?.split(',');
  const big = (option('--users') ?? '').split(',').filter((s) => s !== '').map(parseCount);
  const list = cases(big).filter((c) => !only || only.some((o) => c.name.includes(o)));
  const samples = new Map<string, Sample[]>(list.map((c) => [c.name, []]));
  for (let round = 0; round < runs; round++) {
    for (const c of list) samples.get(c.name)?.push(measure(c));
    process.stderr.write(`round ${round + 1}/${runs} done\n`);
  }
  const rows: Row[] = list.map((c) => {
    const s = samples.get(c.name) ?? [];
    const cpu_s = median(s.map((x) => x.cpu_s));
    const per_s = (f: (x: Sample) => number) => median(s.map((x) => f(x) / x.wall_s));
    return { name: c.name, wall_s: median(s.map((x) => x.wall_s)), cpu_s, rss_mb: median(s.map((x) => x.rss_mb)), events_per_s: per_s((x) => x.events), calls_per_s: median(s.map((x) => x.calls_per_s)), calls_per_cpu_s: median(s.map((x) => x.calls_per_cpu_s)), loop_cpu_s: median(s.map((x) => x.loop_cpu_s)) };
  });
  console.log(`medians of ${runs} runs each, interleaved (node ${process.version}, ${process.platform}-${process.arch})`);
  console.log(table(rows));
  console.log('');
  for (const t of targets(new Map(rows.map((r) => [r.name, r])))) console.log(t);
}

main();
