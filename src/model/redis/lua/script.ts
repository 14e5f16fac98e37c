// Runs a Lua script the way Redis EVAL does, on fengari (Lua 5.3 in JS), against a Keyspace.
// Follows redis/redis 7.x (by default 7.0.15, Debian 12's redis-server; see RedisVersion):
// src/script_lua.c (the redis.* API, reply conversions both ways, error tables, math.random),
// src/eval.c (compiling as "@user_script", the error handler, shebang flags), src/script.c
// (checks before a command runs) and src/rand.c (redisLrand48). Checked by hand against
// redis-server 7.0.15 and 7.2.6 built from source.
//
// Error replies have Redis 7's shape (luaCallFunction in script_lua.c): the error text, then
// " script: <sha1 of the body>, on @user_script:<line>." where <line> is the script line that
// was running (the caller's line when a built-in function raised):
//   redis.call error:  "ERR hash value is not an integer script: <sha1>, on @user_script:7."
//   Lua runtime error: "ERR user_script:7: attempt to compare two nil values script: <sha1>, on @user_script:7."
//   error('boom'):     "ERR user_script:2: boom script: <sha1>, on @user_script:2."
//   missing global:    "ERR user_script:1: Script attempted to access nonexistent global variable 'x' script: …"
// Compile errors: "ERR Error compiling script (new function): user_script:1: …" (ScriptError).
//
// Redis runs Lua 5.1; fengari is Lua 5.3. The 5.1 names scripts use are added (unpack,
// loadstring, math.pow/log10/ldexp/frexp/cosh/sinh/tanh/mod, table.getn/setn/maxn/foreach/
// foreachi, string.gfind), error(), math.log and string.rep behave as in 5.1, and 5.3's wording
// of type errors and of "near <eof>" is rewritten to 5.1's. Still different: integers are a
// separate subtype (32-bit in fengari, so integer arithmetic wraps at 2^31) and integral floats
// print as "5.0" where 5.1 prints "5"; 5.3 syntax (//, &, goto) compiles; getfenv, setfenv,
// gcinfo, newproxy and the cjson, cmsgpack, struct and bit libraries are missing. Only the
// global table is read-only (library tables such as `math` stay writable, unlike Redis), and
// each LuaScript has its own Lua state where Redis shares one among all scripts. RESP3
// (redis.setresp(3)) and the RESP3 reply tables (double, map, set, big_number,
// verbatim_string) are not modelled.

import fengari from 'fengari';
import type { lua_State } from 'fengari';
import { createHash } from 'node:crypto';
import { arityOk, Keyspace, lookupCommand, RedisError, RedisReply, RedisStatus } from '../keyspace.js';

const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;
const {
  LUA_OK, LUA_MULTRET, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS, LUA_MASKCOUNT,
  LUA_TNIL, LUA_TBOOLEAN, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE,
} = lua;

/** The script does not compile (Lua syntax error) or has a bad shebang line. */
export class ScriptError extends Error {
  override name = 'ScriptError';
  /** The error reply Redis gives to EVAL for this script. */
  reply(): RedisError {
    return new RedisError(`ERR ${this.message}`);
  }
}

/**
 * Redis's math.random generator (src/rand.c): the 48-bit drand48 LCG,
 * x' = (0x5DEECE66D·x + 0xB) mod 2^48, returning the top 31 bits.
 */
export class Lrand48 {
  // rand.c's initial state {X0, X1, X2} = {0x330E, 0xABCD, 0x1234}.
  private x = 0x1234abcd330en;

  /** redisSrand48: the 32-bit seed becomes the high bits, 0x330E the low 16. */
  seed(seedval: number): void {
    this.x = (BigInt(seedval >>> 0) << 16n) | 0x330en;
  }

  /** redisLrand48: the next value in [0, 2^31). */
  next(): number {
    this.x = (this.x * 0x5deece66dn + 0xbn) & 0xffffffffffffn;
    return Number(this.x >> 17n);
  }
}

/**
 * The Redis release whose script behaviour to follow. They differ in how redis.call formats a
 * Lua number argument (7.0: "%.17g", so 0.1 -> "0.10000000000000001"; 7.2+: integers in full,
 * others as the shortest round-trip, so 0.1 -> "0.1") and in one redis.log message (7.4).
 */
export type RedisVersion = '7.0' | '7.2' | '7.4';

const VERSION_INFO: Record<RedisVersion, { name: string; num: number }> = {
  '7.0': { name: '7.0.15', num: 0x07000f },
  '7.2': { name: '7.2.6', num: 0x070206 },
  '7.4': { name: '7.4.1', num: 0x070401 },
};

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

// Interned key names, encoded once.
const S = {
  err: to_luastring('err', true),
  ok: to_luastring('ok', true),
  source: to_luastring('source', true),
  line: to_luastring('line', true),
  ignoreStats: to_luastring('ignore_error_stats_update', true),
};

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const TWO_63 = 2 ** 63;
/** Nesting depth at which a returned table is cut off, as Redis does when its Lua C stack runs out. */
const MAX_REPLY_DEPTH = 1000;

