// Redis Sentinel watching the inventory's master. Follows redis/redis src/sentinel.c:
// - sentinelTimer runs from serverCron, whose period is 1000 / hz ms with hz re-drawn every call
//   as CONFIG_DEFAULT_HZ + rand() % CONFIG_DEFAULT_HZ (10..19), so Sentinels drift apart.
// - sentinelSendPeriodicCommands: a PING when the last pong is older than
//   min(down-after, SENTINEL_PING_PERIOD = 1000 ms) and the last ping older than half that;
//   INFO to replicas every sentinel_info_period (10 s), every 1 s once the master is ODOWN or a
//   failover runs.
// - sentinelCheckSubjectivelyDown: elapsed = now - act_ping_time (the oldest unanswered ping),
//   or, with no ping pending and the link disconnected (a killed master resets it), now -
//   last_avail_time (the last pong); SDOWN when elapsed > down-after-milliseconds. A connected
//   link with a ping pending for more than down-after/2 is closed (after 15 s connected).
// - sentinelCheckObjectivelyDown: ODOWN when this Sentinel plus those whose last
//   is-master-down-by-addr reply said "down" reach the quorum; sentinelAskMasterStateToOtherSentinels
//   asks each other Sentinel at most once per second (sentinel_ask_period) while SDOWN, and
//   forgets replies older than 5 s.
// - sentinelStartFailoverIfNeeded / sentinelStartFailover: ODOWN, no failover running, and none
//   started in the last 2 x failover-timeout: a new epoch, state WAIT_START, failover_start_time =
//   now + rand() % SENTINEL_MAX_DESYNC (1000 ms), then an immediate (forced) ask carrying its id,
//   which is a request for votes. sentinelVoteLeader: a Sentinel votes for the first requester of
//   an epoch newer than its last vote.
// - sentinelGetLeader: the winner needs max(voters/2 + 1, quorum) votes; a Sentinel that has not
//   voted votes for the most voted one, or itself. sentinelFailoverWaitStart aborts after
//   min(SENTINEL_ELECTION_TIMEOUT = 10 s, failover-timeout) without winning.
// - sentinelSelectSlave / compareSlavesForPromotion: among replicas that are connected, answered
//   INFO in the last 5 s (master SDOWN) and have a non-zero priority, the lowest replica-priority,
//   then the largest replication offset (as its last INFO said), then the smallest run id (here
//   the node name stands for it).
// - SEND_SLAVEOF_NOONE, then WAIT_PROMOTION until an INFO of the replica reports role:master
//   (sentinelRefreshInstanceInfo), then RECONF_SLAVES: SLAVEOF the new master to the other
//   replicas, parallel-syncs at a time; when none is left (or failover-timeout) the failover ends
//   and +switch-master moves the monitored address (sentinelFailoverSwitchToPromotedSlave).
// - sentinelGetCurrentMasterAddress answers get-master-addr-by-name with the promoted replica
//   from RECONF_SLAVES on, and the leader forces a hello then, which moves the other Sentinels'
//   config at once: that is when clients (go-redis's FailoverClient) re-resolve to the new master.
// - A former master that comes back reporting role:master is turned into a replica of the new
//   one after it has been up 4 x sentinel_publish_period (8 s): +convert-to-slave.
// - Each Sentinel has its own configuration: the master it monitors and that master's
//   config_epoch. The leader takes the failover epoch when it sees the promotion and forces a
//   hello (sentinelForceHelloUpdateForMaster); every sentinel_publish_period (2 s) each Sentinel
//   publishes a hello, and one that hears a newer config_epoch moves to that master
//   (sentinelProcessHelloMessage: +config-update-from, +switch-master,
//   sentinelResetMasterAndChangeAddress). A Sentinel cut off from the others keeps its old view,
//   and keeps answering get-master-addr-by-name with the old master, until a hello reaches it.
// Simplifications: messages between Sentinels, and a Sentinel's to a Redis it can reach, take no
// time (microseconds against timers of seconds); the leader's own subscribers hear +switch-master
// when it sees the promotion (it emits it after reconfiguring the other replicas); hellos reach every Sentinel whose host the
// sender's host can reach; each Sentinel sits with a replica (round robin), so it reaches the
// first master only over that replica's replication link, unless `sentinel.sites` places it.
import type { Engine } from '../../engine/engine.js';
import type { RngStream } from '../../engine/rng.js';
import type { SentinelConfig } from '../../scenario/types.js';
import type { Background, Replication } from './replication.js';

