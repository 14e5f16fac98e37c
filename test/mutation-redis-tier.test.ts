// The Redis tier's pure part where faults.test.ts stops short: which RDB snapshot a crash finds,
// by redis.conf's `save` rules as serverCron checks them every 100 ms (hz 10; src/server.c: a
// rule fires when at least `changes` writes happened and `seconds` passed since the last save).
// Expected times worked out by hand. And the tier's summary: tiers.redis, the replication section
// and the terminal's lines, from counters and a replication state set by hand.
import { Engine } from '../src/engine/engine.js';
import { RedisCounters } from '../src/model/redis/counters.js';
import { LoggedKeyspace } from '../src/model/redis/logged-keyspace.js';
import { lastSnapshot_us } from '../src/model/redis/redis.js';
import { Background, Replication } from '../src/model/redis/replication.js';
import { redisSections, replicationLines, replicationSection, replicationSkeleton, scriptErrorLines } from '../src/model/redis/summary.js';
import type { ReplicationConfig } from '../src/scenario/types.js';

describe('lastSnapshot_us', () => {
  test('a write at a cron tick counts at that tick; a crash at a tick comes before it', () => {
    expect(lastSnapshot_us([1_000_000], [[1, 1]], 1_000_001)).toBe(1_000_000);
    expect(lastSnapshot_us([1_000_000], [[1, 1]], 1_000_000)).toBe(0); // the 1 s tick never ran
    expect(lastSnapshot_us([1_000_001], [[1, 1]], 1_150_000)).toBe(1_100_000);
  });

  test('seconds are a lower bound (>=) and changes too: 300 s and 10 writes', () => {
    const ten = Array.from({ length: 10 }, (_, i) => 50_000 + i);
    const rules: [number, number][] = [
      [900, 1],
      [300, 10],
      [60, 10_000],
    ];
    expect(lastSnapshot_us(ten, rules, 301_000_000)).toBe(300_000_000);
    expect(lastSnapshot_us(ten.slice(1), rules, 301_000_000)).toBe(0); // 9 writes: only 900 s would do
    expect(lastSnapshot_us(ten.slice(1), rules, 901_000_000)).toBe(900_000_000);
  });

  test('after a snapshot only the writes since count, and the seconds run from it', () => {
    // save 2 2: writes at 0.1, 0.2 s -> the 2 s tick saves both; writes at 2.5 s and 3.9 s: two
    // more by 3.9 s, but 2 s after the last save only at 4.0 s
    const writes = [100_000, 200_000, 2_500_000, 3_900_000];
    expect(lastSnapshot_us(writes, [[2, 2]], 3_999_999)).toBe(2_000_000);
    expect(lastSnapshot_us(writes, [[2, 2]], 4_000_001)).toBe(4_000_000);
    expect(lastSnapshot_us(writes.slice(0, 3), [[2, 2]], 10_000_000)).toBe(2_000_000); // one change since
  });
});

