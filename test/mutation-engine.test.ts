// Engine pieces that mutation testing found unexercised or held only loosely: the ring's random
// access and reset, the queue's reset, progress callbacks, error messages, always-on checks.
import { check, unreachable } from '../src/engine/assert.js';
import { ColumnCircle, ColumnRing, Columns } from '../src/engine/columns.js';
import { Engine, fnv1a } from '../src/engine/engine.js';
import { EventQueue } from '../src/engine/queue.js';
import { IntRing } from '../src/engine/ring.js';
import { RngStreams } from '../src/engine/rng.js';

describe('IntRing', () => {
  test('at(i) reads the i-th oldest value across wrap-around', () => {
    const r = new IntRing(4); // capacity 4
    for (const v of [1, 2, 3]) r.push(v);
    expect(r.shift()).toBe(1);
    expect(r.shift()).toBe(2);
    for (const v of [4, 5, 6]) r.push(v); // head at slot 2: 3, 4 | 5, 6 wrap to slots 0, 1
    expect([0, 1, 2, 3].map((i) => r.at(i))).toEqual([3, 4, 5, 6]);
    expect(r.length).toBe(4);
    r.push(7); // full: grows to 8 with the oldest at slot 0
    expect([0, 1, 2, 3, 4].map((i) => r.at(i))).toEqual([3, 4, 5, 6, 7]);
  });

  test('capacity rounds up to a power of two; clear empties it and starts again at slot 0', () => {
    const r = new IntRing(3); // rounds up to 4: four pushes fit without growing
    for (const v of [10, 20, 30, 40]) r.push(v);
    expect([r.shift(), r.shift()]).toEqual([10, 20]);
    r.clear();
    expect([r.length, r.shift()]).toEqual([0, -1]);
    r.push(50);
    expect([r.length, r.at(0), r.shift()]).toEqual([1, 50, 50]);
  });
});

