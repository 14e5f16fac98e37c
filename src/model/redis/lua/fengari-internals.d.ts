// Types for the few fengari 0.1.5 internals the sandbox reaches into: the table and string code
// where Redis's patched Lua checks read-only tables, and where a C Lua build would count
// allocations (limits.ts); where a number becomes text (number-text.ts). Signatures follow
// fengari's src/ltable.js, src/lstring.js, src/lobject.js, src/ldebug.js and src/lapi.js; each
// module is a CommonJS object whose functions other fengari modules call through it, so
// replacing one takes effect everywhere.

declare module 'fengari/src/ltable.js' {
  import type { lua_State } from 'fengari';
  /** A Lua table: its entries live in a JS Map. */
  export interface Table {
    readonly strong: Map<unknown, unknown>;
    /** Set by setmetatable (lua_setmetatable), which writes it without a table write. */
    readonly metatable: object | null;
  }
  interface LTable {
    /** Set once the sandbox has wrapped these functions. */
    [mark: symbol]: boolean | undefined;
    luaH_new(L: lua_State): Table;
    luaH_setfrom(L: lua_State, t: Table, key: unknown, value: unknown): void;
    luaH_setint(t: Table, key: number, value: unknown): void;
  }
  const ltable: LTable;
  export default ltable;
}

declare module 'fengari/src/lstring.js' {
  import type { lua_State } from 'fengari';
  /** A Lua string: immutable bytes. */
  export interface TString {
    getstr(): Uint8Array;
  }
  interface LString {
    /** Lua strings; each keeps its bytes in `realstring`, set once by the constructor. */
    TString: { prototype: object };
    /** A new Lua string that takes `bytes` as they are (no copy). */
    luaS_bless(L: lua_State, bytes: Uint8Array): TString;
  }
  const lstring: LString;
  export default lstring;
}

declare module 'fengari/src/lobject.js' {
  import type { lua_State } from 'fengari';
  import type { TString } from 'fengari/src/lstring.js';
  /** A Lua value in a stack slot. */
  export interface TValue {
    /** A number of the integer subtype (a 32-bit integer in fengari), not a float. */
    ttisinteger(): boolean;
    readonly value: unknown;
    /** Makes the slot hold the string ts. */
    setsvalue(ts: TString): void;
  }
  interface LObject {
    /** Set once the sandbox has wrapped these functions. */
    [mark: symbol]: boolean | undefined;
    /** Pushes a Lua string (as lua_pushstring does once it has made one). */
    pushsvalue2s(L: lua_State, ts: TString): void;
    /** Turns the number in a stack slot into its text in place (`..`, lua_tolstring). */
    luaO_tostring(L: lua_State, obj: TValue): void;
    /** lua_pushfstring: pushes fmt with its % items filled from argp; returns the string's bytes. */
    luaO_pushvfstring(L: lua_State, fmt: Uint8Array, argp: unknown[]): Uint8Array;
  }
  const lobject: LObject;
  export default lobject;
}

declare module 'fengari/src/ldebug.js' {
  import type { lua_Debug, lua_State } from 'fengari';
  interface LDebug {
    /** Raises a Lua error, prefixed with the position when Lua code is running (luaG_runerror). */
    luaG_runerror(L: lua_State, msg: Uint8Array): never;
    lua_getstack(L: lua_State, level: number, ar: lua_Debug): number;
    lua_getinfo(L: lua_State, what: Uint8Array, ar: lua_Debug): number;
  }
  const ldebug: LDebug;
  export default ldebug;
}

declare module 'fengari/src/lapi.js' {
  import type { lua_State } from 'fengari';
  import type { Table } from 'fengari/src/ltable.js';
  interface LApi {
    /** Called on a table only: the table object itself. */
    lua_topointer(L: lua_State, idx: number): Table | null;
    lua_getmetatable(L: lua_State, idx: number): boolean;
    lua_call(L: lua_State, nargs: number, nresults: number): void;
  }
  const lapi: LApi;
  export default lapi;
}

declare module 'fengari/src/defs.js' {
  import type { lua_Debug } from 'fengari';
  interface Defs {
    lua_Debug: new () => lua_Debug;
  }
  const defs: Defs;
  export default defs;
}

declare module 'fengari/src/lauxlib.js' {
  import type { lua_State } from 'fengari';
  interface LAuxLib {
    luaL_checklstring(L: lua_State, arg: number): Uint8Array;
    luaL_optlstring(L: lua_State, arg: number, def: Uint8Array): Uint8Array;
    /** Compiles a chunk in the given mode ("t": text only); pushes the function or the message. */
    luaL_loadbufferx(L: lua_State, buff: Uint8Array, size: number, name: Uint8Array, mode: string): number;
  }
  const lauxlib: LAuxLib;
  export default lauxlib;
}

declare module 'fengari/src/lvm.js' {
  import type { lua_State } from 'fengari';
  interface LVm {
    /** Runs Lua code on L from its current call; every Lua function call goes through it. */
    luaV_execute(L: lua_State): void;
  }
  const lvm: LVm;
  export default lvm;
}
