/// <reference path="./fengari-internals.d.ts" />
// What one script call may spend, and Redis 7's read-only tables. Redis builds its own Lua
// (deps/lua) with a read-only flag on tables, checked wherever a table is written (lvm.c, lapi.c:
// "Attempt to modify a readonly table"), and stops a busy script from a count hook
// (luaMaskCountHook in src/script_lua.c). fengari has neither flag nor allocator hook, so this
// module wraps the few fengari functions every table write and every new string go through.
//
// The limits are counted, never timed, so a run is the same on every machine:
// - instructions: Lua VM instructions per call, over all of the call's coroutines;
// - memory: bytes allocated per call, counted as allocated and never given back when freed:
//   every new string's length, TABLE_BYTES per table and TABLE_ENTRY_BYTES per table key
//   added. string.rep and table.concat are charged their result's length before they build it
//   (shims.ts). Not counted: closures, coroutines and stack slots (the instruction limit bounds
//   those), and the buffer one `..` expression builds before its result string exists: fengari's
//   luaV_concat is internal to its VM, with no hook to wrap. That buffer is at most the operands'
//   total size; each operand was counted when it was made, but one expression may repeat a
//   string up to about 250 times (the register window).
// - Pattern matching (string.find, match, gmatch, gsub) is not counted either: fengari's matcher
//   runs inside one library call, where the count hook cannot fire and which exposes no step
//   counter. Instead each search's worst case is bounded before it starts (pattern-cost.ts), so a
//   backtracking pattern such as ('.-'):rep(5)..'b' over a long subject is refused, not run.

import fengari from 'fengari';
import type { lua_State } from 'fengari';
import defs from 'fengari/src/defs.js';
import lapi from 'fengari/src/lapi.js';
import ldebug from 'fengari/src/ldebug.js';
import lstring from 'fengari/src/lstring.js';
import ltable, { type Table } from 'fengari/src/ltable.js';
import lvm from 'fengari/src/lvm.js';

const { lua, to_luastring } = fengari;
const { LUA_MASKCOUNT } = lua;

export const READONLY_TABLE_ERROR = 'Attempt to modify a readonly table';
const READONLY_BYTES = to_luastring(READONLY_TABLE_ERROR);

/** Bytes one call may allocate (see above for what counts). */
export const MEMORY_CAP_BYTES = 256 * 1024 * 1024;
// What fengari spends, measured with node --expose-gc on 1e6 integer keys and 1e5 small tables:
// about 200 bytes per entry (a Map entry and two TValue objects) and 400 per empty table.
const TABLE_ENTRY_BYTES = 200;
const TABLE_BYTES = 400;
// The count hook's period: the instruction limit is checked every HOOK_PERIOD instructions.
const HOOK_PERIOD = 10_000;

/** What one call has spent, and why it was stopped. */
export class CallMeter {
  private instructions = 0;
  private bytes = 0;
  private period = HOOK_PERIOD;
  /** Why the call was stopped, once it is: the error text without "ERR". */
  stopped: string | null = null;
  /** The script line that was running when it was stopped, if known. */
  stoppedAtLine: number | null = null;

  constructor(private readonly maxInstructions: number) {}

  /** Ready for the next call. */
  reset(): void {
    this.instructions = 0;
    this.bytes = 0;
    this.stopped = null;
    this.stoppedAtLine = null;
  }

  /**
   * Bytes allocated (or about to be) by code running on thread L. Past the cap the call is
   * stopped: L raises at its next instruction. Returns false then.
   */
  charge(L: lua_State | null, bytes: number): boolean {
    if (this.stopped !== null) return false; // already stopped: the hook raises at the next instruction
    this.bytes += bytes;
    if (this.bytes <= MEMORY_CAP_BYTES) return true;
    if (L !== null) this.stop(L, memoryMessage());
    return false;
  }

