// Redis replication and Sentinel, worked out by hand from redis/redis src/replication.c and
// src/sentinel.c (see the comments of src/model/redis/replication.ts and sentinel.ts).
// A stub random stream that always draws 0 makes every timer land on round numbers: serverCron
// at hz 10 (100 ms), every cron and ping phase 0, no failover desync.
import { Engine } from '../src/engine/engine.js';
import { lookupCommand } from '../src/model/redis/keyspace.js';
import { LoggedKeyspace } from '../src/model/redis/logged-keyspace.js';
import { Background, Replication } from '../src/model/redis/replication.js';
import { Sentinels } from '../src/model/redis/sentinel.js';
import { parseScenario } from '../src/scenario/load.js';
import type { ReplicationConfig, SentinelConfig } from '../src/scenario/types.js';

const zero = { int: (_n: number) => 0, random: () => 0 };
const HINCRBY = lookupCommand('HINCRBY')!;

function setup(opts: { link_us: number; minReplicas?: number; sentinel?: SentinelConfig }) {
  const engine = new Engine();
  const cfg: ReplicationConfig = {
    replicas: [{ name: 'replica1', link_latency_us: opts.link_us, priority: 100 }],
    min_replicas_to_write: opts.minReplicas ?? 0,
    min_replicas_max_lag_s: 1,
    sentinel: opts.sentinel ?? null,
    wait: null,
  };
  const ks = [new LoggedKeyspace(), new LoggedKeyspace()];
  ks[0].command(['HSET', 't', 'sold', '0']);
  ks[0].log.push({ at_us: 0, argv: ['HSET', 't', 'sold', '0'] });
  ks[1].copyFrom(ks[0]);
  const bg = new Background(engine);
  const repl = new Replication(engine, cfg, ['redis', 'replica1'], 100, ks, zero as never, bg, 100_000);
  const seen: Record<string, number> = {};
  const client = {
    promoted: (p: number) => {
      seen.slaveofNoOne_us = engine.now_us;
      seen.lost = repl.promote(p);
    },
    switched: () => {
      seen.switched_us = engine.now_us;
    },
  };
  const sentinels = opts.sentinel ? new Sentinels(engine, opts.sentinel, repl, client, zero, bg) : null;
  // one ordinary event far ahead keeps the background timers going until then
  const kEnd = engine.register('test.end', () => {});
  engine.at(20_000_000, kEnd, 0);
  const at = (t_us: number, f: () => void) => {
    const k = engine.register(`test.at${t_us}.${Math.random()}`, f);
    engine.at(t_us, k, 0);
  };
  const write = () => {
    ks[0].now_us = engine.now_us;
    ks[0].exec(HINCRBY, ['HINCRBY', 't', 'sold', '1']);
    repl.wrote(0);
  };
  return { engine, repl, sentinels, seen, at, write, ks };
}

const SENTINEL: SentinelConfig = { sentinels: 3, quorum: 2, down_after_us: 1_000_000, failover_timeout_us: 5_000_000, parallel_syncs: 1 };

describe('Sentinel timing (sentinel.c), 3 Sentinels, quorum 2, down-after 1000 ms, hz 10', () => {
  // Pings go out when the last pong is older than 1000 ms: at 1.1, 2.2, 3.3 s (ticks every 100 ms).
  test('master killed at 2.5 s: SDOWN 3.3, ODOWN 3.4, elected 3.5, SLAVEOF NO ONE 3.7, promotion seen 4.5, end 4.6', () => {
    const { engine, repl, sentinels, seen, at } = setup({ link_us: 5_000, sentinel: SENTINEL });
    at(2_500_000, () => repl.kill(0));
    engine.run();
    // last pong 2.2 s, link reset by the kill: SDOWN at the first tick with now - last_avail_time > 1 s
    expect(sentinels!.steps.sdown_us).toBe(3_300_000);
    // Sentinel 1 (second in tick order) hears Sentinel 0's "down" at 3.3 and reaches quorum at its next tick
    expect(sentinels!.steps.odown_us).toBe(3_400_000);
    // it starts the failover at 3.4 and asks for votes after its state machine ran: it wins at 3.5
    expect(sentinels!.steps.elected_us).toBe(3_500_000);
    expect(seen.slaveofNoOne_us).toBe(3_700_000); // SELECT_SLAVE at 3.6, SEND_SLAVEOF_NOONE at 3.7
    // INFO to the replica every second once ODOWN: at 3.4, then at the first tick more than 1 s later
    expect(sentinels!.steps.promoted_us).toBe(4_500_000);
    expect(seen.switched_us).toBe(4_500_000);
    expect(sentinels!.steps.end_us).toBe(4_600_000); // no other replica to reconfigure: +switch-master
    expect(sentinels!.master).toBe(1);
  });

  test('replication link cut at 2.5 s (master alive): a pending ping counts, so SDOWN waits for the ping at 3.3 s: 4.4', () => {
    const { engine, repl, sentinels, seen, at } = setup({ link_us: 5_000, sentinel: SENTINEL });
    at(2_500_000, () => repl.setLink(1, false));
    engine.run();
    // act_ping_time = 3.3 s (the first ping after the last pong at 2.2 s); SDOWN when now - 3.3 > 1 s
    expect(sentinels!.steps.sdown_us).toBe(4_400_000);
    expect(sentinels!.steps.odown_us).toBe(4_500_000);
    expect(sentinels!.steps.elected_us).toBe(4_600_000);
    expect(seen.slaveofNoOne_us).toBe(4_800_000);
    expect(sentinels!.steps.promoted_us).toBe(5_600_000);
  });

  test('a master back before down-after is never failed over', () => {
    const { engine, repl, sentinels, at } = setup({ link_us: 5_000, sentinel: SENTINEL });
    at(2_500_000, () => repl.kill(0));
    at(3_000_000, () => (repl.alive[0] = 1));
    engine.run();
    expect(sentinels!.steps.sdown_us).toBe(-1);
    expect(sentinels!.master).toBe(0);
  });
});

