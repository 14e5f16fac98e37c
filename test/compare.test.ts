// `sim compare`: the paired interval against one worked by hand, the verdicts, the Markdown table
// of a small case byte for byte, --fail-if's grammar and exit codes, determinism across worker
// counts, directories of finished runs, and a shipped scenario against a variant of itself.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareSides, fmtDiff, markdown, pairedDifference, type Side, verdict, welchDifference } from '../src/study/compare.js';
import { parseCsv, readDirSide } from '../src/study/compare-input.js';
import { evaluateFailIf, parseFailIf } from '../src/study/fail-if.js';
import { sampleStats, tQuantile } from '../src/study/stats.js';
import { scratch, sim, SMALL_STUDY_YAML } from './support/sim-cli.js';

const side = (label: 'A' | 'B', seeds: readonly number[], values: Record<string, readonly (number | null)[]>): Side => ({
  label,
  name: label === 'A' ? 'base' : 'variant',
  source: `${label.toLowerCase()}.yaml`,
  runs: seeds.map((seed, i) => ({ seed, values: Object.fromEntries(Object.entries(values).map(([m, xs]) => [m, xs[i] ?? null])) })),
});

// Four replications on common random numbers. tickets.sold: A 100, 102, 98, 101; B 110, 111, 109, 114.
// By hand, the differences B - A are 10, 9, 11, 13: mean 10.75; deviations -0.75, -1.75, 0.25, 2.25,
// squares sum 8.75, s^2 = 8.75 / 3 = 2.916667, s = 1.707825, s / sqrt(4) = 0.853913; t(0.975, 3) =
// 3.182446 (tables: 3.182), half-width 2.717531: the interval is 8.032469 to 13.467531.
// latency_ms.p99: differences 1, -1, 1, -1: mean 0, s = sqrt(4/3) = 1.154701, half-width
// 3.182446 * 1.154701 / 2 = 1.837386.
const SEEDS = [1, 22, 333, 4444];
const A = side('A', SEEDS, { 'tickets.sold': [100, 102, 98, 101], 'latency_ms.p99': [5, 6, 7, 8] });
const B = side('B', SEEDS, { 'tickets.sold': [110, 111, 109, 114], 'latency_ms.p99': [6, 5, 8, 7] });

describe('the paired difference', () => {
  test('equals the interval worked by hand', () => {
    const d = pairedDifference(A, B, 'tickets.sold', 0.95);
    expect(d.n).toBe(4);
    expect(d.mean).toBe(10.75);
    expect(d.ci_lo).toBeCloseTo(8.032469, 5);
    expect(d.ci_hi).toBeCloseTo(13.467531, 5);
  });

  test('is narrower than the unpaired (Welch) interval of the same numbers: what common random numbers buy', () => {
    // by hand: var A 8.75/3, var B 14/3; se = sqrt(0.729167 + 1.166667) = 1.376893;
    // Welch-Satterthwaite df = 1.895833^2 / (0.729167^2/3 + 1.166667^2/3) = 5.696612
    const w = welchDifference(sampleStats([100, 102, 98, 101], 0.95), sampleStats([110, 111, 109, 114], 0.95), 0.95);
    const half = tQuantile(0.975, 5.696612) * 1.376893;
    expect(w.mean).toBe(10.75);
    expect(w.ci_lo).toBeCloseTo(10.75 - half, 4);
    expect(w.ci_hi).toBeCloseTo(10.75 + half, 4);
    expect((w.ci_hi ?? 0) - (w.ci_lo ?? 0)).toBeGreaterThan(2 * 2.717531);
    // other seeds on one side: not paired
    expect(compareSides(A, side('B', [9, 8, 7, 6], { 'tickets.sold': [1, 2, 3, 4] }), ['tickets.sold'], 0.95).pairing).toBe('welch');
  });

  test('verdicts: more, fewer (as magnitudes), not significant, identical, one run each', () => {
    const c = compareSides(A, B, ['tickets.sold', 'latency_ms.p99'], 0.95);
    expect(verdict(c, c.metrics[0]!)).toBe('B sells 10.75 more tickets (95 % CI 8.03 to 13.47)');
    expect(verdict(c, c.metrics[1]!)).toBe('no significant difference in p99 (B - A 0, 95 % CI -1.84 to 1.84)');
    const back = compareSides(B, A, ['tickets.sold'], 0.95);
    expect(verdict(back, back.metrics[0]!)).toBe('B sells 10.75 fewer tickets (95 % CI 8.03 to 13.47)');
    const same = compareSides(A, A, ['tickets.sold'], 0.95);
    expect(verdict(same, same.metrics[0]!)).toBe('no difference in tickets sold (identical in all 4 replications)');
    const one = compareSides(side('A', [1], { 'tickets.unsold': [5000] }), side('B', [1], { 'tickets.unsold': [3790] }), ['tickets.unsold'], 0.95);
    expect(verdict(one, one.metrics[0]!)).toBe('B leaves 1,210 fewer tickets unsold (one run each: no interval)');
  });

  test('the Markdown table of a small case, byte for byte', () => {
    expect(markdown(compareSides(A, B, ['tickets.sold', 'latency_ms.p99'], 0.95))).toBe(
      `**A** base (a.yaml) vs **B** variant (b.yaml)

| metric | A (mean) | B (mean) | B - A | 95 % CI of B - A |
| --- | ---: | ---: | ---: | ---: |
| tickets.sold | 100.25 | 111 | +10.75 | 8.03 to 13.47 |
| latency_ms.p99 | 6.5 | 6.5 | 0 | -1.84 to 1.84 |

- B sells 10.75 more tickets (95 % CI 8.03 to 13.47)
- no significant difference in p99 (B - A 0, 95 % CI -1.84 to 1.84)

_Common random numbers: replication r ran with the same seed on both sides (seeds 1, 22, 333, ...); differences are paired, 4 pairs, 95 % Student-t intervals._
`,
    );
  });
});

