// Asynchronous replication of the inventory: a master and its replicas, each replica behind a
// replication link of its own. Follows redis/redis:
// - src/replication.c feedReplicationBuffer: every write the master applies goes down the stream
//   to each replica, which applies it in order; an offset (master_repl_offset, the replica's
//   reploff) counts what each applied. Here an offset counts writes, not bytes.
// - replicationCron (serverCron's run_with_period(1000), src/server.c): a replica sends
//   REPLCONF ACK <reploff> every second (replicationSendAck); the master keeps repl_ack_off and
//   repl_ack_time = server.unixtime, whole seconds, when it arrives (replconfCommand).
// - refreshGoodSlavesCount, also once a second from the master's replicationCron: a replica is
//   good when online and unixtime - repl_ack_time <= min-replicas-max-lag. processCommand refuses
//   writes with -NOREPLICAS while good < min-replicas-to-write (checkGoodReplicasStatus), and a
//   script's redis.call of a write gets the same error (scriptVerifyWriteCommandAllow, src/script.c).
//   Since both the acks and the count move once a second, the guard closes between max-lag + 1 and
//   max-lag + 3 s after the replica went quiet.
// - replicationUnsetMaster (SLAVEOF NO ONE): the replica becomes a master with its own dataset and
//   offset; writes its old master had beyond that offset exist nowhere else.
// - A replica told to follow a master (replicationSetMaster) resynchronises: a partial resync from
//   the backlog when its history is a prefix of the master's, else a full one that replaces its
//   dataset (readSyncBulkPayload). Here a resync takes one round trip on the path, no RDB time.
// - A restarted replica comes back empty and resyncs; a link that heals resumes the stream where
//   it stopped (TCP delivers what was sent; the backlog covers a reconnection).
// Instance 0 is the first master (node `redis`), then the replicas in scenario order. The sim's
// time 0 is a whole second of unixtime.
import type { Engine } from '../../engine/engine.js';
import type { RngStream } from '../../engine/rng.js';
import type { ReplicationConfig } from '../../scenario/types.js';
import type { LoggedKeyspace, LoggedWrite } from './logged-keyspace.js';

export const REPL_CRON_PERIOD_US = 1_000_000;

/** Periodic timers that must not keep a finished run alive: they stop when only they are left. */
export class Background {
  private pending = 0;
  constructor(private readonly engine: Engine) {}

  schedule(delay_us: number, kind: number, entity: number, arg = 0): void {
    this.pending++;
    this.engine.schedule(delay_us, kind, entity, arg);
  }

  /** Call first thing in a background handler. */
  fired(): void {
    this.pending--;
  }

  /** Nothing but background timers is left: nothing they do can matter any more. */
  get idle(): boolean {
    return this.engine.pending === this.pending;
  }
}

/** The largest lag of each instance in each time bin, carried forward over bins without change. */
export class LagBins {
  private lag = new Float64Array(0);
  private bins = 0;
  constructor(
    readonly nodes: number,
    readonly bin_us: number,
  ) {}

  note(node: number, now_us: number, lag: number): void {
    const b = Math.floor(now_us / this.bin_us);
    if (b >= this.bins) {
      let cap = Math.max(64, this.bins);
      while (cap <= b) cap *= 2;
      const grown = new Float64Array(cap * this.nodes).fill(NaN);
      grown.set(this.lag);
      this.lag = grown;
      this.bins = cap;
    }
    const k = b * this.nodes + node;
    if (!(this.lag[k] >= lag)) this.lag[k] = lag;
  }

  /** Per bin up to `end_us`, per node: the largest lag seen, or the last one carried over. */
  rows(end_us: number): number[][] {
    const used = Math.max(1, Math.ceil(end_us / this.bin_us));
    const out: number[][] = [];
    const last = new Array<number>(this.nodes).fill(0);
    for (let b = 0; b < used; b++) {
      const row: number[] = [];
      for (let n = 0; n < this.nodes; n++) {
        const v = b < this.bins ? this.lag[b * this.nodes + n] : NaN;
        // a bin that saw no change keeps the lag the previous one ended with (close enough: its max)
        if (!Number.isNaN(v)) last[n] = v;
        row.push(last[n]);
      }
      out.push(row);
    }
    return out;
  }
}

