// Differential tests of nginx's ip_hash and least_conn balancers: real nginx (Debian nginx-light)
// against the simulated nginx's RoundRobinPeers.pickIpHash and pickLeastConn. Real nginx runs in a
// temp prefix on 127.0.0.1 with one worker (test/support/nginx.ts); every answer carries
// $upstream_addr.
//   - ip_hash, weights 1:2:3:1: clients on 30 distinct 127.x.y.z source addresses (Linux lets a
//     socket bind any 127/8 address; ip_hash keys on the first three bytes); each client's backend
//     against pickIpHash with a fresh per-request state (hash 89, tries 0). Again with the
//     heaviest server `down`: nginx re-hashes, and so must the model.
//   - least_conn, weights 1:2:3, sequential requests: every peer has 0 connections at each pick,
//     so least_conn falls back to smooth WRR among the tied peers; 30 picks against
//     pickLeastConn + free.
//   - least_conn, weights 1:2:3, held connections: backends answer only when released; requests
//     sent one at a time, each waited for until it reaches a backend, so connections pile up and
//     every pick sees the previous ones open; 15 picks against pickLeastConn without free.
// If nginx is not installed these tests fail, saying so: CI installs nginx-light.
import { RoundRobinPeers } from '../src/model/nginx/pick-peer.js';
import { sleep } from '../tools/real-stack/procs.js';
import { nginxPerTest, type Reply, type ServerSpec, type UpstreamSpec } from './support/nginx.js';
import { toPeer } from './support/nginx-driver.js';

const startNginx = nginxPerTest();


/** 30 client addresses in 127/8, all differing in their first three bytes. */
const clients: string[] = Array.from({ length: 30 }, (_, k) => `127.${(k * 37 + 3) % 256}.${(k * 11 + 1) % 256}.${(k % 250) + 1}`);

const ipToUint32 = (ip: string): number => ip.split('.').reduce((a, b) => ((a << 8) | Number(b)) >>> 0, 0);

describe('real nginx balancers agree with the simulated nginx', () => {
  test('ip_hash with weights, and with a server down: each client address maps to the same backend', async () => {
    expect(new Set(clients.map((c) => c.split('.').slice(0, 3).join('.'))).size).toBe(clients.length);
    const servers = (downName: string | null): ServerSpec[] =>
      [
        { name: 'a', weight: 1 },
        { name: 'b', weight: 2 },
        { name: 'c', weight: 3 },
        { name: 'd', weight: 1 },
      ].map((s) => ({ ...s, name: `${downName === null ? 'h' : 'k'}${s.name}`, down: s.name === downName }));
    const upstreams: UpstreamSpec[] = [
      { name: 'ih', balance: 'ip_hash', servers: servers(null) },
      { name: 'ihdown', balance: 'ip_hash', servers: servers('c') },
    ];
    const n = await startNginx(upstreams);
    let rehashed = 0;
    for (const u of upstreams) {
      const peers = new RoundRobinPeers(u.servers.map(toPeer));
      const real: Record<string, string[]> = {};
      const sim: Record<string, string[]> = {};
      for (const c of clients) {
        const r = await n.request(u.name, c);
        real[c] = [String(r.status), r.body, ...r.tried];
        // a fresh request: hash 89, no re-hash tries, nothing tried
        const state = Int32Array.of(89);
        const tries = Int32Array.of(0);
        const i = peers.pickIpHash(0, new Uint32Array(1), 0, ipToUint32(c), state, 0, tries);
        if (tries[0] > 0) rehashed++;
        const name = i < 0 ? '' : peers.names[i]!;
        if (i >= 0) peers.free(i, 0, false);
        sim[c] = ['200', name, name];
      }
      expect({ upstream: u.name, picks: real }).toEqual({ upstream: u.name, picks: sim });
      // the addresses spread over several backends
      expect(new Set(Object.values(real).map((p) => p[1])).size).toBeGreaterThan(2);
    }
    // with c down, some clients hashed to c and were re-hashed
    expect(rehashed).toBeGreaterThan(0);
  });

  test('least_conn, weights 1:2:3, sequential requests: smooth WRR among the tied peers', async () => {
    const u: UpstreamSpec = {
      name: 'lc',
      balance: 'least_conn',
      servers: [
        { name: 'l1', weight: 1 },
        { name: 'l2', weight: 2 },
        { name: 'l3', weight: 3 },
      ],
    };
    const n = await startNginx([u]);
    const peers = new RoundRobinPeers(u.servers.map(toPeer));
    const real: string[] = [];
    const sim: string[] = [];
    for (let k = 0; k < 30; k++) {
      const r = await n.request(u.name);
      real.push(`${r.status} ${r.body} ${r.tried.join(',')}`);
      const i = peers.pickLeastConn(0, new Uint32Array(1), 0);
      const name = peers.names[i]!;
      peers.free(i, 0, false);
      sim.push(`200 ${name} ${name}`);
    }
    expect(real).toEqual(sim);
  });

  test('least_conn, weights 1:2:3, held connections: the fewest connections per weight, ties by smooth WRR', async () => {
    const u: UpstreamSpec = {
      name: 'lch',
      balance: 'least_conn',
      servers: [
        { name: 'm1', weight: 1, hold: true },
        { name: 'm2', weight: 2, hold: true },
        { name: 'm3', weight: 3, hold: true },
      ],
    };
    const n = await startNginx([u]);
    const backends = u.servers.map((s) => n.backends.get(s.name)!);
    const arrivals = (): number[] => backends.map((b) => b.arrivals);
    const peers = new RoundRobinPeers(u.servers.map(toPeer));
    const order: string[] = [];
    const sim: string[] = [];
    const pending: Promise<Reply>[] = [];
    try {
      for (let k = 0; k < 15; k++) {
        const before = arrivals();
        pending.push(n.request(u.name));
        // wait until this request has reached a backend (its connection is then counted)
        let after = arrivals();
        for (let t = 0; t < 250 && after.reduce((a, b) => a + b, 0) === k; t++) {
          await sleep(20);
          after = arrivals();
        }
        const got = after.flatMap((c, i) => (c > before[i]! ? [backends[i]!.name] : []));
        expect(got.length).toBe(1);
        order.push(got[0]!);
        sim.push(peers.names[peers.pickLeastConn(0, new Uint32Array(1), 0)]!);
      }
    } finally {
      for (const b of backends) b.release();
    }
    const replies = await Promise.all(pending);
    expect(order).toEqual(sim);
    expect(replies.map((r) => `${r.status} ${r.body}`)).toEqual(order.map((s) => `200 ${s}`));
    // connections ended up in proportion to the weights
    expect(arrivals()).toEqual([...peers.conns]);
  });
});
