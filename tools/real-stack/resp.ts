// A tiny RESP2 client for a real redis-server on 127.0.0.1 (differential tests, validate:real).
// Replies use the simulated Redis's reply types, so both sides compare with one toEqual.
import net from 'node:net';
import { RedisError, RedisStatus, type RedisReply } from '../../src/model/redis/keyspace.js';

/** One command as RESP: an array of bulk strings. */
export function encodeCommand(argv: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const b = Buffer.from(a, 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Parses one reply at `pos`; null if the buffer does not hold all of it yet. */
export function parseReply(buf: Buffer, pos: number): { reply: RedisReply; end: number } | null {
  if (pos >= buf.length) return null;
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[pos]!);
  const line = buf.toString('utf8', pos + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return { reply: new RedisStatus(line), end: next };
    case '-':
      return { reply: new RedisError(line), end: next };
    case ':':
      return { reply: Number(line), end: next };
    case '$': {
      const n = Number(line);
      if (n < 0) return { reply: null, end: next };
      if (buf.length < next + n + 2) return null;
      return { reply: buf.toString('utf8', next, next + n), end: next + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { reply: null, end: next };
      const out: RedisReply[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, p);
        if (r === null) return null;
        out.push(r.reply);
        p = r.end;
      }
      return { reply: out, end: p };
    }
    default:
      throw new Error(`RESP: unexpected reply type ${JSON.stringify(type)}`);
  }
}

export class RespClient {
  private buf: Buffer = Buffer.alloc(0);
  private readonly waiting: { resolve: (r: RedisReply) => void; reject: (e: Error) => void }[] = [];
  private closed: Error | null = null;

  /** With countCpu, the CPU µs spent parsing replies (validate:real's backends report it). */
  countCpu = false;
  readCpu_us = 0;

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      if (!this.countCpu) return this.onData(d);
      const t0 = process.cpuUsage();
      this.onData(d);
      const t = process.cpuUsage(t0);
      this.readCpu_us += t.user + t.system;
    });
    const fail = (e: Error): void => {
      this.closed = e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    sock.on('error', fail);
    sock.on('close', () => fail(new Error('redis connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host, port }, () => {
        sock.removeListener('error', reject);
        sock.setNoDelay(true);
        resolve(new RespClient(sock));
      });
      sock.once('error', reject);
    });
  }

  /** Sends one command and resolves with its reply (error replies resolve as RedisError). */
  command(argv: readonly string[]): Promise<RedisReply> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.sock.write(encodeCommand(argv));
    });
  }

  close(): void {
    this.sock.destroy();
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let pos = 0;
    for (;;) {
      const r = parseReply(this.buf, pos);
      if (r === null) break;
      pos = r.end;
      const w = this.waiting.shift();
      if (w) w.resolve(r.reply);
    }
    this.buf = this.buf.subarray(pos);
  }
}
