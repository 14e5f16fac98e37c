// What keeps a run's peak RSS down: the young generation held at its initial size
// (src/cli/young-generation.ts, imported first by the bin) and the full collection after the
// simulation (src/cli/release-memory.ts). Both checked in child processes, whose heaps are their
// own; no timing is asserted.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const BIN = path.resolve('dist/cli/main.js');
const RELEASE = path.resolve('dist/cli/release-memory.js');
const YOUNG = path.resolve('dist/cli/young-generation.js');

describe('the sim bin', () => {
  test('runs through its own shebang, with no node flag (a V8 flag there costs node its code cache)', () => {
    const shebang = readFileSync(BIN, 'utf8').split('\n', 1)[0];
    expect(shebang).toBe('#!/usr/bin/env node');
    const r = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('0.1.0\n');
  });

  test('the young generation grows at most once through 3 million short-lived objects (16 times, left alone)', () => {
    // [size at start, size after], in bytes, with and without the module the bin imports first
    const sizes = (first: string): [number, number] => {
      const script = `${first}
        import { getHeapSpaceStatistics } from 'node:v8';
        const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
        const start = young();
        let keep = [];
        for (let i = 0; i < 3e6; i++) { keep.push({ i, a: [i] }); if (keep.length > 20000) keep = []; }
        console.log(JSON.stringify([start, young()]));`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as [number, number];
    };
    const [start, after] = sizes(`import ${JSON.stringify(YOUNG)};`);
    // V8's first growth doubles it whatever the factor (1 MB -> 2 MB semispaces); none after that
    expect(after).toBeLessThanOrEqual(2 * start);
    const [plainStart, plainAfter] = sizes('');
    expect(plainAfter).toBeGreaterThanOrEqual(16 * plainStart); // left alone, V8 grows it to 16 MB
  });
});

describe('releaseSimulationMemory', () => {
  test('returns 50 MB of dead ArrayBuffers that no later allocation would have collected', () => {
    // 50 arrays of 1 MiB, dead once make() returns; then poll (the buffers are freed by V8's
    // sweeper thread, just after the collection) for at most 5 s
    const script = `
      import { releaseSimulationMemory } from ${JSON.stringify(RELEASE)};
      const make = () => { const a = []; for (let i = 0; i < 50; i++) a.push(new Float64Array(1 << 17).fill(1)); return a.length; };
      make();
      const before = process.memoryUsage().arrayBuffers >> 20;
      releaseSimulationMemory();
      const end = Date.now() + 5000;
      const poll = () => {
        const mb = process.memoryUsage().arrayBuffers >> 20;
        if (mb < 5 || Date.now() > end) console.log(JSON.stringify({ before, after: mb }));
        else setTimeout(poll, 20);
      };
      poll();`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const { before, after } = JSON.parse(r.stdout) as { before: number; after: number };
    expect(before).toBeGreaterThanOrEqual(50);
    expect(after).toBeLessThan(5);
  });
});
