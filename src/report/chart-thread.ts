// Charts off the critical path: d3-node loads jsdom (a large share of a short run's CPU), so a
// worker thread loads it and renders while the main thread simulates. The SVGs are the same bytes
// as renderCharts() in process gives: same code, same input (structured-cloned plain data).
import { Worker } from 'node:worker_threads';
import type { ReportInput } from '../metrics/report-input.js';

export type ChartRenderer = (input: ReportInput) => Promise<Record<string, string>>;

export type ChartThread = {
  /** Renders `input`'s charts in the thread: file name -> SVG text, in renderCharts' order. */
  render: ChartRenderer;
  /** Stops the thread (after the last render, or when the run failed). */
  close: () => Promise<void>;
};

/** Starts the chart thread; call at the start of a run so its imports overlap the simulation. */
export function startChartThread(): ChartThread {
  return startSvgThread<ReportInput>(new URL('./chart-worker.js', import.meta.url));
}

/**
 * A worker thread (`workerFile`) that answers each posted input with its charts: file name -> SVG
 * text. Shared by the run's and the sweep's chart threads.
 */
export function startSvgThread<Input>(workerFile: URL): {
  render: (input: Input) => Promise<Record<string, string>>;
  close: () => Promise<void>;
} {
  const worker = new Worker(workerFile, {
    resourceLimits: { maxYoungGenerationSizeMb: 4 }, // jsdom's garbage: a small nursery keeps the thread's RSS down
  });
  // idle, it must not keep the process alive (a run that fails ends without closing it)
  worker.unref();
  let failed: Error | undefined;
  worker.on('error', (e) => (failed = e));
  const render = (input: Input): Promise<Record<string, string>> =>
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
      worker.postMessage(input);
    });
  return { render, close: async () => void (await worker.terminate()) };
}
