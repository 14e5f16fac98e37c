import fc from 'fast-check';
import { Engine } from '../src/engine/engine.js';
import { Station } from '../src/model/shared/station.js';

describe('Station', () => {
  test('one server: jobs are served first come, first served', () => {
    const st = new Station(1, 1);
    expect(st.arrive(0, 7, 0)).toBe(true);
    expect(st.arrive(0, 3, 1)).toBe(false);
    expect(st.arrive(0, 9, 2)).toBe(false);
    expect(st.arrive(0, 1, 3)).toBe(false);
    expect(st.queued(0)).toBe(3);
    const order = [7];
    for (let job = st.finish(0, 7, 10); job >= 0; job = st.finish(0, job, 10)) order.push(job);
    expect(order).toEqual([7, 3, 9, 1]);
    expect(st.busyCount(0)).toBe(0);
    expect(st.queued(0)).toBe(0);
  });

  test('c servers: c jobs in service at once, the rest wait; a freed server takes the oldest waiting job', () => {
    const st = new Station(1, 3);
    expect([1, 2, 3, 4, 5].map((j) => st.arrive(0, j, 0))).toEqual([true, true, true, false, false]);
    expect(st.busyCount(0)).toBe(3);
    expect(st.queued(0)).toBe(2);
    expect(st.finish(0, 2, 5)).toBe(4); // any server finishing hands over to the head of the queue
    expect(st.busyCount(0)).toBe(3);
    expect(st.finish(0, 4, 6)).toBe(5);
    expect(st.finish(0, 1, 7)).toBe(-1);
    expect(st.busyCount(0)).toBe(2);
    expect(st.arrive(0, 6, 8)).toBe(true); // a server is free again
    expect(st.busyCount(0)).toBe(3);
  });

  test('the busy-time integral, worked out by hand', () => {
    // two servers: A at 0, B at 10, C at 20 waits; A done at 30 (C starts), B at 50, C at 70
    // busy count: 1 on [0,10), 2 on [10,50), 1 on [50,70): 10 + 80 + 20 = 110 server-us
    const [A, B, C] = [0, 1, 2];
    const st = new Station(1, 2);
    st.arrive(0, A, 0);
    st.arrive(0, B, 10);
    st.arrive(0, C, 20);
    expect(st.busyTime_us(0)).toBe(0); // credited as jobs leave service
    expect(st.finish(0, A, 30)).toBe(C);
    expect(st.busyTime_us(0)).toBe(30);
    // at 40: 1 x 10 + 2 x 30 = 70, of which A's 30 credited, B's 30 and C's 10 still running
    expect(st.busyTimeTo_us(0, 40)).toBe(70);
    expect(st.finish(0, B, 50)).toBe(-1);
    expect(st.finish(0, C, 70)).toBe(-1);
    expect(st.busyTime_us(0)).toBe(110);
    expect(st.busyTimeTo_us(0, 100)).toBe(110); // idle since 70
  });

  test('stations in one object are independent, and their queues grow together', () => {
    const st = new Station(3, 1, 2); // tiny rings, so growth happens with jobs waiting in each
    for (let j = 0; j < 40; j++) st.arrive(j % 3, j, j);
    expect([0, 1, 2].map((s) => st.busyCount(s))).toEqual([1, 1, 1]);
    expect([0, 1, 2].map((s) => st.queued(s))).toEqual([13, 12, 12]);
    for (let s = 0; s < 3; s++) {
      const order = [s];
      for (let job = st.finish(s, s, 100); job >= 0; job = st.finish(s, job, 100)) order.push(job);
      expect(order).toEqual(Array.from({ length: 40 }, (_, j) => j).filter((j) => j % 3 === s));
    }
  });

  test('matches a plain reference model for any sequence of arrivals and completions', () => {
    type Op = { station: number; arrive: boolean; pick: number };
    const op = fc.record({ station: fc.integer({ min: 0, max: 2 }), arrive: fc.boolean(), pick: fc.nat(10) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 300 }), (c, ops: Op[]) => {
        const st = new Station(3, c, 1);
        const inService: number[][] = [[], [], []];
        const waiting: number[][] = [[], [], []];
        let nextJob = 0;
        let t = 0;
        for (const o of ops) {
          t++;
          const s = o.station;
          if (o.arrive) {
            const job = nextJob++;
            const started = st.arrive(s, job, t);
            expect(started).toBe(inService[s].length < c);
            (started ? inService[s] : waiting[s]).push(job);
          } else if (inService[s].length > 0) {
            const i = o.pick % inService[s].length;
            const job = inService[s][i];
            inService[s].splice(i, 1);
            const head = waiting[s].shift();
            if (head !== undefined) inService[s].push(head);
            expect(st.finish(s, job, t)).toBe(head ?? -1);
          }
          expect(st.busyCount(s)).toBe(inService[s].length);
          expect(st.queued(s)).toBe(waiting[s].length);
        }
      }),
    );
  });

  test('kill drops the jobs in service and the waiting ones, and credits the busy time up to the kill', () => {
    const st = new Station(2, 2);
    st.arrive(1, 10, 0);
    st.arrive(1, 11, 5);
    st.arrive(1, 12, 6);
    st.arrive(1, 13, 7);
    st.arrive(0, 20, 0); // the other station is not touched
    expect(st.finish(1, 10, 8)).toBe(12); // servers now: 12 on server 0, 11 on server 1
    const gen = st.generation(1);
    const lost = Array.from(st.kill(1, 20));
    expect(lost).toEqual([12, 11, 13]); // in service by server, then waiting oldest first
    expect(st.busyCount(1)).toBe(0);
    expect(st.queued(1)).toBe(0);
    expect(st.generation(1)).toBe(gen + 1);
    expect(st.busyTime_us(1)).toBe(8 + 15 + 12); // 10 served 8, 11 cut at 15, 12 cut at 12
    expect(st.busyCount(0)).toBe(1);
    expect(st.generation(0)).toBe(0);
    expect(Array.from(st.kill(1, 30))).toEqual([]); // nothing left to lose
    expect(st.arrive(1, 14, 40)).toBe(true); // usable again after the restart
  });

  test('a completion scheduled before a kill is stale: the generation tells it apart', () => {
    // a one-thread server on the engine, built as the tiers are: the completion carries the generation
    const engine = new Engine();
    const st = new Station(1, 1);
    const done: number[] = [];
    const kDone = engine.register('test.done', (job, gen) => {
      if (gen !== st.generation(0)) return; // lost in a crash
      done.push(job);
      const next = st.finish(0, job, engine.now_us);
      if (next >= 0) engine.schedule(10, kDone, next, st.generation(0));
    });
    const kArrive = engine.register('test.arrive', (job) => {
      if (st.arrive(0, job, engine.now_us)) engine.schedule(10, kDone, job, st.generation(0));
    });
    const kKill = engine.register('test.kill', () => {
      st.kill(0, engine.now_us);
    });
    engine.at(0, kArrive, 1); // done at 10
    engine.at(5, kArrive, 2); // starts at 10, would be done at 20
    engine.at(15, kKill, 0);
    engine.at(16, kArrive, 2); // the same job number again: its old completion at 20 must not count
    engine.run();
    expect(done).toEqual([1, 2]);
    expect(engine.now_us).toBe(26); // the second job 2 finished at 16 + 10, not at 20
    expect(st.busyTime_us(0)).toBe(10 + 5 + 10);
  });

  test('assertions: a job that is not in service cannot finish, and nonsense is refused', () => {
    const st = new Station(2, 1);
    st.arrive(0, 1, 0);
    st.arrive(0, 2, 0); // waits
    expect(() => st.finish(0, 2, 1)).toThrow('station 0: job 2 finishes but is not in service there');
    expect(() => st.finish(1, 1, 1)).toThrow('station 1: job 1 finishes but is not in service there');
    st.kill(0, 2);
    expect(() => st.finish(0, 1, 3)).toThrow(/not in service/);
    expect(() => st.arrive(0, -1, 3)).toThrow(/not a job number/);
    expect(() => new Station(0, 1)).toThrow(/at least one station/);
    expect(() => new Station(1, 0)).toThrow(/at least one server/);
  });
});
