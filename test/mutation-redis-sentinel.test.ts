// Sentinel where replication.test.ts stops short: two replicas (which one sentinelSelectSlave
// picks: replica-priority, 0 = never, then the replication offset, then the run id; the other
// replica reconfigured with SLAVEOF, parallel-syncs at a time), get-master-addr-by-name during
// the failover, and the old master turned into a replica when it comes back
// (+convert-to-slave). Times worked out by hand from sentinel.c as in replication.test.ts: a
// random stream that always draws 0 makes every Sentinel tick every 100 ms (hz 10), at the same
// instants, in index order; the master is killed at 2.5 s, so SDOWN 3.3 s, ODOWN 3.4, elected
// 3.5, SELECT_SLAVE 3.6, SLAVEOF NO ONE 3.7, and the INFO that shows the promotion at 4.5 s
// (INFO every second once ODOWN: 3.4, then the first tick more than 1 s later).
import { Engine } from '../src/engine/engine.js';
import { lookupCommand } from '../src/model/redis/keyspace.js';
import { LoggedKeyspace } from '../src/model/redis/logged-keyspace.js';
import { Background, Replication } from '../src/model/redis/replication.js';
import { Sentinels } from '../src/model/redis/sentinel.js';
import type { ReplicationConfig, SentinelConfig } from '../src/scenario/types.js';

const zero = { int: (_n: number) => 0, random: () => 0 };
const HINCRBY = lookupCommand('HINCRBY')!;
const SENTINEL: SentinelConfig = { sentinels: 3, quorum: 2, down_after_us: 1_000_000, failover_timeout_us: 5_000_000, parallel_syncs: 1 };

type Replica = { link_us?: number; priority?: number };

function setup(replicas: Replica[], end_us = 8_000_000) {
  const engine = new Engine();
  const cfg: ReplicationConfig = {
    replicas: replicas.map((r, i) => ({ name: `replica${i + 1}`, link_latency_us: r.link_us ?? 5_000, priority: r.priority ?? 100 })),
    min_replicas_to_write: 0,
    min_replicas_max_lag_s: 1,
    sentinel: SENTINEL,
    wait: null,
  };
  const ks = Array.from({ length: replicas.length + 1 }, () => new LoggedKeyspace());
  ks[0].command(['HSET', 't', 'sold', '0']);
  ks[0].log.push({ at_us: 0, argv: ['HSET', 't', 'sold', '0'] });
  for (let i = 1; i < ks.length; i++) ks[i].copyFrom(ks[0]);
  const bg = new Background(engine);
  const names = ['redis', ...cfg.replicas.map((r) => r.name)];
  const repl = new Replication(engine, cfg, names, 100, ks, zero as never, bg, 100_000);
  const seen = { promoted: [] as number[][], switched: [] as number[][], announced: [] as number[][] };
  const client = {
    promoted: (p: number) => {
      seen.promoted.push([engine.now_us, p]);
      repl.promote(p);
    },
    switched: (from: number, to: number) => seen.switched.push([engine.now_us, from, to]),
    announced: (i: number, to: number) => seen.announced.push([engine.now_us, i, to]),
  };
  const sentinels = new Sentinels(engine, SENTINEL, repl, client, zero, bg);
  engine.at(end_us, engine.register('test.end', () => {}), 0);
  let seq = 0;
  const at = (t_us: number, f: () => void) => engine.at(t_us, engine.register(`test.at.${seq++}`, f), 0);
  const write = () => {
    ks[0].now_us = engine.now_us;
    ks[0].exec(HINCRBY, ['HINCRBY', 't', 'sold', '1']);
    repl.wrote(0);
  };
  at(2_500_000, () => repl.kill(0));
  return { engine, repl, sentinels, seen, at, write, ks };
}

