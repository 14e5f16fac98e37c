// The shortcuts between Lua and the keyspace: strings read back by identity, commands found by
// the name last used, integers parsed without a regular expression. Each must give what the
// slow way gives, whatever the order and number of distinct values.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { Keyspace, parseInt64 } from '../src/model/redis/keyspace.js';
import { LuaScript } from '../src/model/redis/lua/script.js';

describe('redis.call arguments read back by identity', () => {
  // Each ARGV value is written under itself and read back, then under each command name in turn:
  // more distinct strings than the cache keeps, repeated in any order.
  const SCRIPT = `
    local out = {}
    for i = 1, #ARGV do
      redis.call(KEYS[1 + i % 3], ARGV[i], ARGV[i] .. ':' .. i)
      out[#out + 1] = redis.call('GET', ARGV[i])
      out[#out + 1] = redis.call('HGET', 'h', ARGV[i]) or '-'
    end
    return out`;

  test('worked by hand: a repeated value reads its latest write', () => {
    const script = new LuaScript(SCRIPT, new Keyspace());
    // i=1 sets a='a:1', i=2 b='b:2', i=3 a='a:3'; no hash 'h', so every HGET is nil
    expect(script.call(['SET', 'SET', 'SET'], ['a', 'b', 'a'])).toEqual(['a:1', '-', 'b:2', '-', 'a:3', '-']);
  });

  test('any sequence of up to 20 values out of 12: what a plain map gives', () => {
    const value = fc.constantFrom('k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'k10', 'é');
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 20 }), (argv) => {
        const script = new LuaScript(SCRIPT, new Keyspace());
        const expected: string[] = [];
        const strings = new Map<string, string>();
        argv.forEach((k, j) => {
          strings.set(k, `${k}:${j + 1}`);
          expected.push(strings.get(k)!, '-');
        });
        // every key is a SET key here; a second call with the same values gives the same reply
        expect(script.call(['SET', 'SET', 'SET'], argv)).toEqual(expected);
        expect(script.call(['SET', 'SET', 'SET'], argv)).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  test('commands named in turn: each runs its own command', () => {
    const script = new LuaScript(
      `local out = {}
       for i = 1, 3 do
         for _, c in ipairs({'HSET', 'INCR', 'HINCRBY', 'TYPE'}) do
           local r
           if c == 'HSET' then r = redis.call(c, 'h', 'f', i)
           elseif c == 'INCR' then r = redis.call(c, 'n')
           elseif c == 'HINCRBY' then r = redis.call(c, 'h', 'f', 10)
           else r = redis.call(c, 'h')['ok'] end
           out[#out + 1] = r
         end
       end
       return out`,
      new Keyspace(),
    );
    // HSET 1 then 0; INCR 1, 2, 3; HINCRBY i + 10; TYPE's status {ok='hash'}
    expect(script.call([], [])).toEqual([1, 1, 11, 'hash', 0, 2, 12, 'hash', 0, 3, 13, 'hash']);
    // the same names again in the next call, in another order
    const again = new LuaScript("return {redis.call('TYPE', 'n')['ok'], redis.call('INCR', 'n'), redis.call('HSET', 'h', 'g', 1)}", new Keyspace());
    expect(again.call([], [])).toEqual(['none', 1, 1]);
  });
});

describe('parseInt64 without a regular expression', () => {
  const CANONICAL_INT = /^(?:0|-?[1-9][0-9]*)$/;
  test('accepts exactly what /^(?:0|-?[1-9][0-9]*)$/ accepts (up to 20 characters)', () => {
    const ch = fc.constantFrom('0', '1', '5', '9', '-', '+', ' ', 'a', '.', '/', ':');
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 20 }), (chars) => {
        const s = chars.join('');
        expect(parseInt64(s) !== null).toBe(s.length > 0 && CANONICAL_INT.test(s) && BigInt(s) < 2n ** 63n && BigInt(s) >= -(2n ** 63n));
      }),
      { numRuns: 2000 },
    );
  });

  test('the edges by hand', () => {
    expect(['0', '-1', '10', '-9', '9223372036854775807'].map(parseInt64)).toEqual([0, -1, 10, -9, 9223372036854775807n]);
    expect(['', '-', '-0', '00', '01', '+1', '1-', '٣', '9223372036854775808'].map(parseInt64)).toEqual(Array(9).fill(null));
  });
});
