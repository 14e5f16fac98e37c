// The Redis tier: one command thread, FIFO, a service time per command. EVAL runs the inventory
// script atomically (it is one command), so concurrency cannot interleave two deductions; the
// script itself is real Lua run by fengari against the simulated keyspace (lua-script.ts).
// A crash (kill, restart) resets the connections of queued commands and loses memory; the
// restarted server loads what its persistence kept (src/aof.c, src/rdb.c, serverCron's `save`
// check in src/server.c): the whole log with appendfsync always, the log up to the last
// once-a-second fsync with everysec, up to the last 30 s kernel flush with `no`; without AOF the
// last RDB snapshot taken by the `save` rules; with neither, nothing — the ticket hash is gone.
import type { Engine } from '../../engine/engine.js';
import { ColumnPool } from '../../engine/columns.js';
import type { RngStream, RngStreams } from '../../engine/rng.js';
import type { Ledger } from '../../metrics/ledger.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Scenario } from '../../scenario/types.js';
import { unreachable } from '../../engine/assert.js';
import type { FaultHandler, RedisFault } from '../faults/injector.js';
import { REDIS_FAILED, REDIS_GRANTED, REDIS_REFUSED } from '../app/app.js';
import { type Connectivity, DATA_RTO_US } from '../shared/connectivity.js';
import { TICKET_HASH_KEY, TICKET_SOLD_FIELD, TICKET_TOTAL_FIELD } from '../../scenario/inventory-scripts.js';
import { isTruthyReply } from './lua/replies.js';
import { LuaScript } from './lua/script.js';
import { type Command, Keyspace, RedisError, type RedisReply } from './keyspace.js';
import { makeSampler, type Sampler } from '../shared/service-time.js';
import { Station } from '../shared/station.js';
import type { TraceHook } from '../shared/trace-hook.js';
import type { RedisCounters } from './counters.js';
import { REDIS_NODE } from '../../scenario/topology.js';
import { Port } from '../shared/port.js';
import type { ProcCpu } from '../host/hosts.js';

export interface ScriptClient {
  /** The reply to the command made for the caller's (job, use); see Inventory.newCommand. */
  redisReply(server: number, job: number, use: number, reply: number): void;
}

const KEYS = [TICKET_HASH_KEY] as const;
const ARGV = [TICKET_TOTAL_FIELD, TICKET_SOLD_FIELD] as const;
const CRON_PERIOD_US = 100_000; // serverCron at the default hz 10 checks the save rules
const NO_FSYNC_FLUSH_US = 30_000_000; // appendfsync no: the kernel writes dirty pages within ~30 s

/** A keyspace that keeps the log of its writes, as the AOF does. */
class LoggedKeyspace extends Keyspace {
  readonly log: { at_us: number; argv: readonly string[] }[] = [];
  now_us = 0;

  override exec(cmd: Command, argv: readonly string[]): RedisReply {
    const reply = super.exec(cmd, argv);
    if (cmd.write && !(reply instanceof RedisError)) this.log.push({ at_us: this.now_us, argv: [...argv] });
    return reply;
  }
}

/** The time of the last RDB snapshot before `crash_us`, by redis.conf's `save` rules; -1 if none. */
export function lastSnapshot_us(writeTimes: readonly number[], save: readonly [number, number][], crash_us: number): number {
  if (save.length === 0) return -1;
  let lastSave = 0; // the inventory was loaded (and saved) before the run
  let saved = 0; // writes in the last snapshot
  let upTo = 0; // writes done by time t
  for (let t = CRON_PERIOD_US; t < crash_us; t += CRON_PERIOD_US) {
    while (upTo < writeTimes.length && writeTimes[upTo] <= t) upTo++;
    const changes = upTo - saved;
    if (save.some(([sec, n]) => changes >= n && t - lastSave >= sec * 1e6)) {
      lastSave = t;
      saved = upTo;
    }
  }
  return lastSave;
}

