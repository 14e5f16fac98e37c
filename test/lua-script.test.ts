// Lua scripts run as Redis EVAL runs them. Expected error texts and math.random values were
// read from redis-server 7.0.15 (Debian 12's version, built from source) running the same scripts.
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  FIXED_SCRIPT,
  SOURCE_SCRIPT,
  TICKET_HASH_KEY,
  TICKET_SOLD_FIELD,
  TICKET_TOTAL_FIELD,
} from '../src/scenario/inventory-scripts.js';
import { ScriptError } from '../src/model/redis/lua/errors.js';
import { Lrand48 } from '../src/model/redis/lua/lrand48.js';
import { formatLuaNumberArg } from '../src/model/redis/lua/number-format.js';
import { isTruthyReply } from '../src/model/redis/lua/replies.js';
import { patternStepBound } from '../src/model/redis/lua/pattern-cost.js';
import { LuaScript } from '../src/model/redis/lua/script.js';
import { Keyspace, RedisError, RedisStatus, type RedisReply } from '../src/model/redis/keyspace.js';
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');
const KEYS = [TICKET_HASH_KEY];
const ARGV = [TICKET_TOTAL_FIELD, TICKET_SOLD_FIELD];

/** Runs `src` once on `ks` (a fresh keyspace by default). */
function run(src: string, keys: string[] = [], args: string[] = [], ks = new Keyspace()): RedisReply {
  return new LuaScript(src, ks).call(keys, args);
}

/** The error reply Redis 7 gives when a script fails at `line`. */
const scriptError = (src: string, msg: string, line: number): RedisError =>
  new RedisError(`${msg} script: ${sha1(src)}, on @user_script:${line}.`);

function stocked(total: number, sold = 0): Keyspace {
  const ks = new Keyspace();
  ks.command(['HSET', TICKET_HASH_KEY, TICKET_TOTAL_FIELD, String(total), TICKET_SOLD_FIELD, String(sold)]);
  return ks;
}

describe("the article's inventory scripts", () => {
  test.each([1, 10, 250])('SOURCE_SCRIPT oversells by one: total %i sells total + 1', (total) => {
    const ks = stocked(total);
    const script = new LuaScript(SOURCE_SCRIPT, ks);
    const replies = Array.from({ length: total + 5 }, () => script.call(KEYS, ARGV));
    expect(replies.filter(isTruthyReply)).toHaveLength(total + 1);
    // HINCRBY's new value while it sells, then the script's `return 0`.
    expect(replies).toEqual([...Array.from({ length: total + 1 }, (_, i) => i + 1), 0, 0, 0, 0]);
    expect(ks.hget(TICKET_HASH_KEY, TICKET_SOLD_FIELD)).toBe(String(total + 1));
  });

  test.each([1, 10, 250])('FIXED_SCRIPT sells exactly total %i', (total) => {
    const ks = stocked(total);
    const script = new LuaScript(FIXED_SCRIPT, ks);
    const replies = Array.from({ length: total + 5 }, () => script.call(KEYS, ARGV));
    expect(replies.filter(isTruthyReply)).toHaveLength(total);
    expect(ks.hget(TICKET_HASH_KEY, TICKET_SOLD_FIELD)).toBe(String(total));
  });

  test('a missing key: tonumber(false) is nil, `nil >= nil` fails, the reply is an error', () => {
    const ks = new Keyspace();
    const reply = new LuaScript(SOURCE_SCRIPT, ks).call(KEYS, ARGV);
    expect(reply).toEqual(
      scriptError(SOURCE_SCRIPT, 'ERR user_script:7: attempt to compare two nil values', 7),
    );
    expect(isTruthyReply(reply)).toBe(false);
    expect(ks.snapshot()).toEqual({});
    expect(run('return tonumber(false)')).toBeNull();
  });

  test('a sold field that is not a number: `>=` is `<=` swapped, so nil with number', () => {
    const ks = stocked(3);
    ks.command(['HSET', TICKET_HASH_KEY, TICKET_SOLD_FIELD, 'lots']);
    expect(new LuaScript(SOURCE_SCRIPT, ks).call(KEYS, ARGV)).toEqual(
      scriptError(SOURCE_SCRIPT, 'ERR user_script:7: attempt to compare nil with number', 7),
    );
  });
});

