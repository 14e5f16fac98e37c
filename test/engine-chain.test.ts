// The engine's event chains (a lane for events scheduled one at a time in time order, such as the
// users' next arrival) and the lane heads the loop compares: every event still runs in (time, seq)
// order, wherever it waits. Orders worked by hand in the comments; the property runs from the
// fixed fast-check seed.
import fc from 'fast-check';
import { ColumnPool } from '../src/engine/columns.js';
import { Engine } from '../src/engine/engine.js';
import { LatencyHistogram } from '../src/metrics/histogram.js';
import { Metrics } from '../src/metrics/metrics.js';
import { OUTCOME_OK, OUTCOME_TIMEOUT } from '../src/metrics/outcomes.js';

describe('event chains', () => {
  test('a chain event keeps its seq among heap and lane events at the same time', () => {
    const e = new Engine();
    e.declareFixedDelay(4);
    const chain = e.declareChain();
    const seen: string[] = [];
    const names = ['heap-a', 'chain-b', 'lane-c', 'chain-d', 'heap-e', 'chain-f'];
    const k = e.register('t', (id) => seen.push(`${e.now_us}:${names[id]}`));
    const start = e.register('start', () => {
      // at 0, due at 4: heap (seq 1), chain (seq 2), lane (seq 3)
      e.at(4, k, 0);
      e.atInChain(chain, 4, k, 1);
      e.schedule(4, k, 2);
    });
    const later = e.register('later', () => {
      // at 2, due at 4 and 9: chain (seq 5), heap (seq 6), chain at 9 (seq 7)
      e.atInChain(chain, 4, k, 3);
      e.at(4, k, 4);
      e.atInChain(chain, 9, k, 5);
    });
    e.at(0, start, 0);
    e.at(2, later, 0);
    e.run();
    expect(seen).toEqual(['4:heap-a', '4:chain-b', '4:lane-c', '4:chain-d', '4:heap-e', '9:chain-f']);
  });

  test('an event earlier than the chain tail goes to the heap and still runs first', () => {
    const e = new Engine();
    const chain = e.declareChain();
    const seen: number[] = [];
    const k = e.register('t', (id) => seen.push(e.now_us * 100 + id));
    const start = e.register('start', () => {
      e.atInChain(chain, 8, k, 1);
      e.atInChain(chain, 5, k, 2); // before the tail (8): the heap
      e.atInChain(chain, 8, k, 3); // at the tail's time: the chain, after 1
    });
    e.at(0, start, 0);
    e.run();
    expect(seen).toEqual([502, 801, 803]);
  });

  test('a chain is declared before the events run, and refuses the past', () => {
    const e = new Engine();
    const declare = e.register('declare', () => e.declareChain());
    e.at(0, declare, 0);
    expect(() => e.run()).toThrow('event chain declared while events run');
    const chain = e.declareChain();
    const k = e.register('x', () => undefined);
    const late = e.register('late', () => e.atInChain(chain, 1, k, 0));
    e.at(3, late, 0);
    expect(() => e.run()).toThrow(/before now/);
  });

  test('schedule() never puts an event in a chain, whatever its delay', () => {
    const e = new Engine();
    const chain = e.declareChain();
    const seen: string[] = [];
    const k = e.register('t', (id) => seen.push(`${e.now_us}:${id}`));
    const start = e.register('start', () => {
      e.atInChain(chain, 10, k, 1);
      e.schedule(5, k, 2); // the heap, at 5: were it pushed behind the chain's 10, it would run at 10's turn
    });
    e.at(0, start, 0);
    e.run();
    expect(seen).toEqual(['5:2', '10:1']);
  });

  test('property: chains, lanes and the heap together run in (time, seq) order', () => {
    // each event: [how it is scheduled, due time]; times from a small range, so ties abound
    const how = fc.constantFrom('chain1', 'chain2', 'lane3', 'lane5', 'heap');
    fc.assert(
      fc.property(fc.array(fc.tuple(how, fc.integer({ min: 0, max: 12 })), { minLength: 1, maxLength: 200 }), (events) => {
        const e = new Engine();
        e.declareFixedDelay(3);
        e.declareFixedDelay(5);
        const c1 = e.declareChain();
        const c2 = e.declareChain();
        const seen: number[] = [];
        const due: number[] = [];
        const k = e.register('t', (id) => seen.push(id));
        // scheduled in two rounds (at 0 and at 1), so lanes empty and fill again around the others
        const round = e.register('round', (r) => {
          events.forEach(([h, t], i) => {
            if (i % 2 !== r) return;
            if (h === 'lane3' || h === 'lane5') {
              const d = h === 'lane3' ? 3 : 5;
              due[i] = e.now_us + d;
              e.schedule(d, k, i);
              return;
            }
            const at = Math.max(t, e.now_us);
            due[i] = at;
            if (h === 'heap') e.at(at, k, i);
            else e.atInChain(h === 'chain1' ? c1 : c2, at, k, i);
          });
        });
        e.at(0, round, 0);
        e.at(1, round, 1);
        e.run();
        // seq: round 0's events in index order, then round 1's
        const seqOf = (i: number) => (i % 2) * events.length + i;
        const want = events.map((_, i) => i).sort((a, b) => due[a] - due[b] || seqOf(a) - seqOf(b));
        expect(seen).toEqual(want);
      }),
    );
  });
});

describe('metrics on the answer path', () => {
  test('ended returns the bucket it recorded in, and recordIn adds exactly as record does', () => {
    const m = new Metrics(1000);
    // 1000 us: 64 + 3 * 32 + (1000 >> 4) - 32 = 190
    expect(m.ended(OUTCOME_OK, 1000, 5000)).toBe(190);
    expect(m.ended(OUTCOME_TIMEOUT, 70, 5000)).toBe(67); // 70 us: 64 + (70 >> 1) - 32 = 67
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (const v of [3, 70, 1000, 1000]) {
      a.record(v);
      b.recordIn(LatencyHistogram.bucketOf(v), v);
    }
    expect([b.count, b.sum_us, b.max_us, Array.from(b.counts)]).toEqual([a.count, a.sum_us, a.max_us, Array.from(a.counts)]);
    expect([m.latencyOk.counts[190], m.latencyKo.counts[67], m.latencyAll.count]).toEqual([1, 1, 2]);
  });

  test('the sell-out and last-answer times start unset and hold any time written', () => {
    const m = new Metrics(1000);
    expect([m.sellOut_us, m.lastResponse_us]).toEqual([-1, 0]);
    m.sellOut_us = 511_959;
    m.lastResponse_us = 2 ** 40 + 0.5; // past int32 and fractional: kept as written
    expect([m.sellOut_us, m.lastResponse_us]).toEqual([511_959, 2 ** 40 + 0.5]);
  });
});

describe('ColumnPool free list', () => {
  test('grows with the pool: every slot handed out can be freed, and they come back last freed first', () => {
    const pool = new ColumnPool({ x: Int32Array }, 2);
    const got = Array.from({ length: 5 }, () => pool.alloc()); // 0..4; the pool grows 2 -> 4 -> 8
    expect([got, pool.capacity]).toEqual([[0, 1, 2, 3, 4], 8]);
    for (const s of [3, 0, 4, 1, 2]) pool.free(s);
    // a stack: 2 (freed last), 1, 4, 0, 3, then the never-used 5
    expect(Array.from({ length: 6 }, () => pool.alloc())).toEqual([2, 1, 4, 0, 3, 5]);
  });
});
