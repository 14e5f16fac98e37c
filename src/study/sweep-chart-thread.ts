// The sweep's charts off the main thread: a worker thread loads d3-node (and jsdom) as soon as it
// starts, on a core the last runs leave free, and draws when it is sent the statistics. The SVGs
// are the bytes sweepCharts() gives in process: the same code on the same (structured-cloned) data.
import { Worker } from 'node:worker_threads';
import type { ConfigStats } from './sweep-output.js';
import type { StudySpec } from './sweep-plan.js';

export type SweepChartThread = {
  /** Draws the study's charts in the thread: file name -> SVG text, in sweepCharts' order. */
  render: (spec: StudySpec, stats: readonly ConfigStats[]) => Promise<Record<string, string>>;
  close: () => Promise<void>;
};

export function startSweepChartThread(): SweepChartThread {
  const worker = new Worker(new URL('./sweep-chart-worker.js', import.meta.url), {
    resourceLimits: { maxYoungGenerationSizeMb: 4 }, // jsdom's garbage: a small nursery keeps RSS down
  });
  worker.unref(); // idle, it must not keep the process alive
  let failed: Error | undefined;
  worker.on('error', (e) => (failed = e));
  const render: SweepChartThread['render'] = (spec, stats) =>
    new Promise((resolve, reject) => {
      if (failed) return reject(failed);
      worker.ref();
      const done = (): void => {
        worker.unref();
        worker.off('message', onMessage).off('error', reject).off('exit', onExit);
      };
      const onMessage = (charts: Record<string, string>): void => (done(), resolve(charts));
      const onExit = (code: number): void => (done(), reject(new Error(`the chart thread exited with code ${code}`)));
      worker.once('message', onMessage).once('error', reject).once('exit', onExit);
      worker.postMessage({ spec, stats });
    });
  return { render, close: async () => void (await worker.terminate()) };
}
