// validate:real's request-by-request view of a run's start (tools/real-stack/early.ts): the
// simulated side read from a trace, the sale rate a lock allows, each sale's steps.
import { earlyLines, lockPace, parseTimed, saleSteps, simTimeline, type Timed, windowOf } from '../tools/real-stack/early.js';

const T = (arrive_us: number, lock_us: number, sent_us: number, reply_us: number, answer_us: number, sold = reply_us >= 0): Timed => ({ arrive_us, lock_us, sent_us, reply_us, answer_us, sold });

test('a backend log line gives its stamps; the article\'s line without them gives none', () => {
  expect(parseTimed('result:1,localSales:7,t:100,120,170,260,300')).toEqual(T(100, 120, 170, 260, 300, true));
  expect(parseTimed('result:0,localSales:481,t:100,120,-1,-1,150')).toEqual(T(100, 120, -1, -1, 150, false));
  expect(parseTimed('result:1,localSales:7')).toBeNull();
});

test('a trace gives each app server\'s requests: arrive, local deduction, Redis\'s reply', () => {
  const csv = [
    'time_us,request,user,client_ip,tier,node,event,outcome',
    '0,0,0,10.0.0.0,user,user,send,',
    '200,0,0,10.0.0.0,app,app4,arrive,',
    '250,1,1,10.0.0.0,app,app4,arrive,',
    '260,0,0,10.0.0.0,app,app4,local_ok,',
    '700,0,0,10.0.0.0,app,app4,redis_ok,ok',
    '720,1,1,10.0.0.0,app,app4,local_sold_out,sold_out',
    '300,2,2,10.0.0.0,app,app1,arrive,',
    '310,2,2,10.0.0.0,app,app1,local_ok,',
    '900,2,2,10.0.0.0,app,app1,redis_refused,sold_out',
    '',
  ].join('\n');
  const t = simTimeline(csv);
  expect(t.get('app4')).toEqual([T(200, 260, -1, 700, 700, true), T(250, 720, -1, -1, 720, false)]);
  expect(t.get('app1')).toEqual([T(300, 310, -1, 900, 900, false)]);
});

test('the window counts arrivals and answers inside it, and the first arrival', () => {
  const list = [T(100, 110, 120, 400, 450), T(200, 450, 460, 900, 950), T(1200, 1210, -1, -1, 1300)];
  // answers at 450 and 950 are inside [0, 1000); 1300 is not
  expect(windowOf(list, 0, 1000)).toEqual({ arrived: 2, answered: 2, sold: 2, firstArrive_us: 100 });
  expect(windowOf(list, 1000, 2000)).toEqual({ arrived: 1, answered: 1, sold: 0, firstArrive_us: 100 });
});

test('the lock\'s pace: lock to reply over the sales, the cycle only between back-to-back sales', () => {
  // sale 2 arrived (105) before sale 1 took the lock (110): it was waiting, so 1 -> 2 is a cycle;
  // sale 3 arrived at 2000, after sale 2's lock at 450: the lock idled, not a cycle
  const list = [T(100, 110, 120, 400, 450), T(105, 450, 460, 900, 950), T(2000, 2010, 2020, 2300, 2350)];
  const p = lockPace(list, 10_000);
  expect(p.sales).toBe(3);
  expect(p.toReply_us).toBeCloseTo((290 + 450 + 290) / 3, 9);
  // only 1 -> 2 is a cycle (105 <= 110): 450 - 110
  expect([p.cycle_us, p.cycles]).toEqual([340, 1]);
  // up to 1000 µs: sales whose lock was taken before it
  expect(lockPace(list, 1000).sales).toBe(2);
  const s = saleSteps(list);
  expect(s).toEqual({ sales: 3, toSent_us: 10, sentToReply_us: (280 + 440 + 280) / 3, toReply_us: (290 + 450 + 290) / 3, replyToAnswer_us: 50 });
  // a trace has no stamp for the issued call: those steps are unknown (-1)
  expect(saleSteps([T(0, 10, -1, 300, 300)]).toSent_us).toBe(-1);
});

test("the stack's pace from the first answer to the kill, and each server's start", () => {
  // answers at 400 and 800 µs fall in [first answer 400, kill 1000): 2 in 0.6 ms; the third (1500) is after the kill
  const lines = earlyLines('x', new Map([['app4', [T(0, 10, 20, 300, 400), T(5, 400, 410, 700, 800), T(6, 800, -1, -1, 1500)]]]), 0, 1000);
  expect(lines[0]).toBe('- x: first answer at 0.4 ms, kill at 1.0 ms; 2 answers from the first answer to the kill (3.33 per ms); app4 first request at 0.0 ms, in the first 100 ms 3 answered (2 sold), 2 by the kill (2 sold).');
  expect(lines[1]).toBe("  app4's sales up to the kill: 2; lock to Redis's reply 0.295 ms each, one sale's lock to the next's (already waiting) 0.390 ms over 1.");
});
