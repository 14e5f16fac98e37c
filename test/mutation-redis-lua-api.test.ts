// The redis.* functions and Lua 5.1 shims that the script tests never call: setresp, acl_check_cmd,
// the debugger stubs, log's argument checks, sha1hex without an argument, error_reply and
// status_reply with bad arguments, set_repl's checks, math.frexp and ldexp, table.maxn and setn,
// math.random's argument errors;
// and the error replies' text (CR/LF, Lua 5.1's type errors past line 9, messages that only look
// like one). Every reply was read from redis-server 7.0.15 running the same script with EVAL
// (redis-cli), except setresp(3) (Redis accepts it, the model refuses RESP3 on purpose), error({})
// (Redis dereferences NULL) and Redis 7.4's log level text.
import { createHash } from 'node:crypto';
import { Keyspace, RedisError, RedisStatus } from '../src/model/redis/keyspace.js';
import { ScriptError } from '../src/model/redis/lua/errors.js';
import { patternStepBound } from '../src/model/redis/lua/pattern-cost.js';
import { LuaScript } from '../src/model/redis/lua/script.js';

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');
const run = (src: string, redisVersion: '7.0' | '7.4' = '7.0') => new LuaScript(src, new Keyspace(), { redisVersion }).call([], []);
/** The error reply of a script that raised `msg` at line 1. */
const raised = (src: string, msg: string) => new RedisError(`ERR ${msg} script: ${sha1(src)}, on @user_script:1.`);

