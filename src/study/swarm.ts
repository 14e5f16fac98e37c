// Swarm testing, as TigerBeetle's VOPR does it: each seed first draws which fault kinds are on,
// how often they strike and which nodes they may hit, then a fault schedule from those knobs. So
// one seed stresses crashes of Redis alone, the next many short app outages, the next nothing.
// Every draw comes from the stream named `swarm`, seeded by the seed alone: a seed names its
// schedule, and `sim explore FILE --seeds 1 --from S` rebuilds it.
//
// A fault kind is one entry of FAULT_KINDS. Its output is the YAML a scenario's `faults:` takes,
// so a schedule is run through the scenario loader (and validated by it) and can be pasted.
import { stringify } from 'yaml';
import { type RngStream, RngStreams } from '../engine/rng.js';
import { Topology } from '../scenario/topology.js';
import type { FaultAction, Scenario } from '../scenario/types.js';

/** One `faults:` entry as YAML writes it: `{ at: 120.5ms, kill: app2 }`, keys in that order. */
export type FaultSpec = { at: string } & { [key: string]: string | number | string[] };

/** The per-seed knobs of one kind. */
export type KindKnobs = {
  kind: string;
  rate: number; // expected occurrences over the horizon
  targets: string[]; // the nodes (or links) this seed lets it hit
  params: Record<string, number>; // kind-specific, e.g. the chance to recover
};

type Occurrence = { rng: RngStream; at_us: number; horizon_us: number; target: string; params: Record<string, number> };

type FaultKind = {
  /** the actions it writes; listed so that the table only names kinds FaultAction has */
  actions: readonly FaultAction[];
  /** the nodes or links it may hit in this scenario */
  targets: (s: Scenario) => string[];
  /** this seed's kind-specific knobs */
  tune: (rng: RngStream, horizon_us: number) => Record<string, number>;
  /** the `faults:` entries of one occurrence */
  make: (o: Occurrence) => FaultSpec[];
};

// The nodes and links each kind may hit: what the topology accepts for the kind's first action.
const targetsOf = (action: FaultAction) => (s: Scenario): string[] => Topology.of(s).targets(action);
// a routed link is named once here (the topology also accepts it the other way round)
const routedLinks = (s: Scenario): string[] => Topology.of(s).routedLinks.map((l) => l.name);

/** log-uniform in [lo, hi]: as many draws near 1 ms as near 1 s */
function logUniform(rng: RngStream, lo: number, hi: number): number {
  return Math.exp(Math.log(lo) + rng.random() * (Math.log(hi) - Math.log(lo)));
}

/** A duration in the largest unit that writes it exactly: 2s, 120.5ms, 50us. */
export function formatDuration(us: number): string {
  if (us === 0) return '0s';
  if (us % 1_000_000 === 0) return `${us / 1_000_000}s`;
  if (us % 100 === 0) return `${us / 1000}ms`;
  return `${us}us`;
}

// Times are whole 100 µs: schedules stay readable, and nothing in the model is that sharp.
const GRAIN_US = 100;
const grain = (us: number) => Math.max(0, Math.round(us / GRAIN_US) * GRAIN_US);
/** A fault's length: exponential around this seed's mean, at least one grain. */
const lasting = (rng: RngStream, mean_us: number | undefined) => formatDuration(Math.max(GRAIN_US, grain(rng.exp(mean_us ?? GRAIN_US))));
/** Knobs for how long faults last: from a thousandth of the horizon to half of it. */
const meanLength = (rng: RngStream, horizon_us: number) => logUniform(rng, Math.max(GRAIN_US, horizon_us / 1000), horizon_us / 2);

/**
 * The fault kinds the swarm draws from. A new kind is one entry here; the loader and the model
 * need nothing else from this file.
 */
