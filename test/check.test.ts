// `sim check`, the CI gate: exit codes, failure and replay lines, JUnit XML, and
// --update-fingerprints. Runs the built dist/ (npm test builds first).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
// a strict, non-validating XML parser (it comes with jsdom, under d3-node): well-formedness only
import { SaxesParser } from 'saxes';
import { junitXml, replayCommand, setFingerprintInYaml, shellQuote, xmlEscape } from '../src/cli/check.js';
import { scratch, sim } from './support/sim-cli.js';

const { dir, write } = scratch('sim-check-');

// The article's script oversells by one, on purpose, and says so.
const SMALL = `# a small flash crowd
name: tiny
seed: 3
tickets: { inventory: 20 }     # the Redis "total"
users:
  load:
    open: { users: 400, rate: 20k/s }
app:
  local_stock: { buffer: 2 }
  service_time: { exp: 20us }
expect:
  tickets.oversold: 1          # the article's >=
  users.failed: 0
`;

type Case = { name: string; failures: number; failure?: { message: string; text: string } };
type Suite = { name: string; tests: number; failures: number; cases: Case[] };

/** Parses JUnit XML strictly (throws if it is not well-formed) into suites and cases. */
function parseJunit(xml: string): Suite[] {
  const p = new SaxesParser();
  const suites: Suite[] = [];
  let kase: Case | null = null;
  let inFailure = false;
  p.on('error', (e) => {
    throw e;
  });
  p.on('opentag', (t) => {
    const a = t.attributes as Record<string, string>;
    if (t.name === 'testsuite') suites.push({ name: a.name ?? '', tests: Number(a.tests), failures: Number(a.failures), cases: [] });
    if (t.name === 'testcase') {
      kase = { name: a.name ?? '', failures: 0 };
      suites.at(-1)?.cases.push(kase);
    }
    if (t.name === 'failure' && kase) {
      kase.failures++;
      kase.failure = { message: a.message ?? '', text: '' };
      inFailure = true;
    }
  });
  p.on('text', (text) => {
    if (inFailure && kase?.failure) kase.failure.text += text;
  });
  p.on('closetag', (t) => {
    if (t.name === 'failure') inFailure = false;
  });
  p.write(xml).close();
  return suites;
}

