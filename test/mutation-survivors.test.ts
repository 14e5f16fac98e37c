// tools/mutation-survivors.mjs over a hand-made incremental file of two folders and their reasons
// files, run as `npm run mutate:survivors` runs it (paths relative to the working directory).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TOOL = path.resolve('tools/mutation-survivors.mjs');

const A_TS = [
  'export function f(a: number, b: number): boolean {',
  '  return a < b;',
  '}',
  'export const re = /\\d+/;',
  'export const both = (a: boolean, b: boolean): boolean =>',
  '  a &&',
  '  b;',
  '',
].join('\n');
const B_TS = 'export const n = 1 + 2;\nexport const ok = alpha_alpha_alpha_alpha === 1 && beta_beta_beta_beta_beta === 2 && gamma === 3;\n';
const LONG_OR = 'alpha_alpha_alpha_alpha === 1 && beta_beta_beta_beta_beta === 2 || gamma === 3';

type Status = 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'Ignored' | 'RuntimeError';
/** A mutant as Stryker's incremental file holds it (1-based line and column, end exclusive). */
function mutant(id: number, mutatorName: string, replacement: string, status: Status, [sl, sc, el, ec]: number[]) {
  const location = { start: { line: sl, column: sc }, end: { line: el, column: ec } };
  return { id: String(id), mutatorName, replacement, status, static: false, coveredBy: [], location };
}

const INCREMENTAL = {
  schemaVersion: '1.0',
  files: {
    'src/model/front/b.ts': {
      language: 'typescript',
      source: B_TS,
      mutants: [
        mutant(12, 'LogicalOperator', LONG_OR, 'Survived', [2, 19, 2, 97]),
        mutant(10, 'ArithmeticOperator', '1 - 2', 'Survived', [1, 18, 1, 23]),
        mutant(11, 'ArithmeticOperator', '1 + 2 + 0', 'Killed', [1, 18, 1, 23]),
      ],
    },
    'src/engine/a.ts': {
      language: 'typescript',
      source: A_TS,
      mutants: [
        mutant(1, 'LogicalOperator', 'a ||\n  b', 'Survived', [6, 3, 7, 4]),
        mutant(2, 'EqualityOperator', 'a <= b', 'Survived', [2, 10, 2, 15]),
        mutant(3, 'ConditionalExpression', 'true', 'Killed', [2, 10, 2, 15]),
        mutant(4, 'BlockStatement', '{}', 'NoCoverage', [1, 50, 3, 2]),
        mutant(5, 'Regex', '/\\D+/', 'Survived', [4, 19, 4, 24]),
        mutant(6, 'EqualityOperator', 'a > b', 'Timeout', [2, 10, 2, 15]),
        mutant(7, 'StringLiteral', '""', 'Ignored', [4, 1, 4, 2]),
        mutant(8, 'EqualityOperator', 'a >= b', 'RuntimeError', [2, 10, 2, 15]),
      ],
    },
  },
};

const HEADER = 'file\tline:col\tmutator\treplacement\tverdict\treason\n';
// the replacements with a backslash and a newline are written escaped, as the format says
const ENGINE_TSV =
  HEADER +
  'src/engine/a.ts\t2:10\tConditionalExpression\ttrue\tequivalent\tkilled since.\n' +
  'src/engine/a.ts\t2:10\tEqualityOperator\ta <= b\tequivalent\ta and b are never equal here.\n' +
  'src/engine/a.ts\t4:19\tRegex\t/\\\\D+/\tacceptable\tthe pattern is never used.\n' +
  'src/engine/a.ts\t6:3\tLogicalOperator\ta ||\\n  b\tequivalent\ta and b are always equal.\n';
const FRONT_TSV = HEADER + 'src/model/front/b.ts\t9:1\tBlockStatement\t{}\tacceptable\tthe code moved.\n';

// engine: 6 counted (Ignored and RuntimeError are not), killed 2 (Killed + Timeout) = 33.3 %;
// survivors 1:50 (no coverage), 2:10, 4:19, 6:3, sorted by place; the reason at 2:10
// ConditionalExpression matches a killed mutant: stale. front: 1 of 2 = 50.0 %, its only reason
// names a place with no mutant; 1 of 3 = 33.3 %; its 78-character `&&` at 2:19 is shown from 20
// characters before the first difference (index 64, the second `&&`). Source spans are read from src/: the block over three lines, the
// `&&` over two, each shown on one line.
const EXPECTED_MD = `# Surviving mutants

Written by \`npm run mutate:survivors\` from \`test/mutation/stryker-incremental.json\` and \`test/mutation/reasons/*.tsv\`; do not edit.
Score as \`npm run mutate\` counts it: killed and timed out over all mutants but static ones and errors.

| folder | score | mutants | survivors | explained | unexplained | stale reasons |
|---|---|---|---|---|---|---|
| src/engine | 33.3 % | 6 | 4 | 3 | 1 | 1 |
| src/model/front | 33.3 % | 3 | 2 | 0 | 2 | 1 |

## src/engine

Score 33.3 % (2 of 6 killed). 4 survivors: 3 explained, 1 unexplained.

### src/engine/a.ts

- 1:50 BlockStatement (no coverage): \`{ return a < b; }\` → \`{}\`: **unexplained**
- 2:10 EqualityOperator: \`a < b\` → \`a <= b\`: equivalent: a and b are never equal here.
- 4:19 Regex: \`/\\d+/\` → \`/\\D+/\`: acceptable: the pattern is never used.
- 6:3 LogicalOperator: \`a && b\` → \`a || b\`: equivalent: a and b are always equal.

### Stale reasons (1)

- src/engine/a.ts 2:10 ConditionalExpression → \`true\` (now Killed; test/mutation/reasons/engine.tsv:2): equivalent: killed since.

## src/model/front

Score 33.3 % (1 of 3 killed). 2 survivors: 0 explained, 2 unexplained.

### src/model/front/b.ts

- 1:18 ArithmeticOperator: \`1 + 2\` → \`1 - 2\`: **unexplained**
- 2:19 LogicalOperator: \`…eta_beta_beta === 2 && gamma === 3\` → \`…eta_beta_beta === 2 || gamma === 3\`: **unexplained**

### Stale reasons (1)

- src/model/front/b.ts 9:1 BlockStatement → \`{}\` (no such mutant; test/mutation/reasons/model-front.tsv:2): acceptable: the code moved.
`;