export const SENTINEL_PING_PERIOD_US = 1_000_000;
export const SENTINEL_INFO_PERIOD_US = 10_000_000;
export const SENTINEL_ASK_PERIOD_US = 1_000_000;
export const SENTINEL_MAX_DESYNC_MS = 1000;
export const SENTINEL_ELECTION_TIMEOUT_US = 10_000_000;
export const SENTINEL_SLAVE_RECONF_TIMEOUT_US = 10_000_000;
export const SENTINEL_MIN_LINK_RECONNECT_PERIOD_US = 15_000_000;
export const SENTINEL_CONVERT_WAIT_US = 4 * 2_000_000; // sentinel_publish_period * 4
const CONFIG_DEFAULT_HZ = 10;

const NONE = 0;
const WAIT_START = 1;
const SELECT_SLAVE = 2;
const SEND_SLAVEOF_NOONE = 3;
const WAIT_PROMOTION = 4;
const RECONF_SLAVES = 5;
const UPDATE_CONFIG = 6;

const RECONF_SENT = 1;
const RECONF_DONE = 2;

/** What the rest of Redis hears from Sentinel. */
export interface SentinelClient {
  /** SLAVEOF NO ONE reached replica `p`. */
  promoted(p: number): void;
  /** The leader saw the promotion: get-master-addr-by-name now names `p` (the failover's record). */
  switched(from: number, to: number): void;
  /** Sentinel `i` now names `to` as the master: +switch-master to the clients subscribed to it. */
  announced?(i: number, to: number): void;
}

export const SENTINEL_PUBLISH_PERIOD_US = 2_000_000;

/** The first time each step happened in the current failover, for the report (-1: not yet). */
export type FailoverSteps = { sdown_us: number; odown_us: number; elected_us: number; promoted_us: number; end_us: number };

export class Sentinels {
  readonly count: number;
  private readonly host: Int32Array; // the instance each Sentinel sits with
  private readonly lastPong: Float64Array;
  private readonly lastPing: Float64Array;
  private readonly lastAvail: Float64Array;
  private readonly actPing: Float64Array;
  private readonly ccConn: Float64Array;
  private readonly disconnected: Uint8Array;
  private readonly sdown: Uint8Array;
  private readonly odown: Uint8Array;
  private readonly mdown: Uint8Array; // [i * S + j]: j's last reply to i said "down"
  private readonly lastReply: Float64Array; // [i * S + j]
  private readonly seenLeader: Int32Array; // [i * S + j]: j's vote as its reply told i
  private readonly seenLeaderEpoch: Int32Array;
  private readonly epoch: Int32Array; // current_epoch
  private readonly vote: Int32Array; // master->leader: this Sentinel's vote
  private readonly voteEpoch: Int32Array;
  private readonly state: Int8Array;
  private readonly failEpoch: Int32Array;
  private readonly failStart: Float64Array;
  private readonly stateChange: Float64Array;
  private readonly promotedBy: Int32Array;
  private readonly infoRefresh: Float64Array; // [i * n + x]
  private readonly infoOffset: Float64Array; // [i * n + x]
  private readonly upSince: Float64Array; // [i * n + x]: reachable since (-1: not now)
  private readonly reconf: Uint8Array; // [i * n + x]
  private readonly reconfSent: Float64Array; // [i * n + x]
  private readonly monitored: Int32Array; // per Sentinel: the master it monitors
  private readonly configEpoch: Int32Array; // per Sentinel: that master's config_epoch
  private readonly lastPub: Float64Array; // per Sentinel: its last hello
  steps: FailoverSteps = { sdown_us: -1, odown_us: -1, elected_us: -1, promoted_us: -1, end_us: -1 };
  private readonly kTick: number;
  private readonly n: number;

