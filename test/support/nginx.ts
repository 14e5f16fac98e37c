// Real nginx for the differential tests: an nginx.conf from upstream blocks, small Node HTTP
// backends that answer with their own name, and a client that reads which peers nginx tried.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, pidAlive, Proc, requireBinary, stopPid, waitForPort } from '../../tools/real-stack/procs.js';

export type ServerSpec = {
  name: string;
  weight?: number;
  max_fails?: number;
  fail_timeout_s?: number;
  backup?: boolean;
  down?: boolean;
  /** Nothing listens on its port: nginx's connect() is refused. */
  refuse?: boolean;
  /** Answers only when released (Backend.release): its connections stay open until then. */
  hold?: boolean;
};

export type UpstreamSpec = {
  name: string;
  servers: ServerSpec[];
  /** The balancing directive; round robin when absent. */
  balance?: 'ip_hash' | 'least_conn';
};

/** A backend answering every request with its name; or a port nobody listens on. */
export class Backend {
  private server: http.Server | null = null;
  private held: http.ServerResponse[] = [];
  /** Requests that have reached this backend. */
  arrivals = 0;
  private constructor(readonly name: string, readonly port: number) {}

  static async start(name: string, refuse: boolean, hold = false): Promise<Backend> {
    if (refuse) return new Backend(name, await freePort());
    let b: Backend | null = null;
    const server = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      b!.arrivals++;
      if (hold) b!.held.push(res);
      else res.end(name);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    b = new Backend(name, (server.address() as net.AddressInfo).port);
    b.server = server;
    return b;
  }

