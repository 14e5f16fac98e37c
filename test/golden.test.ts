// Golden runs: every shipped scenario, and each of test/fixtures/, run by the built `sim`, must give
// byte for byte the summary.json, timeseries.csv and servers.csv stored in test/golden/<name>/. A
// change that moves code without changing behaviour leaves them as they are; a change of behaviour
// shows up here as a diff to read, and `npm run golden:update` rewrites them once it is understood.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratch, sim } from './support/sim-cli.js';

const GOLDEN = path.resolve('test/golden');
const FILES = ['summary.json', 'timeseries.csv', 'servers.csv'];
const UPDATE = process.env.UPDATE_GOLDEN === '1';
// the shipped scenarios, and the small ones worked out by hand in test/golden-hand.test.ts
const yamlIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => path.join(dir, f));
const scenarios = [...yamlIn('scenarios'), ...yamlIn('test/fixtures')];

describe('golden runs of the shipped scenarios', () => {
  const out = scratch('ticketsim-golden-');

  test.each(scenarios)('%s gives its stored reports', (file) => {
    const name = path.basename(file, '.yaml');
    const dir = path.join(out.dir, name);
    const r = sim('run', file, '--out', dir, '--quiet');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const f of FILES) {
      const got = readFileSync(path.join(dir, f), 'utf8');
      const stored = path.join(GOLDEN, name, f);
      if (UPDATE) {
        mkdirSync(path.dirname(stored), { recursive: true });
        writeFileSync(stored, got);
      }
      // compared as text, so that a failure prints the lines that differ
      expect(`${name}/${f}\n${got}`).toBe(`${name}/${f}\n${readFileSync(stored, 'utf8')}`);
    }
  });
});
