// One RESP2 connection to Redis, shaped as the raw client BullMQ's Bun adapter wraps (connect,
// send, close, duplicate, onconnect/onclose). BullMQ drives it through that adapter, which maps
// every command BullMQ uses to `send`, loads its Lua scripts and reconnects, so the queue runs on
// BullMQ itself with no other Redis driver installed.
import net from 'node:net';
import type { BunRedisRawClient, RedisCommandArgument } from 'bullmq';

/** Where a queue lives: redis://[:password@]host:port[/db]. */
export type RedisTarget = { host: string; port: number; db: number; password?: string; connect_timeout_ms: number; name?: string };

type Reply = string | number | null | Error | Reply[];
type Pending = { resolve: (v: Reply) => void; reject: (e: Error) => void };

const CRLF = 0x0d;

/** One reply starting at `at`, or undefined while it has not fully arrived. */
function parseReply(buf: Buffer, at: number): { value: Reply; end: number } | undefined {
  if (at >= buf.length) return undefined;
  const eol = buf.indexOf(CRLF, at);
  if (eol < 0 || eol + 1 >= buf.length) return undefined;
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (buf[at]) {
    case 0x2b: // +
      return { value: line, end: next };
    case 0x2d: // -
      return { value: new Error(line), end: next };
    case 0x3a: // :
      return { value: Number(line), end: next };
    case 0x24: {
      // $: a bulk string of n bytes, or null
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      if (next + n + 2 > buf.length) return undefined;
      return { value: buf.toString('utf8', next, next + n), end: next + n + 2 };
    }
    case 0x2a: {
      // *: n replies, or null
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      const items: Reply[] = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, pos);
        if (r === undefined) return undefined;
        items.push(r.value);
        pos = r.end;
      }
      return { value: items, end: pos };
    }
    default:
      throw new Error(`unexpected RESP reply type ${String(buf[at])}`);
  }
}

function encode(command: string, args: readonly RedisCommandArgument[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length + 1}\r\n$${Buffer.byteLength(command)}\r\n${command}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

export class RespConnection implements BunRedisRawClient {
  connected = false;
  onconnect: (() => void) | null = null;
  onclose: ((error?: Error) => void) | null = null;
  onerror: ((error: Error) => void) | null = null;
  private socket: net.Socket | null = null;
  private pending: Pending[] = [];
  private input: Buffer = Buffer.alloc(0);

  constructor(readonly target: RedisTarget) {}

  get url(): string {
    return `redis://${this.target.host}:${this.target.port}/${this.target.db}`;
  }

  /** Opens the socket (failing after the connect timeout), authenticates and selects the db. */
  async connect(): Promise<void> {
    const { host, port, connect_timeout_ms } = this.target;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host, port });
      const fail = (e: Error) => {
        s.destroy();
        reject(e);
      };
      s.setTimeout(connect_timeout_ms, () => fail(new Error(`no answer from ${host}:${port} within ${connect_timeout_ms} ms`)));
      s.once('error', fail);
      s.once('connect', () => {
        s.setTimeout(0);
        s.removeListener('error', fail);
        resolve(s);
      });
    });
    socket.setNoDelay(true);
    this.socket = socket;
    this.connected = true;
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', (e) => this.onerror?.(e));
    socket.on('close', () => this.closed());
    if (this.target.password !== undefined) await this.send('AUTH', [this.target.password]);
    if (this.target.db !== 0) await this.send('SELECT', [String(this.target.db)]);
    // BullMQ finds its workers by their connections' names (CLIENT LIST)
    if (this.target.name !== undefined) await this.send('CLIENT', ['SETNAME', this.target.name]);
    this.onconnect?.();
  }

  // Replies come in the order commands were sent: each one settles the oldest pending command.
  private receive(chunk: Buffer): void {
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    let at = 0;
    for (;;) {
      let r: { value: Reply; end: number } | undefined;
      try {
        r = parseReply(this.input, at);
      } catch (e) {
        // not Redis on the other end (an HTTP server, a proxy): fail what waits, and hang up
        this.failAll(new Error(`${this.target.host}:${this.target.port} does not speak RESP: ${e instanceof Error ? e.message : String(e)}`));
        this.socket?.destroy();
        return;
      }
      if (r === undefined) break;
      at = r.end;
      const p = this.pending.shift();
      if (p === undefined) continue;
      if (r.value instanceof Error) p.reject(r.value);
      else p.resolve(r.value);
    }
    this.input = at >= this.input.length ? Buffer.alloc(0) : this.input.subarray(at);
  }

  private closed(): void {
    const was = this.connected;
    this.connected = false;
    this.socket = null;
    const err = new Error('Connection closed');
    this.failAll(err);
    if (was) this.onclose?.(err);
  }

  private failAll(err: Error): void {
    const lost = this.pending;
    this.pending = [];
    this.input = Buffer.alloc(0);
    for (const p of lost) p.reject(err);
  }

  // The reply's shape is the command's: BullMQ's adapter reads it as ioredis would give it.
  send<T = Reply>(command: string, args: RedisCommandArgument[]): Promise<T> {
    const socket = this.socket;
    if (socket === null || !this.connected) return Promise.reject(new Error('Connection closed'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: (v) => resolve(v as T), reject });
      socket.write(encode(command, args));
    });
  }

  close(): void {
    this.socket?.end();
    this.socket?.destroy();
  }

  async duplicate(): Promise<this> {
    const Same = this.constructor as new (t: RedisTarget) => this;
    return new Same(this.target);
  }

  get(key: string): Promise<string | null> {
    return this.send('GET', [key]);
  }

  smembers(key: string): Promise<unknown[]> {
    return this.send('SMEMBERS', [key]);
  }

  incr(key: string): Promise<number> {
    return this.send('INCR', [key]);
  }
}
