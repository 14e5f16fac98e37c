import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { etaText, startProgress } from '../src/cli/progress.js';
import { fmtRate } from '../src/cli/run.js';
import { expectationVerdict } from '../src/report/verdicts.js';
import { scratch, sim } from './support/sim-cli.js';

describe('sim run output', () => {
  test('a what-if run says so, sets the expectations aside, reads invariants positively, ends with a file:// URL', () => {
    const { dir } = scratch('sim-run-out-');
    const out = path.join(dir, 'r');
    const r = sim('run', 'scenarios/source-ab.yaml', '--out', out, '--set', 'tickets.inventory=900');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('source-ab, what-if --set tickets.inventory=900 (seed 1): 10000 users, 900 tickets');
    expect(lines).toContain('  invariants: no_oversell: broken, 1 oversold; ledger: holds; conservation: holds');
    expect(lines).toContain('  expect: 7 expectations of the original scenario, not applied to this what-if run (--keep-expect applies them)');
    expect(lines.at(-2)).toMatch(/^ {2}took \d+\.\d\d s in all \(simulation \d+\.\d\d s, \d+(\.\d M| k|) events\/s\)$/);
    expect(lines.at(-1)).toBe(`  report: ${pathToFileURL(path.join(out, 'index.html')).href}`);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as { what_if: unknown };
    expect(summary.what_if).toEqual({ overrides: ['tickets.inventory=900'], expectations_apply: false });
    const html = readFileSync(path.join(out, 'index.html'), 'utf8');
    expect(html).toContain('<title>ticketsim report: source-ab (what-if)</title>');
    expect(html).toContain('<code>--set tickets.inventory=900</code>');
    // the charts are inline, so their tooltips work; each links to its own file
    expect(html).not.toContain('<img');
    expect(html.match(/<figure><svg /g)?.length).toBe(6);
    expect(html).toContain('<figcaption><a href="load.svg">load.svg</a></figcaption>');
  }, 60_000);

  test('events per second stay readable for small runs', () => {
    expect([fmtRate(2_712_345), fmtRate(340_400), fmtRate(812.4)]).toEqual(['2.7 M', '340 k', '812']);
  });

  test('an expectation on an invariant reads in words', () => {
    expect(expectationVerdict('invariants.no_oversell', { want: '0', value: 1, held: false })).toBe('invariants.no_oversell: expected broken, but it holds');
    expect(expectationVerdict('tickets.oversold', { want: '1', value: 0, held: false })).toBe('tickets.oversold: want 1, got 0');
  });

  test('the progress bar estimates the time left from the users that have arrived', () => {
    expect([etaText(1, 0, 1000), etaText(1, 250, 1000), etaText(2, 1000, 1000), etaText(10, 40, 1000), etaText(0.5, 1, 3)]).toEqual([
      'ETA ...',
      'ETA 3 s', // 1 s for a quarter: 3 s for the other three
      'ETA 0 s',
      'ETA 4m00s', // 10 s x 960 / 40
      'ETA 1 s',
    ]);
  });

  test('on a terminal the bar shows up after half a second, then the report-writing phase; never in CI', () => {
    const written: string[] = [];
    const tty = Object.assign(new Writable({ write: (chunk: Buffer, _enc, done) => (written.push(String(chunk)), done()) }), { isTTY: true, columns: 200 });
    let now = 0n;
    const io = { stream: tty as unknown as NodeJS.WriteStream, ci: false, now_ns: () => now };
    const p = startProgress(false, io);
    try {
      p.update?.(100_000, 10, 1000);
      expect(written).toEqual([]); // 0 s in: no bar yet
      now = 1_000_000_000n;
      p.update?.(1_500_000, 250, 1000);
      expect(written.join('')).toContain('simulating [');
      p.writing();
      const last = written.filter((w) => w.includes('writing report')).at(-1) ?? '';
      expect(last).toMatch(/^writing report \[█+\] 100% \| 1000\/1000 users \| t=1\.5 s \| simulation done$/);
    } finally {
      p.stop();
    }
    const quiet: string[] = [];
    const ci = startProgress(false, { ...io, ci: true, stream: Object.assign(new Writable({ write: (c: Buffer, _e, d) => (quiet.push(String(c)), d()) }), { isTTY: true }) as unknown as NodeJS.WriteStream });
    now = 5_000_000_000n;
    ci.update?.(1_000_000, 1, 2);
    ci.writing();
    expect([ci.update, quiet]).toEqual([undefined, []]);
  });
});
