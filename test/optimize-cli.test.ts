// `sim optimize` as users run it: the same files for 1 and 2 workers, exit 1 when nothing in the
// range meets the subjects, and bad input as one line with exit 2.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { scratch, sim } from './support/sim-cli.js';

const { dir } = scratch('sim-optimize-cli-');
const FIXTURE = 'test/fixtures/optimize-one-dead.yaml';

function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[path.relative(root, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return out;
}

const base = ['optimize', FIXTURE, '--minimize', 'app.local_stock.buffer=1.1..1.4', '--step', '0.01', '--subject', 'tickets.unsold < 1%', '--replications', '2'];

describe('sim optimize', () => {
  test('1 and 2 workers write the same files; the answer is 1.24 (8 of 1000 unsold, under 10)', () => {
    const one = sim(...base, '--workers', '1', '--out', path.join(dir, 'w1'));
    const two = sim(...base, '--workers', '2', '--out', path.join(dir, 'w2'));
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(one.out).toContain('  answer: app.local_stock.buffer=1.24: tickets.unsold 8 ±0 (bound 8 < 10: holds)\n');
    expect(one.out).toContain('  one step better fails: app.local_stock.buffer=1.23: tickets.unsold 16 ±0 (bound 16 < 10: fails)\n');
    const t1 = tree(path.join(dir, 'w1'));
    expect(Object.keys(t1)).toEqual(['charts/tickets.unsold--vs--app.local_stock.buffer.svg', 'index.html', 'optimize.json', 'runs.csv']);
    expect(tree(path.join(dir, 'w2'))).toEqual(t1);
    const json = JSON.parse(t1['optimize.json'] ?? '{}') as { answer: { values: Record<string, number> }; method: string; runs: number };
    expect(json.answer.values).toEqual({ 'app.local_stock.buffer': 1.24 });
    expect(json.method).toBe('bisection');
    expect((t1['runs.csv'] ?? '').trim().split('\n').length).toBe(1 + json.runs);
    expect(t1['index.html']).toContain('Answer: <code>app.local_stock.buffer</code> = <b>1.24</b>');
  });

  test('no value in the range meets the subjects: exit 1, and the report says so', () => {
    const r = sim('optimize', FIXTURE, '--minimize', 'app.local_stock.buffer=1..1.2', '--subject', 'tickets.unsold <= 0', '--replications', '2', '--workers', '1', '--out', path.join(dir, 'none'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('  no value in the range meets every subject (exit 1)\n');
    expect(JSON.parse(readFileSync(path.join(dir, 'none', 'optimize.json'), 'utf8')).answer).toBeNull();
  });

  test.each([
    [['--subject', 'tickets.unsold < 1%'], 'sim: optimize: name the parameter: --minimize key=lo..hi or --maximize key=lo..hi'],
    [['--minimize', 'app.local_stock.buffer=1..2'], 'sim: optimize: give at least one --subject "metric op value" (e.g. "tickets.unsold < 1%")'],
    [['--minimize', 'app.local_stock.buffer=2..1', '--subject', 'tickets.unsold < 1'], 'sim: --minimize app.local_stock.buffer=2..1: hi must be at least lo'],
    [['--minimize', 'app.local_stock.buffer=1..2', '--subject', 'tickets.unsold == 1'], 'sim: --subject "tickets.unsold == 1": == cannot be met by a confidence bound; use < <= > or >='],
    [['--minimize', 'app.local_stock.buffer=1..2', '--subject', 'tickets.nope < 1'], 'sim: optimize: --subject "tickets.nope < 1": tickets.nope is not a number in summary.json'],
    [['--minimize', 'app.local_stock.buffer=1..2', '--subject', 'tickets.unsold < 1', '--replications', '1'], 'sim: optimize: --replications must be an integer >= 2, for a confidence interval (got 1)'],
    [['--minimize', 'app.local_stock.buffer=1..2', '--subject', 'tickets.unsold < 1', '--set', 'app.local_stock.buffer=1.5'], 'sim: optimize: app.local_stock.buffer is both --set and optimized; keep one'],
    [['--minimize', 'tickets.inventory=-5..10', '--subject', 'tickets.unsold < 1'], `sim: ${FIXTURE}: --minimize tickets.inventory=-5: must be an integer >= 0 (got -5)`],
  ])('bad input %j: exit 2, one line', (extra, line) => {
    const r = sim('optimize', FIXTURE, ...extra, '--out', path.join(dir, 'bad'));
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter(Boolean).length).toBe(1);
    expect(r.err.startsWith(line)).toBe(true);
  });
});