  constructor(
    private readonly engine: Engine,
    private readonly cfg: SentinelConfig,
    private readonly repl: Replication,
    private readonly client: SentinelClient,
    private readonly rng: Pick<RngStream, 'int'>,
    private readonly bg: Background,
    hosts?: Int32Array, // per Sentinel, the instance it sits with
  ) {
    const S = (this.count = cfg.sentinels);
    const n = (this.n = repl.n);
    this.host = hosts ?? Int32Array.from({ length: S }, (_, i) => 1 + (i % (n - 1)));
    this.monitored = new Int32Array(S);
    this.configEpoch = new Int32Array(S);
    this.lastPub = new Float64Array(S);
    // the Sentinels have been watching for a while: pongs at their own phase within the second
    this.lastPong = Float64Array.from({ length: S }, () => -rng.int(SENTINEL_PING_PERIOD_US));
    this.lastPing = Float64Array.from(this.lastPong);
    this.lastAvail = Float64Array.from(this.lastPong);
    this.actPing = new Float64Array(S);
    this.ccConn = new Float64Array(S).fill(-Infinity);
    this.disconnected = new Uint8Array(S);
    this.sdown = new Uint8Array(S);
    this.odown = new Uint8Array(S);
    this.mdown = new Uint8Array(S * S);
    this.lastReply = new Float64Array(S * S).fill(-Infinity);
    this.seenLeader = new Int32Array(S * S).fill(-1);
    this.seenLeaderEpoch = new Int32Array(S * S);
    this.epoch = new Int32Array(S);
    this.vote = new Int32Array(S).fill(-1);
    this.voteEpoch = new Int32Array(S);
    this.state = new Int8Array(S);
    this.failEpoch = new Int32Array(S);
    this.failStart = new Float64Array(S).fill(-Infinity);
    this.stateChange = new Float64Array(S);
    this.promotedBy = new Int32Array(S).fill(-1);
    this.infoRefresh = Float64Array.from({ length: S * n }, () => -rng.int(SENTINEL_INFO_PERIOD_US));
    this.infoOffset = new Float64Array(S * n);
    this.upSince = new Float64Array(S * n).fill(-1);
    this.reconf = new Uint8Array(S * n);
    this.reconfSent = new Float64Array(S * n);
    this.kTick = engine.register('sentinel.timer', (i) => this.tick(i));
    for (let i = 0; i < S; i++) bg.schedule(this.period_us(), this.kTick, i);
  }

  /** The master as the newest configuration names it (the first Sentinel's view among those with the largest config_epoch). */
  get master(): number {
    let best = 0;
    for (let i = 1; i < this.count; i++) if (this.configEpoch[i] > this.configEpoch[best]) best = i;
    return this.monitored[best];
  }

  /** The instance Sentinel `i` sits with. */
  hostOf(i: number): number {
    return this.host[i];
  }

  /** Is Sentinel `i` running (its site not dark)? */
  up(i: number): boolean {
    return this.repl.dark[this.host[i]] === 0;
  }

  /** get-master-addr-by-name on Sentinel `i` (sentinelGetCurrentMasterAddress): the promoted replica from RECONF_SLAVES on. */
  answer(i: number): number {
    return this.state[i] >= RECONF_SLAVES && this.promotedBy[i] >= 0 ? this.promotedBy[i] : this.monitored[i];
  }

  /** serverCron's next period: 1000 / hz ms, hz drawn again each time. */
  private period_us(): number {
    return Math.floor(1000 / (CONFIG_DEFAULT_HZ + this.rng.int(CONFIG_DEFAULT_HZ))) * 1000;
  }

  private reaches(i: number, x: number): boolean {
    return this.repl.alive[x] === 1 && this.repl.pathUp(this.host[i], x);
  }

  /** sentinelTimer of Sentinel `i`: the master first, then its replicas. */
  private tick(i: number): void {
    this.bg.fired();
    const now = this.engine.now_us;
    // a Sentinel in a dark site is down with its host; it carries on where it was when the site returns
    if (this.repl.dark[this.host[i]]) {
      if (!this.bg.idle) this.bg.schedule(this.period_us(), this.kTick, i);
      return;
    }
    this.pingMaster(i, now);
    this.checkSdown(i, now);
    this.checkOdown(i, now);
    const started = this.startFailoverIfNeeded(i, now);
    // the replies to this tick's asks (votes included) come back after it, as async replies do
    this.failoverStep(i, now);
    if (started) this.ask(i, now, true);
    this.ask(i, now, false);
    for (let x = 0; x < this.n; x++) if (x !== this.monitored[i]) this.infoReplica(i, x, now);
    if (this.state[i] === UPDATE_CONFIG) this.switchMaster(i, now);
    if (now - this.lastPub[i] >= SENTINEL_PUBLISH_PERIOD_US) this.hello(i, now);
    if (!this.bg.idle) this.bg.schedule(this.period_us(), this.kTick, i);
  }