const COMMAND_COLUMNS = {
  server: Int32Array,
  req: Int32Array,
  gen: Int32Array,
  user: Int32Array,
  reply: Int8Array,
  reqId: Float64Array,
};

export class RedisTier implements FaultHandler<RedisFault> {
  private readonly ks = new LoggedKeyspace();
  private readonly script: LuaScript;
  private readonly initialWrites: number;
  alive = true;
  // The command thread: one server, FIFO. A crash moves its generation on, so the service
  // completions of lost commands are ignored.
  private readonly thread: Station;
  private slowFactor = 1;
  private readonly sample: Sampler;
  private readonly linkRngs: RngStream[];
  private readonly linkLatency_us: Float64Array; // per app server: one way back to it
  // commands in flight, struct-of-arrays with a free list; the cmd* fields are the pool's
  // columns, taken again whenever it grows
  private readonly cmds = new ColumnPool(COMMAND_COLUMNS, 1024, {
    onGrow: (c) => {
      ({ server: this.cmdServer, req: this.cmdReq, gen: this.cmdGen } = c);
      ({ user: this.cmdUser, reply: this.cmdReply, reqId: this.cmdReqId } = c);
    },
  });
  private cmdServer = this.cmds.cols.server;
  private cmdReq = this.cmds.cols.req;
  private cmdGen = this.cmds.cols.gen;
  private cmdUser = this.cmds.cols.user;
  private cmdReply = this.cmds.cols.reply;
  private cmdReqId = this.cmds.cols.reqId; // filled only when tracing
  readonly commandKind: number;
  private readonly kDone: number;
  private readonly kReply: number;
  private readonly app = new Port<ScriptClient>('redis -> app');
  trace: TraceHook | null = null;
  // placed on a host: each command first runs `cpuCost_us` on its cores, then its service time
  private cpu: ProcCpu | null = null;
  private cpuCost_us = 0;
  private kCpuDone = -1;

  constructor(
    private readonly engine: Engine,
    private readonly redis: Scenario['redis'],
    private readonly tickets: Scenario['tickets'],
    private readonly metrics: Metrics,
    readonly counters: RedisCounters,
    private readonly ledger: Ledger,
    private readonly net: Connectivity,
    rngs: RngStreams,
  ) {
    this.thread = new Station(1, 1, 1024, counters.load);
    this.ks.command(['HSET', TICKET_HASH_KEY, TICKET_TOTAL_FIELD, String(tickets.inventory), TICKET_SOLD_FIELD, '0']);
    this.ks.log.push({ at_us: 0, argv: ['HSET', TICKET_HASH_KEY, TICKET_TOTAL_FIELD, String(tickets.inventory), TICKET_SOLD_FIELD, '0'] });
    this.initialWrites = this.ks.log.length;
    this.script = new LuaScript(tickets.script.lua, this.ks, { maxInstructions: redis.lua_max_instructions });
    this.sample = makeSampler(redis.service_time, rngs.stream('redis'));
    this.linkRngs = net.topology.redisLinks.map((l) => net.rngFor(l));
    this.linkLatency_us = Float64Array.from(net.topology.redisLinks, (l) => l.latency_us); // an app in another site: over the site link too
    this.commandKind = engine.register('redis.command', (cmd) => this.onArrive(cmd));
    this.kDone = engine.register('redis.done', (cmd, epoch) => this.onDone(cmd, epoch));
    this.kReply = engine.register('redis.reply', (cmd) => this.onReplyAtApp(cmd));
  }

  get keyspace(): Keyspace {
    return this.ks;
  }

  /** The reply path: the app servers that wait for script replies. */
  connect(app: ScriptClient): void {
    this.app.bind(app);
  }

