// tiers.nginx of summary.json, from the nginx counters at the end of a run.
import type { NginxFrontFields, NginxSummary } from '../../metrics/summary.js';
import type { Scenario } from '../../scenario/types.js';
import { nginxName } from '../../scenario/topology.js';
import type { NginxCounters } from './counters.js';
import type { NodeLoad } from '../../metrics/tier-sections.js';

/** The instances' load for nodes.csv: requests accepted and held; nginx has no service time. */
export function nginxLoad(s: Scenario, c: NginxCounters): NodeLoad {
  return { tier: 'nginx', names: Array.from({ length: s.nginx.instances }, (_, k) => nginxName(k)), servers: 1, series: c.load };
}

/** `front`: what an LVS tier in front saw of each instance (losses, liveness), when there is one. */
export function nginxSection(s: Scenario, c: NginxCounters, front?: Record<string, NginxFrontFields>): Record<string, NginxSummary> {
  const nginx: Record<string, NginxSummary> = {};
  for (let k = 0; k < s.nginx.instances; k++) {
    const name = nginxName(k);
    nginx[name] = {
      requests: c.requests[k],
      retries: c.retries[k],
      bad_gateway: c.badGateway[k],
      gateway_timeout: c.gatewayTimeout[k],
      per_worker: Array.from(c.perWorker[k]),
      ...(front ? front[name] : {}),
    };
  }
  return nginx;
}
