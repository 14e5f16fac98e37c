// A pool of two real servers for keepalived's checkers: each server's state set by the test, every
// verdict kept as [time_us, director, server, up], the checkers kept busy for the first 100 s.
import type { Engine } from '../../src/engine/engine.js';
import type { CheckedPool } from '../../src/model/front/healthcheck.js';

export class RecordingPool implements CheckedPool {
  alive = [true, true];
  verdicts: [number, number, number, boolean][] = [];
  constructor(private readonly engine: Engine) {}
  rsAlive(k: number): boolean {
    return this.alive[k];
  }
  rsVerdict(d: number, k: number, up: boolean): void {
    this.verdicts.push([this.engine.now_us, d, k, up]);
  }
  busy(): boolean {
    return this.engine.now_us < 100_000_000;
  }
}