describe('redis.call and redis.pcall', () => {
  test('a redis.call error aborts the script; writes made before it stay', () => {
    const ks = new Keyspace();
    const src = "redis.call('SET', 'a', '1')\nredis.call('HSET', 'a', 'f', 'v')\nredis.call('SET', 'b', '2')";
    expect(run(src, [], [], ks)).toEqual(
      scriptError(src, 'WRONGTYPE Operation against a key holding the wrong kind of value', 2),
    );
    expect(ks.snapshot()).toEqual({ a: '1' });
  });

  test('the error of a redis.call in tail position names its line', () => {
    const src = "redis.call('SET', 's', 'x')\nreturn redis.call('HINCRBY', 's', 'f', 1)";
    expect(run(src)).toEqual(scriptError(src, 'WRONGTYPE Operation against a key holding the wrong kind of value', 2));
    const src2 = "redis.call('HSET', 'h', 'f', 'x')\n\nreturn redis.call('HINCRBY', 'h', 'f', 1)";
    expect(run(src2)).toEqual(scriptError(src2, 'ERR hash value is not an integer', 3));
  });

  test('redis.pcall returns {err=...} instead of raising', () => {
    const ks = new Keyspace();
    ks.command(['SET', 'a', 'x']);
    expect(run("local r = redis.pcall('INCR', 'a')\nreturn {type(r), r.err}", [], [], ks)).toEqual([
      'table',
      'ERR value is not an integer or out of range',
    ]);
    // Returned as is, the table is an error reply (without script context: nothing was raised).
    expect(run("return redis.pcall('INCR', 'a')", [], [], ks)).toEqual(
      new RedisError('ERR value is not an integer or out of range'),
    );
    expect(run("redis.pcall('INCR', 'a')\nreturn redis.call('INCR', 'c')", [], [], ks)).toBe(1);
  });

  test("Redis's pcall catches a redis.call error as its message", () => {
    const ks = new Keyspace();
    ks.command(['SET', 'a', 'x']);
    expect(run("local ok, e = pcall(redis.call, 'INCR', 'a')\nreturn {tostring(ok), e}", [], [], ks)).toEqual([
      'false',
      'ERR value is not an integer or out of range',
    ]);
  });

  test('command checks made before running: unknown, arity, argument types', () => {
    const cases: [string, string][] = [
      ["return redis.call('NOSUCH')", 'ERR Unknown Redis command called from script'],
      ["return redis.call('GET')", 'ERR Wrong number of args calling Redis command from script'],
      ["return redis.call('SET', 'k', {})", 'ERR Lua redis lib command arguments must be strings or integers'],
      ['return redis.call()', 'ERR Please specify at least one argument for this redis lib call'],
    ];
    for (const [src, msg] of cases) expect(run(src)).toEqual(scriptError(src, msg, 1));
  });

  test('replies reach Lua as Redis converts them', () => {
    const ks = new Keyspace();
    ks.command(['HSET', 'h', 'a', '1']);
    expect(run("return type(redis.call('GET', 'nokey'))", [], [], ks)).toBe('boolean');
    expect(run("return redis.call('SET', 'k', 'v').ok", [], [], ks)).toBe('OK');
    expect(run("return type(redis.call('HLEN', 'h'))", [], [], ks)).toBe('number');
    expect(run("return redis.call('HGETALL', 'h')", [], [], ks)).toEqual(['a', '1']);
    expect(run("return redis.call('TYPE', 'h')", [], [], ks)).toEqual(new RedisStatus('hash'));
  });

  test('numbers passed as arguments: Redis 7.0 formats with %.17g, 7.2+ shortest', () => {
    const ks = new Keyspace();
    const src = "redis.call('SET', 'n', 0.1)\nredis.call('SET', 'i', 42)\nreturn {redis.call('GET', 'n'), redis.call('GET', 'i')}";
    expect(new LuaScript(src, ks).call([], [])).toEqual(['0.10000000000000001', '42']);
    expect(new LuaScript(src, ks, { redisVersion: '7.2' }).call([], [])).toEqual(['0.1', '42']);
    expect(formatLuaNumberArg(2 ** 60, '7.0')).toBe('1.152921504606847e+18');
    expect(formatLuaNumberArg(2 ** 60, '7.2')).toBe('1152921504606846976');
    expect(formatLuaNumberArg(1e-7, '7.0')).toBe('9.9999999999999995e-08');
    expect(formatLuaNumberArg(1e-7, '7.2')).toBe('1e-7');
    expect(formatLuaNumberArg(-2.5e-5, '7.2')).toBe('-0.000025');
    expect(formatLuaNumberArg(1 / 0, '7.0')).toBe('inf');
  });
});

