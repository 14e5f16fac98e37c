// The article's app server, in Node, for `npm run validate:real`: one process per backend.
//   <-done                                   (a channel of size 1: one request at a time)
//   if LocalDeductionStock() && RemoteDeductionStock(conn) { RespJson(1, "抢票成功") } else { RespJson(-1, "已售罄") }
//   done <- 1
//   writeLog("result:1,localSales:N", "./stat.log")
// LocalDeductionStock: LocalSalesVolume++; return LocalSalesVolume < LocalInStock.
// RemoteDeductionStock: EVALSHA of the article's script; redigo's redis.Int(reply) != 0, false on error.
// Usage: node backend.js NAME PORT LOCAL_STOCK REDIS_PORT SCRIPT_SHA LOG_FILE
import { openSync, readFileSync, writeSync } from 'node:fs';
import http from 'node:http';
import { PerformanceObserver } from 'node:perf_hooks';
import { TICKET_HASH_KEY, TICKET_SOLD_FIELD, TICKET_TOTAL_FIELD } from '../../src/scenario/inventory-scripts.js';
import { isTruthyReply } from '../../src/model/redis/lua/replies.js';
import { wakeupsFromStatus } from './cpu-proc.js';
import { WARM_HASH_KEY } from './procs.js';
import { RespClient } from './resp.js';

const [name, portArg, stockArg, redisPortArg, sha, logFile] = process.argv.slice(2);
if (name === undefined || logFile === undefined || sha === undefined) {
  process.stderr.write('usage: backend.js NAME PORT LOCAL_STOCK REDIS_PORT SCRIPT_SHA LOG_FILE\n');
  process.exit(2);
}
// The handler's state and its bookkeeping: the measured stock, or the warm-up's. Warm-up requests
// (validate:real sends them before measuring) run the very same code (the lock, the local
// deduction, EVALSHA on a hash of their own, the answer, a log line in a file of their own, and the
// same CPU bookkeeping on counters of their own) so V8 has compiled every hot path, and seen every
// branch, before the measured run starts, as a compiled Go server would not need; only the
// measured stock's counters are reported.
// CPU of the handler's own sections, for the split of the app's CPU (src/model/host/hosts.ts):
// inside the lock, the local deduction and the Redis client (issuing the script call; taking its
// result), and after it (the JSON answer and the log line); the rest of the process's CPU is the
// HTTP server's and the socket reads'.
type Stock = {
  sales: number;
  inStock: number;
  key: string;
  log: number;
  requests: number;
  local_us: number;
  send_us: number;
  calls: number;
  after_us: number;
  handled: number;
  readBase_us: number; // the Redis client's reply parsing before this stock's first request: the other's
  sched0: number[]; // the main thread's time on a CPU and waiting for one (µs) at the first request
  marks: Mark[]; // at the first request's arrival, then every WINDOW requests handled
};
const newStock = (key: string, log: string): Stock => ({
  sales: 0,
  inStock: Number(stockArg),
  key,
  log: openSync(log, 'a'), // a line per request: a SIGKILL loses nothing answered
  requests: 0,
  local_us: 0,
  send_us: 0,
  calls: 0,
  after_us: 0,
  handled: 0,
  readBase_us: -1,
  sched0: [],
  marks: [],
});
const stock = newStock(TICKET_HASH_KEY, logFile);
const warm = newStock(WARM_HASH_KEY, `${logFile}.warm`);
// How the cost per request moves through the run: the process's CPU, its Redis client's part and
// its wake-ups (voluntary context switches, /proc/self/status) at every WINDOW requests handled.
const WINDOW = 100;
type Mark = { cpu_us: number; client_us: number; wakeups: number; calls: number; wall_us: number; run_us: number; wait_us: number };
// the main thread's time on a CPU and runnable but waiting for one, µs (/proc/thread-self/schedstat):
// a garbage collection pause is runnable throughout, so its CPU is its length x the share on a CPU
const sched = (): number[] => readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').slice(0, 2).map((v) => Number(v) / 1000);
const cpuNow_us = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

// V8's garbage collection pauses from the measured run's first request on: how often the event
// loop stops, and for how long (its CPU is part of the process's, spread over requests)
const gc = { pauses: 0, total_us: 0, max_us: 0 };
new PerformanceObserver((list) => {
  if (stock.readBase_us < 0) return;
  for (const e of list.getEntries()) {
    const d = e.duration * 1000;
    gc.pauses++;
    gc.total_us += d;
    if (d > gc.max_us) gc.max_us = d;
  }
}).observe({ entryTypes: ['gc'] });

const redis = await RespClient.connect(Number(redisPortArg));
redis.countCpu = true;

