// Redis's math.random: the redisLrand48 generator of src/rand.c, and math.random and
// math.randomseed on top of it (redis_math_random in src/script_lua.c, itself Lua 5.1's).

import fengari from 'fengari';
import type { lua_State } from 'fengari';
import { luaError } from './errors.js';
import { INT32_MAX, pushNumber, toCInt } from './number-format.js';

const { lua, lauxlib } = fengari;

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

/** Replaces math.random and math.randomseed with ones driven by `random`. */
export function installMathRandom(L: lua_State, random: Lrand48): void {
  lua.lua_getglobal(L, 'math');
  lua.lua_pushcfunction(L, (st) => mathRandom(st, random));
  lua.lua_setfield(L, -2, 'random');
  lua.lua_pushcfunction(L, (st) => {
    random.seed(toCInt(lauxlib.luaL_checknumber(st, 1)));
    return 0;
  });
  lua.lua_setfield(L, -2, 'randomseed');
  lua.lua_pop(L, 1);
}

/** math.random with redisLrand48 (redis_math_random in script_lua.c, itself Lua 5.1's). */
function mathRandom(L: lua_State, random: Lrand48): number {
  const r = (random.next() % INT32_MAX) / INT32_MAX;
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
