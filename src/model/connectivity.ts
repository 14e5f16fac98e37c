// Who can reach whom, and how lossy the wires are: partitions and packet drops between the
// nodes of the stack (nginx instances, app servers, Redis). A message into a partition
// vanishes; a message on a lossy link is retransmitted by TCP after its RTO, doubling each time
// (Linux: TCP_TIMEOUT_INIT = 1 s for a SYN, TCP_RTO_MIN = 200 ms for data; include/net/tcp.h).
import type { RngStream, RngStreams } from '../engine/rng.js';
import type { Fault } from '../scenario/types.js';
import type { FaultTarget } from './faults.js';

export const SYN_RTO_US = 1_000_000;
export const DATA_RTO_US = 200_000;
const MAX_RETRANSMITS = 6; // tcp_syn_retries / a bound on data retries: the connection is then dead

/** Delay of a message that is retransmitted after each loss; -1 if every try is lost. */
export function transmitDelay_us(latency_us: number, lossFraction: number, rto_us: number, rng: RngStream): number {
  let delay = latency_us;
  let rto = rto_us;
  for (let k = 0; k <= MAX_RETRANSMITS; k++) {
    if (rng.random() >= lossFraction) return delay;
    delay += rto;
    rto *= 2;
  }
  return -1;
}

export class Connectivity {
  readonly nginxNode: Int32Array; // node id of nginx instance k
  readonly appNode: Int32Array; // node id of app server s
  readonly redisNode: number;
  private readonly nodeIds = new Map<string, number>();
  private readonly group: Int32Array; // partition group per node; 0 = the main side
  private nextGroup = 1;
  readonly nginxAppLoss: Float64Array; // [k * apps + s]
  readonly appRedisLoss: Float64Array; // [s]
  private readonly linkRng = new Map<string, RngStream>();
  private readonly apps: number;

  constructor(nginxInstances: number, appNames: readonly string[], private readonly rngs: RngStreams) {
    this.apps = appNames.length;
    const names = [...Array.from({ length: nginxInstances }, (_, k) => `nginx${k + 1}`), ...appNames, 'redis'];
    names.forEach((n, i) => this.nodeIds.set(n, i));
    this.nginxNode = Int32Array.from({ length: nginxInstances }, (_, k) => k);
    this.appNode = Int32Array.from(appNames, (_, s) => nginxInstances + s);
    this.redisNode = names.length - 1;
    this.group = new Int32Array(names.length);
    this.nginxAppLoss = new Float64Array(nginxInstances * this.apps);
    this.appRedisLoss = new Float64Array(this.apps);
  }

  reachable(nodeA: number, nodeB: number): boolean {
    return this.group[nodeA] === this.group[nodeB];
  }

  /** The stream that decides the losses on one link. */
  rngFor(link: string): RngStream {
    let r = this.linkRng.get(link);
    if (!r) {
      r = this.rngs.stream(`net:${link}`);
      this.linkRng.set(link, r);
    }
    return r;
  }

  /** Cuts `nodes` off from everyone else (a new partition group); returns the group. */
  partition(nodes: readonly string[]): number {
    const g = this.nextGroup++;
    for (const n of nodes) this.group[this.id(n)] = g;
    return g;
  }

  heal(nodes: readonly string[]): void {
    for (const n of nodes) this.group[this.id(n)] = 0;
  }

  private id(name: string): number {
    const i = this.nodeIds.get(name);
    if (i === undefined) throw new Error(`unknown node ${name}`);
    return i;
  }

  /** The fault target for partitions. */
  partitionTarget(): FaultTarget {
    return {
      applyFault: (f: Fault) => {
        this.partition(f.nodes);
        return `${f.nodes.join(', ')} cut off`;
      },
      endFault: (f: Fault) => {
        this.heal(f.nodes);
        return `${f.nodes.join(', ')} reachable again`;
      },
    };
  }

  /** The fault target for packet loss on a link `nginxK-appS` or `appS-redis`. */
  linkTarget(link: string, appNames: readonly string[]): FaultTarget {
    const set = (fraction: number) => {
      const m = /^nginx(\d+)-(.+)$/.exec(link);
      if (m && appNames.includes(m[2])) this.nginxAppLoss[(Number(m[1]) - 1) * this.apps + appNames.indexOf(m[2])] = fraction;
      else this.appRedisLoss[appNames.indexOf(link.slice(0, -'-redis'.length))] = fraction;
    };
    return {
      applyFault: (f: Fault) => {
        set(f.fraction);
        return `${Math.round(f.fraction * 1000) / 10} % of packets lost`;
      },
      endFault: () => {
        set(0);
        return 'no more loss';
      },
    };
  }
}
