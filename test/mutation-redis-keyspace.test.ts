// The simulated keyspace where redis-keyspace.test.ts stops short: the unknown-command text's
// truncation, SET's option grammar at its edges, integers at the number/bigint seam, and the
// logged keyspace (min-replicas refusal, the write log, replication and full resync). Expected
// values worked out by hand from the Redis sources keyspace.ts follows (server.c
// commandCheckExistence, t_string.c parseExtendedStringArgumentsOrReply, util.c string2ll); the
// replies were checked against redis-server 7 with redis-cli.
import { Keyspace, RedisError, RedisStatus, arityOk, lookupCommand, parseInt64 } from '../src/model/redis/keyspace.js';
import type { Command } from '../src/model/redis/keyspace.js';
import { LoggedKeyspace, NOREPLICAS } from '../src/model/redis/logged-keyspace.js';

const OK = new RedisStatus('OK');
const SYNTAX = new RedisError('ERR syntax error');
const BAD_EXPIRE = new RedisError("ERR invalid expire time in 'set' command");

function cmd(name: string): Command {
  const c = lookupCommand(name);
  if (c === undefined) throw new Error(`no command ${name}`);
  return c;
}

describe('unknown command text (commandCheckExistence)', () => {
  test('no arguments, and an empty argv', () => {
    expect(new Keyspace().command([])).toEqual(new RedisError("ERR unknown command '', with args beginning with: "));
  });

  test('arguments are cut to 128 characters in all', () => {
    const a = 'a'.repeat(120);
    // first: "'" + 120 + "' " = 123 < 128, so the second goes in cut to 128 - 123 = 5 characters
    expect(new Keyspace().command(['FOO', a, 'bcdefghij', 'zz'])).toEqual(
      new RedisError(`ERR unknown command 'FOO', with args beginning with: '${a}' 'bcdef' `),
    );
    const long = 'x'.repeat(200);
    expect(new Keyspace().command(['FOO', long, 'y'])).toEqual(
      new RedisError(`ERR unknown command 'FOO', with args beginning with: '${'x'.repeat(128)}' `),
    );
    // the name is cut to 128 too
    const name = 'N'.repeat(130);
    expect(new Keyspace().command([name])).toEqual(
      new RedisError(`ERR unknown command '${'N'.repeat(128)}', with args beginning with: `),
    );
  });

  test('an argument that brings the text to exactly 128 characters is the last', () => {
    const a = 'a'.repeat(125); // "'" + 125 + "' " = 128
    expect(new Keyspace().command(['FOO', a, 'b'])).toEqual(new RedisError(`ERR unknown command 'FOO', with args beginning with: '${a}' `));
  });

  test('CR and LF become spaces', () => {
    expect(new Keyspace().command(['F\r\nO', 'a\nb', 'c\rd'])).toEqual(
      new RedisError("ERR unknown command 'F  O', with args beginning with: 'a b' 'c d' "),
    );
  });
});

