// The sweep's chart thread (./sweep-chart-thread.ts): loads d3-node as it starts, then draws the
// charts of each study it is sent and posts the SVGs back.
import { parentPort } from 'node:worker_threads';
import { loadD3Node } from '../report/chart-frame.js';
import { sweepCharts } from './sweep-charts.js';
import type { ConfigStats } from './sweep-output.js';
import type { StudySpec } from './sweep-plan.js';

const port = parentPort;
if (port === null) throw new Error('sweep-chart-worker.js runs as a worker thread only');
void loadD3Node(); // warm: the charts then wait for no import
port.on('message', (m: { spec: StudySpec; stats: ConfigStats[] }) => {
  void sweepCharts(m.spec, m.stats).then((charts) => port.postMessage(charts));
});