describe('--fail-if', () => {
  const at = (side: 'A' | 'B', p: string) => ({ 'A.x': 10, 'B.x': 12, 'A.y': 2, 'B.y': 0 })[`${side}.${p}` as 'A.x'];
  test('arithmetic and comparisons', () => {
    expect(evaluateFailIf(parseFailIf('B.x > A.x'), at)).toEqual({ held: true, left: 12, right: 10 });
    expect(evaluateFailIf(parseFailIf('B.x > 1.2 * A.x'), at).held).toBe(false); // 12 > 12
    expect(evaluateFailIf(parseFailIf('B.x >= 1.2 * A.x'), at).held).toBe(true);
    expect(evaluateFailIf(parseFailIf('B.x - A.x > 2 - -1'), at)).toEqual({ held: false, left: 2, right: 3 });
    expect(evaluateFailIf(parseFailIf('(B.x + B.y) / 2 == 6'), at).held).toBe(true);
    expect(evaluateFailIf(parseFailIf('B.y != A.y'), at).held).toBe(true);
    expect(parseFailIf('B.tickets.oversold > A.tickets.oversold').refs).toEqual([
      { side: 'B', path: 'tickets.oversold' },
      { side: 'A', path: 'tickets.oversold' },
    ]);
  });
  test('strict: each mistake named with its column', () => {
    expect(() => parseFailIf('B.x >')).toThrow('ends too early: expected a number, A.metric or B.metric');
    expect(() => parseFailIf('B.x A.x')).toThrow('column 5: expected a comparison (<, <=, >, >=, ==, !=)');
    expect(() => parseFailIf('C.x > 1')).toThrow('column 1: expected a number, A.metric, B.metric or an operator');
    expect(() => parseFailIf('B.x > 1 > 2')).toThrow('column 9: unexpected > after the comparison');
    expect(() => parseFailIf('(B.x > 1')).toThrow('column 6: expected )');
    expect(() => parseFailIf('1 < 2')).toThrow('names no metric');
    expect(() => parseFailIf('B.x => 1')).toThrow('column 5: expected a number, A.metric, B.metric or an operator');
    expect(() => parseFailIf('B.x > * 1')).toThrow('column 7: expected a number, A.metric or B.metric, not *');
  });
});

const { dir, write } = scratch('sim-compare-');
const SMALL = write('small.yaml', SMALL_STUDY_YAML);
const out = (name: string) => path.join(dir, name);
const VARIANT = [SMALL, SMALL, '--set-b', 'app.local_stock.buffer=1.05', '--replications', '4'];

