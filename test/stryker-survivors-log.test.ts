// The mutation run's "survivors-log" reporter (test/support/stryker-jest-files.mjs): each line names
// its mutant by the whole span and the code it replaces, since several mutants of one line share
// mutator and replacement (each sub-condition of `a && b && c` forced true starts at `a`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const PLUGIN = path.resolve('test/support/stryker-jest-files.mjs');

test('survived and uncovered mutants are logged with start-end and the replaced code; killed ones are not', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'survivors-log-'));
  try {
    const src = path.join(dir, 'f.ts');
    writeFileSync(src, "const ok = a >= 1 && a <= 9 && b;\nconst s = x ? '-0' : '0';\n");
    // Stryker's locations: 1-based line and column, the end exclusive; paths shown from the working directory.
    const at = (sl: number, sc: number, el: number, ec: number) => ({ start: { line: sl, column: sc }, end: { line: el, column: ec } });
    const mutants = [
      { status: 'Survived', mutatorName: 'ConditionalExpression', replacement: 'true', location: at(1, 12, 1, 28) },
      { status: 'Killed', mutatorName: 'ConditionalExpression', replacement: 'true', location: at(1, 12, 1, 33) },
      { status: 'Survived', mutatorName: 'ConditionalExpression', replacement: 'true', location: at(1, 12, 1, 18) },
      { status: 'NoCoverage', mutatorName: 'StringLiteral', replacement: '""', location: at(2, 22, 2, 25) },
    ].map((m) => ({ ...m, fileName: src }));
    const script = `const { strykerPlugins } = await import(${JSON.stringify(PLUGIN)});
      const log = new strykerPlugins[1].injectableClass();
      for (const m of ${JSON.stringify(mutants)}) log.onMutantTested(m);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(readFileSync(path.join(dir, 'reports/mutation/survivors.log'), 'utf8')).toBe(
      [
        `Survived f.ts:1:12-1:28 ConditionalExpression "true" was "a >= 1 && a <= 9"`,
        `Survived f.ts:1:12-1:18 ConditionalExpression "true" was "a >= 1"`,
        `NoCoverage f.ts:2:22-2:25 StringLiteral "\\"\\"" was "'0'"`,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
