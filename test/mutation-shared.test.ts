// The tiers' shared parts: service-time samplers and means, TCP retransmission on a lossy wire,
// a partition that holds a message until it heals, the drop and partition faults' log lines, and
// the reply ports. Expected values worked out by hand beside each check.
import { RngStream } from '../src/engine/rng.js';
import { transmitDelay_us } from '../src/model/shared/connectivity.js';
import { textTable, vec, weightSum, weightsLine } from '../src/model/shared/explain-format.js';
import { LoadBins } from '../src/model/shared/load-bins.js';
import { Port } from '../src/model/shared/port.js';
import { makeSampler, meanOf } from '../src/model/shared/service-time.js';
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';

/** A stream that answers random(), exp() and normal() from scripts. */
class Scripted extends RngStream {
  constructor(private readonly randoms: number[], private readonly exps: number[] = [], private readonly normals: number[] = []) {
    super('scripted', 1);
  }
  override random(): number {
    const v = this.randoms.shift();
    if (v === undefined) throw new Error('script: no random left');
    return v;
  }
  override exp(mean: number): number {
    const v = this.exps.shift();
    if (v === undefined) throw new Error('script: no exp left');
    return v * mean;
  }
  override normal(): number {
    const v = this.normals.shift();
    if (v === undefined) throw new Error('script: no normal left');
    return v;
  }
}

const Z_P99 = 2.3263478740408408;

describe('service times', () => {
  test('const rounds to whole microseconds', () => {
    expect(makeSampler({ kind: 'const', value_us: 300.6 }, new Scripted([]))()).toBe(301);
    expect(meanOf({ kind: 'const', value_us: 300.6 })).toBe(300.6);
  });

  test('exp: the stream draw at the mean, rounded', () => {
    // the script's exp answers (fraction x mean): 0.5 x 40 = 20, 1.26 x 40 = 50.4 -> 50
    const s = makeSampler({ kind: 'exp', mean_us: 40 }, new Scripted([], [0.5, 1.26]));
    expect([s(), s()]).toEqual([20, 50]);
    expect(meanOf({ kind: 'exp', mean_us: 40 })).toBe(40);
  });

  test('lognormal: median at z = 0, p99 at z = 2.326, mean e^(mu + sigma^2 / 2)', () => {
    // p99 = median x e^Z_P99: sigma = 1. z = 0 gives the median, z = Z_P99 the p99 (10240.47),
    // z = -1 median / e (367.88), z = 1 median x e (2718.28)
    const d = { kind: 'lognormal' as const, median_us: 1000, p99_us: 1000 * Math.exp(Z_P99) };
    const s = makeSampler(d, new Scripted([], [], [0, Z_P99, -1, 1]));
    expect([s(), s(), s(), s()]).toEqual([1000, 10240, 368, 2718]);
    expect(meanOf(d)).toBeCloseTo(1000 * Math.exp(0.5), 9); // 1648.72
    // sigma 2: the mean is 1000 e^(4 / 2) = 7389.06
    expect(meanOf({ ...d, p99_us: 1000 * Math.exp(2 * Z_P99) })).toBeCloseTo(1000 * Math.exp(2), 6);
  });

  test('lognormal with p99 not above the median is the median every time', () => {
    for (const p99_us of [1000, 900]) {
      const d = { kind: 'lognormal' as const, median_us: 1000, p99_us };
      const s = makeSampler(d, new Scripted([], [], [2, -2]));
      expect([s(), s()]).toEqual([1000, 1000]);
      expect(meanOf(d)).toBeCloseTo(1000, 9);
    }
  });
});

describe('transmitDelay_us: a lost segment waits an RTO, doubled each time', () => {
  test.each([
    [[0.5], 100], // the first try gets through (random >= loss)
    [[0.49, 0.5], 100 + 200],
    [[0.1, 0.1, 0.9], 100 + 200 + 400],
    [[0, 0, 0, 0, 0, 0, 0.7], 100 + 200 * 63], // six retransmissions: 1 + 2 + ... + 32 RTOs
    [[0, 0, 0, 0, 0, 0, 0, 0.7], -1], // seven tries lost: TCP gives up
  ])('randoms %j: %i us', (randoms, delay) => {
    expect(transmitDelay_us(100, 0.5, 200, new Scripted([...randoms]))).toBe(delay);
  });
});

