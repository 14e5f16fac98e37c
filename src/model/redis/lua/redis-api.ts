// The `redis` table scripts call (luaRegisterRedisAPI, luaRedisGenericCommand and friends in
// src/script_lua.c), the checks before a command runs (src/script.c) and Redis's global pcall.

import fengari from 'fengari';
import type { lua_State } from 'fengari';
import { createHash } from 'node:crypto';
import { arityOk, type Command, Keyspace, lookupCommand, RedisError } from '../keyspace.js';
import { ERR_KEY, pushCommandError, pushErrorTable, raise } from './errors.js';
import { formatLuaNumberArg, toCInt } from './number-format.js';
import { OK_KEY, pushReply, type StringCache } from './replies.js';
import { VERSION_INFO, type RedisVersion } from './version.js';

const { lua, lauxlib } = fengari;
const { LUA_OK, LUA_MULTRET, LUA_TNUMBER, LUA_TSTRING } = lua;

/** What the redis.* functions of one script work on. */
export interface RedisApiContext {
  readonly keyspace: Keyspace;
  /** The shebang declared flags=no-writes: write commands fail inside the script. */
  readonly readOnly: boolean;
  readonly version: RedisVersion;
  readonly strings: StringCache;
}

/** Sets t[name] = f on the table at the top of the stack. */
function setFunction(L: lua_State, name: string, f: (L: lua_State) => number): void {
  lua.lua_pushcfunction(L, f);
  lua.lua_setfield(L, -2, name);
}

/** Sets t[name] = n on the table at the top of the stack. */
function setInteger(L: lua_State, name: string, n: number): void {
  lua.lua_pushinteger(L, n);
  lua.lua_setfield(L, -2, name);
}

/** The `redis` table (luaRegisterRedisAPI in script_lua.c), set as a global. */
export function registerRedisApi(L: lua_State, ctx: RedisApiContext): void {
  lua.lua_createtable(L, 0, 24);
  setCommandFunctions(L, ctx);
  setReplyFunctions(L);
  setReplicationFunctions(L);
  setUnmodelledFunctions(L, ctx);
  // The Redis release this model follows.
  lua.lua_pushstring(L, VERSION_INFO[ctx.version].name);
  lua.lua_setfield(L, -2, 'REDIS_VERSION');
  setInteger(L, 'REDIS_VERSION_NUM', VERSION_INFO[ctx.version].num);
  lua.lua_setglobal(L, 'redis');
}

/** redis.call, redis.pcall, redis.log and its levels, redis.sha1hex. */
function setCommandFunctions(L: lua_State, ctx: RedisApiContext): void {
  setFunction(L, 'call', (st) => redisCommand(st, ctx, true));
  setFunction(L, 'pcall', (st) => redisCommand(st, ctx, false));
  const levelError = ctx.version === '7.4' ? 'Invalid log level.' : 'Invalid debug level.';
  setFunction(L, 'log', (st) => redisLog(st, levelError));
  setInteger(L, 'LOG_DEBUG', 0);
  setInteger(L, 'LOG_VERBOSE', 1);
  setInteger(L, 'LOG_NOTICE', 2);
  setInteger(L, 'LOG_WARNING', 3);
  setFunction(L, 'sha1hex', redisSha1hex);
}

/** redis.error_reply and redis.status_reply: the tables a script returns as error or status. */
function setReplyFunctions(L: lua_State): void {
  setFunction(L, 'error_reply', (st) => {
    if (lua.lua_gettop(st) !== 1 || lua.lua_type(st, -1) !== LUA_TSTRING) {
      pushErrorTable(st, 'wrong number or type of arguments');
      return 1;
    }
    const s = lua.lua_tojsstring(st, -1)!;
    pushErrorTable(st, s.startsWith('-') ? s : `-${s}`);
    return 1;
  });
  setFunction(L, 'status_reply', (st) => {
    if (lua.lua_gettop(st) !== 1 || lua.lua_type(st, -1) !== LUA_TSTRING) {
      pushErrorTable(st, 'wrong number or type of arguments');
      return 1;
    }
    lua.lua_createtable(st, 0, 1);
    lua.lua_pushvalue(st, -2);
    lua.lua_setfield(st, -2, OK_KEY);
    return 1;
  });
}

