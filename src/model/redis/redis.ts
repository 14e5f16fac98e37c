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
import type { Scenario, Sites } from '../../scenario/types.js';
import { unreachable } from '../../engine/assert.js';
import type { FaultHandler, RedisFault } from '../faults/injector.js';
import type { FaultOf } from '../../scenario/types.js';
import { REDIS_FAILED, REDIS_GRANTED, REDIS_REFUSED } from '../app/app.js';
import { type Connectivity, DATA_RTO_US } from '../shared/connectivity.js';
import { TICKET_HASH_KEY, TICKET_SOLD_FIELD, TICKET_TOTAL_FIELD } from '../../scenario/inventory-scripts.js';
import { isTruthyReply } from './lua/replies.js';
import { LuaScript } from './lua/script.js';
import { type Keyspace, RedisError } from './keyspace.js';
import { LoggedKeyspace, type LoggedWrite } from './logged-keyspace.js';
import { Background, Replication } from './replication.js';
import { Sentinels, type SentinelClient } from './sentinel.js';
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
  /** Server `s`'s client moved to another master: pooled connections are closed; one-way `toRedis_us` to it. */
  masterChanged?(s: number, toRedis_us: number): void;
}

const KEYS = [TICKET_HASH_KEY] as const;
const ARGV = [TICKET_TOTAL_FIELD, TICKET_SOLD_FIELD] as const;
const CRON_PERIOD_US = 100_000; // serverCron at the default hz 10 checks the save rules
const NO_FSYNC_FLUSH_US = 30_000_000; // appendfsync no: the kernel writes dirty pages within ~30 s


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
  inst: Int8Array, // the instance the app sent it to
  target: Float64Array, // WAIT: the master's offset after this sale's write
  waitSeq: Int32Array, // WAIT: tells this wait from a later one in the same slot (0: not waiting)
  write: Int32Array, // with replicas: its write's index in RedisTier.writes (-1: it wrote nothing)
};

