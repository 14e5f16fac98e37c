// The event loop of one scenario alone, for `npm run bench`'s source-ab target ("the whole
// command within 3x `node -e 0` plus its event loop"): loads the scenario, then times only
// runScenario, in CPU time of this process (the loop is single-threaded; V8's helper threads
// count, as they do for the whole command). Prints, as JSON: the loop's CPU and wall seconds and
// its events.
//
//   node dist/harness/bench/simulation-alone.js scenarios/source-ab.yaml

import { runScenario } from '../src/model/stack.js';
import { loadScenario } from '../src/scenario/load.js';

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: simulation-alone.js SCENARIO.yaml\n');
  process.exit(2);
}
const scenario = loadScenario(file);
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const { events } = runScenario(scenario);
const wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ loop_cpu_s: (cpu.user + cpu.system) / 1e6, loop_wall_s: wall_s, events })}\n`);
