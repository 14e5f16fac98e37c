/// <reference path="./fengari-internals.d.ts" />
// load and loadstring as Redis's Lua 5.1 has them (lbaselib.c): loadstring(s [, name]) compiles
// a string, load(f [, name]) compiles what the reader function f returns piece by piece. Redis
// builds its Lua without the bytecode loader, so a binary chunk (one that starts with ESC, as
// string.dump's output does) is read as text and fails on its first byte; fengari would load it
// and trust it, and a damaged one breaks the VM.

import fengari from 'fengari';
import type { lua_State } from 'fengari';
import lapi from 'fengari/src/lapi.js';
import lauxlib from 'fengari/src/lauxlib.js';
import { lua51SyntaxError, pushErrorTable } from './errors.js';
import { chargeBeforeAllocating } from './limits.js';

const { lua, to_luastring, to_jsstring } = fengari;
const lauxlib51 = fengari.lauxlib;
const { LUA_OK, LUA_TFUNCTION, LUA_TNIL } = lua;

const ESC = 27; // LUA_SIGNATURE[0]: the first byte of every binary chunk
const LOAD_NAME = to_luastring('=(load)');
// The longest source text Redis's Lua shows in a [string "..."] chunk name (read from redis-server 7.0).
const CHUNKID_TEXT = 63;

/** Sets the globals load and loadstring. */
export function installLoaders(L: lua_State): void {
  lua.lua_pushcfunction(L, loadstring);
  lua.lua_setglobal(L, 'loadstring');
  lua.lua_pushcfunction(L, load);
  lua.lua_setglobal(L, 'load');
}

function loadstring(L: lua_State): number {
  const chunk = lauxlib.luaL_checklstring(L, 1);
  return compileText(L, chunk, lauxlib.luaL_optlstring(L, 2, chunk));
}

function load(L: lua_State): number {
  fengari.lauxlib.luaL_checktype(L, 1, LUA_TFUNCTION);
  const name = lauxlib.luaL_optlstring(L, 2, LOAD_NAME);
  lua.lua_settop(L, 1);
  const pieces: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    lua.lua_pushvalue(L, 1);
    lapi.lua_call(L, 0, 1);
    if (lua.lua_type(L, -1) === LUA_TNIL) break;
    if (!lua.lua_isstring(L, -1)) return readerError(L);
    const piece = lua.lua_tolstring(L, -1)!;
    lua.lua_pop(L, 1);
    if (piece.length === 0) break;
    chargeBeforeAllocating(L, piece.length); // the pieces are joined into one buffer below
    pieces.push(piece);
    size += piece.length;
  }
  const chunk = new Uint8Array(size);
  let at = 0;
  for (const p of pieces) {
    chunk.set(p, at);
    at += p.length;
  }
  return compileText(L, chunk, name);
}

/**
 * A reader that returns neither a string nor nil. 5.1 raises this inside lua_load with
 * luaL_error, so Redis's error handler turns it into an error table, which load then returns
 * after nil: {err = "ERR user_script:LINE: reader function must return a string"}.
 */
function readerError(L: lua_State): number {
  lauxlib51.luaL_where(L, 1);
  const where = lua.lua_tojsstring(L, -1) ?? '';
  lua.lua_settop(L, 0);
  lua.lua_pushnil(L);
  pushErrorTable(L, `${where}reader function must return a string`);
  return 2;
}

/** Compiles a text chunk; pushes the function, or nil and the message (5.1's wording). */
function compileText(L: lua_State, chunk: Uint8Array, name: Uint8Array): number {
  if (chunk.length > 0 && chunk[0] === ESC) {
    lua.lua_pushnil(L);
    lua.lua_pushstring(L, `${chunkId(name)}:1: unexpected symbol near 'char(27)'`);
    return 2;
  }
  if (lauxlib.luaL_loadbufferx(L, chunk, chunk.length, name, 't') === LUA_OK) return 1;
  const msg = lua51SyntaxError(lua.lua_tojsstring(L, -1) ?? '');
  lua.lua_pop(L, 1);
  lua.lua_pushnil(L);
  lua.lua_pushstring(L, msg);
  return 2;
}

/**
 * How Lua 5.1 names a chunk in messages (luaO_chunkid): "=name" is shown as name, anything else
 * as [string "its first line"], cut with "..." at a line break or past CHUNKID_TEXT bytes. The
 * name is a C string there, so it ends at its first NUL byte.
 */
export function chunkId(name: Uint8Array): string {
  let end = name.indexOf(0);
  if (end < 0) end = name.length;
  if (name[0] === 0x3d) return to_jsstring(name, 1, Math.min(end, CHUNKID_TEXT), true);
  let line = 0;
  while (line < end && name[line] !== 10 && name[line] !== 13) line++;
  const cut = line < end || line > CHUNKID_TEXT;
  const text = to_jsstring(name, 0, Math.min(line, CHUNKID_TEXT), true);
  return `[string "${text}${cut ? '...' : ''}"]`;
}
