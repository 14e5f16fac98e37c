// Lua script calls alone, as the Redis-bound bench scenario makes them: the article's script,
// EVAL'd N times in a fresh process against a logged keyspace holding the ticket hash, with the
// Redis tier's KEYS and ARGV. Prints, as JSON: the calls per second from the first call to the
// last (V8's warm-up included, as in a run), the CPU time of the calls, and the cost of one call
// once warm (the last 20 %). `npm run bench` runs it beside the whole command.
//
//   node dist/harness/bench/lua-calls.js [calls]

import { LoggedKeyspace } from '../src/model/redis/logged-keyspace.js';
import { LuaScript } from '../src/model/redis/lua/script.js';
import { SOURCE_SCRIPT, TICKET_HASH_KEY, TICKET_SOLD_FIELD, TICKET_TOTAL_FIELD } from '../src/scenario/inventory-scripts.js';

const CALLS = Number(process.argv[2] ?? 100_000);
const KEYS = [TICKET_HASH_KEY];
const ARGV = [TICKET_TOTAL_FIELD, TICKET_SOLD_FIELD];

const ks = new LoggedKeyspace();
ks.command(['HSET', TICKET_HASH_KEY, TICKET_TOTAL_FIELD, String(CALLS), TICKET_SOLD_FIELD, '0']);
const script = new LuaScript(SOURCE_SCRIPT, ks);

const warmFrom = Math.floor(CALLS * 0.8);
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
let tWarm = t0;
let sold = 0;
for (let i = 0; i < CALLS; i++) {
  if (i === warmFrom) tWarm = process.hrtime.bigint();
  ks.now_us = i;
  const reply = script.call(KEYS, ARGV);
  if (typeof reply === 'number' && reply > 0) sold++;
}
const t1 = process.hrtime.bigint();
const cpu = process.cpuUsage(cpu0);
const seconds = Number(t1 - t0) / 1e9;
if (sold !== CALLS) throw new Error(`expected ${CALLS} sales, got ${sold}`);
console.log(
  JSON.stringify({
    calls: CALLS,
    seconds,
    calls_per_s: Math.round(CALLS / seconds),
    cpu_s: (cpu.user + cpu.system) / 1e6,
    // what a loaded machine hides in wall time: the calls per second of CPU the process got
    calls_per_cpu_s: Math.round(CALLS / ((cpu.user + cpu.system) / 1e6)),
    warm_us_per_call: Number(t1 - tWarm) / 1e3 / (CALLS - warmFrom),
  }),
);