export const FAULT_KINDS: Record<string, FaultKind> = {
  // a process dies; with this seed's chance it is restarted after a drawn downtime
  crash: {
    actions: ['kill', 'recover'],
    targets: targetsOf('kill'),
    tune: (rng, horizon_us) => ({ recover: rng.random(), downtime_us: meanLength(rng, horizon_us) }),
    make: ({ rng, at_us, target, params }) => {
      const out: FaultSpec[] = [{ at: formatDuration(at_us), kill: target }];
      if (rng.random() < (params.recover ?? 0)) {
        const back = grain(at_us + rng.exp(params.downtime_us ?? GRAIN_US));
        out.push({ at: formatDuration(Math.max(back, at_us + GRAIN_US)), recover: target });
      }
      return out;
    },
  },
  // a gray failure: the process serves, but `factor` times slower, for a while
  slow: {
    actions: ['slow'],
    targets: targetsOf('slow'),
    tune: (rng, horizon_us) => ({ factor: Math.round(logUniform(rng, 2, 100)), length_us: meanLength(rng, horizon_us) }),
    make: ({ rng, at_us, target, params }) => [{ at: formatDuration(at_us), slow: target, factor: params.factor ?? 10, for: lasting(rng, params.length_us) }],
  },
  // Redis goes down and comes back with what its persistence kept
  restart: {
    actions: ['restart'],
    targets: targetsOf('restart'),
    tune: (rng, horizon_us) => ({ downtime_us: meanLength(rng, horizon_us) }),
    make: ({ rng, at_us, target, params }) => [{ at: formatDuration(at_us), restart: target, for: lasting(rng, params.downtime_us) }],
  },
  // a node cut off from the rest for a while
  partition: {
    actions: ['partition'],
    targets: targetsOf('partition'),
    tune: (rng, horizon_us) => ({ length_us: meanLength(rng, horizon_us) }),
    make: ({ rng, at_us, target, params }) => [{ at: formatDuration(at_us), partition: [target], for: lasting(rng, params.length_us) }],
  },
  // a link loses a share of its packets for a while
  drop: {
    actions: ['drop'],
    targets: targetsOf('drop'),
    tune: (rng, horizon_us) => ({ fraction: Math.round(logUniform(rng, 0.01, 0.5) * 100) / 100, length_us: meanLength(rng, horizon_us) }),
    make: ({ rng, at_us, target, params }) => [{ at: formatDuration(at_us), drop: target, fraction: params.fraction ?? 0.1, for: lasting(rng, params.length_us) }],
  },
  // a link of the routed network goes down (OSPF and BFD notice), and maybe up again
  link: {
    actions: ['down', 'up'],
    targets: routedLinks,
    tune: (rng, horizon_us) => ({ up: rng.random(), downtime_us: meanLength(rng, horizon_us) }),
    make: ({ rng, at_us, target, params }) => {
      const out: FaultSpec[] = [{ at: formatDuration(at_us), down: target }];
      if (rng.random() < (params.up ?? 0)) out.push({ at: formatDuration(grain(at_us + Math.max(GRAIN_US, rng.exp(params.downtime_us ?? GRAIN_US)))), up: target });
      return out;
    },
  },
  // an LVS director's keepalived stops cleanly: its backup takes over
  stop: {
    actions: ['stop'],
    targets: targetsOf('stop'),
    tune: () => ({}),
    make: ({ at_us, target }) => [{ at: formatDuration(at_us), stop: target }],
  },
};

/** The table restricted to `names` (all of it when absent); throws on an unknown name. */
export function kindsNamed(names?: readonly string[]): Record<string, FaultKind> {
  if (names === undefined) return FAULT_KINDS;
  const out: Record<string, FaultKind> = {};
  for (const n of names) {
    const k = FAULT_KINDS[n];
    if (!k) throw new Error(`unknown fault kind ${JSON.stringify(n)} (known: ${Object.keys(FAULT_KINDS).join(', ')})`);
    out[n] = k;
  }
  // table order, not the order given: the same set of kinds draws the same schedule
  return Object.fromEntries(Object.keys(FAULT_KINDS).filter((n) => n in out).map((n) => [n, out[n] as FaultKind]));
}

