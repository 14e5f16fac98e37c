// An in-memory Redis keyspace: the data a single-threaded Redis server holds, and the
// commands the inventory scripts (and the simulator's Redis tier) use on it.
// Follows redis/redis 7.x (replies checked against redis-server 7.0.15 and 7.2.6):
// src/server.c (command lookup, arity, error texts), src/t_string.c (GET, SET, INCR family),
// src/t_hash.c (H* commands), src/db.c (EXISTS, DEL, TYPE), src/object.c + src/util.c
// (string2ll: what counts as an integer).
//
// Keyspace.command() is a client's command; Keyspace.exec() is how redis.call runs one after
// the script layer's own checks (a subclass can watch exec() to see a script's writes).
//
// Replies are RESP2-shaped, as a script or a RESP2 client sees them. There is no expiry
// in the model: SET's EX/PX/EXAT/PXAT/KEEPTTL are parsed and validated as Redis does, then
// ignored. Hash fields keep insertion order (a JS Map), which is what a small (listpack)
// Redis hash returns from HGETALL; big hashes in real Redis come back in hash-table order.

/** An error reply. `message` is the text after '-', e.g. "ERR value is not an integer or out of range". */
export class RedisError {
  constructor(readonly message: string) {}
}

/** A status reply, e.g. "OK". */
export class RedisStatus {
  constructor(readonly status: string) {}
}

export type RedisReply = null | number | string | RedisReply[] | RedisError | RedisStatus;

/** What the script layer needs to know about a command before running it (src/script.c checks). */
export interface CommandSpec {
  /** Lower-case name, as Redis prints it in errors. */
  readonly name: string;
  /** Redis arity: N means exactly N argv entries, -N means at least N. */
  readonly arity: number;
  /** Marked `write` in the Redis command table. */
  readonly write: boolean;
}

type Value = string | Map<string, string>;
type Handler = (ks: Keyspace, argv: readonly string[]) => RedisReply;
/** A command of the model: its spec and its implementation. */
export interface Command extends CommandSpec {
  readonly run: Handler;
}

const OK = new RedisStatus('OK');
const WRONGTYPE = new RedisError('WRONGTYPE Operation against a key holding the wrong kind of value');
const NOT_INTEGER = new RedisError('ERR value is not an integer or out of range');
const HASH_NOT_INTEGER = new RedisError('ERR hash value is not an integer');
const OVERFLOW = new RedisError('ERR increment or decrement would overflow');
const SYNTAX = new RedisError('ERR syntax error');

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
// string2ll rejects anything of LONG_STR_SIZE (21) bytes or more.
const LONG_STR_SIZE = 21;

/** A 64-bit integer: a JS number while it is a safe integer, a bigint beyond. */
type Int64 = number | bigint;

/**
 * Redis's string2ll (src/util.c): optional '-', no '+', no spaces, no leading zeros,
 * "-0" is not an integer, and the value must fit in a signed 64-bit integer.
 */
export function parseInt64(s: string): Int64 | null {
  if (s.length === 0 || s.length >= LONG_STR_SIZE || !canonicalInt(s)) return null;
  if (s.length <= 15) return Number(s);
  const v = BigInt(s);
  return v > INT64_MAX || v < INT64_MIN ? null : v;
}

/** s matches /^(?:0|-?[1-9][0-9]*)$/ (a loop: every HINCRBY parses two integers). */
function canonicalInt(s: string): boolean {
  const start = s.charCodeAt(0) === 0x2d ? 1 : 0; // '-'
  const first = s.charCodeAt(start); // NaN past the end
  if (first === 0x30) return start === 0 && s.length === 1; // "0" alone; never "-0" or "01"
  if (!(first >= 0x31 && first <= 0x39)) return false;
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** old + incr, or null when Redis would report "increment or decrement would overflow". */
function addInt64(old: Int64, incr: Int64): Int64 | null {
  if (typeof old === 'number' && typeof incr === 'number') {
    const r = old + incr;
    if (Number.isSafeInteger(r)) return r;
  }
  const r = BigInt(old) + BigInt(incr);
  if (r > INT64_MAX || r < INT64_MIN) return null;
  return r >= BigInt(Number.MIN_SAFE_INTEGER) && r <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r) : r;
}

