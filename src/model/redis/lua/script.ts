// LuaScript: one script run the way Redis EVAL runs it, on fengari (Lua 5.3 in JS), against a
// Keyspace. Follows redis/redis 7.x (by default 7.0.15, Debian 12's redis-server; see
// RedisVersion): src/eval.c (compiling as "@user_script", running one call) and src/script_lua.c.

import fengari from 'fengari';
import type { lua_State } from 'fengari';
import { createHash } from 'node:crypto';
import { type Keyspace, RedisError, type RedisReply } from '../keyspace.js';
import { failedRunReply, lua51SyntaxError, oneLine, ScriptError } from './errors.js';
import type { Table } from 'fengari/src/ltable.js';
import { CallMeter, setReadonly, unwritten, watchTable } from './limits.js';
import { Lrand48 } from './lrand48.js';
import { registerRedisApi } from './redis-api.js';
import { StringCache, toReply } from './replies.js';
import { installErrorHandler, openLibraries, protectGlobals } from './sandbox.js';
import { parseShebang } from './shebang.js';
import type { RedisVersion } from './version.js';

const { lua, lauxlib, to_luastring } = fengari;
const { LUA_OK, LUA_REGISTRYINDEX } = lua;

/**
 * The default busy limit, in Lua instructions per call (the scenario key
 * redis.lua_max_instructions). Redis's own limit is a time, busy-reply-threshold (formerly
 * lua-time-limit), 5 s by default; an instruction count is the same on every machine. The
 * inventory scripts run about 30 instructions; fengari runs about 3e7 a second, so a call stopped
 * at this limit costs about 35 ms of wall time.
 */
export const DEFAULT_MAX_INSTRUCTIONS = 1_000_000;

// The Lua stack of a script's state between calls, and where a call leaves its result.
const HANDLER_IDX = 1;
const SCRIPT_IDX = 2;
const RESULT_IDX = 3;

export interface LuaScriptOptions {
  /** Default '7.0': Debian 12's redis-server, which the differential tests run against. */
  redisVersion?: RedisVersion;
  /**
   * The generator behind math.random. Redis 7 has one per server process, never reseeded
   * between EVALs (the per-EVAL reseed was removed in 7.0, redis#9812): pass the same Lrand48
   * to every script of one simulated server. Default: a fresh one, in rand.c's initial state.
   */
  random?: Lrand48;
  /** Reseed math.random with 0 before every call, as Redis 6 and earlier did. Default false (Redis 7). */
  reseedEachCall?: boolean;
  /**
   * Stop a call after this many Lua instructions with an error reply, which pcall cannot catch.
   * Real Redis would keep running (BUSY to other clients until SCRIPT KILL); this protects the
   * simulator from a pasted script that never ends. 0: no limit. Default DEFAULT_MAX_INSTRUCTIONS.
   */
  maxInstructions?: number;
}

/**
 * A compiled script with its own Lua state. Checked by hand against redis-server 7.0.15 and
 * 7.2.6 built from source. Differences from Redis besides Lua 5.1 (shims.ts): each LuaScript has
 * its own Lua state where Redis shares one among all scripts, and a call is stopped past its
 * instruction limit or memory cap (limits.ts), where Redis would keep running it. RESP3
 * (redis.setresp(3)) and the RESP3 reply tables (double, map, set, big_number,
 * verbatim_string) are not modelled.
 */
export class LuaScript {
  /** The name Redis gives the compiled function: f_ + SHA1 of the script body. */
  readonly funcname: string;
  /** SHA1 of the script body, as SCRIPT LOAD / EVALSHA use it. */
  readonly sha1: string;
  /** The shebang declared flags=no-writes: write commands fail inside the script. */
  readonly readOnly: boolean;

  private readonly L: lua_State;
  private readonly random: Lrand48;
  private readonly reseedEachCall: boolean;
  private readonly meter: CallMeter;
  private nativeError: { error: unknown } | undefined;
  private readonly strings = new StringCache();
  private readonly args = new CallArgs();

