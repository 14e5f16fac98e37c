// Faults from the scenario's `faults:` list, applied at their times, plus random faults drawn
// per node from the `faults` stream only (so they never shift any other component's draws).
// The injector asks the topology what a fault's target is and hands the fault to the tier that
// owns that node or link; each tier applies its own actions through an exhaustive switch.
import { unreachable } from '../../engine/assert.js';
import type { Engine } from '../../engine/engine.js';
import type { RngStream } from '../../engine/rng.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Topology, TopologyLink, TopologyNode } from '../../scenario/topology.js';
import { type Fault, type FaultOf, faultTargetText, type RandomFaults, type RandomKill } from '../../scenario/types.js';

/**
 * How one tier applies the faults its nodes take. `index` is the node's (or link's) index within
 * its kind. Each call returns a short description of the effect, for the report; `endFault` undoes a
 * fault that had a duration (`for:`) and returns null when there is nothing to undo.
 */
export interface FaultHandler<F extends Fault> {
  applyFault(f: F, index: number): string;
  endFault(f: F, index: number): string | null;
}

export type AppFault = FaultOf<'kill' | 'recover' | 'slow'>;
export type RedisFault = FaultOf<'kill' | 'recover' | 'slow' | 'restart'>;
export type NginxFault = FaultOf<'kill' | 'recover'>;
export type RouterFault = FaultOf<'kill' | 'recover'>;
export type DirectorFault = FaultOf<'kill' | 'recover' | 'stop'>;
export type RoutedLinkFault = FaultOf<'down' | 'up'>;
export type SiteFault = FaultOf<'kill' | 'recover'>;

/** The network in front: present only in scenarios with routers and LVS directors. */
export type FrontFaultHandlers = {
  router: FaultHandler<RouterFault>;
  director: FaultHandler<DirectorFault>;
  nginx: FaultHandler<NginxFault>;
  routedLink: FaultHandler<RoutedLinkFault>;
};

export type FaultHandlers = {
  app: FaultHandler<AppFault>;
  redis: FaultHandler<RedisFault>;
  proxyLink: FaultHandler<FaultOf<'drop'>>; // nginx -> app server, index nginx * apps + app
  redisLink: FaultHandler<FaultOf<'drop'>>; // app server -> Redis, index app
  partition: FaultHandler<FaultOf<'partition'>>;
  front: FrontFaultHandlers | null;
  site?: FaultHandler<SiteFault> | null; // with sites: a data centre killed or recovered as a whole
  siteLink?: FaultHandler<RoutedLinkFault>; // with sites: the link between two of them, index among the site links
  // with Redis replicas: their processes, and their replication links
  replica?: FaultHandler<FaultOf<'kill' | 'recover'>>;
  replicationLink?: FaultHandler<FaultOf<'down' | 'up'>>;
};

/** The scenario's fixed faults followed by its random ones, drawn from `rng` (the `faults` stream). */
export function faultSchedule(fixed: readonly Fault[], random: readonly RandomFaults[], kills: readonly RandomKill[], rng: RngStream): Fault[] {
  // the kill sets first: a configuration that changes the rate-driven faults keeps its kill set
  const killed = drawRandomKills(kills, rng);
  return [...fixed, ...killed, ...drawRandomFaults(random, rng)];
}

/** `count` distinct nodes of `among` (a partial Fisher-Yates shuffle), each at a uniform time in [from, until]. */
export function drawRandomKills(specs: readonly RandomKill[], rng: RngStream): Fault[] {
  const out: Fault[] = [];
  for (const spec of specs) {
    const pool = [...spec.among];
    for (let k = 0; k < spec.count; k++) {
      const j = k + rng.int(pool.length - k);
      const target = pool[j] as string;
      pool[j] = pool[k] as string;
      pool[k] = target;
      const at_us = spec.from_us + rng.int(spec.until_us - spec.from_us + 1);
      out.push({ at_us, for_us: 0, line: spec.line, action: 'kill', target });
    }
  }
  return out;
}

/** Expands random faults into a fixed schedule: per node, up-times ~ exp(mtbf), repairs ~ exp(mttr). */
export function drawRandomFaults(specs: readonly RandomFaults[], rng: RngStream): Fault[] {
  const out: Fault[] = [];
  for (const spec of specs) {
    for (const node of spec.nodes) {
      let t = spec.from_us + Math.round(rng.exp(spec.mtbf_us));
      while (t < spec.until_us) {
        const repair = Math.max(1, Math.round(rng.exp(spec.mttr_us)));
        const timing = { at_us: t, for_us: repair, line: spec.line };
        switch (spec.action) {
          case 'kill':
            out.push({ ...timing, action: 'kill', target: node });
            break;
          case 'slow':
            out.push({ ...timing, action: 'slow', target: node, factor: spec.factor });
            break;
          case 'partition':
            out.push({ ...timing, action: 'partition', nodes: [node] });
            break;
          default:
            unreachable(spec.action);
        }
        t += repair + Math.round(rng.exp(spec.mtbf_us));
      }
    }
  }
  return out;
}