  private pingMaster(i: number, now: number): void {
    const m = this.monitored[i];
    const due = now - this.lastPong[i] > SENTINEL_PING_PERIOD_US && now - this.lastPing[i] > SENTINEL_PING_PERIOD_US / 2;
    // a dead process resets its connection, but only if the reset can reach the Sentinel: behind
    // a cut link a dead master looks the same as a live one (pings go unanswered)
    if (!this.repl.alive[m] && this.repl.pathUp(this.host[i], m)) {
      this.disconnected[i] = 1;
      return;
    }
    if (this.reaches(i, m)) {
      if (this.disconnected[i]) this.ccConn[i] = now;
      this.disconnected[i] = 0;
      if (due || this.actPing[i] > 0) {
        this.lastPing[i] = now;
        this.lastPong[i] = now; // answered at once
        this.lastAvail[i] = now;
        this.actPing[i] = 0;
      }
      return;
    }
    if (this.disconnected[i]) return;
    if (due) {
      this.lastPing[i] = now;
      if (this.actPing[i] === 0) this.actPing[i] = now;
    }
    const half = this.cfg.down_after_us / 2;
    if (now - this.ccConn[i] > SENTINEL_MIN_LINK_RECONNECT_PERIOD_US && this.actPing[i] !== 0 && now - this.actPing[i] > half && now - this.lastPong[i] > half) {
      this.disconnected[i] = 1; // a ping unanswered for too long: the link is closed
    }
  }

  private checkSdown(i: number, now: number): void {
    let elapsed = 0;
    if (this.actPing[i] !== 0) elapsed = now - this.actPing[i];
    else if (this.disconnected[i]) elapsed = now - this.lastAvail[i];
    if (elapsed > this.cfg.down_after_us) {
      if (!this.sdown[i]) {
        this.sdown[i] = 1;
        if (this.steps.sdown_us < 0) this.steps.sdown_us = now;
      }
    } else this.sdown[i] = 0;
  }

  private checkOdown(i: number, now: number): void {
    const S = this.count;
    let q = 0;
    if (this.sdown[i]) {
      q = 1;
      for (let j = 0; j < S; j++) if (j !== i && this.mdown[i * S + j]) q++;
    }
    const od = this.sdown[i] === 1 && q >= this.cfg.quorum;
    if (od && !this.odown[i] && this.steps.odown_us < 0) this.steps.odown_us = now;
    this.odown[i] = od ? 1 : 0;
  }

  private startFailoverIfNeeded(i: number, now: number): boolean {
    if (!this.odown[i] || this.state[i] !== NONE) return false;
    if (now - this.failStart[i] < 2 * this.cfg.failover_timeout_us) return false;
    this.failEpoch[i] = ++this.epoch[i];
    this.failStart[i] = now + this.rng.int(SENTINEL_MAX_DESYNC_MS) * 1000;
    this.state[i] = WAIT_START;
    this.stateChange[i] = now;
    return true;
  }

  /** sentinelAskMasterStateToOtherSentinels; the replies (and votes) come back at once. */
  private ask(i: number, now: number, forced: boolean): void {
    const S = this.count;
    for (let j = 0; j < S; j++) {
      if (j === i) continue;
      const k = i * S + j;
      if (now - this.lastReply[k] > 5 * SENTINEL_ASK_PERIOD_US) {
        this.mdown[k] = 0;
        this.seenLeader[k] = -1;
      }
      if (!this.sdown[i] || !this.talks(i, j)) continue;
      if (!forced && now - this.lastReply[k] < SENTINEL_ASK_PERIOD_US) continue;
      this.lastReply[k] = now;
      this.mdown[k] = this.sdown[j];
      if (this.state[i] > NONE) {
        const v = this.voteLeader(j, this.epoch[i], i, now);
        this.seenLeader[k] = v;
        this.seenLeaderEpoch[k] = this.voteEpoch[j];
      }
    }
  }

  /** Can Sentinel i reach Sentinel j (alive, and the path between their hosts up)? */
  private talks(i: number, j: number): boolean {
    return this.repl.dark[this.host[j]] === 0 && this.repl.pathUp(this.host[i], this.host[j]);
  }

  /** sentinelVoteLeader on Sentinel `j`: returns its vote (-1: none). */
  private voteLeader(j: number, reqEpoch: number, req: number, now: number): number {
    if (reqEpoch > this.epoch[j]) this.epoch[j] = reqEpoch;
    if (this.voteEpoch[j] < reqEpoch && this.epoch[j] <= reqEpoch) {
      this.vote[j] = req;
      this.voteEpoch[j] = this.epoch[j];
      // having voted for another, it holds back its own failover
      if (req !== j) this.failStart[j] = now + this.rng.int(SENTINEL_MAX_DESYNC_MS) * 1000;
    }
    return this.vote[j];
  }

