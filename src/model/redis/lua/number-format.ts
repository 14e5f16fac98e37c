// How numbers cross between Lua and Redis: redis.call's text for a Lua number argument
// (luaArgsToRedisArgv in src/script_lua.c; deps/fpconv for 7.2+) and the C casts Redis applies.

import fengari from 'fengari';
import type { lua_State } from 'fengari';
import type { RedisVersion } from './version.js';

const { lua } = fengari;

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
const TWO_63 = 2 ** 63;

// x86's default NaN (0/0, inf - inf) has the sign bit set, so C prints "-nan"; JS cannot see a
// NaN's sign, so every NaN is taken to be that one.
const NAN_TEXT = '-nan';

/** How redis.call turns a Lua number argument into a string (luaArgsToRedisArgv). */
export function formatLuaNumberArg(n: number, version: RedisVersion = '7.0'): string {
  return version === '7.0' ? formatG(n, 17) : formatDtoa(n);
}

/** A Lua 5.1 number as text (tostring, `..`): lua_number2str is printf("%.14g"). */
export function formatLua51Number(n: number): string {
  return formatG(n, 14);
}

/** C's printf("%.<precision>g") as glibc does it: from the double's exact value, ties to even. */
export function formatG(n: number, precision: number): string {
  if (Number.isSafeInteger(n) && Math.abs(n) < 10 ** precision && !Object.is(n, -0)) return String(n); // all digits
  if (Number.isNaN(n)) return NAN_TEXT;
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [digits, x] = significantDigits(Math.abs(n), precision);
  const sign = n < 0 ? '-' : '';
  const strip = (t: string): string => t.replace(/0+$/, '').replace(/\.$/, ''); // every t has a '.'
  if (x < -4 || x >= precision) {
    const mant = strip(`${digits[0]!}.${digits.slice(1)}`);
    return `${sign}${mant}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  }
  const fixed = x >= 0 ? `${digits.slice(0, x + 1)}.${digits.slice(x + 1)}` : `0.${'0'.repeat(-x - 1)}${digits}`;
  return sign + strip(fixed);
}

/**
 * The first `precision` significant digits of a positive finite a, rounded as glibc rounds, and
 * the decimal exponent of the first. toExponential rounds from the exact value too, but takes a
 * tie away from zero: a tie shows as a final 5 one digit further that is the exact value's end.
 */
function significantDigits(a: number, precision: number): [string, number] {
  const [wider, wideExp] = a.toExponential(precision).split('e') as [string, string];
  const wideDigits = wider.replace('.', '');
  if (wideDigits.endsWith('5') && Number(wideDigits[precision - 1]) % 2 === 0) {
    if (isExactly(a, BigInt(wideDigits), Number(wideExp) - precision)) return [wideDigits.slice(0, precision), Number(wideExp)];
  }
  const [mant, exp] = a.toExponential(precision - 1).split('e') as [string, string];
  return [mant.replace('.', ''), Number(exp)];
}

/** Whether a positive finite double is exactly digits * 10^k. */
function isExactly(a: number, digits: bigint, k: number): boolean {
  let m = a;
  let halvings = 0; // a = m / 2^halvings, m an integer (doubling is exact)
  while (!Number.isInteger(m)) {
    m *= 2;
    halvings++;
  }
  const lhs = BigInt(m) * 10n ** BigInt(Math.max(0, -k));
  return lhs === digits * 10n ** BigInt(Math.max(0, k)) * 2n ** BigInt(halvings);
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
export function toLongLong(d: number): number {
  if (Number.isNaN(d) || d >= TWO_63 || d < -TWO_63) return -TWO_63;
  const t = Math.trunc(d);
  return t === 0 ? 0 : t;
}

/** C (int) cast of a Lua number, as luaL_checkint does in Lua 5.1. */
export function toCInt(n: number): number {
  const t = Math.trunc(n);
  return t >= INT32_MIN && t <= INT32_MAX ? t : INT32_MIN;
}

/** Pushes a number the way Lua 5.1 would print it: integral values as integers when they fit. */
export function pushNumber(L: lua_State, n: number): void {
  if (Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX) lua.lua_pushinteger(L, n === 0 ? 0 : n);
  else lua.lua_pushnumber(L, n);
}
