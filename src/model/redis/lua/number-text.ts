/// <reference path="./fengari-internals.d.ts" />
// A script's numbers as text, as Lua 5.1 writes them: every number is a double, printed with
// "%.14g" (lua_number2str in luaconf.h), so 4/2 is "2", 1e15 "1e+15" and 1/0 "inf". fengari is
// Lua 5.3: it writes an integral float with ".0" and its %.14g is JS's shortest form (1e15 as
// "1000000000000000", "Infinity", 0 for -0). Its LUA_COMPAT_FLOATSTRING (read from FENGARICONF
// when fengari loads) would drop only the ".0", and only if set before the first import of
// fengari in every entry (the bundled CLI, worker threads, each jest module registry).
//
// So the two places where fengari turns a float into text are wrapped: luaO_tostring (`..`,
// lua_tolstring, hence string functions given a number and table.concat) and lua_pushfstring's
// "%f" as luaL_tolstring uses it (tostring, string.format's %s). fengari's pushfstring calls its
// own luaO_tostring directly, so the second wrapper is needed. Integers keep fengari's text: a
// 32-bit integer's String(n) is its %.14g.

import fengari from 'fengari';
import lobject from 'fengari/src/lobject.js';
import lstring from 'fengari/src/lstring.js';
import { formatLua51Number } from './number-format.js';

const { to_luastring } = fengari;

// Installed once per loaded copy of fengari.
const PATCHED = Symbol.for('ticketsim.lua.number-text');
const PERCENT = 37;
const LETTER_F = 102;
const PERCENT_S = to_luastring('%s');

/** Makes fengari write floats as Lua 5.1 does, for every state of this copy of fengari. */
export function installLua51NumberText(): void {
  if (lobject[PATCHED] === true) return;
  lobject[PATCHED] = true;
  const tostring = lobject.luaO_tostring;
  lobject.luaO_tostring = (L, obj) => {
    const n = obj.value;
    if (obj.ttisinteger() || typeof n !== 'number') return tostring(L, obj);
    obj.setsvalue(lstring.luaS_bless(L, to_luastring(formatLua51Number(n))));
  };
  const pushvfstring = lobject.luaO_pushvfstring;
  lobject.luaO_pushvfstring = (L, fmt, argp) => {
    // luaL_tolstring's format for a float is "%f" alone; fengari's only other "%f" is in
    // luaL_checkversion's message, which the sandbox never raises.
    const n = argp[0];
    if (fmt.length === 2 && fmt[0] === PERCENT && fmt[1] === LETTER_F && typeof n === 'number') {
      return pushvfstring(L, PERCENT_S, [to_luastring(formatLua51Number(n))]);
    }
    return pushvfstring(L, fmt, argp);
  };
}