describe('strings between Redis and Lua', () => {
  test('replies reach Lua as UTF-8 bytes and come back the same, converted afresh or reused', () => {
    const ks = new Keyspace();
    const value = 'héllo ✓ 😀 \u0000 end';
    ks.command(['SET', 'k', value]);
    ks.command(['SET', 'n', '12345']);
    const src = "local v = redis.call('GET', KEYS[1])\nreturn {v, #v, string.byte(v, 2), #redis.call('GET', 'n'), redis.call('GET', 'n') + 1}";
    const script = new LuaScript(src, ks);
    const bytes = new TextEncoder().encode(value);
    for (let i = 0; i < 3; i++) expect(script.call(['k'], [])).toEqual([value, bytes.length, bytes[1], 5, 12346]);
  });
});

describe('values returned by the script', () => {
  test('numbers are truncated toward zero; out of range is INT64_MIN', () => {
    expect(run('return 3.99')).toBe(3);
    expect(run('return -3.99')).toBe(-3);
    expect(run('return 0.5')).toBe(0);
    expect(run('return 1e20')).toBe(-(2 ** 63));
    expect(run('return 0/0')).toBe(-(2 ** 63));
  });

  test('tables are arrays up to the first nil; false is nil, true is 1', () => {
    expect(run("return {1, 'two', {3, {4.9, 'five'}}, nil, 'gone'}")).toEqual([1, 'two', [3, [4, 'five']]]);
    expect(run('return {true, false, 7}')).toEqual([1, null, 7]);
    expect(run('return {}')).toEqual([]);
    expect(run('return true')).toBe(1);
    expect(run('return false')).toBeNull();
    expect(run('return nil')).toBeNull();
    expect(run('return')).toBeNull();
    expect(run('return KEYS[1] .. ARGV[2]', ['k'], ['a', 'b'])).toBe('kb');
  });

  test('status and error tables, and the redis.* helpers that make them', () => {
    expect(run("return {ok = 'FINE'}")).toEqual(new RedisStatus('FINE'));
    expect(run("return redis.status_reply('PONG')")).toEqual(new RedisStatus('PONG'));
    expect(run("return {err = 'CODE with a code'}")).toEqual(new RedisError('CODE with a code'));
    expect(run("return redis.error_reply('MY_CODE went wrong')")).toEqual(new RedisError('MY_CODE went wrong'));
    expect(run("return redis.error_reply('boom')")).toEqual(new RedisError('ERR boom'));
    expect(run("return {1, {err = 'nested'}, {ok = 'fine'}}")).toEqual([1, new RedisError('nested'), new RedisStatus('fine')]);
  });
});