  /** Starts metering the call about to run on L. */
  start(L: lua_State): void {
    active = this;
    running = null;
    if (this.maxInstructions <= 0) return;
    this.period = Math.min(HOOK_PERIOD, this.maxInstructions);
    lua.lua_sethook(L, countHook, LUA_MASKCOUNT, this.period);
  }

  /** The call is over: stop counting. */
  finish(L: lua_State): void {
    lua.lua_sethook(L, null, 0, 0);
    if (active === this) active = null;
  }

  /** Marks the call stopped and makes every later instruction, on this thread, raise again. */
  stop(L: lua_State, message: string): void {
    if (this.stopped === null) {
      this.stopped = message;
      this.stoppedAtLine = scriptLine(L);
    }
    lua.lua_sethook(L, countHook, LUA_MASKCOUNT, 1);
  }

  /** One hook period has run; true once the instruction limit is spent. */
  tick(): boolean {
    this.instructions += this.period;
    return this.instructions >= this.maxInstructions;
  }

  get limit(): number {
    return this.maxInstructions;
  }
}

export const busyMessage = (limit: number): string =>
  `Script killed by the model after more than ${limit} Lua instructions (redis.lua_max_instructions)`;
export const memoryMessage = (): string =>
  `Script killed by the model after allocating more than ${MEMORY_CAP_BYTES / 1024 / 1024} MiB (strings and tables) in one call`;

/** The meter of the call running now; null between calls (setup and replies are not metered). */
let active: CallMeter | null = null;

/** The thread whose Lua code is running now (fengari's luaV_execute is wrapped to track it). */
let running: lua_State | null = null;

/**
 * Charges `bytes` that a built-in running on L is about to allocate; past the cap it raises
 * (a Lua error on L), before the allocation.
 */
export function chargeBeforeAllocating(L: lua_State, bytes: number): void {
  if (active !== null && !active.charge(L, bytes)) {
    lua.lua_pushstring(L, active.stopped ?? memoryMessage());
    lua.lua_error(L);
  }
}

/** A Lua string of `bytes` is handed to the running call: charged as a new one would be. */
export function chargeNewString(bytes: number): void {
  active?.charge(running, bytes);
}

/**
 * The count hook: every HOOK_PERIOD instructions it adds them up; past the limit, or once the
 * call is stopped, it raises, and from then on does so at every instruction, so that pcall
 * cannot catch it for good (luaMaskCountHook does the same after SCRIPT KILL).
 */
function countHook(L: lua_State): void {
  const m = active;
  if (m === null) return;
  if (m.stopped === null && !m.tick()) return;
  m.stop(L, m.stopped ?? busyMessage(m.limit));
  lua.lua_pushstring(L, m.stopped ?? '');
  lua.lua_error(L);
}

const USER_SCRIPT = to_luastring('@user_script');
const WHAT_SL = to_luastring('Sl');

/** The line of the innermost function of the script on L's stack, or null. */
function scriptLine(L: lua_State): number | null {
  const ar = new defs.lua_Debug();
  for (let level = 0; ldebug.lua_getstack(L, level, ar) !== 0; level++) {
    ldebug.lua_getinfo(L, WHAT_SL, ar);
    const src = ar.source;
    if (src !== null && src.length === USER_SCRIPT.length && src.every((b, i) => b === USER_SCRIPT[i]) && ar.currentline > 0) {
      return ar.currentline;
    }
  }
  return null;
}

// ---- read-only tables ------------------------------------------------------------------------

const readonlyTables = new WeakSet<Table>();

/** The table at idx as fengari's object (idx must hold a table). */
function tableAt(L: lua_State, idx: number): Table {
  const t = lapi.lua_topointer(L, idx);
  if (t === null) throw new Error('ticketsim: expected a table');
  return t;
}

/** Whether the value at idx is a read-only table (lua_isreadonlytable). */
export function isReadonlyTable(L: lua_State, idx: number): boolean {
  return lua.lua_istable(L, idx) && readonlyTables.has(tableAt(L, idx));
}