describe('sim check', () => {
  const tiny = write('tiny.yaml', SMALL);
  const strict = write('strict.yaml', SMALL.replace('tickets.oversold: 1 ', 'tickets.oversold: 0 ').replace('name: tiny', 'name: tiny-strict'));

  test('exit 0 when everything holds: one PASS line per scenario', () => {
    const r = sim('check', tiny);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`PASS ${tiny} (2 expectations, 3 invariants)\n`);
  });

  test('a shipped scenario passes', () => {
    // (million-users too, but it takes seconds: CI runs `sim check scenarios/*.yaml` itself)
    const files = ['scenarios/source-ab.yaml'];
    const r = sim('check', ...files);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const f of files) expect(r.out).toMatch(new RegExp(`^PASS ${f} \\(\\d+ expectations, 3 invariants\\)$`, 'm'));
  });

  test('exit 1: one line per broken check, naming scenario, metric, wanted and got, and a replay that reproduces it', () => {
    const r = sim('check', tiny, strict, '--set', 'users.timeout=30s');
    expect(r.code).toBe(1);
    const replay = `sim check ${strict} --seed 3 --set users.timeout=30s`;
    expect(r.out).toContain(`FAIL ${strict}: tiny-strict: tickets.oversold: wanted 0, got 1\n  replay: ${replay}\n`);
    // no_oversell broke, and what the expect block states about it (oversold 0) did not hold
    expect(r.out).toMatch(/FAIL .*: tiny-strict: invariant no_oversell: wanted as stated by expect tickets\.oversold, got broken \(sold 21 > inventory 20\)\n {2}replay: /);
    expect(r.out).toMatch(/^PASS .*tiny\.yaml/m);
    expect(r.out).toMatch(/^1 of 2 scenarios broke: .*strict\.yaml$/m);
    // the replay line gives the same failure lines
    const again = sim(...replay.split(' ').slice(1));
    expect(again.code).toBe(1);
    const failLines = (out: string) => out.split('\n').filter((l) => l.startsWith(`FAIL ${strict}: `));
    expect(failLines(again.out)).toEqual(failLines(r.out));
    expect(failLines(r.out)).toHaveLength(2);
  });

  test('an invariant that breaks with nothing said about it fails', () => {
    const f = write('silent.yaml', SMALL.replace(/expect:[\s\S]*$/, 'expect:\n  users.failed: 0\n'));
    const r = sim('check', f);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`FAIL ${f}: tiny: invariant no_oversell: wanted to hold, got broken (sold 21 > inventory 20)`);
    const said = write('said.yaml', SMALL.replace(/expect:[\s\S]*$/, 'expect:\n  invariants.no_oversell: 0\n'));
    expect(sim('check', said).code).toBe(0);
  });

  test('--junit: well-formed, one suite per scenario, one case per expectation and invariant, failures with messages', () => {
    const xmlFile = path.join(dir, 'new-dir', 'junit.xml');
    mkdirSync(path.dirname(xmlFile)); // a missing directory is refused (robustness.test.ts)
    const r = sim('check', tiny, strict, '--junit', xmlFile);
    expect(r.code).toBe(1);
    const xml = readFileSync(xmlFile, 'utf8');
    const suites = parseJunit(xml);
    expect(suites.map((s) => [s.name, s.tests, s.failures])).toEqual([
      ['tiny', 5, 0],
      ['tiny-strict', 5, 2],
    ]);
    const cases = suites[1]?.cases ?? [];
    expect(cases.map((c) => c.name)).toEqual(['expect tickets.oversold 0', 'expect users.failed 0', 'invariant no_oversell', 'invariant ledger', 'invariant conservation']);
    expect(cases[0]?.failure?.message).toBe('tiny-strict: tickets.oversold: wanted 0, got 1');
    expect(cases[0]?.failure?.text).toContain(`replay: sim check ${strict} --seed 3`);
    expect(cases[2]?.failure?.message).toMatch(/sold 21 > inventory 20/);
    expect(xml).toMatch(/<testsuites name="sim check" tests="10" failures="2"/);
    expect(readdirSync(path.dirname(xmlFile))).toEqual(['junit.xml']);
  });

  test('exit 2 on bad input, and no scenario runs when any file is bad', () => {
    const typo = write('typo.yaml', SMALL + '  tickets.sould: 3\n');
    const r = sim('check', tiny, typo);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`sim: ${typo}:14: expect.tickets.sould: unknown summary.json path (did you mean tickets.sold?)\n`);
    expect(sim('check', path.join(dir, 'nope.yaml')).code).toBe(2);
    expect(sim('check', tiny, '--set', 'nginx.workers=0').code).toBe(2);
    expect(sim('check', tiny, '--seed', '5', '--update-fingerprints').code).toBe(2);
  });

  test('--out writes the reports', () => {
    const out = path.join(dir, 'reports');
    expect(sim('check', tiny, '--out', out).code).toBe(0);
    const sum = JSON.parse(readFileSync(path.join(out, 'tiny', 'summary.json'), 'utf8')) as { fingerprint: string };
    expect(sum.fingerprint).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe('fingerprints', () => {
  test('--update-fingerprints pins the run in the file, keeping comments and layout; a change of seed then fails', () => {
    const f = write('pin.yaml', SMALL);
    const r = sim('check', f, '--update-fingerprints');
    expect(r.code).toBe(0);
    const fp = /fingerprint ([0-9a-f]{8}) written to /.exec(r.out)?.[1] as string;
    expect(fp).toMatch(/^[0-9a-f]{8}$/);
    const pinned = readFileSync(f, 'utf8');
    // every line as it was, plus one
    expect(pinned).toBe(SMALL.replace('  users.failed: 0\n', `  users.failed: 0\n  fingerprint: "${fp}"\n`));
    expect(sim('check', f).out).toBe(`PASS ${f} (3 expectations, 3 invariants)\n`);
    // the same run again: the same fingerprint, and the file untouched
    expect(sim('check', f, '--update-fingerprints').out).toContain(`fingerprint ${fp} unchanged`);
    expect(readFileSync(f, 'utf8')).toBe(pinned);
    // another seed is another run
    const other = sim('check', f, '--seed', '4');
    expect(other.code).toBe(1);
    expect(other.out).toMatch(new RegExp(`tiny: fingerprint: wanted ${fp}, got (?!${fp})[0-9a-f]{8}`));
    // a changed scenario: updated in place, the comment on the line kept
    writeFileSync(f, pinned.replace('seed: 3', 'seed: 4').replace(`fingerprint: "${fp}"`, `fingerprint: "${fp}"   # pinned`));
    const u = sim('check', f, '--update-fingerprints');
    expect(u.code).toBe(0);
    const fp4 = /fingerprint ([0-9a-f]{8}) written/.exec(u.out)?.[1] as string;
    expect(u.out).toContain(`(was ${fp})`);
    expect(readFileSync(f, 'utf8')).toBe(pinned.replace('seed: 3', 'seed: 4').replace(`fingerprint: "${fp}"`, `fingerprint: "${fp4}"   # pinned`));
    expect(sim('check', f).code).toBe(0);
  });

  test('setFingerprintInYaml: every shape of expect', () => {
    const fp = '0badf00d';
    // no expect block: appended
    expect(setFingerprintInYaml('name: a # n\nseed: 1\n', fp)).toBe(`name: a # n\nseed: 1\nexpect:\n  fingerprint: "${fp}"\n`);
    expect(setFingerprintInYaml('name: a', fp)).toBe(`name: a\nexpect:\n  fingerprint: "${fp}"\n`);
    // a block map, indented by 4, last line without a newline
    expect(setFingerprintInYaml('expect:\n    a.b: 1   # c\n# tail', fp)).toBe(`expect:\n    a.b: 1   # c\n    fingerprint: "${fp}"\n# tail`);
    // an existing value, any style
    expect(setFingerprintInYaml("expect:\n  fingerprint: '12345678'  # x\n  a: 1\n", fp)).toBe(`expect:\n  fingerprint: "${fp}"  # x\n  a: 1\n`);
    expect(setFingerprintInYaml('expect:\n  fingerprint: 12345678\n', fp)).toBe(`expect:\n  fingerprint: "${fp}"\n`);
    // shapes the Document API re-serialises: still valid, comments kept
    expect(setFingerprintInYaml('# top\nexpect: { a: 1 }\n', fp)).toBe(`# top\nexpect: { a: 1, fingerprint: "${fp}" }\n`);
    expect(setFingerprintInYaml('# top\nexpect:\n', fp)).toBe(`# top\nexpect:\n  fingerprint: "${fp}"\n`);
  });
});

describe('helpers', () => {
  test('XML escaping, including characters XML 1.0 forbids', () => {
    expect(xmlEscape(`a<b>&"c'\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;\uFFFD');
  });

  test('a scenario name full of markup still gives well-formed JUnit', () => {
    const s = { name: `x<y>&"z'` } as Parameters<typeof junitXml>[0][number]['scenario'];
    const xml = junitXml([
      {
        file: 'a&b.yaml',
        scenario: { ...s, seed: 1 },
        fingerprint: '00000000',
        wall_s: 0,
        results: [{ kind: 'expect', name: 'tickets.sold', want: '< 3 & > 1', got: '5', held: false }],
      },
    ]);
    const suites = parseJunit(xml);
    expect(suites[0]?.name).toBe(`x<y>&"z'`);
    expect(suites[0]?.cases[0]?.failure?.message).toBe(`x<y>&"z': tickets.sold: wanted < 3 & > 1, got 5`);
  });

  test('replay lines quote what the shell would split', () => {
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(replayCommand('x.yaml', 7, ['tickets.script={lua: "return 0"}'])).toBe(`sim check x.yaml --seed 7 --set 'tickets.script={lua: "return 0"}'`);
  });
});