export type SwarmPlan = { knobs: KindKnobs[]; faults: FaultSpec[] };

const MAX_FAULTS = 64; // a schedule longer than this is noise, and costly to shrink

/**
 * Draws seed `seed`'s knobs and fault schedule for scenario `s`. Fault times fall in
 * [0, horizon_us): the length of a fault-free run.
 */
export function swarmPlan(s: Scenario, seed: number, horizon_us: number, kinds: Record<string, FaultKind> = FAULT_KINDS): SwarmPlan {
  const rng = new RngStreams(seed).stream('swarm');
  const horizon = Math.max(horizon_us, GRAIN_US);
  // knobs first, for every kind, then the schedules: a seed's knobs do not depend on how many
  // faults another kind happened to draw
  const knobs: (KindKnobs & { make: FaultKind['make'] })[] = [];
  for (const [name, kind] of Object.entries(kinds)) {
    const on = rng.random() < 0.5;
    const rate = logUniform(rng, 0.5, 8);
    const all = kind.targets(s);
    const pick = all.map(() => rng.random() < 0.5);
    const fallback = rng.int(Math.max(all.length, 1));
    const params = kind.tune(rng, horizon);
    let targets = all.filter((_, i) => pick[i]);
    if (targets.length === 0 && all.length > 0) targets = [all[fallback] as string];
    if (on && targets.length > 0) knobs.push({ kind: name, rate, targets, params, make: kind.make });
  }
  const timed: { at_us: number; order: number; spec: FaultSpec }[] = [];
  for (const k of knobs) {
    // a Poisson process of occurrences over the horizon
    for (let t = rng.exp(horizon / k.rate); t < horizon; t += rng.exp(horizon / k.rate)) {
      const target = k.targets[rng.int(k.targets.length)] as string;
      for (const spec of k.make({ rng, at_us: grain(t), horizon_us: horizon, target, params: k.params })) {
        timed.push({ at_us: parseAt(spec.at), order: timed.length, spec });
      }
    }
  }
  timed.sort((a, b) => a.at_us - b.at_us || a.order - b.order);
  return { knobs: knobs.map(({ make: _make, ...k }) => k), faults: timed.slice(0, MAX_FAULTS).map((t) => t.spec) };
}

function parseAt(at: string): number {
  const m = /^([\d.]+)(s|ms|us)$/.exec(at);
  if (!m) return 0;
  const scale = m[2] === 's' ? 1_000_000 : m[2] === 'ms' ? 1000 : 1;
  return Math.round(Number(m[1]) * scale);
}

/** "crash on app2, redis (~2.3 per run, recover 60 %, downtime ~120ms)" */
export function describeKnobs(knobs: readonly KindKnobs[]): string {
  if (knobs.length === 0) return 'no fault kind enabled';
  return knobs
    .map((k) => {
      const p = Object.entries(k.params).map(([n, v]) =>
        n.endsWith('_us') ? `${n.slice(0, -3)} ~${formatDuration(grain(v))}` : v <= 1 ? `${n} ${Math.round(v * 100)}%` : `${n} ${Number(v.toPrecision(3))}`,
      );
      return `${k.kind} on ${k.targets.join(', ')} (~${k.rate.toFixed(1)} per run${p.length > 0 ? `, ${p.join(', ')}` : ''})`;
    })
    .join('; ');
}

/** A ready-to-paste `faults:` block, one flow map per line. */
export function faultsBlock(faults: readonly FaultSpec[]): string {
  if (faults.length === 0) return 'faults: []\n';
  return `faults:\n${faults.map((f) => `  - ${stringify(f, { collectionStyle: 'flow' }).trim()}\n`).join('')}`;
}
