// After a simulation, its model (event heap, request columns, per-user arrays: tens of MB of
// ArrayBuffers) is garbage, but nothing allocates enough afterwards to make V8 run a full
// collection, so that memory stays resident while the report is drawn beside the chart thread and
// sets the run's peak RSS. One full collection here returns it (about 35 MB on million-users).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Runs one full garbage collection without the process having been started with --expose-gc. */
export function releaseSimulationMemory(): void {
  setFlagsFromString('--expose-gc'); // a context created from now on has gc(); ours keeps none
  const gc: unknown = runInNewContext('gc');
  if (typeof gc === 'function') gc();
}