describe('a partition holds a message until it heals', () => {
  const yaml = (faults: string) => `name: part
seed: 1
tickets: { inventory: 10, script: fixed }
users:
  load:
    open: { users: 1, rate: 1/s, shape: uniform }
  timeout: 0s
nginx:
  proxy_connect_timeout: 300s
  upstream:
    servers:
      - { name: app1, weight: 1 }
app:
  local_stock: [10]
faults:
${faults}`;

  test('a SYN into a partition arrives at the first retransmission after it heals', () => {
    // app1 cut off from 0 to 1.5 s. nginx sends the SYN at 1 ms: held. Retransmissions 1 s later
    // (1.001 s: still cut off) and 2 s after that (3.001 s: through). The sale then takes its
    // 2.75 - 1 ms less the user leg in: the user hears at 3001 + 1.75 = 3002.75 ms.
    const s = runScenario(parseScenario(yaml('  - { at: 0s, partition: [app1], for: 1.5s }\n'), 't.yaml')).report.summary;
    expect(s.requests.ok).toBe(1);
    expect(s.latency_ms.max).toBe(3002.75);
    expect(s.faults.map((f) => [f.at_ms, f.action, f.detail])).toEqual([
      [0, 'partition', 'app1 cut off'],
      [1500, 'partition ends', 'app1 reachable again'],
    ]);
  });

  test('drop: the log says how much is lost, and when it stops', () => {
    const s = runScenario(parseScenario(yaml('  - { at: 1s, drop: nginx1-app1, fraction: 0.1234, for: 1s }\n  - { at: 1s, drop: app1-redis, fraction: 0.5 }\n'), 't.yaml')).report.summary;
    expect(s.faults.map((f) => [f.at_ms, f.action, f.target, f.detail])).toEqual([
      [1000, 'drop', 'nginx1-app1', '12.3 % of packets lost'],
      [1000, 'drop', 'app1-redis', '50 % of packets lost'],
      [2000, 'drop ends', 'nginx1-app1', 'no more loss'],
    ]);
  });
});

describe('ports and explain tables', () => {
  test('a port is bound once, and used only once bound', () => {
    const p = new Port<number>('a -> b');
    expect(() => p.to).toThrow('internal error: a -> b is used before the stack is wired');
    p.bind(7);
    expect(p.to).toBe(7);
    expect(() => p.bind(8)).toThrow('a -> b is wired twice');
  });

  test('textTable pads each column to its widest cell, two spaces apart, no trailing blanks', () => {
    expect(textTable(['a', 'bbb'], [['xx', 'y'], ['z']])).toBe('a   bbb\n--  ---\nxx  y\nz\n');
    expect(vec([1, 2.5])).toBe('[1, 2.5]');
    expect(weightsLine({ names: ['p', 'q'], weights: [5, 1] })).toBe('p=5 q=1');
    expect(weightSum([5, 1, 1])).toBe(7);
  });
});

describe('LoadBins', () => {
  test('a bin width must be positive', () => {
    for (const w of [0, -1, Number.NaN]) expect(() => new LoadBins(1, w)).toThrow(`load bins: bin width must be positive, got ${w}`);
  });

  test('a span is split over the bins it crosses, per node', () => {
    // bins of 100 us, node 1 of 2, busy 2 and 1 waiting from 50 to 250 us: 50, 100 and 50 us
    const lb = new LoadBins(2, 100);
    lb.credit(1, 50, 250, 2, 1);
    expect(Array.from(lb.busy_us.subarray(0, 6))).toEqual([0, 100, 0, 200, 0, 100]);
    expect(Array.from(lb.queue_us.subarray(0, 6))).toEqual([0, 50, 0, 100, 0, 50]);
    expect(lb.used).toBe(3);
    // a span ending on a boundary adds nothing to the next bin
    lb.credit(0, 0, 200, 1, 0);
    expect([lb.busy_us[0], lb.busy_us[2], lb.busy_us[4]]).toEqual([100, 100, 0]);
  });

  test('an empty span, or nothing busy or waiting, writes nothing', () => {
    const lb = new LoadBins(1, 100);
    lb.credit(0, 150, 150, 1, 1);
    lb.credit(0, 150, 120, 1, 1);
    lb.credit(0, 100, 900, 0, 0);
    expect(lb.used).toBe(0);
    expect(lb.busy_us.some((v) => v !== 0) || lb.queue_us.some((v) => v !== 0)).toBe(false);
  });

  test('completions by bin; the arrays grow (by doubling) and keep what they hold; used never goes back', () => {
    // 64 bins at first: bin 123 of node 1 (of 2) is at 247, past the 128 values
    const lb = new LoadBins(2, 100);
    lb.credit(0, 0, 100, 1, 2);
    lb.finished(1, 12_345);
    lb.finished(1, 12_399);
    lb.finished(0, 250);
    expect(lb.done[123 * 2 + 1]).toBe(2);
    expect(lb.done[2 * 2]).toBe(1);
    expect(lb.used).toBe(124);
    expect(lb.busy_us.length).toBe(256);
    expect([lb.busy_us[0], lb.queue_us[0]]).toEqual([100, 200]);
    // far past the end: doubled as often as needed (bin 5000 of node 0: 10001 values -> 16384)
    lb.finished(0, 500_000);
    expect(lb.done[5000 * 2]).toBe(1);
    expect(lb.done.length).toBe(16384);
    expect(lb.used).toBe(5001);
  });

  test('a write just past the first 64 bins grows the arrays first', () => {
    // one node: bin 64 is value 64, the first past the 64 there are
    const lb = new LoadBins(1, 100);
    lb.finished(0, 6400);
    expect(lb.done[64]).toBe(1);
  });

  test('a tier without a station counts the requests it holds as its queue', () => {
    // held 1 from 100, 2 from 150, 1 from 250, 0 from 300: 50 + 200 + 50 job-us in bin 0
    const lb = new LoadBins(1, 1000);
    lb.hold(0, 1, 100);
    lb.hold(0, 1, 150);
    lb.hold(0, -1, 250);
    lb.hold(0, -1, 300);
    expect(lb.queue_us[0]).toBe(300);
    expect(lb.busy_us[0]).toBe(0);
  });
});
