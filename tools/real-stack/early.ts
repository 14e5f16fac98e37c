// The start of a run, request by request, real and simulated side by side: when the first
// requests reach each backend, how many each answers in the first 100 ms, and app4's lock during
// the sale (how long a sale holds it, how fast sales follow each other). The real side reads the
// backends' log lines, which carry CLOCK_MONOTONIC µs stamps (backend.ts); the simulated side
// reads `sim run --trace`'s rows (the app's arrive, local_ok / local_sold_out, redis_ok).

/**
 * One request at a backend: when it arrived, took the lock, had issued its script call and had
 * Redis's reply (-1: no call), was answered; whether it sold.
 */
export type Timed = { arrive_us: number; lock_us: number; sent_us: number; reply_us: number; answer_us: number; sold: boolean };

/** A backend log line `result:R,localSales:N,t:A,L,S,P,W` (µs); null for a line without stamps. */
export function parseTimed(line: string): Timed | null {
  const m = /^result:(\d),localSales:\d+,t:(\d+),(\d+),(-?\d+),(-?\d+),(\d+)$/.exec(line);
  if (m === null) return null;
  return { sold: m[1] === '1', arrive_us: Number(m[2]), lock_us: Number(m[3]), sent_us: Number(m[4]), reply_us: Number(m[5]), answer_us: Number(m[6]) };
}

/**
 * The simulated run's requests per app server, from a trace's CSV text: arrive, the local
 * deduction (just after the lock is taken: its CPU is a few µs), Redis's reply. answer_us is
 * the next event of the same job at that server (the reply or the deduction), as the trace has
 * no row for the answer leaving.
 */
export function simTimeline(csv: string): Map<string, Timed[]> {
  const out = new Map<string, Timed[]>();
  const open = new Map<string, Timed>(); // request@node: its attempt in progress
  for (const line of csv.split('\n')) {
    const f = line.split(',');
    if (f[4] !== 'app') continue;
    const t = Number(f[0]);
    const key = `${f[1]}@${f[5]}`;
    const ev = f[6];
    if (ev === 'arrive') {
      const x: Timed = { arrive_us: t, lock_us: -1, sent_us: -1, reply_us: -1, answer_us: -1, sold: false };
      open.set(key, x);
      const list = out.get(f[5]!) ?? [];
      list.push(x);
      out.set(f[5]!, list);
      continue;
    }
    const x = open.get(key);
    if (x === undefined) continue;
    if (ev === 'local_ok' || ev === 'local_sold_out') {
      x.lock_us = t;
      x.answer_us = t;
    } else if (ev === 'redis_ok' || ev === 'redis_refused' || ev === 'redis_failed') {
      x.reply_us = t;
      x.answer_us = t;
      x.sold = ev === 'redis_ok';
    }
  }
  return out;
}

/** What one server did from `from_us` to `to_us`. */
export type Window = { arrived: number; answered: number; sold: number; firstArrive_us: number };

export function windowOf(list: Timed[], from_us: number, to_us: number): Window {
  let arrived = 0;
  let answered = 0;
  let sold = 0;
  let first = Infinity;
  for (const x of list) {
    if (x.arrive_us < first) first = x.arrive_us;
    if (x.arrive_us >= from_us && x.arrive_us < to_us) arrived++;
    if (x.answer_us >= from_us && x.answer_us < to_us) {
      answered++;
      if (x.sold) sold++;
    }
  }
  return { arrived, answered, sold, firstArrive_us: first };
}

/**
 * A server's lock over its sales up to `to_us`: the mean time from taking the lock to Redis's
 * reply, and the mean cycle from one sale's lock to the next's when the next was already waiting
 * (it arrived before the lock was taken again): the lock's own pace, the sale rate it allows.
 */
export function lockPace(list: Timed[], to_us: number): { sales: number; toReply_us: number; cycle_us: number; cycles: number } {
  const sales = list.filter((x) => x.reply_us >= 0 && x.lock_us >= 0 && x.lock_us < to_us).sort((a, b) => a.lock_us - b.lock_us);
  let toReply = 0;
  let cycle = 0;
  let cycles = 0;
  for (let i = 0; i < sales.length; i++) {
    toReply += sales[i]!.reply_us - sales[i]!.lock_us;
    const next = sales[i + 1];
    if (next !== undefined && next.arrive_us <= sales[i]!.lock_us) {
      cycle += next.lock_us - sales[i]!.lock_us;
      cycles++;
    }
  }
  return { sales: sales.length, toReply_us: sales.length > 0 ? toReply / sales.length : 0, cycle_us: cycles > 0 ? cycle / cycles : 0, cycles };
}

