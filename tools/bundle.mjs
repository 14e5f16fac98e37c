// The last step of `npm run build`: bundles the compiled CLI (dist/cli/main.js and everything it
// imports, packages included) into dist/bundle/, and puts in its place a launcher that loads the
// bundle through a V8 code cache (src/cli/launch.ts). Why: node starts faster from a few files it
// need not resolve one by one, and from compiled code it need not compile again.
//
// Two passes. esbuild bundles ESM with code splitting (each command stays its own chunk, loaded
// only when it runs); each chunk is then turned into a CommonJS-style script, because node:vm
// can take a code cache for a script but, on Node 20, not for an ES module.
//   node tools/bundle.mjs            (after tsc; `npm run build` runs both)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const ENTRY = path.join(DIST, 'cli/main.js');
const OUT = path.join(DIST, 'bundle');
// What the launcher writes over dist/cli/main.js (tsc's output stays as dist/cli/program.js)
const PROGRAM = path.join(DIST, 'cli/program.js');
// Each chunk becomes one function expression, run by the launcher (src/cli/launch.ts, which checks this head)
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname, __chunk, __moduleMeta) {';
// esbuild's CommonJS exports are getters (ES modules' live bindings), so every call from one chunk
// into another, the event loop's included, ran a getter. Once a chunk has run, its exports are
// copied into plain properties (no chunk exports a binding that changes after that; a chunk read
// during a cycle keeps the getters).
const VALUE_EXPORTS =
  '\n;module.exports = ((e) => { const o = Object.defineProperty({}, "__esModule", { value: e.__esModule === true }); for (const k of Object.keys(e)) o[k] = e[k]; return o; })(module.exports);';
const LAUNCHER = '#!/usr/bin/env node\n// sim: the bundled CLI (dist/bundle/), loaded with its code cache by launch.js\nimport \'./launch.js\';\n';
// Packages left out of the bundle: native addons, the chart stack (it runs in its own thread),
// the queue's client and what only tests use.
const EXTERNAL = ['canvas', 'd3-node', 'jsdom', 'piscina', 'bullmq', 'ioredis', 'playwright-core'];

/**
 * Each module's `import.meta` becomes that of its file outside the bundle, so that
 * `new URL('./chart-worker.js', import.meta.url)` still names the compiled worker next to it and
 * packages that look for files beside themselves (yargs reads package.json) still find them.
 * `__moduleMeta` is given to every chunk by the launcher; it resolves against dist/bundle/.
 */
const moduleMeta = {
  name: 'module-meta',
  setup(build) {
    build.onLoad({ filter: /\.(m?js|cjs)$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta')) return undefined;
      const rel = path.relative(OUT, realpathSync(args.path)).split(path.sep).join('/');
      return { contents: text.replaceAll('import.meta', `__moduleMeta(${JSON.stringify(rel)})`), loader: 'js' };
    });
  },
};

/**
 * string-width (yargs' help layout, through cliui and wrap-ansi: three copies) builds an
 * Intl.Segmenter and Unicode-property regexes when its module loads, ~25 ms of CPU for every
 * command. Each import of it gets tools/string-width-stand-in.mjs instead, which loads the real one
 * only for text outside printable ASCII: a `require` of an ES module, which esbuild bundles as a
 * module initialised on its first call.
 */
const STAND_IN = path.join(ROOT, 'tools/string-width-stand-in.mjs');
const LAZY_STRING_WIDTH = (real) =>
  `import { stringWidthStandIn } from ${JSON.stringify(STAND_IN)};\n` +
  `let loaded;\nexport default stringWidthStandIn(() => (loaded ??= require(${JSON.stringify(real)}).default));\n`;

const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'real' || args.kind !== 'import-statement') return undefined; // CommonJS users (cli-progress) keep theirs
      const real = await build.resolve('string-width', { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'real' });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({ contents: LAZY_STRING_WIDTH(args.path), loader: 'js', resolveDir: path.dirname(args.path) }));
  },
};

/**
 * The ESM chunk `code`, as a CommonJS-style function expression. Its `import()`s become
 * `__chunk()`: the launcher's, which runs a chunk or imports a package (a script run by node:vm
 * could import only through an experimental hook that warns on stderr).
 */
function toScript(file, code, dynamicImports) {
  let text = code;
  for (const spec of dynamicImports) text = text.replaceAll(`import(${JSON.stringify(spec)})`, `__chunk(${JSON.stringify(spec)})`);
  const out = esbuild.transformSync(text, { format: 'cjs', platform: 'node', target: 'node20', logLevel: 'error' }).code;
  const left = out.split('\n').find((line) => /(^|[^\w.$])import\s*\(/.test(line) && !line.trimStart().startsWith('//'));
  if (left !== undefined) throw new Error(`${file}: an import() the launcher cannot serve: ${left.trim()}`);
  return `${WRAP_HEAD}${out}${VALUE_EXPORTS}\n})`;
}

async function main() {
  const head = readFileSync(ENTRY, 'utf8');
  // tsc's main.js becomes program.js; run again after that, this bundles program.js again
  if (!head.includes('./launch.js')) writeFileSync(PROGRAM, head.replace(/^#!.*\n/, '')); // the bundle is a script body, not a file to exec
  else if (!existsSync(PROGRAM)) throw new Error('dist/cli/main.js is the launcher and dist/cli/program.js is missing: run npm run build');
  rmSync(OUT, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { main: PROGRAM },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: OUT,
    chunkNames: 'chunk-[hash]',
    entryNames: '[name]',
    external: EXTERNAL,
    plugins: [moduleMeta, lazyStringWidth],
    metafile: true,
    write: false,
    logLevel: 'warning',
    legalComments: 'none',
  });
  mkdirSync(OUT, { recursive: true });
  for (const file of result.outputFiles) {
    const rel = path.relative(ROOT, file.path);
    const meta = result.metafile.outputs[rel];
    const dynamic = meta.imports.filter((i) => i.kind === 'dynamic-import').map((i) => (i.external ? i.path : `./${path.relative(OUT, path.join(ROOT, i.path))}`));
    writeFileSync(file.path, toScript(rel, file.text, dynamic));
  }
  writeFileSync(ENTRY, LAUNCHER, { mode: 0o755 });
  // Fill the code cache with the start-up every command shares (a run adds its own chunks on first use)
  execFileSync(process.execPath, [ENTRY, 'validate', path.join(ROOT, 'scenarios/million-users.yaml')], { stdio: 'ignore' });
  execFileSync(process.execPath, [ENTRY, '--version'], { stdio: 'ignore' });
}

await main();
