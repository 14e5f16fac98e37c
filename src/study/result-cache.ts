// A content-addressed store of run results: DIR/<2 hex>/<sha256>.json, one file per run, keyed by
// what ran (the resolved scenario's hash, the ticketsim version and commit) and the seed. Files are
// written atomically, so machines that share DIR never read half a result.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../report/atomic.js';
import type { RunResult } from './sweep-worker.js';

type Stored = { key: string; seed: number; scenario_hash: string; code: string; result: RunResult };

function isResult(v: unknown): v is RunResult {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Partial<RunResult>;
  return typeof r.fingerprint === 'string' && typeof r.metrics === 'object' && r.metrics !== null && typeof r.invariants === 'object';
}

export class ResultCache {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /** The stored result if it holds every path in `paths`; anything unreadable is a miss. */
  get(key: string, paths: readonly string[]): RunResult | undefined {
    let stored: unknown;
    try {
      stored = JSON.parse(readFileSync(this.file(key), 'utf8'));
    } catch {
      return undefined;
    }
    const result = stored !== null && typeof stored === 'object' ? (stored as Partial<Stored>).result : undefined;
    if (!isResult(result) || !paths.every((p) => p in result.metrics)) return undefined;
    return result;
  }

  async put(key: string, entry: Omit<Stored, 'key'>): Promise<void> {
    const file = this.file(key);
    mkdirSync(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, JSON.stringify({ key, ...entry }, null, 1) + '\n');
  }
}
