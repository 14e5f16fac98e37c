// nginx smooth weighted round robin, worked out by hand from
// src/http/ngx_http_upstream_round_robin.c (ngx_http_upstream_get_peer, _free_round_robin_peer).
import { RoundRobinPeers, smoothWrrSequence } from '../src/model/nginx/pick-peer.js';

const names = (idx: number[], ns: string) => idx.map((i) => ns[i]).join('');

function peers(weights: number[], maxFails = 1, failTimeout_s = 10): RoundRobinPeers {
  return new RoundRobinPeers(weights.map((w, i) => ({ name: `s${i}`, weight: w, max_fails: maxFails, fail_timeout_s: failTimeout_s, down: false })));
}

describe('smooth weighted round robin (ngx_http_upstream_get_peer)', () => {
  test('{5,1,1} gives a a b a c a a, as the commit that introduced it says', () => {
    expect(names(smoothWrrSequence([5, 1, 1], 7), 'abc')).toBe('aabacaa');
  });

  test('1,2,3,4 interleaves: d c b d a c d b c d, then repeats', () => {
    // current weights traced by hand: ties go to the earliest peer (strict '>')
    const seq = names(smoothWrrSequence([1, 2, 3, 4], 20), 'abcd');
    expect(seq).toBe('dcbdacdbcd'.repeat(2));
  });

  test('over one period each peer is picked exactly weight times', () => {
    const w = [7, 3, 1, 4, 5];
    const picks = smoothWrrSequence(w, 20 * 5);
    w.forEach((wi, i) => expect(picks.filter((p) => p === i).length).toBe(wi * 5));
  });

  test('a peer that failed is skipped for fail_timeout seconds, then comes back at weight 0 and climbs', () => {
    const p = peers([1, 1]);
    const tried = new Uint32Array(1);
    tried[0] = 0;
    expect(p.pick(100, tried, 0)).toBe(0);
    p.free(0, 100, true); // fails=1, checked=100, effective_weight = 1 - 1/1 = 0
    expect(p.effectiveWeight[0]).toBe(0);
    for (const t of [100, 105, 110]) {
      tried[0] = 0;
      expect(p.pick(t, tried, 0)).toBe(1); // now - checked <= fail_timeout: skipped
      p.free(1, t, false);
    }
    tried[0] = 0;
    // t=111: eligible again; it takes part with effective weight 0 (then 1)
    const before = p.currentWeight[0];
    p.pick(111, tried, 0);
    expect(p.currentWeight[0]).toBeLessThanOrEqual(before);
    expect(p.effectiveWeight[0]).toBe(1);
  });

  test('effective_weight drops by weight/max_fails per failure (integer division) and is clamped at 0', () => {
    const p = peers([10, 1], 3);
    p.free(0, 5, true);
    expect(p.effectiveWeight[0]).toBe(7); // 10 - floor(10/3)
    p.free(0, 5, true);
    p.free(0, 5, true);
    p.free(0, 5, true);
    expect(p.effectiveWeight[0]).toBe(0);
    expect(p.fails[0]).toBe(4);
  });

  test('a success only resets fails after a new check window (accessed < checked)', () => {
    const p = peers([1, 1], 2);
    p.free(0, 50, true); // fails 1, accessed = checked = 50
    p.free(0, 51, false);
    expect(p.fails[0]).toBe(1); // same window: not reset
    const tried = new Uint32Array(1);
    // picking it after fail_timeout moves `checked` forward: a new window
    let picked = -1;
    for (let k = 0; k < 4 && picked !== 0; k++) {
      tried[0] = 0;
      picked = p.pick(70, tried, 0);
      if (picked !== 0) p.free(picked, 70, false);
    }
    expect(picked).toBe(0);
    expect(p.checked_s[0]).toBe(70);
    p.free(0, 70, false);
    expect(p.fails[0]).toBe(0);
  });

  test('tried peers are skipped, and an exhausted list returns -1', () => {
    const p = peers([1, 1, 1]);
    const tried = new Uint32Array(1);
    const got = [p.pick(0, tried, 0), p.pick(0, tried, 0), p.pick(0, tried, 0)];
    expect([...got].sort()).toEqual([0, 1, 2]);
    expect(p.pick(0, tried, 0)).toBe(-1);
  });

  test('down peers are never picked and do not count as tries', () => {
    const p = new RoundRobinPeers([
      { name: 'a', weight: 5, max_fails: 1, fail_timeout_s: 10, down: true },
      { name: 'b', weight: 1, max_fails: 1, fail_timeout_s: 10, down: false },
    ]);
    expect(p.tries()).toBe(1);
    const tried = new Uint32Array(1);
    expect(p.pick(0, tried, 0)).toBe(1);
  });

  test('more than 32 peers use several bitmap words', () => {
    const w = Array.from({ length: 40 }, () => 1);
    const p = peers(w);
    const tried = new Uint32Array(2);
    const seen = new Set<number>();
    for (let k = 0; k < 40; k++) seen.add(p.pick(0, tried, 0));
    expect(seen.size).toBe(40);
    expect(p.pick(0, tried, 0)).toBe(-1);
  });
});
