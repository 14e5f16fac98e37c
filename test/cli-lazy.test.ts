// Start-up: `sim` imports a command's module only when that command runs. Checked on the static
// import graph of src/ (value imports only; `import type` vanishes at build), so no timing here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS } from '../src/cli/commands.js';

const SRC = path.resolve('src');
const IMPORT = /^\s*import\s+(?!type\s)(?:[^'";]*?\s+from\s+)?'([^']+)';/gm;
const EXPORT_FROM = /^\s*export\s+(?!type\s)[^'";]*?\s+from\s+'([^']+)';/gm;

/** Every module `entry` loads before it runs: local files (relative to src/) and package names. */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
    const text = readFileSync(path.join(SRC, f), 'utf8');
    for (const m of [...text.matchAll(IMPORT), ...text.matchAll(EXPORT_FROM)]) {
      const spec = m[1];
      const key = spec.startsWith('.') ? path.normalize(path.join(path.dirname(f), spec.replace(/\.js$/, '.ts'))) : spec;
      if (seen.has(key)) continue;
      seen.add(key);
      if (spec.startsWith('.')) queue.push(key);
    }
  }
  return seen;
}

describe('sim loads a command only when it runs', () => {
  test('main.ts loads yargs, the command list and the young generation setting, nothing of any command', () => {
    expect([...staticGraph('cli/main.ts')].sort()).toEqual(['cli/commands.ts', 'cli/main.ts', 'cli/young-generation.ts', 'node:v8', 'yargs', 'yargs/helpers']);
  });

  test("sim run never loads check, explore, explain, sweep, piscina or d3-node", () => {
    const g = staticGraph('cli/run.ts');
    for (const m of ['cli/check.ts', 'cli/explore.ts', 'cli/explain.ts', 'cli/sweep.ts', 'piscina', 'd3-node']) expect(g.has(m)).toBe(false);
    expect(g.has('model/stack.ts')).toBe(true); // the walk does follow run's own imports
  });

  test('sim sweep loads neither the model, Lua, BullMQ nor d3-node before its runs; its threads no YAML loader', () => {
    const g = staticGraph('cli/sweep.ts');
    // the YAML loader too comes after the threads have started (sweep-spec.ts, imported then)
    for (const m of ['model/stack.ts', 'fengari', 'bullmq', 'ioredis', 'd3-node', 'cli/check.ts', 'scenario/load.ts', 'zod']) expect([m, g.has(m)]).toEqual([m, false]);
    expect(staticGraph('cli/sweep-spec.ts').has('scenario/load.ts')).toBe(true);
    const w = staticGraph('study/run-worker.ts');
    for (const m of ['scenario/load.ts', 'yaml', 'zod']) expect([m, w.has(m)]).toEqual([m, false]);
    expect(w.has('model/stack.ts')).toBe(true);
  });

  test('sim validate loads neither the model nor Lua', () => {
    const g = staticGraph('cli/validate.ts');
    expect(g.has('fengari')).toBe(false);
    expect(g.has('model/stack.ts')).toBe(false);
    expect(g.has('scenario/load.ts')).toBe(true);
  });

  test.each(COMMANDS.map((c) => [c.command.split(' ')[0], c] as const))('%s: the list names it as its module does', async (_name, c) => {
    const mod = await c.load();
    expect([c.command, c.describe]).toEqual([mod.command, mod.describe]);
  });
});
