import { describe, expect, test } from '@jest/globals';
import { LoadBins } from '../src/model/shared/load-bins.js';
import { Station } from '../src/model/shared/station.js';
import { findBottleneck, fmtRate, fmtServiceTime, nodeRows, REQUESTS, SALES } from '../src/metrics/bottleneck.js';
import type { NodeLoad } from '../src/metrics/tier-sections.js';

const at = (a: Float64Array, bins: number) => Array.from(a.subarray(0, bins));

describe('per-bin load of a station', () => {
  // One server, bins of 100 us. Job 1 runs 50..150, job 2 waits 60..150 and runs 150..250.
  test('busy, queue and completions are integrated bin by bin', () => {
    const load = new LoadBins(1, 100);
    const st = new Station(1, 1, 4, load);
    expect(st.arrive(0, 1, 50)).toBe(true);
    expect(st.arrive(0, 2, 60)).toBe(false);
    expect(st.finish(0, 1, 150)).toBe(2);
    expect(st.finish(0, 2, 250)).toBe(-1);
    expect(load.used).toBe(3);
    expect(at(load.busy_us, 3)).toEqual([50, 100, 50]);
    expect(at(load.queue_us, 3)).toEqual([40, 50, 0]);
    expect(at(load.done, 3)).toEqual([0, 1, 1]);
  });

  test('a span ending on a bin boundary adds no bin after it, and a kill credits up to the kill', () => {
    const load = new LoadBins(2, 100);
    const st = new Station(2, 2, 4, load);
    st.arrive(1, 7, 0);
    st.arrive(1, 8, 0);
    st.finish(1, 7, 100); // two servers busy over bin 0
    st.kill(1, 130); // one busy 100..130, then nothing
    expect(load.used).toBe(2);
    expect(at(load.busy_us, 4)).toEqual([0, 200, 0, 30]);
    expect(at(load.done, 4)).toEqual([0, 0, 0, 1]);
  });

  test('a held request counts as queue (nginx)', () => {
    const load = new LoadBins(1, 100);
    load.hold(0, 1, 20);
    load.hold(0, 1, 70);
    load.hold(0, -1, 120);
    load.hold(0, -1, 220);
    expect(at(load.queue_us, 3)).toEqual([110, 120, 20]) // 1 x 50 + 2 x 30; 2 x 20 + 1 x 80; 1 x 20;
    expect(at(load.busy_us, 3)).toEqual([0, 0, 0]);
  });
});

describe('bottleneck by the utilisation law and Little\'s law', () => {
  const tier = (name: string, servers: number, busy: number[], queue: number[], done: number[]): NodeLoad => {
    const load = new LoadBins(1, 1000);
    busy.forEach((b, i) => load.credit(0, i * 1000, (i + 1) * 1000, b, queue[i]));
    done.forEach((d, i) => {
      for (let k = 0; k < d; k++) load.finished(0, i * 1000 + 1);
    });
    return { tier: name, names: [name], servers, series: load };
  };

  test('of two saturated nodes the downstream one is named, with S, X max = c/S and W = L/X', () => {
    // app: 1 server busy all 3 ms (it waits on Redis); redis: busy 2 of 3 ms, 40 jobs in them
    const app = tier('app', 1, [1, 1, 1], [5, 5, 5], [10, 10, 10]);
    const redis = tier('redis', 1, [1, 1, 0], [2, 2, 0], [20, 20, 0]);
    const b = findBottleneck([app, redis]);
    expect(b).toMatchObject({
      node: 'redis',
      saturated: true,
      busy_from_ms: 0,
      busy_to_ms: 2,
      utilization: 1,
      service_us: 50, // 2000 us busy / 40 jobs
      capacity_per_s: 20_000, // 1 / 50 us
      throughput_per_s: 20_000, // 40 jobs in 2 ms
      queue_mean: 2,
      wait_ms: 0.1, // 2 / 20,000 per s
    });
    expect(b.sentence).toBe("Bottleneck: redis, 100 % busy from 0 to 2 ms; sales capped at 20k/s (1 server / 50 µs each); 2 waiting on average, 0.1 ms each (Little's law)");
    const rows = nodeRows([app, redis]);
    expect(rows.slice(0, 2)).toEqual([
      { t_ms: 0, node: 'app', tier: 'app', busy: 1, queue: 5, done: 10 },
      { t_ms: 0, node: 'redis', tier: 'redis', busy: 1, queue: 2, done: 20 },
    ]);
  });

  test('a very slow server: its capacity reads in a unit that fits, never "0 requests/s"', () => {
    expect([fmtRate(20_000, SALES), fmtRate(1_734, REQUESTS), fmtRate(12.4, REQUESTS), fmtRate(0.5, REQUESTS), fmtRate(0.25, SALES)]).toEqual([
      '20k/s',
      '1.7k requests/s',
      '12 requests/s',
      '0.5 requests/s',
      '0.25/s',
    ]);
    expect([fmtRate(0.05, REQUESTS), fmtRate(1 / 90, SALES)]).toEqual(['1 request per 20 s', '1 sale per 90 s']);
    expect([fmtServiceTime(50), fmtServiceTime(575.66), fmtServiceTime(2500), fmtServiceTime(2_000_000)]).toEqual(['50 µs', '575.7 µs', '2.5 ms', '2 s']);
    // Redis at 2 s a command, 100 % busy over a 10 s bin: 5 commands
    const load = new LoadBins(1, 10_000_000);
    load.credit(0, 0, 10_000_000, 1, 3);
    for (let k = 0; k < 5; k++) load.finished(0, 1);
    expect(findBottleneck([{ tier: 'redis', names: ['redis'], servers: 1, series: load }]).sentence).toBe(
      "Bottleneck: redis, 100 % busy from 0 to 10000 ms; sales capped at 0.5/s (1 server / 2 s each); 3 waiting on average, 6000 ms each (Little's law)",
    );
  });

  test('no work at all: an empty node and a sentence that says so', () => {
    expect(findBottleneck([tier('app', 1, [0], [0], [0])])).toMatchObject({ node: '', saturated: false, sentence: 'No bottleneck: no node did any work' });
  });

  test('no node at 90 %: the busiest is named, not called a bottleneck', () => {
    const b = findBottleneck([tier('app', 2, [1, 0.5], [0, 0], [5, 2])]);
    expect(b.saturated).toBe(false);
    expect(b.sentence).toBe('No bottleneck: no node was 90 % busy; the busiest, app, peaked at 50 %');
  });
});