  /** sentinelGetLeader for Sentinel `i` (-1: no winner yet). */
  private getLeader(i: number, epoch: number, now: number): number {
    const S = this.count;
    const votes = new Int32Array(S);
    for (let j = 0; j < S; j++) {
      const k = i * S + j;
      if (j !== i && this.seenLeader[k] >= 0 && this.seenLeaderEpoch[k] === this.epoch[i]) votes[this.seenLeader[k]]++;
    }
    let winner = -1;
    let max = 0;
    for (let c = 0; c < S; c++) if (votes[c] > max) [max, winner] = [votes[c], c];
    const mine = this.voteLeader(i, epoch, winner >= 0 ? winner : i, now);
    if (mine >= 0 && this.voteEpoch[i] === epoch) {
      votes[mine]++;
      if (votes[mine] > max) [max, winner] = [votes[mine], mine];
    }
    if (winner >= 0 && (max < Math.floor(S / 2) + 1 || max < this.cfg.quorum)) return -1;
    return winner;
  }

  private setState(i: number, s: number, now: number): void {
    this.state[i] = s;
    this.stateChange[i] = now;
  }

  private abort(i: number, now: number): void {
    this.setState(i, NONE, now);
    this.promotedBy[i] = -1;
  }

  /** sentinelFailoverStateMachine. */
  private failoverStep(i: number, now: number): void {
    const ft = this.cfg.failover_timeout_us;
    switch (this.state[i]) {
      case WAIT_START:
        if (this.getLeader(i, this.failEpoch[i], now) === i) {
          this.setState(i, SELECT_SLAVE, now);
          if (this.steps.elected_us < 0) this.steps.elected_us = now;
        } else if (now - this.failStart[i] > Math.min(SENTINEL_ELECTION_TIMEOUT_US, ft)) this.abort(i, now);
        break;
      case SELECT_SLAVE: {
        const p = this.selectReplica(i, now);
        if (p < 0) this.abort(i, now);
        else {
          this.promotedBy[i] = p;
          this.setState(i, SEND_SLAVEOF_NOONE, now);
        }
        break;
      }
      case SEND_SLAVEOF_NOONE: {
        const p = this.promotedBy[i];
        if (!this.reaches(i, p)) {
          if (now - this.stateChange[i] > ft) this.abort(i, now);
          break;
        }
        this.client.promoted(p);
        this.setState(i, WAIT_PROMOTION, now);
        break;
      }
      case WAIT_PROMOTION:
        if (now - this.stateChange[i] > ft) this.abort(i, now);
        break;
      case RECONF_SLAVES:
        this.reconfNext(i, now);
        break;
      default:
        break;
    }
  }

  /** sentinelSelectSlave: -1 if no replica qualifies. */
  selectReplica(i: number, now: number): number {
    const n = this.n;
    const validity = this.sdown[i] ? 5 * SENTINEL_PING_PERIOD_US : 3 * SENTINEL_INFO_PERIOD_US;
    let best = -1;
    for (let x = 0; x < n; x++) {
      if (x === this.monitored[i] || !this.reaches(i, x) || this.repl.priority[x] === 0) continue;
      if (now - this.infoRefresh[i * n + x] > validity) continue;
      if (best < 0 || this.better(i, x, best)) best = x;
    }
    return best;
  }

  /** compareSlavesForPromotion: lower priority, then larger offset, then smaller run id. */
  private better(i: number, a: number, b: number): boolean {
    const pa = this.repl.priority[a];
    const pb = this.repl.priority[b];
    if (pa !== pb) return pa < pb;
    const oa = this.infoOffset[i * this.n + a];
    const ob = this.infoOffset[i * this.n + b];
    if (oa !== ob) return oa > ob;
    return this.repl.names[a] < this.repl.names[b];
  }

