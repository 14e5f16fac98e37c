// Engine survivors of the mutation run, killed: the lane/heap merge and where events wait, a lane
// declared after events were scheduled, kind hashes kept across growth, fnv1a's exact values, the
// deadlines' dead-entry dropping and wake-up bookkeeping, and growth that must copy every column.
// A few checks read private fields by name (`e['queue']`): where an event waits or how big a
// buffer is changes no order, only speed and memory, and that is what they pin.
import { ColumnCircle, ColumnPool } from '../src/engine/columns.js';
import { DeadlineQueue } from '../src/engine/deadlines.js';
import { Engine, fnv1a } from '../src/engine/engine.js';
import { EventQueue } from '../src/engine/queue.js';
import { IntRing } from '../src/engine/ring.js';

/** An engine whose kind 'rec' records [entity, now] for every event it runs. */
function recorder(): { e: Engine; k: number; seen: [number, number][] } {
  const e = new Engine();
  const seen: [number, number][] = [];
  const k = e.register('rec', (entity) => seen.push([entity, e.now_us]));
  return { e, k, seen };
}

describe('lanes and the heap', () => {
  test('a lane that already holds an event keeps its head time when another is pushed', () => {
    const { e, k, seen } = recorder();
    e.declareFixedDelay(10);
    e.schedule(10, k, 1); // lane, at 10
    const kPush = e.register('push', () => e.schedule(10, k, 2)); // at 5: lane, at 15
    e.at(5, kPush, 0);
    e.at(12, k, 3); // heap, between the two lane events
    e.run();
    expect(seen).toEqual([
      [1, 10],
      [3, 12],
      [2, 15],
    ]);
  });

  test('a lane declared after events were scheduled in another keeps that lane\'s head', () => {
    const { e, k, seen } = recorder();
    e.declareFixedDelay(5);
    e.schedule(5, k, 1);
    e.declareFixedDelay(7);
    e.schedule(7, k, 2);
    e.run();
    expect(seen).toEqual([
      [1, 5],
      [2, 7],
    ]);
    expect(e.pending).toBe(0);
  });

  test('an event with a declared delay waits in its lane, not in the heap; a delay declared twice is one lane', () => {
    const e = new Engine();
    const k = e.register('x', () => undefined);
    e.declareFixedDelay(3);
    e.declareFixedDelay(4);
    e.declareFixedDelay(3);
    e.schedule(3, k, 0);
    e.schedule(4, k, 0);
    e.schedule(4, k, 0);
    e.schedule(6, k, 0);
    expect(e['lanes'].map((l) => [l.delay_us, l.size])).toEqual([
      [3, 1],
      [4, 2],
    ]);
    expect(e['queue'].size).toBe(1);
  });
});

describe('code run ahead', () => {
  test('what it schedules runs in the place of the event it saves, after what was scheduled before it', () => {
    const { e, k, seen } = recorder();
    const kStart = e.register('start', () => {
      e.schedule(5, k, 1);
      e.beginAhead(5); // as the handler of an event at 5 scheduled now
      e.schedule(0, k, 2);
      e.endAhead();
      e.schedule(5, k, 3); // scheduled after that event: runs before what its handler schedules
    });
    e.at(0, kStart, 0);
    e.run();
    expect(seen).toEqual([
      [1, 5],
      [3, 5],
      [2, 5],
    ]);
    // start, 1, the replay, 3, 2
    expect(e.events).toBe(5);
  });

  test('an absolute time scheduled ahead keeps its time; a negative or NaN lead is refused', () => {
    const { e, k, seen } = recorder();
    const kStart = e.register('start', () => {
      e.beginAhead(5);
      e.at(8, k, 1); // at 8, not 1 us after the replay
      e.endAhead();
    });
    e.at(0, kStart, 0);
    e.run();
    expect(seen).toEqual([[1, 8]]);
    expect(() => e.beginAhead(-1)).toThrow('negative or NaN lead -1');
    expect(() => e.beginAhead(Number.NaN)).toThrow('negative or NaN lead NaN');
  });

  test('nothing scheduled ahead: no replay event; the replay kind is the engine\'s first', () => {
    const e = new Engine();
    e.beginAhead(3);
    e.endAhead();
    expect([e.pending, e.now_us, e.kindName(0)]).toEqual([0, 0, 'engine.replay']);
  });
});

