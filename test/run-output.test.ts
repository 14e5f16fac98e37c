import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
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
});
