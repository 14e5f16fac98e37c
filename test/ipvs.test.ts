// IPVS schedulers against sequences worked out by hand from torvalds/linux net/netfilter/ipvs/.
import fc from 'fast-check';
import { IpvsDestList, IpvsService, LcScheduler, ShScheduler, WlcScheduler, WrrScheduler, hash32 } from '../src/model/front/ipvs.js';
import type { IpvsDestConfig, IpvsSchedulerName } from '../src/model/front/ipvs.js';
import { parseIPv4 } from '../src/model/front/ecmp.js';

const dests = (ws: number[], names = 'abcdefghijklmnop'): IpvsDestConfig[] =>
  ws.map((weight, i) => ({ name: names[i], weight }));

function run(svc: IpvsService, n: number, bind = false): string[] {
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const i = svc.schedule();
    if (bind && i >= 0) svc.bind(i);
    out.push(i >= 0 ? svc.dests.names[i] : '-');
  }
  return out;
}

describe('ip_vs_rr.c ip_vs_rr_schedule', () => {
  test('circular scan from the head; weight 0 skipped, other weights ignored', () => {
    const svc = new IpvsService('rr', dests([1, 0, 5]));
    expect(run(svc, 5).join(' ')).toBe('a c a c a');
  });

  test('ip_vs_rr_del_dest: removing the cursor dest steps back to the previous entry', () => {
    const svc = new IpvsService('rr', dests([1, 1, 1]));
    expect(run(svc, 2).join(' ')).toBe('a b');
    svc.removeDest('b'); // cursor was b -> now a, so the scan resumes after a
    expect(run(svc, 3).join(' ')).toBe('c a c');
  });

  test('removing the first dest while the cursor is on it goes back to the head', () => {
    const svc = new IpvsService('rr', dests([1, 1, 1]));
    expect(run(svc, 1)).toEqual(['a']);
    svc.removeDest('a');
    expect(run(svc, 2).join(' ')).toBe('b c');
  });

  test('a dest added at the list head is reached after the tail', () => {
    const svc = new IpvsService('rr', dests([1, 1]));
    expect(run(svc, 1)).toEqual(['a']);
    svc.addDest({ name: 'z', weight: 1 }); // list z a b, cursor still on a
    expect(run(svc, 3).join(' ')).toBe('b z a');
  });

  test('all overloaded or quiesced -> no destination', () => {
    const svc = new IpvsService('rr', dests([0, 1]));
    svc.dests.overloaded[1] = true;
    expect(svc.schedule()).toBe(-1);
  });
});

