// Faults at fixed times from the scenario's `faults:` list: kill and recover of an app server
// or of Redis. Each applied fault is logged with what it cost (lost requests, stranded stock).
import type { Engine } from '../engine/engine.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Fault } from '../scenario/types.js';
import type { AppTier } from './app.js';
import type { RedisTier } from './redis.js';

export class FaultInjector {
  private readonly kFault: number;

  constructor(
    private readonly engine: Engine,
    private readonly faults: readonly Fault[],
    private readonly metrics: Metrics,
    private readonly app: AppTier,
    private readonly redis: RedisTier,
  ) {
    this.kFault = engine.register('fault', (i) => this.apply(i));
  }

  start(): void {
    this.faults.forEach((f, i) => this.engine.at(f.at_us, this.kFault, i));
  }

  private apply(i: number): void {
    const f = this.faults[i];
    let detail: string;
    if (f.target === 'redis') {
      if (f.action === 'kill') detail = `${this.redis.kill()} commands reset`;
      else {
        this.redis.recover();
        detail = 'back, keyspace kept';
      }
    } else {
      const s = this.app.names.indexOf(f.target);
      if (s < 0) throw new Error(`fault target ${f.target} is not a node of this scenario`);
      if (f.action === 'kill') {
        const { lostRequests, strandedLocal } = this.app.kill(s);
        detail = `${lostRequests} requests reset, ${strandedLocal} local tickets stranded`;
      } else {
        this.app.recover(s);
        detail = `restarted with local stock ${this.app.localStock[s]}`;
      }
    }
    this.metrics.faults.push({ at_us: this.engine.now_us, action: f.action, target: f.target, detail });
  }
}