/** Integer replies are JS numbers (exact up to 2^53, rounded beyond). */
const intReply = (v: Int64): number => (typeof v === 'number' ? v : Number(v));

function arityError(name: string): RedisError {
  return new RedisError(`ERR wrong number of arguments for '${name}' command`);
}

/** src/server.c commandCheckExistence: the name and up to ~128 characters of arguments. */
function unknownCommandError(argv: readonly string[]): RedisError {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i]!.slice(0, 128 - args.length)}' `;
  }
  const name = (argv[0] ?? '').slice(0, 128);
  return new RedisError(`ERR unknown command '${name}', with args beginning with: ${args}`.replace(/[\r\n]/g, ' '));
}

// ---- string commands (src/t_string.c) ----

function getCmd(ks: Keyspace, argv: readonly string[]): RedisReply {
  const v = ks.lookup(argv[1]!);
  if (v === undefined) return null;
  return typeof v === 'string' ? v : WRONGTYPE;
}

// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]
// The option grammar of parseExtendedStringArgumentsOrReply: each option once, NX/XX exclusive,
// one expiry kind, an expiry needs a following argument (else "syntax error").
function setCmd(ks: Keyspace, argv: readonly string[]): RedisReply {
  let nx = false;
  let xx = false;
  let get = false;
  let keepttl = false;
  let expiry: { kind: string; value: string } | undefined;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const hasNext = j < argv.length - 1;
    if (opt === 'nx' && !xx) nx = true;
    else if (opt === 'xx' && !nx) xx = true;
    else if (opt === 'get') get = true;
    else if (opt === 'keepttl' && expiry === undefined) keepttl = true;
    else if ((opt === 'ex' || opt === 'px' || opt === 'exat' || opt === 'pxat') && !keepttl && hasNext &&
      (expiry === undefined || expiry.kind === opt)) {
      expiry = { kind: opt, value: argv[++j]! };
    } else return SYNTAX;
  }
  if (expiry !== undefined) {
    // getExpireMillisecondsOrReply: must be an integer > 0, and seconds must not overflow as ms.
    // (The "+ now" overflow check needs a wall clock; the model has none.)
    const n = parseInt64(expiry.value);
    if (n === null) return NOT_INTEGER;
    const big = BigInt(n);
    if (big <= 0n || ((expiry.kind === 'ex' || expiry.kind === 'exat') && big > INT64_MAX / 1000n)) {
      return new RedisError("ERR invalid expire time in 'set' command");
    }
  }
  const key = argv[1]!;
  const old = ks.lookup(key);
  let reply: RedisReply = OK;
  if (get) {
    if (old !== undefined && typeof old !== 'string') return WRONGTYPE;
    reply = old ?? null;
  }
  const found = old !== undefined;
  if ((nx && found) || (xx && !found)) return get ? reply : null;
  ks.store(key, argv[2]!);
  return reply;
}

function incrDecr(ks: Keyspace, key: string, incr: Int64): RedisReply {
  const v = ks.lookup(key);
  if (v !== undefined && typeof v !== 'string') return WRONGTYPE;
  const old = v === undefined ? 0 : parseInt64(v);
  if (old === null) return NOT_INTEGER;
  const r = addInt64(old, incr);
  if (r === null) return OVERFLOW;
  ks.store(key, r.toString());
  return intReply(r);
}

function incrByCmd(ks: Keyspace, argv: readonly string[], sign: 1 | -1): RedisReply {
  const incr = parseInt64(argv[2]!);
  if (incr === null) return NOT_INTEGER;
  if (sign === -1) {
    if (incr === INT64_MIN) return new RedisError('ERR decrement would overflow');
    return incrDecr(ks, argv[1]!, -incr);
  }
  return incrDecr(ks, argv[1]!, incr);
}

// ---- hash commands (src/t_hash.c) ----

/** The hash at key, undefined if missing, WRONGTYPE if the key holds another type. */
function hashAt(ks: Keyspace, key: string): Map<string, string> | undefined | RedisError {
  const v = ks.lookup(key);
  if (v === undefined) return undefined;
  return typeof v === 'string' ? WRONGTYPE : v;
}

/** hashTypeLookupWriteOrCreate: the hash at key, created empty if missing. */
function hashForWrite(ks: Keyspace, key: string): Map<string, string> | RedisError {
  const h = hashAt(ks, key);
  if (h !== undefined) return h;
  const fresh = new Map<string, string>();
  ks.store(key, fresh);
  return fresh;
}

