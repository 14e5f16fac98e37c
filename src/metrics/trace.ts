// `sim run --trace FILE.csv`: one row per request hop, streamed to disk through a small buffer,
// so a million-user run never holds its trace in memory. Written to a temp file and renamed at
// the end, like every report file.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';

const FLUSH_AT = 1 << 16;
const HEADER = 'time_us,request,user,client_ip,tier,node,event,outcome\n';

export const OUTCOME_NAMES = ['', 'ok', 'sold_out', 'error', 'timeout'] as const;

function dotted(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

export class Tracer {
  private readonly fd: number;
  private readonly tmp: string;
  private chunk = '';
  rows = 0;

  constructor(private readonly path: string) {
    this.tmp = `${path}.${process.pid}.tmp`;
    this.fd = openSync(this.tmp, 'w');
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
    fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }

  /** Drops the partial file (the run failed). */
  abort(): void {
    try {
      closeSync(this.fd);
      unlinkSync(this.tmp);
    } catch {
      // already gone
    }
  }
}