  constructor(source: string, keyspace: Keyspace, options: LuaScriptOptions = {}) {
    this.sha1 = createHash('sha1').update(source, 'utf8').digest('hex');
    this.funcname = `f_${this.sha1}`;
    const shebang = parseShebang(source);
    this.readOnly = shebang.noWrites;
    const version = options.redisVersion ?? '7.0';
    this.random = options.random ?? new Lrand48();
    this.reseedEachCall = options.reseedEachCall ?? false;
    this.meter = new CallMeter(options.maxInstructions ?? DEFAULT_MAX_INSTRUCTIONS);

    const L = lauxlib.luaL_newstate();
    this.L = L;
    lua.lua_atnativeerror(L, (st) => this.onNativeError(st));

    openLibraries(L, this.random);
    registerRedisApi(L, { keyspace, readOnly: this.readOnly, version, strings: this.strings });
    const handlerRef = installErrorHandler(L);
    protectGlobals(L);
    const fnRef = compileUserScript(L, source.slice(shebang.bodyOffset));
    // Kept on the stack for every call: the error handler (HANDLER_IDX), the script (SCRIPT_IDX).
    lua.lua_settop(L, 0);
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, handlerRef);
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, fnRef);
  }

  /** Whether the last call was stopped by the model (instruction limit or memory cap). */
  get lastCallStopped(): boolean {
    return this.meter.stopped !== null;
  }

  /** One EVAL: KEYS and ARGV are set, the script runs, and its result becomes a Redis reply. */
  call(keys: readonly string[], args: readonly string[]): RedisReply {
    const L = this.L;
    if (!this.args.reusable(keys, args)) this.setArgs(keys, args);

    if (this.reseedEachCall) this.random.seed(0);
    const meter = this.meter;
    meter.reset();
    lua.lua_pushvalue(L, SCRIPT_IDX);
    meter.start(L);
    let status: number;
    try {
      status = lua.lua_pcall(L, 0, 1, HANDLER_IDX);
    } finally {
      meter.finish(L);
    }

    let reply: RedisReply;
    try {
      if (this.nativeError !== undefined) {
        const { error } = this.nativeError;
        this.nativeError = undefined;
        throw error;
      }
      if (meter.stopped !== null) reply = this.stoppedReply(meter.stopped, meter.stoppedAtLine);
      else reply = status === LUA_OK ? toReply(L, RESULT_IDX, 0) : failedRunReply(L, RESULT_IDX, this.sha1);
    } finally {
      lua.lua_settop(L, SCRIPT_IDX);
    }
    return reply;
  }

  /** A JS exception inside a callback is a bug here, not a script error: keep it for call() to rethrow. */
  private onNativeError(st: lua_State): number {
    this.nativeError = { error: lua.lua_touserdata(st, 1) };
    lua.lua_pushstring(st, 'internal error');
    return 1;
  }

  /** The reply of a call the model stopped, in the shape of Redis's failed-run replies. */
  private stoppedReply(message: string, line: number | null): RedisError {
    const where = line === null ? '' : ` script: ${this.sha1}, on @user_script:${line}.`;
    return new RedisError(oneLine(`ERR ${message}${where}`));
  }

  /** New KEYS and ARGV tables; the globals are read-only: open them for these two only, as luaCallFunction does. */
  private setArgs(keys: readonly string[], args: readonly string[]): void {
    const L = this.L;
    lua.lua_pushglobaltable(L);
    const g = lua.lua_gettop(L);
    setReadonly(L, g, false);
    const keysTable = this.setArray(g, 'KEYS', keys);
    const argvTable = this.setArray(g, 'ARGV', args);
    setReadonly(L, g, true);
    lua.lua_settop(L, SCRIPT_IDX);
    this.args.remember(keysTable, keys, argvTable, args);
  }

  /** rawset(G, name, {values...}): KEYS and ARGV are set past the read-only guard, as Redis does. */
  private setArray(gIdx: number, name: string, values: readonly string[]): Table {
    const L = this.L;
    this.strings.push(L, name, true);
    lua.lua_createtable(L, values.length, 0);
    for (let i = 0; i < values.length; i++) {
      this.strings.push(L, values[i]!, true);
      lua.lua_rawseti(L, -2, i + 1);
    }
    const t = watchTable(L, -1);
    lua.lua_rawset(L, gIdx);
    return t;
  }
}

/**
 * The KEYS and ARGV tables the last call got. Redis makes both afresh for every call; the next
 * call reuses them when it passes the same values and no script has written them or set their
 * metatable (limits.ts watches table writes). Nothing can tell the difference: no reference to
 * them outlives a call, as the globals and every table they hold are read-only.
 */
class CallArgs {
  private keysTable: Table | null = null;
  private argvTable: Table | null = null;
  private keys: readonly string[] = [];
  private argv: readonly string[] = [];

  reusable(keys: readonly string[], argv: readonly string[]): boolean {
    return this.keysTable !== null && this.argvTable !== null && sameStrings(this.keys, keys) && sameStrings(this.argv, argv) &&
      unwritten(this.keysTable) && unwritten(this.argvTable);
  }

  remember(keysTable: Table, keys: readonly string[], argvTable: Table, argv: readonly string[]): void {
    this.keysTable = keysTable;
    this.argvTable = argvTable;
    this.keys = keys.slice();
    this.argv = argv.slice();
  }
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compiles the script body as "@user_script" (luaCreateFunction in eval.c); returns a registry ref. */
function compileUserScript(L: lua_State, body: string): number {
  const buf = to_luastring(body);
  if (lauxlib.luaL_loadbuffer(L, buf, buf.length, '@user_script') !== LUA_OK) {
    const msg = lua.lua_tojsstring(L, -1) ?? 'unknown error';
    lua.lua_pop(L, 1);
    throw new ScriptError(`Error compiling script (new function): ${lua51SyntaxError(msg)}`);
  }
  return lauxlib.luaL_ref(L, LUA_REGISTRYINDEX);
}
