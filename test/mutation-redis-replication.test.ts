// Replication where replication.test.ts stops short: the lag bins, the background timers' idle
// test, paths across sites, a replica restarted empty, a demoted master's full resync, promotion
// of a replica whose master is dead, WAIT's GETACK, and the good-replica count. Times worked out by
// hand as in replication.test.ts: a random stream that always draws 0 puts every cron at phase 0
// (crons at 0, 1, 2 ... s), the replica's link is 5 ms one way, the LAN 100 µs.
import { Engine } from '../src/engine/engine.js';
import { lookupCommand } from '../src/model/redis/keyspace.js';
import { LoggedKeyspace } from '../src/model/redis/logged-keyspace.js';
import { Background, LagBins, Replication } from '../src/model/redis/replication.js';
import type { ReplicationConfig } from '../src/scenario/types.js';

const zero = { int: (_n: number) => 0, random: () => 0 };
const HINCRBY = lookupCommand('HINCRBY')!;

function setup(opts: { replicas?: number; minReplicas?: number; maxLag_s?: number; wait?: boolean; end_us?: number } = {}) {
  const engine = new Engine();
  const n = opts.replicas ?? 1;
  const cfg: ReplicationConfig = {
    replicas: [
      { name: 'replica1', link_latency_us: 5_000, priority: 100 },
      { name: 'replica2', link_latency_us: 7_000, priority: 100 },
    ].slice(0, n),
    min_replicas_to_write: opts.minReplicas ?? 0,
    min_replicas_max_lag_s: opts.maxLag_s ?? 1,
    sentinel: null,
    wait: opts.wait ? { numreplicas: 1, timeout_us: 50_000 } : null,
  };
  const ks = Array.from({ length: n + 1 }, () => new LoggedKeyspace());
  ks[0].command(['HSET', 't', 'sold', '0']);
  ks[0].log.push({ at_us: 0, argv: ['HSET', 't', 'sold', '0'] });
  for (let i = 1; i <= n; i++) ks[i].copyFrom(ks[0]);
  const bg = new Background(engine);
  const names = ['redis', 'replica1', 'replica2'].slice(0, n + 1);
  const repl = new Replication(engine, cfg, names, 100, ks, zero as never, bg, 100_000);
  engine.at(opts.end_us ?? 2_000_000, engine.register('test.end', () => {}), 0);
  let seq = 0;
  const at = (t_us: number, f: () => void) => engine.at(t_us, engine.register(`test.at.${seq++}`, f), 0);
  const write = (m = 0) => {
    ks[m].now_us = engine.now_us;
    ks[m].exec(HINCRBY, ['HINCRBY', 't', 'sold', '1']);
    repl.wrote(m);
  };
  return { engine, repl, at, write, ks, bg };
}

describe('LagBins', () => {
  test('the largest lag per bin and node, carried over quiet bins, grown past 64 bins', () => {
    const lb = new LagBins(2, 100);
    lb.note(0, 50, 3);
    lb.note(0, 60, 1); // smaller: the bin keeps 3
    lb.note(1, 250, 2);
    lb.note(1, 299, 1);
    expect(lb.rows(400)).toEqual([
      [3, 0],
      [3, 0],
      [3, 2],
      [3, 2],
    ]);
    expect(lb.rows(0)).toEqual([[3, 0]]);
    expect(lb.rows(301)).toHaveLength(4);
    lb.note(0, 7_000, 5); // bin 70: capacity 64 -> 128
    lb.note(1, 7_050, 0);
    const rows = lb.rows(20_000); // 200 bins, past the capacity too
    expect(rows).toHaveLength(200);
    expect(rows[69]).toEqual([3, 2]);
    expect(rows[70]).toEqual([5, 0]);
    expect(rows[199]).toEqual([5, 0]);
    lb.note(1, 250, 4); // a larger lag in an old bin
    expect(lb.rows(300)[2]).toEqual([3, 4]);
  });
});