function localDeductionStock(s: Stock): boolean {
  s.sales++;
  return s.sales < s.inStock;
}

async function remoteDeductionStock(key: string): Promise<boolean> {
  try {
    return isTruthyReply(await redis.command(['EVALSHA', sha, '1', key, TICKET_TOTAL_FIELD, TICKET_SOLD_FIELD]));
  } catch {
    return false;
  }
}

// The channel of size 1: a promise chain, so handlers run one after another in arrival order.
let tail: Promise<void> = Promise.resolve();
function withLock(f: () => Promise<void>): Promise<void> {
  const run = tail.then(f);
  tail = run.catch(() => undefined);
  return run;
}

function respJson(res: http.ServerResponse, code: number, msg: string): void {
  const body = JSON.stringify({ code, msg, data: null });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

// CLOCK_MONOTONIC µs, the same clock in every process: validate:real lines the runs' starts up with it
const mono_us = (): number => Number(process.hrtime.bigint() / 1000n);

async function handle(res: http.ServerResponse, s: Stock, arrive_us: number): Promise<void> {
  const lock_us = mono_us();
  let sent_us = -1;
  let reply_us = -1;
  const t0 = cpuNow_us();
  // && short-circuits: Redis is asked only after a local success
  let ok = localDeductionStock(s);
  let t1 = cpuNow_us();
  s.local_us += t1 - t0;
  if (ok) {
    const reply = remoteDeductionStock(s.key);
    sent_us = mono_us();
    s.send_us += cpuNow_us() - t1;
    s.calls++;
    ok = await reply;
    reply_us = mono_us();
    t1 = cpuNow_us();
  }
  if (ok) respJson(res, 1, '抢票成功');
  else respJson(res, -1, '已售罄');
  // the article's line, with when the request arrived, took the lock, sent the script call, had its reply, was answered
  writeSync(s.log, `result:${ok ? 1 : 0},localSales:${s.sales},t:${arrive_us},${lock_us},${sent_us},${reply_us},${mono_us()}\n`);
  s.after_us += cpuNow_us() - t1;
  s.handled++;
  if (s.handled % WINDOW === 0) s.marks.push(mark(s));
}

function mark(s: Stock): Mark {
  const status = readFileSync('/proc/self/status', 'utf8');
  const [run_us = 0, wait_us = 0] = sched();
  return { cpu_us: cpuNow_us(), client_us: s.send_us + redis.readCpu_us - s.readBase_us, wakeups: wakeupsFromStatus(status), calls: s.calls, wall_us: Number(process.hrtime.bigint() / 1000n), run_us, wait_us };
}

const server = http.createServer((req, res) => {
  const arrive_us = mono_us();
  const s = req.url === '/warm' ? warm : stock;
  s.requests++;
  if (s.readBase_us < 0) {
    s.readBase_us = redis.readCpu_us; // every earlier reply has been read by now
    s.sched0 = sched();
    s.marks.push(mark(s));
  }
  void withLock(() => handle(res, s, arrive_us));
});
server.keepAliveTimeout = 0;
server.listen(Number(portArg), '127.0.0.1', () => process.stdout.write(`${name} listening\n`));

process.on('SIGTERM', () => {
  // what the validation needs for calibration: requests served and CPU time spent, and each
  // window's (the last one up to now, however many requests it holds)
  const s = stock;
  const end = mark(s);
  const marks = s.readBase_us < 0 ? [] : [...s.marks, end];
  const windows = marks.slice(1).map((b, i) => {
    const a = marks[i] ?? b;
    return { requests: Math.min(WINDOW, s.handled - i * WINDOW), cpu_us: b.cpu_us - a.cpu_us, client_us: b.client_us - a.client_us, wakeups: b.wakeups - a.wakeups, calls: b.calls - a.calls, wall_us: b.wall_us - a.wall_us,
      // the main thread neither on a CPU nor waiting for one: asleep (an event loop in epoll_wait)
      asleep_us: Math.max(0, b.wall_us - a.wall_us - (b.run_us - a.run_us) - (b.wait_us - a.wait_us)) };
  });
  const reply_us = s.readBase_us < 0 ? 0 : redis.readCpu_us - s.readBase_us;
  const { requests, local_us, send_us, calls, after_us, handled } = s;
  const [run_us = 0, wait_us = 0] = s.readBase_us < 0 ? [] : sched().map((v, i) => v - (s.sched0[i] ?? 0));
  process.stdout.write(`STATS ${JSON.stringify({ name, requests, cpu_us: end.cpu_us, local_us, send_us, reply_us, calls, after_us, handled, windows, gc: { ...gc, run_us, wait_us } })}\n`);
  redis.close();
  server.close();
  process.exit(0);
});
