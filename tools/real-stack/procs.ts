// Helpers for running real programs (nginx, redis-server, ab) next to the simulator: in the
// differential tests and in `npm run validate:real`. Everything listens on 127.0.0.1 only, and
// every process started here is stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The path of an executable, looked up in PATH and the sbin directories; null if absent. */
export function findBinary(name: string): string | null {
  const dirs = (process.env['PATH'] ?? '').split(path.delimiter).concat(['/usr/sbin', '/usr/bin', '/sbin', '/usr/local/sbin']);
  for (const d of dirs) {
    if (d === '') continue;
    const p = path.join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** A binary that must exist; the error says which Debian package provides it. */
export function requireBinary(name: string, debianPackage: string): string {
  const p = findBinary(name);
  if (p === null) {
    throw new Error(`${name} is not installed: run \`apt-get install -y ${debianPackage}\` (CI installs it; these tests do not skip)`);
  }
  return p;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (bound, then closed: nothing listens on it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A child process with its output kept (bounded) for error messages. */
export class Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  private out = '';
  private exitCode: number | null | undefined = undefined;
  readonly exited: Promise<number | null>;

  /** `session`: start it in a session of its own (setsid), so that it has its own scheduler autogroup. */
  constructor(readonly cmd: string, readonly args: readonly string[], cwd?: string, session = false) {
    this.child = spawn(cmd, [...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: session });
    if (this.child.pid === undefined) throw new Error(`could not start ${cmd}`);
    this.pid = this.child.pid;
    const keep = (b: Buffer): void => {
      this.out += b.toString();
      if (this.out.length > 200_000) this.out = this.out.slice(-100_000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal !== null ? -1 : null);
        resolve(this.exitCode);
      });
      this.child.once('error', (e) => {
        this.out += String(e);
        this.exitCode = -1;
        resolve(-1);
      });
    });
  }

  /** stdout and stderr so far. */
  get output(): string {
    return this.out;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Sends `signal` to this PID, waits for the exit, and SIGKILLs it after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<void> {
    if (!this.running) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      return; // already gone
    }
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
    const first = await Promise.race([this.exited, t]);
    clearTimeout(timer);
    if (first === 'timeout' && this.running) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      await this.exited;
    }
  }
}

/** Whether a PID is alive (signal 0). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process this program started indirectly (an nginx worker), by PID. */
export async function stopPid(pid: number, graceMs = 2000): Promise<void> {
  if (!pidAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (pidAlive(pid) && Date.now() < until) await sleep(20);
  if (pidAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Waits until 127.0.0.1:port accepts a connection; fails early if `proc` exits. */
export async function waitForPort(port: number, timeoutMs: number, proc?: Proc): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (proc !== undefined && !proc.running) {
      throw new Error(`${proc.cmd} exited before listening on ${port}:\n${proc.output}`);
    }
    if (Date.now() > until) {
      throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms${proc ? `; ${proc.cmd} said:\n${proc.output}` : ''}`);
    }
    await sleep(25);
  }
}

/** The warm-up's own inventory hash: the backends' warm-up requests sell from it, not from the measured one. */
export const WARM_HASH_KEY = 'ticket_hash_key_warm';
