// The sweep's charts off the main thread: a worker thread loads d3-node (and jsdom) as soon as it
// starts, on a core the last runs leave free, and draws when it is sent the statistics. The SVGs
// are the bytes sweepCharts() gives in process: the same code on the same (structured-cloned) data.
import { startSvgThread } from '../report/chart-thread.js';
import type { ConfigStats } from './sweep-output.js';
import type { StudySpec } from './sweep-plan.js';

export type SweepChartThread = {
  /** Draws the study's charts in the thread: file name -> SVG text, in sweepCharts' order. */
  render: (spec: StudySpec, stats: readonly ConfigStats[]) => Promise<Record<string, string>>;
  close: () => Promise<void>;
};

export function startSweepChartThread(): SweepChartThread {
  type Input = { spec: StudySpec; stats: readonly ConfigStats[] };
  const thread = startSvgThread<Input>(new URL('./sweep-chart-worker.js', import.meta.url));
  return { render: (spec, stats) => thread.render({ spec, stats }), close: thread.close };
}
