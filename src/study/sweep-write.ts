// Writes a whole study into a directory: sweep.csv, sweep.json, charts/*.svg and index.html. A
// shard writes shard.json (and its own sweep.csv) instead; `sim merge` turns shards into the same
// files a whole study writes.
import { mkdir, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../report/atomic.js';
import { sweepCharts } from './sweep-charts.js';
import { sweepHtml } from './sweep-html.js';
import { shardJson, studyStats, sweepCsv, sweepJson } from './sweep-output.js';
import type { RunRecord, StudySpec } from './sweep-plan.js';
import { byRun } from './sweep-run.js';

export async function writeStudy(dir: string, spec: StudySpec, runs: readonly RunRecord[]): Promise<string[]> {
  const sorted = [...runs].sort(byRun);
  const stats = studyStats(spec, sorted);
  const charts = await sweepCharts(spec, stats);
  await mkdir(path.join(dir, 'charts'), { recursive: true });
  const files: [string, string][] = [
    ['sweep.csv', sweepCsv(spec, sorted)],
    ['sweep.json', sweepJson(spec, sorted)],
    ...Object.entries(charts).map(([n, svg]): [string, string] => [path.join('charts', n), svg]),
    ['index.html', sweepHtml(spec, stats, Object.keys(charts))],
  ];
  for (const [name, text] of files) await writeFileAtomic(path.join(dir, name), text);
  // charts of an earlier study in the same directory would sit beside these and mislead
  for (const old of await readdir(path.join(dir, 'charts'))) {
    if (old.endsWith('.svg') && !(old in charts)) await unlink(path.join(dir, 'charts', old));
  }
  return files.map(([n]) => n);
}

export async function writeShard(dir: string, spec: StudySpec, shard: { index: number; count: number }, runs: readonly RunRecord[]): Promise<string[]> {
  const sorted = [...runs].sort(byRun);
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['shard.json', shardJson(spec, shard, sorted)],
    ['sweep.csv', sweepCsv(spec, sorted)],
  ];
  for (const [name, text] of files) await writeFileAtomic(path.join(dir, name), text);
  return files.map(([n]) => n);
}
