/// <reference path="./fengari-internals.d.ts" />
// The Lua state a script runs in: the libraries Redis loads and the ones it denies
// (src/script_lua.c), the error handler src/eval.c installs, and the read-only tables.

import fengari from 'fengari';
import type { lua_State } from 'fengari';
import lapi from 'fengari/src/lapi.js';
import { luaError } from './errors.js';
import { protectRecursively, isReadonlyTable, READONLY_TABLE_ERROR } from './limits.js';
import { installLoaders } from './loaders.js';
import { installMathRandom, type Lrand48 } from './lrand48.js';
import { installLua51NumberText } from './number-text.js';
import { redisPcall } from './redis-api.js';
import { installLua51Compat, installLua51Names, lua51Error, LUA51_COMPAT } from './shims.js';

const { lua, lauxlib, lualib, to_luastring } = fengari;
const { LUA_MULTRET, LUA_OK, LUA_REGISTRYINDEX } = lua;

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

/**
 * The libraries Redis loads that fengari has (no os/io: wall clock, files), with Lua 5.1's
 * names, Redis's pcall and math.random driven by `random`.
 */
export function openLibraries(L: lua_State, random: Lrand48): void {
  installLua51NumberText();
  const libs: [string, (L: lua_State) => number][] = [
    ['_G', lualib.luaopen_base],
    ['coroutine', lualib.luaopen_coroutine], // part of the base library in Lua 5.1
    ['table', lualib.luaopen_table],
    ['string', lualib.luaopen_string],
    ['math', lualib.luaopen_math],
    ['debug', lualib.luaopen_debug], // for the error handler only; removed by installErrorHandler
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
  installLua51Names(L);
  installLoaders(L);
  guardSetmetatable(L);
  lua.lua_pushcfunction(L, xpcall51);
  lua.lua_setglobal(L, 'xpcall');

  lua.lua_pushcfunction(L, redisPcall);
  lua.lua_setglobal(L, 'pcall');
  lua.lua_pushcfunction(L, lua51Error);
  lua.lua_setglobal(L, 'error');
  runSetupChunk(L, LUA51_COMPAT, '@lua51_compat', 0);
  installLua51Compat(L);
  installMathRandom(L, random);
}

/** Loads the error handler; returns a registry ref to it. */
export function installErrorHandler(L: lua_State): number {
  const handlerRef = runSetupChunk(L, ERROR_HANDLER, '@err_handler_def', 0);
  lua.lua_pushnil(L);
  lua.lua_setglobal(L, 'debug'); // as eval.c does once the handler holds debug.getinfo
  return handlerRef;
}

/**
 * Makes the globals read-only as Redis 7 does once its Lua state is set up: a read of a missing
 * global fails (luaSetErrorMetatable), and the globals, every table they hold (string, math,
 * table, coroutine, redis, ...), their metatables and the strings' metatable become read-only
 * (luaSetTableProtectionRecursively), so nothing a call writes survives it.
 */
export function protectGlobals(L: lua_State): void {
  lua.lua_pushglobaltable(L);
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushcfunction(L, missingGlobal);
  lua.lua_setfield(L, -2, '__index');
  lua.lua_setmetatable(L, -2);
  protectRecursively(L);
  lua.lua_pop(L, 1);
  lua.lua_pushstring(L, '');
  if (lapi.lua_getmetatable(L, -1)) {
    protectRecursively(L);
    lua.lua_pop(L, 1);
  }
  lua.lua_pop(L, 1);
}

/** setmetatable refuses a read-only table, as Redis's lua_setmetatable does (no position: a built-in raised). */
function guardSetmetatable(L: lua_State): void {
  lua.lua_getglobal(L, 'setmetatable');
  const setmetatable = lua.lua_tocfunction(L, -1)!;
  lua.lua_pop(L, 1);
  lua.lua_pushcfunction(L, (st) => {
    if (isReadonlyTable(st, 1)) {
      lua.lua_pushstring(st, READONLY_TABLE_ERROR);
      return lua.lua_error(st);
    }
    return setmetatable(st);
  });
  lua.lua_setglobal(L, 'setmetatable');
}

/**
 * Lua 5.1's xpcall(f, handler): f runs with no arguments; on an error, handler(error) gives the
 * second result, and an error in the handler gives "error in error handling". The handler runs
 * once f's frames are unwound rather than on top of them: the difference shows only through the
 * debug library, which scripts do not have, and it keeps the handler under the count hook when
 * the error was the hook's own (a Lua handler would otherwise run with hooks off, unstoppable).
 */
function xpcall51(L: lua_State): number {
  lauxlib.luaL_checkany(L, 2);
  lua.lua_settop(L, 2); // f, handler
  lua.lua_pushvalue(L, 1);
  if (lua.lua_pcall(L, 0, LUA_MULTRET, 0) === LUA_OK) {
    lua.lua_pushboolean(L, true);
    lua.lua_replace(L, 1);
    lua.lua_remove(L, 2); // true, results...
    return lua.lua_gettop(L);
  }
  lua.lua_pushvalue(L, 2);
  lua.lua_insert(L, -2); // f, handler, handler, error
  if (lua.lua_pcall(L, 1, 1, 0) !== LUA_OK) {
    lua.lua_pop(L, 1);
    lua.lua_pushstring(L, 'error in error handling');
  }
  lua.lua_pushboolean(L, false);
  lua.lua_insert(L, -2);
  return 2;
}

/** Runs a setup chunk with `nargs` values already pushed; returns a registry ref to its result. */
function runSetupChunk(L: lua_State, code: string, name: string, nargs: number): number {
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

/** __index of the globals: luaProtectedTableError. */
function missingGlobal(L: lua_State): number {
  const name = lua.lua_isstring(L, 2) ? lua.lua_tojsstring(L, 2) : '?';
  return luaError(L, `Script attempted to access nonexistent global variable '${name}'`);
}
