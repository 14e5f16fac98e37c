import fc from 'fast-check';
import { ColumnCircle, ColumnPool, ColumnRing, Columns } from '../src/engine/columns.js';

const SPEC = { a: Float64Array, b: Int32Array, bits: Uint8Array };

describe('Columns', () => {
  test('growth doubles every column and keeps its contents, wide columns included', () => {
    const c = new Columns(SPEC, 4, { widths: { bits: 3 } });
    for (let i = 0; i < 4; i++) {
      c.cols.a[i] = i + 0.5;
      c.cols.b[i] = -i;
      for (let w = 0; w < 3; w++) c.cols.bits[i * 3 + w] = 10 * i + w;
    }
    c.grow();
    expect(c.capacity).toBe(8);
    expect(c.cols.a.length).toBe(8);
    expect(c.cols.bits.length).toBe(24);
    expect(Array.from(c.cols.a.subarray(0, 4))).toEqual([0.5, 1.5, 2.5, 3.5]);
    expect(Array.from(c.cols.b.subarray(0, 4))).toEqual([0, -1, -2, -3]);
    expect(Array.from(c.cols.bits.subarray(0, 12))).toEqual([0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32]);
  });

  test('onGrow hands over the new arrays', () => {
    let seen: Float64Array | null = null;
    const c = new Columns(SPEC, 2, { onGrow: (cols) => (seen = cols.a) });
    const before = c.cols.a;
    c.grow();
    expect(seen).toBe(c.cols.a);
    expect(seen).not.toBe(before);
  });
});

describe('ColumnRing', () => {
  test('entries leave in the order they came, across wrap-around and growth', () => {
    // true = push the next number, false = drop the head (when not empty)
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 400 }), (ops) => {
        const ring = new ColumnRing(SPEC, 2); // small, so it wraps and grows often
        const model: number[] = [];
        const out: number[] = [];
        const expected: number[] = [];
        let next = 0;
        for (const push of ops) {
          if (push) {
            const i = ring.pushSlot();
            ring.cols.a[i] = next + 0.25;
            ring.cols.b[i] = next;
            model.push(next++);
          } else if (ring.size > 0) {
            out.push(ring.cols.b[ring.head]);
            expect(ring.cols.a[ring.head]).toBe(ring.cols.b[ring.head] + 0.25);
            expected.push(model[0]);
            model.splice(0, 1);
            ring.drop();
          }
        }
        expect(out).toEqual(expected);
        expect(ring.size).toBe(model.length);
        expect(Array.from({ length: ring.size }, (_, k) => ring.cols.b[ring.slot(k)])).toEqual(model);
      }),
    );
  });

  test('a full, wrapped ring grows with its oldest entry at slot 0', () => {
    const ring = new ColumnRing(SPEC, 4);
    for (let v = 0; v < 4; v++) ring.cols.b[ring.pushSlot()] = v;
    ring.drop();
    ring.drop();
    ring.cols.b[ring.pushSlot()] = 4;
    ring.cols.b[ring.pushSlot()] = 5; // full again, head at slot 2
    const i = ring.pushSlot(); // grows: take the slot before reading `cols`
    ring.cols.b[i] = 6;
    expect(ring.capacity).toBe(8);
    expect(ring.head).toBe(0);
    expect(Array.from(ring.cols.b.subarray(0, ring.size))).toEqual([2, 3, 4, 5, 6]);
  });
});

describe('ColumnPool', () => {
  test('reuses the most recently freed slot first, else hands out a new one, as a stack would', () => {
    // n >= 0: alloc; n < 0: free the (-n)-th oldest slot in use
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -20, max: 3 }), { maxLength: 300 }), (ops) => {
        const pool = new ColumnPool(SPEC, 2);
        const free: number[] = [];
        let used = 0;
        const inUse: number[] = [];
        for (const op of ops) {
          if (op >= 0) {
            const s = pool.alloc();
            const want = free.length > 0 ? (free.pop() as number) : used++;
            expect(s).toBe(want);
            pool.cols.b[s] = s;
            inUse.push(s);
          } else if (inUse.length > 0) {
            const [s] = inUse.splice((-op - 1) % inUse.length, 1);
            expect(pool.cols.b[s]).toBe(s); // growth kept it
            pool.free(s);
            free.push(s);
          }
        }
        expect(pool.used).toBe(used);
        expect(pool.capacity).toBeGreaterThanOrEqual(used);
      }),
    );
  });
});

describe('ColumnCircle', () => {
  test('hands out the first free slot after the last one, growing at half full', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -20, max: 3 }), { maxLength: 300 }), (ops) => {
        const circle = new ColumnCircle(SPEC, 4);
        // the model: the request table's original search over its own `holds` column
        let cap = 4;
        let taken = new Uint8Array(cap);
        let cursor = 0;
        let live = 0;
        const inUse: number[] = [];
        for (const op of ops) {
          if (op >= 0) {
            if (live * 2 >= cap) {
              const t = new Uint8Array(cap * 2);
              t.set(taken);
              taken = t;
              cap *= 2;
            }
            let r = cursor;
            while (taken[r] !== 0) r = r + 1 === cap ? 0 : r + 1;
            cursor = r + 1 === cap ? 0 : r + 1;
            taken[r] = 1;
            live++;
            expect(circle.alloc()).toBe(r);
            circle.cols.b[r] = r + 1;
            inUse.push(r);
          } else if (inUse.length > 0) {
            const [s] = inUse.splice((-op - 1) % inUse.length, 1);
            expect(circle.cols.b[s]).toBe(s + 1); // growth kept it
            circle.release(s);
            taken[s] = 0;
            live--;
          }
          expect(circle.live).toBe(live);
          expect(circle.capacity).toBe(cap);
        }
      }),
    );
  });

  test('goes round the circle instead of reusing the slot just freed', () => {
    const circle = new ColumnCircle(SPEC, 8);
    expect([circle.alloc(), circle.alloc()]).toEqual([0, 1]);
    circle.release(0);
    expect(circle.alloc()).toBe(2);
    circle.release(1);
    circle.release(2);
    expect([circle.alloc(), circle.alloc(), circle.alloc()]).toEqual([3, 4, 5]);
    circle.release(3);
    circle.release(4);
    expect([circle.alloc(), circle.alloc(), circle.alloc()]).toEqual([6, 7, 0]); // 3 live of 8: no growth yet
    expect(circle.capacity).toBe(8);
  });
});
