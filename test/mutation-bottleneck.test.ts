// The bottleneck sentence's wording at its edges: each rate and time unit at the value where it
// takes over, several nodes of a tier (a share, not the cap of all sales), and a host's CPU.
import { findBottleneck, fmtRate, fmtServiceTime, REQUESTS, SALES } from '../src/metrics/bottleneck.js';
import { LoadBins } from '../src/model/shared/load-bins.js';
import type { NodeLoad } from '../src/metrics/tier-sections.js';

describe('rates and times at the edge of each unit', () => {
  test('k/s from 1000 (whole k from 10,000), plain from 10, two figures below, then one per so long', () => {
    expect([fmtRate(15_500, SALES), fmtRate(10_000, SALES), fmtRate(1000, SALES), fmtRate(999, SALES)]).toEqual(['16k/s', '10k/s', '1k/s', '999/s']);
    expect([fmtRate(123.4, REQUESTS), fmtRate(10, REQUESTS), fmtRate(9.96, REQUESTS)]).toEqual(['123 requests/s', '10 requests/s', '10 requests/s']);
    expect([fmtRate(0.1, SALES), fmtRate(0, SALES), fmtRate(0.099, SALES)]).toEqual(['0.1/s', '0/s', '1 sale per 10.1 s']);
  });

  test('µs below 1000, ms below a second, then s; three figures', () => {
    expect([fmtServiceTime(999.94), fmtServiceTime(1000), fmtServiceTime(123_456), fmtServiceTime(1e6), fmtServiceTime(12_345_678)]).toEqual([
      '999.9 µs',
      '1 ms',
      '123 ms',
      '1 s',
      '12.3 s',
    ]);
  });
});

/** One bin of 1 ms: each node's busy servers, queue and jobs done in it. */
function oneBin(tier: string, names: string[], servers: number, per: { busy: number; queue: number; done: number }[]): NodeLoad {
  const load = new LoadBins(names.length, 1000);
  per.forEach((p, node) => {
    load.credit(node, 0, 1000, p.busy, p.queue);
    for (let k = 0; k < p.done; k++) load.finished(node, 1);
  });
  return { tier, names, servers, series: load };
}

describe('the saturated sentence', () => {
  test('one node of several: what it serves, not a cap on all sales; the later node of two saturated ones', () => {
    // app2: 2 servers busy for 1 ms, 40 jobs: S = 2000 / 40 = 50 us, X max = 2 / 50 us = 40k/s;
    // L = 4000 / 1000 = 4, X = 40 / 1 ms = 40k/s, W = 4 / 40k = 0.1 ms
    const app = oneBin('app', ['app1', 'app2'], 2, [
      { busy: 2, queue: 0, done: 10 },
      { busy: 2, queue: 4, done: 40 },
    ]);
    expect(findBottleneck([app]).sentence).toBe(
      "Bottleneck: app2, 100 % busy from 0 to 1 ms; it serves at most 40k requests/s (2 servers / 50 µs each); 4 waiting on average, 0.1 ms each (Little's law)",
    );
  });

  test("a host's CPU: cores busy and runnable threads waiting, in the singular for one core", () => {
    const four = oneBin('host', ['h1'], 4, [{ busy: 4, queue: 2.5, done: 3 }]);
    expect(findBottleneck([four]).sentence).toBe(
      'Bottleneck: the CPU of host h1, 100 % of its 4 cores busy from 0 to 1 ms; 2.5 runnable threads waiting for a core on average, so every process on it runs slower',
    );
    const one = oneBin('host', ['h2'], 1, [{ busy: 1, queue: 0, done: 1 }]);
    expect(findBottleneck([one]).sentence).toBe(
      'Bottleneck: the CPU of host h2, 100 % of its 1 core busy from 0 to 1 ms; 0 runnable threads waiting for a core on average, so every process on it runs slower',
    );
  });
});
