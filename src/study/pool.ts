// Runs a list of independent tasks on worker threads (piscina), or in this thread for one worker,
// and gives the results in task order, so what is written never depends on the worker count.
import { Piscina } from 'piscina';

export type TaskPool<T, R> = { run: (tasks: readonly T[]) => Promise<R[]>; close: () => Promise<void> };

/**
 * `worker` is the module URL whose default export is `inline`; `tick` is told after every task
 * (a progress bar).
 */
export function taskPool<T, R>(worker: URL, inline: (t: T) => R, workers: number, tick: () => void = () => undefined): TaskPool<T, R> {
  if (workers <= 1) {
    const run = async (tasks: readonly T[]): Promise<R[]> => {
      const out: R[] = [];
      for (const t of tasks) {
        out.push(inline(t));
        tick();
        await new Promise((r) => setImmediate(r)); // let a progress bar draw
      }
      return out;
    };
    return { run, close: async () => undefined };
  }
  const pool = new Piscina<T, R>({ filename: worker.href, minThreads: workers, maxThreads: workers });
  const run = (tasks: readonly T[]): Promise<R[]> =>
    Promise.all(
      tasks.map(async (t) => {
        const r = await pool.run(t);
        tick();
        return r;
      }),
    );
  return { run, close: () => pool.destroy() };
}