export type FailoverRecord = {
  lost_us: number; // the master went down or was cut off
  switched_us: number; // +switch-master: clients re-resolve to the promoted replica
  from: number;
  to: number;
  lostWrites: number; // writes the old master had that the promoted replica never got
  steps: { sdown_us: number; odown_us: number; elected_us: number; promoted_us: number };
};

export class Replication {
  readonly n: number;
  readonly masterOf: Int32Array; // -1: a master; else the instance it follows
  readonly alive: Uint8Array;
  readonly linkUp: Uint8Array; // [instance]: its replication link (instance 0 has none)
  readonly linkLatency_us: Float64Array;
  readonly priority: Int32Array;
  readonly online: Uint8Array; // the master counts it among its replicas (synced, connected)
  readonly ackOff: Float64Array; // repl_ack_off as its master last heard
  readonly ackTime_s: Float64Array; // repl_ack_time (unixtime seconds)
  private readonly session: Int32Array; // bumped whenever an instance's stream starts over
  private readonly kApply: number;
  private readonly kSync: number;
  private readonly kCron: number;
  private readonly kAck: number;
  private readonly kCronAck: number; // an ack sent by the cron: background, like the cron
  readonly lag: LagBins;
  clientWrites = 0; // writes masters applied for clients, in total
  // when the master the clients use went down or was cut off (-1: it is fine)
  masterLost_us = -1;
  readonly failovers: FailoverRecord[] = [];
  // per instance: still running when a replica of it was promoted (cut off, not dead): a master
  // in the minority, whose writes since the cut exist nowhere else
  readonly cutOffMaster: Uint8Array;
  discarded = 0; // writes thrown away by full resyncs (a demoted master's since the split)
  // with sites: per instance the site it runs in (-1: none given, its link alone joins it), whether
  // that site is dark, and the site links' state and latency
  readonly site: Int32Array;
  readonly dark: Uint8Array;
  private siteUp: (a: number, b: number) => boolean = () => true;
  private siteLatency_us: (a: number, b: number) => number = () => 0;
  /** A REPLCONF ACK reached master `m` (WAIT listens). */
  onAcked: ((m: number) => void) | null = null;

  constructor(
    private readonly engine: Engine,
    readonly cfg: ReplicationConfig,
    readonly names: readonly string[],
    private readonly lan_us: number,
    readonly ks: readonly LoggedKeyspace[],
    rng: RngStream,
    private readonly bg: Background,
    bin_us: number,
  ) {
    const n = (this.n = names.length);
    this.masterOf = new Int32Array(n).fill(0);
    this.masterOf[0] = -1;
    this.alive = new Uint8Array(n).fill(1);
    this.linkUp = new Uint8Array(n).fill(1);
    this.linkLatency_us = Float64Array.from(names, (_, i) => (i === 0 ? 0 : cfg.replicas[i - 1].link_latency_us));
    this.priority = Int32Array.from(names, (_, i) => (i === 0 ? 100 : cfg.replicas[i - 1].priority));
    this.online = new Uint8Array(n).fill(1);
    this.site = new Int32Array(n).fill(-1);
    this.cutOffMaster = new Uint8Array(n);
    this.dark = new Uint8Array(n);
    this.ackOff = new Float64Array(n);
    this.ackTime_s = new Float64Array(n);
    this.session = new Int32Array(n);
    this.lag = new LagBins(n, bin_us);
    this.kApply = engine.register('repl.apply', (e, target) => this.onApply(e, target));
    this.kSync = engine.register('repl.sync', (e) => this.onSync(e));
    this.kCron = engine.register('repl.cron', (i) => this.cron(i));
    this.kAck = engine.register('repl.ack', (e, off) => this.onAck(e, off));
    this.kCronAck = engine.register('repl.cron_ack', (e, off) => {
      this.bg.fired();
      this.onAck(e, off);
    });
    // each server's cron runs at its own phase within the second
    for (let i = 0; i < n; i++) bg.schedule(rng.int(REPL_CRON_PERIOD_US), this.kCron, i);
  }

  offset(i: number): number {
    return this.ks[i].log.length - 1; // the inventory's HSET came before any replica attached
  }