describe('SET option grammar', () => {
  test('an option may repeat; the same expiry kind may repeat, another may not', () => {
    const ks = new Keyspace();
    expect(ks.command(['SET', 'k', 'v', 'EX', '10', 'EX', '20'])).toEqual(OK);
    expect(ks.command(['SET', 'k', 'w', 'NX', 'NX'])).toBeNull();
    expect(ks.command(['SET', 'k', 'w', 'GET', 'GET'])).toBe('v');
    expect(ks.command(['SET', 'k', 'x', 'XX', 'XX'])).toEqual(OK);
    expect(ks.command(['SET', 'k', 'y', 'KEEPTTL', 'KEEPTTL'])).toEqual(OK);
    expect(ks.command(['SET', 'k', 'z', 'PXAT', '5', 'EXAT', '5'])).toEqual(SYNTAX);
    expect(ks.command(['SET', 'k', 'z', 'EX', '5', 'KEEPTTL'])).toEqual(SYNTAX);
    expect(ks.command(['SET', 'k', 'z', 'XX', 'NX'])).toEqual(SYNTAX);
    expect(ks.command(['SET', 'k', 'z', 'PX'])).toEqual(SYNTAX);
    expect(ks.command(['SET', 'k', 'z', 'BAR', '10'])).toEqual(SYNTAX); // an unknown option, even with an argument after it
    expect(ks.get('k')).toBe('y');
  });

  test('expiry values: seconds must stay within INT64_MAX / 1000 as milliseconds; ms need only be > 0', () => {
    const ks = new Keyspace();
    // 9223372036854775807 / 1000 = 9223372036854775 (floor)
    expect(ks.command(['SET', 'k', 'v', 'EXAT', '9223372036854775'])).toEqual(OK);
    expect(ks.command(['SET', 'k', 'v', 'EXAT', '9223372036854776'])).toEqual(BAD_EXPIRE);
    expect(ks.command(['SET', 'k', 'v', 'ex', '9223372036854776'])).toEqual(BAD_EXPIRE);
    expect(ks.command(['SET', 'k', 'v', 'PX', '1000000000000000000'])).toEqual(OK);
    expect(ks.command(['SET', 'k', 'v', 'pxat', '9223372036854775807'])).toEqual(OK);
    expect(ks.command(['SET', 'k', 'v', 'PXAT', '0'])).toEqual(BAD_EXPIRE);
    expect(ks.command(['SET', 'k', 'v', 'EX', '1'])).toEqual(OK);
    expect(ks.command(['SET', 'k', 'v', 'PXAT', '1.5'])).toEqual(new RedisError('ERR value is not an integer or out of range'));
  });

  test('XX and NX with GET: the old value comes back whether or not the write happens', () => {
    const ks = new Keyspace();
    expect(ks.command(['SET', 'k', 'a', 'XX', 'GET'])).toBeNull();
    expect(ks.type('k')).toBe('none');
    expect(ks.command(['SET', 'k', 'a', 'NX', 'GET'])).toBeNull();
    expect(ks.get('k')).toBe('a');
    expect(ks.command(['SET', 'k', 'b', 'XX', 'GET'])).toBe('a');
    expect(ks.get('k')).toBe('b');
    expect(ks.command(['SET', 'k', 'c', 'NX'])).toBeNull();
    expect(ks.get('k')).toBe('b');
  });
});

describe('64-bit integers at the number/bigint seam', () => {
  test('15 digits parse to a number, 16 and more to a bigint', () => {
    expect(parseInt64('999999999999999')).toBe(999999999999999);
    expect(parseInt64('-99999999999999')).toBe(-99999999999999);
    expect(parseInt64('1000000000000000')).toBe(1000000000000000n);
    expect(parseInt64('-100000000000000')).toBe(-100000000000000n);
  });

  test('past 2^53 the sum is done exactly and stored exactly', () => {
    const ks = new Keyspace();
    ks.command(['SET', 'n', String(Number.MAX_SAFE_INTEGER)]);
    expect(ks.command(['INCRBY', 'n', '2'])).toBe(9007199254740992); // the reply is a JS number
    expect(ks.get('n')).toBe('9007199254740993');
    ks.command(['SET', 'm', String(Number.MIN_SAFE_INTEGER)]);
    expect(ks.command(['DECR', 'm'])).toBe(-9007199254740992);
    expect(ks.get('m')).toBe('-9007199254740992');
    expect(ks.command(['DECRBY', 'm', '-9007199254740993'])).toBe(1);
    expect(ks.get('m')).toBe('1');
    ks.command(['HSET', 'h', 'f', '9223372036854775000']);
    expect(ks.command(['HINCRBY', 'h', 'f', '807'])).toBe(9223372036854775807);
    expect(ks.hget('h', 'f')).toBe('9223372036854775807');
    expect(ks.command(['HINCRBY', 'h', 'f', '-9223372036854775807'])).toBe(0);
    expect(ks.hget('h', 'f')).toBe('0');
  });

  test('below INT64_MIN is an overflow too', () => {
    const ks = new Keyspace();
    ks.command(['SET', 'n', '-9223372036854775807']);
    expect(ks.command(['DECRBY', 'n', '1'])).toBe(-9223372036854775808);
    expect(ks.command(['DECRBY', 'n', '1'])).toEqual(new RedisError('ERR increment or decrement would overflow'));
    expect(ks.get('n')).toBe('-9223372036854775808');
  });

  test('arity: N exactly, -N at least N', () => {
    expect(arityOk(cmd('get'), 2)).toBe(true);
    expect(arityOk(cmd('get'), 3)).toBe(false);
    expect(arityOk(cmd('get'), 1)).toBe(false);
    expect(arityOk(cmd('set'), 3)).toBe(true);
    expect(arityOk(cmd('set'), 9)).toBe(true);
    expect(arityOk(cmd('set'), 2)).toBe(false);
    expect(lookupCommand('hGetAll')?.name).toBe('hgetall');
    expect(lookupCommand('HGETALL')?.name).toBe('hgetall');
    expect(lookupCommand('nope')).toBeUndefined();
    expect([cmd('hset').arity, cmd('hset').write, cmd('hget').write]).toEqual([-4, true, false]);
  });
});