function hgetCmd(ks: Keyspace, argv: readonly string[]): RedisReply {
  const h = hashAt(ks, argv[1]!);
  if (h === undefined) return null;
  if (h instanceof RedisError) return h;
  return h.get(argv[2]!) ?? null;
}

function hsetCmd(ks: Keyspace, argv: readonly string[]): RedisReply {
  if (argv.length % 2 === 1) return arityError('hset');
  const h = hashForWrite(ks, argv[1]!);
  if (h instanceof RedisError) return h;
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (!h.has(argv[i]!)) created++;
    h.set(argv[i]!, argv[i + 1]!);
  }
  return created;
}

function hsetnxCmd(ks: Keyspace, argv: readonly string[]): RedisReply {
  const h = hashForWrite(ks, argv[1]!);
  if (h instanceof RedisError) return h;
  if (h.has(argv[2]!)) return 0;
  h.set(argv[2]!, argv[3]!);
  return 1;
}

function hincrbyCmd(ks: Keyspace, argv: readonly string[]): RedisReply {
  // Redis parses the increment before it looks at the key.
  const incr = parseInt64(argv[3]!);
  if (incr === null) return NOT_INTEGER;
  const h = hashForWrite(ks, argv[1]!);
  if (h instanceof RedisError) return h;
  const cur = h.get(argv[2]!);
  const old = cur === undefined ? 0 : parseInt64(cur);
  if (old === null) return HASH_NOT_INTEGER;
  const r = addInt64(old, incr);
  if (r === null) return OVERFLOW;
  h.set(argv[2]!, r.toString());
  return intReply(r);
}

function hmgetCmd(ks: Keyspace, argv: readonly string[]): RedisReply {
  const h = hashAt(ks, argv[1]!);
  if (h instanceof RedisError) return h;
  const out: RedisReply[] = [];
  for (let i = 2; i < argv.length; i++) out.push(h?.get(argv[i]!) ?? null);
  return out;
}

function hgetallCmd(ks: Keyspace, argv: readonly string[]): RedisReply {
  const h = hashAt(ks, argv[1]!);
  if (h instanceof RedisError) return h;
  const out: RedisReply[] = [];
  if (h !== undefined) for (const [f, v] of h) out.push(f, v);
  return out;
}

function hdelCmd(ks: Keyspace, argv: readonly string[]): RedisReply {
  const h = hashAt(ks, argv[1]!);
  if (h === undefined) return 0;
  if (h instanceof RedisError) return h;
  let deleted = 0;
  for (let i = 2; i < argv.length; i++) {
    if (h.delete(argv[i]!)) {
      deleted++;
      // An empty hash is removed from the keyspace at once.
      if (h.size === 0) {
        ks.remove(argv[1]!);
        break;
      }
    }
  }
  return deleted;
}

function hexistsCmd(ks: Keyspace, argv: readonly string[]): RedisReply {
  const h = hashAt(ks, argv[1]!);
  if (h === undefined) return 0;
  if (h instanceof RedisError) return h;
  return h.has(argv[2]!) ? 1 : 0;
}

function hlenCmd(ks: Keyspace, argv: readonly string[]): RedisReply {
  const h = hashAt(ks, argv[1]!);
  if (h === undefined) return 0;
  if (h instanceof RedisError) return h;
  return h.size;
}

// ---- generic commands (src/db.c) ----

function existsCmd(ks: Keyspace, argv: readonly string[]): RedisReply {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (ks.lookup(argv[i]!) !== undefined) n++;
  return n;
}

function delCmd(ks: Keyspace, argv: readonly string[]): RedisReply {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (ks.remove(argv[i]!)) n++;
  return n;
}

function typeCmd(ks: Keyspace, argv: readonly string[]): RedisReply {
  const v = ks.lookup(argv[1]!);
  return new RedisStatus(v === undefined ? 'none' : typeof v === 'string' ? 'string' : 'hash');
}

