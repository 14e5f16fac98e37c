// Redis runs Lua 5.1, fengari is Lua 5.3: the 5.1 library functions that 5.3 dropped or changed,
// as lmathlib.c, ltablib.c and lbaselib.c of Lua 5.1 (Redis's deps/lua) define them.

// Added: unpack, loadstring, math.pow/log10/ldexp/frexp/cosh/sinh/tanh/mod, table.getn/setn/
// maxn/foreach/foreachi, string.gfind; error(), math.log and string.rep behave as in 5.1
// (5.3's wording of type errors and of "near <eof>" is rewritten in errors.ts and script.ts).
// Still different: integers are a separate subtype (32-bit in fengari, so integer arithmetic
// wraps at 2^31, and an integer 0 has no sign); 5.3 syntax (//, &, goto) compiles; getfenv,
// setfenv, gcinfo, newproxy and the cjson, cmsgpack, struct and bit libraries are missing.
// Numbers print as 5.1 prints them (number-text.ts).

import fengari from 'fengari';
import type { lua_State } from 'fengari';
import { luaError } from './errors.js';
import { chargeBeforeAllocating } from './limits.js';
import { boundPatternSearches } from './pattern-cost.js';
import { pushNumber, toCInt } from './number-format.js';

const { lua, lauxlib } = fengari;
const { LUA_TNIL, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE } = lua;

// Lua 5.1 library functions that 5.3 dropped and that call back into Lua (the others are in
// installLua51Compat, in JS, so their argument errors read as 5.1's).
export const LUA51_COMPAT = `local table, pairs = table, pairs
table.foreach = function(t, f)
  for k, v in pairs(t) do local r = f(k, v) if r ~= nil then return r end end
end
table.foreachi = function(t, f)
  for i = 1, #t do local r = f(i, t[i]) if r ~= nil then return r end end
end
string.gfind = string.gmatch
math.mod = math.fmod
`;

/** The 5.1 global scripts rely on that 5.3 moved: unpack (loadstring is in loaders.ts). */
export function installLua51Names(L: lua_State): void {
  lua.lua_getglobal(L, 'table');
  lua.lua_getfield(L, -1, 'unpack');
  lua.lua_setglobal(L, 'unpack');
  lua.lua_pop(L, 1);
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
export function installLua51Compat(L: lua_State): void {
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
  chargeBeforeRep(L);
  chargeBeforeConcat(L);
  lua.lua_getglobal(L, 'string');
  boundPatternSearches(L);
  lua.lua_pop(L, 1);
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

/** string.rep builds its result in one buffer: charge the running call for it before it is allocated. */
function chargeBeforeRep(L: lua_State): void {
  lua.lua_getglobal(L, 'string');
  lua.lua_getfield(L, -1, 'rep');
  const rep = lua.lua_tocfunction(L, -1)!;
  lua.lua_pop(L, 1);
  setFunction(L, 'rep', (st) => {
    const n = lua.lua_tonumber(st, 2);
    const s = lua.lua_isstring(st, 1) ? lua.lua_tolstring(st, 1) : null;
    if (s !== null && n > 0) chargeBeforeAllocating(st, s.length * n);
    return rep(st);
  });
  lua.lua_pop(L, 1);
}

// Longest text of a number as table.concat writes it (%.14g, or a 64-bit integer with its sign).
const NUMBER_TEXT_BYTES = 24;

/**
 * table.concat builds its result in a buffer that doubles as it grows: charge the running call for
 * the result's length before any of it is allocated. The length is summed over the raw entries up
 * to the first that is neither string nor number (where table.concat itself stops with an error).
 */
function chargeBeforeConcat(L: lua_State): void {
  lua.lua_getglobal(L, 'table');
  lua.lua_getfield(L, -1, 'concat');
  const concat = lua.lua_tocfunction(L, -1)!;
  lua.lua_pop(L, 1);
  setFunction(L, 'concat', (st) => {
    if (lua.lua_type(st, 1) !== LUA_TTABLE) return concat(st);
    const sepBytes = lua.lua_type(st, 2) === LUA_TSTRING ? lua.lua_rawlen(st, 2) : 0;
    const first = lua.lua_type(st, 3) === LUA_TNUMBER ? lua.lua_tonumber(st, 3) : 1;
    const last = lua.lua_type(st, 4) === LUA_TNUMBER ? lua.lua_tonumber(st, 4) : lua.lua_rawlen(st, 1);
    let bytes = 0;
    if (!Number.isInteger(first) || !Number.isInteger(last)) return concat(st); // which refuses them
    for (let i = first; i <= last; i++) {
      const t = lua.lua_rawgeti(st, 1, i);
      if (t === LUA_TSTRING) bytes += lua.lua_rawlen(st, -1);
      else if (t === LUA_TNUMBER) bytes += NUMBER_TEXT_BYTES;
      lua.lua_pop(st, 1);
      if (t !== LUA_TSTRING && t !== LUA_TNUMBER) break;
      if (i > first) bytes += sepBytes;
    }
    if (bytes > 0) chargeBeforeAllocating(st, bytes);
    return concat(st);
  });
  lua.lua_pop(L, 1);
}

/** Lua 5.1's error(): numbers get the position prefix too (5.3 adds it to strings only). */
export function lua51Error(L: lua_State): number {
  const level = lua.lua_type(L, 2) > LUA_TNIL ? toCInt(lauxlib.luaL_checknumber(L, 2)) : 1;
  lua.lua_settop(L, 1);
  if (lua.lua_isstring(L, 1) && level > 0) {
    lauxlib.luaL_where(L, level);
    lua.lua_pushvalue(L, 1);
    lua.lua_concat(L, 2);
  }
  return lua.lua_error(L);
}