describe('sentinelSelectSlave with two replicas', () => {
  test('equal priority and offset: the smaller run id (name) wins; the other replica is reconfigured', () => {
    const { engine, repl, sentinels, seen, at } = setup([{}, {}]);
    const answers: number[][] = [];
    const who = () => answers.push([0, 1, 2].map((i) => sentinels.answer(i)));
    at(4_450_000, who);
    at(5_000_000, who);
    const masterOf2: number[] = [];
    at(4_550_000, () => masterOf2.push(repl.masterOf[2]));
    at(4_650_000, () => masterOf2.push(repl.masterOf[2]));
    engine.run();
    expect(seen.promoted).toEqual([[3_700_000, 1]]);
    expect(seen.switched).toEqual([[4_500_000, 0, 1]]);
    expect(sentinels.steps).toEqual({ sdown_us: 3_300_000, odown_us: 3_400_000, elected_us: 3_500_000, promoted_us: 4_500_000, end_us: 5_700_000 });
    // RECONF_SLAVES from 4.5 s: SLAVEOF to replica2 at the next tick (4.6); its INFO at 5.6 (the
    // first tick more than 1 s after the one at 4.5) shows it synced; the failover ends at 5.7
    expect(masterOf2).toEqual([0, 1]);
    expect(answers).toEqual([
      [0, 0, 0],
      [1, 1, 1], // the leader answers the promoted replica, and its forced hello moved the others
    ]);
    expect([sentinels.master, repl.masterOf[1], repl.masterOf[2], repl.online[2]]).toEqual([1, -1, 1, 1]);
    expect([0, 1, 2].map((i) => sentinels.hostOf(i))).toEqual([1, 2, 1]);
    expect([0, 1, 2].map((i) => sentinels.up(i))).toEqual([true, true, true]);
    repl.dark[2] = 1;
    expect([0, 1, 2].map((i) => sentinels.up(i))).toEqual([true, false, true]);
  });

  test('parallel-syncs 1: the other two replicas are reconfigured one after the other', () => {
    // replica2: SLAVEOF at 4.6 s, its INFO at 5.6 s shows it synced; replica3 then at 5.7 s (its
    // INFO at 5.6 s found it not yet reconfigured), its next INFO at 6.7 s; the end at 6.8 s
    const { engine, repl, sentinels, at } = setup([{}, {}, {}]);
    const masters: number[][] = [];
    for (const t of [4_650_000, 5_650_000, 5_750_000]) at(t, () => masters.push([repl.masterOf[2], repl.masterOf[3]]));
    engine.run();
    expect(masters).toEqual([
      [1, 0],
      [1, 0],
      [1, 1],
    ]);
    expect([sentinels.steps.promoted_us, sentinels.steps.end_us]).toEqual([4_500_000, 6_800_000]);
  });

  test('a lower replica-priority wins over the name', () => {
    const { engine, repl, seen } = setup([{}, { priority: 50 }]);
    engine.run();
    expect(seen.promoted).toEqual([[3_700_000, 2]]);
    expect(repl.masterOf[1]).toBe(2);
  });

  test('replica-priority 0 is never promoted', () => {
    const { engine, repl, seen } = setup([{ priority: 0 }, { priority: 200 }]);
    engine.run();
    expect(seen.promoted).toEqual([[3_700_000, 2]]);
    expect(repl.masterOf[1]).toBe(2);
  });

  test('at equal priority the larger offset (as its last INFO said) wins over the name', () => {
    // a write at 2.46 s reaches replica2 at 2.465 s; replica1's 60 ms link would land it at
    // 2.52 s, after the kill: the INFO at 3.4 s finds offsets 0 and 1
    const { engine, repl, seen, at, write } = setup([{ link_us: 60_000 }, {}]);
    at(2_460_000, write);
    engine.run();
    expect(seen.promoted).toEqual([[3_700_000, 2]]);
    expect(repl.offset(2)).toBe(1);
    // replica1 resyncs from replica2: a partial resync, its history is a prefix
    expect([repl.masterOf[1], repl.offset(1), repl.discarded]).toEqual([2, 1, 0]);
  });
});

describe('+convert-to-slave', () => {
  test('the old master back at 6.05 s is made a replica at the first INFO more than 8 s after it was seen', () => {
    // Seen again at the 6.1 s tick; INFO every 10 s outside a failover: 10.1 s (4 s up: too
    // soon), then 20.2 s (14.1 s up): SLAVEOF, and the full resync one round trip on its 60 ms
    // link later throws away the write the replica never got (sent at 2.46 s, due at 2.52 s)
    const { engine, repl, at, ks, write } = setup([{ link_us: 60_000 }], 21_000_000);
    at(2_460_000, write);
    at(6_050_000, () => repl.recover(0));
    const role: number[] = [];
    for (const t of [10_150_000, 20_150_000, 20_250_000]) at(t, () => role.push(repl.masterOf[0]));
    let sold: string | null = null;
    at(20_310_000, () => (sold = ks[0].hget('t', 'sold')));
    engine.run();
    expect(role).toEqual([-1, -1, 1]);
    expect(sold).toBe('1'); // the resync (2 x 60 ms after 20.2 s) has not landed yet
    expect(ks[0].hget('t', 'sold')).toBe('0');
    expect(repl.discarded).toBe(1);
  });
});