// Arity and write flags as in src/commands/*.json.
const COMMANDS = new Map<string, Command>(
  ([
    ['get', 2, false, getCmd],
    ['set', -3, true, setCmd],
    ['incr', 2, true, (ks, a) => incrDecr(ks, a[1]!, 1)],
    ['decr', 2, true, (ks, a) => incrDecr(ks, a[1]!, -1)],
    ['incrby', 3, true, (ks, a) => incrByCmd(ks, a, 1)],
    ['decrby', 3, true, (ks, a) => incrByCmd(ks, a, -1)],
    ['hget', 3, false, hgetCmd],
    ['hset', -4, true, hsetCmd],
    ['hsetnx', 4, true, hsetnxCmd],
    ['hincrby', 4, true, hincrbyCmd],
    ['hmget', -3, false, hmgetCmd],
    ['hgetall', 2, false, hgetallCmd],
    ['hdel', -3, true, hdelCmd],
    ['hexists', 3, false, hexistsCmd],
    ['hlen', 2, false, hlenCmd],
    ['exists', -2, false, existsCmd],
    ['del', -2, true, delCmd],
    ['type', 2, false, typeCmd],
  ] as const satisfies readonly (readonly [string, number, boolean, Handler])[]).map(
    ([name, arity, write, run]) => [name, { name, arity, write, run }] as const,
  ),
);

// Upper-case names too, so the usual spellings need no toLowerCase.
for (const cmd of [...COMMANDS.values()]) COMMANDS.set(cmd.name.toUpperCase(), cmd);

/** The command of this name (case-insensitive), or undefined if the model does not know it. */
export function lookupCommand(name: string): Command | undefined {
  return COMMANDS.get(name) ?? COMMANDS.get(name.toLowerCase());
}

/** Redis's arity rule (src/server.c commandCheckArity). */
export function arityOk(spec: CommandSpec, argc: number): boolean {
  return spec.arity > 0 ? argc === spec.arity : argc >= -spec.arity;
}

export class Keyspace {
  private readonly data = new Map<string, Value>();

  /** Runs one command, as a client (or redis.call) would; argv[0] is the command name. */
  command(argv: readonly string[]): RedisReply {
    const cmd = argv.length === 0 ? undefined : lookupCommand(argv[0]!);
    if (cmd === undefined) return unknownCommandError(argv);
    if (!arityOk(cmd, argv.length)) return arityError(cmd.name);
    return cmd.run(this, argv);
  }

  /** Runs a command already looked up and arity-checked (redis.call does its own checks). */
  exec(cmd: Command, argv: readonly string[]): RedisReply {
    return cmd.run(this, argv);
  }

  /** Every key with its value; keys and hash fields sorted, so equal contents give equal JSON. */
  snapshot(): Record<string, string | Record<string, string>> {
    const out: Record<string, string | Record<string, string>> = {};
    for (const key of [...this.data.keys()].sort(compare)) {
      const v = this.data.get(key)!;
      if (typeof v === 'string') {
        out[key] = v;
      } else {
        const h: Record<string, string> = {};
        for (const f of [...v.keys()].sort(compare)) h[f] = v.get(f)!;
        out[key] = h;
      }
    }
    return out;
  }

  /** FLUSHALL. */
  clear(): void {
    this.data.clear();
  }

  /** Number of keys (DBSIZE). */
  get size(): number {
    return this.data.size;
  }

  /** The string at key; null if missing. Throws if the key holds a hash. */
  get(key: string): string | null {
    const v = this.data.get(key);
    if (v === undefined) return null;
    if (typeof v !== 'string') throw new TypeError(`key '${key}' holds a hash, not a string`);
    return v;
  }

  /** A hash field; null if the key or field is missing. Throws if the key holds a string. */
  hget(key: string, field: string): string | null {
    const v = this.data.get(key);
    if (v === undefined) return null;
    if (typeof v === 'string') throw new TypeError(`key '${key}' holds a string, not a hash`);
    return v.get(field) ?? null;
  }

  /** 'string', 'hash' or 'none', as TYPE replies. */
  type(key: string): 'string' | 'hash' | 'none' {
    const v = this.data.get(key);
    return v === undefined ? 'none' : typeof v === 'string' ? 'string' : 'hash';
  }

  // Storage primitives for the command handlers in this file.
  /** @internal */
  lookup(key: string): Value | undefined {
    return this.data.get(key);
  }
  /** @internal */
  store(key: string, value: Value): void {
    this.data.set(key, value);
  }
  /** @internal */
  remove(key: string): boolean {
    return this.data.delete(key);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
