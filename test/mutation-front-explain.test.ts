// `sim explain` for the front tier (src/model/front/explain.ts), text and JSON in full: the
// explain tests check the command's plumbing; these pin what each explanation says. Every number
// was checked by hand: rr/wrr/lc/wlc over a=3 b=1 c=0 (wrr: di 1, mw 3, passes cw 3, 2, 1; wlc:
// 256*1 > 256*3 is false, so a keeps winning until 768 = 768); sh buckets = hash_32 mod the
// weight pattern (a b c repeating: 212 and 77 -> c, 249 -> a); ECMP 1,2 over 3:
// (2^31 + 1) / 3 - 1 = 715827882; VRRPv2 skew 156 * 10^6 / 256 = 609375, v3 owner
// 1 * 10 cs * 625 / 16 = 390.
import { explainEcmp, explainIpvs, explainIpvsShPicks, explainIpvsShTable, explainSpf, explainVrrp } from '../src/model/front/explain.js';

const text = (ls: string[]): string => ls.join('\n') + '\n';
const S = { names: ['a', 'b', 'c'], weights: [3, 1, 0] };

describe('explain ipvs', () => {
  test('rr', () => {
    expect(explainIpvs('rr', S, 5)).toEqual({
      text: text([
        'IPVS round robin (linux net/netfilter/ipvs/ip_vs_rr.c, ip_vs_rr_schedule): circular scan from the',
        'last chosen dest; the first with weight > 0 and not overloaded wins. Weights are otherwise ignored.',
        'dests in list order (as ipvsadm -Ln prints them): a=3 b=1 c=0',
        '',
        'pick  chosen',
        '----  ------',
        '1     a',
        '2     b',
        '3     a',
        '4     b',
        '5     a',
        '',
        'order: a b a b a',
      ]),
      json: { picks: ['a', 'b', 'a', 'b', 'a'] },
    });
  });

  test('wrr', () => {
    expect(explainIpvs('wrr', S, 5)).toEqual({
      text: text([
        'IPVS weighted round robin (linux net/netfilter/ipvs/ip_vs_wrr.c, ip_vs_wrr_schedule): passes over the',
        'list taking every dest with weight >= cw; cw starts at max weight and falls by gcd at the end of each pass.',
        'dests in list order (as ipvsadm -Ln prints them): a=3 b=1 c=0',
        'gcd di=1, mw = max - (di - 1) = 3',
        '',
        'pick  cw before  chosen  cw after',
        '----  ---------  ------  --------',
        '1     3          a       3',
        '2     3          a       2',
        '3     2          a       1',
        '4     1          b       1',
        '5     1          a       3',
        '',
        'order: a a a b a',
      ]),
      json: { picks: ['a', 'a', 'a', 'b', 'a'] },
    });
  });

  test('lc', () => {
    expect(explainIpvs('lc', S, 5)).toEqual({
      text: text([
        'IPVS least connection (linux net/netfilter/ipvs/ip_vs_lc.c, ip_vs_lc_schedule): least overhead =',
        'active*256 + inactive (include/net/ip_vs.h); ties go to the first. New connections stay active here.',
        'dests in list order (as ipvsadm -Ln prints them): a=3 b=1 c=0',
        '',
        'pick  overhead before  chosen',
        '----  ---------------  ------',
        '1     [0, 0, 0]        a',
        '2     [256, 0, 0]      b',
        '3     [256, 256, 0]    a',
        '4     [512, 256, 0]    b',
        '5     [512, 512, 0]    a',
        '',
        'order: a b a b a',
      ]),
      json: { picks: ['a', 'b', 'a', 'b', 'a'] },
    });
  });

  test('wlc', () => {
    expect(explainIpvs('wlc', S, 5)).toEqual({
      text: text([
        'IPVS weighted least connection (linux net/netfilter/ipvs/ip_vs_wlc.c, ip_vs_wlc_schedule): least',
        'overhead/weight, compared as loh*w > doh*lw (strict); all zero -> the first wins. Connections stay active.',
        'dests in list order (as ipvsadm -Ln prints them): a=3 b=1 c=0',
        '',
        'pick  overhead/weight before  chosen',
        '----  ----------------------  ------',
        '1     [0/3, 0/1, -]           a',
        '2     [256/3, 0/1, -]         b',
        '3     [256/3, 256/1, -]       a',
        '4     [512/3, 256/1, -]       a',
        '5     [768/3, 256/1, -]       a',
        '',
        'order: a b a a a',
      ]),
      json: { picks: ['a', 'b', 'a', 'a', 'a'] },
    });
  });

  test('sh: the table and the picks', () => {
    const t = explainIpvsShTable({ names: ['a', 'b'], weights: [1, 2] }, { port: false, fallback: true });
    expect(t.text.split('\n').slice(0, 8)).toEqual([
      'IPVS source hashing (linux net/netfilter/ipvs/ip_vs_sh.c): 256 buckets, each dest taking `weight`',
      'consecutive buckets round robin (weight 0 still takes one);',
      'bucket = hash_32(saddr, 8) = (x * 0x61C88647 mod 2^32) >> 24 (include/linux/hash.h).',
      'dests in list order: a=1 b=2; sh-fallback on',
      '',
      'buckets  dest',
      '-------  -------------------------------',
      '0-15     a b b a b b a b b a b b a b b a',
    ]);
    // a takes one bucket, b two, round robin: a b b over all 256
    expect(t.json).toEqual({ table: Array.from({ length: 256 }, (_, i) => 'abb'[i % 3]) });
    const clients = [
      { label: '10.0.0.1:7', flow: { saddr: 0x0a000001, sport: 7 } },
      { label: '10.0.0.2:9', flow: { saddr: 0x0a000002, sport: 9 } },
      { label: '10.0.0.3:1', flow: { saddr: 0x0a000003, sport: 1 } },
    ];
    expect(explainIpvsShPicks({ names: ['a', 'b', 'c'], weights: [1, 1, 0] }, { port: true, fallback: false }, clients)).toEqual({
      text: text([
        'IPVS source hashing (linux net/netfilter/ipvs/ip_vs_sh.c): 256 buckets, each dest taking `weight`',
        'consecutive buckets round robin (weight 0 still takes one);',
        'bucket = hash_32(saddr + sport, 8) = (x * 0x61C88647 mod 2^32) >> 24 (include/linux/hash.h).',
        'dests in list order: a=1 b=1 c=0; sh-port on',
        '',
        'client      bucket  bucket dest  chosen',
        '----------  ------  -----------  ---------------',
        '10.0.0.1:7  212     c            (none: dropped)',
        '10.0.0.2:9  249     a            a',
        '10.0.0.3:1  77      c            (none: dropped)',
      ]),
      json: { picks: [null, 'a', null] },
    });
  });
});

