// Writes a whole study into a directory: sweep.csv, sweep.json, charts/*.svg and index.html. A
// shard writes shard.json (and its own sweep.csv) instead; `sim merge` turns shards into the same
// files a whole study writes.
import { mkdir, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../report/atomic.js';
import { sweepCharts } from './sweep-charts.js';
import { sweepHtml } from './sweep-html.js';
import { type ConfigStats, shardJson, studyStats, sweepCsv, sweepJson } from './sweep-output.js';
import type { RunRecord, StudySpec } from './sweep-plan.js';
import { byRun } from './sweep-run.js';

/**
 * Writes each file atomically, `lanes` at a time: their syncs overlap (19 files: 120 -> 20 ms), and
 * each write's signal handlers stay under the process's listener limit.
 */
async function writeAll(dir: string, files: readonly (readonly [string, string])[], lanes: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let f = files[next++]; f !== undefined; f = files[next++]) await writeFileAtomic(path.join(dir, f[0]), f[1]);
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

/** Draws a study's charts: file name -> SVG (sweepCharts here, or the same in a chart thread). */
export type ChartDrawer = (spec: StudySpec, stats: readonly ConfigStats[]) => Promise<Record<string, string>>;

export async function writeStudy(dir: string, spec: StudySpec, runs: readonly RunRecord[], draw: ChartDrawer = sweepCharts): Promise<string[]> {
  const sorted = [...runs].sort(byRun);
  const stats = studyStats(spec, sorted);
  const drawn = draw(spec, stats); // in a thread, the charts are drawn while the data files are written
  await mkdir(path.join(dir, 'charts'), { recursive: true });
  const data: [string, string][] = [
    ['sweep.csv', sweepCsv(spec, sorted)],
    ['sweep.json', sweepJson(spec, sorted)],
  ];
  const written = writeAll(dir, data, 1);
  const charts = await drawn.catch(async (e: unknown) => {
    await written.catch(() => undefined);
    throw e;
  });
  const rest: [string, string][] = [
    ...Object.entries(charts).map(([n, svg]): [string, string] => [path.join('charts', n), svg]),
    ['index.html', sweepHtml(spec, stats, Object.keys(charts))],
  ];
  await Promise.all([written, writeAll(dir, rest, 6)]);
  // charts of an earlier study in the same directory would sit beside these and mislead
  for (const old of await readdir(path.join(dir, 'charts'))) {
    if (old.endsWith('.svg') && !(old in charts)) await unlink(path.join(dir, 'charts', old));
  }
  return [...data, ...rest].map(([n]) => n);
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
