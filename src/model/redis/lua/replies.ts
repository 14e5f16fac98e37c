// Values crossing between Lua and Redis, both ways: command replies pushed as Lua values
// (redisProtocolToLuaType_*) and a script's result read as a reply (luaReplyToRedisReply),
// both in src/script_lua.c, plus the cache that keeps the strings' conversion cheap.

/// <reference path="./fengari-internals.d.ts" />
import fengari from 'fengari';
import type { lua_State } from 'fengari';
import lobject from 'fengari/src/lobject.js';
import lstring, { type TString } from 'fengari/src/lstring.js';
import { RedisError, RedisStatus, type RedisReply } from '../keyspace.js';
import { ERR_KEY, oneLine, pushCommandError, trimCrLf } from './errors.js';
import { chargeNewString } from './limits.js';
import { pushNumber, toLongLong } from './number-format.js';

const { lua, to_luastring, to_jsstring } = fengari;
const { LUA_TNIL, LUA_TBOOLEAN, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE } = lua;

/** The field of a status reply table {ok = "OK"}, encoded once. */
export const OK_KEY = to_luastring('ok', true);

/** Nesting depth at which a returned table is cut off, as Redis does when its Lua C stack runs out. */
const MAX_REPLY_DEPTH = 1000;

/** How many strings a script state keeps encoded before it starts the cache afresh. */
const STRING_CACHE_LIMIT = 4096;

/** How many strings seen once a script state remembers, to keep them when they come again. */
const CANDIDATES = 8;

/** How many Lua strings read last a script state compares by identity before its WeakMap. */
const RECENT_READS = 8;

/**
 * Converting strings between JS and fengari costs more than running the inventory script, so
 * strings that recur (key names, field names, ARGV values, the replies of HGET) are converted
 * once: pushes reuse the Lua string made for the same JS string (Lua strings are immutable),
 * reads remember the JS string of each Lua string. A reply is kept once it has come twice in a
 * short while, so that a counter's ever-new values do not churn the cache.
 */
export class StringCache {
  private readonly pushed = new Map<string, TString>();
  private readonly decoded = new WeakMap<Uint8Array, string>();
  // A redis.call's arguments are mostly the same few Lua strings every call (the script's
  // constants, KEYS and ARGV): found by identity here, cheaper than a WeakMap lookup.
  private readonly recentBytes: (Uint8Array | null)[] = new Array<Uint8Array | null>(RECENT_READS).fill(null);
  private readonly recentStrings: string[] = new Array<string>(RECENT_READS).fill('');
  private nextRecent = 0;
  private readonly seenOnce: string[] = new Array<string>(CANDIDATES).fill('');
  private nextCandidate = 0;

  /**
   * Pushes s as a Lua string; the running call is charged its bytes, as for a new string.
   * `keep`: cache it at once (KEYS and ARGV values), else only once it recurs.
   */
  push(L: lua_State, s: string, keep: boolean): void {
    let ts = this.pushed.get(s);
    if (ts === undefined) {
      ts = lstring.luaS_bless(L, encode(s)); // a new string: the meter charges it (limits.ts)
      if (keep || this.recurs(s)) {
        // Many distinct values (say, one per user) would fill it: start again, keep it bounded.
        if (this.pushed.size >= STRING_CACHE_LIMIT) this.pushed.clear();
        this.pushed.set(s, ts);
      }
    } else chargeNewString(ts.getstr().length);
    lua.lua_checkstack(L, 1);
    lobject.pushsvalue2s(L, ts);
  }

  /** Whether s was among the last CANDIDATES strings pushed without being kept; remembers it if not. */
  private recurs(s: string): boolean {
    for (let i = 0; i < CANDIDATES; i++) if (this.seenOnce[i] === s) return true;
    this.seenOnce[this.nextCandidate] = s;
    this.nextCandidate = (this.nextCandidate + 1) % CANDIDATES;
    return false;
  }

  /** The string at idx (which must be a string) as a JS string; invalid UTF-8 becomes U+FFFD. */
  read(L: lua_State, idx: number): string {
    const bytes = lua.lua_tolstring(L, idx)!;
    for (let i = 0; i < RECENT_READS; i++) if (this.recentBytes[i] === bytes) return this.recentStrings[i]!;
    let s = this.decoded.get(bytes);
    if (s === undefined) {
      s = to_jsstring(bytes, 0, bytes.length, true);
      this.decoded.set(bytes, s);
    }
    this.recentBytes[this.nextRecent] = bytes;
    this.recentStrings[this.nextRecent] = s;
    this.nextRecent = (this.nextRecent + 1) % RECENT_READS;
    return s;
  }
}

/** s in UTF-8, as lua_pushstring encodes it; ASCII (every key and number) byte by byte. */
function encode(s: string): Uint8Array {
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return to_luastring(s);
    bytes[i] = c;
  }
  return bytes;
}

/** Redis reply -> Lua value (redisProtocolToLuaType_* in script_lua.c). */
export function pushReply(L: lua_State, r: RedisReply, strings: StringCache): void {
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
    lua.lua_setfield(L, -2, OK_KEY);
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
export function toReply(L: lua_State, idx: number, depth: number): RedisReply {
  switch (lua.lua_type(L, idx)) {
    case LUA_TSTRING:
      return lua.lua_tojsstring(L, idx)!;
    case LUA_TBOOLEAN:
      return lua.lua_toboolean(L, idx) ? 1 : null;
    case LUA_TNUMBER:
      return toLongLong(lua.lua_tonumber(L, idx));
    case LUA_TTABLE: {
      if (depth >= MAX_REPLY_DEPTH) return new RedisError('ERR reached lua stack limit');
      const err = rawStringField(L, idx, ERR_KEY);
      if (err !== null) {
        // addReplyErrorFormatEx("-%s"): trimmed, newlines mapped, code kept as written.
        return new RedisError(oneLine(trimCrLf(`-${err}`)).slice(1));
      }
      const ok = rawStringField(L, idx, OK_KEY);
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
