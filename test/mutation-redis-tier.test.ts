// The Redis tier's pure part where faults.test.ts stops short: which RDB snapshot a crash finds,
// by redis.conf's `save` rules as serverCron checks them every 100 ms (hz 10; src/server.c: a
// rule fires when at least `changes` writes happened and `seconds` passed since the last save).
// Expected times worked out by hand.
import { describe, expect, test } from '@jest/globals';
import { lastSnapshot_us } from '../src/model/redis/redis.js';

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