  newCommand(server: number, req: number, gen: number, user: number, reqId: number): number {
    const c = this.cmds.alloc();
    this.cmdServer[c] = server;
    this.cmdReq[c] = req;
    this.cmdGen[c] = gen;
    this.cmdUser[c] = user;
    this.cmdReply[c] = REDIS_FAILED;
    if (this.trace) this.cmdReqId[c] = reqId;
    return c;
  }

  /** TCP gave up on a message: a command never delivered fails at the app; a lost reply is never heard. */
  messageLost(kind: number, c: number): void {
    if (kind === this.commandKind) {
      this.cmdReply[c] = REDIS_FAILED;
      this.onReplyAtApp(c); // the app's socket reports the error
    } else if (kind === this.kReply) {
      if (this.cmdReply[c] === REDIS_GRANTED) this.counters.grantRepliesLost++;
      this.cmds.free(c);
    }
  }

  private onArrive(c: number): void {
    this.counters.commands++;
    if (!this.alive) {
      this.reply(c, REDIS_FAILED); // the connection is refused
      return;
    }
    if (this.thread.arrive(0, c, this.engine.now_us)) this.start(c);
    else if (this.thread.queued(0) > this.counters.maxQueue) this.counters.maxQueue = this.thread.queued(0);
  }

  /** Redis runs on a host: each command costs `cost_us` of its CPU (then its service time, off-CPU). */
  useCpu(cpu: ProcCpu, cost_us: number): void {
    this.cpu = cpu;
    this.cpuCost_us = cost_us;
    this.kCpuDone = this.engine.register('redis.cpu_done', (c, gen) => {
      if (gen === this.thread.generation(0)) this.serve(c, gen);
    });
  }

  /** `c` has the command thread: it runs on the CPU if placed, then for a service time. */
  private start(c: number): void {
    const gen = this.thread.generation(0);
    if (this.cpu !== null) this.cpu.run(this.cpuCost_us * this.slowFactor, this.kCpuDone, c, gen);
    else this.serve(c, gen);
  }

  private serve(c: number, gen: number): void {
    this.engine.schedule(Math.round(this.sample() * this.slowFactor), this.kDone, c, gen);
  }

  private onDone(c: number, gen: number): void {
    if (gen !== this.thread.generation(0)) return; // the command was lost in a crash
    this.ks.now_us = this.engine.now_us;
    const reply = this.script.call(KEYS, ARGV);
    this.engine.note(typeof reply === 'number' ? reply : -1);
    const m = this.metrics;
    const cs = this.counters;
    let result: number;
    if (reply instanceof RedisError) {
      // The app answers "sold out", as the article's handler does on any Redis error; the
      // summary and the terminal show the error itself.
      result = REDIS_FAILED;
      cs.scriptErrors++;
      cs.errorMessages.set(reply.message, (cs.errorMessages.get(reply.message) ?? 0) + 1);
      if (this.script.lastCallStopped) cs.scriptStopped++;
      if (cs.firstError === null) {
        cs.firstError = reply.message;
        cs.firstError_us = this.engine.now_us;
      }
    } else if (isTruthyReply(reply)) {
      result = REDIS_GRANTED;
      cs.scriptOk++;
      this.ledger.grant(this.cmdUser[c]);
      this.engine.note(this.cmdUser[c]);
      m.ticketsGranted++;
      m.sold.add(m.bin(this.engine.now_us), 1);
      if (m.sellOut_us < 0 && m.ticketsGranted >= this.tickets.inventory) m.sellOut_us = this.engine.now_us;
    } else {
      result = REDIS_REFUSED;
      cs.scriptRefused++;
    }
    this.trace?.hopById(this.cmdReqId[c], this.cmdUser[c], 'redis', REDIS_NODE, 'script', result === REDIS_GRANTED ? 1 : result === REDIS_REFUSED ? 2 : 3);
    this.reply(c, result);
    const next = this.thread.finish(0, c, this.engine.now_us);
    cs.busy_us = this.thread.busyTime_us(0);
    if (next >= 0) this.start(next);
  }

