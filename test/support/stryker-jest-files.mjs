// Stryker test runner "jest-files": Stryker's own jest runner, except that a mutant runs only the
// test FILES that hold the tests covering it, one file at a time, the quickest first, stopping at
// the first file that kills it. The stock runner passes the mutated source to jest's
// --findRelatedTests, which here loads 20-30 test files (each importing the whole simulator) for
// every mutant even when one test in one file covers it, and it runs every covering test even
// after one has failed (jest's own `bail` exits the process, which would kill Stryker's worker).
import { PluginKind, declareFactoryPlugin } from '@stryker-mutator/api/plugin';
import { strykerPlugins as jestPlugins } from '@stryker-mutator/jest-runner';

const jestFactory = jestPlugins[0].factory;

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
    }
    return result;
  };

  const run = runner.run.bind(runner);
  runner.run = (settings) =>
    run(fileForRun && settings.testNamePattern ? { ...settings, testFiles: [escapeRegExp(fileForRun)] } : settings);

  // The files to run for a mutant, quickest first; undefined when the stock runner must decide.
  const filesFor = (testFilter) => {
    if (testFilter === undefined || testFilter.length === 0) return undefined;
    const msByFile = new Map();
    for (const id of testFilter) {
      const byFile = msByFileById.get(id);
      if (byFile === undefined) return undefined;
      for (const [file, ms] of byFile) msByFile.set(file, (msByFile.get(file) ?? 0) + ms);
    }
    return [...msByFile].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).map(([file]) => file);
  };

  const mutantRun = runner.mutantRun.bind(runner);
  runner.mutantRun = async (options) => {
    const files = filesFor(options.testFilter);
    if (files === undefined) return mutantRun(options);
    let nrOfTests = 0;
    try {
      for (const file of files) {
        fileForRun = file;
        const result = await mutantRun(options);
        if (result.status !== 'survived') return result;
        nrOfTests += result.nrOfTests ?? 0;
      }
    } finally {
      fileForRun = undefined;
    }
    return { status: 'survived', nrOfTests };
  };
  return runner;
}
jestFilesFactory.inject = jestFactory.inject;

export const strykerPlugins = [declareFactoryPlugin(PluginKind.TestRunner, 'jest-files', jestFilesFactory)];