describe('EventQueue', () => {
  test('clear empties it; a new push is the only event', () => {
    const q = new EventQueue(2);
    q.push(5, 0, 1, 2, 3);
    q.push(1, 1, 4, 5, 6);
    q.clear();
    expect([q.size, q.peekTime(), q.pop()]).toEqual([0, Infinity, false]);
    q.push(9, 2, 7, 8, 9);
    expect([q.size, q.peekTime(), q.peekSeq()]).toEqual([1, 9, 2]);
    expect(q.pop()).toBe(true);
    expect([q.popped_time_us, q.popped_kind, q.popped_entity, q.popped_arg]).toEqual([9, 7, 8, 9]);
  });

  test('equal times pop by sequence even when pushed in reverse', () => {
    const q = new EventQueue(1);
    for (let s = 5; s >= 0; s--) q.push(7, s, 0, s, 0);
    const out: number[] = [];
    while (q.pop()) out.push(q.popped_entity);
    expect(out).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('Engine', () => {
  test('progress is reported every progressEvery events with the clock and the count so far', () => {
    const e = new Engine();
    const k = e.register('tick', (n) => {
      if (n < 6) e.schedule(10, k, n + 1);
    });
    e.at(0, k, 0);
    const seen: [number, number][] = [];
    e.run({ progressEvery: 3, onProgress: (t, n) => seen.push([t, n]) });
    // 7 events at 0, 10, ..., 60: the 3rd (t 20) and the 6th (t 50)
    expect(seen).toEqual([
      [20, 3],
      [50, 6],
    ]);
    expect(e.events).toBe(7);
  });

  test('the events count is current when progress is reported, even without a callback', () => {
    const e = new Engine();
    let countAtFour = -1;
    const k = e.register('tick', (n) => {
      if (n === 4) countAtFour = e.events;
      if (n < 5) e.schedule(1, k, n + 1);
    });
    e.at(0, k, 0);
    e.run({ progressEvery: 2 });
    // reports after events 2 and 4: the handler of event 5 (n = 4) sees 4
    expect(countAtFour).toBe(4);
  });

  test('an unknown kind is named by its number; messages name the kind and the times', () => {
    const e = new Engine();
    const k = e.register('ping', () => undefined);
    expect([e.kindName(k), e.kindName(7)]).toEqual(['ping', 'kind7']);
    e.at(5, k, 0);
    e.run();
    expect(() => e.at(4, k, 0)).toThrow('event ping at 4 is before now (5)');
    expect(() => e.schedule(Number.NaN, 9, 0)).toThrow('negative or NaN delay NaN for kind9');
    expect(() => e.register('ping', () => undefined)).toThrow('event kind ping is registered twice');
  });

  test('more than 16 kinds keep their names and hashes', () => {
    const e = new Engine();
    const kinds = Array.from({ length: 40 }, (_, i) => e.register(`k${i}`, () => undefined));
    // numbered on from the engine's own kinds (its replay kind comes first)
    expect(kinds[39]).toBe(kinds[0] + 39);
    expect(e.kindName(kinds[39])).toBe('k39');
    // the fingerprint of one event of kind 39 at time 0, entity 1, arg 2, worked with fnv1a
    e.at(0, kinds[39], 1, 2);
    e.run();
    let fp = 0x811c9dc5;
    for (const x of [0, fnv1a('k39'), 1, 2]) fp = Math.imul(fp ^ x, 16777619);
    expect(e.fingerprint).toBe(fp >>> 0);
  });

  test('note() folds a value into the fingerprint in place', () => {
    const e = new Engine();
    e.note(5);
    expect(e.fingerprint).toBe(Math.imul(0x811c9dc5 ^ 5, 16777619));
  });

  test('pending counts the heap and the lanes', () => {
    const e = new Engine();
    e.declareFixedDelay(3);
    e.declareFixedDelay(3); // the same delay twice: one lane
    const k = e.register('x', () => undefined);
    e.schedule(3, k, 0);
    e.schedule(3, k, 1);
    e.schedule(4, k, 2);
    expect(e.pending).toBe(3);
    e.run({ until_us: 3 });
    expect([e.pending, e.now_us, e.events]).toEqual([1, 3, 2]);
  });
});

describe('RngStream', () => {
  test('int(n) is floor(random * n), exp is -mean * ln(1 - u), normals come in pairs', () => {
    const a = new RngStreams(7).stream('s');
    const b = new RngStreams(7).stream('s');
    const u1 = b.random();
    expect(a.int(10)).toBe(Math.floor(u1 * 10));
    const u2 = b.random();
    expect(a.exp(3)).toBeCloseTo(-3 * Math.log(1 - u2), 12);
    const u3 = b.random();
    const u4 = b.random();
    const r = Math.sqrt(-2 * Math.log(1 - u3));
    expect(a.normal()).toBeCloseTo(r * Math.cos(2 * Math.PI * u4), 12);
    expect(a.normal()).toBeCloseTo(r * Math.sin(2 * Math.PI * u4), 12); // the spare, no new draw
    expect(a.random()).toBe(b.random());
  });

  test('the same name gives the same stream object', () => {
    const s = new RngStreams(1);
    expect(s.stream('x')).toBe(s.stream('x'));
    expect(s.stream('x')).not.toBe(s.stream('y'));
  });
});

describe('assert', () => {
  test('check throws only when false, with the message built then', () => {
    let built = 0;
    const msg = () => {
      built++;
      return 'stock went negative';
    };
    check(true, msg);
    expect(built).toBe(0);
    expect(() => check(false, msg)).toThrow('internal error: stock went negative');
    expect(built).toBe(1);
  });

  test('unreachable names the value', () => {
    expect(() => unreachable({ kind: 'x' } as never)).toThrow('internal error: unhandled case {"kind":"x"}');
  });
});

describe('ColumnRing with a wide column', () => {
  test('a full, wrapped ring grows with every word of every entry in order, and says so once', () => {
    const grown: number[] = [];
    const ring = new ColumnRing({ a: Int32Array, b: Float64Array }, 4, { widths: { b: 2 }, onGrow: (c) => grown.push(c.b.length) });
    const put = (v: number) => {
      const i = ring.pushSlot();
      ring.cols.a[i] = v;
      ring.cols.b[2 * i] = 10 * v;
      ring.cols.b[2 * i + 1] = 10 * v + 1;
    };
    for (const v of [1, 2, 3, 4]) put(v);
    ring.drop();
    ring.drop(); // head at slot 2
    put(5);
    put(6); // slots 0, 1: full and wrapped (3, 4 | 5, 6)
    expect([ring.head, ring.size, ring.capacity]).toEqual([2, 4, 4]);
    put(7); // grows to 8: 3, 4, 5, 6 move to slots 0..3, 7 goes to slot 4
    expect(grown).toEqual([16]);
    expect([ring.head, ring.size, ring.capacity, ring.slot(4)]).toEqual([0, 5, 8, 4]);
    expect(Array.from(ring.cols.a.subarray(0, 5))).toEqual([3, 4, 5, 6, 7]);
    expect(Array.from(ring.cols.b.subarray(0, 10))).toEqual([30, 31, 40, 41, 50, 51, 60, 61, 70, 71]);
  });

  test('a plain Columns grows in place with wide columns kept whole', () => {
    const c = new Columns({ w: Uint16Array }, 2, { widths: { w: 3 } });
    c.cols.w.set([1, 2, 3, 4, 5, 6]);
    c.grow();
    expect([c.capacity, c.cols.w.length]).toEqual([4, 12]);
    expect(Array.from(c.cols.w)).toEqual([1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0]);
  });
});

describe('ColumnCircle', () => {
  test('after wrapping and growing, a taken slot is skipped: the taken marks survive growth', () => {
    const c = new ColumnCircle({ x: Int32Array }, 4);
    const got = [c.alloc(), c.alloc()]; // 0, 1
    c.release(0);
    c.release(1);
    got.push(c.alloc(), c.alloc()); // 2, 3: the cursor wraps to 0
    c.release(3);
    got.push(c.alloc()); // 0
    got.push(c.alloc()); // 2 live of 4: grows to 8 first (taken: 0 and 2), then slot 1
    expect(c.capacity).toBe(8);
    got.push(c.alloc()); // slot 2 is taken: 3
    expect(got).toEqual([0, 1, 2, 3, 0, 1, 3]);
    expect(c.live).toBe(4);
  });
});
