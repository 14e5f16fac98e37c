// validate:real's wake-up measurement: reading wake-ups and ab's CPU from what the kernel and the
// shell print, and the fit CPU = c x requests + w x wake-ups, worked by hand.
import { wakeupsFromStatus } from '../tools/real-stack/cpu-proc.js';
import { abCpuFromShell } from '../tools/real-stack/one-box.js';
import { fitWakeups, replyTurnFit, wakeRejected, type Window } from '../tools/real-stack/wakeups.js';

test('wake-ups are the voluntary context switches of /proc/PID/status', () => {
  const status = 'Name:\tnode\nThreads:\t7\nvoluntary_ctxt_switches:\t1873\nnonvoluntary_ctxt_switches:\t402\n';
  expect(wakeupsFromStatus(status)).toBe(1873);
  expect(wakeupsFromStatus('Name:\tx\n')).toBe(0);
});

test("ab's CPU is the children's line of bash's `times` after ABTIMES", () => {
  const out = 'Requests per second: 5000\nABWAKEUPS 2109\nABTIMES\n0m0.002s 0m0.001s\n0m0.611s 0m0.104s\n';
  expect(abCpuFromShell(out)).toBe(715_000);
  expect(abCpuFromShell('ABTIMES\n0m0.000s 0m0.000s\n1m2.500s 0m0.250s\n')).toBe(62_750_000);
  expect(() => abCpuFromShell('no times here')).toThrow(/printed no times/);
});

test('two points give c and w exactly; a third on the same line has no residual', () => {
  // c = 80 us per request, w = 200 us per wake-up:
  //   100 requests, 50 wake-ups: 8000 + 10000 = 18000 us; 400 requests, 100 wake-ups: 32000 + 20000 = 52000 us
  const p = (requests: number, wakeups: number, cpu_us: number) => ({ proc: 'app', run: 'x', requests, wakeups, cpu_us });
  const two = fitWakeups([p(100, 50, 18_000), p(400, 100, 52_000)]);
  expect(two?.cost_us).toBeCloseTo(80, 9);
  expect(two?.wake_us).toBeCloseTo(200, 9);
  const three = fitWakeups([p(100, 50, 18_000), p(400, 100, 52_000), p(1000, 10, 82_000)]);
  expect(three?.residuals.map((r) => r.predicted_us - r.point.cpu_us).every((d) => Math.abs(d) < 1e-6)).toBe(true);
  // the same wake-ups per request everywhere: c and w cannot be told apart
  expect(fitWakeups([p(100, 50, 18_000), p(200, 100, 36_000)])).toBeNull();
  expect(fitWakeups([p(100, 50, 18_000)])).toBeNull();
});

test('off-line points pull the fit by their weight: 1 / requests on the CPU', () => {
  // points (x requests, z wake-ups, y CPU): (1, 0, 1), (1, 1, 3), (2, 1, 5). Weighted normal equations, k = 1 / x:
  //   xx = 1 + 1 + 2 = 4, xz = 0 + 1 + 1 = 2, zz = 0 + 1 + 0.5 = 1.5, xy = 1 + 3 + 5 = 9, zy = 0 + 3 + 2.5 = 5.5
  //   det = 4 x 1.5 - 2 x 2 = 2; c = (9 x 1.5 - 5.5 x 2) / 2 = 1.25; w = (4 x 5.5 - 2 x 9) / 2 = 2
  // (unweighted it would be c = 4/3)
  const p = (requests: number, wakeups: number, cpu_us: number) => ({ proc: 'app', run: 'x', requests, wakeups, cpu_us });
  const fit = fitWakeups([p(1, 0, 1), p(1, 1, 3), p(2, 1, 5)]);
  expect(fit?.cost_us).toBeCloseTo(1.25, 12);
  expect(fit?.wake_us).toBeCloseTo(2, 12);
  expect(fit?.residuals.map((r) => r.predicted_us)).toEqual([1.25, 3.25, 4.5]);
});

test('the backends\' fit is written only when it is within 10 % of every run', () => {
  const p = (requests: number, wakeups: number, cpu_us: number) => ({ proc: 'app', run: 'x', requests, wakeups, cpu_us });
  // on the line c = 80, w = 200: written
  expect(wakeRejected([p(100, 50, 18_000), p(400, 100, 52_000), p(1000, 10, 82_000)])).toBeUndefined();
  // (1, 0, 1), (1, 1, 3), (2, 1, 5) fit as 1.25, 3.25, 4.5 (above): the first is 25 % off
  expect(wakeRejected([p(1, 0, 1), p(1, 1, 3), p(2, 1, 5)])).toBe("the backends' fit (1 us per request + 2 us per wake-up) misses a backend run by 25 % (more than 10 %)");
  expect(wakeRejected([p(100, 50, 18_000)])).toBe('the backends cannot separate a cost per wake-up');
});

// windows of a backend whose CPU is exactly 100 us per request + 80 per script call + 20 per wake-up
// (client_us 0); its wake-ups rise with its script calls, so a fit without them puts their cost on the calls
const win = (requests: number, calls: number, wakeups: number, wall_us: number, cpu_us = 100 * requests + 80 * calls + 20 * wakeups): Window => ({ requests, calls, wakeups, wall_us, cpu_us, client_us: 0 });
const WINDOWS = [win(100, 100, 60, 50_000), win(100, 20, 10, 30_000), win(100, 0, 30, 20_000), win(50, 0, 50, 90_000), win(100, 50, 45, 40_000)];

test('the reply turn is the cost per script call of the best-fitting window model with every cost positive', () => {
  const t = replyTurnFit(WINDOWS);
  // request + script call + wake-up fits exactly (rms 0); with the seconds term too it fits as well
  // (that cost 0): either way 80 us per call
  expect(t?.us).toBeCloseTo(80, 6);
  expect(t?.rms_us).toBeCloseTo(0, 6);
  expect(t?.windows).toBe(5);
  expect(t?.terms.startsWith('request + script call + wake-up')).toBe(true);
});

test('no reply turn when every model costs a script call nothing or less', () => {
  // 100 us per request, -30 per call: every model with a call term finds it negative
  const ws = WINDOWS.map((w) => ({ ...w, cpu_us: 100 * w.requests - 30 * w.calls }));
  expect(replyTurnFit(ws)).toBeNull();
  expect(replyTurnFit([])).toBeNull();
});
