// The article's app server, in Node, for `npm run validate:real`: one process per backend.
//   <-done                                   (a channel of size 1: one request at a time)
//   if LocalDeductionStock() && RemoteDeductionStock(conn) { RespJson(1, "抢票成功") } else { RespJson(-1, "已售罄") }
//   done <- 1
//   writeLog("result:1,localSales:N", "./stat.log")
// LocalDeductionStock: LocalSalesVolume++; return LocalSalesVolume < LocalInStock.
// RemoteDeductionStock: EVALSHA of the article's script; redigo's redis.Int(reply) != 0, false on error.
// Usage: node backend.js NAME PORT LOCAL_STOCK REDIS_PORT SCRIPT_SHA LOG_FILE
import { openSync, writeSync } from 'node:fs';
import http from 'node:http';
import { TICKET_HASH_KEY, TICKET_SOLD_FIELD, TICKET_TOTAL_FIELD } from '../../src/scenario/inventory-scripts.js';
import { isTruthyReply } from '../../src/model/redis/lua/replies.js';
import { WARM_HASH_KEY } from './procs.js';
import { RespClient } from './resp.js';

const [name, portArg, stockArg, redisPortArg, sha, logFile] = process.argv.slice(2);
if (name === undefined || logFile === undefined || sha === undefined) {
  process.stderr.write('usage: backend.js NAME PORT LOCAL_STOCK REDIS_PORT SCRIPT_SHA LOG_FILE\n');
  process.exit(2);
}
// The handler's state: the measured stock, or the warm-up's. Warm-up requests (validate:real sends
// them before measuring) run the very same code (the lock, the local deduction, EVALSHA on a hash
// of their own, the answer, a log line in a file of their own) so V8 has compiled every hot path
// before the measured run starts, as a compiled Go server would not need; they count nowhere.
type Stock = { sales: number; inStock: number; key: string; log: number };
const stock: Stock = { sales: 0, inStock: Number(stockArg), key: TICKET_HASH_KEY, log: openSync(logFile, 'a') }; // a line per request: a SIGKILL loses nothing answered
const warm: Stock = { sales: 0, inStock: Number(stockArg), key: WARM_HASH_KEY, log: openSync(`${logFile}.warm`, 'a') };
let requests = 0;
// CPU of the handler's own sections, for the split of the app's CPU (src/model/host/hosts.ts):
// inside the lock, the local deduction and the Redis client (issuing the script call; taking its
// result), and after it (the JSON answer and the log line); the rest of the process's CPU is the
// HTTP server's and the socket reads'. Measured requests only.
let local_us = 0;
let send_us = 0;
let calls = 0;
let after_us = 0;
let handled = 0;
let readBase_us = -1; // the Redis client's reply parsing before the first measured request: the warm-up's
// Is the start of the measured run dearer? The process's CPU from the first measured request's
// arrival to the START_REQUESTS-th handled, against the rest of the run.
const START_REQUESTS = 100;
let cpuAtFirst_us = -1;
let cpuAtStart_us = -1;
const cpuNow_us = (): number => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

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

async function handle(res: http.ServerResponse, s: Stock): Promise<void> {
  const measured = s === stock;
  const t0 = cpuNow_us();
  // && short-circuits: Redis is asked only after a local success
  let ok = localDeductionStock(s);
  let t1 = cpuNow_us();
  if (measured) local_us += t1 - t0;
  if (ok) {
    const reply = remoteDeductionStock(s.key);
    if (measured) {
      send_us += cpuNow_us() - t1;
      calls++;
    }
    ok = await reply;
    t1 = cpuNow_us();
  }
  if (ok) respJson(res, 1, '抢票成功');
  else respJson(res, -1, '已售罄');
  writeSync(s.log, `result:${ok ? 1 : 0},localSales:${s.sales}\n`);
  if (measured) {
    after_us += cpuNow_us() - t1;
    handled++;
    if (handled === START_REQUESTS) cpuAtStart_us = cpuNow_us();
  }
}

const server = http.createServer((req, res) => {
  const s = req.url === '/warm' ? warm : stock;
  if (s === stock) {
    requests++;
    if (readBase_us < 0) readBase_us = redis.readCpu_us; // every warm-up reply has been read by now
    if (cpuAtFirst_us < 0) cpuAtFirst_us = cpuNow_us();
  }
  void withLock(() => handle(res, s));
});
server.keepAliveTimeout = 0;
server.listen(Number(portArg), '127.0.0.1', () => process.stdout.write(`${name} listening\n`));

process.on('SIGTERM', () => {
  // what the validation needs for calibration: requests served and CPU time spent
  const cpu = process.cpuUsage();
  const end_us = cpu.user + cpu.system;
  const start = cpuAtStart_us < 0 ? null : { requests: START_REQUESTS, cpu_us: cpuAtStart_us - cpuAtFirst_us, rest: handled - START_REQUESTS, restCpu_us: end_us - cpuAtStart_us };
  const reply_us = redis.readCpu_us - Math.max(0, readBase_us);
  process.stdout.write(`STATS ${JSON.stringify({ name, requests, cpu_us: end_us, local_us, send_us, reply_us, calls, after_us, handled, start })}\n`);
  redis.close();
  server.close();
  process.exit(0);
});
