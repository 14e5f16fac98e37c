// `sim run --trace FILE.csv`: one row per request hop, streamed to disk through a small buffer,
// so a million-user run never holds its trace in memory. Written to a temp file and renamed at
// the end, like every report file; a special file (/dev/null, a pipe, /dev/stdout) is written
// through instead, since renaming over it would replace the device with a regular file.
import { closeSync, copyFileSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const FLUSH_AT = 1 << 16;
const SELF_FD = '/proc/self/fd';
const HEADER = 'time_us,request,user,client_ip,tier,node,event,outcome\n';

export const OUTCOME_NAMES = ['', 'ok', 'sold_out', 'error', 'timeout'] as const;

function dotted(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

export class Tracer {
  private readonly fd: number;
  private readonly tmp: string | null; // null: written through
  private chunk = '';
  private unnamed = false; // the temp file was unlinked once opened (Linux: /proc/self/fd)
  rows = 0;

  constructor(private readonly path: string) {
    if (isSpecial(path)) {
      this.tmp = null;
      this.fd = openSync(path, 'a');
    } else {
      mkdirSync(dirname(path), { recursive: true });
      removeStaleTemps(path);
      this.tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
      this.fd = openSync(this.tmp, 'w');
      // Ctrl-C during the (synchronous) simulation ends the process before any handler can run:
      // with its name gone, the partial trace goes with the process. close() copies it out.
      if (existsSync(SELF_FD)) {
        unlinkSync(this.tmp);
        this.unnamed = true;
      }
    }
    this.chunk = HEADER;
  }

  hop(time_us: number, request: number, user: number, ip: number, tier: string, node: string, event: string, outcome: number): void {
    this.chunk += `${time_us},${request},${user},${dotted(ip)},${tier},${node},${event},${OUTCOME_NAMES[outcome] ?? ''}\n`;
    this.rows++;
    if (this.chunk.length >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    writeSync(this.fd, this.chunk);
    this.chunk = '';
  }

  /** Flushes, syncs and moves the file into place. */
  close(): void {
    this.flush();
    if (this.unnamed && this.tmp !== null) {
      // in-kernel copy (copy_file_range) of the unnamed file into the temp name, then synced
      copyFileSync(join(SELF_FD, String(this.fd)), this.tmp);
      closeSync(this.fd);
      const fd = openSync(this.tmp, 'r');
      fsyncSync(fd);
      closeSync(fd);
    } else {
      if (fstatSync(this.fd).isFile()) fsyncSync(this.fd);
      closeSync(this.fd);
    }
    if (this.tmp !== null) renameSync(this.tmp, this.path);
  }

  /** Drops the partial file (the run failed). */
  abort(): void {
    try {
      closeSync(this.fd);
      if (this.tmp !== null && !this.unnamed) unlinkSync(this.tmp);
    } catch {
      // already gone
    }
  }
}

/** A device, a pipe or a socket (not a regular file, not missing): written through. */
export function isSpecial(path: string): boolean {
  try {
    const st = statSync(path);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}

// Temp files of earlier runs that were killed before they could remove them.
function removeStaleTemps(path: string): void {
  const prefix = `.${basename(path)}.`;
  let names: string[] = [];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const n of names) {
    const m = n.startsWith(prefix) ? /^(\d+)\.tmp$/.exec(n.slice(prefix.length)) : null;
    if (m && !running(Number(m[1]))) rmSync(join(dirname(path), n), { force: true });
  }
}

function running(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