describe('ip_vs_wrr.c ip_vs_wrr_schedule', () => {
  test('4,3,2: di=1, mw=4; passes with cw 4,3,2,1 give a | a b | a b c | a b c', () => {
    const svc = new IpvsService('wrr', dests([4, 3, 2]));
    expect(run(svc, 18).join(' ')).toBe('a a b a b c a b c a a b a b c a b c');
  });

  test('4,2: di=2, mw = 4 - (2 - 1) = 3; passes with cw 3, 1', () => {
    const svc = new IpvsService('wrr', dests([4, 2]));
    const s = svc.scheduler as WrrScheduler;
    expect([s.di, s.mw, s.cw]).toEqual([2, 3, 3]);
    expect(run(svc, 6).join(' ')).toBe('a a b a a b');
  });

  test('ip_vs_wrr_dest_changed: cursor to head, cw = (cw / di) * di + 1 when di > 1', () => {
    const svc = new IpvsService('wrr', dests([4, 3, 2]));
    expect(run(svc, 2).join(' ')).toBe('a a'); // cw is now 3, cursor on a
    svc.updateDest('b', 6); // weights 4,6,2: di=2, mw=5, cw = (3/2)*2 + 1 = 3
    const s = svc.scheduler as WrrScheduler;
    expect([s.cursor, s.di, s.mw, s.cw]).toEqual([-1, 2, 5, 3]);
    // cw 3: a b; cw 1 (last pass): a b c; cw wraps to 5: b; cw 3: a b; ...
    expect(run(svc, 9).join(' ')).toBe('a b a b c b a b a');
  });

  test('all weights 0 -> mw 0 -> no destination', () => {
    const svc = new IpvsService('wrr', dests([0, 0]));
    expect(svc.schedule()).toBe(-1);
  });

  test('all overloaded -> no destination, after at most one full round', () => {
    const svc = new IpvsService('wrr', dests([3, 1]));
    expect(run(svc, 1)).toEqual(['a']);
    svc.dests.overloaded[0] = true;
    svc.dests.overloaded[1] = true;
    expect(svc.schedule()).toBe(-1);
    svc.dests.overloaded[1] = false;
    expect(run(svc, 2).join(' ')).toBe('b b');
  });

  test('built by adds (keepalived, ipvsadm -a): list is reversed and cw is not reset to mw', () => {
    // empty: mw = cw = 0. add c(2): di 2, mw = 2 - 1 = 1, cw 0 -> mw = 1.
    // add b(3): di 1, mw 3, cw 1 stays (not > mw, not 0, di 1). add a(4): mw 4, cw 1 stays.
    // So the first round takes everyone once (cw 1), then the usual passes cw 4, 3, 2, 1.
    const svc = IpvsService.fromAdds('wrr', [
      { name: 'c', weight: 2 },
      { name: 'b', weight: 3 },
      { name: 'a', weight: 4 },
    ]);
    expect(svc.dests.names).toEqual(['a', 'b', 'c']);
    expect((svc.scheduler as WrrScheduler).cw).toBe(1);
    expect(run(svc, 9).join(' ')).toBe('a b c a a b a b c');
  });

  test('property: one period from a fresh state gives every dest exactly its weight', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 8 }), (ws) => {
        fc.pre(ws.some((w) => w > 0));
        const svc = new IpvsService('wrr', dests(ws));
        const total = ws.reduce((x, y) => x + y, 0);
        const counts = new Array<number>(ws.length).fill(0);
        for (let k = 0; k < total; k++) counts[svc.schedule()]++;
        expect(counts).toEqual(ws);
      }),
    );
  });
});

describe('ip_vs_lc.c ip_vs_lc_schedule and include/net/ip_vs.h ip_vs_dest_conn_overhead', () => {
  test('overhead = active*256 + inactive; strict <, so ties go to the first', () => {
    const d = new IpvsDestList(dests([1, 1, 1]));
    d.activeconns[0] = 1; // 256
    d.inactconns[1] = 300; // 300
    d.inactconns[2] = 256; // 256, ties with a
    expect(new LcScheduler().schedule(d)).toBe(0);
    d.inactconns[2] = 255;
    expect(new LcScheduler().schedule(d)).toBe(2);
  });

  test('weight 0 and overloaded dests are skipped; weights otherwise ignored', () => {
    const svc = new IpvsService('lc', dests([0, 7, 1]));
    expect(run(svc, 4, true).join(' ')).toBe('b c b c');
    svc.dests.overloaded[1] = true;
    svc.dests.overloaded[2] = true;
    expect(svc.schedule()).toBe(-1);
  });
});

describe('ip_vs_wlc.c ip_vs_wlc_schedule', () => {
  test('all counters 0: the first dest with weight > 0 wins, whatever the weights', () => {
    const svc = new IpvsService('wlc', dests([0, 1, 9]));
    expect(svc.schedule()).toBe(1);
  });

  test('1,2 with arrivals and no departures: a b b a b b (strict loh*w > doh*lw)', () => {
    // a:0 b:0 -> a. a:256 b:0 -> 256*2 > 0 -> b. a:256 b:256 -> 512 > 256 -> b.
    // a:256 b:512 -> 512 > 512 is false -> a. a:512 b:512 -> b. a:512 b:768 -> 1024 > 768 -> b.
    const svc = new IpvsService('wlc', dests([1, 2]));
    expect(run(svc, 6, true).join(' ')).toBe('a b b a b b');
  });

  test('overloaded dests are skipped, a later weight-0 dest never wins', () => {
    const d = new IpvsDestList(dests([1, 1, 0]));
    d.overloaded[0] = true;
    d.activeconns[1] = 5;
    expect(new WlcScheduler().schedule(d)).toBe(1);
  });
});