/** Replication is not modelled: set_repl only validates its argument. */
function setReplicationFunctions(L: lua_State): void {
  setFunction(L, 'set_repl', (st) => {
    if (lua.lua_gettop(st) !== 1) raise(st, 'redis.set_repl() requires two arguments.'); // sic: Redis's text
    if ((toCInt(lua.lua_tonumber(st, -1)) & ~3) !== 0) {
      raise(st, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
    }
    return 0;
  });
  setInteger(L, 'REPL_NONE', 0);
  setInteger(L, 'REPL_AOF', 1);
  setInteger(L, 'REPL_SLAVE', 2);
  setInteger(L, 'REPL_REPLICA', 2);
  setInteger(L, 'REPL_ALL', 3);
  setFunction(L, 'replicate_commands', (st) => {
    lua.lua_pushboolean(st, true);
    return 1;
  });
}

/** The debugger, ACLs and RESP3, which the model does not have. */
function setUnmodelledFunctions(L: lua_State, ctx: RedisApiContext): void {
  // The script debugger (eval.c) is never active in the model.
  setFunction(L, 'breakpoint', (st) => {
    lua.lua_pushboolean(st, false);
    return 1;
  });
  setFunction(L, 'debug', () => 0);
  // No ACLs in the model: every known command is allowed.
  setFunction(L, 'acl_check_cmd', (st) => {
    const argv = readArgs(st, ctx);
    if (argv === null) return lua.lua_error(st);
    if (lookupCommand(argv[0]!) === undefined) raise(st, 'Invalid command passed to redis.acl_check_cmd()');
    lua.lua_pushboolean(st, true);
    return 1;
  });
  setFunction(L, 'setresp', (st) => {
    if (lua.lua_gettop(st) !== 1) raise(st, 'redis.setresp() requires one argument.');
    const resp = toCInt(lua.lua_tonumber(st, -1));
    if (resp !== 2 && resp !== 3) raise(st, 'RESP version must be 2 or 3.');
    if (resp === 3) raise(st, 'RESP3 is not supported by the ticketsim Redis model');
    return 0;
  });
}

// The argv of the redis.* call running now, one array per length up to SCRATCH_ARGC (setting an
// array's length is slow in V8), refilled by every call: a command reads it while it runs and
// keeps no reference (LoggedKeyspace copies the writes it logs). Longer ones are made afresh.
const SCRATCH_ARGC = 16;
const scratchArgv: string[][] = Array.from({ length: SCRATCH_ARGC + 1 }, (_, n) => new Array<string>(n).fill(''));

/**
 * The arguments of a redis.* call as command argv (luaArgsToRedisArgv); they stay on the stack
 * under what the call pushes (its one result is what Lua gets). On a bad argument: null, with
 * the error table pushed.
 */
function readArgs(L: lua_State, ctx: RedisApiContext): readonly string[] | null {
  const argc = lua.lua_gettop(L);
  if (argc === 0) {
    pushErrorTable(L, 'Please specify at least one argument for this redis lib call');
    return null;
  }
  const argv = argc <= SCRATCH_ARGC ? scratchArgv[argc]! : new Array<string>(argc);
  for (let j = 1; j <= argc; j++) {
    const t = lua.lua_type(L, j);
    if (t === LUA_TSTRING) argv[j - 1] = ctx.strings.read(L, j);
    else if (t === LUA_TNUMBER) argv[j - 1] = formatLuaNumberArg(lua.lua_tonumber(L, j), ctx.version);
    else {
      pushErrorTable(L, 'Lua redis lib command arguments must be strings or integers');
      return null;
    }
  }
  return argv;
}

// The commands named last, by the JS string of their name: a script names the same few
// commands every call, with the same strings (StringCache.read keeps them), so comparing by
// identity is cheaper than the command table's lookup. Commands never change.
const RECENT_COMMANDS = 4;
const recentNames: string[] = new Array<string>(RECENT_COMMANDS).fill('');
const recentCommands: (Command | undefined)[] = new Array<Command | undefined>(RECENT_COMMANDS).fill(undefined);
let nextRecentCommand = 0;

/** lookupCommand, through the recent names. */
function commandNamed(name: string): Command | undefined {
  for (let i = 0; i < RECENT_COMMANDS; i++) if (recentNames[i] === name) return recentCommands[i];
  const cmd = lookupCommand(name);
  recentNames[nextRecentCommand] = name;
  recentCommands[nextRecentCommand] = cmd;
  nextRecentCommand = (nextRecentCommand + 1) % RECENT_COMMANDS;
  return cmd;
}

/** redis.call / redis.pcall (luaRedisGenericCommand + scriptCall). */
function redisCommand(L: lua_State, ctx: RedisApiContext, raiseError: boolean): number {
  const argv = readArgs(L, ctx);
  if (argv === null) return raiseError ? lua.lua_error(L) : 1;
  const argc = argv.length;
  // The checks scriptCall makes before running the command (src/script.c).
  const cmd = commandNamed(argv[0]!);
  let refused: string | undefined;
  if (cmd === undefined) refused = 'Unknown Redis command called from script';
  else if (!arityOk(cmd, argc)) refused = 'Wrong number of args calling Redis command from script';
  else if (ctx.readOnly && cmd.write) refused = 'Write commands are not allowed from read-only scripts.';
  if (refused !== undefined || cmd === undefined) {
    pushCommandError(L, refused ?? '');
    return raiseError ? lua.lua_error(L) : 1;
  }
  const reply = ctx.keyspace.exec(cmd, argv);
  pushReply(L, reply, ctx.strings);
  if (raiseError && reply instanceof RedisError) lua.lua_error(L);
  return 1;
}

/** Global pcall, Redis's version (luaRedisPcall): a caught error table becomes its err string. */
export function redisPcall(L: lua_State): number {
  lauxlib.luaL_checkany(L, 1);
  const argc = lua.lua_gettop(L);
  lua.lua_pushboolean(L, true);
  lua.lua_insert(L, 1);
  if (lua.lua_pcall(L, argc - 1, LUA_MULTRET, 0) !== LUA_OK) {
    lua.lua_remove(L, 1);
    if (lua.lua_istable(L, -1)) {
      lua.lua_getfield(L, -1, ERR_KEY);
      if (lua.lua_isstring(L, -1)) lua.lua_replace(L, -2);
    }
    lua.lua_pushboolean(L, false);
    lua.lua_insert(L, 1);
  }
  return lua.lua_gettop(L);
}

/** redis.log: validates like luaLogCommand; the model keeps no server log. */
function redisLog(L: lua_State, levelError: string): number {
  const argc = lua.lua_gettop(L);
  if (argc < 2) raise(L, 'redis.log() requires two arguments or more.');
  if (!lua.lua_isnumber(L, 1)) raise(L, 'First argument must be a number (log level).');
  const level = toCInt(lua.lua_tonumber(L, 1));
  if (level < 0 || level > 3) raise(L, levelError);
  return 0;
}

/** redis.sha1hex: the SHA1 of a string, in hex. */
function redisSha1hex(L: lua_State): number {
  if (lua.lua_gettop(L) !== 1) raise(L, 'wrong number of arguments');
  const bytes = lua.lua_tolstring(L, 1) ?? new Uint8Array(0);
  lua.lua_pushstring(L, createHash('sha1').update(bytes).digest('hex'));
  return 1;
}
