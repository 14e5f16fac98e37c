// The reference for `npm run bench`: a hand-written discrete-event loop of a simpler model of
// million-users, on typed arrays, with nothing ticketsim's engine or tiers provide. Users arrive
// as a Poisson process, nginx's smooth weighted round robin picks an app server, the server's
// lock serves one request at a time and deducts local stock, and a single Redis thread decrements
// the inventory. What ticketsim costs beyond this loop is the price of its generality.
//
//   node dist/harness/bench/reference-loop.js [users] [rate_per_s]

const USERS = Number(process.argv[2] ?? 1_000_000);
const RATE_PER_S = Number(process.argv[3] ?? 200_000);
const WEIGHTS = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]; // million-users' upstream
const INVENTORY = 10_000;
const LOCK_MEDIAN_US = 15; // lognormal, as million-users' app.service_time
const LOCK_P99_US = 120;
const REDIS_US = 50;
const HOP_US = 100; // one-way nginx <-> app and app <-> Redis

// event kinds
const ARRIVE = 0;
const LOCK_DONE = 1;
const REDIS_DONE = 2;

/** A binary heap of (time, seq) keys over typed arrays; payload: kind and user. */
class Heap {
  time = new Float64Array(1 << 16);
  seq = new Float64Array(1 << 16);
  kind = new Int32Array(1 << 16);
  who = new Int32Array(1 << 16);
  size = 0;
  private nextSeq = 0;

  push(t: number, kind: number, who: number): void {
    if (this.size === this.time.length) this.grow();
    let i = this.size++;
    const s = this.nextSeq++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.time[p] < t || (this.time[p] === t && this.seq[p] < s)) break;
      this.move(p, i);
      i = p;
    }
    this.time[i] = t;
    this.seq[i] = s;
    this.kind[i] = kind;
    this.who[i] = who;
  }

  /** Removes the top; the caller has read it. */
  pop(): void {
    const n = --this.size;
    const t = this.time[n];
    const s = this.seq[n];
    const k = this.kind[n];
    const w = this.who[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (this.time[c + 1] < this.time[c] || (this.time[c + 1] === this.time[c] && this.seq[c + 1] < this.seq[c]))) c++;
      if (t < this.time[c] || (t === this.time[c] && s < this.seq[c])) break;
      this.move(c, i);
      i = c;
    }
    this.time[i] = t;
    this.seq[i] = s;
    this.kind[i] = k;
    this.who[i] = w;
  }

  private move(from: number, to: number): void {
    this.time[to] = this.time[from];
    this.seq[to] = this.seq[from];
    this.kind[to] = this.kind[from];
    this.who[to] = this.who[from];
  }

  private grow(): void {
    const n = this.time.length * 2;
    const f = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const g = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.time = f(this.time);
    this.seq = f(this.seq);
    this.kind = g(this.kind);
    this.who = g(this.who);
  }
}

/** A small xorshift generator: the reference needs speed, not seedrandom's streams. */
let rngState = 0x9e3779b9;
function random(): number {
  rngState ^= rngState << 13;
  rngState ^= rngState >>> 17;
  rngState ^= rngState << 5;
  return (rngState >>> 0) / 4294967296;
}

function gauss(): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function run(): { events: number; sold: number; end_us: number } {
  const S = WEIGHTS.length;
  const totalWeight = WEIGHTS.reduce((a, b) => a + b, 0);
  const localStock = Int32Array.from(WEIGHTS, (w) => Math.floor((INVENTORY * 1.2 * w) / totalWeight));
  const sales = new Int32Array(S);
  const current = new Float64Array(S);
  const busy = new Uint8Array(S);
  // per server, a ring of waiting users
  const queue = Array.from({ length: S }, () => new Int32Array(1 << 16));
  const qHead = new Int32Array(S);
  const qSize = new Int32Array(S);
  const serverOf = new Int32Array(USERS);
  const sigma = Math.log(LOCK_P99_US / LOCK_MEDIAN_US) / 2.326;
  const mu = Math.log(LOCK_MEDIAN_US);
  const redisQueue = new Int32Array(USERS);
  let rHead = 0;
  let rTail = 0;
  let redisBusy = false;
  let sold = 0;
  const heap = new Heap();
  let now = 0;
  let events = 0;
  let arrivals = 0;
  const startLock = (s: number, u: number) => {
    busy[s] = 1;
    heap.push(now + Math.exp(mu + sigma * gauss()), LOCK_DONE, u);
  };
  const release = (s: number) => {
    if (qSize[s] > 0) {
      const u = queue[s][qHead[s]];
      qHead[s] = (qHead[s] + 1) & 0xffff;
      qSize[s]--;
      startLock(s, u);
    } else busy[s] = 0;
  };
  heap.push(0, ARRIVE, 0);
  while (heap.size > 0) {
    now = heap.time[0];
    const kind = heap.kind[0];
    const u = heap.who[0];
    heap.pop();
    events++;
    if (kind === ARRIVE) {
      if (++arrivals < USERS) heap.push(now - (Math.log(1 - random()) * 1e6) / RATE_PER_S, ARRIVE, arrivals);
      // smooth weighted round robin (nginx's ngx_http_upstream_get_peer, no failures)
      let best = 0;
      for (let i = 0; i < S; i++) {
        current[i] += WEIGHTS[i];
        if (current[i] > current[best]) best = i;
      }
      current[best] -= totalWeight;
      serverOf[u] = best;
      if (busy[best]) {
        queue[best][(qHead[best] + qSize[best]) & 0xffff] = u;
        qSize[best]++;
      } else startLock(best, u);
    } else if (kind === LOCK_DONE) {
      const s = serverOf[u];
      if (++sales[s] < localStock[s]) {
        // the lock stays held across the Redis round trip, as in the article's handler
        redisQueue[rTail++] = u;
        if (!redisBusy) {
          redisBusy = true;
          heap.push(now + HOP_US + REDIS_US, REDIS_DONE, redisQueue[rHead++]);
        }
      } else release(s);
    } else {
      if (sold <= INVENTORY) sold++;
      if (rHead < rTail) heap.push(now + REDIS_US, REDIS_DONE, redisQueue[rHead++]);
      else redisBusy = false;
      release(serverOf[u]);
    }
  }
  return { events, sold, end_us: now };
}

const t0 = process.hrtime.bigint();
const r = run();
const wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ users: USERS, events: r.events, sold: r.sold, end_ms: Math.round(r.end_us / 1000), loop_s: wall_s }));
