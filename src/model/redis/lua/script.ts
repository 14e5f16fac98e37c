// LuaScript: one script run the way Redis EVAL runs it, on fengari (Lua 5.3 in JS), against a
// Keyspace. Follows redis/redis 7.x (by default 7.0.15, Debian 12's redis-server; see
// RedisVersion): src/eval.c (compiling as "@user_script", running one call) and src/script_lua.c.

import fengari from 'fengari';
import type { lua_State } from 'fengari';
import { createHash } from 'node:crypto';
import type { Keyspace, RedisReply } from '../keyspace.js';
import { failedRunReply, pushErrorTable, ScriptError } from './errors.js';
import { Lrand48 } from './lrand48.js';
import { registerRedisApi } from './redis-api.js';
import { StringCache, toReply } from './replies.js';
import { installErrorHandler, openLibraries, protectGlobals } from './sandbox.js';
import { parseShebang } from './shebang.js';
import type { RedisVersion } from './version.js';

const { lua, lauxlib, to_luastring } = fengari;
const { LUA_OK, LUA_REGISTRYINDEX, LUA_MASKCOUNT } = lua;

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
   * Stop a call after this many Lua instructions with an error reply. Real Redis would keep
   * running (BUSY to other clients until SCRIPT KILL); this protects the simulator from a
   * pasted script that never ends. Default: no limit.
   */
  maxInstructions?: number;
}

/**
 * A compiled script with its own Lua state. Checked by hand against redis-server 7.0.15 and
 * 7.2.6 built from source. Differences from Redis besides Lua 5.1 (shims.ts): only the global
 * table is read-only (library tables such as `math` stay writable, unlike Redis), and each
 * LuaScript has its own Lua state where Redis shares one among all scripts. RESP3
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
  private readonly fnRef: number;
  private readonly handlerRef: number;
  private readonly globalsRef: number;
  private readonly random: Lrand48;
  private readonly reseedEachCall: boolean;
  private readonly maxInstructions: number;
  private nativeError: { error: unknown } | undefined;
  private readonly strings = new StringCache();

  constructor(source: string, keyspace: Keyspace, options: LuaScriptOptions = {}) {
    this.sha1 = createHash('sha1').update(source, 'utf8').digest('hex');
    this.funcname = `f_${this.sha1}`;
    const shebang = parseShebang(source);
    this.readOnly = shebang.noWrites;
    const version = options.redisVersion ?? '7.0';
    this.random = options.random ?? new Lrand48();
    this.reseedEachCall = options.reseedEachCall ?? false;
    this.maxInstructions = options.maxInstructions ?? 0;

    const L = lauxlib.luaL_newstate();
    this.L = L;
    lua.lua_atnativeerror(L, (st) => {
      // A JS exception inside a callback is a bug here, not a script error: keep it for call().
      this.nativeError = { error: lua.lua_touserdata(st, 1) };
      lua.lua_pushstring(st, 'internal error');
      return 1;
    });

    openLibraries(L, this.random);
    registerRedisApi(L, { keyspace, readOnly: this.readOnly, version, strings: this.strings });
    this.handlerRef = installErrorHandler(L);
    this.globalsRef = protectGlobals(L);
    this.fnRef = compileUserScript(L, source.slice(shebang.bodyOffset));
  }

  /** One EVAL: KEYS and ARGV are set, the script runs, and its result becomes a Redis reply. */
  call(keys: readonly string[], args: readonly string[]): RedisReply {
    const L = this.L;
    const base = lua.lua_gettop(L);
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, this.globalsRef);
    this.setArray(base + 1, 'KEYS', keys);
    this.setArray(base + 1, 'ARGV', args);
    lua.lua_settop(L, base);

    if (this.reseedEachCall) this.random.seed(0);
    if (this.maxInstructions > 0) this.armInstructionLimit();

    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, this.handlerRef);
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, this.fnRef);
    const status = lua.lua_pcall(L, 0, 1, base + 1);
    if (this.maxInstructions > 0) lua.lua_sethook(L, null, 0, 0);

    let reply: RedisReply;
    try {
      if (this.nativeError !== undefined) {
        const { error } = this.nativeError;
        this.nativeError = undefined;
        throw error;
      }
      reply = status === LUA_OK ? toReply(L, base + 2, 0) : failedRunReply(L, base + 2, this.sha1);
    } finally {
      lua.lua_settop(L, base);
    }
    return reply;
  }

  /** rawset(G, name, {values...}): KEYS and ARGV are set past the read-only guard, as Redis does. */
  private setArray(gIdx: number, name: string, values: readonly string[]): void {
    const L = this.L;
    this.strings.push(L, name, true);
    lua.lua_createtable(L, values.length, 0);
    for (let i = 0; i < values.length; i++) {
      this.strings.push(L, values[i]!, true);
      lua.lua_rawseti(L, -2, i + 1);
    }
    lua.lua_rawset(L, gIdx);
  }

  /** Ends the call with an error reply after maxInstructions Lua instructions. */
  private armInstructionLimit(): void {
    const limit = this.maxInstructions;
    lua.lua_sethook(this.L, (L) => {
      pushErrorTable(L, `Script killed by the model after more than ${limit} Lua instructions`);
      // Fire again at once if the script catches it with pcall, like SCRIPT KILL does.
      lua.lua_sethook(L, null, 0, 0);
      lua.lua_sethook(L, (L2) => {
        pushErrorTable(L2, `Script killed by the model after more than ${limit} Lua instructions`);
        lua.lua_error(L2);
      }, LUA_MASKCOUNT, 1);
      lua.lua_error(L);
    }, LUA_MASKCOUNT, limit);
  }
}

/** Compiles the script body as "@user_script" (luaCreateFunction in eval.c); returns a registry ref. */
function compileUserScript(L: lua_State, body: string): number {
  const buf = to_luastring(body);
  if (lauxlib.luaL_loadbuffer(L, buf, buf.length, '@user_script') !== LUA_OK) {
    const msg = lua.lua_tojsstring(L, -1) ?? 'unknown error';
    lua.lua_pop(L, 1);
    // Lua 5.1 quotes every token it names; 5.3 leaves <eof>, <name>, <number>, <string> bare.
    const msg51 = msg.replace(/(^|[^'])<(eof|name|number|integer|string)>(?!')/g, "$1'<$2>'");
    throw new ScriptError(`Error compiling script (new function): ${msg51}`);
  }
  return lauxlib.luaL_ref(L, LUA_REGISTRYINDEX);
}
