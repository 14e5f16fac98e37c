// Replays what one nginx worker does for a request to a round-robin upstream, on the simulator's
// RoundRobinPeers: ngx_http_upstream_init_round_robin_peer (tries), _get_round_robin_peer (primary
// list, then the backup list with the tried bitmap reset, NGX_BUSY when nothing is left),
// _free_round_robin_peer, and ngx_http_upstream_next (a refused connect is FT_ERROR: the peer is
// freed as failed and the next one tried while tries remain). Time is nginx's: whole seconds.
import { RoundRobinPeers, type PeerConfig } from '../../src/model/nginx/pick-peer.js';
import type { ServerSpec, UpstreamSpec } from './nginx.js';

/** What the client sees: the peers tried ($upstream_addr, as names) and who answered. */
export type DriverReply = {
  /** 200 from a backend, 502 when every try failed or no peer was live. */
  status: number;
  /** The backend that answered; '' for a 502. */
  body: string;
  /** Peers tried in order; the upstream's name for a "no live upstreams" (NGX_BUSY) attempt. */
  tried: string[];
};

// nginx's `server` defaults (ngx_http_upstream_server): weight 1, max_fails 1, fail_timeout 10 s
export const toPeer = (s: ServerSpec): PeerConfig => ({
  name: s.name,
  weight: s.weight ?? 1,
  max_fails: s.max_fails ?? 1,
  fail_timeout_s: s.fail_timeout_s ?? 10,
  down: s.down === true,
});

export class UpstreamDriver {
  readonly primary: RoundRobinPeers;
  readonly backup: RoundRobinPeers | null;
  private readonly refusing: Set<string>;
  /** "no live upstreams" events, each logged by nginx at level error. */
  noLive = 0;
  /** Failures that disabled a peer, each logged by nginx as "upstream server temporarily disabled". */
  disabled = 0;

  constructor(readonly spec: UpstreamSpec) {
    const primaries = spec.servers.filter((s) => !s.backup);
    const backups = spec.servers.filter((s) => s.backup);
    this.primary = new RoundRobinPeers(primaries.map(toPeer));
    // peers->single: one primary server and no backup list
    this.primary.single = primaries.length === 1 && backups.length === 0;
    this.backup = backups.length > 0 ? new RoundRobinPeers(backups.map(toPeer)) : null;
    this.refusing = new Set(spec.servers.filter((s) => s.refuse).map((s) => s.name));
  }

  request(now_s: number): DriverReply {
    // ngx_http_upstream_tries(): non-down primaries + non-down backups
    let tries = this.primary.tries() + (this.backup?.tries() ?? 0);
    let peers = this.primary;
    let tried = new Uint32Array(Math.max(1, Math.ceil(Math.max(peers.count, this.backup?.count ?? 0) / 32)));
    const out: string[] = [];
    for (;;) {
      let i = peers.pick(now_s, tried, 0);
      if (i < 0 && peers === this.primary && this.backup !== null) {
        // every primary is tried, down or failed: the backup list for the rest of the request
        peers = this.backup;
        tried = new Uint32Array(tried.length);
        i = peers.pick(now_s, tried, 0);
      }
      if (i < 0) {
        // NGX_BUSY: "no live upstreams", 502; $upstream_addr shows the upstream's name
        this.noLive++;
        out.push(this.spec.name);
        return { status: 502, body: '', tried: out };
      }
      const name = peers.names[i]!;
      out.push(name);
      const refused = this.refusing.has(name);
      if (refused && !peers.single && peers.maxFails[i] !== 0 && peers.fails[i] + 1 >= peers.maxFails[i]) this.disabled++;
      peers.free(i, now_s, refused);
      if (tries > 0) tries--;
      if (peers.single) tries = 0; // a single peer is never retried
      if (!refused) return { status: 200, body: name, tried: out };
      if (tries === 0) return { status: 502, body: '', tried: out };
    }
  }
}