  /** Places the instances in sites: a replica in another site than its peer reaches it over the site link. */
  placeInSites(site: readonly number[], up: (a: number, b: number) => boolean, latency_us: (a: number, b: number) => number): void {
    this.site.set(site);
    this.siteUp = up;
    this.siteLatency_us = latency_us;
  }

  /** Both instances in known sites, and different ones: the site link joins them. */
  private acrossSites(a: number, b: number): boolean {
    const sa = this.site[a];
    const sb = this.site[b];
    return sa >= 0 && sb >= 0 && sa !== sb;
  }

  /** Is the path between two instances up? Replicas in one site reach each other directly. */
  pathUp(a: number, b: number): boolean {
    if (a === b) return true;
    if (this.acrossSites(a, b) && !this.siteUp(this.site[a], this.site[b])) return false;
    if (a === 0) return this.linkUp[b] === 1;
    if (b === 0) return this.linkUp[a] === 1;
    return true;
  }

  pathLatency_us(a: number, b: number): number {
    if (a === b) return 0;
    if (a === 0) return this.linkLatency_us[b];
    if (b === 0) return this.linkLatency_us[a];
    return this.acrossSites(a, b) ? this.siteLatency_us(this.site[a], this.site[b]) : this.lan_us;
  }

  reachable(a: number, b: number): boolean {
    return this.alive[a] === 1 && this.alive[b] === 1 && this.pathUp(a, b);
  }

  private entity(i: number): number {
    return i + this.n * this.session[i];
  }

  /** Master `m` applied a client write: it goes down the stream to each replica that can hear it. */
  wrote(m: number): void {
    this.clientWrites++;
    const now = this.engine.now_us;
    for (let r = 0; r < this.n; r++) {
      if (this.masterOf[r] !== m) continue;
      if (this.online[r] && this.reachable(m, r)) this.engine.schedule(this.pathLatency_us(m, r), this.kApply, this.entity(r), this.offset(m));
      this.lag.note(r, now, this.lagOf(r));
    }
  }

  lagOf(i: number): number {
    const m = this.masterOf[i];
    return m < 0 ? 0 : Math.max(0, this.offset(m) - this.offset(i));
  }

  private onApply(e: number, target: number): void {
    const r = e % this.n;
    if (Math.floor(e / this.n) !== this.session[r] || !this.alive[r]) return; // a stream that was cut
    // what was on the wire when the link went down is retransmitted when it heals (setLink)
    if (!this.reachable(this.masterOf[r], r)) return;
    const from = this.ks[this.masterOf[r]];
    const to = this.ks[r];
    for (let k = to.log.length; k <= target && k < from.log.length; k++) to.applyReplicated(from.log[k]);
    this.lag.note(r, this.engine.now_us, this.lagOf(r));
    // a master with clients in WAIT sent REPLCONF GETACK after the write: the replica acks at once
    if (this.cfg.wait) this.engine.schedule(this.pathLatency_us(this.masterOf[r], r), this.kAck, e, this.offset(r));
  }

  /** The replica (re)connects to its master: a resync, one round trip later. */
  private startSync(r: number): void {
    this.session[r]++;
    this.online[r] = 0;
    const m = this.masterOf[r];
    if (this.reachable(m, r)) this.engine.schedule(2 * this.pathLatency_us(m, r), this.kSync, this.entity(r));
  }

  private onSync(e: number): void {
    const r = e % this.n;
    if (Math.floor(e / this.n) !== this.session[r] || !this.alive[r]) return;
    const m = this.masterOf[r];
    if (!this.reachable(m, r)) return; // it tries again from its cron
    const mine = this.ks[r];
    const theirs = this.ks[m];
    // a partial resync when its history is a prefix of the master's, else a full one
    const common = commonPrefix(mine.log, theirs.log);
    if (common === mine.log.length) for (let k = mine.log.length; k < theirs.log.length; k++) mine.applyReplicated(theirs.log[k]);
    else {
      this.discarded += mine.log.length - common; // readSyncBulkPayload empties the old dataset first
      mine.copyFrom(theirs);
    }
    this.online[r] = 1;
    this.ackOff[r] = this.offset(r);
    this.ackTime_s[r] = Math.floor(this.engine.now_us / 1e6);
    this.lag.note(r, this.engine.now_us, this.lagOf(r));
  }