let dir: string;

/** A project tree in a temp dir: the two sources, the incremental file, the reasons files. */
function writeTree(reasons: Record<string, string>): void {
  mkdirSync(path.join(dir, 'src/engine'), { recursive: true });
  mkdirSync(path.join(dir, 'src/model/front'), { recursive: true });
  mkdirSync(path.join(dir, 'test/mutation/reasons'), { recursive: true });
  writeFileSync(path.join(dir, 'src/engine/a.ts'), A_TS);
  writeFileSync(path.join(dir, 'src/model/front/b.ts'), B_TS);
  writeFileSync(path.join(dir, 'test/mutation/stryker-incremental.json'), JSON.stringify(INCREMENTAL));
  for (const [name, text] of Object.entries(reasons)) writeFileSync(path.join(dir, 'test/mutation/reasons', name), text);
}

const run = (...args: string[]) => spawnSync(process.execPath, [TOOL, ...args], { cwd: dir, encoding: 'utf8' });

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'survivors-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('writes every survivor with its reason or none, the stale reasons, and a count per folder', () => {
  writeTree({ 'engine.tsv': ENGINE_TSV, 'model-front.tsv': FRONT_TSV });
  const r = run();
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(
    'src/engine: 4 survivors, 3 explained, 1 unexplained, 1 stale\n' + 'src/model/front: 2 survivors, 0 explained, 2 unexplained, 1 stale\n',
  );
  expect(readFileSync(path.join(dir, 'docs/mutation-survivors.md'), 'utf8')).toBe(EXPECTED_MD);
  // written through a temp file renamed into place: nothing else is left in docs/
  expect(readdirSync(path.join(dir, 'docs'))).toEqual(['mutation-survivors.md']);
  // the same input gives the same bytes
  expect(run().stdout).toBe(r.stdout);
  expect(readFileSync(path.join(dir, 'docs/mutation-survivors.md'), 'utf8')).toBe(EXPECTED_MD);
});

test('takes another results file and output path', () => {
  writeTree({ 'engine.tsv': ENGINE_TSV });
  const r = run('test/mutation/stryker-incremental.json', '--out', 'other/out.md');
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(
    'src/engine: 4 survivors, 3 explained, 1 unexplained, 1 stale\n' + 'src/model/front: 2 survivors, 0 explained, 2 unexplained, 0 stale\n',
  );
  expect(readFileSync(path.join(dir, 'other/out.md'), 'utf8')).toContain('- 1:18 ArithmeticOperator: `1 + 2` → `1 - 2`: **unexplained**\n');
});

test('warns about a reason out of order or in the wrong folder file', () => {
  const lines = ENGINE_TSV.split('\n');
  writeTree({ 'engine.tsv': [lines[0], lines[1], lines[3], lines[2], ...lines.slice(4)].join('\n'), 'scenario.tsv': FRONT_TSV });
  const r = run();
  expect(r.status).toBe(0);
  expect(r.stderr).toBe(
    'mutation-survivors: test/mutation/reasons/engine.tsv:4: not sorted by file, then line:col\n' +
      'mutation-survivors: test/mutation/reasons/scenario.tsv:2: src/model/front/b.ts belongs in model-front.tsv\n',
  );
});

test.each([
  ['a missing column', 'src/engine/a.ts\t2:10\tEqualityOperator\ta <= b\tequivalent\n', 'engine.tsv:2: 5 tab-separated columns, expected 6'],
  ['an unknown verdict', 'src/engine/a.ts\t2:10\tEqualityOperator\ta <= b\tfine\tx.\n', 'engine.tsv:2: verdict is "fine", expected equivalent or acceptable'],
  ['a bad place', 'src/engine/a.ts\t2\tEqualityOperator\ta <= b\tequivalent\tx.\n', 'engine.tsv:2: line:col is "2", expected two numbers'],
  ['an unknown escape', 'src/engine/a.ts\t4:19\tRegex\t/\\D+/\tacceptable\tx.\n', 'engine.tsv:2: unknown escape \\D (only \\\\, \\t and \\n)'],
])('refuses %s with the file and line, exit 2, nothing written', (_, line, message) => {
  writeTree({ 'engine.tsv': HEADER + line });
  const r = run();
  expect(r.stderr).toBe(`mutation-survivors: test/mutation/reasons/${message}\n`);
  expect(r.status).toBe(2);
  expect(readdirSync(dir).sort()).toEqual(['src', 'test']);
});

test('refuses a reasons file without its header', () => {
  writeTree({ 'engine.tsv': ENGINE_TSV.slice(HEADER.length) });
  const r = run();
  expect(r.stderr).toBe('mutation-survivors: test/mutation/reasons/engine.tsv:1: the first line must be the header: file<tab>line:col<tab>mutator<tab>replacement<tab>verdict<tab>reason\n');
  expect(r.status).toBe(2);
});
