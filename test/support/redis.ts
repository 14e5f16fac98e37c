// Real redis-server and the simulated Redis, behind one interface for the differential tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScriptError } from '../../src/model/redis/lua/errors.js';
import { Lrand48 } from '../../src/model/redis/lua/lrand48.js';
import { LuaScript } from '../../src/model/redis/lua/script.js';
import type { RedisVersion } from '../../src/model/redis/lua/version.js';
import { Keyspace, RedisError, RedisStatus, type RedisReply } from '../../src/model/redis/keyspace.js';
import { freePort, Proc, requireBinary, waitForPort } from '../../tools/real-stack/procs.js';
import { RespClient } from '../../tools/real-stack/resp.js';

export interface RedisLike {
  command(argv: readonly string[]): Promise<RedisReply>;
}

/** redis-server on 127.0.0.1, no persistence, in a temp directory; stopped by its PID. */
export class RealRedis implements RedisLike {
  private constructor(
    private readonly proc: Proc,
    private readonly client: RespClient,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<RealRedis> {
    const bin = requireBinary('redis-server', 'redis-server');
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'ticketsim-redis-'));
    const proc = new Proc(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], dir);
    try {
      await waitForPort(port, 5000, proc);
      return new RealRedis(proc, await RespClient.connect(port), dir, port);
    } catch (e) {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  command(argv: readonly string[]): Promise<RedisReply> {
    return this.client.command(argv);
  }

  /** The server's redis_version (INFO server). */
  async version(): Promise<string> {
    const info = await this.command(['INFO', 'server']);
    const m = typeof info === 'string' ? /^redis_version:(\S+)/m.exec(info) : null;
    if (m === null) throw new Error(`INFO server gave no redis_version: ${JSON.stringify(info)}`);
    return m[1]!;
  }

  /** Every key with its value, keys and hash fields sorted: the shape of Keyspace.snapshot(). */
  async snapshot(): Promise<Record<string, string | Record<string, string>>> {
    const keys = (await this.command(['KEYS', '*'])) as string[];
    const out: Record<string, string | Record<string, string>> = {};
    for (const key of [...keys].sort(compare)) {
      const type = (await this.command(['TYPE', key])) as RedisStatus;
      if (type.status === 'string') {
        out[key] = (await this.command(['GET', key])) as string;
      } else if (type.status === 'hash') {
        const flat = (await this.command(['HGETALL', key])) as string[];
        const pairs: [string, string][] = [];
        for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
        pairs.sort((a, b) => compare(a[0], b[0]));
        out[key] = Object.fromEntries(pairs);
      } else {
        throw new Error(`key ${key} has type ${type.status}, which the model does not have`);
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.proc.stop('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The simulated Redis as a server: the model's Keyspace for plain commands, LuaScript for
 * EVAL / EVALSHA / SCRIPT LOAD (src/eval.c evalGenericCommand: numkeys checks, a script cache by
 * SHA1, one math.random generator per server). The EVAL plumbing is the test's; the script
 * and command semantics are the model's.
 */
export class SimRedis implements RedisLike {
  readonly keyspace = new Keyspace();
  private readonly random = new Lrand48();
  private readonly scripts = new Map<string, LuaScript>();

  /** `redisVersion`: the release whose script behaviour to follow (see modelVersion). */
  constructor(private readonly redisVersion: RedisVersion = '7.0') {}

  command(argv: readonly string[]): Promise<RedisReply> {
    return Promise.resolve(this.run(argv));
  }

  private load(source: string): LuaScript | RedisError {
    try {
      const s = new LuaScript(source, this.keyspace, { random: this.random, redisVersion: this.redisVersion });
      const cached = this.scripts.get(s.sha1);
      if (cached) return cached;
      this.scripts.set(s.sha1, s);
      return s;
    } catch (e) {
      if (e instanceof ScriptError) return e.reply();
      throw e;
    }
  }

  private run(argv: readonly string[]): RedisReply {
    const name = (argv[0] ?? '').toLowerCase();
    if (name === 'flushall') {
      this.keyspace.clear();
      return new RedisStatus('OK');
    }
    if (name === 'script' && (argv[1] ?? '').toLowerCase() === 'load' && argv.length === 3) {
      const s = this.load(argv[2]!);
      return s instanceof RedisError ? s : s.sha1;
    }
    if (name !== 'eval' && name !== 'evalsha') return this.keyspace.command(argv);
    if (argv.length < 3) return new RedisError(`ERR wrong number of arguments for '${name}' command`);
    const numkeys = Number(argv[2]);
    if (!/^-?[0-9]+$/.test(argv[2]!)) return new RedisError('ERR value is not an integer or out of range');
    if (numkeys > argv.length - 3) return new RedisError("ERR Number of keys can't be greater than number of args");
    if (numkeys < 0) return new RedisError("ERR Number of keys can't be negative");
    let script: LuaScript | RedisError | undefined;
    if (name === 'eval') script = this.load(argv[1]!);
    else {
      script = this.scripts.get(argv[1]!.toLowerCase());
      if (script === undefined) return new RedisError('NOSCRIPT No matching script. Please use EVAL.');
    }
    if (script instanceof RedisError) return script;
    return script.call(argv.slice(3, 3 + numkeys), argv.slice(3 + numkeys));
  }
}

/** The model's RedisVersion closest to a real server's redis_version ("7.0.15" -> '7.0'). */
export function modelVersion(v: string): RedisVersion {
  const [major, minor] = v.split('.').map(Number) as [number, number];
  if (major < 7) throw new Error(`redis-server ${v}: the model follows Redis 7 (scripts behave differently before 7.0)`);
  if (major === 7 && minor < 2) return '7.0';
  if (major === 7 && minor < 4) return '7.2';
  return '7.4';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