describe('errors raised by the script', () => {
  test.each([
    ["error('boom')", 'ERR user_script:1: boom', 1],
    ['\n\nerror(42)', 'ERR user_script:3: 42', 3],
    ["error('no position', 0)", 'ERR no position', 1],
    ["error({err = 'SOLDOUT none left'})", 'SOLDOUT none left', 1],
    ['local a = nil\nreturn a.b', "ERR user_script:2: attempt to index local 'a' (a nil value)", 2],
    ['local x\nreturn x + 1', "ERR user_script:2: attempt to perform arithmetic on local 'x' (a nil value)", 2],
    ['return x', "ERR user_script:1: Script attempted to access nonexistent global variable 'x'", 1],
    ['x = 1', 'ERR user_script:1: Attempt to modify a readonly table', 1],
    ['return math.random(0)', "ERR user_script:1: bad argument #1 to 'random' (interval is empty)", 1],
  ] as const)('%j', (src, msg, line) => {
    expect(run(src)).toEqual(scriptError(src, msg, line));
  });

  test('a syntax error is a ScriptError at construction, worded as Redis', () => {
    expect(() => new LuaScript('return (', new Keyspace())).toThrow(ScriptError);
    try {
      new LuaScript('local = 1', new Keyspace());
    } catch (e) {
      expect(e).toBeInstanceOf(ScriptError);
      expect((e as ScriptError).reply()).toEqual(
        new RedisError("ERR Error compiling script (new function): user_script:1: '<name>' expected near '='"),
      );
    }
    expect.assertions(3);
  });

  test('shebang: flags=no-writes refuses writes; other engines are refused', () => {
    const ks = new Keyspace();
    const ro = "#!lua flags=no-writes\nreturn redis.call('SET', 'k', '1')";
    expect(run(ro, [], [], ks)).toEqual(scriptError(ro, 'ERR Write commands are not allowed from read-only scripts.', 2));
    expect(run("#!lua flags=no-writes\nreturn redis.call('GET', 'k')", [], [], ks)).toBeNull();
    expect(() => new LuaScript('#!python\nreturn 1', ks)).toThrow('Unexpected engine in script shebang: #!python');
    expect(() => new LuaScript('#!lua flags=bogus\nreturn 1', ks)).toThrow('Unexpected flag in script shebang: bogus');
  });

  test('maxInstructions stops a script that never ends, even one that catches errors', () => {
    const ks = new Keyspace();
    const loop = 'redis.call("INCR", "n")\nwhile true do pcall(function() while true do end end) end';
    const reply = new LuaScript(loop, ks, { maxInstructions: 10_000 }).call([], []);
    expect(reply).toBeInstanceOf(RedisError);
    expect((reply as RedisError).message).toMatch(/^ERR Script killed by the model after more than 10000 Lua instructions \(redis.lua_max_instructions\) script: /);
    expect(ks.get('n')).toBe('1');
  });
});

describe('the Lua state', () => {
  test('compiled once, reused: state does not leak from one call to the next', () => {
    const script = new LuaScript('local t = {KEYS[1]}\nKEYS[1] = "changed"\nreturn {t[1], #ARGV}', new Keyspace());
    expect(script.call(['a'], ['x'])).toEqual(['a', 1]);
    expect(script.call(['b'], [])).toEqual(['b', 0]);
    expect(script.sha1).toBe(sha1('local t = {KEYS[1]}\nKEYS[1] = "changed"\nreturn {t[1], #ARGV}'));
  });

  test('KEYS and ARGV are as new in every call, whatever the last call did to them', () => {
    // The tables are reused between calls with the same values: any write, a metatable or an
    // error half-way must make the next call see fresh ones (pairs order included).
    const src = `local mode = redis.call('GET', 'mode')
local order = ''
for k in pairs(ARGV) do order = order .. k end
local seen = {#KEYS, KEYS[1], KEYS[2], tostring(KEYS[3]), #ARGV, order, getmetatable(KEYS) == nil and 'plain' or 'meta', tostring(rawget(ARGV, 'x'))}
if mode == 'write' then KEYS[1] = 'changed'; KEYS[3] = 'added'; ARGV.x = 'y'
elseif mode == 'meta' then setmetatable(KEYS, {__index = function() return 'from meta' end})
elseif mode == 'remove' then table.remove(ARGV)
elseif mode == 'reorder' then local v = ARGV[1]; ARGV[1] = nil; ARGV[1] = v
elseif mode == 'fail' then KEYS[2] = 'changed'; error('boom')
end
return seen`;
    const ks = new Keyspace();
    const script = new LuaScript(src, ks);
    const keys = ['k1', 'k2'];
    const argv = ['a1', 'a2'];
    const fresh = [2, 'k1', 'k2', 'nil', 2, '12', 'plain', 'nil'];
    for (const mode of ['none', 'write', 'none', 'meta', 'none', 'remove', 'none', 'reorder', 'none', 'fail', 'none', 'none']) {
      ks.command(['SET', 'mode', mode]);
      const reply = script.call(keys, argv);
      if (mode === 'fail') expect(reply).toBeInstanceOf(RedisError);
      else expect([mode, reply]).toEqual([mode, fresh]);
    }
    // other values in the same arrays, then fewer of them
    keys[0] = 'k9';
    expect(script.call(keys, argv)).toEqual([2, 'k9', 'k2', 'nil', 2, '12', 'plain', 'nil']);
    // KEYS[2] is nil now: the reply array stops there
    expect(script.call(['k9'], ['a1', 'a2', 'a3'])).toEqual([1, 'k9']);
  });

  test('only the libraries Redis loads: no os, io, debug, print, require', () => {
    for (const name of ['os', 'io', 'debug', 'print', 'require', 'dofile', 'loadfile']) {
      const src = `return ${name}`;
      expect(run(src)).toEqual(
        scriptError(src, `ERR user_script:1: Script attempted to access nonexistent global variable '${name}'`, 1),
      );
    }
    expect(run('return {type(string.format), type(table.concat), type(math.floor), type(coroutine.wrap)}')).toEqual([
      'function',
      'function',
      'function',
      'function',
    ]);
  });

  test('Lua 5.1 names that fengari (5.3) lacks are provided', () => {
    expect(run('return unpack({7, 8})')).toBe(7);
    expect(run('return table.getn({1, 2, 3})')).toBe(3);
    expect(run('return math.pow(2, 10)')).toBe(1024);
    expect(run("return string.rep('ab', 2, ',')")).toBe('abab');
    expect(run('return loadstring("return 5")()')).toBe(5);
  });

  test('redis.log, redis.sha1hex, redis.set_repl', () => {
    expect(run("redis.log(redis.LOG_WARNING, 'hi')\nreturn 1")).toBe(1);
    const bad = "redis.log(9, 'hi')";
    expect(run(bad)).toEqual(scriptError(bad, 'ERR Invalid debug level.', 1));
    expect(run("return redis.sha1hex('ticketsim')")).toBe(sha1('ticketsim'));
    expect(run('redis.set_repl(redis.REPL_ALL)\nreturn 1')).toBe(1);
  });
});