/** A fault bound to the handler that applies it and the index of its node or link. */
type Routed = { apply: () => string; end: () => string | null };

export class FaultInjector {
  private readonly kStart: number;
  private readonly kEnd: number;
  private readonly schedule: Fault[];
  private readonly routed: Routed[];

  constructor(
    private readonly engine: Engine,
    private readonly topology: Topology,
    schedule: readonly Fault[],
    private readonly metrics: Metrics,
    private readonly handlers: FaultHandlers,
  ) {
    this.schedule = [...schedule];
    this.routed = this.schedule.map((f) => this.route(f));
    this.kStart = engine.register('fault.start', (i) => this.apply(i));
    this.kEnd = engine.register('fault.end', (i) => this.end(i));
  }

  /** The whole schedule, random faults included. */
  get faults(): readonly Fault[] {
    return this.schedule;
  }

  start(): void {
    this.schedule.forEach((f, i) => this.engine.at(f.at_us, this.kStart, i));
  }

  private node(f: Fault & { target: string }): TopologyNode {
    const n = this.topology.node(f.target);
    if (n === undefined) throw new Error(`fault target ${f.target} (line ${f.line}) is not a node of this scenario`);
    return n;
  }

  private link(f: Fault & { target: string }): TopologyLink {
    const l = this.topology.link(f.target);
    if (l === undefined) throw new Error(`fault target ${f.target} (line ${f.line}) is not a link of this scenario`);
    return l;
  }

  private front(f: Fault & { target: string }): FrontFaultHandlers {
    if (this.handlers.front === null) throw new Error(`fault target ${f.target} (line ${f.line}) needs the routed network in front`);
    return this.handlers.front;
  }

  private need<H>(f: Fault & { target: string }, h: H | null | undefined): H {
    if (h === null || h === undefined) throw new Error(`fault target ${f.target} (line ${f.line}) needs sites`);
    return h;
  }

  /** Binds a fault to the tier that owns its target; throws if no tier takes it. */
  private route(f: Fault): Routed {
    const bind = <F extends Fault>(h: FaultHandler<F>, fault: F, index: number): Routed => ({
      apply: () => h.applyFault(fault, index),
      end: () => h.endFault(fault, index),
    });
    const h = this.handlers;
    switch (f.action) {
      case 'kill':
      case 'recover': {
        const n = this.node(f);
        if (n.kind === 'app') return bind(h.app, f, n.index);
        if (n.kind === 'redis') return bind(h.redis, f, n.index);
        if (n.kind === 'site') return bind(this.need(f, h.site), f, n.index);
        if (n.kind === 'replica' && h.replica) return bind(h.replica, f, n.index);
        if (n.kind === 'nginx') return bind(this.front(f).nginx, f, n.index);
        if (n.kind === 'director') return bind(this.front(f).director, f, n.index);
        return bind(this.front(f).router, f, n.index);
      }
      case 'slow': {
        const n = this.node(f);
        if (n.kind === 'app') return bind(h.app, f, n.index);
        if (n.kind === 'redis') return bind(h.redis, f, n.index);
        throw new Error(`fault target ${f.target} (line ${f.line}) cannot be slowed`);
      }
      case 'restart':
        return bind(h.redis, f, this.node(f).index);
      case 'stop':
        return bind(this.front(f).director, f, this.node(f).index);
      case 'partition':
        return bind(h.partition, f, 0);
      case 'drop': {
        const l = this.link(f);
        if (l.kind === 'proxy') return bind(h.proxyLink, f, l.index);
        if (l.kind === 'redis') return bind(h.redisLink, f, l.index);
        throw new Error(`fault target ${f.target} (line ${f.line}) is a routed link: it goes down or up, it does not drop`);
      }
      case 'down':
      case 'up': {
        const l = this.link(f);
        if (l.kind === 'site') return bind(this.need(f, h.siteLink), f, l.index);
        if (l.kind === 'replication' && h.replicationLink) return bind(h.replicationLink, f, l.index);
        return bind(this.front(f).routedLink, f, l.index);
      }
      default:
        return unreachable(f);
    }
  }

  private apply(i: number): void {
    const f = this.schedule[i];
    this.log(f.action, f, this.routed[i].apply());
    // a restart always ends (it is a stop and a start); other faults end only if given a duration
    if (f.for_us > 0 || f.action === 'restart') this.engine.schedule(f.for_us, this.kEnd, i);
  }

  private end(i: number): void {
    const f = this.schedule[i];
    const detail = this.routed[i].end();
    if (detail !== null) this.log(`${f.action} ends`, f, detail);
  }

  private log(action: string, f: Fault, detail: string): void {
    this.metrics.faults.push({ at_us: this.engine.now_us, action, target: faultTargetText(f), detail });
  }
}