describe('explain ecmp, vrrp, spf', () => {
  test('ecmp with a dead next hop', () => {
    expect(explainEcmp({ names: ['r1', 'r2', 'r3'], weights: [1, 2, 1] }, new Set(['r3']))).toEqual({
      text: text([
        'Linux ECMP hash-threshold (linux net/ipv4/fib_semantics.c, fib_rebalance / fib_select_multipath):',
        'upper_bound = DIV_ROUND_CLOSEST(cumulative weight << 31, total live weight) - 1, dead = -1; a flow',
        'takes the first next hop with hash31 <= upper_bound. The kernel keys its hash with a per-boot secret.',
        '',
        'next hop  weight  alive  upper bound  hash range             share',
        '--------  ------  -----  -----------  ---------------------  ------',
        'r1        1       yes    715827882    0..715827882           33.33%',
        'r2        2       yes    2147483647   715827883..2147483647  66.67%',
        'r3        1       no     -1           -                      0%',
      ]),
      json: { upperBounds: [715827882, 2147483647, -1] },
    });
  });

  test('vrrp v2 with a rounded advert_int, v3 for the address owner', () => {
    expect(explainVrrp({ priority: 100, version: 2, advertInt_us: 1_400_000 })).toEqual({
      text: text([
        'VRRPv2 timers in keepalived\'s integer microseconds (acassen/keepalived keepalived/include/vrrp.h,',
        'VRRP_TIMER_SKEW / VRRP_MS_DOWN_TIMER), priority 100:',
        'skew = (256 - 100) * 1000000 / 256 (RFC 3768 6.1: independent of advert_int)',
        'master down = 3 * advert_int + skew, counted from the last advert heard.',
        'note: keepalived rounds advert_int 1400000 us to 1000000 us for VRRPv2.',
        '',
        'timer                                            us       seconds',
        '-----------------------------------------------  -------  ----------',
        'advert_int                                       1000000  1 s',
        'skew                                             609375   0.609375 s',
        'master down interval                             3609375  3.609375 s',
        'takeover after a clean stop (priority-0 advert)  609375   0.609375 s',
        'takeover after a crash: more than                2609375  2.609375 s',
        'takeover after a crash: at most                  3609375  3.609375 s',
      ]),
      json: { skewUs: 609375, masterDownUs: 3609375 },
    });
    expect(explainVrrp({ priority: 255, version: 3, advertInt_us: 100_000 })).toEqual({
      text: text([
        'VRRPv3 timers in keepalived\'s integer microseconds (acassen/keepalived keepalived/include/vrrp.h,',
        'VRRP_TIMER_SKEW / VRRP_MS_DOWN_TIMER), priority 255 (address owner):',
        'skew = (256 - 255) * (advert_int / 10000) * 625 / 16 (RFC 5798 6.1, in centiseconds)',
        'master down = 3 * advert_int + skew, counted from the last advert heard.',
        '',
        'timer                                            us      seconds',
        '-----------------------------------------------  ------  ---------',
        'advert_int                                       100000  0.1 s',
        'skew                                             390     0.00039 s',
        'master down interval                             300390  0.30039 s',
        'takeover after a clean stop (priority-0 advert)  390     0.00039 s',
        'takeover after a crash: more than                200390  0.20039 s',
        'takeover after a crash: at most                  300390  0.30039 s',
      ]),
      json: { skewUs: 390, masterDownUs: 300390 },
    });
  });

  test('spf: every router\'s table', () => {
    const topo = { routers: ['r1', 'r2'], links: [{ a: 'r1', b: 'r2', cost: 5 }], stubs: [{ router: 'r2', prefix: 'vip', cost: 1 }] };
    const r = explainSpf(topo, 4);
    expect(r.text).toBe(
      text([
        'OSPF shortest path first (RFC 2328 16.1; FRRouting/frr ospfd/ospf_spf.c): Dijkstra over link costs;',
        'equal-cost parents merge their next hops, a direct neighbour is its own next hop; stubs added last.',
        'maximum-paths 4 (lowest next-hop names kept).',
        '',
        'router r1',
        'destination  cost  next hops',
        '-----------  ----  ---------',
        'r2           5     r2',
        'vip          6     r2',
        '',
        'router r2',
        'destination  cost  next hops',
        '-----------  ----  -----------',
        'r1           5     r1',
        'vip          1     (connected)',
      ]),
    );
    expect(r.json).toEqual({
      routes: {
        r1: { r2: { cost: 5, nextHops: ['r2'] }, vip: { cost: 6, nextHops: ['r2'] } },
        r2: { r1: { cost: 5, nextHops: ['r1'] }, vip: { cost: 1, nextHops: [] } },
      },
    });
  });
});

