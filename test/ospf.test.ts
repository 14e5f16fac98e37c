// OSPF SPF (RFC 2328 16.1) with equal-cost next hops, and FRR's SPF throttle
// (FRRouting/frr ospfd/ospf_spf.c ospf_spf_calculate_schedule).
import fc from 'fast-check';
import {
  compareNames,
  newSpfThrottle,
  nextSpfDelay_us,
  spf,
  spfAll,
  spfRan,
  validateTopology,
  withoutFailed,
} from '../src/model/front/ospf.js';
import type { OspfRoutes, OspfTopology } from '../src/model/front/ospf.js';

//        r1
//     1 /  \ 1
//     r2 -5- r3      vip announced by r2 and r3 (cost 1 each), net4 by r4 (cost 0)
//     1 \  / 1
//        r4
const diamond: OspfTopology = {
  routers: ['r1', 'r2', 'r3', 'r4'],
  links: [
    { a: 'r1', b: 'r2', cost: 1 },
    { a: 'r1', b: 'r3', cost: 1 },
    { a: 'r2', b: 'r4', cost: 1 },
    { a: 'r3', b: 'r4', cost: 1 },
    { a: 'r2', b: 'r3', cost: 5 },
  ],
  stubs: [
    { router: 'r2', prefix: 'vip', cost: 1 },
    { router: 'r3', prefix: 'vip', cost: 1 },
    { router: 'r4', prefix: 'net4', cost: 0 },
  ],
};

describe('spf (RFC 2328 16.1)', () => {
  test('from r1: direct neighbours are their own next hop; r4 and the stubs through both', () => {
    expect(spf(diamond, 'r1')).toEqual({
      r2: { cost: 1, nextHops: ['r2'] },
      r3: { cost: 1, nextHops: ['r3'] },
      r4: { cost: 2, nextHops: ['r2', 'r3'] },
      vip: { cost: 2, nextHops: ['r2', 'r3'] },
      net4: { cost: 2, nextHops: ['r2', 'r3'] },
    });
  });

  test('from r2: r3 at cost 2 through r1 and r4 (the direct cost-5 link loses); own stub connected', () => {
    expect(spf(diamond, 'r2')).toEqual({
      r1: { cost: 1, nextHops: ['r1'] },
      r3: { cost: 2, nextHops: ['r1', 'r4'] },
      r4: { cost: 1, nextHops: ['r4'] },
      vip: { cost: 1, nextHops: [] },
      net4: { cost: 1, nextHops: ['r4'] },
    });
  });

  test('maximum-paths keeps the lowest next hops (vertex_parent_cmp order)', () => {
    expect(spf(diamond, 'r1', 1).r4).toEqual({ cost: 2, nextHops: ['r2'] });
    expect(compareNames('r2', 'r10')).toBeLessThan(0);
    expect(compareNames('lvs10', 'lvs9')).toBeGreaterThan(0);
  });

  test('costs belong to the outgoing side: reverse_cost', () => {
    const t: OspfTopology = { routers: ['a', 'b'], links: [{ a: 'a', b: 'b', cost: 3, reverse_cost: 7 }], stubs: [] };
    expect(spf(t, 'a').b.cost).toBe(3);
    expect(spf(t, 'b').a.cost).toBe(7);
  });

  test('a failed link or router: unreachable destinations vanish, the rest re-route', () => {
    const t = withoutFailed(diamond, ['r2-r1'], ['r3']);
    expect(spf(t, 'r1')).toEqual({});
    expect(spf(withoutFailed(diamond, ['r1-r2']), 'r1')).toEqual({
      r2: { cost: 3, nextHops: ['r3'] },
      r3: { cost: 1, nextHops: ['r3'] },
      r4: { cost: 2, nextHops: ['r3'] },
      vip: { cost: 2, nextHops: ['r3'] },
      net4: { cost: 2, nextHops: ['r3'] },
    });
  });

  test('validation names the problem', () => {
    expect(() => validateTopology({ ...diamond, links: [{ a: 'r1', b: 'r9', cost: 1 }] })).toThrow(/unknown router/);
    expect(() => validateTopology({ ...diamond, links: [{ a: 'r1', b: 'r2', cost: 0 }] })).toThrow(/1\.\.65535/);
    expect(() => validateTopology({ ...diamond, stubs: [{ router: 'r1', prefix: 'r2', cost: 0 }] })).toThrow(/router name/);
    expect(() => spfAll({ ...diamond, routers: ['r1', 'r1'] })).toThrow(/twice/);
  });

  // Brute force: enumerate every simple path; the next hops are the second vertices of the cheapest.
  function bruteForce(t: OspfTopology, root: string): OspfRoutes {
    const adj = new Map<string, Map<string, number>>(t.routers.map((r) => [r, new Map()]));
    const put = (x: string, y: string, c: number): void => {
      const m = adj.get(x);
      if (m && (m.get(y) ?? Infinity) > c) m.set(y, c);
    };
    for (const l of t.links) {
      put(l.a, l.b, l.cost);
      put(l.b, l.a, l.reverse_cost ?? l.cost);
    }
    const best = new Map<string, { cost: number; hops: Set<string> }>();
    const walk = (v: string, cost: number, first: string | null, seen: Set<string>): void => {
      if (v !== root && first !== null) {
        const b = best.get(v);
        if (!b || cost < b.cost) best.set(v, { cost, hops: new Set([first]) });
        else if (cost === b.cost) b.hops.add(first);
      }
      for (const [w, c] of adj.get(v) ?? []) {
        if (seen.has(w)) continue;
        seen.add(w);
        walk(w, cost + c, first ?? w, seen);
        seen.delete(w);
      }
    };
    walk(root, 0, null, new Set([root]));
    const out: OspfRoutes = {};
    for (const r of t.routers) {
      const b = best.get(r);
      if (b) out[r] = { cost: b.cost, nextHops: [...b.hops].sort(compareNames) };
    }
    const stub = new Map<string, { cost: number; hops: Set<string>; connected: boolean }>();
    for (const s of t.stubs) {
      if (s.router === root) {
        const old = stub.get(s.prefix);
        const cost = old?.connected ? Math.min(old.cost, s.cost) : s.cost;
        stub.set(s.prefix, { cost, hops: new Set(), connected: true });
        continue;
      }
      const b = best.get(s.router);
      if (!b) continue;
      const old = stub.get(s.prefix);
      if (old?.connected) continue;
      const cost = b.cost + s.cost;
      if (!old || cost < old.cost) stub.set(s.prefix, { cost, hops: new Set(b.hops), connected: false });
      else if (cost === old.cost) for (const h of b.hops) old.hops.add(h);
    }
    for (const [p, s] of stub) out[p] = { cost: s.cost, nextHops: [...s.hops].sort(compareNames) };
    return out;
  }

  const topoArb = fc.integer({ min: 2, max: 6 }).chain((n) => {
    const routers = Array.from({ length: n }, (_, i) => `r${i + 1}`);
    const r = fc.constantFrom(...routers);
    return fc.record({
      routers: fc.constant(routers),
      links: fc.array(
        fc.record({ a: r, b: r, cost: fc.integer({ min: 1, max: 4 }) }).filter((l) => l.a !== l.b),
        { maxLength: 12 },
      ),
      stubs: fc.array(
        fc.record({ router: r, prefix: fc.constantFrom('vip', 'net'), cost: fc.integer({ min: 0, max: 3 }) }),
        { maxLength: 4 },
      ),
    });
  });

  test('property: next-hop sets equal a brute-force enumeration of all shortest paths', () => {
    fc.assert(
      fc.property(topoArb, fc.nat(), (t, k) => {
        const root = t.routers[k % t.routers.length];
        expect(spf(t, root, 64)).toEqual(bruteForce(t, root));
      }),
      { numRuns: 300 },
    );
  });
});