describe('sim compare A.yaml B.yaml', () => {
  test('the same output with 1 and 2 workers; common random numbers stated; --fail-if exits 1 when it holds', () => {
    const one = sim('compare', ...VARIANT, '--workers', '1', '--out', out('w1'), '--fail-if', 'B.tickets.unsold > A.tickets.unsold');
    const two = sim('compare', ...VARIANT, '--workers', '2', '--out', out('w2'), '--fail-if', 'B.tickets.unsold > A.tickets.unsold');
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(one.out).toBe(two.out.replace('/w2/', '/w1/'));
    expect(one.out).toMatch(/--fail-if B\.tickets\.unsold > A\.tickets\.unsold: HOLDS \(exit 1\) \([\d.]+ vs 0\)/);
    expect(one.out).toContain('Common random numbers: replication r ran with the same seed on both sides (seeds 7, 1985418127, 2528685799, ...)');
    expect(one.out).toMatch(/\n {2}B sells [\d.]+ fewer tickets \(95 % CI [\d.]+ to [\d.]+\)\n/);
    for (const f of ['compare.csv', 'compare.md', 'throughput.svg', 'sold.svg', 'index.html']) {
      expect(readFileSync(out(`w1/${f}`), 'utf8')).toBe(readFileSync(out(`w2/${f}`), 'utf8'));
    }
    const j1 = JSON.parse(readFileSync(out('w1/compare.json'), 'utf8'));
    const j2 = JSON.parse(readFileSync(out('w2/compare.json'), 'utf8'));
    expect(j1).toEqual(j2);
    expect(j1.pairing).toBe('paired');
    expect(j1.A.seeds).toEqual(j1.B.seeds);
    // the CSV's runs give the JSON's paired mean
    const rows = readFileSync(out('w1/compare.csv'), 'utf8').trimEnd().split('\n').map((l) => l.split(','));
    const col = rows[0]!.indexOf('tickets.sold');
    const sold = (s: string) => rows.filter((r) => r[0] === s).map((r) => Number(r[col]));
    const diffs = sold('B').map((b, i) => b - sold('A')[i]!);
    expect(j1.metrics['tickets.sold'].difference.mean).toBeCloseTo(diffs.reduce((x, y) => x + y, 0) / 4, 9);
    expect(readFileSync(out('w1/index.html'), 'utf8')).toContain('<img src="throughput.svg"');
  });

  test('--markdown prints the table; bad input exits 2 with one line', () => {
    const md = sim('compare', SMALL, SMALL, '--set-b', 'app.service_time={ exp: 60us }', '--workers', '1', '--out', out('md'), '--markdown');
    expect(md.code).toBe(0);
    expect(md.out).toBe(readFileSync(out('md/compare.md'), 'utf8'));
    expect(md.out).toMatch(/^\*\*A\*\* small \(.*small\.yaml\) vs \*\*B\*\* small \(.*small\.yaml --set-b 'app\.service_time=\{ exp: 60us \}'\)\n\n\| metric \| A \| B \| B - A \|\n/);
    const bad = (...a: string[]) => sim('compare', SMALL, SMALL, '--out', out('bad'), ...a);
    expect(bad('--fail-if', 'B.tickets.sold >').err).toBe('sim: compare: --fail-if "B.tickets.sold >": ends too early: expected a number, A.metric or B.metric\n');
    expect(bad('--fail-if', 'B.tickets.sould > 0').err).toBe('sim: compare: --fail-if "B.tickets.sould > 0": B.tickets.sould: unknown summary.json path (did you mean tickets.sold?)\n');
    expect(bad('--set-b', 'app.nope=1').code).toBe(2);
    expect(bad('--replications', '0').err).toBe('sim: compare: --replications must be an integer >= 1 (got 0)\n');
    const same = sim('compare', SMALL, SMALL, '--workers', '1', '--out', out('same'));
    expect(same.out).toContain('  note: A and B run the same scenario (names, comments and expect: aside): every difference is 0\n');
    expect(same.out).toContain('  no difference in tickets sold\n');
    expect(sim('compare', SMALL, dir).err).toMatch(/^sim: compare: .* is a directory and .*small\.yaml is not/);
  });
});

