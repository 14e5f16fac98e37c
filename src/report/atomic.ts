import { rmSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

// Counter so two concurrent writes of one target in one process never share a temp file.
let seq = 0;

// Temp files and directories of this process not yet renamed into place: removed on SIGINT/SIGTERM.
const temps = new Set<string>();

export function trackTemp(p: string): void {
  temps.add(p);
}

export function untrackTemp(p: string): void {
  temps.delete(p);
}

/** Removes every temp file and directory still tracked (synchronously: it runs in a signal handler). */
export function removeTemps(): void {
  for (const p of temps) rmSync(p, { recursive: true, force: true });
  temps.clear();
}

/**
 * While `fn` runs, SIGINT and SIGTERM remove the temp files before the process exits as the signal
 * would have ended it. Only around the asynchronous writes: during the synchronous simulation a
 * handler could not run, and it would keep Ctrl-C from stopping the run.
 */
export async function withTempCleanup<T>(fn: () => Promise<T>): Promise<T> {
  const onSignal = (sig: NodeJS.Signals): void => {
    removeTemps();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function tempName(path: string, tag: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${seq++}.${tag}`);
}

/**
 * Writes `data` to `path` so readers see either the old file or the whole new one:
 * temp file in the same directory (rename is only atomic within one file system), fsync, rename.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await withTempCleanup(() => writeFileAtomicNow(path, data));
}

async function writeFileAtomicNow(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = tempName(path, 'tmp');
  trackTemp(tmp);
  try {
    await writeFileSynced(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  } finally {
    untrackTemp(tmp);
  }
  await syncDir(dir);
}

async function writeFileSynced(path: string, data: string | Uint8Array): Promise<void> {
  const fh = await open(path, 'w', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes `files` as the whole content of directory `dir`: into a fresh sibling directory first, then
 * swapped in by renames, so a reader (or a killed run) finds the old directory or the new one, never
 * a mix, and no file of an earlier report stays behind. The old directory is removed after the swap.
 */
export async function replaceDirAtomic(dir: string, files: ReadonlyArray<readonly [string, string]>): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  await removeStale(dir);
  const fresh = tempName(dir, 'new');
  const old = tempName(dir, 'old');
  trackTemp(fresh);
  try {
    await mkdir(fresh);
    // Sequential: keeps the write order predictable. No fsync per file: the renames below are what
    // makes a killed run leave the old report or the new one, and one fsync of the parent after
    // the swap persists it (a power cut just after may leave short files; a report can be rerun).
    for (const [name, text] of files) await writeFile(join(fresh, name), text, { mode: 0o644 });
    let moved = false;
    try {
      await rename(dir, old);
      trackTemp(old);
      moved = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    await rename(fresh, dir);
    untrackTemp(fresh);
    await syncDir(parent);
    if (moved) await rm(old, { recursive: true, force: true });
    untrackTemp(old);
  } catch (err) {
    await rm(fresh, { recursive: true, force: true }).catch(() => undefined);
    untrackTemp(fresh);
    throw err;
  }
}

// Siblings left by a run that was killed (SIGKILL, power loss) before it could clean up.
async function removeStale(dir: string): Promise<void> {
  const prefix = `.${basename(dir)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(dir));
  } catch {
    return;
  }
  for (const n of names) {
    const m = n.startsWith(prefix) ? /^(\d+)\.\d+\.(new|old|tmp)$/.exec(n.slice(prefix.length)) : null;
    if (!m || alive(Number(m[1]))) continue;
    // killed between its two renames: the old report is put back where it was
    if (m[2] === 'old' && !(await exists(dir))) await rename(join(dirname(dir), n), dir);
    else await rm(join(dirname(dir), n), { recursive: true, force: true });
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Whether process `pid` still runs (its temp files are then its own business). */
export function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Persists the rename itself; not every platform lets a directory be fsynced, so failure is ignored.
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort
  }
}