describe('a Sentinel that is down', () => {
  test('the two others fail over as three would; the dark one keeps the old master until a hello reaches it', () => {
    // Sentinels sit with replica1, replica2, replica1: replica2's site goes dark with its Sentinel
    // (1). Sentinel 2 plays the part Sentinel 1 had: ODOWN 3.4 s with 0's "down", 0's vote, elected
    // 3.5 s; replica2 is unreachable, so nothing is left to reconfigure after the promotion.
    const { engine, repl, sentinels, seen, at } = setup([{}, {}]);
    at(1_000_000, () => {
      repl.dark[2] = 1;
      repl.kill(2);
    });
    const answers: number[][] = [];
    at(5_000_000, () => answers.push([0, 1, 2].map((i) => sentinels.answer(i))));
    at(6_000_000, () => (repl.dark[2] = 0)); // the Sentinel runs again (its Redis stays down)
    // Sentinel 0's hellos: at 2, 4, 6 s (every 2 s); the one at 6 s, in the first tick after the
    // dark site is back, moves Sentinel 1
    at(5_999_999, () => answers.push([0, 1, 2].map((i) => sentinels.answer(i))));
    at(6_000_001, () => answers.push([0, 1, 2].map((i) => sentinels.answer(i))));
    engine.run();
    expect(seen.promoted).toEqual([[3_700_000, 1]]);
    expect(sentinels.steps).toEqual({ sdown_us: 3_300_000, odown_us: 3_400_000, elected_us: 3_500_000, promoted_us: 4_500_000, end_us: 4_600_000 });
    expect(answers).toEqual([
      [1, 0, 1],
      [1, 0, 1],
      [1, 1, 1],
    ]);
    expect(sentinels.master).toBe(1);
  });
});

describe('a failover that cannot reach its replica', () => {
  test('SLAVEOF NO ONE undeliverable for failover-timeout: aborted; the next try waits 2 x failover-timeout', () => {
    // replica1 dies at 3.65 s, after SELECT_SLAVE (3.6 s) and before SLAVEOF NO ONE (3.7 s). The
    // leader waits in SEND_SLAVEOF_NOONE until a tick more than 5 s after 3.6 s (8.7 s) and aborts;
    // replica1 is back at 9 s, but a new failover starts only 2 x 5 s after the last one (13.4 s):
    // elected 13.5, SELECT_SLAVE 13.6, SLAVEOF NO ONE 13.7 s
    const { engine, repl, sentinels, seen, at } = setup([{}], 15_000_000);
    at(3_650_000, () => repl.kill(1));
    at(9_000_000, () => repl.recover(1));
    engine.run();
    expect(seen.promoted).toEqual([[13_700_000, 1]]);
    expect(sentinels.steps.elected_us).toBe(3_500_000); // the record keeps the first failover's steps
    expect(sentinels.master).toBe(1);
  });
});

describe('a failover with no replica to promote', () => {
  test('aborted at SELECT_SLAVE; tried again 2 x failover-timeout after it started', () => {
    // replica1 down from 2 s to 4 s: at SELECT_SLAVE (3.6 s) none qualifies, so the failover is
    // aborted; every Sentinel started or voted at 3.4 s, so the next failover starts at 13.4 s
    // (Sentinel 0 first in tick order): elected 13.5, SLAVEOF NO ONE 13.7 s
    const { engine, repl, seen, at } = setup([{}], 15_000_000);
    at(2_000_000, () => repl.kill(1));
    at(4_000_000, () => repl.recover(1));
    engine.run();
    expect(seen.promoted).toEqual([[13_700_000, 1]]);
  });
});

describe('failovers that stall after SLAVEOF NO ONE', () => {
  test('the promoted replica dies before its INFO shows the promotion: aborted after failover-timeout, tried again', () => {
    // SLAVEOF NO ONE at 3.7 s, replica1 dies at 3.75 s: WAIT_PROMOTION until a tick more than 5 s
    // later (8.8 s), then aborted. Back at 9 s as a master nobody monitors; the next failover
    // (13.4 s, 2 x failover-timeout after 3.4 s) picks it again: SLAVEOF NO ONE at 13.7 s
    const { engine, repl, seen, at } = setup([{}], 15_000_000);
    at(3_750_000, () => repl.kill(1));
    at(9_000_000, () => repl.recover(1));
    engine.run();
    expect(seen.promoted).toEqual([
      [3_700_000, 1],
      [13_700_000, 1],
    ]);
  });

  test('a replica that dies before its SLAVEOF is not waited for: the failover ends at once', () => {
    const { engine, repl, sentinels, at } = setup([{}, {}]);
    at(4_550_000, () => repl.kill(2)); // after the promotion is seen (4.5 s), before the SLAVEOF (4.6 s)
    engine.run();
    expect([sentinels.steps.promoted_us, sentinels.steps.end_us, repl.masterOf[2]]).toEqual([4_500_000, 4_600_000, 0]);
  });
});