/** The first 100 ms of a run, in words: per server, from `start_us` (ab's start, or the simulated run's 0). */
export function earlyLines(label: string, timeline: Map<string, Timed[]>, start_us: number, kill_us: number | null): string[] {
  const all = [...timeline.values()].flat();
  const firstAnswer = all.reduce((a, x) => (x.answer_us >= 0 && x.answer_us < a ? x.answer_us : a), Infinity);
  const ms = (v: number): string => ((v - start_us) / 1000).toFixed(1);
  const each = [...timeline].sort(([a], [b]) => a.localeCompare(b)).map(([name, list]) => {
    const w = windowOf(list, start_us, start_us + 100_000);
    const k = kill_us === null ? null : windowOf(list, start_us, kill_us);
    return `${name} first request at ${ms(w.firstArrive_us)} ms, in the first 100 ms ${w.answered} answered (${w.sold} sold)${k === null ? '' : `, ${k.answered} by the kill (${k.sold} sold)`}`;
  });
  // the whole stack's pace from the first answer to the kill: the sale, all four servers selling
  const end_us = kill_us ?? firstAnswer + 100_000;
  const paced = all.filter((x) => x.answer_us >= firstAnswer && x.answer_us < end_us).length;
  const pace = `${paced} answers from the first answer to ${kill_us === null ? '100 ms after it' : 'the kill'} (${(paced / Math.max(1e-9, (end_us - firstAnswer) / 1000)).toFixed(2)} per ms)`;
  const lines = [`- ${label}: first answer at ${ms(firstAnswer)} ms${kill_us === null ? '' : `, kill at ${ms(kill_us)} ms`}; ${pace}; ${each.join('; ')}.`];
  const app4 = timeline.get('app4');
  if (app4 !== undefined) {
    const p = lockPace(app4, kill_us ?? start_us + 100_000);
    lines.push(
      `  app4's sales up to ${kill_us === null ? '100 ms' : 'the kill'}: ${p.sales}; lock to Redis's reply ${(p.toReply_us / 1000).toFixed(3)} ms each, one sale's lock to the next's (already waiting) ${(p.cycle_us / 1000).toFixed(3)} ms over ${p.cycles}.`,
    );
  }
  return lines;
}

/** Means over a server's sales (µs): lock to issued call, issued to reply, lock to reply, reply to answer; -1 where not stamped. */
export function saleSteps(list: Timed[]): { sales: number; toSent_us: number; sentToReply_us: number; toReply_us: number; replyToAnswer_us: number } {
  const sales = list.filter((x) => x.reply_us >= 0 && x.lock_us >= 0);
  const mean = (f: (x: Timed) => number): number => (sales.length > 0 ? sales.reduce((a, x) => a + f(x), 0) / sales.length : 0);
  const sent = sales.every((x) => x.sent_us >= 0);
  return {
    sales: sales.length,
    toSent_us: sent ? mean((x) => x.sent_us - x.lock_us) : -1,
    sentToReply_us: sent ? mean((x) => x.reply_us - x.sent_us) : -1,
    toReply_us: mean((x) => x.reply_us - x.lock_us),
    replyToAnswer_us: mean((x) => x.answer_us - x.reply_us),
  };
}

/** Each server's sale path over a whole run, in words. */
export function saleLines(label: string, timeline: Map<string, Timed[]>): string[] {
  const f = (v: number): string => (v < 0 ? '-' : (v / 1000).toFixed(3));
  const each = [...timeline]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, list]) => {
      const s = saleSteps(list);
      return `${name} ${s.sales} sales: lock to call issued ${f(s.toSent_us)}, issued to reply ${f(s.sentToReply_us)}, lock to reply ${f(s.toReply_us)}, reply to answer ${f(s.replyToAnswer_us)} ms`;
    });
  return [`- ${label}: ${each.join('; ')}.`];
}
