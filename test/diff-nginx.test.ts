// Differential tests: real nginx (Debian nginx-light) against the simulated nginx.
// Real nginx runs in a temp prefix on 127.0.0.1, in front of small Node backends that answer with
// their own name; every answer carries X-Worker ($pid) and X-Upstream ($upstream_addr: every peer
// tried, in order). The simulated side is the model's own code: smoothWrrSequence and
// RoundRobinPeers, driven by test/support/nginx-driver.ts with nginx's get/free sequence.
//
// Cases (round robin only; least_conn and ip_hash are in test/diff-nginx-balancers.test.ts):
//   - weights 1:2:3:4 and {5,1,1}: the exact smooth WRR order
//   - `down` and `backup`: backups unused while a primary lives; used, by their own WRR, once
//     the primaries are down or failed; every server refusing gives 502 and "no live upstreams"
//   - a backend refusing connections, over time: failover to the next peer, the refused peer
//     skipped within fail_timeout (max_fails=1 fail_timeout=1s; max_fails=2 fail_timeout=2s) and
//     tried again after it, at a recovering effective weight; max_fails=0 never skips it
//   - 2 worker processes: each keeps its own round-robin state (and its own failure count)
// If nginx is not installed these tests fail, saying so: CI installs nginx-light.
import { smoothWrrSequence } from '../src/model/nginx/pick-peer.js';
import { sleep } from '../tools/real-stack/procs.js';
import { nginxPerTest, type RealNginx, type Reply, type UpstreamSpec } from './support/nginx.js';
import { UpstreamDriver, type DriverReply } from './support/nginx-driver.js';

const startNginx = nginxPerTest();

/** What the comparison looks at: status, who answered, every peer tried. */
const view = (r: Reply | DriverReply): DriverReply => ({ status: r.status, body: r.status === 200 ? r.body : '', tried: r.tried });

async function requests(n: RealNginx, upstream: string, count: number): Promise<Reply[]> {
  const out: Reply[] = [];
  for (let k = 0; k < count; k++) out.push(await n.request(upstream));
  return out;
}

const count = (log: string, what: string): number => log.split('\n').filter((l) => l.includes(what)).length;

/** nginx's log lines for `what`, once the pipe has delivered them (they may trail the answers). */
async function logCount(n: RealNginx, what: string, want: number): Promise<number> {
  for (let k = 0; k < 50 && count(n.log, what) < want; k++) await sleep(20);
  return count(n.log, what);
}