  /** serverCron's once-a-second replicationCron of instance `i`. */
  private cron(i: number): void {
    this.bg.fired();
    if (this.alive[i]) {
      const m = this.masterOf[i];
      if (m >= 0) {
        if (!this.online[i] && this.reachable(m, i)) this.startSync(i); // connectWithMaster
        else if (this.online[i] && this.reachable(m, i)) {
          this.bg.schedule(this.pathLatency_us(m, i), this.kCronAck, this.entity(i), this.offset(i));
        }
      } else this.refreshGoodReplicas(i);
    }
    if (!this.bg.idle) this.bg.schedule(REPL_CRON_PERIOD_US, this.kCron, i);
  }

  private onAck(e: number, off: number): void {
    const r = e % this.n;
    if (Math.floor(e / this.n) !== this.session[r]) return;
    if (!this.reachable(this.masterOf[r], r)) return; // cut off on the way
    if (off > this.ackOff[r]) this.ackOff[r] = off;
    this.ackTime_s[r] = Math.floor(this.engine.now_us / 1e6);
    this.onAcked?.(this.masterOf[r]);
  }

  /** refreshGoodSlavesCount, and the write guard it feeds. */
  goodReplicas(m: number): number {
    const now_s = Math.floor(this.engine.now_us / 1e6);
    let good = 0;
    for (let r = 0; r < this.n; r++) {
      if (this.masterOf[r] === m && this.online[r] && now_s - this.ackTime_s[r] <= this.cfg.min_replicas_max_lag_s) good++;
    }
    return good;
  }

  private refreshGoodReplicas(m: number): void {
    const min = this.cfg.min_replicas_to_write;
    if (min === 0 || this.cfg.min_replicas_max_lag_s === 0) return;
    this.ks[m].refuseWrites = this.goodReplicas(m) < min;
  }

  /** The replication link of instance `r` goes down or comes back. */
  setLink(r: number, up: boolean): void {
    this.linkUp[r] = up ? 1 : 0;
    if (up) this.resumeStreams();
  }

  /** A path came back (a replication link or a site link): the streams across it resume. */
  resumeStreams(): void {
    // the streams across this path resume where they stopped
    for (let i = 0; i < this.n; i++) {
      const m = this.masterOf[i];
      if (m < 0 || !this.online[i] || !this.reachable(m, i)) continue;
      this.engine.schedule(this.pathLatency_us(m, i), this.kApply, this.entity(i), this.offset(m));
    }
  }

  kill(i: number): void {
    this.alive[i] = 0;
    this.session[i]++;
    if (this.masterOf[i] >= 0) this.online[i] = 0; // its master sees the connection close
  }

  /** A restarted replica has lost its memory and resyncs; a master keeps what the caller loaded. */
  recover(i: number): void {
    this.alive[i] = 1;
    if (this.masterOf[i] < 0) return;
    this.ks[i].clear();
    this.ks[i].log.length = 0;
    this.startSync(i);
  }

  /** SLAVEOF NO ONE on `p`: returns the writes its old master had that it never got. */
  promote(p: number): number {
    const old = this.masterOf[p];
    if (old >= 0 && this.alive[old]) this.cutOffMaster[old] = 1;
    this.masterOf[p] = -1;
    this.session[p]++;
    this.online[p] = 1;
    this.ks[p].refuseWrites = false;
    this.lag.note(p, this.engine.now_us, 0);
    return old < 0 ? 0 : this.missingFrom(p, old);
  }

  /** Entries of `of`'s log that `p` does not have. */
  private missingFrom(p: number, of: number): number {
    const b = this.ks[of].log;
    return b.length - commonPrefix(this.ks[p].log, b);
  }

  /** SLAVEOF m on `i` (Sentinel reconfiguring a replica, or turning an old master into one). */
  follow(i: number, m: number): void {
    this.masterOf[i] = m;
    this.startSync(i);
  }
}

/** How many entries two logs share from their start (entries are shared objects along a stream). */
function commonPrefix(a: readonly LoggedWrite[], b: readonly LoggedWrite[]): number {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  return k;
}
