// Errors on both sides: ScriptError for a script that does not compile, the Lua error tables
// {err = "CODE message"} (luaPushErrorBuff, luaError in src/script_lua.c) and the reply a
// failed run gives (luaCallFunction in src/script_lua.c).

import fengari from 'fengari';
import type { lua_State } from 'fengari';
import { RedisError } from '../keyspace.js';

const { lua, lauxlib, to_luastring } = fengari;

/**
 * The script does not compile (Lua syntax error) or has a bad shebang line. Compile errors
 * read "ERR Error compiling script (new function): user_script:1: …".
 */
export class ScriptError extends Error {
  override name = 'ScriptError';
  /** The script line a compile error names ("user_script:3: ..."); null for a bad shebang. */
  get luaLine(): number | null {
    const m = /^Error compiling script \(new function\): user_script:(\d+):/.exec(this.message);
    return m === null ? null : Number(m[1]);
  }
  /** The error reply Redis gives to EVAL for this script. */
  reply(): RedisError {
    return new RedisError(`ERR ${this.message}`);
  }
}

// Field names of an error table, encoded once. The error handler (sandbox.ts) sets source and line.
export const ERR_KEY = to_luastring('err', true);
const SOURCE_KEY = to_luastring('source', true);
const LINE_KEY = to_luastring('line', true);
const IGNORE_STATS_KEY = to_luastring('ignore_error_stats_update', true);

/** Redis replies are protocol lines: CR and LF inside a message become spaces. */
export const oneLine = (s: string): string => s.replace(/[\r\n]/g, ' ');
export const trimCrLf = (s: string): string => s.replace(/^[\r\n]+|[\r\n]+$/g, '');

/**
 * script_lua.c luaPushErrorBuff: "-CODE message" keeps CODE, anything else gets "ERR";
 * pushes {err = "CODE message"}.
 */
export function pushErrorTable(L: lua_State, text: string): void {
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
  lua.lua_setfield(L, -2, ERR_KEY);
}

/** Error table for a failed command; Redis marks these so error stats are not counted twice. */
export function pushCommandError(L: lua_State, text: string): void {
  pushErrorTable(L, text);
  lua.lua_pushboolean(L, true);
  lua.lua_setfield(L, -2, IGNORE_STATS_KEY);
}

/** A syntax error as Lua 5.1 words it: 5.3 leaves <eof>, <name>, <number>, <string> unquoted. */
export function lua51SyntaxError(msg: string): string {
  return msg.replace(/(^|[^'])<(eof|name|number|integer|string)>(?!')/g, "$1'<$2>'");
}

/** Raises {err = "ERR msg"} (luaPushError + luaError). */
export function raise(L: lua_State, msg: string): never {
  pushErrorTable(L, msg);
  return lua.lua_error(L);
}

/** luaL_error: the message, prefixed with "user_script:LINE: " when the caller is Lua code. */
export function luaError(L: lua_State, msg: string): never {
  lauxlib.luaL_where(L, 1);
  lua.lua_pushstring(L, msg);
  lua.lua_concat(L, 2);
  return lua.lua_error(L);
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

/** A value read like C Lua's lua_tostring on an error table field (strings and numbers). */
function stringField(L: lua_State, idx: number, name: Uint8Array): string | null {
  lua.lua_getfield(L, idx, name);
  const s = lua.lua_isstring(L, -1) ? lua.lua_tojsstring(L, -1) : null;
  lua.lua_pop(L, 1);
  return s;
}

/**
 * The reply for a failed run (luaCallFunction in script_lua.c), from the error value at idx.
 * Redis 7's shape: the error text, then " script: <sha1 of the body>, on @user_script:<line>."
 * where <line> is the script line that was running (the caller's line when a built-in raised):
 *   redis.call error:  "ERR hash value is not an integer script: <sha1>, on @user_script:7."
 *   Lua runtime error: "ERR user_script:7: attempt to compare two nil values script: <sha1>, on @user_script:7."
 *   error('boom'):     "ERR user_script:2: boom script: <sha1>, on @user_script:2."
 *   missing global:    "ERR user_script:1: Script attempted to access nonexistent global variable 'x' script: …"
 */
export function failedRunReply(L: lua_State, idx: number, sha1: string): RedisError {
  if (!lua.lua_istable(L, idx)) {
    const msg = lua.lua_isstring(L, idx) ? lua.lua_tojsstring(L, idx)! : 'execution failure';
    return new RedisError(oneLine(trimCrLf(`ERR Error running script ${sha1}, ${msg.slice(0, 100)}`)));
  }
  // Redis would dereference NULL for a table without a string `err`; we say so instead.
  const msg = stringField(L, idx, ERR_KEY) ?? 'ERR error object is not a string';
  const source = stringField(L, idx, SOURCE_KEY);
  const line = stringField(L, idx, LINE_KEY);
  // run_ctx->funcname is the bare SHA1 (evalGenericCommand passes funcname + 2).
  const where = source !== null && line !== null ? ` script: ${sha1}, on ${source}:${line}.` : '';
  return new RedisError(oneLine(lua51TypeError(msg) + where));
}
