// `sim explain nginx | nginx-ip-hash | nginx-least-conn`: nginx's upstream pickers run on a small
// peer list, one row per pick, so that the sequence can be checked by hand or against nginx.
import { textTable, vec, weightSum, weightsLine } from '../shared/explain-format.js';
import type { ExplainResult, ExplainServers } from '../shared/explain-format.js';
import { RoundRobinPeers, smoothWrrSequence } from './pick-peer.js';

/** A client of ip_hash: the address as the user wrote it, and its value. */
export type IpHashClient = { label: string; ip: number };

/** A fresh peer list with no failure accounting (one peer is nginx's peers->single). */
function explainPeers(s: ExplainServers): RoundRobinPeers {
  const peers = new RoundRobinPeers(
    s.names.map((name, i) => ({ name, weight: s.weights[i], max_fails: 1, fail_timeout_s: 10, down: false })),
  );
  peers.single = s.names.length === 1;
  return peers;
}

/** The pickers' bitmap of peers already tried for one request, one bit per peer. */
function triedBitmap(peerCount: number): Uint32Array {
  return new Uint32Array(Math.max(1, Math.ceil(peerCount / 32)));
}

/** Smooth weighted round robin: current_weight before, during and after each of `picks` picks. */
export function explainNginxSmoothWrr(s: ExplainServers, picks: number): ExplainResult {
  const total = weightSum(s.weights);
  const names = smoothWrrSequence(s.weights, picks).map((i) => s.names[i]);

  // Replay the same picks on a peer set to show current_weight around each one.
  const peers = explainPeers(s);
  const tried = triedBitmap(s.names.length);
  const rows: string[][] = [];
  for (let k = 0; k < picks; k++) {
    const before = Array.from(peers.currentWeight);
    tried.fill(0);
    const i = peers.pick(0, tried, 0);
    if (i < 0) break;
    const added = before.map((cw, j) => cw + peers.effectiveWeight[j]);
    const after = Array.from(peers.currentWeight);
    peers.free(i, 0, false);
    rows.push([String(k + 1), vec(before), vec(added), s.names[i], vec(after)]);
  }
  const text =
    `nginx smooth weighted round robin (nginx src/http/ngx_http_upstream_round_robin.c, ngx_http_upstream_get_peer)\n` +
    `peers: ${weightsLine(s)}; each pick adds effective_weight to every current_weight, takes the largest\n` +
    `(ties to the first), then subtracts the total (${total}) from the chosen one.\n\n` +
    textTable(['pick', 'current before', '+ effective_weight', 'chosen', `after (chosen - ${total})`], rows) +
    `\norder: ${names.join(' ')}\n`;
  return { text, json: { picks: names } };
}

/** ip_hash: the hash of each client's first three address bytes and the peer it lands on. */
export function explainNginxIpHash(s: ExplainServers, clients: readonly IpHashClient[]): ExplainResult {
  const peers = explainPeers(s);
  const tried = triedBitmap(s.names.length);
  const hash = new Int32Array(1);
  const tries = new Int32Array(1);
  const out: string[] = [];
  const rows: string[][] = [];
  for (const { label, ip } of clients) {
    tried.fill(0);
    hash[0] = 89;
    tries[0] = 0;
    const i = peers.pickIpHash(0, tried, 0, ip, hash, 0, tries);
    peers.free(i, 0, false);
    out.push(s.names[i]);
    const key = `${(ip >>> 24) & 255}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}`;
    rows.push([label, key, String(hash[0]), String(hash[0] % peers.totalWeight), s.names[i]]);
  }
  const text =
    'nginx ip_hash (nginx src/http/modules/ngx_http_upstream_ip_hash_module.c, ngx_http_upstream_get_ip_hash_peer):\n' +
    'hash = 89; for each of the first 3 bytes of the IPv4 address: hash = (hash * 113 + byte) % 6271;\n' +
    `w = hash % total_weight (${peers.totalWeight}), then walk the peers subtracting weights: ${weightsLine(s)}\n\n` +
    textTable(['client', 'key (3 bytes)', 'hash', 'w', 'chosen'], rows);
  return { text, json: { picks: out } };
}

/** least_conn with arrivals and no departures: conns/weight before each of `picks` picks. */
export function explainNginxLeastConn(s: ExplainServers, picks: number): ExplainResult {
  const peers = explainPeers(s);
  const tried = triedBitmap(s.names.length);
  const out: string[] = [];
  const rows: string[][] = [];
  for (let k = 0; k < picks; k++) {
    const conns = Array.from(peers.conns);
    tried.fill(0);
    // arrivals without departures: every connection stays open
    const i = peers.pickLeastConn(0, tried, 0);
    out.push(s.names[i]);
    rows.push([String(k + 1), `[${conns.map((c, j) => `${c}/${s.weights[j]}`).join(', ')}]`, s.names[i]]);
  }
  const text =
    'nginx least_conn (nginx src/http/modules/ngx_http_upstream_least_conn_module.c): the peer with the\n' +
    'fewest conns/weight (compared as a.conns * b.weight < b.conns * a.weight); ties go to smooth WRR\n' +
    `among the tied peers, scanning from the first. peers: ${weightsLine(s)}\n\n` +
    textTable(['pick', 'conns/weight before', 'chosen'], rows) +
    `\norder: ${out.join(' ')}\n`;
  return { text, json: { picks: out } };
}
