// A report costs one fsync, of its parent directory after the swap, not one or two per file;
// the swap stays whole: the previous report is there until the new one replaces it.
import { jest } from '@jest/globals';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const real = await import('node:fs/promises');
const synced: string[] = [];

jest.unstable_mockModule('node:fs/promises', () => ({
  ...real,
  open: async (...args: Parameters<typeof real.open>): Promise<FileHandle> => {
    const fh = await real.open(...args);
    const where = String(args[0]);
    return Object.assign(Object.create(Object.getPrototypeOf(fh) as object) as FileHandle, fh, {
      writeFile: (data: string | Uint8Array) => fh.writeFile(data),
      sync: () => (synced.push(where), fh.sync()),
      close: () => fh.close(),
    });
  },
}));

const { replaceDirAtomic } = await import('../src/report/atomic.js');

const FILES = Array.from({ length: 11 }, (_, i) => [`f${i}.txt`, `file ${i}\n`] as const);

describe('writing a report directory', () => {
  test('eleven files, one fsync: the parent directory, after the swap', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'report-writes-'));
    const dir = join(parent, 'r');
    await replaceDirAtomic(dir, FILES);
    expect(synced).toEqual([parent]);
    expect((await readdir(dir)).sort()).toEqual(FILES.map(([n]) => n).sort());
    expect(await readFile(join(dir, 'f3.txt'), 'utf8')).toBe('file 3\n');
    // a second report replaces the first whole: no file of the old one stays, no temp is left
    synced.length = 0;
    await replaceDirAtomic(dir, [['only.txt', 'new\n']]);
    expect(synced).toEqual([parent]);
    expect(await readdir(dir)).toEqual(['only.txt']);
    expect(await readdir(parent)).toEqual(['r']);
  });
});
