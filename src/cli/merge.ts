// `sim merge DIR... --out DIR`: combines the shards of one study (`sim sweep --shard I/N`, each
// written to its own DIR) into the files the whole study writes on one machine, byte for byte.
// The shards must be of the same study and build, and together hold each of 0..N-1 once.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { failureNote, type ShardFile } from '../study/sweep-output.js';
import { canonicalJson, type RunRecord } from '../study/sweep-plan.js';
import { writeStudy } from '../study/sweep-write.js';
import { UsageError } from './errors.js';

type MergeArgs = { dirs: string[]; out: string };

function readShard(dir: string): ShardFile {
  const file = path.join(dir, 'shard.json');
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: ${code === 'ENOENT' ? 'no such file (write shards with sim sweep --shard I/N --out DIR)' : `not a shard file (${(e as Error).message.split('\n')[0] ?? ''})`}`);
  }
  const s = v as Partial<ShardFile> | null;
  if (s === null || typeof s !== 'object' || !s.shard || !s.spec || !Array.isArray(s.runs)) throw new UsageError(`${file}: not a shard file`);
  return s as ShardFile;
}

/** The runs of all the shards, after checking that they are exactly the shards of one study. */
export function mergeShards(shards: readonly { dir: string; file: ShardFile }[]): { spec: ShardFile['spec']; runs: RunRecord[] } {
  const first = shards[0];
  if (first === undefined) throw new UsageError('merge: name at least one shard directory');
  const count = first.file.shard.count;
  const specText = canonicalJson(first.file.spec);
  const seen = new Map<number, string>();
  for (const { dir, file } of shards) {
    const where = path.join(dir, 'shard.json');
    if (canonicalJson(file.spec) !== specText) {
      const differs = file.spec.commit !== first.file.spec.commit || file.spec.version !== first.file.spec.version ? 'another ticketsim build' : 'another study';
      throw new UsageError(`merge: ${where}: a shard of ${differs} than ${path.join(first.dir, 'shard.json')}`);
    }
    if (file.shard.count !== count) throw new UsageError(`merge: ${where}: shard ${file.shard.index}/${file.shard.count}, but ${path.join(first.dir, 'shard.json')} is one of ${count}`);
    const prev = seen.get(file.shard.index);
    if (prev !== undefined) throw new UsageError(`merge: shard ${file.shard.index}/${count} twice: ${prev} and ${where}`);
    seen.set(file.shard.index, where);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0) throw new UsageError(`merge: missing shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${count}`).join(', ')}`);
  return { spec: first.file.spec, runs: shards.flatMap((s) => s.file.runs) };
}

export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <dirs..>',
  describe: 'Combine the shards of a study (sim sweep --shard I/N) into one: sweep.csv, sweep.json, charts, index.html (exit 0, 1 some run failed, 2 bad input)',
  builder: (y) =>
    y
      .positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'the shards’ output directories' })
      .option('out', { type: 'string', demandOption: true, describe: 'where the combined study goes' }),
  handler: async (args) => {
    const { spec, runs } = mergeShards(args.dirs.map((dir) => ({ dir, file: readShard(dir) })));
    await writeStudy(args.out, spec, runs);
    process.stdout.write(`merged ${args.dirs.length} shard${args.dirs.length === 1 ? '' : 's'} of ${spec.scenario}: ${runs.length} runs\n  report: ${path.join(args.out, 'index.html')}\n`);
    const failed = failureNote(spec, runs);
    if (failed !== '') {
      process.stderr.write(failed);
      process.exitCode = 1;
    }
  },
};
