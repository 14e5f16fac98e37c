// Stryker test runner "jest-files": Stryker's own jest runner, except that a mutant runs only the
// test FILES that hold the tests covering it, one file at a time, the quickest first, stopping at
// the first file that kills it. The stock runner passes the mutated source to jest's
// --findRelatedTests, which here loads 20-30 test files (each importing the whole simulator) for
// every mutant even when one test in one file covers it, and it runs every covering test even
// after one has failed (jest's own `bail` exits the process, which would kill Stryker's worker).
// A mutant of code every test runs (the engine, the metrics) that no quick file kills would run
// the whole suite: it stops once the files run so far took MUTATE_BUDGET_MS in the dry run
// (default 30000; 0 = no limit) and counts as survived, which can only understate the score;
// each such mutant is listed in MUTATE_BUDGET_LOG when that names a file.
import fs from 'node:fs';
import { PluginKind, declareClassPlugin, declareFactoryPlugin } from '@stryker-mutator/api/plugin';
import { strykerPlugins as jestPlugins } from '@stryker-mutator/jest-runner';

const jestFactory = jestPlugins[0].factory;

// The dry run happens in one worker; the others (and a worker restarted after a timeout) read
// which file holds which test from here, in the sandbox (the workers' working directory).
const TEST_FILES_JSON = '.stryker-test-files.json';

const BUDGET_MS = Number(process.env.MUTATE_BUDGET_MS ?? 30000);

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function jestFilesFactory(injector) {
  const runner = jestFactory(injector);
  // A test's id is its full name, which two files may share: keep every file per id, with the
  // time the test took there in the dry run.
  const msByFileById = new Map();
  let fileForRun;

  const dryRun = runner.dryRun.bind(runner);
  runner.dryRun = async (options) => {
    const result = await dryRun(options);
    if (result.status === 'complete') {
      for (const test of result.tests) {
        if (!test.fileName) continue;
        const byFile = msByFileById.get(test.id) ?? new Map();
        byFile.set(test.fileName, (byFile.get(test.fileName) ?? 0) + (test.timeSpentMs ?? 0));
        msByFileById.set(test.id, byFile);
      }
      const asJson = [...msByFileById].map(([id, byFile]) => [id, [...byFile]]);
      fs.writeFileSync(TEST_FILES_JSON, JSON.stringify(asJson));
    }
    return result;
  };

  const run = runner.run.bind(runner);
  runner.run = (settings) =>
    run(fileForRun && settings.testNamePattern ? { ...settings, testFiles: [escapeRegExp(fileForRun)] } : settings);

  // The files to run for a mutant, quickest first; undefined when the stock runner must decide.
  const filesFor = (testFilter) => {
    if (testFilter === undefined || testFilter.length === 0) return undefined;
    if (msByFileById.size === 0 && fs.existsSync(TEST_FILES_JSON)) {
      for (const [id, byFile] of JSON.parse(fs.readFileSync(TEST_FILES_JSON, 'utf8'))) msByFileById.set(id, new Map(byFile));
    }
    const msByFile = new Map();
    for (const id of testFilter) {
      const byFile = msByFileById.get(id);
      if (byFile === undefined) return undefined;
      for (const [file, ms] of byFile) msByFile.set(file, (msByFile.get(file) ?? 0) + ms);
    }
    return [...msByFile].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  };

  const mutantRun = runner.mutantRun.bind(runner);
  runner.mutantRun = async (options) => {
    const files = filesFor(options.testFilter);
    if (files === undefined) return mutantRun(options);
    let nrOfTests = 0;
    let spent_ms = 0;
    let stopped = false;
    try {
      for (const [file, ms] of files) {
        if (BUDGET_MS > 0 && spent_ms > 0 && spent_ms + ms > BUDGET_MS) {
          stopped = true;
          break;
        }
        fileForRun = file;
        const result = await mutantRun(options);
        if (result.status !== 'survived') return result;
        nrOfTests += result.nrOfTests ?? 0;
        spent_ms += ms;
      }
    } finally {
      fileForRun = undefined;
    }
    if (stopped && process.env.MUTATE_BUDGET_LOG) {
      const { fileName, location, mutatorName, replacement } = options.activeMutant;
      const line = { file: fileName, line: location.start.line + 1, mutatorName, replacement, tests_run: nrOfTests, files: files.length };
      fs.appendFileSync(process.env.MUTATE_BUDGET_LOG, `${JSON.stringify(line)}\n`);
    }
    return { status: 'survived', nrOfTests };
  };
  return runner;
}
jestFilesFactory.inject = jestFactory.inject;

// Reporter "survivors-log": each mutant that survived (or that no test runs) as one line of
// reports/mutation/survivors.log the moment it is known, so a long run can be read while it goes.
// A line names the mutant by its whole span and the code it replaces: a line, mutator and
// replacement alone are ambiguous (every sub-condition of `a && b && c` forced true starts at the
// same column), and a sibling applied by hand instead of the survivor is killed at once.
class SurvivorsLog {
  static inject = [];
  #sourceLines = new Map();
  constructor() {
    fs.mkdirSync('reports/mutation', { recursive: true });
    fs.writeFileSync(SURVIVORS_LOG, '');
  }
  onMutantTested(m) {
    if (m.status !== 'Survived' && m.status !== 'NoCoverage') return;
    const { start, end } = m.location;
    const where = `${m.fileName.replace(`${process.cwd()}/`, '')}:${start.line}:${start.column}-${end.line}:${end.column}`;
    const was = shorten(this.#original(m.fileName, start, end));
    fs.appendFileSync(SURVIVORS_LOG, `${m.status} ${where} ${m.mutatorName} ${JSON.stringify(m.replacement ?? '')} was ${JSON.stringify(was)}\n`);
  }
  // The replaced code; locations are 1-based, the end column exclusive (as in mutation.json).
  #original(fileName, start, end) {
    let lines = this.#sourceLines.get(fileName);
    if (lines === undefined) {
      lines = fs.existsSync(fileName) ? fs.readFileSync(fileName, 'utf8').split('\n') : [];
      this.#sourceLines.set(fileName, lines);
    }
    const span = lines.slice(start.line - 1, end.line);
    if (span.length === 0) return '';
    span[span.length - 1] = span[span.length - 1].slice(0, end.column - 1);
    span[0] = span[0].slice(start.column - 1);
    return span.join('\n');
  }
}
const SHOWN_CHARS = 80;
const shorten = (text) => (text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 3)}...` : text);
const SURVIVORS_LOG = 'reports/mutation/survivors.log';

export const strykerPlugins = [
  declareFactoryPlugin(PluginKind.TestRunner, 'jest-files', jestFilesFactory),
  declareClassPlugin(PluginKind.Reporter, 'survivors-log', SurvivorsLog),
];
