// npm run mutate: runs StrykerJS with stryker.config.json. Stryker 10's command line refuses Node
// below 22 before it starts; the project runs on Node 20, where its engine works, so this starts
// the engine directly. Optional argument: a comma-separated list of files to mutate instead of the
// config's `mutate` (e.g. src/metrics/expect.ts,src/metrics/ledger.ts). MUTATE_TESTS narrows the
// test files run for each mutant.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const core = path.dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json'));
const { Stryker } = await import(pathToFileURL(path.join(core, 'dist/src/stryker.js')).href);
const mutate = process.argv[2] ? process.argv[2].split(',') : undefined;
const results = await new Stryker({ configFile: 'stryker.config.json', ...(mutate ? { mutate } : {}) }).runMutationTest();
const killed = results.filter((r) => r.status === 'Killed' || r.status === 'Timeout').length;
const valid = results.filter((r) => r.status !== 'CompileError' && r.status !== 'RuntimeError' && r.status !== 'Ignored').length;
console.log(`mutation score: ${valid ? ((100 * killed) / valid).toFixed(1) : 'n/a'} % (${killed} of ${valid} mutants killed)`);
