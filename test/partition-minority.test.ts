// The inter-site link partitioned with the master in the minority, worked out by hand from
// redis/redis src/sentinel.c and src/replication.c (see the comments of src/model/redis/).
// Two sites 2 ms apart: the master in dc1 with Sentinel 0 beside it, the replica in dc2 with
// Sentinels 1 and 2. A stub random stream that always draws 0 puts every timer on round numbers:
// serverCron at hz 10 (ticks every 100 ms), every cron and ping phase 0, no failover desync.
// "dc1's client" writes every 100 ms, at x.x5 s (off the ticks), to the master Sentinel 0 names,
// as dc1's app servers do: they reach no other Sentinel while the link is cut.
import fc from 'fast-check';
import { lookupCommand, RedisError } from '../src/model/redis/keyspace.js';
import { Sentinels } from '../src/model/redis/sentinel.js';
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';
import type { SentinelConfig } from '../src/scenario/types.js';
import { replicaSites, zeroStream } from './support/replica-sites.js';
import { TICKET_HASH_KEY, TICKET_SOLD_FIELD } from '../src/scenario/inventory-scripts.js';
import type { Summary } from '../src/metrics/summary.js';

const HINCRBY = lookupCommand('HINCRBY')!;
const SENTINEL: SentinelConfig = { sentinels: 3, quorum: 2, down_after_us: 1_000_000, failover_timeout_us: 5_000_000, parallel_syncs: 1 };

function setup(minReplicas: number) {
  const { engine, ks, bg, repl, link, at, endAt } = replicaSites({ link_latency_us: 2_000, min_replicas_to_write: minReplicas, sentinel: SENTINEL });
  const seen = { slaveofNoOne_us: -1, lostAtPromotion: -1, announced: [] as [number, number, number][] };
  const client = {
    promoted: (p: number) => {
      seen.slaveofNoOne_us = engine.now_us;
      seen.lostAtPromotion = repl.promote(p);
    },
    switched: () => {},
    announced: (i: number, to: number) => seen.announced.push([engine.now_us, i, to]),
  };
  const sentinels = new Sentinels(engine, SENTINEL, repl, client, zeroStream, bg, Int32Array.from([0, 1, 1]));
  endAt(25_000_000);
  // dc1's client: one sale every 100 ms on the master Sentinel 0 names; [time, instance] of each accepted
  const accepted: [number, number][] = [];
  for (let t = 50_000; t < 25_000_000; t += 100_000) {
    at(t, () => {
      const m = sentinels.answer(0);
      if (repl.masterOf[m] >= 0) return; // -READONLY
      ks[m].now_us = engine.now_us;
      if (ks[m].exec(HINCRBY, ['HINCRBY', 't', 'sold', '1']) instanceof RedisError) return; // NOREPLICAS
      repl.wrote(m);
      accepted.push([engine.now_us, m]);
    });
  }
  const cut = (up: boolean) => {
    link.up = up;
    if (up) repl.resumeStreams();
  };
  return { engine, repl, sentinels, seen, at, accepted, cut, ks };
}

