// Smooth WRR following a precomputed period while no peer has failed must pick exactly as nginx's
// step-by-step ngx_http_upstream_get_peer does, and leave the same peer state behind, whatever
// mix of picks, retries (tried bits), failures, recoveries and time comes along.
import fc from 'fast-check';
import { type PeerConfig, RoundRobinPeers } from '../src/model/nginx/pick-peer.js';

type Op = { kind: 'pick'; triedBit: number } | { kind: 'free'; failed: boolean } | { kind: 'tick'; s: number } | { kind: 'leastConn' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('pick' as const), triedBit: fc.integer({ min: -3, max: 5 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('free' as const), failed: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), s: fc.integer({ min: 0, max: 15 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'leastConn' as const }) },
);

function peersOf(weights: number[], down: boolean[], planning: boolean): RoundRobinPeers {
  const cfg: PeerConfig[] = weights.map((w, i) => ({ name: `s${i}`, weight: w, max_fails: 2, fail_timeout_s: 5, down: down[i] ?? false }));
  const p = new RoundRobinPeers(cfg);
  p.planning = planning;
  return p;
}

/** Runs the ops on one peer set; returns every pick and the final state. */
function trace(p: RoundRobinPeers, ops: readonly Op[]): unknown {
  const tried = new Uint32Array(1);
  const held: number[] = [];
  const picks: number[] = [];
  let now_s = 0;
  for (const o of ops) {
    if (o.kind === 'pick') {
      tried[0] = o.triedBit >= 0 && o.triedBit < p.count ? 1 << o.triedBit : 0; // a retry excludes one peer
      const i = p.pick(now_s, tried, 0);
      picks.push(i);
      if (i >= 0) held.push(i);
    } else if (o.kind === 'free') {
      const i = held.shift();
      if (i !== undefined) p.free(i, now_s, o.failed);
    } else if (o.kind === 'tick') now_s += o.s;
    else {
      tried[0] = 0;
      const i = p.pickLeastConn(now_s, tried, 0);
      picks.push(100 + i);
      if (i >= 0) held.push(i);
    }
  }
  return { picks, cw: Array.from(p.currentWeight), eff: Array.from(p.effectiveWeight), fails: Array.from(p.fails), checked: Array.from(p.checked_s), conns: Array.from(p.conns) };
}

describe('smooth WRR with a precomputed period', () => {
  test('picks and state equal the step-by-step algorithm', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 6 }),
        fc.array(fc.boolean(), { maxLength: 6 }),
        fc.array(op, { maxLength: 300 }),
        (weights, downRaw, ops) => {
          const down = weights.map((_, i) => (downRaw[i] ?? false) && i > 0); // keep one peer up
          expect(trace(peersOf(weights, down, true), ops)).toEqual(trace(peersOf(weights, down, false), ops));
        },
      ),
      { seed: 20261206, numRuns: 400 },
    );
  });

  test('weights 5,1,1: the period a b a c a a a ... repeats, and the state reads back right mid-period', () => {
    const p = peersOf([5, 1, 1], [], true);
    const tried = new Uint32Array(1);
    const picks = Array.from({ length: 14 }, () => {
      tried[0] = 0;
      return p.pick(0, tried, 0);
    });
    // nginx's documented sequence for {5, 1, 1}: a a b a c a a, twice
    expect(picks).toEqual([0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0]);
    tried[0] = 0;
    p.pick(0, tried, 0); // one into the third period: a
    expect(Array.from(p.currentWeight)).toEqual([-2, 1, 1]);
  });
});