describe('math.random', () => {
  const src = 'return {math.random(100), math.random(100), math.random(5, 7), tostring(math.random())}';

  test("Redis's generator: the values a fresh redis-server 7 gives to three EVALs in a row", () => {
    const server = new Lrand48();
    const ks = new Keyspace();
    const evalOnce = (script: string): RedisReply => new LuaScript(script, ks, { random: server }).call([], []);
    expect(evalOnce(src)).toEqual([40, 85, 6, '0.44658343468168']);
    // Redis 7 does not reseed between EVALs: the stream runs on.
    expect(evalOnce('return {math.random(100), math.random(100)}')).toEqual([32, 89]);
    expect(evalOnce('math.randomseed(42)\nreturn {math.random(1000), math.random(1000)}')).toEqual([745, 343]);
  });

  test('deterministic across two fresh instances; one generator can serve a whole server', () => {
    const a = new LuaScript(src, new Keyspace());
    const b = new LuaScript(src, new Keyspace());
    const seqA = [a.call([], []), a.call([], []), a.call([], [])];
    const seqB = [b.call([], []), b.call([], []), b.call([], [])];
    expect(seqB).toEqual(seqA);
    expect(seqA[1]).not.toEqual(seqA[0]);

    const shared = new Lrand48();
    const ks = new Keyspace();
    const s1 = new LuaScript('return math.random(100)', ks, { random: shared });
    const s2 = new LuaScript('return math.random(100)', ks, { random: shared });
    expect([s1.call([], []), s2.call([], [])]).toEqual([40, 85]);
  });

  test('reseedEachCall repeats the sequence every call (Redis 6 and earlier)', () => {
    const script = new LuaScript(src, new Keyspace(), { reseedEachCall: true });
    const first = script.call([], []);
    expect(script.call([], [])).toEqual(first);
  });

  test('Lrand48 is drand48: the values glibc lrand48 gives', () => {
    const r = new Lrand48();
    // The initial state is srand48(0x1234ABCD).
    expect([r.next(), r.next(), r.next()]).toEqual([851401618, 1804928587, 758783491]);
    r.seed(0);
    expect([r.next(), r.next(), r.next()]).toEqual([366850414, 1610402240, 206956554]);
    r.seed(-5);
    expect(r.next()).toBe(1754100061);
  });
});

describe('isTruthyReply: redis.Int(reply, err) != 0 in the Go app (redigo)', () => {
  test('integers by value; bulk strings if they parse as int64; everything else is false', () => {
    expect(isTruthyReply(1)).toBe(true);
    expect(isTruthyReply(-3)).toBe(true);
    expect(isTruthyReply(0)).toBe(false);
    expect(isTruthyReply('5')).toBe(true);
    expect(isTruthyReply('+5')).toBe(true);
    expect(isTruthyReply('007')).toBe(true);
    expect(isTruthyReply('0')).toBe(false);
    expect(isTruthyReply('x')).toBe(false);
    expect(isTruthyReply('1.5')).toBe(false);
    expect(isTruthyReply('9223372036854775808')).toBe(false);
    expect(isTruthyReply(null)).toBe(false);
    expect(isTruthyReply(new RedisError('ERR x'))).toBe(false);
    expect(isTruthyReply(new RedisStatus('OK'))).toBe(false);
    expect(isTruthyReply([1])).toBe(false);
  });
});

