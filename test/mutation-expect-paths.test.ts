// expect: paths checked against the summary skeleton before a run: every kind of answer, exactly,
// and the suggestion's distance limit at its edge (max(2, floor(length / 5)) edits).
import { expectablePaths, expectPathProblem } from '../src/metrics/expect-paths.js';
import { summarySkeleton } from '../src/model/summary-skeleton.js';
import { parseScenario } from '../src/scenario/load.js';
import type { Expectation } from '../src/scenario/types.js';

const SMALL = `name: tiny
seed: 3
tickets: { inventory: 20 }
users:
  load:
    open: { users: 400, rate: 20k/s }
`;

const skeleton = summarySkeleton(parseScenario(SMALL, 'tiny.yaml'));
const problem = (path: string, op: Expectation['op'] = 'eq') => expectPathProblem({ path, op, a: 0, b: 0, raw: '0', line: 1 }, skeleton);

describe('expectPathProblem', () => {
  test('numbers, nulls and list entries pass; a list needs an index', () => {
    expect([problem('tickets.sold'), problem('sell_out_ms'), problem('faults.0'), problem('faults.0.at_ms')]).toEqual([null, null, null, null]);
    expect(problem('faults.x')).toBe('unknown summary.json path');
  });

  test('under a list: a whole-number index, unknowable past the entries the skeleton has', () => {
    const withFault = { ...skeleton, faults: [{ at_ms: 5, action: 'kill', target: 'app1', detail: '' }] };
    const p = (path: string) => expectPathProblem({ path, op: 'eq', a: 0, b: 0, raw: '0', line: 1 }, withFault);
    expect([p('faults.0.at_ms'), p('faults.1.at_ms'), p('faults.10'), p('faults.0.nope')]).toEqual([null, null, null, 'unknown summary.json path']);
    expect(p('faults.0')).toBe('is a group, not a number (e.g. faults.0.at_ms, faults.0.action, faults.0.target)');
    expect([problem('faults.1x'), problem('faults.x1'), problem('faults.-1')]).toEqual(['unknown summary.json path', 'unknown summary.json path', 'unknown summary.json path']);
    expect(problem('faults.5', 'eq_text')).toBeNull(); // unknowable for text too
    expect([problem('sell_out_ms.x'), problem('scenario.length')]).toEqual(['unknown summary.json path (did you mean sell_out_ms?)', 'unknown summary.json path']); // through null, into text
    expect(problem('tickets.sold.x')).toBe('unknown summary.json path (did you mean tickets.sold?)'); // a number has no keys
  });

  test('groups name up to three paths inside, or none when nothing inside is expectable', () => {
    expect(problem('tickets')).toBe('is a group, not a number (e.g. tickets.inventory, tickets.sold, tickets.oversold)');
    expect(problem('tiers.redis.keyspace')).toBe('is a group, not a number');
  });

  test('text: only the fingerprint and other text take a text expectation', () => {
    expect(problem('scenario')).toBe('is text: only fingerprint takes a text expectation');
    expect([problem('fingerprint', 'eq_text'), problem('scenario', 'eq_text')]).toEqual([null, null]);
    expect(problem('tickets.sold', 'eq_text')).toBe('is not a text value; compare it with a number or a string like "<= 10"');
  });

  test('a suggestion within max(2, floor(length / 5)) edits, none beyond', () => {
    expect(problem('tickets.soldxxx')).toBe('unknown summary.json path (did you mean tickets.sold?)'); // 15 chars: 3 edits allowed, 3 needed
    expect(problem('sxeedx')).toBe('unknown summary.json path (did you mean seed?)'); // 6 chars: 2 allowed, 2 needed
    expect(problem('zzzzzz')).toBe('unknown summary.json path');
    expect(problem('seedxyz')).toBe('unknown summary.json path'); // 7 chars: 2 allowed, 3 needed (the last character counts too)
    // one edit from latency_ms.p50 and from latency_ms.p90: the first in the summary's order
    expect(problem('latency_ms.p70')).toBe('unknown summary.json path (did you mean latency_ms.p50?)');
  });
});

describe('expectablePaths', () => {
  test('leaves only, dotted; lists, the expect block and the Redis keyspace left out', () => {
    const root = { a: 1, b: { c: null, d: [1], e: { f: 'x' } }, expect: { x: 1 }, g: false };
    expect(expectablePaths(root)).toEqual(['a', 'b.c', 'b.e.f', 'g']);
    expect(expectablePaths({ keyspace: { k: 1 }, x: 2 }, 'tiers.redis')).toEqual(['tiers.redis.x']);
    expect(expectablePaths({ keyspace: { k: 1 }, replication: { lag: 1 } }, 'tiers.redis')).toEqual(['tiers.redis.replication.lag']); // only the keyspace
    expect(expectablePaths({ keyspace: { k: 1 } }, 'tiers.app')).toEqual(['tiers.app.keyspace.k']);
    expect([expectablePaths(null), expectablePaths([{ a: 1 }]), expectablePaths(3)]).toEqual([[], [], []]);
  });
});