  /** Sends a reply back to the app server over its connection. */
  private reply(c: number, result: number): void {
    this.cmdReply[c] = result;
    const s = this.cmdServer[c];
    const net = this.net;
    net.send(net.redisNode, net.appNode[s], this.linkLatency_us[s], net.appRedisLoss[s], DATA_RTO_US, this.linkRngs[s], this.kReply, c, 0);
  }

  private onReplyAtApp(c: number): void {
    const server = this.cmdServer[c];
    const req = this.cmdReq[c];
    const gen = this.cmdGen[c];
    const reply = this.cmdReply[c];
    this.cmds.free(c);
    this.app.to.redisReply(server, req, gen, reply);
  }

  /** The process dies: every queued or running command's connection is reset, memory is lost. */
  kill(): number {
    if (!this.alive) return 0;
    this.alive = false;
    const dropped = this.thread.kill(0, this.engine.now_us); // the running command, then the queued ones
    this.counters.busy_us = this.thread.busyTime_us(0);
    const lost = dropped.length;
    for (let i = 0; i < lost; i++) this.reply(dropped[i], REDIS_FAILED);
    this.counters.lost += lost;
    this.crashedAt_us = this.engine.now_us;
    return lost;
  }

  private crashedAt_us = 0;

  /** Starts again and loads what persistence kept up to the crash; returns what it loaded. */
  recover(): string {
    if (this.alive) return 'already up';
    this.alive = true;
    const r = this.redis;
    const crash = this.crashedAt_us;
    let upTo_us: number; // writes up to this time survive
    let source: string;
    if (r.appendonly) {
      if (r.appendfsync === 'always') upTo_us = crash;
      else if (r.appendfsync === 'everysec') upTo_us = Math.floor(crash / 1e6) * 1e6;
      else upTo_us = Math.floor(crash / NO_FSYNC_FLUSH_US) * NO_FSYNC_FLUSH_US;
      source = `AOF (appendfsync ${r.appendfsync})`;
    } else {
      const writeTimes = this.ks.log.slice(this.initialWrites).map((w) => w.at_us);
      upTo_us = lastSnapshot_us(writeTimes, r.save, crash);
      source = upTo_us < 0 ? 'nothing (no AOF, no RDB)' : `RDB snapshot of ${(upTo_us / 1e6).toFixed(1)} s`;
    }
    // rebuild memory from the log entries that were on disk
    const log = this.ks.log.splice(0);
    this.ks.clear();
    let kept = 0;
    if (upTo_us >= 0) {
      for (let i = 0; i < log.length; i++) {
        if (i >= this.initialWrites && log[i].at_us > upTo_us) break;
        this.ks.command(log[i].argv as string[]);
        this.ks.log.push(log[i]);
        kept++;
      }
    }
    const lostWrites = log.length - kept;
    this.counters.writesLost += lostWrites;
    return `loaded ${source}; ${lostWrites} writes lost`;
  }

  applyFault(f: RedisFault): string {
    switch (f.action) {
      case 'slow':
        this.slowFactor = f.factor;
        return `service time x${f.factor}`;
      case 'recover':
        return this.recover();
      case 'kill':
      case 'restart': // a restart is a kill now and a start when it ends
        return `${this.kill()} commands reset`;
      default:
        return unreachable(f);
    }
  }

  endFault(f: RedisFault): string {
    switch (f.action) {
      case 'slow':
        this.slowFactor = 1;
        return 'service time back to normal';
      case 'kill': // a kill with `for`
      case 'restart':
      case 'recover':
        return this.recover();
      default:
        return unreachable(f);
    }
  }

  /** HGET on the ticket hash, as a number (NaN if missing or not a number). */
  ticketField(field: string): number {
    const v = this.ks.command(['HGET', TICKET_HASH_KEY, field]);
    return typeof v === 'string' ? Number(v) : NaN;
  }
}