  /** INFO to replica `x` when due; its reply arrives at once (sentinelRefreshInstanceInfo). */
  private infoReplica(i: number, x: number, now: number): void {
    const k = i * this.n + x;
    if (!this.reaches(i, x)) {
      this.upSince[k] = -1;
      return;
    }
    if (this.upSince[k] < 0) this.upSince[k] = now;
    const period = this.odown[i] || this.state[i] !== NONE ? 1_000_000 : SENTINEL_INFO_PERIOD_US;
    if (now - this.infoRefresh[k] <= period) return;
    this.infoRefresh[k] = now;
    this.infoOffset[k] = this.repl.offset(x);
    const isMaster = this.repl.masterOf[x] < 0;
    if (isMaster && x === this.promotedBy[i] && this.state[i] === WAIT_PROMOTION) {
      this.setState(i, RECONF_SLAVES, now);
      if (this.steps.promoted_us < 0) this.steps.promoted_us = now;
      this.client.switched(this.monitored[i], x);
      this.configEpoch[i] = this.failEpoch[i];
      this.client.announced?.(i, x);
      this.hello(i, now); // forced: the Sentinels it can reach move at once
    } else if (isMaster && x !== this.promotedBy[i] && this.masterLooksSane(i) && now - this.upSince[k] > SENTINEL_CONVERT_WAIT_US) {
      this.repl.follow(x, this.monitored[i]); // +convert-to-slave
    } else if (!isMaster && this.reconf[k] === RECONF_SENT && this.repl.masterOf[x] === this.promotedBy[i] && this.repl.online[x]) {
      this.reconf[k] = RECONF_DONE;
    }
  }

  /** sentinelMasterLooksSane: the monitored master is up, reachable and says it is a master. */
  private masterLooksSane(i: number): boolean {
    const m = this.monitored[i];
    return !this.sdown[i] && !this.odown[i] && this.state[i] === NONE && this.reaches(i, m) && this.repl.masterOf[m] < 0;
  }

  /** sentinelFailoverReconfNextSlave and sentinelFailoverDetectEnd. */
  private reconfNext(i: number, now: number): void {
    const n = this.n;
    const p = this.promotedBy[i];
    let inProgress = 0;
    for (let x = 0; x < n; x++) if (this.reconf[i * n + x] === RECONF_SENT) inProgress++;
    for (let x = 0; x < n && inProgress < this.cfg.parallel_syncs; x++) {
      const k = i * n + x;
      if (x === this.monitored[i] || x === p || this.reconf[k] === RECONF_DONE) continue;
      if (this.reconf[k] === RECONF_SENT && now - this.reconfSent[k] > SENTINEL_SLAVE_RECONF_TIMEOUT_US) this.reconf[k] = RECONF_DONE;
      if (this.reconf[k] !== 0 || !this.reaches(i, x)) continue;
      this.repl.follow(x, p);
      this.reconf[k] = RECONF_SENT;
      this.reconfSent[k] = now;
      inProgress++;
    }
    let left = 0;
    for (let x = 0; x < n; x++) {
      if (x === this.monitored[i] || x === p || this.reconf[i * n + x] === RECONF_DONE || !this.reaches(i, x)) continue;
      left++;
    }
    if (left === 0 || now - this.stateChange[i] > this.cfg.failover_timeout_us) this.setState(i, UPDATE_CONFIG, now);
  }

  /** +switch-master on the leader: it, and every Sentinel it reaches, now monitors the promoted replica. */
  private switchMaster(i: number, now: number): void {
    const to = this.promotedBy[i];
    const epoch = this.configEpoch[i];
    this.steps.end_us = now;
    for (let j = 0; j < this.count; j++) if (j === i || this.talks(i, j)) this.adopt(j, to, epoch, now);
  }

  /** A hello from Sentinel `i`: each Sentinel it reaches with an older config_epoch moves to its master. */
  private hello(i: number, now: number): void {
    this.lastPub[i] = now;
    const to = this.answer(i);
    const epoch = this.configEpoch[i];
    for (let j = 0; j < this.count; j++) {
      if (j !== i && this.configEpoch[j] < epoch && this.talks(i, j)) {
        this.adopt(j, to, epoch, now);
        this.client.announced?.(j, to);
      }
    }
  }

  /** sentinelResetMasterAndChangeAddress on Sentinel `j`: it monitors `to` from scratch. */
  private adopt(j: number, to: number, epoch: number, now: number): void {
    const S = this.count;
    this.monitored[j] = to;
    this.configEpoch[j] = epoch;
    this.abort(j, now);
    this.sdown[j] = 0;
    this.odown[j] = 0;
    this.actPing[j] = 0;
    this.disconnected[j] = this.reaches(j, to) ? 0 : 1;
    this.lastPong[j] = now;
    this.lastAvail[j] = now;
    this.failStart[j] = -Infinity;
    this.mdown.fill(0, j * S, (j + 1) * S);
    this.seenLeader.fill(-1, j * S, (j + 1) * S);
    this.reconf.fill(0, j * this.n, (j + 1) * this.n);
  }

  /** Starts a fresh record of steps for the next failover. */
  resetSteps(): void {
    this.steps = { sdown_us: -1, odown_us: -1, elected_us: -1, promoted_us: -1, end_us: -1 };
  }
}
