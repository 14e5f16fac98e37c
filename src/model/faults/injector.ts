// Faults from the scenario's `faults:` list, applied at their times, plus random faults drawn
// per node from the `faults` stream only (so they never shift any other component's draws).
// Components register the nodes they own as fault targets; the injector only routes each fault
// to its target, ends it after `for`, and logs what it cost.
import type { Engine } from '../../engine/engine.js';
import type { RngStream } from '../../engine/rng.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Fault, RandomFaults } from '../../scenario/types.js';

/** A node that faults can hit. Each call returns a short description of the effect, for the report. */
export interface FaultTarget {
  applyFault(fault: Fault): string;
  /** Undoes a fault that had a duration (`for:`); without it, the injector applies nothing. */
  endFault?(fault: Fault): string;
}

/** Expands random faults into a fixed schedule: per node, up-times ~ exp(mtbf), repairs ~ exp(mttr). */
export function drawRandomFaults(specs: readonly RandomFaults[], rng: RngStream): Fault[] {
  const out: Fault[] = [];
  for (const spec of specs) {
    for (const node of spec.nodes) {
      let t = spec.from_us + Math.round(rng.exp(spec.mtbf_us));
      while (t < spec.until_us) {
        const repair = Math.max(1, Math.round(rng.exp(spec.mttr_us)));
        out.push({
          at_us: t,
          action: spec.action,
          target: spec.action === 'partition' ? 'partition' : node,
          for_us: repair,
          factor: spec.factor,
          fraction: 0,
          nodes: spec.action === 'partition' ? [node] : [],
          line: spec.line,
        });
        t += repair + Math.round(rng.exp(spec.mtbf_us));
      }
    }
  }
  return out;
}

export class FaultInjector {
  private readonly kStart: number;
  private readonly kEnd: number;
  private readonly targets = new Map<string, FaultTarget>();
  private readonly schedule: Fault[];

  constructor(
    private readonly engine: Engine,
    fixed: readonly Fault[],
    random: readonly RandomFaults[],
    rng: RngStream,
    private readonly metrics: Metrics,
  ) {
    this.schedule = [...fixed, ...drawRandomFaults(random, rng)];
    this.kStart = engine.register('fault.start', (i) => this.apply(i));
    this.kEnd = engine.register('fault.end', (i) => this.end(i));
  }

  /** Makes `name` (as scenarios write it: app3, redis, nginx1-app3, partition) a fault target. */
  addTarget(name: string, target: FaultTarget): void {
    this.targets.set(name, target);
  }

  /** The whole schedule, random faults included. */
  get faults(): readonly Fault[] {
    return this.schedule;
  }

  start(): void {
    for (const f of this.schedule) {
      if (!this.targets.has(f.target)) throw new Error(`fault target ${f.target} (line ${f.line}) is not a node of this scenario`);
    }
    this.schedule.forEach((f, i) => this.engine.at(f.at_us, this.kStart, i));
  }

  private apply(i: number): void {
    const f = this.schedule[i];
    const detail = (this.targets.get(f.target) as FaultTarget).applyFault(f);
    this.log(f.action, f, detail);
    // a restart always ends (it is a stop and a start); other faults end only if given a duration
    if (f.for_us > 0 || f.action === 'restart') this.engine.schedule(f.for_us, this.kEnd, i);
  }

  private end(i: number): void {
    const f = this.schedule[i];
    const t = this.targets.get(f.target) as FaultTarget;
    if (!t.endFault) return;
    this.log(`${f.action} ends`, f, t.endFault(f));
  }

  private log(action: string, f: Fault, detail: string): void {
    const target = f.action === 'partition' ? f.nodes.join('+') : f.target;
    this.metrics.faults.push({ at_us: this.engine.now_us, action, target, detail });
  }
}