describe('kind hashes and fnv1a', () => {
  test('fnv1a gives the published FNV-1a 32-bit values', () => {
    // FNV-1a test vectors: "" 0x811c9dc5, "a" 0xe40c292c, "foobar" 0xbf9cf968
    expect([fnv1a(''), fnv1a('a'), fnv1a('foobar')]).toEqual([0x811c9dc5 | 0, 0xe40c292c | 0, 0xbf9cf968 | 0]);
  });

  test('a kind registered before the hash table grew keeps its hash', () => {
    const one = (extra: number): number => {
      const e = new Engine();
      const k = e.register('early', () => undefined);
      for (let i = 0; i < extra; i++) e.register(`k${i}`, () => undefined);
      e.at(3, k, 1, 2);
      e.run();
      return e.fingerprint;
    };
    let fp = 0x811c9dc5;
    for (const x of [3, fnv1a('early'), 1, 2]) fp = Math.imul(fp ^ x, 16777619);
    // 40 more kinds grow the table from 16 to 64: the early kind's event hashes the same
    expect([one(0), one(40)]).toEqual([fp >>> 0, fp >>> 0]);
  });
});

describe('DeadlineQueue', () => {
  /** Timeouts of 10 us; entities in `done` are dead; an expiry marks its entity done. */
  function deadlines(timeout_us = 10) {
    const { e, k, seen } = recorder();
    const done = new Set<number>();
    const fired: [number, number][] = [];
    const dq = new DeadlineQueue(
      e,
      'reads',
      timeout_us,
      (entity) => !done.has(entity),
      (entity) => {
        done.add(entity);
        fired.push([entity, e.now_us]);
      },
    );
    const kArm = e.register('arm', (entity) => dq.arm(entity, 0));
    const kDone = e.register('done', (entity) => done.add(entity));
    return { e, k, seen, dq, fired, kArm, kDone };
  }

  test('a timeout armed after the queue went quiet still fires', () => {
    const { e, fired, kArm } = deadlines();
    e.at(0, kArm, 1);
    e.at(20, kArm, 2); // entity 1 expired at 10; the ring is empty, its stale head dead
    e.run();
    expect(fired).toEqual([
      [1, 10],
      [2, 30],
    ]);
    // arm, wake, arm, wake
    expect(e.events).toBe(4);
  });

  test('arming drops the dead entries at the head and stops at the first live one', () => {
    const { e, dq, fired, kArm, kDone } = deadlines();
    let ringSize = -1;
    const kLook = e.register('look', () => (ringSize = dq['ring'].size));
    e.at(0, kArm, 1);
    e.at(3, kArm, 2);
    e.at(4, kDone, 1);
    e.at(5, kArm, 3); // drops 1 (dead), keeps 2 (live) and 3
    e.at(5, kLook, 0);
    e.run();
    expect(ringSize).toBe(2);
    expect(fired).toEqual([
      [2, 13],
      [3, 15],
    ]);
  });

  test('an expiry handler that arms a timeout gets one wake-up for it, not two', () => {
    const e = new Engine();
    const fired: [number, number][] = [];
    const during: boolean[] = [];
    const dq: DeadlineQueue = new DeadlineQueue(e, 'reads', 10, () => true, (entity) => {
      fired.push([entity, e.now_us]);
      during.push(dq.actsWithin(1000, 1001)); // a wake-up is under way: it may act any time
      if (entity === 1) dq.arm(2, 0);
    });
    const kArm = e.register('arm', (entity) => dq.arm(entity, 0));
    e.at(0, kArm, 1);
    e.run();
    expect(fired).toEqual([
      [1, 10],
      [2, 20],
    ]);
    expect(during).toEqual([true, true]);
    expect(dq.actsWithin(1000, 1001)).toBe(false);
    // arm, the wake-up at 10, the wake-up at 20
    expect(e.events).toBe(3);
  });

  test('a zero timeout: two armed at the same instant share one wake-up', () => {
    const { e, dq, fired } = deadlines(0);
    dq.arm(1, 0);
    dq.arm(2, 0);
    e.run();
    expect(fired).toEqual([
      [1, 0],
      [2, 0],
    ]);
    expect(e.events).toBe(1);
  });

  test('it may act within a span as long as its timeout, not within a shorter one', () => {
    const { e, dq } = deadlines();
    expect([dq.actsWithin(0, 10), dq.actsWithin(0, 9)]).toEqual([true, false]);
    dq.arm(1, 0); // a wake-up due at 10
    expect([dq.actsWithin(10, 12), dq.actsWithin(5, 10), dq.actsWithin(11, 12), dq.actsWithin(5, 9)]).toEqual([true, true, false, false]);
    expect(e.pending).toBe(1);
  });

  test('its wake-up kind is named after the queue, so two queues fit in one engine', () => {
    const e = new Engine();
    const before = e.register('before', () => undefined);
    new DeadlineQueue(e, 'reads', 10, () => true, () => undefined);
    new DeadlineQueue(e, 'connects', 10, () => true, () => undefined);
    expect([e.kindName(before + 1), e.kindName(before + 2)]).toEqual(['reads.timeout', 'connects.timeout']);
  });
});