describe('Background', () => {
  test('idle when only background timers are pending; fired() takes one off', () => {
    const engine = new Engine();
    const bg = new Background(engine);
    const k = engine.register('bg.tick', () => bg.fired());
    const other = engine.register('fg', () => {});
    expect(bg.idle).toBe(true);
    bg.schedule(10, k, 0);
    expect(bg.idle).toBe(true);
    engine.at(5, other, 0);
    expect(bg.idle).toBe(false);
    engine.run({ until_us: 7 } as never);
    engine.run();
    expect(engine.pending).toBe(0);
    expect(bg.idle).toBe(true);
    bg.schedule(10, k, 0);
    bg.schedule(20, k, 0);
    expect(bg.idle).toBe(true);
  });
});

describe('paths between instances', () => {
  test('a replica reaches the master over its own link; replicas reach each other over the LAN or the site link', () => {
    const { repl } = setup({ replicas: 2 });
    expect([repl.pathLatency_us(0, 1), repl.pathLatency_us(2, 0), repl.pathLatency_us(1, 2), repl.pathLatency_us(2, 2)]).toEqual([5_000, 7_000, 100, 0]);
    repl.setLink(1, false);
    expect([repl.pathUp(0, 1), repl.pathUp(1, 0), repl.pathUp(1, 2), repl.pathUp(2, 0), repl.pathUp(1, 1)]).toEqual([false, false, true, true, true]);
    repl.setLink(1, true);
    let siteUp = true;
    repl.placeInSites([0, 1, 1], () => siteUp, (a, b) => 40_000 + a + 10 * b);
    expect([repl.pathLatency_us(1, 2), repl.pathLatency_us(0, 1)]).toEqual([100, 5_000]); // same site; 0 uses its link
    siteUp = false;
    expect([repl.pathUp(1, 2), repl.pathUp(0, 1), repl.pathUp(2, 0), repl.pathUp(2, 2)]).toEqual([true, false, false, true]);
    repl.placeInSites([0, 1, 2], () => siteUp, (a, b) => 40_000 + a + 10 * b);
    expect(repl.pathLatency_us(1, 2)).toBe(40_021);
    expect(repl.pathUp(1, 2)).toBe(false);
    repl.placeInSites([-1, 1, -1], () => false, () => 1);
    expect([repl.pathUp(1, 2), repl.pathLatency_us(1, 2)]).toEqual([true, 100]); // a site unknown: the LAN
    repl.kill(2);
    expect([repl.reachable(0, 2), repl.reachable(2, 0), repl.reachable(0, 1)]).toEqual([false, false, true]);
    expect(repl.online[2]).toBe(0); // its master saw the connection close
    repl.kill(0);
    expect(repl.online[0]).toBe(1); // a master has no master to see it go
  });
});