/** lua_enablereadonlytable: sets or clears the flag of the table at idx. */
export function setReadonly(L: lua_State, idx: number, readonly: boolean): void {
  const t = tableAt(L, idx);
  if (readonly) readonlyTables.add(t);
  else readonlyTables.delete(t);
}

/**
 * luaSetTableProtectionRecursively (script_lua.c): the table at the top of the stack, every
 * table it holds and their metatables become read-only.
 */
export function protectRecursively(L: lua_State): void {
  if (isReadonlyTable(L, -1)) return; // visited (_G holds itself)
  setReadonly(L, -1, true);
  lua.lua_checkstack(L, 3);
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2) !== 0) {
    if (lua.lua_istable(L, -1)) protectRecursively(L);
    lua.lua_pop(L, 1);
  }
  if (lapi.lua_getmetatable(L, -1)) {
    protectRecursively(L);
    lua.lua_pop(L, 1);
  }
}

// ---- watched tables ---------------------------------------------------------------------------

// Tables whose next write is noted: a call's KEYS and ARGV, which the next call reuses while no
// script has written them (every table write goes through the wrappers below).
const watchedTables = new WeakSet<Table>();

/** Watches the table at idx from now on; returns it. */
export function watchTable(L: lua_State, idx: number): Table {
  const t = tableAt(L, idx);
  watchedTables.add(t);
  return t;
}

/** Whether t is as it was when watched: no key written since, and no metatable set. */
export function unwritten(t: Table): boolean {
  return t.metatable === null && watchedTables.has(t);
}

// ---- the wrappers ----------------------------------------------------------------------------

// Installed once per loaded copy of fengari; a second copy of this module must not wrap twice.
const PATCHED = Symbol.for('ticketsim.lua.limits');

function installWrappers(): void {
  if (ltable[PATCHED] === true) return;
  ltable[PATCHED] = true;

  // Nothing here throws a JS exception into the VM (fengari cannot always turn one raised inside
  // a Lua frame into a Lua error): a write to a read-only table raises a Lua error, a call over
  // its cap is stopped and raises at its next instruction.
  const execute = lvm.luaV_execute;
  lvm.luaV_execute = (L) => {
    const outer = running;
    running = L;
    try {
      execute(L);
    } finally {
      running = outer;
    }
  };
  const setfrom = ltable.luaH_setfrom;
  ltable.luaH_setfrom = (L, t, key, value) => {
    if (readonlyTables.has(t)) ldebug.luaG_runerror(L, READONLY_BYTES);
    watchedTables.delete(t);
    const m = active;
    if (m === null) return setfrom(L, t, key, value);
    const before = t.strong.size;
    setfrom(L, t, key, value);
    if (t.strong.size > before) m.charge(L, TABLE_ENTRY_BYTES);
  };
  const setint = ltable.luaH_setint;
  ltable.luaH_setint = (t, key, value) => {
    if (readonlyTables.has(t)) {
      if (running === null) throw new Error(`ticketsim: ${READONLY_TABLE_ERROR}`);
      ldebug.luaG_runerror(running, READONLY_BYTES);
    }
    watchedTables.delete(t);
    const m = active;
    if (m === null) return setint(t, key, value);
    const before = t.strong.size;
    setint(t, key, value);
    if (t.strong.size > before) m.charge(running, TABLE_ENTRY_BYTES);
  };
  const newTable = ltable.luaH_new;
  ltable.luaH_new = (L) => {
    active?.charge(L, TABLE_BYTES);
    return newTable(L);
  };
  // Every Lua string is a TString whose constructor stores its bytes once: count them there.
  Object.defineProperty(lstring.TString.prototype, 'realstring', {
    get(this: CountedString): Uint8Array | undefined {
      return this.countedBytes;
    },
    set(this: CountedString, bytes: Uint8Array) {
      active?.charge(running, bytes.length);
      this.countedBytes = bytes;
    },
  });
}

/** A fengari TString, whose bytes the wrapper keeps under another name. */
type CountedString = { countedBytes?: Uint8Array };

installWrappers();
