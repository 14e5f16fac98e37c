// The shipped `sim` is the bundle (dist/bundle/, made by tools/bundle.mjs at `npm run build`),
// loaded by src/cli/launch.ts with a V8 code cache. Checked here: the bin runs the bundle alone,
// and no cache, however stale or broken, changes what sim prints. No timing is asserted.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { stringWidthStandIn } from '../tools/string-width-stand-in.mjs';

const ROOT = path.resolve('.');
const DIST = path.join(ROOT, 'dist');
const SCENARIO = path.join(ROOT, 'scenarios/million-users.yaml');
const VALIDATE_HEADER = 'resolved: every default filled in.`';

let copy = '';

/**
 * The launcher and the bundle alone, in a directory beside dist/ (at dist's depth, so the bundle
 * still finds node_modules) with none of the compiled program's modules and no code cache.
 */
function copyBundle(): string {
  const dir = mkdtempSync(path.join(ROOT, '.bundle-test-'));
  for (const f of ['main.js', 'launch.js', 'young-generation.js']) cpSync(path.join(DIST, 'cli', f), path.join(dir, 'cli', f));
  cpSync(path.join(DIST, 'bundle'), path.join(dir, 'bundle'), { recursive: true, filter: (src) => !src.includes('v8-cache') });
  return dir;
}

function sim(bin: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const cacheDir = (): string => path.join(copy, 'bundle', 'v8-cache');
const cacheFiles = (): string[] => readdirSync(cacheDir()).sort();

beforeAll(() => {
  copy = copyBundle();
});

afterAll(() => {
  rmSync(copy, { recursive: true, force: true });
});

describe('the sim bin', () => {
  test("package.json's bin is the launcher, which loads the bundle", () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { sim: string } };
    expect(pkg.bin.sim).toBe('dist/cli/main.js');
    const lines = readFileSync(pkg.bin.sim, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('//') && !l.startsWith('#!'));
    expect(lines).toEqual(["import './launch.js';"]);
  });

  test('runs from the bundle alone: the same output with no compiled module beside it', () => {
    expect(readdirSync(path.join(copy, 'cli')).sort()).toEqual(['launch.js', 'main.js', 'young-generation.js']);
    const mine = sim(path.join(copy, 'cli/main.js'), 'validate', SCENARIO);
    const shipped = sim(path.join(DIST, 'cli/main.js'), 'validate', SCENARIO);
    expect(mine).toEqual(shipped);
    expect(mine.code).toBe(0);
    expect(mine.out).toContain('name: million-users\n');
    expect(sim(path.join(copy, 'cli/main.js'), '--version')).toEqual({ code: 0, out: '0.1.0\n', err: '' });
  });

  test("carries zod's English messages only: `import * as z` lets esbuild leave out the other locales", () => {
    // German, one of the 60-odd locales zod's `z` re-exports (they were half of sim validate's biggest chunk)
    const chunks = readdirSync(path.join(DIST, 'bundle')).filter((f) => f.endsWith('.js'));
    expect(chunks.filter((f) => readFileSync(path.join(DIST, 'bundle', f), 'utf8').includes('Eingabe: erwartet'))).toEqual([]);
    expect(readFileSync('node_modules/zod/v4/locales/de.js', 'utf8')).toContain('Eingabe: erwartet');
  });
});

