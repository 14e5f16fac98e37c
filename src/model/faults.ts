// Faults from the scenario's `faults:` list, applied at their times. Components register the
// nodes they own as fault targets; the injector only routes each fault to its target and logs
// what it cost (lost requests, stranded stock), so new tiers add targets without touching this.
import type { Engine } from '../engine/engine.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Fault } from '../scenario/types.js';

/** A node that faults can hit. `apply` returns a short description of the effect, for the report. */
export interface FaultTarget {
  applyFault(fault: Fault): string;
}

export class FaultInjector {
  private readonly kFault: number;
  private readonly targets = new Map<string, FaultTarget>();

  constructor(
    private readonly engine: Engine,
    private readonly faults: readonly Fault[],
    private readonly metrics: Metrics,
  ) {
    this.kFault = engine.register('fault', (i) => this.apply(i));
  }

  /** Makes `name` (as scenarios write it: app3, redis, ...) a fault target. */
  addTarget(name: string, target: FaultTarget): void {
    this.targets.set(name, target);
  }

  start(): void {
    for (const f of this.faults) {
      if (!this.targets.has(f.target)) throw new Error(`fault target ${f.target} (line ${f.line}) is not a node of this scenario`);
    }
    this.faults.forEach((f, i) => this.engine.at(f.at_us, this.kFault, i));
  }

  private apply(i: number): void {
    const f = this.faults[i];
    const detail = (this.targets.get(f.target) as FaultTarget).applyFault(f);
    this.metrics.faults.push({ at_us: this.engine.now_us, action: f.action, target: f.target, detail });
  }
}
