// Type declarations for the parts of fengari 0.1.5 (a Lua 5.3 VM in JS) that ticketsim uses.
// Signatures follow fengari's src/lapi.js, src/lauxlib.js and src/lualib.js. Strings passed in
// may be JS strings (fengari encodes them as UTF-8) or Lua byte strings (Uint8Array).
// Lua integers in fengari are 32-bit (LUA_MAXINTEGER = 2147483647).

declare module 'fengari' {
  namespace fengari {
    /** A Lua string as fengari stores it: raw bytes. */
    type luastring = Uint8Array;
    /** Anything fengari accepts where the C API takes a `const char *`. */
    type userstring = string | luastring;

    /** A Lua thread (state). Opaque: only fengari creates and reads it. */
    interface lua_State {
      readonly __brand: 'fengari.lua_State';
    }

    /** A JS function callable from Lua: reads its arguments from the stack, returns how many results it pushed. */
    type lua_CFunction = (L: lua_State) => number;

    /** Activation record filled by lua_getstack / lua_getinfo. */
    interface lua_Debug {
      currentline: number;
      short_src: luastring | null;
      source: luastring | null;
      what: luastring | null;
    }

    type lua_Hook = (L: lua_State, ar: lua_Debug) => void;

    interface Lua {
      readonly LUA_OK: number;
      readonly LUA_ERRRUN: number;
      readonly LUA_ERRSYNTAX: number;
      readonly LUA_ERRERR: number;
      readonly LUA_MULTRET: number;
      readonly LUA_REGISTRYINDEX: number;
      readonly LUA_RIDX_GLOBALS: number;
      readonly LUA_MASKCOUNT: number;
      readonly LUA_TNONE: number;
      readonly LUA_TNIL: number;
      readonly LUA_TBOOLEAN: number;
      readonly LUA_TNUMBER: number;
      readonly LUA_TSTRING: number;
      readonly LUA_TTABLE: number;
      readonly LUA_TFUNCTION: number;

      // stack manipulation
      lua_gettop(L: lua_State): number;
      lua_settop(L: lua_State, idx: number): void;
      lua_pop(L: lua_State, n: number): void;
      lua_pushvalue(L: lua_State, idx: number): void;
      lua_insert(L: lua_State, idx: number): void;
      lua_remove(L: lua_State, idx: number): void;
      lua_replace(L: lua_State, idx: number): void;
      lua_checkstack(L: lua_State, n: number): boolean;

      // push
      lua_pushnil(L: lua_State): void;
      lua_pushboolean(L: lua_State, b: boolean | number): void;
      /** n must be a 32-bit integer. */
      lua_pushinteger(L: lua_State, n: number): void;
      lua_pushnumber(L: lua_State, n: number): void;
      lua_pushstring(L: lua_State, s: userstring): luastring;
      lua_pushcfunction(L: lua_State, fn: lua_CFunction): void;
      lua_pushglobaltable(L: lua_State): void;

      // access
      lua_type(L: lua_State, idx: number): number;
      lua_isinteger(L: lua_State, idx: number): boolean;
      /** True for strings and numbers (numbers convert). */
      lua_isstring(L: lua_State, idx: number): boolean;
      /** True for numbers and strings convertible to numbers. */
      lua_isnumber(L: lua_State, idx: number): boolean;
      lua_istable(L: lua_State, idx: number): boolean;
      lua_toboolean(L: lua_State, idx: number): boolean;
      /** 0 when not convertible. */
      lua_tonumber(L: lua_State, idx: number): number;
      /** The value as a byte string (numbers convert in place); null when not a string or number. */
      lua_tolstring(L: lua_State, idx: number): luastring | null;
      /** The value decoded from UTF-8; null when not a string or number. */
      lua_tojsstring(L: lua_State, idx: number): string | null;
      /** The JS value behind a (light) userdata; null otherwise. */
      lua_touserdata(L: lua_State, idx: number): unknown;
      /** The JS function behind a function value without upvalues; null otherwise. */
      lua_tocfunction(L: lua_State, idx: number): lua_CFunction | null;
      /** Raw length (#) of a string or table, no metamethods. */
      lua_rawlen(L: lua_State, idx: number): number;