describe('the site link cut at 2.5 s, healed at 10.05 s: dc2 fails over, dc1 keeps selling on the old master', () => {
  const run = (minReplicas: number) => {
    const t = setup(minReplicas);
    t.at(2_500_000, () => t.cut(false));
    t.at(10_050_000, () => t.cut(true));
    const demoted: number[] = [];
    t.at(20_150_000, () => demoted.push(t.repl.masterOf[0]));
    t.at(20_250_000, () => demoted.push(t.repl.masterOf[0]));
    t.engine.run();
    return { ...t, demoted };
  };

  test('dc2 Sentinels: ping at 3.3 s unanswered -> SDOWN 4.4, ODOWN 4.5, elected 4.6, SLAVEOF NO ONE 4.8, promotion seen 5.6', () => {
    const { sentinels, seen } = run(0);
    // pings every second after the last pong: 1.1, 2.2 (answered), 3.3 (the link is cut): SDOWN when now - 3.3 > 1 s
    expect(seen.slaveofNoOne_us).toBe(4_800_000);
    // Sentinel 2 hears Sentinel 1's "down" at 4.4 and has the quorum at 4.5; it leads, Sentinel 1 votes for it
    // the leader (2) sees the promotion in the replica's INFO at 5.6 and Sentinel 1 moves with its forced hello;
    // Sentinel 0, alone in dc1, hears nothing until the link heals: the first hello after 10.05 s is
    // Sentinel 2's at 11.6 (it published at 5.6, 7.6, 9.6, every 2 s)
    expect(seen.announced).toEqual([
      [5_600_000, 2, 1],
      [5_600_000, 1, 1],
      [11_600_000, 0, 1],
    ]);
    expect(sentinels.master).toBe(1);
  });

  test('the failover steps', () => {
    const t = setup(0);
    t.at(2_500_000, () => t.cut(false));
    const steps: number[] = [];
    t.at(5_650_000, () => steps.push(t.sentinels.steps.sdown_us, t.sentinels.steps.odown_us, t.sentinels.steps.elected_us, t.sentinels.steps.promoted_us));
    t.engine.run();
    expect(steps).toEqual([4_400_000, 4_500_000, 4_600_000, 5_600_000]);
  });

  test('without min-replicas the old master takes every dc1 sale from 2.55 to 11.55 s (91), and throws them away at its demotion at 20.2 s', () => {
    const { repl, accepted, seen, demoted, ks } = run(0);
    const onOld = accepted.filter(([t, m]) => m === 0 && t > 2_500_000);
    expect(onOld.length).toBe(91);
    expect(onOld[onOld.length - 1][0]).toBe(11_550_000);
    expect(accepted.find(([t]) => t > 11_550_000)).toEqual([11_650_000, 1]); // then on the new master
    expect(seen.lostAtPromotion).toBe(23); // 2.55 .. 4.75 s: what the replica lacked at SLAVEOF NO ONE
    // Sentinel 1 reaches the old master from 10.1 s (INFO: role master, up since then); the next INFO,
    // 10 s later at 20.2, is past the 8 s wait: +convert-to-slave; the full resync one round trip later
    expect(demoted).toEqual([-1, 1]);
    expect(repl.cutOffMaster[0]).toBe(1);
    expect(repl.discarded).toBe(91);
    // 25 sales before the cut, then dc2's... none here: the new master's count is dc1's sales from 11.65 s on
    const after = accepted.filter(([t]) => t > 11_600_000).length;
    expect(ks[0].command(['HGET', 't', 'sold'])).toBe(String(25 + after));
  });

  test('min-replicas 1, max-lag 1: the last ACK arrives at 2.002 s (unixtime 2); the cron at 4 s finds 4 - 2 > 1: last write 3.95 s, 15 in the window', () => {
    const { repl, accepted } = run(1);
    const onOld = accepted.filter(([t, m]) => m === 0 && t > 2_500_000);
    expect(onOld.length).toBe(15);
    expect(onOld[onOld.length - 1][0]).toBe(3_950_000);
    expect(repl.discarded).toBe(15);
  });
});

// A small two-site sale, the site link cut at a random time for a random while; with
// min-replicas-to-write 1 and WAIT 1 no sale the old master confirms can be lost.
const SMALL = (cut_ms: number, for_ms: number, seed: number) => `name: small-partition
seed: ${seed}
tickets: { inventory: 600, script: fixed }
users:
  load: { open: { users: 2000, rate: 500/s } }
  timeout: 10s
nginx:
  instances: 2
  upstream: { servers: [{ name: app1 }, { name: app2 }] }
sites:
  - { name: dc1, weight: 1, nginx: [nginx1], servers: [app1] }
  - { name: dc2, weight: 1, nginx: [nginx2], servers: [app2] }
site_link: { latency: 2ms }
gslb: { ttl: 5s, interval: 1s, fall: 3, rise: 2 }
app:
  local_stock: { buffer: 2 }
  local_rollback: true
  concurrency: 4
  service_time: { exp: 30us }
  redis_read_timeout: 1s
  redis_connect_timeout: 1s
redis:
  site: dc1
  service_time: { const: 50us }
  replicas: [{ name: replica1, site: dc2 }]
  sentinel: { sentinels: 3, quorum: 2, down_after: 1s, failover_timeout: 10s, sites: [dc1, dc2, dc2] }
  min_replicas_to_write: 1
  min_replicas_max_lag: 1
  wait: { numreplicas: 1, timeout: 50ms }
faults:
  - { at: ${cut_ms}ms, down: dc1-dc2, for: ${for_ms}ms }
`;

const finalSold = (s: Summary): number => {
  const hash = s.tiers.redis.keyspace[TICKET_HASH_KEY];
  return typeof hash === 'object' ? Number(hash[TICKET_SOLD_FIELD]) : NaN;
};

