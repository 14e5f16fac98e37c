// The Redis tier: one command thread, FIFO, a service time per command. EVAL runs the inventory
// script atomically (it is one command), so concurrency cannot interleave two deductions; the
// script itself is real Lua run by fengari against the simulated keyspace (lua-script.ts).
// Killing Redis resets the connections of queued commands (the apps see errors); the keyspace
// survives a kill/recover here, as with persistence on.
import type { Engine } from '../engine/engine.js';
import { IntRing } from '../engine/ring.js';
import type { RngStream } from '../engine/rng.js';
import type { Ledger } from '../metrics/ledger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Fault, Scenario } from '../scenario/types.js';
import type { FaultTarget } from './faults.js';
import { TICKET_HASH_KEY, TICKET_SOLD_FIELD, TICKET_TOTAL_FIELD } from './inventory-scripts.js';
import { LuaScript, isTruthyReply } from './lua-script.js';
import { Keyspace, RedisError } from './redis-keyspace.js';
import { makeSampler, type Sampler } from './service-time.js';

export interface ScriptClient {
  redisReply(server: number, req: number, gen: number, reply: number): void;
}

const KEYS = [TICKET_HASH_KEY] as const;
const ARGV = [TICKET_TOTAL_FIELD, TICKET_SOLD_FIELD] as const;

export class RedisTier implements FaultTarget {
  readonly keyspace = new Keyspace();
  private readonly script: LuaScript;
  alive = true;
  private epoch = 0; // bumped on kill, so service completions of lost commands are ignored
  private busy = false;
  private busySince_us = 0;
  private current = -1; // the command being served
  private readonly queue = new IntRing(1024);
  private readonly sample: Sampler;
  // commands in flight, struct-of-arrays with a free list
  private cmdServer = new Int32Array(1024);
  private cmdReq = new Int32Array(1024);
  private cmdGen = new Int32Array(1024);
  private cmdUser = new Int32Array(1024);
  private cmdReply = new Int8Array(1024);
  private free: number[] = [];
  private used = 0;
  private readonly kArrive: number;
  private readonly kDone: number;
  private readonly kReply: number;
  private app: ScriptClient | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly scenario: Scenario,
    private readonly metrics: Metrics,
    private readonly ledger: Ledger,
    rng: RngStream,
  ) {
    this.keyspace.command(['HSET', TICKET_HASH_KEY, TICKET_TOTAL_FIELD, String(scenario.tickets.inventory), TICKET_SOLD_FIELD, '0']);
    this.script = new LuaScript(scenario.tickets.script.lua, this.keyspace);
    this.sample = makeSampler(scenario.redis.service_time, rng);
    this.kArrive = engine.register('redis.command', (cmd) => this.onArrive(cmd));
    this.kDone = engine.register('redis.done', (cmd, epoch) => this.onDone(cmd, epoch));
    this.kReply = engine.register('redis.reply', (cmd) => this.onReplyAtApp(cmd));
  }

  connect(app: ScriptClient): void {
    this.app = app;
  }

  submit(server: number, req: number, gen: number, user: number, delay_us: number): void {
    const c = this.allocCommand();
    this.cmdServer[c] = server;
    this.cmdReq[c] = req;
    this.cmdGen[c] = gen;
    this.cmdUser[c] = user;
    this.cmdReply[c] = -1;
    this.engine.schedule(delay_us, this.kArrive, c);
  }

  private onArrive(c: number): void {
    this.metrics.redisCommands++;
    if (!this.alive) {
      this.replyError(c); // connection refused
      return;
    }
    if (this.busy) {
      this.queue.push(c);
      if (this.queue.length > this.metrics.redisMaxQueue) this.metrics.redisMaxQueue = this.queue.length;
    } else this.start(c);
  }

  private start(c: number): void {
    this.busy = true;
    this.current = c;
    this.busySince_us = this.engine.now_us;
    this.engine.schedule(this.sample(), this.kDone, c, this.epoch);
  }

  private onDone(c: number, epoch: number): void {
    if (epoch !== this.epoch) return;
    const reply = this.script.call(KEYS, ARGV);
    const m = this.metrics;
    if (reply instanceof RedisError) {
      this.cmdReply[c] = -1;
      m.redisScriptErrors++;
      m.redisErrorMessages.set(reply.message, (m.redisErrorMessages.get(reply.message) ?? 0) + 1);
    } else if (isTruthyReply(reply)) {
      this.cmdReply[c] = 1;
      m.redisScriptOk++;
      this.ledger.grant(this.cmdUser[c]);
      m.ticketsGranted++;
      m.sold.add(m.bin(this.engine.now_us), 1);
      if (m.sellOut_us < 0 && m.ticketsGranted >= this.scenario.tickets.inventory) m.sellOut_us = this.engine.now_us;
    } else {
      this.cmdReply[c] = 0;
      m.redisScriptRefused++;
    }
    this.engine.schedule(this.scenario.redis.latency_us, this.kReply, c);
    m.redisBusy_us += this.engine.now_us - this.busySince_us;
    this.busy = false;
    this.current = -1;
    const next = this.queue.shift();
    if (next >= 0) this.start(next);
  }

  private replyError(c: number): void {
    this.cmdReply[c] = -1;
    this.engine.schedule(this.scenario.redis.latency_us, this.kReply, c);
  }

  private onReplyAtApp(c: number): void {
    const server = this.cmdServer[c];
    const req = this.cmdReq[c];
    const gen = this.cmdGen[c];
    const reply = this.cmdReply[c];
    this.free.push(c);
    (this.app as ScriptClient).redisReply(server, req, gen, reply);
  }

  /** Kills the server: every queued or running command's connection is reset. */
  kill(): number {
    if (!this.alive) return 0;
    this.alive = false;
    this.epoch++;
    let lost = 0;
    if (this.busy) {
      this.metrics.redisBusy_us += this.engine.now_us - this.busySince_us;
      this.busy = false;
      this.replyError(this.current);
      lost++;
    }
    for (let c = this.queue.shift(); c >= 0; c = this.queue.shift()) {
      this.replyError(c);
      lost++;
    }
    this.metrics.redisLost += lost;
    return lost;
  }

  recover(): void {
    this.alive = true;
  }

  applyFault(f: Fault): string {
    if (f.action === 'kill') return `${this.kill()} commands reset`;
    this.recover();
    return 'back, keyspace kept';
  }

  /** HGET on the ticket hash, as a number (NaN if missing or not a number). */
  ticketField(field: string): number {
    const v = this.keyspace.command(['HGET', TICKET_HASH_KEY, field]);
    return typeof v === 'string' ? Number(v) : NaN;
  }

  private allocCommand(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    if (this.used === this.cmdServer.length) {
      const n = this.used * 2;
      const g = <T extends Int32Array | Int8Array>(a: T, make: (n: number) => T): T => {
        const b = make(n);
        b.set(a);
        return b;
      };
      this.cmdServer = g(this.cmdServer, (k) => new Int32Array(k));
      this.cmdReq = g(this.cmdReq, (k) => new Int32Array(k));
      this.cmdGen = g(this.cmdGen, (k) => new Int32Array(k));
      this.cmdUser = g(this.cmdUser, (k) => new Int32Array(k));
      this.cmdReply = g(this.cmdReply, (k) => new Int8Array(k));
    }
    return this.used++;
  }
}
