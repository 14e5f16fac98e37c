import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

// Counter so two concurrent writes of one target in one process never share a temp file.
let seq = 0;

/**
 * Writes `data` to `path` so readers see either the old file or the whole new one:
 * temp file in the same directory (rename is only atomic within one file system), fsync, rename.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${seq++}.tmp`);
  try {
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
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