describe('growth copies every column', () => {
  test('the event heap keeps kind, entity and arg of every event across growth', () => {
    const q = new EventQueue(2);
    for (let i = 0; i < 6; i++) q.push(60 - 10 * i, i, 10 + i, 20 + i, 30 + i);
    const out: number[][] = [];
    while (q.pop()) out.push([q.popped_time_us, q.popped_kind, q.popped_entity, q.popped_arg]);
    expect(out).toEqual([
      [10, 15, 25, 35],
      [20, 14, 24, 34],
      [30, 13, 23, 33],
      [40, 12, 22, 32],
      [50, 11, 21, 31],
      [60, 10, 20, 30],
    ]);
  });

  test('a pool grows only when every slot is used, and its free list grows without losing slots', () => {
    const pool = new ColumnPool({ x: Int32Array }, 2);
    const first = [0, 1, 2, 3, 4].map(() => pool.alloc());
    expect(first).toEqual([0, 1, 2, 3, 4]);
    expect(pool.capacity).toBe(8); // 2 -> 4 at the 3rd slot, 4 -> 8 at the 5th
    for (const s of first) pool.free(s); // the free list (2 long) grows twice
    expect(pool['freeSlots'].length).toBe(8);
    expect([0, 1, 2, 3, 4, 5].map(() => pool.alloc())).toEqual([4, 3, 2, 1, 0, 5]);
  });

  test('an int ring grows only when full', () => {
    const r = new IntRing(4);
    for (let v = 1; v <= 5; v++) r.push(v);
    expect(r['buf'].length).toBe(8);
    expect([1, 2, 3, 4, 5].map(() => r.shift())).toEqual([1, 2, 3, 4, 5]);
  });

  test('a circle searching past its last slot wraps to slot 0', () => {
    const c = new ColumnCircle({ x: Int32Array }, 4);
    const got: number[] = [];
    const take = (): number => {
      const s = c.alloc();
      got.push(s);
      return s;
    };
    const a = take();
    const b = take();
    c.release(a);
    c.release(b);
    const d = take(); // 2
    take(); // 3, stays live
    c.release(d);
    for (let i = 0; i < 3; i++) c.release(take()); // 0, 1, 2: the cursor ends at 3, which is taken
    take(); // the search passes slot 3 and wraps to 0
    expect(got).toEqual([0, 1, 2, 3, 0, 1, 2, 0]);
    expect(c.capacity).toBe(4);
  });
});