describe('redis.setresp, acl_check_cmd and the debugger stubs', () => {
  test.each([
    ['return redis.setresp(2)', null],
    ['return redis.setresp(4)', 'RESP version must be 2 or 3.'],
    ['return redis.setresp(1)', 'RESP version must be 2 or 3.'],
    ['return redis.setresp()', 'redis.setresp() requires one argument.'],
    ['return redis.setresp(2, 3)', 'redis.setresp() requires one argument.'],
    ['return redis.setresp(3)', 'RESP3 is not supported by the ticketsim Redis model'],
    ["return redis.acl_check_cmd('nosuch')", 'Invalid command passed to redis.acl_check_cmd()'],
    ['return redis.acl_check_cmd()', 'Please specify at least one argument for this redis lib call'],
    ['return redis.log(7, "x")', 'Invalid debug level.'],
    ['return redis.log()', 'redis.log() requires two arguments or more.'],
    ['return redis.sha1hex()', 'wrong number of arguments'],
    ["return redis.log('x', 'y')", 'First argument must be a number (log level).'],
    ['return redis.set_repl()', 'redis.set_repl() requires two arguments.'],
    ['return redis.set_repl(4)', 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.'],
  ])('%s', (src, msg) => {
    expect(run(src)).toEqual(msg === null ? null : raised(src, msg));
  });

  test('acl_check_cmd of a known command is true (1); breakpoint false (nil), debug nothing, replicate_commands true', () => {
    expect(run("return redis.acl_check_cmd('get', 'x')")).toBe(1);
    expect(run('return redis.breakpoint()')).toBeNull();
    expect(run("return redis.debug('x')")).toBeNull();
    expect(run('return redis.replicate_commands()')).toBe(1);
    expect(run('return redis.log(redis.LOG_WARNING, "hi")')).toBeNull();
    expect(run('return redis.set_repl(redis.REPL_ALL)')).toBeNull();
    const log = 'return redis.log(7, "x")';
    expect(run(log, '7.4')).toEqual(raised(log, 'Invalid log level.'));
  });

  test('error_reply and status_reply without one string argument answer an error table', () => {
    expect(run('return redis.error_reply(1)')).toEqual(new RedisError('ERR wrong number or type of arguments'));
    expect(run('return redis.status_reply()')).toEqual(new RedisError('ERR wrong number or type of arguments'));
    expect(run("return redis.error_reply('x')")).toEqual(new RedisError('ERR x'));
    expect(run("return redis.status_reply('FINE')")).toEqual(new RedisStatus('FINE'));
  });
});

describe('Lua 5.1 math and table shims', () => {
  test('math.frexp: m in [0.5, 1) and e with x = m 2^e; 0 gives 0, 0; subnormals too', () => {
    expect(run('return {math.frexp(8)}')).toEqual([0, 4]); // 0.5 x 2^4, 0.5 truncated to 0 in the reply
    expect(run('return tostring(math.frexp(8))')).toBe('0.5');
    expect(run('return {math.frexp(0)}')).toEqual([0, 0]);
    expect(run('return tostring(math.frexp(-3))')).toBe('-0.75');
    expect(run('return select(2, math.frexp(-3))')).toBe(2);
    expect(run('return tostring(math.frexp(0.3))')).toBe('0.6'); // 0.6 x 2^-1
    expect(run('return select(2, math.frexp(0.3))')).toBe(-1);
    expect(run('return tostring(select(1, math.frexp(2^-1060)))')).toBe('0.5');
    expect(run('return select(2, math.frexp(2^-1060))')).toBe(-1059);
    expect(run('return select(2, math.frexp(1))')).toBe(1); // 0.5 x 2^1
    // log2(2^53 - 1) rounds to 53: the first guess 2^-54 is a halving too far, undone
    expect(run('local m, e = math.frexp(2^53 - 1) return {e, m == (2^53 - 1) / 2^53 and 1 or 0}')).toEqual([53, 1]);
    // near the top of the range, no scaling up first (2^1000 x 2^64 would overflow)
    expect(run('return {tostring(math.frexp(2^1000)), select(2, math.frexp(2^1000))}')).toEqual(['0.5', 1001]);
    expect(run('return {tostring(math.frexp(2^980)), select(2, math.frexp(2^980))}')).toEqual(['0.5', 981]); // 2^980 x 2^64 too
  });

  test('math.ldexp: x 2^e', () => {
    expect(run('return math.ldexp(3, 4)')).toBe(48);
    expect(run('return math.ldexp(1, -2) * 8')).toBe(2);
    // whole results within int32 are pushed as Lua integers, which print without a fraction
    expect(run('return {tostring(math.ldexp(3, 4)), tostring(math.ldexp(2147483647, 0)), tostring(math.ldexp(-2147483648, 0))}')).toEqual([
      '48',
      '2147483647',
      '-2147483648',
    ]);
  });

  test('table.maxn: the largest positive numeric key, 0 for none; setn is obsolete', () => {
    expect(run('return table.maxn({1, 2, [7] = 3, x = 9})')).toBe(7);
    expect(run('return table.maxn({})')).toBe(0);
    expect(run("return table.maxn({x = 1, [-3] = 2})")).toBe(0);
    expect(run('return tostring(table.maxn({[2.5] = 1}))')).toBe('2.5');
    const setn = 'return table.setn({}, 2)';
    expect(run(setn)).toEqual(raised(setn, "user_script:1: 'setn' is obsolete"));
    expect(run("return table.maxn({['9'] = 1})")).toBe(0); // a string key, even a numeric one, does not count
    for (const f of ['setn', 'maxn']) {
      const src = `return table.${f}(1, 2)`;
      expect(run(src)).toEqual(raised(src, `user_script:1: bad argument #1 to '${f}' (table expected, got number)`));
    }
  });

  test('math.random: an empty interval and three arguments are errors', () => {
    const empty = 'return math.random(2, 1)';
    expect(run(empty)).toEqual(raised(empty, "user_script:1: bad argument #2 to 'random' (interval is empty)"));
    const three = 'return math.random(1, 2, 3)';
    expect(run(three)).toEqual(raised(three, 'user_script:1: wrong number of arguments'));
  });
});

describe('error replies', () => {
  test('CR and LF inside a message become spaces; error_reply trims them at both ends first', () => {
    const src = "error('a\\nb')";
    expect(run(src)).toEqual(new RedisError(`ERR user_script:1: a b script: ${sha1(src)}, on @user_script:1.`));
    expect(run("return redis.error_reply('\\n\\nbad\\nthing\\r\\n')")).toEqual(new RedisError('ERR bad thing'));
    expect(run("return redis.error_reply('\\n\\n\\nbad\\r\\n\\r\\n\\r\\n')")).toEqual(new RedisError('ERR bad'));
  });

  test("Lua 5.1's wording of a type error, at line 11, for a name of three letters", () => {
    const src = 'local t = {}' + '\n'.repeat(10) + 't.foo()';
    expect(run(src)).toEqual(new RedisError(`ERR user_script:11: attempt to call field 'foo' (a nil value) script: ${sha1(src)}, on @user_script:11.`));
  });

  test('a message that only looks like a 5.3 type error is left alone (not at the end, not at the start)', () => {
    const notAtEnd = "error(\"attempt to call a nil value (global 'f') x\")";
    expect(run(notAtEnd)).toEqual(raised(notAtEnd, "user_script:1: attempt to call a nil value (global 'f') x"));
    const notAtStart = "error({err = \"MY ERR user_script:1: attempt to call a nil value (field 'f')\"})";
    expect(run(notAtStart)).toEqual(
      new RedisError(`MY ERR user_script:1: attempt to call a nil value (field 'f') script: ${sha1(notAtStart)}, on @user_script:1.`),
    );
  });

  test('an error table without err: the model says so (Redis would dereference NULL)', () => {
    expect(run('error({})')).toEqual(raised('error({})', 'error object is not a string'));
  });

  test("a failed command's error table is marked ignore_error_stats_update", () => {
    expect(run("local e = redis.pcall('nosuch') return tostring(e.ignore_error_stats_update)")).toBe('true');
  });

  test('a compile error names its line, past 9 too; the error class is ScriptError', () => {
    const compile = (src: string): ScriptError => {
      try {
        new LuaScript(src, new Keyspace());
      } catch (e) {
        if (e instanceof ScriptError) return e;
      }
      throw new Error('compiled');
    };
    const e = compile('\n'.repeat(11) + 'x = = 1');
    expect([e.name, e.luaLine, e.message]).toEqual([
      'ScriptError',
      12,
      "Error compiling script (new function): user_script:12: unexpected symbol near '='",
    ]);
  });
});

describe('bounds the model sets itself', () => {
  test("a set opening with ^] holds the ] (Lua's classEnd): [^]*]* is one quantified item over 4 bytes, 5 x 5 steps", () => {
    expect(patternStepBound(4, new TextEncoder().encode('[^]*]*'))).toBe(25);
  });

  test('the bound counts %1..%9 (not %.), skips %bxy and whole sets ([a]*, [a*], [ab*]), and a malformed set ends it', () => {
    const bound = (p: string) => patternStepBound(4, new TextEncoder().encode(p));
    expect([bound('%9'), bound('%.'), bound('%b+-'), bound('[a]*'), bound('[a*]'), bound('[ab*]'), bound('[a')]).toEqual([25, 5, 5, 25, 5, 5, 5]);
  });

  test('find, match, gmatch and gsub (even with a count) refuse a search whose bound passes 1e8; exactly 1e8 runs', () => {
    const subject = "string.rep('b', 200)";
    const refused = (name: string) =>
      `${name}: this pattern over 200 bytes may backtrack up to 3.3e+11 steps; the model refuses searches over 1e+8 (a real Redis would run it to its end, blocking the server)`;
    // anchored: 1 start x 201^5 = 3.3e11; the actual search fails at the first byte
    for (const [name, call] of [
      ['string.find', `string.find(${subject}, '^a*a*a*a*a*x')`],
      ['string.match', `string.match(${subject}, '^a*a*a*a*a*x')`],
      ['string.gmatch', `string.gmatch(${subject}, '^a*a*a*a*a*x')()`],
      ['string.gsub', `string.gsub(${subject}, '^a*a*a*a*a*x', '', 1)`],
    ]) {
      const src = `return ${call}`;
      expect(run(src)).toEqual(raised(src, refused(name)));
    }
    // 100 starts x 100^3 = 1e8 exactly: allowed (the search finds nothing)
    expect(run("return string.find(string.rep('x', 99), 'a*b*c*d')")).toBeNull();
  });

  test('a reply nested deeper than 1000 tables ends in an error (Redis: "reached lua stack limit", further down)', () => {
    let reply = run('local t = {} local c = t for i = 1, 1001 do c[1] = {} c = c[1] end return t');
    for (let depth = 0; depth < 1000; depth++) {
      if (!Array.isArray(reply)) throw new Error(`not an array at depth ${depth}`);
      reply = reply[0];
    }
    expect(reply).toEqual(new RedisError('ERR reached lua stack limit'));
  });
});