// The error handler eval.c installs as __redis__err__handler: it adds the source and line of the
// Lua code that was running. Level 2 is the function that raised; if that is a built-in
// (fengari reports JS functions as what = 'J', C Lua as 'C'), take its caller.
const ERROR_HANDLER = `local getinfo = debug.getinfo
return function(err)
  local info = getinfo(2, 'nSl')
  if info and (info.what == 'C' or info.what == 'J') then info = getinfo(3, 'nSl') end
  if type(err) ~= 'table' then err = { err = 'ERR ' .. tostring(err) } end
  if info then
    err.source = info.source
    err.line = info.currentline
  end
  return err
end
`;

// Lua 5.1 library functions that 5.3 dropped and that call back into Lua (the others are in
// installLua51Compat, in JS, so their argument errors read as 5.1's).
const LUA51_COMPAT = `local table, pairs = table, pairs
table.foreach = function(t, f)
  for k, v in pairs(t) do local r = f(k, v) if r ~= nil then return r end end
end
table.foreachi = function(t, f)
  for i = 1, #t do local r = f(i, t[i]) if r ~= nil then return r end end
end
string.gfind = string.gmatch
math.mod = math.fmod
`;

// Makes the global table read-only for scripts (script_lua.c luaSetErrorMetatable and the
// read-only global table): the chunk's environment is an empty proxy whose reads fall through
// to the real globals and whose writes always fail; a read of a missing global fails too.
const GLOBALS_GUARD = `local G, missing, readonly = ...
local next, setmetatable = next, setmetatable
setmetatable(G, { __index = missing, __newindex = readonly })
return setmetatable({}, {
  __index = G,
  __newindex = readonly,
  __pairs = function() return next, G, nil end,
})
`;

// x86's default NaN (0/0, inf - inf) has the sign bit set, so C prints "-nan"; JS cannot see a
// NaN's sign, so every NaN is taken to be that one.
const NAN_TEXT = '-nan';

/** How redis.call turns a Lua number argument into a string (luaArgsToRedisArgv). */
export function formatLuaNumberArg(n: number, version: RedisVersion = '7.0'): string {
  return version === '7.0' ? formatG17(n) : formatDtoa(n);
}