describe('real nginx picks backends in the same order as the simulated nginx', () => {
  test.each([
    [[1, 2, 3, 4], 40],
    [[5, 1, 1], 21],
  ])('weights %j: %i sequential requests, exact order', async (weights, total) => {
    const names = weights.map((_, i) => `s${i + 1}`);
    const n = await startNginx([{ name: 'u', servers: weights.map((w, i) => ({ name: names[i]!, weight: w })) }]);
    const real = (await requests(n, 'u', total)).map((r) => r.body);
    const sim = smoothWrrSequence(weights, total).map((i) => names[i]!);
    expect(real).toEqual(sim);
  });

  test('backup and down: backups idle while a primary lives, then their own WRR; all refusing -> 502', async () => {
    const upstreams: UpstreamSpec[] = [
      // healthy primaries: the backup is never used
      { name: 'live', servers: [{ name: 'a', weight: 3 }, { name: 'b', weight: 1 }, { name: 'c', backup: true }] },
      // a is down, b refuses: the first request fails over to the backups, later ones skip b
      {
        name: 'failover',
        servers: [
          { name: 'd', weight: 5, down: true },
          { name: 'e', weight: 2, refuse: true },
          { name: 'f', weight: 1, backup: true },
          { name: 'g', weight: 3, backup: true },
        ],
      },
      // nothing answers: 502, then "no live upstreams" while they are failed out
      { name: 'dead', servers: [{ name: 'h', refuse: true }, { name: 'i', refuse: true }, { name: 'j', refuse: true, backup: true }] },
    ];
    const n = await startNginx(upstreams);
    for (const u of upstreams) {
      const driver = new UpstreamDriver(u);
      const now_s = Math.floor(Date.now() / 1000); // fail_timeout is 10 s: one window for all
      const real = (await requests(n, u.name, 12)).map(view);
      const sim = Array.from({ length: 12 }, () => driver.request(now_s));
      expect({ upstream: u.name, replies: real }).toEqual({ upstream: u.name, replies: sim });
    }
    const d = new UpstreamDriver(upstreams[2]!);
    for (let k = 0; k < 12; k++) d.request(0);
    expect(await logCount(n, 'no live upstreams', d.noLive)).toBe(d.noLive);
  });

  test('a refusing backend over time: failover, skipped within fail_timeout, retried after it', async () => {
    const upstreams: UpstreamSpec[] = [
      { name: 'mf1', servers: [{ name: 'a', weight: 1 }, { name: 'b', weight: 2, refuse: true, max_fails: 1, fail_timeout_s: 1 }, { name: 'c', weight: 3 }] },
      {
        name: 'mf2',
        servers: [
          { name: 'k', weight: 1, max_fails: 2, fail_timeout_s: 2 },
          { name: 'l', weight: 3, refuse: true, max_fails: 2, fail_timeout_s: 2 },
          { name: 'm', weight: 1, max_fails: 2, fail_timeout_s: 2 },
        ],
      },
      { name: 'mf0', servers: [{ name: 'p', weight: 2 }, { name: 'q', weight: 1, refuse: true, max_fails: 0 }] },
    ];
    const n = await startNginx(upstreams);
    const drivers = upstreams.map((u) => new UpstreamDriver(u));
    const real: Record<string, DriverReply[]> = {};
    const sim: Record<string, DriverReply[]> = {};
    const seconds: number[] = [];
    // Bursts of requests, each inside one wall-clock second (nginx's ngx_time() is whole seconds).
    for (let burst = 0; burst < 5; burst++) {
      const msIntoSecond = Date.now() % 1000;
      await sleep(1000 - msIntoSecond + 50);
      const now_s = Math.floor(Date.now() / 1000);
      seconds.push(now_s);
      for (let k = 0; k < 4; k++) {
        for (let u = 0; u < upstreams.length; u++) {
          const name = upstreams[u]!.name;
          (real[name] ??= []).push(view(await n.request(name)));
          (sim[name] ??= []).push(drivers[u]!.request(now_s));
        }
      }
      // the burst must not straddle a second boundary, or the replay's clock would be wrong
      expect(Math.floor(Date.now() / 1000)).toBe(now_s);
    }
    expect(real).toEqual(sim);
    // the refused peer was skipped within fail_timeout: some bursts never tried it
    const triedB = real['mf1']!.map((r) => r.tried.includes('b'));
    expect(triedB.some((t) => t)).toBe(true);
    expect(triedB.filter((t) => !t).length).toBeGreaterThan(0);
    // max_fails=0: never skipped, so every pick of q fails over to p
    expect(real['mf0']!.every((r) => r.status === 200 && r.body === 'p')).toBe(true);
    const disabled = drivers.reduce((a, d) => a + d.disabled, 0);
    expect(await logCount(n, 'upstream server temporarily disabled', disabled)).toBe(disabled);
  }, 20_000);

  test('2 workers: each keeps its own round-robin state and its own failure count', async () => {
    const weights = [1, 2, 3, 4];
    const names = ['s1', 's2', 's3', 's4'];
    const upstreams: UpstreamSpec[] = [
      { name: 'wrr', servers: weights.map((w, i) => ({ name: names[i]!, weight: w })) },
      { name: 'fail', servers: [{ name: 'x', weight: 1 }, { name: 'y', weight: 1, refuse: true }, { name: 'z', weight: 2 }] },
    ];
    const n = await startNginx(upstreams, 2);
    const now_s = Math.floor(Date.now() / 1000);
    const byWorker = new Map<number, { wrr: string[]; fail: DriverReply[]; driver: UpstreamDriver }>();
    for (let k = 0; k < 60; k++) {
      for (const u of ['wrr', 'fail']) {
        const r = await n.request(u);
        let w = byWorker.get(r.worker);
        if (w === undefined) {
          w = { wrr: [], fail: [], driver: new UpstreamDriver(upstreams[1]!) };
          byWorker.set(r.worker, w);
        }
        if (u === 'wrr') w.wrr.push(r.body);
        else w.fail.push(view(r));
      }
    }
    // the kernel spreads connections over the two reuseport sockets
    expect(byWorker.size).toBe(2);
    for (const [pid, w] of byWorker) {
      const sim = smoothWrrSequence(weights, w.wrr.length).map((i) => names[i]!);
      expect({ worker: pid, order: w.wrr }).toEqual({ worker: pid, order: sim });
      const simFail = w.fail.map(() => w.driver.request(now_s));
      expect({ worker: pid, replies: w.fail }).toEqual({ worker: pid, replies: simFail });
      // each worker met the refusing peer on its own
      expect(w.fail.some((r) => r.tried.includes('y'))).toBe(true);
    }
  });
});
