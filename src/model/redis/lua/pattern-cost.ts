// A bound on what one Lua pattern search may cost, checked before it runs. The matcher
// (lstrlib.c's match, and fengari's port of it) backtracks: each quantified single-character item
// (`*`, `+`, `-`) may try every length of the rest of the subject, `?` two ways, a back-reference
// (%1..%9) compares up to the whole subject, and an unanchored search tries every start. So a
// search over n bytes takes at most (n+1)^(1 + quantifiers + back-references) * 2^optionals steps.
// fengari's matcher runs inside one library call, where neither the count hook nor anything else can
// stop it (real Redis cannot stop one either: its hook fires between VM instructions only), so a
// search whose bound passes PATTERN_STEPS_MAX is refused before it starts, deterministically.
// The bound is a worst case: a search refused here might have ended quickly on its actual input.
import fengari from 'fengari';
import type { lua_State } from 'fengari';

const { lua } = fengari;
const { LUA_TSTRING } = lua;

/** The most steps a search's worst case may reach (about 2-5 s of fengari). */
export const PATTERN_STEPS_MAX = 1e8;

const PERCENT = 0x25; // %
const OPEN_SET = 0x5b; // [
const CLOSE_SET = 0x5d; // ]
const CARET = 0x5e; // ^
const QUANTIFIERS = new Set([0x2a, 0x2b, 0x2d]); // * + -
const OPTIONAL = 0x3f; // ?

/** Counts the pattern's backtracking items: quantifiers (with back-references) and optionals. */
function backtrackingItems(p: Uint8Array): { multiply: number; optionals: number } {
  let multiply = 0;
  let optionals = 0;
  let i = p[0] === CARET ? 1 : 0;
  while (i < p.length) {
    const c = p[i];
    let next = i + 1;
    if (c === PERCENT) {
      const d = p[i + 1] ?? 0;
      if (d >= 0x31 && d <= 0x39) multiply++; // %1..%9: a back-reference
      next = d === 0x62 ? i + 4 : d === 0x66 ? skipSet(p, i + 2) : i + 2; // %bxy, %f[set]
    } else if (c === OPEN_SET) next = skipSet(p, i);
    const q = p[next];
    if (q !== undefined && QUANTIFIERS.has(q)) (multiply++, next++);
    else if (q === OPTIONAL) (optionals++, next++);
    i = next;
  }
  return { multiply, optionals };
}

/** The index just past the set that opens at `open` (a `[`), as lstrlib.c's classEnd reads it. */
function skipSet(p: Uint8Array, open: number): number {
  let i = open + 1;
  if (p[i] === CARET) i++;
  do {
    if (i >= p.length) return p.length; // malformed: the matcher itself reports it
    if (p[i] === PERCENT) i++;
    i++;
  } while (p[i] !== CLOSE_SET);
  return i + 1;
}

/** The worst-case steps of one search for `pattern` over `subjectBytes` bytes. */
export function patternStepBound(subjectBytes: number, pattern: Uint8Array): number {
  const { multiply, optionals } = backtrackingItems(pattern);
  const starts = pattern[0] === CARET ? 1 : subjectBytes + 1;
  return starts * (subjectBytes + 1) ** multiply * 2 ** optionals;
}

/**
 * Wraps string.find, match, gmatch and gsub (on the `string` table at the top of L's stack) so that
 * a search whose worst case passes PATTERN_STEPS_MAX raises a Lua error instead of running.
 */
export function boundPatternSearches(L: lua_State): void {
  for (const name of ['find', 'match', 'gmatch', 'gsub']) {
    lua.lua_getfield(L, -1, name);
    const search = lua.lua_tocfunction(L, -1)!;
    lua.lua_pop(L, 1);
    lua.lua_pushcfunction(L, (st: lua_State) => {
      const plain = name === 'find' && lua.lua_toboolean(st, 4);
      if (!plain && lua.lua_type(st, 1) === LUA_TSTRING && lua.lua_type(st, 2) === LUA_TSTRING) {
        const steps = patternStepBound(lua.lua_rawlen(st, 1), lua.lua_tolstring(st, 2) ?? new Uint8Array(0));
        if (steps > PATTERN_STEPS_MAX) {
          const text = `string.${name}: this pattern over ${lua.lua_rawlen(st, 1)} bytes may backtrack up to ${steps.toExponential(1)} steps; the model refuses searches over ${PATTERN_STEPS_MAX.toExponential(0)} (a real Redis would run it to its end, blocking the server)`;
          lua.lua_pushstring(st, text);
          return lua.lua_error(st);
        }
      }
      return search(st);
    });
    lua.lua_setfield(L, -2, name);
  }
}
