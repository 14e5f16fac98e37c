// The table of in-flight requests, struct-of-arrays: a request slot is reused once nobody
// refers to it, so memory follows concurrency, not the user count.
import { check } from '../../engine/assert.js';
import { ColumnCircle, type ColumnsOf } from '../../engine/columns.js';
import { OUTCOME_NONE } from '../../metrics/outcomes.js';

// the outcomes are the metrics' vocabulary: a request's status holds one of them
export { OUTCOME_ERROR, OUTCOME_NONE, OUTCOME_OK, OUTCOME_SOLD_OUT, OUTCOME_TIMEOUT } from '../../metrics/outcomes.js';

// One entry per slot in each column (`tried`: triedWords entries).
const REQUEST_COLUMNS = {
  user: Int32Array,
  id: Float64Array, // 0, 1, 2, ... in the order users sent them (for traces)
  sent_us: Float64Array, // when the user sent it
  nginx: Int32Array, // nginx instance
  worker: Int32Array, // nginx worker within the instance
  nginxStart_us: Float64Array, // when nginx took it (proxy_next_upstream_timeout counts from here)
  onBackup: Uint8Array, // nginx switched to the backup list for this request
  peer: Int32Array, // index of the current peer in nginx's current list
  hashState: Int32Array, // ip_hash: the hash carried across retries (starts at 89)
  hashTries: Int32Array, // ip_hash: misses so far; past 20 it falls back to round robin
  holds: Uint8Array, // who still refers to this slot: the user (1) and the app server holding it
  ngxWaiting: Uint8Array, // nginx waits for the answer of the current attempt
  server: Int32Array, // app server currently holding it, -1 if none
  gen: Int32Array, // bumped on every hand-off to an app server and on release: stale events are told apart
  use: Int32Array, // bumped on every alloc: tells this use of the slot from earlier ones (the user's timer)
  connected: Uint8Array, // the app accepted the connection for the current attempt (the request was sent)
  abandoned: Uint8Array, // the user stopped waiting; the answer, if it comes, reaches nobody
  triesLeft: Int32Array, // nginx's pc->tries
  tried: Uint32Array, // nginx's per-request tried bitmap, triedWords words per request
  status: Uint8Array, // the answer so far (an OUTCOME_*)
  upstreamTimedOut: Uint8Array, // the attempt failed by timeout (for 504 and proxy_next_upstream timeout)
  lost: Uint8Array, // no answer will ever come (its site was dark): the user's timeout releases the slot
};

// The columns are plain fields of the table (the tiers index `requests.user[r]` and the like in
// their loops), copied from the slot circle at the start and whenever it grows.
export interface RequestTable extends ColumnsOf<typeof REQUEST_COLUMNS> {}

export class RequestTable {
  readonly triedWords: number;
  private readonly slots: ColumnCircle<typeof REQUEST_COLUMNS>;
  private sent = 0;

  constructor(peerCount: number, initialCapacity = 1024) {
    this.triedWords = Math.max(1, Math.ceil(peerCount / 32));
    // Slots are handed out in a circle rather than most-recently-freed first: requests sent close
    // together then sit close together in every column, and the tiers, which serve them in about
    // the order they were sent, walk the columns instead of jumping about in them.
    this.slots = new ColumnCircle(REQUEST_COLUMNS, initialCapacity, {
      widths: { tried: this.triedWords },
      onGrow: (c) => Object.assign(this, c),
    });
    Object.assign(this, this.slots.cols);
  }

  get capacity(): number {
    return this.slots.capacity;
  }

  /** Slots in use. */
  get live(): number {
    return this.slots.live;
  }

  alloc(user: number, now_us: number): number {
    const r = this.slots.alloc();
    this.user[r] = user;
    this.id[r] = this.sent++;
    this.sent_us[r] = now_us;
    // nginx, worker, nginxStart_us, peer, server, connected and upstreamTimedOut are set by nginx
    // before anything reads them
    this.onBackup[r] = 0;
    this.hashState[r] = 89; // ngx_http_upstream_init_ip_hash_peer
    this.hashTries[r] = 0;
    this.holds[r] = 1;
    this.ngxWaiting[r] = 0;
    this.gen[r]++; // never reset: events still in flight for the previous use stay stale
    this.use[r]++;
    this.abandoned[r] = 0;
    this.lost[r] = 0;
    this.triesLeft[r] = 0;
    for (let w = r * this.triedWords, end = w + this.triedWords; w < end; w++) this.tried[w] = 0;
    this.status[r] = OUTCOME_NONE;
    return r;
  }

  /** Another component (an app server) keeps a reference to `r` until it calls unhold. */
  hold(r: number): void {
    check(this.holds[r] > 0, () => `hold of request slot ${r}, which nobody holds (it was released)`);
    this.holds[r]++;
  }

  /** Drops one reference; the slot is reused once nobody refers to it. */
  unhold(r: number): void {
    check(this.holds[r] > 0, () => `unhold of request slot ${r} without a hold`);
    if (--this.holds[r] === 0) this.release(r);
  }

  private release(r: number): void {
    this.server[r] = -1;
    this.gen[r]++;
    this.slots.release(r);
  }
}