  /** Answers every held request. */
  release(): void {
    for (const res of this.held.splice(0)) res.end(this.name);
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (s === null) return;
    this.server = null;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

export type Reply = {
  status: number;
  body: string;
  /** nginx's $pid: the worker process that served the request. */
  worker: number;
  /** $upstream_addr: every peer tried, in order (the upstream's name when none was live). */
  tried: string[];
};

/** One GET with a fresh connection (no keep-alive agent), from `localAddress` if given (any 127/8 on Linux). */
export function get(port: number, urlPath: string, localAddress?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, localAddress }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const up = String(res.headers['x-upstream'] ?? '');
        resolve({
          status: res.statusCode ?? 0,
          body,
          worker: Number(res.headers['x-worker'] ?? -1),
          // ", " separates peers of one upstream, " : " upstream groups after a redirect
          tried: up === '' ? [] : up.split(/, | : /),
        });
      });
      res.on('error', reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${urlPath}: no answer in 5 s`)));
    req.on('error', reject);
  });
}

/** nginx's compiled-in temp paths would be created (and chowned) under /var/lib: keep them in the prefix. */
function tempPathDirectives(nginxBin: string): string[] {
  let v = '';
  try {
    v = execFileSync(nginxBin, ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    v = String((e as { stderr?: unknown }).stderr ?? '');
  }
  const mods = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];
  return mods
    .filter((m) => m === 'client_body' || !v.includes(`--without-http_${m}_module`))
    .map((m) => `${m}_temp_path temp/${m};`);
}

function serverLine(s: ServerSpec, port: number): string {
  const opts: string[] = [];
  if (s.weight !== undefined) opts.push(`weight=${s.weight}`);
  if (s.max_fails !== undefined) opts.push(`max_fails=${s.max_fails}`);
  if (s.fail_timeout_s !== undefined) opts.push(`fail_timeout=${s.fail_timeout_s}s`);
  if (s.backup) opts.push('backup');
  if (s.down) opts.push('down');
  return `    server 127.0.0.1:${port}${opts.length ? ' ' + opts.join(' ') : ''};`;
}

/** Whether a PID is (still) an nginx process, so a reused PID is never signalled. */
function isNginx(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'nginx';
  } catch {
    return false;
  }
}

export type NginxOptions = { workers: number; masterProcess: boolean };

/** One real nginx in a temp prefix with its backends; location /<upstream>/ proxies to that upstream. */
export class RealNginx {
  readonly backends = new Map<string, Backend>();
  private readonly byAddr = new Map<string, string>();
  private proc: Proc | null = null;
  private prefix = '';
  port = 0;
  /** Worker PIDs seen in answers, stopped by PID too if the master leaves them behind. */
  readonly workers = new Set<number>();

  private constructor(readonly upstreams: UpstreamSpec[], readonly opts: NginxOptions) {}

  static async start(upstreams: UpstreamSpec[], opts: NginxOptions): Promise<RealNginx> {
    const bin = requireBinary('nginx', 'nginx-light');
    const n = new RealNginx(upstreams, opts);
    try {
      await n.launch(bin);
    } catch (e) {
      await n.stop();
      throw e;
    }
    return n;
  }

  private async launch(bin: string): Promise<void> {
    for (const u of this.upstreams) {
      for (const s of u.servers) {
        if (this.backends.has(s.name)) continue;
        const b = await Backend.start(s.name, s.refuse === true, s.hold === true);
        this.backends.set(s.name, b);
        this.byAddr.set(`127.0.0.1:${b.port}`, s.name);
      }
    }
    this.prefix = mkdtempSync(path.join(tmpdir(), 'ticketsim-nginx-'));
    mkdirSync(path.join(this.prefix, 'temp'));
    this.port = await freePort();
    // reuseport: one listening socket per worker, so the kernel spreads connections over them
    const listen = `127.0.0.1:${this.port}${this.opts.workers > 1 ? ' reuseport' : ''}`;
    const conf = [
      'daemon off;',
      `master_process ${this.opts.masterProcess ? 'on' : 'off'};`,
      `worker_processes ${this.opts.workers};`,
      'error_log stderr warn;',
      `pid ${path.join(this.prefix, 'nginx.pid')};`,
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      ...tempPathDirectives(bin).map((d) => '  ' + d),
      ...this.upstreams.flatMap((u) => [
        `  upstream ${u.name} {`,
        ...(u.balance !== undefined ? [`    ${u.balance};`] : []),
        ...u.servers.map((s) => serverLine(s, this.backends.get(s.name)!.port)),
        '  }',
      ]),
      '  server {',
      `    listen ${listen};`,
      '    add_header X-Worker $pid always;',
      '    add_header X-Upstream $upstream_addr always;',
      ...this.upstreams.map((u) => `    location /${u.name}/ { proxy_pass http://${u.name}; }`),
      '  }',
      '}',
      '',
    ].join('\n');
    writeFileSync(path.join(this.prefix, 'nginx.conf'), conf);
    this.proc = new Proc(bin, ['-p', this.prefix, '-e', 'stderr', '-c', path.join(this.prefix, 'nginx.conf')]);
    await waitForPort(this.port, 5000, this.proc);
  }

  /** GET /<upstream>/ (from client address `from` if given); the tried peers come back as backend names. */
  async request(upstream: string, from?: string): Promise<Reply> {
    const r = await get(this.port, `/${upstream}/`, from);
    this.workers.add(r.worker);
    return { ...r, tried: r.tried.map((a) => this.byAddr.get(a) ?? a) };
  }

  /** nginx's log so far (error_log stderr). */
  get log(): string {
    return this.proc?.output ?? '';
  }

  /** Stops nginx (SIGQUIT would wait for clients; SIGTERM is the fast shutdown), its workers and backends. */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (p !== null) await p.stop('SIGTERM');
    // the master stops its workers; a worker still there (master killed) is stopped by its PID
    for (const w of this.workers) if (w > 0 && pidAlive(w) && isNginx(w)) await stopPid(w);
    for (const b of this.backends.values()) await b.stop();
    if (this.prefix !== '') rmSync(this.prefix, { recursive: true, force: true });
  }
}

/**
 * Registers jest hooks that check nginx is installed and stop every instance started through the
 * returned function after each test; returns that function.
 */
export function nginxPerTest(): (upstreams: UpstreamSpec[], workers?: number) => Promise<RealNginx> {
  const started: RealNginx[] = [];
  const stopAll = async (): Promise<void> => {
    for (const n of started.splice(0)) await n.stop();
  };
  beforeAll(() => {
    requireBinary('nginx', 'nginx-light');
  });
  afterEach(stopAll);
  afterAll(stopAll);
  return async (upstreams, workers = 1) => {
    const n = await RealNginx.start(upstreams, { workers, masterProcess: workers > 1 });
    started.push(n);
    return n;
  };
}
