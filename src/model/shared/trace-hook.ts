// Connects the model's hop points to a Tracer: it knows how to name a request's user, address
// and time, so each component passes only (request, tier, node, event, outcome).
import type { Engine } from '../../engine/engine.js';
import type { Tracer } from '../../metrics/trace.js';
import type { RequestTable } from '../client/requests.js';

export class TraceHook {
  constructor(
    private readonly engine: Engine,
    private readonly requests: RequestTable,
    private readonly clientIp: Uint32Array,
    private readonly tracer: Tracer,
  ) {}

  hop(r: number, tier: string, node: string, event: string, outcome = 0): void {
    const rq = this.requests;
    const u = rq.user[r];
    this.tracer.hop(this.engine.now_us, rq.id[r], u, this.clientIp[u], tier, node, event, outcome);
  }

  /** A hop known only by request id and user (Redis keeps no request slot). */
  hopById(id: number, user: number, tier: string, node: string, event: string, outcome = 0): void {
    this.tracer.hop(this.engine.now_us, id, user, this.clientIp[user], tier, node, event, outcome);
  }
}
