// The Lua glue's number conversions (src/model/redis/lua/number-format.ts) at every branch:
// Redis 7.0's printf("%.17g") (each text checked against redis-server 7.0.15: SET from EVAL, then
// GET), Redis 7.2's fpconv_dtoa layout (deps/fpconv emit_digits, worked out by hand from the
// shortest digits; the layout's edges: exponent at exp = digits + 7, at exp 4 past K -7, two exponent
// digits at 99, one at 9), the C casts, and the shebang line.
import { ScriptError } from '../src/model/redis/lua/errors.js';
import { INT32_MIN, formatLuaNumberArg, toCInt, toLongLong } from '../src/model/redis/lua/number-format.js';
import { parseShebang } from '../src/model/redis/lua/shebang.js';

describe('Redis 7.0: %.17g', () => {
  test.each([
    [0.1, '0.10000000000000001'],
    [1 / 3, '0.33333333333333331'],
    [1e17, '1e+17'],
    [1e16, '10000000000000000'],
    [123.456, '123.456'],
    [1.5e-5, '1.5e-05'],
    [0.0001, '0.0001'],
    [2 ** 53 + 2, '9007199254740994'],
    [-2.5, '-2.5'],
    [1e300, '1.0000000000000001e+300'],
    [5e-324, '4.9406564584124654e-324'],
    [100, '100'],
    [-0, '-0'],
    [0, '0'],
    [NaN, '-nan'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ])('%p -> %s', (n, text) => {
    expect(formatLuaNumberArg(n)).toBe(text);
    expect(formatLuaNumberArg(n, '7.0')).toBe(text);
  });
});

describe('Redis 7.2: fpconv_dtoa', () => {
  test.each([
    [0.1, '0.1'], // digits 1, K -1: 0.1
    [1.5, '1.5'],
    [123.456, '123.456'],
    [1.5e-5, '0.000015'], // K -6 > -7: fixed
    [1.5e-7, '1.5e-7'], // K -8, |e| 7 >= 4: exponent, no padding
    [0.0012345678, '0.0012345678'], // K -10 but |e| 3 < 4: fixed
    [1.2345678e-10, '1.2345678e-10'],
    [1e21, '1e+21'],
    [1.5e20, '1.5e+20'],
    [1e300, '1e+300'], // hundreds, then a 0 for the tens
    [1e-300, '1e-300'],
    [1.5e105, '1.5e+105'],
    [2 ** 63, '9223372036854776000'], // K 3 >= 0 and |e| 18 < 16 + 7: digits and zeros
    [2 ** 62, '4611686018427387904'], // an integer up to 2^62: in full
    [-(2 ** 62), '-4611686018427387904'],
    [-(2 ** 63), '-9223372036854776000'], // below -2^62: the shortest digits and zeros, as 2^63
    [2 ** 53 + 2, '9007199254740994'],
    [-0, '0'],
    [-2.5, '-2.5'],
    [NaN, '-nan'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ])('%p -> %s', (n, text) => {
    expect(formatLuaNumberArg(n, '7.2')).toBe(text);
  });
});

describe('C casts', () => {
  test('(long long): truncation toward zero; NaN and out of range give INT64_MIN', () => {
    expect([toLongLong(1.9), toLongLong(-1.9), toLongLong(-(2 ** 63)), toLongLong(2 ** 63 - 1024)]).toEqual([1, -1, -(2 ** 63), 2 ** 63 - 1024]);
    expect([toLongLong(NaN), toLongLong(2 ** 63), toLongLong(-(2 ** 63) - 4096), toLongLong(Infinity)]).toEqual([-(2 ** 63), -(2 ** 63), -(2 ** 63), -(2 ** 63)]);
    expect(Object.is(toLongLong(-0.5), 0)).toBe(true);
  });

  test('(int): truncation; outside int32 gives INT32_MIN', () => {
    expect([toCInt(2147483647.9), toCInt(-2147483648.5), toCInt(-7.9)]).toEqual([2147483647, -2147483648, -7]);
    expect([toCInt(2147483648), toCInt(-2147483649), INT32_MIN]).toEqual([INT32_MIN, INT32_MIN, -2147483648]);
  });
});

describe('the shebang line (eval.c evalExtractShebangFlags)', () => {
  // Each error text checked against redis-server 7.0.15 (EVAL gives it with "ERR " in front).
  const err = (src: string): string => {
    try {
      parseShebang(src);
      return 'no error';
    } catch (e) {
      return e instanceof ScriptError ? e.reply().message : String(e);
    }
  };

  test('no shebang: the body starts at 0', () => {
    expect(parseShebang('return 1')).toEqual({ bodyOffset: 0, noWrites: false });
    expect(parseShebang(' #!lua\nreturn 1')).toEqual({ bodyOffset: 0, noWrites: false });
  });

  test('flags: no-writes is the one that matters; spaces and tabs separate; an empty list is none', () => {
    expect(parseShebang('#!lua flags=no-writes\nreturn 1')).toEqual({ bodyOffset: 21, noWrites: true });
    expect(parseShebang('#!lua  \t flags=allow-oom,no-cluster \nreturn 1')).toEqual({ bodyOffset: 36, noWrites: false });
    expect(parseShebang('#!lua flags=allow-stale,no-writes,allow-cross-slot-keys\n')).toEqual({ bodyOffset: 55, noWrites: true });
    expect(parseShebang('#!lua\nreturn 1')).toEqual({ bodyOffset: 5, noWrites: false });
    expect(parseShebang('#!lua flags=\nreturn 1')).toEqual({ bodyOffset: 12, noWrites: false });
  });

  test('errors, as Redis words them', () => {
    expect(err('#!lua')).toBe('ERR Invalid script shebang');
    expect(err('#!python\nreturn 1')).toBe('ERR Unexpected engine in script shebang: #!python');
    expect(err('#!\nreturn 1')).toBe('ERR Unexpected engine in script shebang: #!');
    expect(err('#!lua foo=bar\nreturn 1')).toBe('ERR Unknown lua shebang option: foo=bar');
    expect(err('#!lua flags=no-writes,bogus\nreturn 1')).toBe('ERR Unexpected flag in script shebang: bogus');
  });
});

describe('Redis 7.2 layout edges (fpconv emit_digits)', () => {
  test.each([
    [1.234567890123456e23, '1.234567890123456e+23'], // K 8 >= 0 but exp 23 = 16 digits + 7: exponent
    [1.2345678e-4, '1.2345678e-4'], // K -11 <= -7 and exp 4 is not below 4: exponent
    [1e99, '1e+99'], // no hundreds: two digits
    [1e-9, '1e-9'], // one digit, no padding
  ])('%p -> %s', (n, text) => {
    expect(formatLuaNumberArg(n, '7.2')).toBe(text);
  });
});
