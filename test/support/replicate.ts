// Runs many replications of a scenario at full speed: in worker threads, on the compiled dist/
// (`npm test` builds it first). Inside jest's module sandbox the simulator runs about six times
// slower (every global lookup goes through the sandbox), which would cost the theory checks
// most of their replications.
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Summary } from '../../src/metrics/summary.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type Job = { yaml: string; seed: number };

let distChecked = false;

/** Throws unless every src/**.ts has a dist/**.js at least as new (checked once per process). */
export function requireFreshDist(): void {
  if (distChecked) return;
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        const js = path.join(ROOT, 'dist', path.relative('src', rel).replace(/\.ts$/, '.js'));
        let t = -1;
        try {
          t = statSync(js).mtimeMs;
        } catch {
          // missing
        }
        if (t < statSync(path.join(ROOT, rel)).mtimeMs) stale.push(rel);
      }
    }
  };
  walk('src');
  distChecked = true;
  if (stale.length > 0) {
    throw new Error(`dist/ is missing or older than ${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}: run \`npm run build\` (npm test does)`);
  }
}

// CommonJS source for the worker: it imports the compiled ESM simulator by URL.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { runScenario } = await import(workerData.stack);
  const { parseScenario } = await import(workerData.load);
  for (const job of workerData.jobs) {
    const summary = runScenario(parseScenario(job.yaml, 'replication.yaml', { seed: job.seed })).report.summary;
    parentPort.postMessage({ index: job.index, summary });
  }
})().catch((e) => { throw e; });
`;

/** The summaries of `jobs`, in order; runs them on up to `threads` worker threads. */
export async function replicate(jobs: readonly Job[], threads = Math.min(4, availableParallelism())): Promise<Summary[]> {
  requireFreshDist();
  const out: (Summary | undefined)[] = new Array<Summary | undefined>(jobs.length);
  const lanes = Math.max(1, Math.min(threads, jobs.length));
  const urls = {
    stack: pathToFileURL(path.join(ROOT, 'dist/model/stack.js')).href,
    load: pathToFileURL(path.join(ROOT, 'dist/scenario/load.js')).href,
  };
  await Promise.all(
    Array.from({ length: lanes }, (_, lane) => {
      const mine = jobs.map((j, index) => ({ ...j, index })).filter((j) => j.index % lanes === lane);
      return new Promise<void>((resolve, reject) => {
        const w = new Worker(WORKER, { eval: true, workerData: { ...urls, jobs: mine } });
        let left = mine.length;
        w.on('message', (m: { index: number; summary: Summary }) => {
          out[m.index] = m.summary;
          if (--left === 0) void w.terminate().then(() => resolve());
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          if (left > 0) reject(new Error(`replication worker exited with code ${code} before finishing`));
        });
      });
    }),
  );
  return out.map((s, i) => {
    if (s === undefined) throw new Error(`replication ${i} gave no result`);
    return s;
  });
}
