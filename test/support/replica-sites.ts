// Two Redis instances a site link apart: the master in site 0, replica1 in site 1, one ticket hash
// written on both. Shared by the tests that cut the site link under replication (sites-replica) and
// under Sentinel (partition-minority); each builds its own clients on top.
import { Engine } from '../../src/engine/engine.js';
import { LoggedKeyspace } from '../../src/model/redis/logged-keyspace.js';
import { Background, Replication } from '../../src/model/redis/replication.js';
import type { ReplicationConfig, SentinelConfig } from '../../src/scenario/types.js';

/** A stream that always draws 0: every timer lands on round numbers. */
export const zeroStream = { int: (_n: number) => 0, random: () => 0 };

export interface ReplicaSitesOptions {
  link_latency_us: number;
  min_replicas_to_write: number;
  sentinel: SentinelConfig | null;
}

export function replicaSites(opts: ReplicaSitesOptions) {
  const engine = new Engine();
  const cfg: ReplicationConfig = {
    replicas: [{ name: 'replica1', link_latency_us: opts.link_latency_us, priority: 100, site: 'dc2' }],
    min_replicas_to_write: opts.min_replicas_to_write,
    min_replicas_max_lag_s: 1,
    sentinel: opts.sentinel,
    wait: null,
  };
  const ks = [new LoggedKeyspace(), new LoggedKeyspace()];
  ks[0].command(['HSET', 't', 'sold', '0']);
  ks[0].log.push({ at_us: 0, argv: ['HSET', 't', 'sold', '0'] });
  ks[1].copyFrom(ks[0]);
  const bg = new Background(engine);
  const repl = new Replication(engine, cfg, ['redis', 'replica1'], 100, ks, zeroStream as never, bg, 100_000);
  // `link.up` is the site link's state; an instance always reaches its own site.
  const link = { up: true };
  repl.placeInSites([0, 1], (a, b) => a === b || link.up, (a, b) => (a === b ? 0 : opts.link_latency_us));
  let n = 0;
  const at = (t_us: number, f: () => void) => engine.at(t_us, engine.register(`test.at${n++}`, f), 0);
  const endAt = (t_us: number) => engine.at(t_us, engine.register('test.end', () => {}), 0);
  return { engine, ks, bg, repl, link, at, endAt };
}