describe("the sandbox: Redis 7's read-only tables and Lua 5.1's loaders", () => {
  test.each([
    ["rawset(_G, 'x', 1)", 'ERR Attempt to modify a readonly table'],
    ['setmetatable(_G, nil)', 'ERR Attempt to modify a readonly table'],
    ['setmetatable(math, {})', 'ERR Attempt to modify a readonly table'],
    ['x = 1', 'ERR user_script:1: Attempt to modify a readonly table'],
    ['math.floor = nil', 'ERR user_script:1: Attempt to modify a readonly table'],
    ["getmetatable('').__index = {}", 'ERR user_script:1: Attempt to modify a readonly table'],
    ["loadstring('y = 2')()", 'ERR [string "y = 2"]:1: Attempt to modify a readonly table'],
  ])('%s fails as in redis-server 7.0', (src, msg) => {
    const where = src.startsWith('loadstring') ? 'y = 2:1.' : '@user_script:1.';
    expect(run(src)).toEqual(new RedisError(`${msg} script: ${sha1(src)}, on ${where}`));
  });

  test('nothing a call writes, or tries to, is there for the next call', () => {
    const src = [
      "local seen = {rawget(_G, 'n') or 'none', math.n or 'none', getmetatable('').n or 'none'}",
      "pcall(rawset, _G, 'n', 1)",
      'pcall(function() math.n = 1 end)',
      "pcall(function() getmetatable('').n = 1 end)",
      'pcall(setmetatable, _G, nil)',
      'local ok = pcall(function() return undefined_global end)',
      'seen[4] = tostring(ok)',
      'return seen',
    ].join('\n');
    const script = new LuaScript(src, new Keyspace());
    for (let i = 0; i < 3; i++) expect(script.call([], [])).toEqual(['none', 'none', 'none', 'false']);
  });

  test('a binary chunk is refused like text that starts with ESC, even damaged bytecode', () => {
    const dumped = 'local d = string.dump(function() return 1 end)\n';
    const msg = `[string "\u001bLuaS"]:1: unexpected symbol near 'char(27)'`;
    expect(run(`${dumped}return {loadstring(d)}`)).toEqual([]);
    expect(run(`${dumped}return select(2, loadstring(d))`)).toBe(msg);
    expect(run(`${dumped}return select(2, loadstring(d:sub(1, 12) .. 'garbage'))`)).toBe(msg);
    // Lua 5.1's load takes a reader function, never a string (5.3's load(s, name, "b") is gone).
    const src = `${dumped}return load(d:sub(1, 12) .. 'garbage', 'x', 'b')`;
    expect(run(src)).toEqual(scriptError(src, "ERR user_script:2: bad argument #1 to 'load' (function expected, got string)", 2));
    const pieces = "local parts = {'\\27', 'Lua'}\nlocal i = 0\nreturn select(2, load(function() i = i + 1 return parts[i] end))";
    expect(run(pieces)).toBe(`(load):1: unexpected symbol near 'char(27)'`);
  });

  test('load reads text from its reader piece by piece', () => {
    expect(run("local parts = {'return ', '6 * ', '7'}\nlocal i = 0\nreturn load(function() i = i + 1 return parts[i] end)()")).toBe(42);
  });

  test('a compile error names the Lua line', () => {
    const compile = (src: string) => () => new LuaScript(src, new Keyspace());
    expect(compile('local a = 1\nlocal b =\nif a then return 1 end')).toThrow(
      new ScriptError("Error compiling script (new function): user_script:3: unexpected symbol near 'if'"),
    );
    const lineOf = (src: string): number | null => {
      try {
        compile(src)();
      } catch (e) {
        if (e instanceof ScriptError) return e.luaLine;
      }
      throw new Error('compiled');
    };
    expect(lineOf('local a = 1\nlocal b =\nif a then return 1 end')).toBe(3);
    expect(lineOf('#!lua\n\n\nreturn (')).toBe(4); // the shebang line counts
    expect(lineOf('#!perl\nreturn 1')).toBe(null);
  });
});