describe('replication offsets and the lost-write window (replication.c)', () => {
  test('writes at 0, 10, 20, 30 ms, 5 ms link cut at 22 ms, promotion at 40 ms: the replica has 2, 2 are lost', () => {
    const { engine, repl, at, write, ks } = setup({ link_us: 5_000 });
    const offsets: number[] = [];
    for (const t of [0, 10_000, 20_000, 30_000]) at(t, write);
    for (const t of [4_000, 5_000, 16_000, 24_000]) at(t, () => offsets.push(repl.offset(1)));
    at(22_000, () => repl.setLink(1, false));
    let lost = -1;
    at(40_000, () => (lost = repl.promote(1)));
    engine.run();
    // the write at 0 lands at 5 ms (events at one time run in the order scheduled: the check at 5 ms first)
    expect(offsets).toEqual([0, 0, 2, 2]); // the write at 20 ms was on the wire when the link went down
    expect(repl.offset(0)).toBe(4);
    expect(repl.offset(1)).toBe(2);
    expect(lost).toBe(2);
    expect(ks[1].command(['HGET', 't', 'sold'])).toBe('2');
  });

  test('a link that heals resumes the stream from where the replica stopped', () => {
    const { engine, repl, at, write } = setup({ link_us: 5_000 });
    at(0, () => repl.setLink(1, false));
    for (const t of [1_000, 2_000, 3_000]) at(t, write);
    const seen: number[] = [];
    at(9_000, () => seen.push(repl.offset(1)));
    at(10_000, () => repl.setLink(1, true));
    at(14_999, () => seen.push(repl.offset(1)));
    at(15_001, () => seen.push(repl.offset(1))); // the resent writes land at 10 + 5 ms
    engine.run();
    expect(seen).toEqual([0, 0, 3]);
  });

  test('min-replicas-max-lag 1: acks stop at 1.5 s (last one heard at 1.005 s, unixtime 1); writes refused from the cron at 3 s', () => {
    const { engine, repl, at, ks } = setup({ link_us: 5_000, minReplicas: 1 });
    const refused: [number, boolean][] = [];
    for (const t of [1_999_999, 2_000_001, 2_999_999, 3_000_001]) at(t, () => refused.push([t, ks[0].refuseWrites]));
    at(1_500_000, () => repl.setLink(1, false));
    engine.run();
    // refreshGoodSlavesCount at 2 s: 2 - 1 <= 1, good; at 3 s: 3 - 1 > 1, none good
    expect(refused).toEqual([
      [1_999_999, false],
      [2_000_001, false],
      [2_999_999, false],
      [3_000_001, true],
    ]);
    expect(ks[0].command(['HGET', 't', 'sold'])).toBe('0');
    expect(ks[0].exec(HINCRBY, ['HINCRBY', 't', 'sold', '1'])).toMatchObject({ message: 'NOREPLICAS Not enough good replicas to write.' });
  });
});

describe('scenario keys', () => {
  const err = (text: string): string => {
    try {
      parseScenario(text, 'x.yaml');
      return 'no error';
    } catch (e) {
      return (e as Error).message;
    }
  };
  test('Sentinel needs replicas; replica names are node names; the quorum fits the Sentinels', () => {
    expect(err('redis:\n  sentinel: { sentinels: 3 }\n')).toBe('x.yaml:2: redis.sentinel: needs redis.replicas (Sentinel promotes a replica)');
    expect(err('redis:\n  replicas:\n    - { name: app1 }\n')).toBe('x.yaml:3: redis.replicas[0].name: "app1" already names another node');
    expect(err('redis:\n  replicas: [{ name: r1 }]\n  sentinel: { sentinels: 2, quorum: 3 }\n')).toBe('x.yaml:3: redis.sentinel.quorum: must be at most sentinels (2)');
  });

  test('a replica is a node kill takes, its replication link one down takes; without replicas neither exists', () => {
    const s = parseScenario('redis:\n  replicas: [{ name: r1, link_latency: 3ms }]\nfaults:\n  - { at: 1s, kill: r1 }\n  - { at: 1s, down: r1-redis }\n', 'x.yaml');
    expect(s.redis.replication?.replicas).toEqual([{ name: 'r1', link_latency_us: 3000, priority: 100 }]);
    expect(s.faults.map((f) => f.action)).toEqual(['kill', 'down']);
    expect(parseScenario('name: plain\n', 'x.yaml').redis.replication).toBeUndefined();
    expect(err('faults:\n  - { at: 1s, kill: r1 }\n')).toMatch(/unknown node "r1"/);
  });
});
