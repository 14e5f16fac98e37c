// Queueing theory against the whole simulated stack: M/M/1, M/M/c (Erlang C) and closed-loop laws. One app server, every request
// taking the sold-out path (app.local_stock: [0], so Redis is never called), exponential service
// inside the app's lock, fixed wire latencies. The app's mean sojourn time is the users' mean
// latency minus the wire: 2 x network.latency + 2 x nginx.proxy_latency.
//
// Each check runs independent replications (different seeds) and states a 95 % confidence
// interval over them, in the test name and in the failure message; it then requires the
// replication mean to be within a stated relative tolerance of the formula, and the interval to
// be narrower than that tolerance (so the check has the power to see a real error).
//   - M/M/1, rho = 0.5 and 0.8: W = 1/(mu - lambda)
//   - M/M/c, c = 4 (app.concurrency: 4), rho = 0.8: Erlang C
//   - closed (ab-like clients with think time): the interactive response time law N = X (R + Z),
//     and the exact mean value analysis of that closed network
import type { Summary } from '../src/metrics/summary.js';
import { replicate } from './support/replicate.js';
import { confidenceInterval, fmt, mm1Sojourn, mmcSojourn, mvaSingleStation, type Interval } from './support/stats.js';

const NET_US = 200; // network.latency, one way
const PROXY_US = 100; // nginx.proxy_latency, one way
const WIRE_MS = (2 * NET_US + 2 * PROXY_US) / 1000;
const SERVICE_MS = 1; // mean of the exponential service time
const MU = 1000 / SERVICE_MS; // per second

function scenario(load: string, concurrency: number): string {
  return `
name: queueing
tickets: { inventory: 1, script: fixed }
users:
  load:
${load}
  client_ips: 1
  timeout: 600s
network: { latency: ${NET_US}us }
nginx:
  proxy_latency: ${PROXY_US}us
  upstream:
    servers: [ { name: app1, weight: 1 } ]
app:
  local_stock: [0]
  concurrency: ${concurrency}
  service_time: { exp: ${SERVICE_MS}ms }
`;
}

/** One summary per seed, from worker threads (test/support/replicate.ts). */
async function runs(yaml: string, seeds: readonly number[]): Promise<Summary[]> {
  const out = await replicate(seeds.map((seed) => ({ yaml, seed })));
  for (const s of out) {
    // every request took the sold-out path and was answered
    if (s.requests.sold_out !== s.requests.total || s.tiers.redis.commands !== 0) {
      throw new Error(`expected only local sold-out answers, got ${JSON.stringify(s.requests)}`);
    }
  }
  return out;
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

type Check = { name: string; ci: Interval; theory: number; tolerance: number };

function check(name: string, values: number[], theory: number, tolerance: number, unit: string): Check {
  const ci = confidenceInterval(values);
  return { name: `${name}: ${fmt(ci)} ${unit} (95 % CI, ${ci.n} seeds) vs theory ${theory.toFixed(3)} ${unit}, tolerance ±${tolerance * 100} %`, ci, theory, tolerance };
}

/** Fails with the interval in the message (no console output). */
function hold(c: Check): void {
  const relErr = Math.abs(c.ci.mean - c.theory) / c.theory;
  if (relErr > c.tolerance) throw new Error(`${c.name}: off by ${(relErr * 100).toFixed(2)} %`);
  if (c.ci.halfWidth / c.theory > c.tolerance) throw new Error(`${c.name}: the interval is too wide to test anything`);
}

// Computed (top-level await) while tests are collected, so each test's name can state its interval.
const checks: Check[] = [];

for (const rho of [0.5, 0.8]) {
  const lambda = rho * MU;
  const users = rho < 0.7 ? 50_000 : 150_000;
  const yaml = scenario(`    open: { users: ${users}, rate: ${lambda}/s, shape: poisson }`, 1);
  const sojourn = (await runs(yaml, SEEDS)).map((s) => s.latency_ms.mean - WIRE_MS);
  checks.push(check(`M/M/1 rho=${rho} mean sojourn`, sojourn, mm1Sojourn(lambda, MU) * 1000, rho < 0.7 ? 0.02 : 0.04, 'ms'));
}

{
  const c = 4;
  const lambda = 0.8 * c * MU;
  const yaml = scenario(`    open: { users: 100000, rate: ${lambda}/s, shape: poisson }`, c);
  const mmc = await runs(yaml, SEEDS);
  checks.push(check(`M/M/4 rho=0.8 mean sojourn (Erlang C)`, mmc.map((s) => s.latency_ms.mean - WIRE_MS), mmcSojourn(lambda, MU, c) * 1000, 0.03, 'ms'));
  checks.push(check('M/M/4 rho=0.8 utilisation', mmc.map((s) => s.tiers.app.app1!.utilization), 0.8, 0.01, ''));
}

{
  const n = 10;
  const thinkMs = 10;
  const yaml = scenario(`    closed: { concurrency: ${n}, requests: 40000, think_time: ${thinkMs}ms }`, 1);
  const closed = await runs(yaml, SEEDS);
  // N = X (R + Z): R the users' mean response time, Z the think time
  const population = closed.map((s) => (s.throughput.mean_per_s * (s.latency_ms.mean + thinkMs)) / 1000);
  checks.push(check(`closed N=${n} Z=${thinkMs}ms: X(R+Z)`, population, n, 0.01, 'clients'));
  // the same network solved exactly by MVA: the app station plus a delay of Z and the wire
  const mva = mvaSingleStation(n, SERVICE_MS, thinkMs + WIRE_MS);
  checks.push(check(`closed N=${n} Z=${thinkMs}ms: response time R (MVA)`, closed.map((s) => s.latency_ms.mean), mva.r + WIRE_MS, 0.015, 'ms'));
  checks.push(check(`closed N=${n} Z=${thinkMs}ms: throughput X (MVA)`, closed.map((s) => s.throughput.mean_per_s), mva.x * 1000, 0.01, '/s'));
}

describe('queueing theory against the simulated stack', () => {
  test.each(checks.map((c) => [c.name, c] as const))('%s', (_name, c) => hold(c));
});
