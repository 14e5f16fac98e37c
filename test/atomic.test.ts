// A write that fails midway leaves the previous file whole. The failure is injected: the file
// handle writes the first half of the data, then reports EIO, as a full disk or a yanked device
// would. A writer that wrote to the target directly would leave half a file behind.
import { jest } from '@jest/globals';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const real = await import('node:fs/promises');
let failNextWrite = false;

jest.unstable_mockModule('node:fs/promises', () => ({
  ...real,
  open: async (...args: Parameters<typeof real.open>): Promise<FileHandle> => {
    const fh = await real.open(...args);
    if (!failNextWrite) return fh;
    failNextWrite = false;
    const halfThenFail = async (data: string | Uint8Array): Promise<void> => {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      await fh.write(bytes.subarray(0, bytes.length >> 1));
      throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
    };
    return Object.assign(Object.create(Object.getPrototypeOf(fh) as object) as FileHandle, fh, {
      writeFile: halfThenFail,
      sync: () => fh.sync(),
      close: () => fh.close(),
    });
  },
}));

const { writeFileAtomic } = await import('../src/report/atomic.js');

describe('writeFileAtomic, with a write that fails midway', () => {
  test('the previous file stays whole, the error comes out, no temp file is left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    const f = join(dir, 'summary.json');
    const before = `{"sold": 1000, "pad": "${'x'.repeat(4096)}"}\n`;
    await writeFile(f, before);
    failNextWrite = true;
    await expect(writeFileAtomic(f, `{"sold": 2000, "pad": "${'y'.repeat(8192)}"}\n`)).rejects.toThrow(/EIO/);
    expect(failNextWrite).toBe(false); // the injected failure did happen
    expect(await readFile(f, 'utf8')).toBe(before);
    expect(await readdir(dir)).toEqual(['summary.json']);
    // and the next write, which does not fail, replaces it whole
    await writeFileAtomic(f, 'after\n');
    expect(await readFile(f, 'utf8')).toBe('after\n');
    expect(await readdir(dir)).toEqual(['summary.json']);
  });
});
