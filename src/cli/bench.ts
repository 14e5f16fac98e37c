// `npm run bench`: runs a scenario (default million-users) a few times and prints events/s,
// wall time and peak RSS. Speed is measured here, never asserted in unit tests.
import { runScenario } from '../model/stack.js';
import { loadScenario } from '../scenario/load.js';

const file = process.argv[2] ?? 'scenarios/million-users.yaml';
const repeats = Number(process.argv[3] ?? 3);
const scenario = loadScenario(file);
const walls: number[] = [];
let events = 0;
for (let i = 0; i < repeats; i++) {
  const t0 = process.hrtime.bigint();
  events = runScenario(scenario).events;
  walls.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
walls.sort((a, b) => a - b);
const best = walls[0];
const median = walls[Math.floor(walls.length / 2)];
const rssMb = process.resourceUsage().maxRSS / 1024;
console.log(`scenario   ${scenario.name} (${file})`);
console.log(`events     ${events}`);
console.log(`wall       best ${best.toFixed(3)} s, median ${median.toFixed(3)} s over ${repeats} runs`);
console.log(`events/s   ${(events / best / 1e6).toFixed(2)} M (best run)`);
console.log(`peak RSS   ${rssMb.toFixed(0)} MB`);