describe('typed reads', () => {
  test('get and hget: null when missing; a TypeError naming the key when the type is wrong', () => {
    const ks = new Keyspace();
    ks.command(['SET', 's', 'x']);
    ks.command(['HSET', 'h', 'f', '1']);
    expect([ks.get('nokey'), ks.hget('nokey', 'f'), ks.hget('h', 'g')]).toEqual([null, null, null]);
    expect(() => ks.get('h')).toThrow(new TypeError("key 'h' holds a hash, not a string"));
    expect(() => ks.hget('s', 'f')).toThrow(new TypeError("key 's' holds a string, not a hash"));
  });
});

describe('LoggedKeyspace', () => {
  test('writes are logged with the time and a copy of argv; reads and failed writes are not', () => {
    const ks = new LoggedKeyspace();
    ks.now_us = 1500;
    const argv = ['HSET', 'h', 'f', '1'];
    expect(ks.exec(cmd('hset'), argv)).toBe(1);
    argv[3] = 'changed';
    expect(ks.exec(cmd('hget'), ['HGET', 'h', 'f'])).toBe('1');
    ks.now_us = 2500;
    expect(ks.exec(cmd('incr'), ['INCR', 'h'])).toEqual(new RedisError('WRONGTYPE Operation against a key holding the wrong kind of value'));
    expect(ks.exec(cmd('incr'), ['INCR', 'n'])).toBe(1);
    expect(ks.log).toEqual([
      { at_us: 1500, argv: ['HSET', 'h', 'f', '1'] },
      { at_us: 2500, argv: ['INCR', 'n'] },
    ]);
  });

  test('refusing writes (min-replicas): writes get NOREPLICAS and are counted, reads go through', () => {
    const ks = new LoggedKeyspace();
    ks.exec(cmd('set'), ['SET', 'k', 'v']);
    ks.refuseWrites = true;
    expect(ks.exec(cmd('set'), ['SET', 'k', 'w'])).toEqual(new RedisError(NOREPLICAS));
    expect(ks.exec(cmd('get'), ['GET', 'k'])).toBe('v');
    expect(ks.exec(cmd('del'), ['DEL', 'k'])).toEqual(new RedisError('NOREPLICAS Not enough good replicas to write.'));
    expect([ks.writesRefused, ks.log.length, ks.get('k')]).toEqual([2, 1, 'v']);
    ks.refuseWrites = false;
    expect(ks.exec(cmd('set'), ['SET', 'k', 'w'])).toEqual(OK);
    expect([ks.writesRefused, ks.log.length, ks.get('k')]).toEqual([2, 2, 'w']);
  });

  test('a replicated write is applied and logged as the same entry; a full resync copies the log', () => {
    const master = new LoggedKeyspace();
    master.now_us = 7;
    master.exec(cmd('hset'), ['HSET', 'h', 'total', '10', 'sold', '0']);
    master.exec(cmd('hincrby'), ['HINCRBY', 'h', 'sold', '1']);
    const replica = new LoggedKeyspace();
    replica.applyReplicated(master.log[0]);
    expect(replica.log[0]).toBe(master.log[0]);
    expect(replica.hget('h', 'sold')).toBe('0');
    replica.exec(cmd('set'), ['SET', 'stale', 'x']);
    const other = new LoggedKeyspace();
    other.copyFrom(master);
    replica.copyFrom(master);
    expect(replica.snapshot()).toEqual({ h: { sold: '1', total: '10' } });
    expect(replica.log).toEqual(master.log);
    expect(replica.log[1]).toBe(master.log[1]);
    expect(other.snapshot()).toEqual(replica.snapshot());
  });
});
