// validate:real's test of the wake-up cost: an event-loop process (ab, nginx's worker, a Node
// backend, redis-server) pays once per wake-up (epoll_wait returning, the loop's turn) and once
// per request, so CPU = c x requests + w x wake-ups, and a busy process, which handles several
// requests per wake-up, spends less per request. Each process at several loads (four backends at
// four weights, and a light run at concurrency 1) gives the points; the fit and its residuals say
// how well that holds.

/** One process over one run: what it handled, the CPU it spent on it, and how often it woke. */
export type ProcLoad = { proc: string; run: string; requests: number; cpu_us: number; wakeups: number };

/** CPU per request = cost_us + wake_us x wake-ups per request, fitted over `points`. */
export type WakeFit = { cost_us: number; wake_us: number; residuals: { point: ProcLoad; predicted_us: number }[] };

/**
 * Least squares of CPU = c x requests + w x wake-ups, each point weighted by 1 / requests (its
 * CPU per request counts once per request): with two points through both exactly. Null when the
 * points cannot tell c from w (one point, or the same wake-ups per request in all).
 */
export function fitWakeups(points: readonly ProcLoad[]): WakeFit | null {
  let xx = 0;
  let xz = 0;
  let zz = 0;
  let xy = 0;
  let zy = 0;
  for (const p of points) {
    if (p.requests <= 0) continue;
    const k = 1 / p.requests;
    xx += p.requests * p.requests * k;
    xz += p.requests * p.wakeups * k;
    zz += p.wakeups * p.wakeups * k;
    xy += p.requests * p.cpu_us * k;
    zy += p.wakeups * p.cpu_us * k;
  }
  const det = xx * zz - xz * xz;
  if (!(Math.abs(det) > 1e-9 * Math.max(1, xx * zz))) return null;
  const cost_us = (xy * zz - zy * xz) / det;
  const wake_us = (xx * zy - xz * xy) / det;
  return { cost_us, wake_us, residuals: points.map((point) => ({ point, predicted_us: cost_us * point.requests + wake_us * point.wakeups })) };
}

const f1 = (v: number): string => v.toFixed(1);

/** The largest misfit of the backends' wake-up fit for it to be written: every backend run within 10 %. */
export const WAKE_FIT_WITHIN = 0.1;

/**
 * Why the backends' wake-up fit is not to be written (it misses one of their runs by more than
 * WAKE_FIT_WITHIN of its CPU, or cannot be made), or undefined when it is.
 */
export function wakeRejected(points: readonly ProcLoad[]): string | undefined {
  const fit = fitWakeups(points);
  if (fit === null) return 'the backends cannot separate a cost per wake-up';
  let worst = 0;
  for (const r of fit.residuals) if (r.point.cpu_us > 0) worst = Math.max(worst, Math.abs(r.predicted_us / r.point.cpu_us - 1));
  if (worst <= WAKE_FIT_WITHIN) return undefined;
  return `the backends' fit (${fit.cost_us.toFixed(0)} us per request + ${fit.wake_us.toFixed(0)} us per wake-up) misses a backend run by ${(worst * 100).toFixed(0)} % (more than ${WAKE_FIT_WITHIN * 100} %)`;
}