describe('resynchronisation', () => {
  test('a replica restarted empty resyncs one round trip later and gets everything again', () => {
    const { engine, repl, at, write, ks } = setup();
    at(1_000, write);
    at(2_000, write);
    at(10_000, () => repl.kill(1));
    at(11_000, write); // its master sees it offline: nothing is sent
    at(20_000, () => repl.recover(1));
    const seen: unknown[] = [];
    at(20_001, () => seen.push(repl.offset(1), repl.online[1]));
    at(29_999, () => seen.push(repl.offset(1)));
    at(30_001, () => seen.push(repl.offset(1), repl.online[1], repl.ackOff[1]));
    engine.run();
    expect(seen).toEqual([-1, 0, -1, 3, 1, 3]);
    expect(ks[1].hget('t', 'sold')).toBe('3');
    expect(repl.discarded).toBe(0);
  });

  test('an old master made to follow its promoted replica throws away its own writes (full resync)', () => {
    const { engine, repl, at, write, ks } = setup();
    at(1_000, () => repl.setLink(1, false));
    at(2_000, write);
    at(3_000, write); // the replica never gets these two
    let lost = -1;
    at(4_000, () => (lost = repl.promote(1)));
    at(5_000, () => write(1));
    at(6_000, () => repl.follow(0, 1)); // its link is down: no sync yet
    at(7_000, () => repl.setLink(1, true)); // not online: the stream does not resume, the cron resyncs
    const seen: unknown[] = [];
    at(1_009_999, () => seen.push(repl.discarded, ks[0].hget('t', 'sold'), repl.online[0]));
    at(1_010_001, () => seen.push(repl.online[0], repl.ackOff[0], repl.ackTime_s[0]));
    engine.run();
    expect(lost).toBe(2);
    expect(repl.cutOffMaster[0]).toBe(1); // alive when its replica was promoted
    // cron at 1 s: SLAVEOF's sync, 2 x 5 ms later: common prefix 1 of 3 entries
    expect(seen).toEqual([0, '2', 0, 1, 1, 1]);
    expect(repl.discarded).toBe(2);
    expect(ks[0].snapshot()).toEqual({ t: { sold: '1' } });
    expect(ks[0].log).toEqual(ks[1].log);
    expect([repl.masterOf[0], repl.masterOf[1]]).toEqual([1, -1]);
    expect(repl.lagOf(0)).toBe(0);
  });

  test('promoting a replica of a dead master: no cut-off master; promoting a master again loses nothing', () => {
    const { engine, repl, at, write, ks } = setup();
    at(100, write); // lands at 5.1 ms
    at(10_000, () => repl.setLink(1, false));
    at(11_000, write);
    at(20_000, () => repl.kill(0));
    let lost = -1;
    let again = -1;
    at(30_000, () => {
      ks[1].refuseWrites = true;
      lost = repl.promote(1);
      again = repl.promote(1);
    });
    engine.run();
    expect([lost, again, repl.cutOffMaster[0], ks[1].refuseWrites, repl.offset(1)]).toEqual([1, 0, 0, false, 1]);
    expect(repl.lagOf(1)).toBe(0);
  });
});

describe('acks', () => {
  test('with WAIT each applied write is acked at once (GETACK); without, only by the cron', () => {
    for (const wait of [true, false]) {
      const { engine, repl, at, write } = setup({ wait });
      const acked: number[] = [];
      repl.onAcked = (m) => acked.push(engine.now_us, m);
      at(1_000, write); // applied at 6 ms, acked at 11 ms with WAIT
      const off: number[] = [];
      at(10_999, () => off.push(repl.ackOff[1]));
      at(11_001, () => off.push(repl.ackOff[1]));
      engine.run();
      // the cron's acks: sent at 0, 1 and 2 s (the last cron, run after the end), heard 5 ms later
      expect(off).toEqual(wait ? [0, 1] : [0, 0]);
      const cron = [5_000, 0, 1_005_000, 0, 2_005_000, 0];
      expect(acked).toEqual(wait ? [...cron.slice(0, 2), 11_000, 0, ...cron.slice(2)] : cron);
    }
  });

  test('a replica is good while its last ack is at most max-lag whole seconds old', () => {
    const { engine, repl, at } = setup({ end_us: 5_000_000 });
    at(2_500_000, () => repl.setLink(1, false)); // last ack heard at 2.005 s (unixtime 2)
    const good: number[] = [];
    for (const t of [2_999_999, 3_999_999, 4_000_000]) at(t, () => good.push(repl.goodReplicas(0)));
    engine.run();
    expect(good).toEqual([1, 1, 0]);
    expect(repl.goodReplicas(1)).toBe(0); // nobody follows the replica
  });

  test('min-replicas-max-lag 0 turns the guard off whatever min-replicas-to-write says', () => {
    const { engine, repl, at, ks } = setup({ minReplicas: 1, maxLag_s: 0, end_us: 5_000_000 });
    at(500_000, () => repl.setLink(1, false));
    engine.run();
    expect(ks[0].refuseWrites).toBe(false);
  });
});