export class RedisTier implements FaultHandler<RedisFault>, SentinelClient {
  private readonly ks = new LoggedKeyspace();
  private readonly script: LuaScript;
  // with replicas: every instance (0 is this one), the stream between them, and Sentinel
  readonly repl: Replication | null = null;
  readonly sentinels: Sentinels | null = null;
  private readonly scripts: LuaScript[];
  // the newest master the clients were told of (the failover clock's bookkeeping; each app server
  // dials its own view, below)
  private clientMaster = 0;
  // The Sentinel-aware client of each app server (go-redis FailoverClient, redis-py Sentinel):
  // the master it dials, the Sentinel it asked last and listens to for +switch-master, whether its
  // last ask found no Sentinel, and the Sentinels it asks in order (its own site's first)
  private readonly view: Int32Array;
  private readonly sub: Int32Array;
  private readonly noSentinel: Uint8Array;
  private readonly askOrder: Int32Array[] = [];
  private readonly kForward: number;
  private readonly kRelay: number;
  private readonly initialWrites: number;
  private up = true; // this process (instance 0)
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
      ({ user: this.cmdUser, reply: this.cmdReply, reqId: this.cmdReqId, inst: this.cmdInst } = c);
      ({ target: this.cmdTarget, waitSeq: this.cmdWaitSeq, write: this.cmdWrite } = c);
    },
  });
  private cmdServer = this.cmds.cols.server;
  private cmdReq = this.cmds.cols.req;
  private cmdGen = this.cmds.cols.gen;
  private cmdUser = this.cmds.cols.user;
  private cmdReply = this.cmds.cols.reply;
  private cmdReqId = this.cmds.cols.reqId; // filled only when tracing
  private cmdInst = this.cmds.cols.inst;
  private cmdTarget = this.cmds.cols.target;
  private cmdWaitSeq = this.cmds.cols.waitSeq;
  private cmdWrite = this.cmds.cols.write;
  // with replicas: every write a client's script made, in order (who took it, whether its sale was confirmed)
  private readonly writes: LoggedWrite[] = [];
  private waitSeq = 0;
  private readonly waiters: number[][] = []; // per master: commands in WAIT, oldest first
  private readonly kWaitTimeout: number;
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
    sites?: Sites,
  ) {
    const replicas = redis.replication?.replicas ?? [];
    const shares = sites?.inventory_split;
    this.thread = new Station(shares ? shares.length : 1 + replicas.length, 1, 1024, counters.load);
    const hset = ['HSET', TICKET_HASH_KEY, TICKET_TOTAL_FIELD, String(shares ? shares[0] : tickets.inventory), TICKET_SOLD_FIELD, '0'];
    this.ks.command(hset);
    this.ks.log.push({ at_us: 0, argv: hset });
    this.initialWrites = this.ks.log.length;
    this.script = new LuaScript(tickets.script.lua, this.ks, { maxInstructions: redis.lua_max_instructions });
    this.sample = makeSampler(redis.service_time, rngs.stream('redis'));
    this.linkRngs = net.topology.redisLinks.map((l) => net.rngFor(l));
    this.linkLatency_us = Float64Array.from(net.topology.redisLinks, (l) => l.latency_us); // an app in another site: over the site link too
    const apps = net.topology.apps.length;
    this.view = new Int32Array(apps);
    this.sub = new Int32Array(apps).fill(-1);
    this.noSentinel = new Uint8Array(apps);
    this.commandKind = engine.register('redis.command', (cmd) => this.onArrive(cmd));
    this.kDone = engine.register('redis.done', (cmd, epoch) => this.onDone(cmd, epoch));
    this.kReply = engine.register('redis.reply', (cmd) => this.onReplyAtApp(cmd));
    this.kForward = engine.register('redis.forward', (cmd) => this.onArriveAt(cmd));
    this.kRelay = engine.register('redis.relay', (cmd) => this.sendReply(cmd));
    this.kWaitTimeout = engine.register('redis.wait_timeout', (cmd, seq) => this.onWaitTimeout(cmd, seq));
    this.scripts = [this.script];
    const rc = redis.replication;
    if (rc) {
      const all = [this.ks, ...replicas.map(() => new LoggedKeyspace())];
      for (let i = 1; i < all.length; i++) {
        all[i].copyFrom(this.ks);
        this.scripts.push(new LuaScript(tickets.script.lua, all[i], { maxInstructions: redis.lua_max_instructions }));
      }
      const bg = new Background(engine);
      const names = [REDIS_NODE, ...replicas.map((r) => r.name)];
      this.repl = new Replication(engine, rc, names, redis.latency_us, all, rngs.stream('redis:replication'), bg, metrics.bin_us);
      this.repl.onAcked = (m) => this.resolveWaits(m);
      for (let i = 0; i < names.length; i++) this.waiters.push([]);
      this.placeInSites(this.repl);
      if (rc.sentinel) {
        this.sentinels = new Sentinels(engine, rc.sentinel, this.repl, this, rngs.stream('sentinel'), bg, this.sentinelHosts(rc.sentinel.sites));
        this.orderSentinels(this.sentinels);
      }
    }
    if (shares) this.split = this.splitPerSite(shares);
  }

  // tickets.split per_site: a Redis per site (instance = site index), its keyspace and whether it is up
  readonly split: { ks: LoggedKeyspace[]; up: Uint8Array; shares: readonly number[]; appSite: Int32Array } | null = null;

  private splitPerSite(shares: readonly number[]): NonNullable<RedisTier['split']> {
    const ks = [this.ks];
    for (let i = 1; i < shares.length; i++) {
      const k = new LoggedKeyspace();
      const hset = ['HSET', TICKET_HASH_KEY, TICKET_TOTAL_FIELD, String(shares[i]), TICKET_SOLD_FIELD, '0'];
      k.command(hset);
      k.log.push({ at_us: 0, argv: hset });
      ks.push(k);
      this.scripts.push(new LuaScript(this.tickets.script.lua, k, { maxInstructions: this.redis.lua_max_instructions }));
    }
    const t = this.net.topology;
    const appSite = Int32Array.from(t.apps, (a) => t.siteOf(a));
    return { ks, up: new Uint8Array(shares.length).fill(1), shares, appSite };
  }

  /** Per site with its own Redis: the tickets that Redis sold (null without tickets.split). */
  siteSold(): number[] | null {
    const sp = this.split;
    if (sp === null) return null;
    return sp.ks.map((k) => Number(k.command(['HGET', TICKET_HASH_KEY, TICKET_SOLD_FIELD])));
  }

  /** Replicas with `site:`: their paths follow the site links, which also resume their streams when they heal. */
  private placeInSites(r: Replication): void {
    const t = this.net.topology;
    if (!t.siteOfReplica.some((x) => x >= 0)) return;
    const net = this.net;
    r.placeInSites([t.siteOf(t.redis), ...t.siteOfReplica], (a, b) => net.siteReachable(a, b), (a, b) => net.siteLatency_us(a, b));
    net.onSiteLink = (up) => this.pathChanged(up);
  }

  /** One more hop each way from the node `redis` to instance i: its replication link, unless it sits in a site. */
  private hop_us(i: number): number {
    const r = this.repl;
    return i > 0 && r !== null && r.site[i] < 0 ? r.linkLatency_us[i] : 0;
  }

  /** Tickets the scripts granted, over every master. */
  get granted(): number {
    return this.metrics.ticketsGranted;
  }

  get keyspace(): Keyspace {
    return this.masterKeyspace;
  }

  private get masterKeyspace(): LoggedKeyspace {
    return this.repl ? this.repl.ks[this.sentinels?.master ?? this.clientMaster] : this.ks;
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
    this.cmdWrite[c] = -1;
    this.cmdInst[c] = this.split ? this.split.appSite[server] : this.view[server];
    if (this.trace) this.cmdReqId[c] = reqId;
    return c;
  }

  /** Can server `s` dial the master it resolved (a replica is across its replication link)? */
  dialable(s: number): boolean {
    const r = this.repl;
    if (r === null) return this.up;
    return this.noSentinel[s] === 0 && this.instanceUp(this.view[s]);
  }

  nodeFor(s: number): number {
    return this.split ? this.net.redisNode : this.net.instanceNode[this.view[s]];
  }

  /**
   * Server `s` dials: its client asks the Sentinel it used last if it can reach it, else the
   * first it can in its list (go-redis sentinelFailover.MasterAddr), and dials the master that one
   * names; reaching none, the dial fails ("all sentinels ... are unreachable"). The ask itself
   * takes no time here (as messages between Sentinels).
   */
  resolve(s: number): void {
    const sn = this.sentinels;
    if (sn === null) return;
    let j = this.sub[s];
    if (j < 0 || !this.canAsk(s, j)) {
      j = -1;
      for (const k of this.askOrder[s]) {
        if (this.canAsk(s, k)) {
          j = k;
          break;
        }
      }
    }
    this.noSentinel[s] = j < 0 ? 1 : 0;
    if (j < 0) return;
    this.sub[s] = j;
    const to = sn.answer(j);
    if (to !== this.view[s]) this.setView(s, to);
  }

  /** Can app server `s` reach Sentinel `j` (up, and the site link between them up)? */
  private canAsk(s: number, j: number): boolean {
    const sn = this.sentinels;
    const r = this.repl;
    if (sn === null || r === null || !sn.up(j)) return false;
    const site = r.site[sn.hostOf(j)];
    const mine = this.net.topology.siteOf(this.net.topology.apps[s]);
    return site < 0 || mine < 0 || this.net.siteReachable(mine, site);
  }

  /** Server `s`'s client now dials instance `to`: in a site, there (over the site link from another). */
  private setView(s: number, to: number): void {
    this.view[s] = to;
    const r = this.repl;
    const t = this.net.topology;
    const site = r === null ? -1 : r.site[to];
    const app = t.apps[s];
    this.linkLatency_us[s] = to > 0 && site >= 0 ? this.redis.latency_us + t.siteLatency_us(t.siteOf(app), site) : t.redisLinks[s].latency_us;
    this.app.to.masterChanged?.(s, this.linkLatency_us[s]);
  }

  /** +switch-master from Sentinel `i`: the app servers listening to it, and able to hear it, move to `to`. */
  announced(i: number, to: number): void {
    for (let s = 0; s < this.view.length; s++) if (this.sub[s] === i && this.view[s] !== to && this.canAsk(s, i)) this.setView(s, to);
  }

  /** `sentinel.sites`: each Sentinel sits with the first instance of its site (undefined: with the replicas). */
  private sentinelHosts(sites: readonly string[] | undefined): Int32Array | undefined {
    const r = this.repl;
    if (sites === undefined || r === null) return undefined;
    const names = this.net.topology.sites.map((x) => x.name);
    return Int32Array.from(sites, (name) => r.site.indexOf(names.indexOf(name)));
  }

  /** Each app server's Sentinel list: those of its own site first, then the others, each in order. */
  private orderSentinels(sn: Sentinels): void {
    const r = this.repl;
    const t = this.net.topology;
    if (r === null) return;
    t.apps.forEach((a, s) => {
      const all = Array.from({ length: sn.count }, (_, j) => j);
      const local = (j: number) => r.site[sn.hostOf(j)] === t.siteOf(a);
      this.askOrder.push(Int32Array.from([...all.filter(local), ...all.filter((j) => !local(j))]));
      this.sub[s] = this.askOrder[s][0]; // it resolved the master at start, with every Sentinel up
    });
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
    const i = this.cmdInst[c];
    // a replica is across its replication link: one more hop each way
    if (this.hop_us(i) > 0) this.engine.schedule(this.hop_us(i), this.kForward, c);
    else this.onArriveAt(c);
  }

  /** A replica in a site is dialed in its site (the node `redis` moves there); others across their link. */
  private instanceUp(i: number): boolean {
    if (this.split) return this.split.up[i] === 1;
    const r = this.repl;
    if (r === null) return this.up;
    return r.alive[i] === 1 && (i > 0 && r.site[i] >= 0 ? true : r.pathUp(0, i));
  }

  private onArriveAt(c: number): void {
    const i = this.cmdInst[c];
    if (!this.instanceUp(i)) {
      this.reply(c, REDIS_FAILED); // the connection is refused
      return;
    }
    if (this.thread.arrive(i, c, this.engine.now_us)) this.start(c);
    else if (this.thread.queued(i) > this.counters.maxQueue) this.counters.maxQueue = this.thread.queued(i);
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
    const i = this.cmdInst[c];
    const gen = this.thread.generation(i);
    if (this.cpu !== null) this.cpu.run(this.cpuCost_us * this.slowFactor, this.kCpuDone, c, gen);
    else this.serve(c, gen);
  }

  private serve(c: number, gen: number): void {
    this.engine.schedule(Math.round(this.sample() * this.slowFactor), this.kDone, c, gen);
  }

  private onDone(c: number, gen: number): void {
    const inst = this.cmdInst[c];
    if (gen !== this.thread.generation(inst)) return; // the command was lost in a crash
    const ks = this.repl ? this.repl.ks[inst] : this.split ? this.split.ks[inst] : this.ks;
    if (this.repl !== null && this.repl.masterOf[inst] >= 0) {
      this.readOnly(c, inst);
      return;
    }
    ks.now_us = this.engine.now_us;
    const logged = ks.log.length;
    const reply = this.scripts[inst].call(KEYS, ARGV);
    if (ks.log.length > logged && this.repl) this.noteWrite(c, ks, inst);
    this.engine.note(typeof reply === 'number' ? reply : -1);
    const cs = this.counters;
    let result: number;
    if (reply instanceof RedisError) {
      // The app answers "sold out", as the article's handler does on any Redis error; the
      // summary and the terminal show the error itself.
      result = REDIS_FAILED;
      cs.scriptErrors++;
      cs.errorMessages.set(reply.message, (cs.errorMessages.get(reply.message) ?? 0) + 1);
      if (this.scripts[inst].lastCallStopped) cs.scriptStopped++;
      if (cs.firstError === null) {
        cs.firstError = reply.message;
        cs.firstError_us = this.engine.now_us;
      }
    } else if (isTruthyReply(reply)) {
      result = REDIS_GRANTED;
      cs.scriptOk++;
    } else {
      result = REDIS_REFUSED;
      cs.scriptRefused++;
    }
    this.trace?.hopById(this.cmdReqId[c], this.cmdUser[c], 'redis', REDIS_NODE, 'script', result === REDIS_GRANTED ? 1 : result === REDIS_REFUSED ? 2 : 3);
    const wait = this.redis.replication?.wait;
    if (result === REDIS_GRANTED && wait) this.startWait(c, inst, wait.timeout_us);
    else {
      if (result === REDIS_GRANTED) this.grant(c);
      this.reply(c, result);
    }
    const next = this.thread.finish(inst, c, this.engine.now_us);
    cs.busy_us = this.thread.busyTime_us(inst);
    if (next >= 0) this.start(next);
  }

  /**
   * The script reached a replica (a demoted master, or one a client still takes for the master):
   * its write fails with -READONLY (scriptVerifyWriteCommandAllow, src/script.c), an error
   * go-redis takes for a bad connection (isBadConn), so the client dials and asks Sentinel again.
   */
  private readOnly(c: number, inst: number): void {
    this.counters.readOnly++;
    this.reply(c, REDIS_FAILED);
    const next = this.thread.finish(inst, c, this.engine.now_us);
    this.counters.busy_us = this.thread.busyTime_us(inst);
    if (next >= 0) this.start(next);
  }

  /** A script wrote on master `inst`: the write goes down the stream, and is remembered for the report. */
  private noteWrite(c: number, ks: LoggedKeyspace, inst: number): void {
    const w = ks.log[ks.log.length - 1];
    w.by = inst;
    this.cmdWrite[c] = this.writes.length;
    this.writes.push(w);
    this.repl?.wrote(inst);
  }

  /**
   * The writes the final master does not have that a master in the minority took (one still
   * running when its replica was promoted without it), how many of them were confirmed sales,
   * and when it took the last one.
   */
  minorityWrites(final: number): { writes: number; sold: number; last_us: number } {
    const r = this.repl;
    const out = { writes: 0, sold: 0, last_us: -1 };
    if (r === null) return out;
    const kept = new Set(r.ks[final].log);
    for (const w of this.writes) {
      if (kept.has(w) || w.by === undefined || !r.cutOffMaster[w.by]) continue;
      out.writes++;
      if (w.sold) out.sold++;
      out.last_us = Math.max(out.last_us, w.at_us);
    }
    return out;
  }

  /** The sale counts: the user is told, and holds the ticket. */
  private grant(c: number): void {
    if (this.cmdWrite[c] >= 0) this.writes[this.cmdWrite[c]].sold = true;
    const m = this.metrics;
    this.ledger.grant(this.cmdUser[c]);
    this.engine.note(this.cmdUser[c]);
    m.ticketsGranted++;
    m.sold.add(m.bin(this.engine.now_us), 1);
    if (m.sellOut_us < 0 && m.ticketsGranted >= this.tickets.inventory) m.sellOut_us = this.engine.now_us;
  }

  /**
   * The app's WAIT numreplicas timeout after the sale's EVAL (waitCommand, src/replication.c): the
   * client blocks until that many replicas acked the master's offset, which the master asks for
   * at once with REPLCONF GETACK; a shortfall at the timeout is the app's error path.
   */
  private startWait(c: number, inst: number, timeout_us: number): void {
    const r = this.repl;
    if (r === null) return;
    this.cmdTarget[c] = r.offset(inst);
    this.cmdWaitSeq[c] = ++this.waitSeq;
    this.waiters[inst].push(c);
    if (timeout_us > 0) this.engine.schedule(timeout_us, this.kWaitTimeout, c, this.waitSeq);
  }

  /** Replies to the waits of master `m` that enough replicas acked, oldest first. */
  private resolveWaits(m: number): void {
    const r = this.repl;
    const wait = this.redis.replication?.wait;
    if (r === null || !wait) return;
    const q = this.waiters[m];
    let k = 0;
    for (; k < q.length; k++) {
      const c = q[k];
      if (this.cmdWaitSeq[c] === 0) continue; // timed out already
      let acked = 0;
      for (let x = 0; x < r.n; x++) if (r.masterOf[x] === m && r.ackOff[x] >= this.cmdTarget[c]) acked++;
      if (acked < wait.numreplicas) break; // later waits want larger offsets
      this.cmdWaitSeq[c] = 0;
      this.grant(c);
      this.reply(c, REDIS_GRANTED);
    }
    if (k > 0) q.splice(0, k);
  }

  private onWaitTimeout(c: number, seq: number): void {
    if (this.cmdWaitSeq[c] !== seq) return;
    this.cmdWaitSeq[c] = 0;
    this.counters.waitShort++;
    this.reply(c, REDIS_FAILED);
  }

  /** A master died: its clients blocked in WAIT see their connections reset. */
  private dropWaits(m: number): void {
    const q = this.waiters[m] ?? [];
    for (const c of q) {
      if (this.cmdWaitSeq[c] === 0) continue;
      this.cmdWaitSeq[c] = 0;
      this.counters.waitShort++;
      this.reply(c, REDIS_FAILED);
    }
    q.length = 0;
  }

  /** Sends a reply back to the app server over its connection. */
  private reply(c: number, result: number): void {
    this.cmdReply[c] = result;
    const i = this.cmdInst[c];
    if (this.hop_us(i) > 0) this.engine.schedule(this.hop_us(i), this.kRelay, c);
    else this.sendReply(c);
  }

  private sendReply(c: number): void {
    const s = this.cmdServer[c];
    const net = this.net;
    const from = this.split ? net.redisNode : net.instanceNode[this.cmdInst[c]];
    net.send(from, net.appNode[s], this.linkLatency_us[s], net.appRedisLoss[s], DATA_RTO_US, this.linkRngs[s], this.kReply, c, 0);
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
    if (!this.up) return 0;
    this.up = false;
    this.repl?.kill(0);
    this.lostMaster(0);
    this.dropWaits(0);
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
    if (this.up) return 'already up';
    this.up = true;
    if (this.repl && this.repl.masterOf[0] >= 0) {
      // a former master comes back empty-handed as far as the new one cares: it resyncs
      this.repl.recover(0);
      return 'restarted as a replica: full resync from the new master';
    }
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
    if (this.repl) {
      this.repl.alive[0] = 1;
      this.resyncReplicas();
    }
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

  /** The master the clients use went down or was cut off: the failover clock starts. */
  private lostMaster(i: number): void {
    const r = this.repl;
    if (r && i === this.clientMaster && r.masterLost_us < 0) r.masterLost_us = this.engine.now_us;
  }

  /** The first master restarted before any failover: its replicas follow it again (a full resync). */
  private resyncReplicas(): void {
    const r = this.repl;
    if (r === null) return;
    for (let i = 1; i < r.n; i++) if (r.masterOf[i] === 0) r.follow(i, 0);
    if (this.clientMaster === 0) r.masterLost_us = -1;
  }

  /** SLAVEOF NO ONE reached replica `p` (Sentinel's leader sent it). */
  promoted(p: number): void {
    const r = this.repl;
    if (r === null) return;
    const from = r.masterOf[p];
    const lost = r.promote(p);
    this.pendingFailover = { from, to: p, lostWrites: lost };
  }

  private pendingFailover: { from: number; to: number; lostWrites: number } | null = null;

  /**
   * The leader saw `to` promoted: the failover's record. The app servers move on their own
   * (announced, resolve); clientMaster, the failover clock's idea of where clients are, follows
   * now, or when the path to `to` heals.
   */
  switched(from: number, to: number): void {
    const r = this.repl;
    const sn = this.sentinels;
    if (r === null || sn === null) return;
    if (r.pathUp(0, to)) this.moveClients(to);
    else this.deferredMaster = to;
    const pf = this.pendingFailover;
    const now = this.engine.now_us;
    r.failovers.push({
      lost_us: r.masterLost_us,
      switched_us: now,
      from,
      to,
      lostWrites: pf?.to === to ? pf.lostWrites : 0,
      steps: { sdown_us: sn.steps.sdown_us, odown_us: sn.steps.odown_us, elected_us: sn.steps.elected_us, promoted_us: sn.steps.promoted_us },
    });
    sn.resetSteps();
    this.pendingFailover = null;
    r.masterLost_us = r.alive[to] && r.pathUp(0, to) ? -1 : now;
  }

  private deferredMaster = -1;

  private moveClients(to: number): void {
    this.clientMaster = to;
    this.deferredMaster = -1;
  }

  /** A replica process dies or restarts (`kill`/`recover` on a replica's name). */
  readonly replicaFaults: FaultHandler<FaultOf<'kill' | 'recover'>> = {
    applyFault: (f, index) => (f.action === 'kill' ? this.killInstance(index + 1) : this.recoverInstance(index + 1)),
    endFault: (f, index) => (f.action === 'kill' ? this.recoverInstance(index + 1) : null),
  };

  private killInstance(i: number): string {
    const r = this.repl;
    if (r === null || !r.alive[i]) return 'already down';
    r.kill(i);
    this.lostMaster(i);
    this.dropWaits(i);
    const dropped = this.thread.kill(i, this.engine.now_us);
    for (let k = 0; k < dropped.length; k++) this.reply(dropped[k], REDIS_FAILED);
    return r.masterOf[i] < 0 ? `master down, ${dropped.length} commands reset` : 'replica down: its memory is lost';
  }

  private recoverInstance(i: number): string {
    const r = this.repl;
    if (r === null || r.alive[i]) return 'already up';
    r.recover(i);
    return r.masterOf[i] < 0 ? 'restarted, empty, as a master' : 'restarted: full resync from its master';
  }

  /** The replication link of a replica goes down or up (`down`/`up` on redis-<replica>). */
  readonly linkFaults: FaultHandler<FaultOf<'down' | 'up'>> = {
    applyFault: (f, index) => this.setLink(index + 1, f.action === 'up'),
    endFault: (f, index) => (f.action === 'down' ? this.setLink(index + 1, true) : null),
  };

  private setLink(i: number, up: boolean): string {
    const r = this.repl;
    if (r === null) return 'no replication';
    r.setLink(i, up);
    this.afterPathChange(up, this.clientMaster === 0 || this.clientMaster === i);
    return up ? 'replication link up: the stream resumes' : 'replication link down';
  }

  /** A site link went down or came up: the replicas' paths across it with it. */
  private pathChanged(up: boolean): void {
    const r = this.repl;
    if (r === null) return;
    if (up) r.resumeStreams();
    const m = this.clientMaster;
    let cut = false;
    for (let x = 0; x < r.n; x++) if (x !== m && r.alive[x] && !r.pathUp(m, x)) cut = true;
    this.afterPathChange(up, cut);
  }

  private afterPathChange(up: boolean, masterCut: boolean): void {
    const r = this.repl;
    if (r === null) return;
    if (up && this.deferredMaster >= 0 && r.pathUp(0, this.deferredMaster)) this.moveClients(this.deferredMaster);
    // the link parts the master from the replicas and Sentinels: the failover clock starts
    if (!up && masterCut && r.masterLost_us < 0) r.masterLost_us = this.engine.now_us;
    else if (up && r.alive[this.clientMaster] && r.pathUp(0, this.clientMaster)) r.masterLost_us = -1;
  }

  /** Site s goes dark or comes back: its replicas die or restart, and its Sentinels with them. */
  siteFault(s: number, dark: boolean): string[] {
    if (this.split) return [this.siteRedis(s, dark)];
    const r = this.repl;
    if (r === null) return [];
    const out: string[] = [];
    if (r.site[0] === s) r.dark[0] = dark ? 1 : 0; // the master is killed with the site's processes; its Sentinels go dark
    for (let i = 1; i < r.n; i++) {
      if (r.site[i] !== s) continue;
      r.dark[i] = dark ? 1 : 0;
      out.push(`${r.names[i]} ${dark ? this.killInstance(i) : this.recoverInstance(i)}`);
    }
    return out;
  }

  /** Site s's own Redis dies with it (its unsold share stranded) or comes back with the data it had. */
  private siteRedis(s: number, dark: boolean): string {
    const sp = this.split;
    if (sp === null) return '';
    if (dark === (sp.up[s] === 0)) return `${REDIS_NODE} already ${dark ? 'down' : 'up'}`;
    sp.up[s] = dark ? 0 : 1;
    if (!dark) return `${REDIS_NODE} back with its share (${sp.shares[s]} tickets)`;
    const dropped = this.thread.kill(s, this.engine.now_us);
    for (let k = 0; k < dropped.length; k++) this.reply(dropped[k], REDIS_FAILED);
    this.counters.lost += dropped.length;
    return `${REDIS_NODE} down with its share: ${dropped.length} commands reset`;
  }

  /** HGET on the ticket hash of the master the clients use, as a number (NaN if missing or not a number). */
  ticketField(field: string): number {
    // a Redis per site: the hashes add up
    if (this.split) return this.split.ks.reduce((a, k) => a + Number(k.command(['HGET', TICKET_HASH_KEY, field])), 0);
    const v = this.masterKeyspace.command(['HGET', TICKET_HASH_KEY, field]);
    return typeof v === 'string' ? Number(v) : NaN;
  }
}
