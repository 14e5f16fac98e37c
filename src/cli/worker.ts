// `sim worker --queue redis://HOST:PORT [--concurrency N] [--stalled-ms MS]`: runs the jobs that
// `sim sweep --queue` puts on the queue, on N worker threads, until SIGINT or SIGTERM (then it
// finishes the runs it holds and leaves). Start as many as you like, on as many machines.
import { availableParallelism } from 'node:os';
import type { CommandModule } from 'yargs';
import { DEFAULT_STALLED_MS, startQueueWorker } from '../study/queue.js';
import { UsageError } from './errors.js';
import { buildIdentity } from './provenance.js';
import { reachQueue } from './queue-args.js';

/** Starts a stopwatch; the function it returns reads the seconds since. */
function stopwatch(): () => number {
  const t0 = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - t0) / 1e9;
}

type WorkerArgs = { queue: string; concurrency?: number; 'stalled-ms': number };

export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: 'worker',
  describe: 'Run the jobs of `sim sweep --queue` from a BullMQ queue until stopped (exit 0 on SIGINT/SIGTERM, 2 bad input)',
  builder: (y) =>
    y
      .option('queue', { type: 'string', demandOption: true, describe: 'the queue: redis://HOST:PORT (or redis://:PASSWORD@HOST:PORT/DB)' })
      .option('concurrency', { type: 'number', describe: 'runs at once, each on its own thread (default: one per core)' })
      .option('stalled-ms', {
        type: 'number',
        default: DEFAULT_STALLED_MS,
        describe: "a job's lock lasts this long unrenewed; workers check this often for jobs whose worker died and run them again",
      }),
  handler: async (args) => {
    const concurrency = args.concurrency ?? availableParallelism();
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new UsageError(`worker: --concurrency must be an integer >= 1 (got ${concurrency})`);
    const stalled_ms = args['stalled-ms'];
    if (!Number.isSafeInteger(stalled_ms) || stalled_ms < 100) throw new UsageError(`worker: --stalled-ms must be an integer >= 100 (got ${stalled_ms})`);
    const target = await reachQueue(args.queue);
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const w = await startQueueWorker(target, buildIdentity().code, { concurrency, stalled_ms, log, elapsed_s: stopwatch });
    log(`worker: ready on ${args.queue} queue ${w.name}, ${concurrency} at once, stalled after ${stalled_ms} ms`);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143); // a second signal does not wait
        stopping = true;
        log(`worker: ${signal}: finishing the runs in hand`);
        void w.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    log('worker: stopped');
  },
};