describe('ip_vs_sh.c', () => {
  test('hash_32 (include/linux/hash.h): 10.0.0.1 * 0x61C88647 = 0x27C88647 mod 2^32 -> top byte 39', () => {
    expect(hash32(parseIPv4('10.0.0.1'), 8)).toBe(0x27);
  });

  test('ip_vs_sh_reassign: weight-proportional runs, round robin until 256 buckets', () => {
    const svc = new IpvsService('sh', dests([1, 2, 3]));
    const t = (svc.scheduler as ShScheduler).table;
    expect(Array.from(t.slice(0, 8))).toEqual([0, 1, 1, 2, 2, 2, 0, 1]);
    const counts = [0, 0, 0];
    for (const i of t) counts[i]++;
    expect(counts).toEqual([43, 86, 127]); // 42 full rounds of 6, then a, b, b, c
    // bucket 39 = 39 mod 6 = 3 -> c
    expect(svc.schedule({ saddr: parseIPv4('10.0.0.1'), sport: 0 })).toBe(2);
  });

  test('unavailable dest: dropped, or with sh-fallback the probe starts at bucket 2*hash', () => {
    const flow = { saddr: parseIPv4('10.0.0.1'), sport: 1234 };
    for (const fallback of [false, true]) {
      const svc = new IpvsService('sh', dests([1, 2, 3]), { fallback });
      svc.updateDest('c', 0); // rebuild: a b b c, period 4; bucket 39 -> 39 mod 4 = 3 -> c (weight 0)
      // fallback k=0: roffset 39, bucket (39 + 39) & 255 = 78 -> 78 mod 4 = 2 -> b
      expect(svc.schedule(flow)).toBe(fallback ? 1 : -1);
    }
  });

  test('sh-port hashes saddr + sport', () => {
    const svc = new IpvsService('sh', dests([1, 1, 1, 1]), { port: true });
    const flow = { saddr: parseIPv4('10.0.0.1'), sport: 7 };
    expect(svc.schedule(flow)).toBe(hash32(parseIPv4('10.0.0.8'), 8) % 4);
  });

  test('empty service: every bucket empty, no destination', () => {
    const svc = new IpvsService('sh', []);
    expect(svc.schedule({ saddr: 1, sport: 0 })).toBe(-1);
  });
});

describe('ip_vs_conn.c OVERLOAD bookkeeping', () => {
  test('set at u_threshold, cleared below 3/4 of it when l_threshold is 0', () => {
    const svc = new IpvsService('rr', [{ name: 'a', weight: 1, u_threshold: 4 }]);
    for (let k = 0; k < 4; k++) svc.bind(0);
    expect(svc.dests.overloaded[0]).toBe(true);
    expect(svc.schedule()).toBe(-1);
    svc.unbind(0, true); // 3 conns: 12 < 12 is false
    expect(svc.dests.overloaded[0]).toBe(true);
    svc.unbind(0, true); // 2 conns: 8 < 12
    expect(svc.dests.overloaded[0]).toBe(false);
  });
});

test('every scheduler returns -1 or a valid index', () => {
  const names: IpvsSchedulerName[] = ['rr', 'wrr', 'lc', 'wlc', 'sh'];
  fc.assert(
    fc.property(
      fc.constantFrom(...names),
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 6 }),
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 20 }),
      (name, ws, addrs) => {
        const svc = new IpvsService(name, dests(ws));
        for (const saddr of addrs) {
          const i = svc.schedule({ saddr, sport: 0 });
          if (i >= 0) {
            expect(svc.dests.weight[i]).toBeGreaterThan(0);
            svc.bind(i);
          } else if (name !== 'sh') {
            expect(ws.every((w) => w === 0)).toBe(true);
          }
        }
      },
    ),
  );
});