const busy = (limit: number): string =>
  `ERR Script killed by the model after more than ${limit} Lua instructions (redis.lua_max_instructions)`;

describe('limits per call: Lua instructions and memory', () => {
  const memory = 'ERR Script killed by the model after allocating more than 256 MiB (strings and tables) in one call';
  const limited = (src: string, maxInstructions: number, args: string[] = []): RedisReply =>
    new LuaScript(src, new Keyspace(), { maxInstructions }).call([], args);

  test.each([
    ['while true do end', 1],
    ['local function f(n) return f(n + 1) end\nreturn f(1)', 1],
    ['local ok = pcall(function()\n  while true do end\nend)\nreturn "escaped"', 2],
    ['while true do\n  pcall(function() while true do end end)\nend', 2],
    ['local ok = xpcall(function() while true do end end, function() while true do end end)\nreturn "escaped"', 1],
    ['local co = coroutine.wrap(function()\n  while true do end\nend)\nco()\nreturn "escaped"', 2],
    ['local ok = pcall(coroutine.wrap(function() while true do end end))\nreturn "escaped"', 1],
  ])('the default limit stops %j, and pcall cannot catch it', (src, line) => {
    expect(run(src)).toEqual(scriptError(src, busy(1_000_000), line));
  });

  test('counted in instructions: a loop just under the limit runs, just over it stops', () => {
    expect(limited('for i = 1, 9000 do end\nreturn 1', 10_000)).toBe(1);
    const over = 'for i = 1, 11000 do end\nreturn 1';
    expect(limited(over, 10_000)).toEqual(scriptError(over, busy(10_000), 1));
  });

  test('after a stopped call the script runs normally again', () => {
    const src = "redis.call('INCR', 'n')\nif ARGV[1] == 'loop' then while true do end end\nreturn 'ok'";
    const ks = new Keyspace();
    const script = new LuaScript(src, ks, { maxInstructions: 5_000 });
    expect(script.call([], ['loop'])).toEqual(scriptError(src, busy(5_000), 2));
    expect(script.lastCallStopped).toBe(true);
    expect(script.call([], ['x'])).toBe('ok');
    expect(script.lastCallStopped).toBe(false);
    expect(ks.get('n')).toBe('2'); // writes made before the stop stay, as in Redis
  });

  test.each([
    ["local s = string.rep('x', 2^30)\nreturn #s", 1],
    ["local ok = pcall(string.rep, 'x', 2^30)\nreturn 'escaped'", 1],
    ["local s = 'x'\nfor i = 1, 40 do s = s .. s end\nreturn #s", 2],
    ['local t = {}\nfor i = 1, 1e8 do t[i] = i end\nreturn #t', 2],
    ['local t = {}\nfor i = 1, 1e8 do t[i] = {} end\nreturn #t', 2],
    // 5,000 references to one 1 MiB string: a 5 GiB result, refused before its buffer is made
    // (built, it would end in a RangeError past the largest typed array, not in this error)
    ["local s = string.rep('x', 2^20)\nlocal t = {}\nfor i = 1, 5000 do t[i] = s end\nreturn #table.concat(t)", 4],
    ["local s = string.rep('x', 2^20)\nlocal t = {}\nfor i = 1, 5000 do t[i] = s end\nlocal ok = pcall(table.concat, t, ',')\nreturn 'escaped'", 4],
  ])('the memory cap stops %j with an error, not an out-of-memory crash', (src, line) => {
    expect(limited(src, 0)).toEqual(scriptError(src, memory, line));
  });

  test('table.concat under the cap works as before: separators, ranges, numbers', () => {
    expect(limited("return table.concat({'a', 'b', 3, 'd'}, ', ')", 0)).toBe('a, b, 3, d');
    expect(limited("return table.concat({'a', 'b', 'c', 'd'}, '-', 2, 3)", 0)).toBe('b-c');
    expect(limited("local s = string.rep('x', 2^20)\nlocal t = {}\nfor i = 1, 100 do t[i] = s end\nreturn #table.concat(t)", 0)).toBe(100 * 2 ** 20);
  });

  test('a backtracking pattern search is refused before it runs, by its worst case worked out by hand', () => {
    const bytes = (p: string) => new TextEncoder().encode(p);
    // n = 300: every start (301) times each of four '-' items trying every length (301^4)
    expect(patternStepBound(300, bytes('.-.-.-.-b'))).toBe(301 ** 5);
    expect(patternStepBound(10, bytes('^%d+$'))).toBe(11); // anchored: one start, one quantifier
    expect(patternStepBound(5, bytes('(%w+)=%1'))).toBe(6 * 6 * 6); // a back-reference compares up to n
    expect(patternStepBound(4, bytes('[%]*]*x?'))).toBe(5 * 5 * 2); // the set's own * is not a quantifier
    expect(patternStepBound(4, bytes('%b()%f[%w]a*'))).toBe(5 * 5);
    const src = "local s = string.rep('a', 300)\nreturn s:find('.-.-.-.-b')";
    const why = `string.find: this pattern over 300 bytes may backtrack up to ${(301 ** 5).toExponential(1)} steps; the model refuses searches over 1e+8 (a real Redis would run it to its end, blocking the server)`;
    expect(limited(src, 0)).toEqual(scriptError(src, `ERR ${why}`, 2));
    expect(limited("local ok = pcall(string.gsub, string.rep('a', 300), '.-.-.-.-b', '')\nreturn ok and 'ran' or 'refused'", 0)).toBe('refused');
    // searches a script really makes run as before, plain finds whatever their length
    expect(limited("return ('stock:123'):match('^stock:(%d+)$')", 0)).toBe('123');
    expect(limited("return string.find(string.rep('.-', 5000), '.-.-', 1, true)", 0)).toBe(1);
    expect(limited("local n = 0\nfor w in ('a b c'):gmatch('%a+') do n = n + 1 end\nreturn n", 0)).toBe(3);
  });

  test('a reply string counts in full every time a command returns it, as a new string would', () => {
    // 1 MiB returned by GET: 256 of them fill the cap, the 257th goes over (the script's own
    // strings are a few bytes more); converted once and reused, each is still charged.
    const ks = new Keyspace();
    ks.command(['SET', 'big', 'x'.repeat(2 ** 20)]);
    const src = "local n = 0\nfor i = 1, tonumber(ARGV[1]) do n = n + #redis.call('GET', 'big') end\nreturn n";
    const script = new LuaScript(src, ks, { maxInstructions: 0 });
    expect(script.call([], ['255'])).toBe(255 * 2 ** 20);
    expect(script.call([], ['257'])).toEqual(scriptError(src, memory, 2));
    expect(script.call([], ['255'])).toBe(255 * 2 ** 20); // the next call starts from zero
  });

  test('a call well under the cap is not stopped: 10000 strings of 100 bytes in a table', () => {
    expect(limited("local t = {}\nfor i = 1, 10000 do t[i] = string.rep('x', 100) .. i end\nreturn #t", 0)).toBe(10_000);
  });
});