describe('tiers.redis and the replication section', () => {
  test('redisSections: counters as they are, the first error\'s count and time, utilization to 4 places', () => {
    const c = new RedisCounters(100_000);
    Object.assign(c, { commands: 10, scriptOk: 6, scriptRefused: 1, scriptErrors: 3, scriptStopped: 1, lost: 2, busy_us: 123_456, maxQueue: 4, writesLost: 5, grantRepliesLost: 7 });
    c.firstError = 'ERR boom';
    c.firstError_us = 1_234_567;
    c.errorMessages.set('ERR boom', 2);
    c.errorMessages.set('ERR other', 1);
    const end = { keyspace: { t: { sold: '6' } }, ticketHash: { sold: 6, total: 10 } };
    const s = redisSections(c, end, 1_000_000, ['redis', 'replica1']);
    expect(s.redis).toEqual({
      commands: 10,
      script_ok: 6,
      script_refused: 1,
      script_errors: 3,
      script_stopped: 1,
      first_script_error: 'ERR boom',
      first_script_error_count: 2,
      first_script_error_ms: 1234.567,
      lost: 2,
      utilization: 0.1235,
      writes_lost: 5,
      max_queue: 4,
      keyspace: { t: { sold: '6' } },
    });
    expect([c.load.nodes, c.load.bin_us, new RedisCounters(50_000, 3).load.nodes]).toEqual([1, 100_000, 3]);
    expect([s.ticketHash, s.grantRepliesLost, s.load.tier, s.load.names, s.load.servers, s.load.series]).toEqual([
      { sold: 6, total: 10 }, 7, 'redis', ['redis', 'replica1'], 1, c.load,
    ]);
    const clean = redisSections(new RedisCounters(100_000), end, 1_000_000);
    expect([clean.redis.first_script_error, clean.redis.first_script_error_count, clean.redis.first_script_error_ms, clean.load.names]).toEqual([null, 0, null, ['redis']]);
  });

  test('scriptErrorLines: none without errors; the stopped count only when some were', () => {
    const base = redisSections(new RedisCounters(100_000), { keyspace: {}, ticketHash: { sold: 0, total: 0 } }, 1).redis;
    expect(scriptErrorLines(base)).toEqual([]);
    const r = { ...base, script_errors: 3, script_stopped: 0, first_script_error: 'ERR x', first_script_error_ms: 12.5, first_script_error_count: 2 };
    expect(scriptErrorLines(r)).toEqual(['  SCRIPT ERRORS: 3 calls failed, answered "sold out"; first at 12.5 ms (2x): ERR x']);
    expect(scriptErrorLines({ ...r, script_stopped: 1 })).toEqual([
      '  SCRIPT ERRORS: 3 calls failed (1 stopped by the model\'s limits), answered "sold out"; first at 12.5 ms (2x): ERR x',
    ]);
  });

  function replication() {
    const engine = new Engine();
    const cfg: ReplicationConfig = {
      replicas: [{ name: 'replica1', link_latency_us: 5_000, priority: 100 }],
      min_replicas_to_write: 0,
      min_replicas_max_lag_s: 1,
      sentinel: null,
      wait: null,
    };
    const ks = [new LoggedKeyspace(), new LoggedKeyspace()];
    ks[0].log.push({ at_us: 0, argv: ['HSET', 't', 'sold', '0'] });
    ks[1].copyFrom(ks[0]);
    return new Replication(engine, cfg, ['redis', 'replica1'], 100, ks, { int: () => 0 } as never, new Background(engine), 100_000);
  }

  test('replicationSection: oversell split between the script and failovers, lag rows, instances', () => {
    const r = replication();
    // the master took 3 client writes, the replica got 1, then it was promoted
    for (let k = 0; k < 3; k++) r.ks[0].log.push({ at_us: k, argv: ['HINCRBY', 't', 'sold', '1'] });
    r.ks[1].log.push(r.ks[0].log[1]);
    r.clientWrites = 3;
    r.lag.note(1, 50_000, 2);
    r.lag.note(1, 150_000, 1);
    r.masterOf[1] = -1;
    r.masterOf[0] = 1;
    r.alive[0] = 0;
    r.discarded = 2;
    r.ks[1].writesRefused = 4;
    r.failovers.push({ lost_us: 1_000_000, switched_us: 3_500_500, from: 0, to: 1, lostWrites: 2, steps: { sdown_us: 2_000_000, odown_us: 2_100_000, elected_us: -1, promoted_us: 3_400_000 } });
    const t = { granted: 12, inventory: 10, hashSold: 11, waitShort: 6, readOnly: 8, minority: { writes: 5, sold: 3, last_us: 2_500_250 } };
    const { summary, rows } = replicationSection(r, 1, t, 200_000);
    // oversold 12 - 10 = 2, the final master's hash says 11: 1 is the script's, 1 the failovers'
    expect(summary).toEqual({
      master: 'replica1',
      writes: 3,
      lost_writes: 2, // 3 - the final master's offset 1
      oversold_by_failover: 1,
      minority_writes: 5,
      minority_last_write_ms: 2500.25,
      oversold_by_minority: 1,
      writes_discarded: 2,
      readonly_replies: 8,
      writes_refused: 4,
      wait_short: 6,
      failover_ms: 2500.5,
      failovers: [
        { from: 'redis', to: 'replica1', at_ms: 3500.5, failover_ms: 2500.5, sdown_ms: 2000, odown_ms: 2100, elected_ms: null, promoted_ms: 3400, lost_writes: 2 },
      ],
      instances: {
        redis: { role: 'replica', offset: 3, lag_writes_max: 0, alive: false },
        replica1: { role: 'master', offset: 1, lag_writes_max: 2, alive: true },
      },
    });
    expect(rows).toEqual([
      { t_ms: 0, node: 'redis', lag_writes: 0 },
      { t_ms: 0, node: 'replica1', lag_writes: 2 },
      { t_ms: 100, node: 'redis', lag_writes: 0 },
      { t_ms: 100, node: 'replica1', lag_writes: 1 },
    ]);
    // the hash gone (NaN): all of the oversell is the failovers'; a failover whose loss time is unknown
    r.failovers[0] = { ...r.failovers[0], lost_us: -1 };
    const gone = replicationSection(r, 1, { ...t, hashSold: NaN, granted: 9, minority: { writes: 0, sold: 0, last_us: -1 } }, 100_000).summary;
    expect([gone.oversold_by_failover, gone.oversold_by_minority, gone.minority_last_write_ms, gone.failover_ms, gone.failovers[0].failover_ms]).toEqual([0, 0, null, null, null]);
    expect(replicationSection(r, 1, { ...t, hashSold: NaN }, 100_000).summary.oversold_by_failover).toBe(2);
  });

  test('replicationSection of a run without failovers: replicas that follow instance 0, times of 0 ms kept', () => {
    const r = replication();
    r.failovers.push({ lost_us: 0, switched_us: 1_000, from: 0, to: 1, lostWrites: 0, steps: { sdown_us: 0, odown_us: 0, elected_us: 0, promoted_us: 0 } });
    const t = { granted: 0, inventory: 10, hashSold: 0, waitShort: 0, readOnly: 0, minority: { writes: 0, sold: 0, last_us: 0 } };
    const one = replicationSection(r, 0, t, 100_000).summary;
    expect([one.failover_ms, one.minority_last_write_ms, one.failovers[0].failover_ms, one.failovers[0].sdown_ms]).toEqual([1, 0, 1, 0]);
    expect(one.instances).toEqual({
      redis: { role: 'master', offset: 0, lag_writes_max: 0, alive: true },
      replica1: { role: 'replica', offset: 0, lag_writes_max: 0, alive: true },
    });
    r.failovers.length = 0;
    expect(replicationSection(r, 0, t, 100_000).summary.failover_ms).toBeNull();
  });

  test('the skeleton and the terminal lines', () => {
    const sk = replicationSkeleton(['redis', 'replica1', 'replica2']);
    expect(sk.rows).toEqual([]);
    expect(sk.summary.master).toBe('redis');
    expect(sk.summary.instances).toEqual({
      redis: { role: 'master', offset: 0, lag_writes_max: 0, alive: true },
      replica1: { role: 'replica', offset: 0, lag_writes_max: 0, alive: true },
      replica2: { role: 'replica', offset: 0, lag_writes_max: 0, alive: true },
    });
    expect(replicationLines(undefined)).toEqual([]);
    expect(replicationLines(sk.summary)).toEqual([
      '  replication: 0 writes, 0 lost (not on the final master, redis); oversold by failover 0; refused: 0 NOREPLICAS, 0 short of WAIT',
    ]);
    const f = { from: 'redis', to: 'replica1', at_ms: 3500.5, failover_ms: null, sdown_ms: 2000, odown_ms: 2100, elected_ms: 2200, promoted_ms: 3400, lost_writes: 2 };
    const busy = { ...sk.summary, minority_writes: 5, minority_last_write_ms: 2500.25, writes_discarded: 4, oversold_by_minority: 1, failovers: [f] };
    expect(replicationLines(busy).slice(1)).toEqual([
      '  minority master: 5 writes taken while cut off from its promoted replica (the last at 2500.25 ms), 4 thrown away when it resynced; oversold by them 1',
      '  failover redis -> replica1 at 3500.5 ms, ? ms after the master was lost (sdown 2000, odown 2100, elected 2200, promotion seen 3400 ms); 2 writes the replica never got',
    ]);
  });
});