describe('property: with min-replicas and WAIT no ticket is oversold, wherever the cut falls', () => {
  test('cuts from 0.2 to 1.5 s into the sale, 3 to 6 s long (long enough to fail over), random seeds (fixed fast-check seed)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 1500 }), fc.integer({ min: 3000, max: 6000 }), fc.integer({ min: 1, max: 1000 }), (cut_ms, for_ms, seed) => {
        const s = runScenario(parseScenario(SMALL(cut_ms, for_ms, seed), 'small.yaml')).report.summary;
        expect(s.tickets.oversold).toBe(0);
        // and it cannot come later: every sale a user was told of is counted by the final master
        // (it also counts the few written but short of WAIT), so however long the sale went on it
        // could never sell those tickets again
        expect(s.tickets.sold).toBeLessThanOrEqual(finalSold(s));
      }),
      { seed: 17, numRuns: 5 },
    );
  });

  test('and without WAIT the same cut oversells by the minority master\'s sales', () => {
    const s = runScenario(parseScenario(SMALL(1000, 3000, 1).replace('  wait: { numreplicas: 1, timeout: 50ms }\n', '').replace('  min_replicas_to_write: 1\n', ''), 'small.yaml')).report.summary;
    expect(s.tickets.oversold).toBeGreaterThan(0);
    expect(s.replication?.oversold_by_minority).toBe(s.tickets.oversold);
    expect(s.tickets.sold).toBeGreaterThan(finalSold(s));
  });
});

describe('redis.sentinel.sites', () => {
  const err = (text: string): string => {
    try {
      parseScenario(text, 'x.yaml');
      return 'no error';
    } catch (e) {
      return (e as Error).message;
    }
  };
  const base = (sites: string) => SMALL(1000, 1000, 1).replace('sites: [dc1, dc2, dc2]', `sites: ${sites}`);
  test('one known site per Sentinel, each running a Redis instance', () => {
    expect(err(base('[dc1, dc2]'))).toMatch(/redis\.sentinel\.sites: must name one site per Sentinel \(3\), got 2$/);
    expect(err(base('[dc1, dc2, dc3]'))).toMatch(/redis\.sentinel\.sites\[2\]: unknown site "dc3" \(sites: dc1, dc2\)$/);
    expect(err('redis:\n  replicas: [{ name: r1 }]\n  sentinel: { sentinels: 1, quorum: 1, sites: [dc1] }\n')).toBe('x.yaml:3: redis.sentinel.sites: needs sites: (Sentinels placed in data centres)');
    const noRedis = base('[dc1, dc2, dc2]').replace('replicas: [{ name: replica1, site: dc2 }]', 'replicas: [{ name: replica1, site: dc1 }]');
    expect(err(noRedis)).toMatch(/redis\.sentinel\.sites\[1\]: site "dc2" runs no Redis instance for the Sentinel to sit with/);
  });
});

// Sentinels all in dc2 (with the replica, the default placement): dc1's app server asks one of
// them, across the link. Cut at 1 s for 4 s: dc2 fails over and its +switch-master cannot reach
// dc1's client, whose connection to the old master never broke, so it sells there until the
// Sentinels turn the old master into a replica: they see it again at 5 s (INFO: role master), and
// their next INFO, 10 s later, is past the 8 s wait. Its next script gets -READONLY, its client
// dials, asks a Sentinel and moves.
const ALL_IN_DC2 = `name: all-in-dc2
seed: 1
tickets: { inventory: 100000, script: fixed }
users:
  load: { open: { users: 3000, rate: 100/s } }
nginx:
  instances: 2
  upstream: { servers: [{ name: app1 }, { name: app2 }] }
sites:
  - { name: dc1, nginx: [nginx1], servers: [app1] }
  - { name: dc2, nginx: [nginx2], servers: [app2] }
site_link: { latency: 3ms }
gslb: { ttl: 1s, interval: 1s, fall: 1, rise: 1 }
app: { service_time: { const: 20us }, redis_read_timeout: 1s, redis_connect_timeout: 1s }
redis:
  site: dc1
  service_time: { const: 50us }
  replicas: [{ name: replica1, site: dc2 }]
  sentinel: { sentinels: 3, quorum: 2, down_after: 1s }
faults:
  - { at: 1s, down: dc1-dc2, for: 4s }
`;

describe('a client that missed +switch-master: -READONLY moves it', () => {
  test('the old master takes dc1 sales until its demotion; then one READONLY reply and the client has moved', () => {
    const s = runScenario(parseScenario(ALL_IN_DC2, 'all-in-dc2.yaml')).report.summary;
    const r = s.replication!;
    expect(r.master).toBe('replica1');
    expect(r.instances.redis.role).toBe('replica');
    expect(r.readonly_replies).toBe(1); // app1 runs one request at a time: one script reaches the replica
    // dc1 sold on the old master from the cut until the demotion: 10 s (an INFO period) after the
    // heal at 5 s, plus a Sentinel tick and the resync's round trip
    expect(r.minority_last_write_ms).toBeGreaterThan(14_900);
    expect(r.minority_last_write_ms).toBeLessThan(15_300);
    expect(r.writes_discarded).toBe(r.minority_writes);
    // the inventory never runs out: the lost sales oversell nothing here
    expect(s.tickets.oversold).toBe(0);
  });
});
