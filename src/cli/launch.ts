// Loads the bundled CLI (dist/bundle/, made by tools/bundle.mjs) with a V8 code cache: node's own
// loader would compile the bundle's code again at every start (~50 ms of `sim validate`'s CPU).
// Each chunk is a CommonJS-style script; it is compiled by node:vm with the cache V8 made of it
// last time (functions compiled while that run went on included), so V8 only deserializes.
// Safety: V8 checks only a cache's version, flags and source length, and crashes on damaged
// bytes. So a cache file is named after the SHA-256 of its chunk's text (an edited chunk never
// meets an old cache) and starts with the SHA-256 of its data (a damaged file is never used).
// A cache that is missing, damaged or rejected means compiling as node would; the chunk's new
// cache is then written when the process exits. A cache changes how fast, never what, code runs.
import './young-generation.js'; // first: V8 flags are part of what a code cache must match
import { isAscii } from 'node:buffer';
import { hash } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

const BUNDLE = fileURLToPath(new URL('../bundle/', import.meta.url));
const BUNDLE_URL = pathToFileURL(BUNDLE);
const CACHE = path.join(BUNDLE, 'v8-cache');
const nodeRequire = createRequire(path.join(BUNDLE, 'main.js'));
// Each chunk file is one function expression (written so by tools/bundle.mjs, on the chunk's
// first line so that line numbers hold): this is how it starts.
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname, __chunk, __moduleMeta) {';
const DIGEST_BYTES = 32; // a cache file: the SHA-256 of the rest, then V8's data

type Chunk = { exports: unknown };
const chunks = new Map<string, Chunk>();
/** Scripts compiled without a usable cache: theirs is written at exit. */
const uncached: { script: vm.Script; file: string }[] = [];

/** `import.meta` of a bundled module as its own file had it (`rel` is relative to dist/bundle/). */
function moduleMeta(rel: string): { url: string; filename: string; dirname: string; resolve: (spec: string) => string } {
  const url = new URL(rel, BUNDLE_URL);
  const filename = fileURLToPath(url);
  const resolve = (spec: string): string => pathToFileURL(createRequire(filename).resolve(spec)).href;
  return { url: url.href, filename, dirname: path.dirname(filename), resolve };
}

function requireFrom(spec: string): unknown {
  return spec.startsWith('./') ? load(spec.slice(2)) : nodeRequire(spec);
}

/** A bundled chunk's `import()`: another chunk, or a package left out of the bundle. */
function importChunk(spec: string): Promise<unknown> {
  return spec.startsWith('./') ? Promise.resolve().then(() => load(spec.slice(2))) : import(spec);
}

/** The cache in `file`, if whole: V8 checks a cache's version, flags and source length, not its bytes. */
function readCache(file: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return undefined;
  }
  const payload = data.subarray(DIGEST_BYTES);
  return data.subarray(0, DIGEST_BYTES).equals(hash('sha256', payload, 'buffer')) ? payload : undefined;
}

/** The chunk's text: most chunks are ASCII, which decodes as latin1 without UTF-8's slow path. */
function decode(bytes: Buffer): string {
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

function compile(name: string): vm.Script {
  const file = path.join(BUNDLE, name);
  const bytes = readFileSync(file);
  const cacheFile = path.join(CACHE, `${name}.${hash('sha256', bytes)}`);
  const cachedData = readCache(cacheFile);
  const source = decode(bytes);
  if (!source.startsWith(WRAP_HEAD)) throw new Error(`${file}: not a chunk of the sim bundle`);
  const script = new vm.Script(source, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected === true) uncached.push({ script, file: cacheFile });
  return script;
}

/** Runs chunk `name` once and gives its exports, as `require` would. */
function load(name: string): unknown {
  const known = chunks.get(name);
  if (known) return known.exports;
  const chunk: Chunk = { exports: {} };
  chunks.set(name, chunk);
  const fn: unknown = compile(name).runInThisContext();
  if (typeof fn !== 'function') throw new Error(`${name}: not a chunk of the sim bundle`);
  Reflect.apply(fn, chunk.exports, [chunk.exports, requireFrom, chunk, path.join(BUNDLE, name), BUNDLE, importChunk, moduleMeta]);
  return chunk.exports;
}

/** Writes the code cache of each chunk that had none, with what this run compiled of it. */
function writeCaches(): void {
  if (uncached.length === 0) return;
  try {
    mkdirSync(CACHE, { recursive: true });
    accessSync(CACHE, constants.W_OK);
  } catch {
    return; // a read-only install: it runs without a cache, and makes none
  }
  for (const { script, file } of uncached) {
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      const payload = script.createCachedData();
      writeFileSync(tmp, Buffer.concat([hash('sha256', payload, 'buffer'), payload]));
      renameSync(tmp, file); // whole or not at all, even with several sims starting at once
    } catch {
      rmSync(tmp, { force: true }); // a full disk: this chunk stays without a cache
    }
  }
}

process.once('exit', writeCaches);
load('main.js');
