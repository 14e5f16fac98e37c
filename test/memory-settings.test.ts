// What keeps a run's peak RSS down: the bin's node flags (its shebang) and the full collection
// after the simulation (src/cli/release-memory.ts). Both checked in child processes, whose heaps
// are their own; no timing is asserted.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const BIN = path.resolve('dist/cli/main.js');
const RELEASE = path.resolve('dist/cli/release-memory.js');

describe('the sim bin', () => {
  test('runs through its own shebang, with the semispace flag node accepts', () => {
    const shebang = readFileSync(BIN, 'utf8').split('\n', 1)[0];
    expect(shebang).toBe('#!/usr/bin/env -S node --max-semi-space-size=2');
    // executed as a file: a flag node refused would end it with "bad option" and exit 9
    const r = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('0.1.0\n');
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
