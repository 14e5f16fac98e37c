// The chart thread (./chart-thread.ts): loads d3-node and jsdom as soon as it starts, while the
// main thread runs the simulation, then renders each report it is sent and posts the SVGs back.
import { parentPort } from 'node:worker_threads';
import type { ReportInput } from '../metrics/report-input.js';
import { loadD3Node } from './chart-frame.js';
import { renderCharts } from './charts.js';

const port = parentPort;
if (port === null) throw new Error('chart-worker.js runs as a worker thread only');
void loadD3Node(); // warm: the first report then waits for no import
port.on('message', (input: ReportInput) => {
  void renderCharts(input).then((charts) => port.postMessage(charts));
});