describe('sim compare DIR_A DIR_B', () => {
  test('two reports: one run each; a sweep of one configuration per side: paired by seed', () => {
    expect(sim('run', SMALL, '--out', out('ra'), '--quiet').code).toBe(0);
    expect(sim('run', SMALL, '--set', 'app.local_stock.buffer=1.05', '--out', out('rb'), '--quiet').code).toBe(0);
    const r = sim('compare', out('ra'), out('rb'), '--out', out('rr'), '--fail-if', 'B.tiers.app.app1.requests < 0', '--fail-if', 'B.tickets.oversold > A.tickets.oversold');
    expect(r.code).toBe(0);
    expect(r.out).toContain('--fail-if B.tickets.oversold > A.tickets.oversold: does not hold (0 vs 0)');
    expect(sim('compare', out('ra'), out('rb'), '--out', out('rr'), '--fail-if', 'B.tickets.oversold > A.tickets.oversold', '--fail-if', 'B.tickets.unsold > A.tickets.unsold').code).toBe(1);
    expect(sim('compare', out('ra'), out('rb'), '--out', out('rr'), '--fail-if', 'B.sell_out_ms > 0').err).toBe('sim: compare: --fail-if "B.sell_out_ms > 0": B.sell_out_ms has no value in any run (null)\n');
    expect(r.out).toContain('One run each, both with seed 7 (common random numbers): differences without an interval (replications give one).');
    expect(r.out).toMatch(/B sells \d+ fewer tickets \(one run each: no interval\)\n/);
    expect(readFileSync(out('rr/index.html'), 'utf8')).toContain('<img src="sold.svg"');

    expect(sim('sweep', SMALL, '--replications', '3', '--workers', '1', '--out', out('sa')).code).toBe(0);
    expect(sim('sweep', SMALL, '--set', 'app.local_stock.buffer=1.05', '--replications', '3', '--workers', '1', '--out', out('sb')).code).toBe(0);
    const s = sim('compare', out('sa'), out('sb'), '--out', out('ss'));
    expect(s.code).toBe(0);
    expect(s.out).toContain('differences are paired, 3 pairs');
    // the sweeps' runs are the runs compare makes itself: the same table
    const own = sim('compare', SMALL, SMALL, '--set-b', 'app.local_stock.buffer=1.05', '--replications', '3', '--workers', '1', '--out', out('own'), '--markdown');
    const table = (t: string) => t.split('\n').filter((l) => l.startsWith('| tickets.'));
    expect(table(readFileSync(out('ss/compare.md'), 'utf8'))).toEqual(table(own.out));
    expect(sim('compare', out('sa'), out('sb'), '--replications', '3').code).toBe(2);
    expect(sim('compare', out('sa'), out('sb'), '--fail-if', 'A.tiers.app.app1.requests > 0').err).toMatch(/A\.tiers\.app\.app1\.requests: not in .* \(a sweep directory\)/);
  });
});

describe('reading directories', () => {
  test('CSV with quoted fields; a sweep of several configurations is refused; neither kind is refused', () => {
    expect(parseCsv('a,b,c\n"[1,2]","say ""hi""",\n')).toEqual([['a', 'b', 'c'], ['[1,2]', 'say "hi"', '']]);
    const d = out('two-configs');
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'sweep.json'), JSON.stringify({ scenario: 's', configurations: [{}, {}] }));
    expect(() => readDirSide(d, [])).toThrow(`${d}: a sweep of 2 configurations; compare takes one per side (a sweep without --vary, or a report directory)`);
    expect(() => readDirSide(dir, [])).toThrow(`${dir}: neither a report (summary.json) nor a sweep (sweep.json)`);
  });
});

// A shipped scenario against a variant of itself: the two heaviest app servers die; with buffer
// 1.4 instead of 1.2 the others' stock covers what the dead ones strand. Scaled down ten times
// (inventory, users, the time of the crash) unless COMPARE_FULL=1 runs it as shipped (~1 min).
test('two-servers-die vs --set-b app.local_stock.buffer=1.4', () => {
  const full = process.env.COMPARE_FULL === '1';
  const small = ['tickets.inventory=5000', 'users.load.open.users=40000', 'faults[0].at=200ms', 'faults[1].at=200ms'].flatMap((s) => ['--set', s]);
  const file = 'scenarios/two-servers-die.yaml';
  const r = sim('compare', file, file, ...(full ? [] : small), '--set-b', 'app.local_stock.buffer=1.4', '--replications', '2', '--workers', '2', '--out', out('tsd'), '--fail-if', 'B.tickets.unsold > 0');
  expect(r.code).toBe(0);
  const j = JSON.parse(readFileSync(out('tsd/compare.json'), 'utf8'));
  expect(j.pairing).toBe('paired');
  expect(j.metrics['tickets.unsold'].B.max).toBe(0);
  expect(j.metrics['tickets.unsold'].A.min).toBeGreaterThan(full ? 4000 : 400);
  expect(j.metrics['tickets.oversold'].difference.identical).toBe(true);
  const gain = j.metrics['tickets.sold'].difference;
  expect(gain.ci_lo).toBeGreaterThan(0);
  expect(r.out).toContain(`  B sells ${fmtDiff(gain.mean)} more tickets (95 % CI ${fmtDiff(gain.ci_lo)} to ${fmtDiff(gain.ci_hi)})\n`);
  expect(r.out).toContain(`  B leaves ${fmtDiff(gain.mean)} fewer tickets unsold`);
  expect(r.out).toContain('  no difference in oversold tickets (identical in all 2 replications)\n');
});