/** C's printf("%.17g"), as Redis 7.0 uses. */
function formatG17(n: number): string {
  if (Number.isSafeInteger(n) && !Object.is(n, -0)) return String(n); // < 1e17: all digits
  if (Number.isNaN(n)) return NAN_TEXT;
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant, expStr] = n.toExponential(16).split('e') as [string, string];
  const x = Number(expStr);
  const strip = (t: string): string => (t.includes('.') ? t.replace(/\.?0+$/, '') : t);
  if (x < -4 || x >= 17) {
    return `${strip(mant)}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  }
  return strip(n.toFixed(16 - x));
}

/** Redis 7.2+: integers (|n| <= 2^62) in full, other numbers via fpconv_dtoa. */
function formatDtoa(n: number): string {
  if (n >= -(2 ** 62) && n <= 2 ** 62 && Number.isInteger(n)) {
    return Number.isSafeInteger(n) ? String(n === 0 ? 0 : n) : BigInt(n).toString();
  }
  if (Number.isNaN(n)) return NAN_TEXT;
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  // Shortest round-trip digits, laid out as deps/fpconv/fpconv_dtoa.c emit_digits does.
  const neg = n < 0;
  const [mant, expStr] = Math.abs(n).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const nd = digits.length;
  const e10 = Number(expStr);
  const K = e10 - (nd - 1);
  let exp = Math.abs(e10);
  let out: string;
  if (K >= 0 && exp < nd + 7) {
    out = digits + '0'.repeat(K);
  } else if (K < 0 && (K > -7 || exp < 4)) {
    const offset = nd - Math.abs(K);
    out = offset <= 0 ? '0.' + '0'.repeat(-offset) + digits : digits.slice(0, offset) + '.' + digits.slice(offset);
  } else {
    out = digits[0]! + (nd > 1 ? '.' + digits.slice(1) : '') + 'e' + (e10 < 0 ? '-' : '+');
    let cent = 0;
    if (exp > 99) {
      cent = Math.floor(exp / 100);
      out += String(cent);
      exp -= cent * 100;
    }
    if (exp > 9) {
      const dec = Math.floor(exp / 10);
      out += String(dec);
      exp -= dec * 10;
    } else if (cent) {
      out += '0';
    }
    out += String(exp % 10);
  }
  return neg ? '-' + out : out;
}

/** C's (long long) cast of a double, as x86-64 does it: truncation, and INT64_MIN when out of range. */
function toLongLong(d: number): number {
  if (Number.isNaN(d) || d >= TWO_63 || d < -TWO_63) return -TWO_63;
  const t = Math.trunc(d);
  return t === 0 ? 0 : t;
}

/**
 * Lua 5.3 words a type error "attempt to index a nil value (field 'x')"; Lua 5.1, which Redis
 * runs, "attempt to index field 'x' (a nil value)".
 */
function lua51TypeError(msg: string): string {
  return msg.replace(
    /^(ERR user_script:\d+: attempt to [a-z ]+?) a (\w+) value \((global|local|upvalue|field|method) '([^']*)'\)$/,
    "$1 $3 '$4' (a $2 value)",
  );
}

/** Redis replies are protocol lines: CR and LF inside a message become spaces. */
const oneLine = (s: string): string => s.replace(/[\r\n]/g, ' ');
const trimCrLf = (s: string): string => s.replace(/^[\r\n]+|[\r\n]+$/g, '');

/**
 * How the article's Go app reads the reply: `redis.Int(reply, err)` (redigo), then `!= 0`.
 * An integer reply is truthy when nonzero; a bulk string counts if strconv.ParseInt(s, 10, 64)
 * accepts it (optional sign, decimal digits, in int64 range) and it is nonzero. nil, status,
 * error and array replies make redis.Int return an error, which the app treats as false.
 */
export function isTruthyReply(r: RedisReply): boolean {
  if (typeof r === 'number') return r !== 0;
  if (typeof r === 'string') {
    if (!/^[+-]?[0-9]+$/.test(r)) return false;
    const v = BigInt(r);
    return v !== 0n && v >= -(2n ** 63n) && v < 2n ** 63n;
  }
  return false;
}

interface Shebang {
  bodyOffset: number;
  noWrites: boolean;
}

const SHEBANG_FLAGS = new Set(['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys']);

/** eval.c evalExtractShebangFlags. Only no-writes changes behaviour in the model. */
function parseShebang(source: string): Shebang {
  if (!source.startsWith('#!')) return { bodyOffset: 0, noWrites: false };
  const end = source.indexOf('\n');
  if (end < 0) throw new ScriptError('Invalid script shebang');
  const parts = source.slice(0, end).split(/[ \t\r\v\f]+/).filter((p) => p !== '');
  if (parts[0] !== '#!lua') throw new ScriptError(`Unexpected engine in script shebang: ${parts[0] ?? ''}`);
  let noWrites = false;
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) throw new ScriptError(`Unknown lua shebang option: ${part}`);
    for (const flag of part.slice(6).split(',')) {
      if (!SHEBANG_FLAGS.has(flag)) throw new ScriptError(`Unexpected flag in script shebang: ${flag}`);
      if (flag === 'no-writes') noWrites = true;
    }
  }
  // The newline stays, so line numbers in errors match the user's file.
  return { bodyOffset: end, noWrites };
}

/** How many strings a script state keeps encoded before it starts the cache afresh. */
const STRING_CACHE_LIMIT = 4096;

/**
 * Converting strings between JS and fengari costs more than running the inventory script, so
 * strings that recur (key names, field names, ARGV values) are converted once: pushes reuse
 * the Lua string held in the registry, reads remember the JS string of each Lua string.
 */
class StringCache {
  private readonly refs = new Map<string, number>();
  private readonly decoded = new WeakMap<Uint8Array, string>();

  /** Pushes s; `remember` keeps it for next time (KEYS/ARGV values), else only a cached copy is reused. */
  push(L: lua_State, s: string, remember: boolean): void {
    const ref = this.refs.get(s);
    if (ref !== undefined) {
      lua.lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
      return;
    }
    if (!remember) {
      lua.lua_pushstring(L, s);
      return;
    }
    if (this.refs.size >= STRING_CACHE_LIMIT) {
      // Many distinct KEYS/ARGV values (say, one per user) would fill it: start again, keep it bounded.
      for (const r of this.refs.values()) lauxlib.luaL_unref(L, LUA_REGISTRYINDEX, r);
      this.refs.clear();
    }
    lua.lua_pushstring(L, s);
    lua.lua_pushvalue(L, -1);
    this.refs.set(s, lauxlib.luaL_ref(L, LUA_REGISTRYINDEX));
  }

  /** The string at idx (which must be a string) as a JS string; invalid UTF-8 becomes U+FFFD. */
  read(L: lua_State, idx: number): string {
    const bytes = lua.lua_tolstring(L, idx)!;
    let s = this.decoded.get(bytes);
    if (s === undefined) {
      s = to_jsstring(bytes, 0, bytes.length, true);
      this.decoded.set(bytes, s);
    }
    return s;
  }
}

/** Pushes a number the way Lua 5.1 would print it: integral values as integers when they fit. */
function pushNumber(L: lua_State, n: number): void {
  if (Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX) lua.lua_pushinteger(L, n === 0 ? 0 : n);
  else lua.lua_pushnumber(L, n);
}

/**
 * script_lua.c luaPushErrorBuff: "-CODE message" keeps CODE, anything else gets "ERR";
 * pushes {err = "CODE message"}.
 */
function pushErrorTable(L: lua_State, text: string): void {
  let code = 'ERR';
  let msg = text;
  if (text.startsWith('-')) {
    const sp = text.indexOf(' ');
    if (sp < 0) msg = text.slice(1);
    else {
      code = text.slice(1, sp);
      msg = text.slice(sp + 1);
    }
  }
  lua.lua_createtable(L, 0, 2);
  lua.lua_pushstring(L, `${code} ${trimCrLf(msg)}`);
  lua.lua_setfield(L, -2, S.err);
}

/** Error table for a failed command; Redis marks these so error stats are not counted twice. */
function pushCommandError(L: lua_State, text: string): void {
  pushErrorTable(L, text);
  lua.lua_pushboolean(L, true);
  lua.lua_setfield(L, -2, S.ignoreStats);
}

/** Redis reply -> Lua value (redisProtocolToLuaType_* in script_lua.c). */
function pushReply(L: lua_State, r: RedisReply, strings: StringCache): void {
  if (r === null) lua.lua_pushboolean(L, false);
  else if (typeof r === 'number') pushNumber(L, r);
  else if (typeof r === 'string') strings.push(L, r, false);
  else if (Array.isArray(r)) {
    lua.lua_checkstack(L, 2);
    lua.lua_createtable(L, r.length, 0);
    for (let i = 0; i < r.length; i++) {
      pushReply(L, r[i]!, strings);
      lua.lua_rawseti(L, -2, i + 1);
    }
  } else if (r instanceof RedisStatus) {
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushstring(L, r.status);
    lua.lua_setfield(L, -2, S.ok);
  } else {
    pushCommandError(L, `-${r.message}`);
  }
}

/** The string field `name` of the table at idx, raw; null if absent or not a string. */
function rawStringField(L: lua_State, idx: number, name: Uint8Array): string | null {
  lua.lua_pushstring(L, name);
  const t = lua.lua_rawget(L, idx);
  const s = t === LUA_TSTRING ? lua.lua_tojsstring(L, -1) : null;
  lua.lua_pop(L, 1);
  return s;
}

/** Lua value at idx -> Redis reply (luaReplyToRedisReply in script_lua.c, RESP2). */
function toReply(L: lua_State, idx: number, depth: number): RedisReply {
  switch (lua.lua_type(L, idx)) {
    case LUA_TSTRING:
      return lua.lua_tojsstring(L, idx)!;
    case LUA_TBOOLEAN:
      return lua.lua_toboolean(L, idx) ? 1 : null;
    case LUA_TNUMBER:
      return toLongLong(lua.lua_tonumber(L, idx));
    case LUA_TTABLE: {
      if (depth >= MAX_REPLY_DEPTH) return new RedisError('ERR reached lua stack limit');
      const err = rawStringField(L, idx, S.err);
      if (err !== null) {
        // addReplyErrorFormatEx("-%s"): trimmed, newlines mapped, code kept as written.
        return new RedisError(oneLine(trimCrLf(`-${err}`)).slice(1));
      }
      const ok = rawStringField(L, idx, S.ok);
      if (ok !== null) return new RedisStatus(oneLine(ok));
      // An array: elements 1, 2, ... up to the first nil.
      const out: RedisReply[] = [];
      lua.lua_checkstack(L, 2);
      for (let j = 1; ; j++) {
        if (lua.lua_rawgeti(L, idx, j) === LUA_TNIL) {
          lua.lua_pop(L, 1);
          break;
        }
        out.push(toReply(L, lua.lua_gettop(L), depth + 1));
        lua.lua_pop(L, 1);
      }
      return out;
    }
    default:
      return null;
  }
}

/** A value read like C Lua's lua_tostring on an error table field (strings and numbers). */
function stringField(L: lua_State, idx: number, name: Uint8Array): string | null {
  lua.lua_getfield(L, idx, name);
  const s = lua.lua_isstring(L, -1) ? lua.lua_tojsstring(L, -1) : null;
  lua.lua_pop(L, 1);
  return s;
}

/** C (int) cast of a Lua number, as luaL_checkint does in Lua 5.1. */
function toCInt(n: number): number {
  const t = Math.trunc(n);
  return t >= INT32_MIN && t <= INT32_MAX ? t : INT32_MIN;
}

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
  private readonly version: RedisVersion;
  private nativeError: { error: unknown } | undefined;
  private readonly strings = new StringCache();

  constructor(
    source: string,
    private readonly keyspace: Keyspace,
    options: LuaScriptOptions = {},
  ) {
    this.sha1 = createHash('sha1').update(source, 'utf8').digest('hex');
    this.funcname = `f_${this.sha1}`;
    const shebang = parseShebang(source);
    this.readOnly = shebang.noWrites;
    this.version = options.redisVersion ?? '7.0';
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

    this.openLibraries();
    this.registerRedisApi();
    this.handlerRef = this.runSetupChunk(ERROR_HANDLER, '@err_handler_def', 0);
    lua.lua_pushnil(L);
    lua.lua_setglobal(L, 'debug'); // as eval.c does once the handler holds debug.getinfo
    this.globalsRef = this.protectGlobals();

    const body = to_luastring(source.slice(shebang.bodyOffset));
    if (lauxlib.luaL_loadbuffer(L, body, body.length, '@user_script') !== LUA_OK) {
      const msg = lua.lua_tojsstring(L, -1) ?? 'unknown error';
      lua.lua_pop(L, 1);
      // Lua 5.1 quotes every token it names; 5.3 leaves <eof>, <name>, <number>, <string> bare.
      const msg51 = msg.replace(/(^|[^'])<(eof|name|number|integer|string)>(?!')/g, "$1'<$2>'");
      throw new ScriptError(`Error compiling script (new function): ${msg51}`);
    }
    this.fnRef = lauxlib.luaL_ref(L, LUA_REGISTRYINDEX);
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
      reply = status === LUA_OK ? toReply(L, base + 2, 0) : this.errorReply(base + 2);
    } finally {
      lua.lua_settop(L, base);
    }
    return reply;
  }

  // ---- per call ----

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

  /** The reply for a failed run (luaCallFunction in script_lua.c). */
  private errorReply(idx: number): RedisError {
    const L = this.L;
    if (!lua.lua_istable(L, idx)) {
      const msg = lua.lua_isstring(L, idx) ? lua.lua_tojsstring(L, idx)! : 'execution failure';
      return new RedisError(oneLine(trimCrLf(`ERR Error running script ${this.sha1}, ${msg.slice(0, 100)}`)));
    }
    // Redis would dereference NULL for a table without a string `err`; we say so instead.
    const msg = stringField(L, idx, S.err) ?? 'ERR error object is not a string';
    const source = stringField(L, idx, S.source);
    const line = stringField(L, idx, S.line);
    // run_ctx->funcname is the bare SHA1 (evalGenericCommand passes funcname + 2).
    const where = source !== null && line !== null ? ` script: ${this.sha1}, on ${source}:${line}.` : '';
    return new RedisError(oneLine(lua51TypeError(msg) + where));
  }

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

  // ---- state setup (once) ----

  /** The libraries Redis loads that fengari has (no os/io: wall clock, files). */
  private openLibraries(): void {
    const L = this.L;
    const libs: [string, (L: lua_State) => number][] = [
      ['_G', lualib.luaopen_base],
      ['coroutine', lualib.luaopen_coroutine], // part of the base library in Lua 5.1
      ['table', lualib.luaopen_table],
      ['string', lualib.luaopen_string],
      ['math', lualib.luaopen_math],
      ['debug', lualib.luaopen_debug], // for the error handler only; removed below
    ];
    for (const [name, open] of libs) {
      lauxlib.luaL_requiref(L, name, open, 1);
      lua.lua_pop(L, 1);
    }
    // Not on Redis's allow list (script_lua.c deny_list), or not in Lua 5.1.
    for (const name of ['dofile', 'loadfile', 'print', 'rawlen', 'require']) {
      lua.lua_pushnil(L);
      lua.lua_setglobal(L, name);
    }
    // Lua 5.1 names scripts rely on.
    lua.lua_getglobal(L, 'table');
    lua.lua_getfield(L, -1, 'unpack');
    lua.lua_setglobal(L, 'unpack');
    lua.lua_pop(L, 1);
    lua.lua_getglobal(L, 'load');
    lua.lua_setglobal(L, 'loadstring');

    lua.lua_pushcfunction(L, redisPcall);
    lua.lua_setglobal(L, 'pcall');
    lua.lua_pushcfunction(L, lua51Error);
    lua.lua_setglobal(L, 'error');
    this.runSetupChunk(LUA51_COMPAT, '@lua51_compat', 0);
    installLua51Compat(L);

    lua.lua_getglobal(L, 'math');
    lua.lua_pushcfunction(L, (st) => this.mathRandom(st));
    lua.lua_setfield(L, -2, 'random');
    lua.lua_pushcfunction(L, (st) => {
      this.random.seed(toCInt(lauxlib.luaL_checknumber(st, 1)));
      return 0;
    });
    lua.lua_setfield(L, -2, 'randomseed');
    lua.lua_pop(L, 1);
  }

  /** The `redis` table (luaRegisterRedisAPI in script_lua.c). */
  private registerRedisApi(): void {
    const L = this.L;
    lua.lua_createtable(L, 0, 24);
    const fn = (name: string, f: (L: lua_State) => number): void => {
      lua.lua_pushcfunction(L, f);
      lua.lua_setfield(L, -2, name);
    };
    const num = (name: string, n: number): void => {
      lua.lua_pushinteger(L, n);
      lua.lua_setfield(L, -2, name);
    };
    fn('call', (st) => this.redisCommand(st, true));
    fn('pcall', (st) => this.redisCommand(st, false));
    const levelError = this.version === '7.4' ? 'Invalid log level.' : 'Invalid debug level.';
    fn('log', (st) => redisLog(st, levelError));
    num('LOG_DEBUG', 0);
    num('LOG_VERBOSE', 1);
    num('LOG_NOTICE', 2);
    num('LOG_WARNING', 3);
    fn('sha1hex', redisSha1hex);
    fn('error_reply', (st) => {
      if (lua.lua_gettop(st) !== 1 || lua.lua_type(st, -1) !== LUA_TSTRING) {
        pushErrorTable(st, 'wrong number or type of arguments');
        return 1;
      }
      const s = lua.lua_tojsstring(st, -1)!;
      pushErrorTable(st, s.startsWith('-') ? s : `-${s}`);
      return 1;
    });
    fn('status_reply', (st) => {
      if (lua.lua_gettop(st) !== 1 || lua.lua_type(st, -1) !== LUA_TSTRING) {
        pushErrorTable(st, 'wrong number or type of arguments');
        return 1;
      }
      lua.lua_createtable(st, 0, 1);
      lua.lua_pushvalue(st, -2);
      lua.lua_setfield(st, -2, S.ok);
      return 1;
    });
    // Replication is not modelled: set_repl only validates its argument.
    fn('set_repl', (st) => {
      if (lua.lua_gettop(st) !== 1) raise(st, 'redis.set_repl() requires one argument.');
      if ((toCInt(lua.lua_tonumber(st, -1)) & ~3) !== 0) {
        raise(st, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
      }
      return 0;
    });
    num('REPL_NONE', 0);
    num('REPL_AOF', 1);
    num('REPL_SLAVE', 2);
    num('REPL_REPLICA', 2);
    num('REPL_ALL', 3);
    fn('replicate_commands', (st) => {
      lua.lua_pushboolean(st, true);
      return 1;
    });
    // The script debugger (eval.c) is never active in the model.
    fn('breakpoint', (st) => {
      lua.lua_pushboolean(st, false);
      return 1;
    });
    fn('debug', () => 0);
    // No ACLs in the model: every known command is allowed.
    fn('acl_check_cmd', (st) => {
      const argv = this.readArgs(st);
      if (argv === null) return lua.lua_error(st);
      if (lookupCommand(argv[0]!) === undefined) raise(st, 'Invalid command passed to redis.acl_check_cmd()');
      lua.lua_pushboolean(st, true);
      return 1;
    });
    fn('setresp', (st) => {
      if (lua.lua_gettop(st) !== 1) raise(st, 'redis.setresp() requires one argument.');
      const resp = toCInt(lua.lua_tonumber(st, -1));
      if (resp !== 2 && resp !== 3) raise(st, 'RESP version must be 2 or 3.');
      if (resp === 3) raise(st, 'RESP3 is not supported by the ticketsim Redis model');
      return 0;
    });
    // The Redis release this model follows.
    lua.lua_pushstring(L, VERSION_INFO[this.version].name);
    lua.lua_setfield(L, -2, 'REDIS_VERSION');
    num('REDIS_VERSION_NUM', VERSION_INFO[this.version].num);
    lua.lua_setglobal(L, 'redis');
  }

  /** Runs a setup chunk with `nargs` values already pushed; returns a registry ref to its result. */
  private runSetupChunk(code: string, name: string, nargs: number): number {
    const L = this.L;
    const buf = to_luastring(code);
    if (lauxlib.luaL_loadbuffer(L, buf, buf.length, name) !== LUA_OK) {
      throw new Error(`ticketsim: setup chunk ${name} failed to compile: ${lua.lua_tojsstring(L, -1)}`);
    }
    lua.lua_insert(L, -1 - nargs);
    if (lua.lua_pcall(L, nargs, 1, 0) !== LUA_OK) {
      throw new Error(`ticketsim: setup chunk ${name} failed: ${lua.lua_tojsstring(L, -1)}`);
    }
    return lauxlib.luaL_ref(L, LUA_REGISTRYINDEX);
  }

  /** Installs the read-only guard; returns a registry ref to the real globals table. */
  private protectGlobals(): number {
    const L = this.L;
    lua.lua_pushglobaltable(L);
    lua.lua_pushvalue(L, -1);
    const globalsRef = lauxlib.luaL_ref(L, LUA_REGISTRYINDEX);
    lua.lua_pushcfunction(L, missingGlobal);
    lua.lua_pushcfunction(L, readonlyTable);
    const proxyRef = this.runSetupChunk(GLOBALS_GUARD, '@globals_guard', 3);
    // Scripts (and anything they load) see the proxy as their globals, and as _G.
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, globalsRef);
    lua.lua_pushstring(L, '_G');
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, proxyRef);
    lua.lua_rawset(L, -3);
    lua.lua_pop(L, 1);
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, proxyRef);
    lua.lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    return globalsRef;
  }

  // ---- functions called from Lua ----

  /**
   * The arguments of a redis.* call as command argv (luaArgsToRedisArgv); they are popped.
   * On a bad argument: null, with the error table pushed.
   */
  private readArgs(L: lua_State): string[] | null {
    const argc = lua.lua_gettop(L);
    if (argc === 0) {
      pushErrorTable(L, 'Please specify at least one argument for this redis lib call');
      return null;
    }
    const argv: string[] = new Array<string>(argc);
    let ok = true;
    for (let j = 1; j <= argc; j++) {
      const t = lua.lua_type(L, j);
      if (t === LUA_TNUMBER) argv[j - 1] = formatLuaNumberArg(lua.lua_tonumber(L, j), this.version);
      else if (t === LUA_TSTRING) argv[j - 1] = this.strings.read(L, j);
      else {
        ok = false;
        break;
      }
    }
    lua.lua_settop(L, 0);
    if (!ok) {
      pushErrorTable(L, 'Lua redis lib command arguments must be strings or integers');
      return null;
    }
    return argv;
  }

  /** redis.call / redis.pcall (luaRedisGenericCommand + scriptCall). */
  private redisCommand(L: lua_State, raiseError: boolean): number {
    const argv = this.readArgs(L);
    if (argv === null) return raiseError ? lua.lua_error(L) : 1;
    const argc = argv.length;
    // The checks scriptCall makes before running the command (src/script.c).
    const cmd = lookupCommand(argv[0]!);
    let refused: string | undefined;
    if (cmd === undefined) refused = 'Unknown Redis command called from script';
    else if (!arityOk(cmd, argc)) refused = 'Wrong number of args calling Redis command from script';
    else if (this.readOnly && cmd.write) refused = 'Write commands are not allowed from read-only scripts.';
    if (refused !== undefined || cmd === undefined) {
      pushCommandError(L, refused ?? '');
      return raiseError ? lua.lua_error(L) : 1;
    }
    const reply = this.keyspace.exec(cmd, argv);
    pushReply(L, reply, this.strings);
    if (raiseError && reply instanceof RedisError) lua.lua_error(L);
    return 1;
  }

  /** math.random with redisLrand48 (redis_math_random in script_lua.c, itself Lua 5.1's). */
  private mathRandom(L: lua_State): number {
    const r = (this.random.next() % INT32_MAX) / INT32_MAX;
    switch (lua.lua_gettop(L)) {
      case 0:
        lua.lua_pushnumber(L, r);
        break;
      case 1: {
        const u = toCInt(lauxlib.luaL_checknumber(L, 1));
        if (!(1 <= u)) lauxlib.luaL_argerror(L, 1, 'interval is empty');
        pushNumber(L, Math.floor(r * u) + 1);
        break;
      }
      case 2: {
        const l = toCInt(lauxlib.luaL_checknumber(L, 1));
        const u = toCInt(lauxlib.luaL_checknumber(L, 2));
        if (!(l <= u)) lauxlib.luaL_argerror(L, 2, 'interval is empty');
        pushNumber(L, Math.floor(r * ((u - l + 1) | 0)) + l);
        break;
      }
      default:
        return luaError(L, 'wrong number of arguments');
    }
    return 1;
  }
}

/** Sets t[name] = f on the table at the top of the stack. */
function setFunction(L: lua_State, name: string, f: (L: lua_State) => number): void {
  lua.lua_pushcfunction(L, f);
  lua.lua_setfield(L, -2, name);
}

/** f with its arguments cut to n, as a 5.1 function that takes fewer arguments than its 5.3 successor. */
function withArgs(L: lua_State, table: string, name: string, n: number): void {
  lua.lua_getglobal(L, table);
  lua.lua_getfield(L, -1, name);
  const f = lua.lua_tocfunction(L, -1)!;
  lua.lua_pop(L, 1);
  // Called in place (not via lua_call), so its argument errors name the caller's line as in 5.1.
  setFunction(L, name, (st) => {
    lua.lua_settop(st, n);
    return f(st);
  });
  lua.lua_pop(L, 1);
}

/** Lua 5.1's math, table and string functions that Lua 5.3 removed or changed (lmathlib.c, ltablib.c 5.1). */
function installLua51Compat(L: lua_State): void {
  const num = lauxlib.luaL_checknumber;
  lua.lua_getglobal(L, 'math');
  setFunction(L, 'pow', (st) => (pushNumber(st, Math.pow(num(st, 1), num(st, 2))), 1));
  setFunction(L, 'log10', (st) => (pushNumber(st, Math.log10(num(st, 1))), 1));
  setFunction(L, 'cosh', (st) => (pushNumber(st, Math.cosh(num(st, 1))), 1));
  setFunction(L, 'sinh', (st) => (pushNumber(st, Math.sinh(num(st, 1))), 1));
  setFunction(L, 'tanh', (st) => (pushNumber(st, Math.tanh(num(st, 1))), 1));
  setFunction(L, 'ldexp', (st) => (pushNumber(st, num(st, 1) * 2 ** toCInt(num(st, 2))), 1));
  setFunction(L, 'frexp', (st) => {
    const [m, e] = frexp(num(st, 1));
    pushNumber(st, m);
    lua.lua_pushinteger(st, e);
    return 2;
  });
  lua.lua_pop(L, 1);
  withArgs(L, 'math', 'log', 1); // 5.1's log has no base argument
  withArgs(L, 'string', 'rep', 2); // nor rep a separator
  lua.lua_getglobal(L, 'table');
  setFunction(L, 'getn', (st) => {
    lauxlib.luaL_checktype(st, 1, LUA_TTABLE);
    lua.lua_pushinteger(st, lua.lua_rawlen(st, 1));
    return 1;
  });
  setFunction(L, 'setn', (st) => {
    lauxlib.luaL_checktype(st, 1, LUA_TTABLE);
    return luaError(st, "'setn' is obsolete");
  });
  setFunction(L, 'maxn', (st) => {
    lauxlib.luaL_checktype(st, 1, LUA_TTABLE);
    let max = 0;
    lua.lua_pushnil(st);
    while (lua.lua_next(st, 1) !== 0) {
      lua.lua_pop(st, 1);
      if (lua.lua_type(st, -1) === LUA_TNUMBER) max = Math.max(max, lua.lua_tonumber(st, -1));
    }
    pushNumber(st, max);
    return 1;
  });
  lua.lua_pop(L, 1);
}

/** C's frexp: x = m * 2^e with 0.5 <= |m| < 1. */
function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let m = x;
  let e = 0;
  if (Math.abs(m) < 2 ** -1000) {
    // Subnormal: scale up first so that 2^-k below stays finite.
    m *= 2 ** 64;
    e = -64;
  }
  const k = Math.floor(Math.log2(Math.abs(m))) + 1;
  m *= 2 ** -k; // powers of two down to 2^-1074 are exact
  e += k;
  while (Math.abs(m) < 0.5) {
    m *= 2;
    e--;
  }
  while (Math.abs(m) >= 1) {
    m /= 2;
    e++;
  }
  return [m, e];
}

/** Lua 5.1's error(): numbers get the position prefix too (5.3 adds it to strings only). */
function lua51Error(L: lua_State): number {
  const level = lua.lua_type(L, 2) > LUA_TNIL ? toCInt(lauxlib.luaL_checknumber(L, 2)) : 1;
  lua.lua_settop(L, 1);
  if (lua.lua_isstring(L, 1) && level > 0) {
    lauxlib.luaL_where(L, level);
    lua.lua_pushvalue(L, 1);
    lua.lua_concat(L, 2);
  }
  return lua.lua_error(L);
}

/** Raises {err = "ERR msg"} (luaPushError + luaError). */
function raise(L: lua_State, msg: string): never {
  pushErrorTable(L, msg);
  return lua.lua_error(L);
}

/** Global pcall, Redis's version (luaRedisPcall): a caught error table becomes its err string. */
function redisPcall(L: lua_State): number {
  lauxlib.luaL_checkany(L, 1);
  const argc = lua.lua_gettop(L);
  lua.lua_pushboolean(L, true);
  lua.lua_insert(L, 1);
  if (lua.lua_pcall(L, argc - 1, LUA_MULTRET, 0) !== LUA_OK) {
    lua.lua_remove(L, 1);
    if (lua.lua_istable(L, -1)) {
      lua.lua_getfield(L, -1, S.err);
      if (lua.lua_isstring(L, -1)) lua.lua_replace(L, -2);
    }
    lua.lua_pushboolean(L, false);
    lua.lua_insert(L, 1);
  }
  return lua.lua_gettop(L);
}

/** redis.log: validates like luaLogCommand; the model keeps no server log. */
function redisLog(L: lua_State, levelError: string): number {
  const argc = lua.lua_gettop(L);
  if (argc < 2) raise(L, 'redis.log() requires two arguments or more.');
  if (!lua.lua_isnumber(L, 1)) raise(L, 'First argument must be a number (log level).');
  const level = toCInt(lua.lua_tonumber(L, 1));
  if (level < 0 || level > 3) raise(L, levelError);
  return 0;
}

function redisSha1hex(L: lua_State): number {
  if (lua.lua_gettop(L) !== 1) raise(L, 'wrong number of arguments');
  const bytes = lua.lua_tolstring(L, 1) ?? new Uint8Array(0);
  lua.lua_pushstring(L, createHash('sha1').update(bytes).digest('hex'));
  return 1;
}

/** luaL_error: the message, prefixed with "user_script:LINE: " when the caller is Lua code. */
function luaError(L: lua_State, msg: string): never {
  lauxlib.luaL_where(L, 1);
  lua.lua_pushstring(L, msg);
  lua.lua_concat(L, 2);
  return lua.lua_error(L);
}

/** __index of the globals: luaProtectedTableError. */
function missingGlobal(L: lua_State): number {
  const name = lua.lua_isstring(L, 2) ? lua.lua_tojsstring(L, 2) : '?';
  return luaError(L, `Script attempted to access nonexistent global variable '${name}'`);
}

/** __newindex of the globals: what Redis's read-only tables raise (a VM error at the writing line). */
function readonlyTable(L: lua_State): number {
  return luaError(L, 'Attempt to modify a readonly table');
}
