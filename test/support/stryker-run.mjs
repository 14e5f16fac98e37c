// npm run mutate: runs StrykerJS with stryker.config.json (docs/mutation.md). Stryker 10's command
// line refuses Node below 22 before it starts; the project runs on Node 20, where its engine works,
// so this starts the engine directly. Optional argument: a comma-separated list of folders or files
// to mutate instead of the config's `mutate` (e.g. src/metrics or src/engine/queue.ts,src/engine/ring.ts).
// The incremental file keeps every other file's results, so the score printed at the end (per
// folder, then in all) covers everything tested so far.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const core = path.dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json'));
const { Stryker } = await import(pathToFileURL(path.join(core, 'dist/src/stryker.js')).href);
const asPattern = (p) => (fs.existsSync(p) && fs.statSync(p).isDirectory() ? `${p.replace(/\/$/, '')}/**/*.ts` : p);
const mutate = process.argv[2] ? process.argv[2].split(',').map(asPattern) : undefined;
// MUTATE_INCREMENTAL_FILE: another incremental file (a trial run that must not touch the kept one);
// MUTATE_CONFIG: another config file. MUTATE_TESTS: only these test files (space-separated) run,
// a quick pass whose kills stand and whose survivors another test might still kill (a lower bound).
const configFile = process.env.MUTATE_CONFIG ?? 'stryker.config.json';
const incrementalFile = process.env.MUTATE_INCREMENTAL_FILE;
const testFiles = process.env.MUTATE_TESTS?.split(/\s+/).filter(Boolean);
const jest = JSON.parse(fs.readFileSync(configFile, 'utf8')).jest;
const narrowed = testFiles ? { jest: { ...jest, config: { ...jest.config, testMatch: testFiles.map((f) => `<rootDir>/${f}`) } } } : {};
const options = { configFile, ...(mutate ? { mutate } : {}), ...(incrementalFile ? { incrementalFile } : {}), ...narrowed };
const results = await new Stryker(options).runMutationTest();

// src/model/<tier> and src/<folder>: where a mutant lives for the per-folder score.
const folderOf = (file) => {
  const parts = path.relative(process.cwd(), file).split(path.sep);
  return parts[1] === 'model' && parts.length > 3 ? parts.slice(0, 3).join('/') : parts.slice(0, 2).join('/');
};
const tally = new Map();
for (const r of results) {
  const t = tally.get(folderOf(r.fileName)) ?? { killed: 0, valid: 0, survived: 0, noCoverage: 0, ignored: 0 };
  if (r.status === 'Ignored') t.ignored += 1;
  else if (r.status !== 'CompileError' && r.status !== 'RuntimeError') {
    t.valid += 1;
    if (r.status === 'Killed' || r.status === 'Timeout') t.killed += 1;
    if (r.status === 'Survived') t.survived += 1;
    if (r.status === 'NoCoverage') t.noCoverage += 1;
  }
  tally.set(folderOf(r.fileName), t);
}
const score = (t) => (t.valid ? ((100 * t.killed) / t.valid).toFixed(1) : 'n/a');
const total = { killed: 0, valid: 0, survived: 0, noCoverage: 0, ignored: 0 };
for (const [folder, t] of [...tally].sort()) {
  console.log(`${folder.padEnd(22)} ${score(t).padStart(5)} %  ${t.killed}/${t.valid} killed, ${t.survived} survived, ${t.noCoverage} no coverage, ${t.ignored} static (ignored)`);
  for (const k of Object.keys(total)) total[k] += t[k];
}
console.log(`mutation score: ${score(total)} % (${total.killed} of ${total.valid} mutants killed)`);