describe('the code cache', () => {
  const bin = (): string => path.join(copy, 'cli/main.js');

  test('is written by the first run and then left alone', () => {
    rmSync(cacheDir(), { recursive: true, force: true });
    const first = sim(bin(), 'validate', SCENARIO);
    const files = cacheFiles();
    expect(files).toContain(files.find((f) => f.startsWith('main.js.')));
    const mtimes = files.map((f) => statSync(path.join(cacheDir(), f)).mtimeMs);
    expect(sim(bin(), 'validate', SCENARIO)).toEqual(first);
    expect(cacheFiles()).toEqual(files);
    expect(files.map((f) => statSync(path.join(cacheDir(), f)).mtimeMs)).toEqual(mtimes);
  });

  test('a corrupted cache: the same output, and the cache is made again', () => {
    const expected = sim(bin(), 'validate', SCENARIO);
    const files = cacheFiles();
    const broken = files.map((f, i) => {
      const data = readFileSync(path.join(cacheDir(), f));
      // every other file truncated, the rest with flipped bytes in the middle (V8 would crash on those)
      const bad = i % 2 === 0 ? data.subarray(0, data.length >> 1) : data.map((b, j) => (j > 64 && j % 7 === 0 ? b ^ 0xff : b));
      writeFileSync(path.join(cacheDir(), f), bad);
      return bad;
    });
    expect(sim(bin(), 'validate', SCENARIO)).toEqual(expected);
    expect(cacheFiles()).toEqual(files);
    for (const [i, f] of files.entries()) expect([f, readFileSync(path.join(cacheDir(), f)).equals(broken[i])]).toEqual([f, false]);
    expect(sim(bin(), 'validate', SCENARIO)).toEqual(expected);
  });

  test("a stale cache: a chunk edited after its cache was made runs as edited (V8 checks only the text's length)", () => {
    rmSync(cacheDir(), { recursive: true, force: true });
    sim(bin(), 'validate', SCENARIO); // caches made of the chunks as built
    const chunk = readdirSync(path.join(copy, 'bundle')).find((f) => f.endsWith('.js') && readFileSync(path.join(copy, 'bundle', f), 'utf8').includes(VALIDATE_HEADER));
    if (chunk === undefined) throw new Error('no chunk prints the validate header');
    const file = path.join(copy, 'bundle', chunk);
    const text = readFileSync(file, 'utf8');
    // the same length, so only the loader's own check can tell the old cache from the new text
    writeFileSync(file, text.replace(VALIDATE_HEADER, VALIDATE_HEADER.toUpperCase()));
    try {
      const r = sim(bin(), 'validate', SCENARIO);
      expect([r.code, r.err]).toEqual([0, '']);
      expect(r.out.split('\n', 1)[0]).toBe('# Scenario "million-users" from ' + SCENARIO + ', RESOLVED: EVERY DEFAULT FILLED IN.');
    } finally {
      writeFileSync(file, text);
    }
  });
});

describe("string-width: the bundle's stand-in (tools/string-width-stand-in.mjs)", () => {
  type Width = (text: unknown, options?: object) => number;
  const req = createRequire(path.join(ROOT, 'package.json'));
  // the copies the bundle replaces: string-width as yargs, cliui and wrap-ansi each resolve it
  const copies = ['yargs', 'cliui', 'wrap-ansi'].map((p) => [p, createRequire(req.resolve(p)).resolve('string-width')] as const);
  const load = async (file: string): Promise<Width> => ((await import(pathToFileURL(file).href)) as { default: Width }).default;
  const text = fc.oneof(
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }),
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: fc.constantFrom('a', ' ', '\t', '\n', '\x1b[31m', '\x7f', '\u00e9', '\u0301', '\u4e2d', '\u{1f44d}', '\u200d', '\u2019') }),
  );

  test.each(copies)("answers as %s's string-width, and loads it only for text outside printable ASCII", async (_user, file) => {
    const real = await load(file);
    let loads = 0;
    const standIn = stringWidthStandIn(() => {
      loads += 1;
      return real;
    });
    for (const s of ['', 'sim validate <file>', '~', ' '.repeat(80)]) expect([s, standIn(s)]).toEqual([s, s.length]);
    expect(loads).toBe(0);
    for (const s of ['\t', '\x1b[1mbold\x1b[22m', '\u4e2d\u6587', '\u{1f44d}', 'e\u0301', '\x7f']) expect([s, standIn(s)]).toEqual([s, real(s)]);
    expect(standIn('\u4e2d')).toBe(2);
    expect(loads).toBe(7);
    fc.assert(fc.property(text, (s) => standIn(s) === real(s) && standIn(s, { countAnsiEscapeCodes: true }) === real(s, { countAnsiEscapeCodes: true })));
  });

  test("string-width loads only when help text outside ASCII is laid out: not for sim validate's usual run", () => {
    // every Intl.Segmenter made (string-width makes one as it loads) says so on stderr
    const hook = `data:text/javascript,${encodeURIComponent('const S = Intl.Segmenter; Intl.Segmenter = class extends S { constructor(...a) { super(...a); process.stderr.write("new Intl.Segmenter\\n"); } };')}`;
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', hook, path.join(DIST, 'cli/main.js'), ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    expect(run('validate', SCENARIO).stderr).toBe('');
    expect(run('--version').stderr).toBe('');
    expect(run('explore', '--help').stderr).toMatch(/^(new Intl.Segmenter\n)+$/);
  });

  test('sim prints the same help and usage errors as the unbundled program (dist/cli/program.js)', () => {
    // the commands whose help has text outside ASCII (’, ±) among them
    for (const args of [['--help'], ['explore', '--help'], ['compare', '--help'], ['merge', '--help'], ['validate'], ['bogus']]) {
      const bundled = sim(path.join(DIST, 'cli/main.js'), ...args);
      expect([args, bundled]).toEqual([args, sim(path.join(DIST, 'cli/program.js'), ...args)]);
      expect(bundled.out.length + bundled.err.length).toBeGreaterThan(50);
    }
  });
});