/** The per-process table (requests, CPU, wake-ups, per request) and each process kind's fit, as markdown. */
export function wakeupSection(kinds: { kind: string; unit: string; points: ProcLoad[] }[]): string[] {
  const out = [
    '### wake-ups: CPU = c x requests + w x wake-ups',
    '',
    'Wake-ups: voluntary context switches of the process (its main thread), /proc/PID/status (ab: GNU time\'s %w). Predicted: the fit over that kind\'s points.',
    '',
    '| process | run | requests | CPU ms | wake-ups | wake-ups per request | CPU per request (us) | predicted (us) | residual |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const fits: string[] = [];
  for (const k of kinds) {
    const fit = fitWakeups(k.points);
    for (const p of k.points) {
      const per = p.requests > 0 ? p.cpu_us / p.requests : 0;
      const pred = fit === null || p.requests <= 0 ? null : (fit.cost_us * p.requests + fit.wake_us * p.wakeups) / p.requests;
      const res = pred === null || per <= 0 ? '-' : `${pred >= per ? '+' : ''}${(((pred - per) / per) * 100).toFixed(1)} %`;
      out.push(
        `| ${p.proc} | ${p.run} | ${p.requests} | ${f1(p.cpu_us / 1000)} | ${p.wakeups} | ${p.requests > 0 ? (p.wakeups / p.requests).toFixed(3) : '-'} | ${f1(per)} | ${pred === null ? '-' : f1(pred)} | ${res} |`,
      );
    }
    fits.push(fit === null ? `- ${k.kind}: the points cannot separate c from w` : `- ${k.kind}: c = ${f1(fit.cost_us)} us per ${k.unit}, w = ${f1(fit.wake_us)} us per wake-up (${k.points.length} points)`);
  }
  return [...out, '', ...fits, ''];
}

/**
 * Weighted least squares without intercept: the coefficients b minimising
 * sum_i weight_i (y_i - sum_j x_ij b_j)^2; null if the columns cannot be told apart.
 */
export function leastSquares(x: readonly (readonly number[])[], y: readonly number[], weight: readonly number[]): number[] | null {
  const k = x[0]?.length ?? 0;
  // the normal equations (X'WX | X'Wy), solved by Gaussian elimination with partial pivoting
  const a = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  x.forEach((row, i) => {
    const wi = weight[i] ?? 0;
    for (let r = 0; r < k; r++) {
      for (let c = 0; c < k; c++) a[r]![c]! += wi * row[r]! * row[c]!;
      a[r]![k]! += wi * row[r]! * y[i]!;
    }
  });
  const scale = Math.max(1e-300, ...a.map((row, r) => Math.abs(row[r]!)));
  for (let col = 0; col < k; col++) {
    let piv = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[piv]![col]!)) piv = r;
    if (Math.abs(a[piv]![col]!) <= 1e-9 * scale) return null;
    [a[col], a[piv]] = [a[piv]!, a[col]!];
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= k; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  return a.map((row, r) => row[k]! / row[r]!);
}

/** A backend's requests, CPU, its Redis client's part of it, and wake-ups over a window of its run (backend.ts: every 100 requests). */
export type Window = { requests: number; cpu_us: number; client_us: number; wakeups: number; calls: number; wall_us: number; asleep_us?: number };

const WINDOW_TERMS: Record<string, (w: Window) => number> = {
  request: (w) => w.requests,
  'wake-up': (w) => w.wakeups,
  'script call': (w) => w.calls,
  'second awake or asleep': (w) => w.wall_us / 1e6,
  'second asleep': (w) => (w.asleep_us ?? 0) / 1e6,
};
export const WINDOW_MODELS = [
  ['request', 'wake-up'],
  ['request', 'script call'],
  ['request', 'script call', 'wake-up'],
  ['request', 'script call', 'second awake or asleep'],
  ['request', 'script call', 'wake-up', 'second awake or asleep'],
  ['request', 'second asleep'],
  ['request', 'script call', 'second asleep'],
  ['request', 'script call', 'wake-up', 'second asleep'],
];

/** The windows' CPU (less the Redis client's sections) fitted on `terms`: each term's cost and the rms residual per request; null if they cannot be told apart. */
export function fitWindows(ws: Window[], terms: string[]): { b: number[]; rms_us: number } | null {
  if (ws.length < terms.length) return null; // fewer windows than costs: nothing to tell them apart
  const y = ws.map((w) => w.cpu_us - w.client_us);
  const b = leastSquares(ws.map((w) => terms.map((t) => WINDOW_TERMS[t]!(w))), y, ws.map((w) => 1 / w.requests));
  if (b === null) return null;
  const rms = Math.sqrt(ws.reduce((a, w, i) => a + ((y[i]! - terms.reduce((p, t, j) => p + b[j]! * WINDOW_TERMS[t]!(w), 0)) / w.requests) ** 2, 0) / Math.max(1, ws.length));
  return { b, rms_us: rms };
}

/** A cost per script call fitted over the backends' windows: the cost, the fit's rms residual per request, the windows, the fit's terms. */
export type ReplyTurn = { us: number; rms_us: number; windows: number; terms: string };

/**
 * The CPU a sale costs its backend beyond the Redis client's own sections: the reply's own turn of
 * the event loop (epoll_wait returning for the Redis socket, libuv's read(2), the promise's
 * continuation), inside the lock. Of the window models with a cost per script call, the one with
 * the smallest rms residual whose every cost is positive (a negative cost is no cost); null if none.
 */
export function replyTurnFit(ws: Window[]): ReplyTurn | null {
  let best: ReplyTurn | null = null;
  for (const m of WINDOW_MODELS) {
    const k = m.indexOf('script call');
    const f = fitWindows(ws, m);
    if (k < 0 || f === null || f.b.some((v) => v <= 0)) continue;
    if (best === null || f.rms_us < best.rms_us) best = { us: f.b[k]!, rms_us: f.rms_us, windows: ws.length, terms: m.join(' + ') };
  }
  return best;
}