describe('a run whose script fails says so', () => {
  test('every call stopped by the busy limit: counted, first error kept, the app answered sold out', () => {
    const lua = "redis.call('INCR', 'calls')\nwhile true do end";
    const yaml = [
      'name: busy',
      `tickets: { inventory: 3, script: { lua: ${JSON.stringify(lua)} } }`,
      'users: { load: { closed: { concurrency: 1, requests: 8 } } }',
      'nginx: { upstream: { servers: [ { name: app1, weight: 1 } ] } }',
      'app: { local_stock: [5], local_check: exact }',
      'redis: { lua_max_instructions: 1000 }',
    ].join('\n');
    const s = runScenario(parseScenario(yaml, 'busy.yaml')).report.summary;
    const r = s.tiers.redis;
    // local stock 5: five calls reach Redis, each stopped; the other three are refused locally
    expect([r.script_errors, r.script_stopped, r.first_script_error_count]).toEqual([5, 5, 5]);
    expect(r.first_script_error).toBe(`${busy(1000)} script: ${sha1(lua)}, on @user_script:2.`);
    // the first request: 1 ms to nginx, 0.1 ms to the app, 0.3 ms of service, 0.1 ms to Redis, 0.05 ms there
    expect(r.first_script_error_ms).toBe(1.55);
    expect(r.keyspace['calls']).toBe('5');
    expect([s.tickets.sold, s.users.succeeded, s.users.sold_out]).toEqual([0, 0, 8]);
  });
});
