// The simulated Redis keyspace: replies and error texts as redis-server 7 gives them
// (the expected values below were checked against redis-server 7.0.15 and 7.2.6).
import { describe, expect, test } from '@jest/globals';
import { Keyspace, parseInt64, RedisError, RedisStatus } from '../src/model/redis/keyspace.js';

const WRONGTYPE = new RedisError('WRONGTYPE Operation against a key holding the wrong kind of value');
const NOT_INT = new RedisError('ERR value is not an integer or out of range');
const OVERFLOW = new RedisError('ERR increment or decrement would overflow');
const OK = new RedisStatus('OK');

function fresh(): Keyspace {
  const ks = new Keyspace();
  expect(ks.command(['SET', 'str', 'abc'])).toEqual(OK);
  expect(ks.command(['HSET', 'hash', 'f', '1'])).toBe(1);
  return ks;
}

describe('parseInt64 (string2ll)', () => {
  test('accepts canonical signed 64-bit decimals', () => {
    expect(parseInt64('0')).toBe(0);
    expect(parseInt64('-17')).toBe(-17);
    expect(parseInt64('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseInt64('-9223372036854775808')).toBe(-9223372036854775808n);
  });
  test('rejects what Redis rejects', () => {
    for (const s of ['', '+1', ' 1', '1 ', '01', '-0', '1.5', '1e3', 'abc', '-', '9223372036854775808', '-9223372036854775809', '00']) {
      expect(parseInt64(s)).toBeNull();
    }
  });
});

describe('commands in general', () => {
  test('names are case-insensitive', () => {
    const ks = new Keyspace();
    expect(ks.command(['sEt', 'k', 'v'])).toEqual(OK);
    expect(ks.command(['get', 'k'])).toBe('v');
  });
  test('unknown command: Redis 7 text with the arguments', () => {
    const ks = new Keyspace();
    expect(ks.command(['FOO', 'a', 'b'])).toEqual(
      new RedisError("ERR unknown command 'FOO', with args beginning with: 'a' 'b' "),
    );
    expect(ks.command(['foo'])).toEqual(new RedisError("ERR unknown command 'foo', with args beginning with: "));
  });
  test('wrong number of arguments names the command in lower case', () => {
    const ks = new Keyspace();
    expect(ks.command(['HGET', 'x'])).toEqual(new RedisError("ERR wrong number of arguments for 'hget' command"));
    expect(ks.command(['GET'])).toEqual(new RedisError("ERR wrong number of arguments for 'get' command"));
    expect(ks.command(['INCR', 'a', 'b'])).toEqual(new RedisError("ERR wrong number of arguments for 'incr' command"));
    expect(ks.command(['DEL'])).toEqual(new RedisError("ERR wrong number of arguments for 'del' command"));
    expect(ks.command(['HSET', 'h', 'f'])).toEqual(new RedisError("ERR wrong number of arguments for 'hset' command"));
    // HSET's field/value pairs must be complete.
    expect(ks.command(['HSET', 'h', 'f', 'v', 'g'])).toEqual(
      new RedisError("ERR wrong number of arguments for 'hset' command"),
    );
    expect(ks.type('h')).toBe('none');
  });
});

describe('strings', () => {
  test('GET and SET', () => {
    const ks = new Keyspace();
    expect(ks.command(['GET', 'k'])).toBeNull();
    expect(ks.command(['SET', 'k', 'v'])).toEqual(OK);
    expect(ks.command(['GET', 'k'])).toBe('v');
    expect(ks.get('k')).toBe('v');
  });
  test('SET NX / XX', () => {
    const ks = new Keyspace();
    expect(ks.command(['SET', 'k', '1', 'XX'])).toBeNull();
    expect(ks.command(['SET', 'k', '1', 'NX'])).toEqual(OK);
    expect(ks.command(['SET', 'k', '2', 'nx'])).toBeNull();
    expect(ks.command(['SET', 'k', '3', 'xx'])).toEqual(OK);
    expect(ks.get('k')).toBe('3');
    expect(ks.command(['SET', 'k', 'v', 'NX', 'XX'])).toEqual(new RedisError('ERR syntax error'));
  });
  test('SET GET returns the old value; NX GET does not write', () => {
    const ks = new Keyspace();
    expect(ks.command(['SET', 'k', 'a', 'GET'])).toBeNull();
    expect(ks.command(['SET', 'k', 'b', 'GET'])).toBe('a');
    expect(ks.command(['SET', 'k', 'c', 'NX', 'GET'])).toBe('b');
    expect(ks.get('k')).toBe('b');
  });
  test('SET expiry options are validated, then ignored (no expiry in the model)', () => {
    const ks = new Keyspace();
    expect(ks.command(['SET', 'k', 'v', 'EX', '10'])).toEqual(OK);
    expect(ks.command(['SET', 'k', 'v', 'PX', '100', 'NX'])).toBeNull();
    expect(ks.command(['SET', 'k', 'v', 'KEEPTTL'])).toEqual(OK);
    expect(ks.command(['SET', 'k', 'v', 'EX', '0'])).toEqual(new RedisError("ERR invalid expire time in 'set' command"));
    expect(ks.command(['SET', 'k', 'v', 'PX', '-5'])).toEqual(new RedisError("ERR invalid expire time in 'set' command"));
    expect(ks.command(['SET', 'k', 'v', 'EX', '9223372036854775807'])).toEqual(
      new RedisError("ERR invalid expire time in 'set' command"),
    );
    expect(ks.command(['SET', 'k', 'v', 'EX', 'x'])).toEqual(NOT_INT);
    expect(ks.command(['SET', 'k', 'v', 'EX'])).toEqual(new RedisError('ERR syntax error'));
    expect(ks.command(['SET', 'k', 'v', 'EX', '10', 'PX', '10'])).toEqual(new RedisError('ERR syntax error'));
    expect(ks.command(['SET', 'k', 'v', 'KEEPTTL', 'EX', '5'])).toEqual(new RedisError('ERR syntax error'));
    expect(ks.command(['SET', 'k', 'v', 'FOO'])).toEqual(new RedisError('ERR syntax error'));
    expect(ks.get('k')).toBe('v');
  });
  test('SET overwrites a hash, but SET GET on a hash is WRONGTYPE', () => {
    const ks = fresh();
    expect(ks.command(['SET', 'hash', 'x', 'GET'])).toEqual(WRONGTYPE);
    expect(ks.type('hash')).toBe('hash');
    expect(ks.command(['SET', 'hash', 'x'])).toEqual(OK);
    expect(ks.type('hash')).toBe('string');
  });
  test('INCR family creates missing keys from 0 and stores decimal strings', () => {
    const ks = new Keyspace();
    expect(ks.command(['INCR', 'a'])).toBe(1);
    expect(ks.command(['INCRBY', 'a', '10'])).toBe(11);
    expect(ks.command(['DECR', 'a'])).toBe(10);
    expect(ks.command(['DECRBY', 'a', '15'])).toBe(-5);
    expect(ks.command(['DECR', 'b'])).toBe(-1);
    expect(ks.get('a')).toBe('-5');
  });
  test('INCR family: non-integers, increments and overflow', () => {
    const ks = fresh();
    expect(ks.command(['INCR', 'str'])).toEqual(NOT_INT);
    for (const v of ['1.5', ' 1', '+1', '01', '-0']) {
      ks.command(['SET', 'n', v]);
      expect(ks.command(['INCR', 'n'])).toEqual(NOT_INT);
    }
    expect(ks.command(['INCRBY', 'str', 'x'])).toEqual(NOT_INT);
    expect(ks.command(['INCRBY', 'hash', 'x'])).toEqual(NOT_INT); // the increment is parsed first
    expect(ks.command(['INCRBY', 'hash', '1'])).toEqual(WRONGTYPE);
    ks.command(['SET', 'big', '9223372036854775806']);
    expect(ks.command(['INCR', 'big'])).toBe(9223372036854775807);
    expect(ks.get('big')).toBe('9223372036854775807');
    expect(ks.command(['INCR', 'big'])).toEqual(OVERFLOW);
    expect(ks.get('big')).toBe('9223372036854775807');
    ks.command(['SET', 'small', '-9223372036854775808']);
    expect(ks.command(['DECR', 'small'])).toEqual(OVERFLOW);
    expect(ks.command(['INCRBY', 'small', '9223372036854775807'])).toBe(-1);
    expect(ks.command(['DECRBY', 'x', '-9223372036854775808'])).toEqual(new RedisError('ERR decrement would overflow'));
    expect(ks.command(['INCRBY', 'x', '9223372036854775808'])).toEqual(NOT_INT);
  });
  test('GET on a hash is WRONGTYPE', () => {
    expect(fresh().command(['GET', 'hash'])).toEqual(WRONGTYPE);
  });
});

describe('hashes', () => {
  test('HSET returns the number of new fields; HGET reads them', () => {
    const ks = new Keyspace();
    expect(ks.command(['HSET', 'h', 'a', '1', 'b', '2'])).toBe(2);
    expect(ks.command(['HSET', 'h', 'a', 'x', 'c', '3'])).toBe(1);
    expect(ks.command(['HGET', 'h', 'a'])).toBe('x');
    expect(ks.command(['HGET', 'h', 'zz'])).toBeNull();
    expect(ks.command(['HGET', 'nokey', 'a'])).toBeNull();
    expect(ks.hget('h', 'c')).toBe('3');
    expect(ks.hget('nokey', 'c')).toBeNull();
  });
  test('HSETNX', () => {
    const ks = new Keyspace();
    expect(ks.command(['HSETNX', 'h', 'a', '1'])).toBe(1);
    expect(ks.command(['HSETNX', 'h', 'a', '2'])).toBe(0);
    expect(ks.hget('h', 'a')).toBe('1');
  });
  test('HINCRBY: creates from 0, returns the new value, errors as Redis', () => {
    const ks = fresh();
    expect(ks.command(['HINCRBY', 'h', 'sold', '1'])).toBe(1);
    expect(ks.command(['HINCRBY', 'h', 'sold', '-3'])).toBe(-2);
    expect(ks.hget('h', 'sold')).toBe('-2');
    ks.command(['HSET', 'h', 'name', 'abc', 'max', '9223372036854775807']);
    expect(ks.command(['HINCRBY', 'h', 'name', '1'])).toEqual(new RedisError('ERR hash value is not an integer'));
    expect(ks.command(['HINCRBY', 'h', 'sold', 'x'])).toEqual(NOT_INT);
    expect(ks.command(['HINCRBY', 'h', 'max', '1'])).toEqual(OVERFLOW);
    expect(ks.command(['HINCRBY', 'h', 'max', '-1'])).toBe(9223372036854775806);
    expect(ks.command(['HINCRBY', 'str', 'f', 'x'])).toEqual(NOT_INT); // the increment is parsed first
    expect(ks.command(['HINCRBY', 'str', 'f', '1'])).toEqual(WRONGTYPE);
  });
  test('HMGET, HGETALL (insertion order, flat), HLEN, HEXISTS', () => {
    const ks = new Keyspace();
    ks.command(['HSET', 'h', 'b', '2', 'a', '1']);
    ks.command(['HSET', 'h', 'b', '3']);
    expect(ks.command(['HMGET', 'h', 'a', 'zz', 'b'])).toEqual(['1', null, '3']);
    expect(ks.command(['HMGET', 'nokey', 'a', 'b'])).toEqual([null, null]);
    expect(ks.command(['HGETALL', 'h'])).toEqual(['b', '3', 'a', '1']);
    expect(ks.command(['HGETALL', 'nokey'])).toEqual([]);
    expect(ks.command(['HLEN', 'h'])).toBe(2);
    expect(ks.command(['HLEN', 'nokey'])).toBe(0);
    expect(ks.command(['HEXISTS', 'h', 'a'])).toBe(1);
    expect(ks.command(['HEXISTS', 'h', 'zz'])).toBe(0);
    expect(ks.command(['HEXISTS', 'nokey', 'a'])).toBe(0);
  });
  test('HDEL counts deleted fields and removes the key with its last field', () => {
    const ks = new Keyspace();
    ks.command(['HSET', 'h', 'a', '1', 'b', '2']);
    expect(ks.command(['HDEL', 'h', 'a', 'a', 'zz'])).toBe(1);
    expect(ks.command(['HDEL', 'nokey', 'a'])).toBe(0);
    expect(ks.command(['HDEL', 'h', 'b'])).toBe(1);
    expect(ks.command(['EXISTS', 'h'])).toBe(0);
    expect(ks.type('h')).toBe('none');
  });
  test('every hash command on a string key is WRONGTYPE', () => {
    const ks = fresh();
    for (const argv of [
      ['HGET', 'str', 'f'],
      ['HSET', 'str', 'f', 'v'],
      ['HSETNX', 'str', 'f', 'v'],
      ['HMGET', 'str', 'f'],
      ['HGETALL', 'str'],
      ['HDEL', 'str', 'f'],
      ['HEXISTS', 'str', 'f'],
      ['HLEN', 'str'],
    ]) {
      expect(ks.command(argv)).toEqual(WRONGTYPE);
    }
    expect(ks.command(['INCR', 'hash'])).toEqual(WRONGTYPE);
    expect(ks.get('str')).toBe('abc');
    expect(() => ks.hget('str', 'f')).toThrow(TypeError);
    expect(() => ks.get('hash')).toThrow(TypeError);
  });
});

describe('keys', () => {
  test('EXISTS counts every argument, DEL each key once, TYPE is a status', () => {
    const ks = fresh();
    expect(ks.command(['EXISTS', 'str', 'str', 'hash', 'nokey'])).toBe(3);
    expect(ks.command(['TYPE', 'str'])).toEqual(new RedisStatus('string'));
    expect(ks.command(['TYPE', 'hash'])).toEqual(new RedisStatus('hash'));
    expect(ks.command(['TYPE', 'nokey'])).toEqual(new RedisStatus('none'));
    expect(ks.command(['DEL', 'str', 'str', 'nokey', 'hash'])).toBe(2);
    expect(ks.size).toBe(0);
  });
  test('snapshot sorts keys and fields; clear empties', () => {
    const a = new Keyspace();
    a.command(['SET', 'z', '1']);
    a.command(['HSET', 'h', 'y', '2', 'x', '1']);
    a.command(['SET', 'a', '0']);
    const b = new Keyspace();
    b.command(['SET', 'a', '0']);
    b.command(['HSET', 'h', 'x', '1', 'y', '2']);
    b.command(['SET', 'z', '1']);
    expect(JSON.stringify(a.snapshot())).toBe('{"a":"0","h":{"x":"1","y":"2"},"z":"1"}');
    expect(JSON.stringify(b.snapshot())).toBe(JSON.stringify(a.snapshot()));
    a.clear();
    expect(a.snapshot()).toEqual({});
    expect(a.size).toBe(0);
  });
});