describe('ospf_spf_calculate_schedule (defaults 0 / 50 / 5000 ms)', () => {
  const ms = 1000;

  test('first event runs at once; events inside the hold wait it out and grow it by 50 ms', () => {
    const s = newSpfThrottle();
    expect(nextSpfDelay_us(s, 0)).toBe(0); // never ran: delay 0, multiplier 1
    spfRan(s, 0);
    expect(nextSpfDelay_us(s, 10 * ms)).toBe(40 * ms); // elapsed 10 < ht 50: mult 2
    expect(nextSpfDelay_us(s, 20 * ms)).toBeNull(); // already scheduled
    spfRan(s, 50 * ms);
    expect(nextSpfDelay_us(s, 60 * ms)).toBe(90 * ms); // elapsed 10 < ht 100: mult 3
    spfRan(s, 150 * ms);
    expect(nextSpfDelay_us(s, 155 * ms)).toBe(145 * ms); // elapsed 5 < ht 150: mult 4
    spfRan(s, 300 * ms);
    expect(s.holdMultiplier).toBe(4);
    expect(nextSpfDelay_us(s, 10_000 * ms)).toBe(0); // elapsed 9700 >= ht 200: back to mult 1
    expect(s.holdMultiplier).toBe(1);
  });

  test('the hold stops growing at max hold; elapsed is truncated to whole ms', () => {
    const s = newSpfThrottle();
    s.lastSpf_us = 0;
    s.holdMultiplier = 100; // ht = min(5000, 5000)
    expect(nextSpfDelay_us(s, 999)).toBe(5000 * ms); // 0.999 ms counts as 0
    expect(s.holdMultiplier).toBe(100);
  });

  test('the initial delay is always honoured (old Quagga values 200/1000/10000)', () => {
    const s = newSpfThrottle({ delay_ms: 200, hold_ms: 1000, max_hold_ms: 10_000 });
    expect(nextSpfDelay_us(s, 5 * ms)).toBe(200 * ms);
    spfRan(s, 205 * ms);
    expect(nextSpfDelay_us(s, 1100 * ms)).toBe(200 * ms); // ht - elapsed = 105 < 200
  });
});
