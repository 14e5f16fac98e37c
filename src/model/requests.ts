// The table of in-flight requests, struct-of-arrays, with a free list: a request slot is
// reused once its user has the answer, so memory follows concurrency, not the user count.

export const OUTCOME_NONE = 0;
export const OUTCOME_OK = 1; // the user got a ticket
export const OUTCOME_SOLD_OUT = 2; // the app answered "sold out" (the article answers this for any failure too)
export const OUTCOME_ERROR = 3; // 502: nginx had no live upstream left, or the upstream failed
export const OUTCOME_TIMEOUT = 4; // the answer came after the user's timeout, or never

export class RequestTable {
  capacity: number;
  readonly triedWords: number;
  user: Int32Array;
  sent_us: Float64Array; // when the user sent it
  nginx: Int32Array; // nginx instance
  worker: Int32Array; // nginx worker within the instance
  onBackup: Uint8Array; // nginx switched to the backup list for this request
  peer: Int32Array; // index of the current peer in nginx's current list
  server: Int32Array; // app server currently holding it, -1 if none
  gen: Int32Array; // bumped on every hand-off to an app server, so stale replies can be told apart
  triesLeft: Int32Array; // nginx's pc->tries
  tried: Uint32Array; // nginx's per-request tried bitmap, triedWords words per request
  status: Uint8Array; // the app's answer (an OUTCOME_*)
  redisReply: Int8Array; // 1 ticket granted, 0 refused, -1 error
  private free: Int32Array;
  private freeCount = 0;
  private used = 0;
  live = 0;

  constructor(peerCount: number, initialCapacity = 1024) {
    this.capacity = initialCapacity;
    this.triedWords = Math.max(1, Math.ceil(peerCount / 32));
    this.user = new Int32Array(initialCapacity);
    this.sent_us = new Float64Array(initialCapacity);
    this.nginx = new Int32Array(initialCapacity);
    this.worker = new Int32Array(initialCapacity);
    this.onBackup = new Uint8Array(initialCapacity);
    this.peer = new Int32Array(initialCapacity);
    this.server = new Int32Array(initialCapacity);
    this.gen = new Int32Array(initialCapacity);
    this.triesLeft = new Int32Array(initialCapacity);
    this.tried = new Uint32Array(initialCapacity * this.triedWords);
    this.status = new Uint8Array(initialCapacity);
    this.redisReply = new Int8Array(initialCapacity);
    this.free = new Int32Array(initialCapacity);
  }

  alloc(user: number, now_us: number): number {
    let r: number;
    if (this.freeCount > 0) r = this.free[--this.freeCount];
    else {
      if (this.used === this.capacity) this.grow();
      r = this.used++;
    }
    this.live++;
    this.user[r] = user;
    this.sent_us[r] = now_us;
    this.nginx[r] = 0;
    this.worker[r] = 0;
    this.onBackup[r] = 0;
    this.peer[r] = -1;
    this.server[r] = -1;
    this.gen[r]++; // never reset: events still in flight for the previous use stay stale
    this.triesLeft[r] = 0;
    for (let w = r * this.triedWords, end = w + this.triedWords; w < end; w++) this.tried[w] = 0;
    this.status[r] = OUTCOME_NONE;
    this.redisReply[r] = 0;
    return r;
  }

  release(r: number): void {
    this.server[r] = -1;
    this.gen[r]++;
    this.free[this.freeCount++] = r;
    this.live--;
  }

  private grow(): void {
    const n = this.capacity * 2;
    const g32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.user = g32(this.user);
    this.nginx = g32(this.nginx);
    this.worker = g32(this.worker);
    this.peer = g32(this.peer);
    this.server = g32(this.server);
    this.gen = g32(this.gen);
    this.triesLeft = g32(this.triesLeft);
    this.free = g32(this.free);
    const s = new Float64Array(n);
    s.set(this.sent_us);
    this.sent_us = s;
    const b = new Uint8Array(n);
    b.set(this.onBackup);
    this.onBackup = b;
    const st = new Uint8Array(n);
    st.set(this.status);
    this.status = st;
    const rr = new Int8Array(n);
    rr.set(this.redisReply);
    this.redisReply = rr;
    const t = new Uint32Array(n * this.triedWords);
    t.set(this.tried);
    this.tried = t;
    this.capacity = n;
  }
}