      // tables
      lua_createtable(L: lua_State, narr: number, nrec: number): void;
      lua_newtable(L: lua_State): void;
      /** Pushes t[k] (may call metamethods); returns its type. */
      lua_getfield(L: lua_State, idx: number, k: userstring): number;
      /** t[k] = top value, popped (may call metamethods). */
      lua_setfield(L: lua_State, idx: number, k: userstring): void;
      /** Pops a key, pushes rawget(t, key); returns its type. */
      lua_rawget(L: lua_State, idx: number): number;
      /** Pops key and value, rawset(t, key, value). */
      lua_rawset(L: lua_State, idx: number): void;
      lua_rawgeti(L: lua_State, idx: number, n: number): number;
      lua_rawseti(L: lua_State, idx: number, n: number): void;
      /** Pops a table and makes it the metatable of the value at idx. */
      lua_setmetatable(L: lua_State, idx: number): void;
      /** Pops a key, pushes the next key and value of the table at idx and returns 1; 0 (nothing pushed) at the end. */
      lua_next(L: lua_State, idx: number): number;
      lua_getglobal(L: lua_State, name: userstring): number;
      lua_setglobal(L: lua_State, name: userstring): void;

      // calls and errors
      lua_pcall(L: lua_State, nargs: number, nresults: number, msgh: number): number;
      /** Raises the top value as a Lua error (throws). */
      lua_error(L: lua_State): never;
      lua_concat(L: lua_State, n: number): void;
      /**
       * Called when a JS function throws a non-Lua exception: receives it as a light userdata
       * at index 1, returns the Lua error value to raise instead. Per global state.
       */
      lua_atnativeerror(L: lua_State, f: lua_CFunction): lua_CFunction | undefined;
      lua_sethook(L: lua_State, f: lua_Hook | null, mask: number, count: number): void;
    }

    interface LauxLib {
      luaL_newstate(): lua_State;
      /** Compiles a chunk; pushes the function (LUA_OK) or the error message. */
      luaL_loadbuffer(L: lua_State, buff: luastring, size: number, chunkname: userstring): number;
      luaL_requiref(L: lua_State, modname: userstring, openf: lua_CFunction, glb: boolean | number): void;
      /** Pops the top value into table t; returns its reference. */
      luaL_ref(L: lua_State, t: number): number;
      /** Frees a reference made by luaL_ref. */
      luaL_unref(L: lua_State, t: number, ref: number): void;
      /** Pushes "chunk:line: " for the function at that level, or "" for a JS function. */
      luaL_where(L: lua_State, level: number): void;
      luaL_checknumber(L: lua_State, arg: number): number;
      luaL_checkany(L: lua_State, arg: number): void;
      luaL_checktype(L: lua_State, arg: number, t: number): void;
      luaL_argerror(L: lua_State, arg: number, extramsg: userstring): never;
    }

    interface LuaLib {
      luaopen_base: lua_CFunction;
      luaopen_coroutine: lua_CFunction;
      luaopen_table: lua_CFunction;
      luaopen_string: lua_CFunction;
      luaopen_math: lua_CFunction;
      luaopen_debug: lua_CFunction;
    }

    const lua: Lua;
    const lauxlib: LauxLib;
    const lualib: LuaLib;
    /** Encodes a JS string as UTF-8; cache=true interns the result (for constant strings). */
    function to_luastring(s: string, cache?: boolean): luastring;
    /** Decodes UTF-8; replacement_char=true maps invalid bytes to U+FFFD instead of throwing. */
    function to_jsstring(s: luastring, from?: number, to?: number, replacement_char?: boolean): string;
  }

  export = fengari;
}