describe('explain: no dest to choose, shares at a rounding edge, equal-cost next hops', () => {
  test('rr over weights 0 only: every pick is (none), null in the JSON', () => {
    const r = explainIpvs('rr', { names: ['a', 'b'], weights: [0, 0] }, 2);
    expect(r.text.split('\n').slice(-7)).toEqual(['pick  chosen', '----  ------', '1     (none)', '2     (none)', '', 'order: (none) (none)', '']);
    expect(r.json).toEqual({ picks: [null, null] });
  });

  test('sh with no dest: 16 rows of 16 empty buckets (-), every client dropped', () => {
    const flags = { port: false, fallback: false };
    const t = explainIpvsShTable({ names: [], weights: [] }, flags);
    const dashes = Array.from({ length: 16 }, () => '-').join(' ');
    expect(t.text.split('\n').slice(5)).toEqual([
      'buckets  dest',
      '-------  -------------------------------',
      ...Array.from({ length: 16 }, (_, r) => `${`${16 * r}-${16 * r + 15}`.padEnd(7)}  ${dashes}`),
      '',
    ]);
    expect(t.json).toEqual({ table: Array.from({ length: 256 }, () => '-') });
    // hash_32(1, 8) = 0x61C88647 >> 24 = 97
    const p = explainIpvsShPicks({ names: [], weights: [] }, flags, [{ label: 'c', flow: { saddr: 1, sport: 0 } }]);
    expect(p.text.split('\n').slice(-2)).toEqual(['c       97      -            (none: dropped)', '']);
    expect(p.json).toEqual({ picks: [null] });
  });

  test('ecmp 1:31: shares 2^26 / 2^31 = 3.125 % and 96.875 %, printed 3.13 % and 96.88 %', () => {
    expect(explainEcmp({ names: ['r1', 'r2'], weights: [1, 31] }, new Set()).text.split('\n').slice(-3)).toEqual([
      'r1        1       yes    67108863     0..67108863           3.13%',
      'r2        31      yes    2147483647   67108864..2147483647  96.88%',
      '',
    ]);
  });

  test('spf: two equal-cost next hops are listed comma-separated', () => {
    const links = [
      { a: 'r1', b: 'r2', cost: 1 },
      { a: 'r1', b: 'r3', cost: 1 },
      { a: 'r2', b: 'r4', cost: 1 },
      { a: 'r3', b: 'r4', cost: 1 },
    ];
    const r = explainSpf({ routers: ['r1', 'r2', 'r3', 'r4'], links, stubs: [] }, 4);
    expect(r.text.split('\n').slice(4, 10)).toEqual([
      'router r1',
      'destination  cost  next hops',
      '-----------  ----  ---------',
      'r2           1     r2',
      'r3           1     r3',
      'r4           2     r2, r3',
    ]);
  });
});
