// Swarm testing: ddmin, the per-seed schedules, the invariants under random faults, and
// `sim explore` as users run it (exit codes, replay lines that reproduce, shrunk schedules).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { runScenario } from '../src/model/stack.js';
import { loadScenario } from '../src/scenario/load.js';
import type { FaultAction } from '../src/scenario/types.js';
import { exploreSeed, scenarioWith } from '../src/study/explore-worker.js';
import { ddmin } from '../src/study/shrink.js';
import { FAULT_KINDS, type FaultSpec, faultsBlock, formatDuration, swarmPlan } from '../src/study/swarm.js';
import { broken, judge, runGuarded } from '../src/study/verdict.js';
import { scratch, sim } from './support/sim-cli.js';

const { dir, write } = scratch('sim-explore-');

// The fixed script and the exact local check on four servers weighted 1:2:3:4. POST: nginx does
// not resend a request whose server died mid-way (with GET it does, and a user can end up with two
// tickets: the ledger breaks, as in real life). AOF with fsync always: a Redis crash loses nothing.
const ROBUST = `name: robust
seed: 1
tickets: { inventory: 200, script: fixed }
users:
  load:
    open: { users: 3000, rate: 20k/s }
  client_ips: 1000
  method: POST
app:
  local_stock: { buffer: 1.2 }
  local_check: exact
  service_time: { exp: 50us }
redis:
  appendonly: true
  appendfsync: always
`;

describe('ddmin', () => {
  test('finds exactly the items that must be there together', () => {
    const items = Array.from({ length: 16 }, (_, i) => i);
    const r = ddmin(items, (xs) => xs.includes(3) && xs.includes(11));
    expect(r.items).toEqual([3, 11]);
    expect(r.minimal).toBe(true);
  });

  test('property: the result fails, keeps the original order, and is 1-minimal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.uniqueArray(fc.nat(23), { minLength: 1, maxLength: 5 }), (n, culprits) => {
        const items = Array.from({ length: n }, (_, i) => i);
        const need = culprits.filter((c) => c < n);
        fc.pre(need.length > 0);
        const fails = (xs: number[]) => need.every((c) => xs.includes(c));
        const r = ddmin(items, fails);
        expect(fails(r.items)).toBe(true);
        expect(r.items).toEqual([...r.items].sort((a, b) => a - b));
        for (let i = 0; i < r.items.length; i++) expect(fails(r.items.filter((_, j) => j !== i))).toBe(false);
        expect(r.items.sort((a, b) => a - b)).toEqual([...need].sort((a, b) => a - b));
      }),
    );
  });

  test('a threshold predicate: any 3 of the items (1-minimal, not unique)', () => {
    const r = ddmin(Array.from({ length: 10 }, (_, i) => i), (xs) => xs.length >= 3);
    expect(r.items).toHaveLength(3);
  });

  test('a probe budget stops it early, still failing', () => {
    const fails = (xs: number[]) => xs.includes(7) && xs.includes(8);
    const r = ddmin(Array.from({ length: 64 }, (_, i) => i), fails, 3);
    expect(r.minimal).toBe(false);
    expect(fails(r.items)).toBe(true);
    expect(r.probes).toBeLessThanOrEqual(3);
  });
});

describe('swarm schedules', () => {
  const file = write('robust.yaml', ROBUST);
  const s = loadScenario(file);

  test('every FaultAction has a swarm kind', () => {
    // a new action fails to type-check here until it is listed, and this test until it has a kind
    const all: Record<FaultAction, true> = { kill: true, recover: true, slow: true, restart: true, partition: true, drop: true, down: true, up: true, stop: true };
    const covered = new Set(Object.values(FAULT_KINDS).flatMap((k) => k.actions));
    expect(Object.keys(all).filter((a) => !covered.has(a as FaultAction))).toEqual([]);
  });

  test('the schedule depends on the seed alone, not on the scenario seed', () => {
    const other = loadScenario(file, { seed: 99 });
    for (const seed of [1, 2, 3, 17]) expect(swarmPlan(other, seed, 150_000)).toEqual(swarmPlan(s, seed, 150_000));
    const plans = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => JSON.stringify(swarmPlan(s, seed, 150_000).faults)));
    expect(plans.size).toBeGreaterThan(5);
  });

  // with a routed network in front, the network kinds (link down/up, director stop) join in
  const routedFile = write(
    'routed.yaml',
    ROBUST + 'network:\n  routers: [r1, r2]\n  links:\n    - { a: r1, b: lvs1 }\n    - { a: r2, b: lvs2 }\n    - { a: r1, b: r2 }\nlvs: { directors: 2 }\n',
  );

  test.each([
    ['app servers and redis', file],
    ['a routed network too', routedFile],
  ])('property: every schedule is sorted, within the horizon, and loads as a scenario (%s)', (_, file) => {
    const s = loadScenario(file);
    const actions = new Set<string>();
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.integer({ min: 1000, max: 5_000_000 }), (seed, horizon) => {
        const plan = swarmPlan(s, seed, horizon);
        plan.faults.forEach((f) => Object.keys(f).forEach((k) => actions.add(k)));
        // the loader takes them all, in the order written
        const loaded = scenarioWith(file, [], seed, plan.faults).faults;
        expect(loaded).toHaveLength(plan.faults.length);
        const times = loaded.map((f) => f.at_us);
        expect(times).toEqual([...times].sort((a, b) => a - b));
        // onsets fall in the horizon; a recover may come after it
        loaded.forEach((f) => {
          if (f.action !== 'recover' && f.action !== 'up') expect(f.at_us).toBeLessThanOrEqual(horizon + 100);
        });
      }),
      { numRuns: 60 },
    );
    if (file === routedFile) expect([...actions]).toEqual(expect.arrayContaining(['down', 'stop']));
  });

  test('durations are written exactly', () => {
    expect(formatDuration(2_000_000)).toBe('2s');
    expect(formatDuration(120_500)).toBe('120.5ms');
    expect(formatDuration(50)).toBe('50us');
    expect(faultsBlock([{ at: '1ms', kill: 'app1' }, { at: '2ms', partition: ['app2', 'redis'], for: '1ms' }])).toBe(
      'faults:\n  - { at: 1ms, kill: app1 }\n  - { at: 2ms, partition: [ app2, redis ], for: 1ms }\n',
    );
  });
});

describe('a run that throws', () => {
  test('is a broken check, not a crash of the tool', () => {
    const s = loadScenario(write('throws.yaml', ROBUST + 'faults:\n  - { at: 1ms, kill: app1 }\n'));
    // a target the model has no node for gets past no loader; the injector throws
    const bad = { ...s, faults: s.faults.map((f) => ({ ...f, target: 'app99' })) };
    const r = runGuarded(bad);
    expect(r.out).toBeNull();
    expect(r.crash).toMatchObject({ kind: 'invariant', name: 'run', want: 'to finish', held: false });
    expect(r.crash?.got).toMatch(/^threw Error: .*app99/);
    expect(runGuarded(s).crash).toBeNull();
  });
});

describe('invariants under random kill/recover schedules of app servers (fixed script)', () => {
  const file = write('robust-prop.yaml', ROBUST);
  const fault = fc.record({
    at_us: fc.integer({ min: 0, max: 160_000 }),
    action: fc.constantFrom('kill', 'recover'),
    app: fc.integer({ min: 1, max: 4 }),
  });

  test('no oversell, the ledger holds, conservation holds, sold + unsold = inventory', () => {
    fc.assert(
      fc.property(fc.array(fault, { maxLength: 8 }), fc.integer({ min: 1, max: 1000 }), (fs, seed) => {
        const faults: FaultSpec[] = fs.map((f) => ({ at: `${f.at_us}us`, [f.action]: `app${f.app}` }));
        const s = scenarioWith(file, [], seed, faults);
        const sum = runScenario(s).report.summary;
        expect(sum.invariants).toEqual({ no_oversell: true, ledger: true, conservation: true });
        expect(sum.tickets.sold + sum.tickets.unsold).toBe(sum.tickets.inventory);
        expect(broken(judge(s, sum))).toEqual([]);
      }),
      { numRuns: 20 },
    );
  });
});

// Stock 40/80/120/160 for 200 tickets: losing app4 alone leaves enough, losing app3 and app4
// early does not. The noise around them does not matter.
const TWO_DIE = ROBUST.replace('name: robust', 'name: two-die').replace('buffer: 1.2', 'buffer: 2') + 'expect:\n  tickets.unsold: 0\n';
const NOISE_AND_CULPRITS: FaultSpec[] = [
  { at: '1ms', slow: 'app1', factor: 3, for: '2ms' },
  { at: '2ms', kill: 'app3' },
  { at: '3ms', kill: 'app1' },
  { at: '4ms', recover: 'app1' },
  { at: '5ms', kill: 'app4' },
  { at: '30ms', drop: 'nginx1-app2', fraction: 0.05, for: '1ms' },
  { at: '60ms', partition: ['app1'], for: '0.5ms' },
  { at: '100ms', kill: 'redis' },
  { at: '100.5ms', recover: 'redis' },
];

// POST requests on a server that dies are lost: the user sees an error.
const ONE_KILL = ROBUST.replace('name: robust', 'name: one-kill') + 'expect:\n  users.failed: 0\n';

describe('shrinking a real failure', () => {
  const file = write('two-die.yaml', TWO_DIE);
  const fails = (faults: FaultSpec[]) => {
    const s = scenarioWith(file, [], 1, faults);
    return broken(judge(s, runScenario(s).report.summary)).some((r) => r.name === 'tickets.unsold');
  };

  test('nine faults shrink to the two that strand the stock, and each of those is needed', () => {
    expect(fails(NOISE_AND_CULPRITS)).toBe(true);
    expect(fails([])).toBe(false);
    const r = ddmin(NOISE_AND_CULPRITS, fails);
    expect(r.items).toEqual([
      { at: '2ms', kill: 'app3' },
      { at: '5ms', kill: 'app4' },
    ]);
    expect(fails([{ at: '2ms', kill: 'app3' }])).toBe(false);
    expect(fails([{ at: '5ms', kill: 'app4' }])).toBe(false);
  });

  test('exploreSeed shrinks what the swarm found, and the shrunk schedule still fails', () => {
    const oneKill = write('one-kill.yaml', ONE_KILL);
    // the first seed whose schedule breaks it
    let found: ReturnType<typeof exploreSeed> | null = null;
    for (let seed = 1; seed <= 20 && found === null; seed++) {
      const r = exploreSeed({ file: oneKill, set: [], seed, horizon_us: 150_000, kinds: ['crash'] });
      if (r.broken.length > 0) found = r;
    }
    expect(found).not.toBeNull();
    const r = found as ReturnType<typeof exploreSeed>;
    expect(r.primary).toBe('users.failed');
    const shrunk = r.shrunk ?? [];
    expect(shrunk.length).toBeGreaterThan(0);
    expect(shrunk.length).toBeLessThanOrEqual(r.faults.length);
    const failsAt = (faults: FaultSpec[]) => {
      const s = scenarioWith(oneKill, [], r.seed, faults);
      return broken(judge(s, runScenario(s).report.summary)).some((c) => c.name === 'users.failed');
    };
    expect(failsAt(shrunk)).toBe(true);
    // the seed alone names the whole result: a second exploration gives the same
    expect(exploreSeed({ file: oneKill, set: [], seed: r.seed, horizon_us: 150_000, kinds: ['crash'] })).toEqual(r);
    for (let i = 0; i < shrunk.length; i++) expect(failsAt(shrunk.filter((_, j) => j !== i))).toBe(false);
  });
});

describe('sim explore', () => {
  const robust = write('robust-cli.yaml', ROBUST);
  const oneKill = write('one-kill-cli.yaml', ONE_KILL);
  const strict = write(
    'strict.yaml',
    readFileSync('scenarios/source-ab.yaml', 'utf8')
      .replace(/^name: source-ab$/m, 'name: source-ab-strict')
      .replace(/^ {2}tickets\.oversold: 1\b.*$/m, '  tickets.oversold: 0')
      .replace(/requests: 10000/, 'requests: 3000'),
  );
  const out = path.join(dir, 'explore-out');

  test('exit 0 when no seed breaks', () => {
    const r = sim('explore', robust, '--seeds', '4', '--kinds', 'crash', '--out', out);
    expect(r.err).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/explored 4 seeds: none broke/);
  });

  test('exit 1: each failing seed has a replay line that reproduces it, a schedule, a shrunk one and a check line', () => {
    const r = sim('explore', oneKill, '--seeds', '3', '--kinds', 'crash', '--out', out, '--workers', '2');
    expect(r.code).toBe(1);
    const blocks = r.out.split(/^(?=FAIL seed |explored )/m).filter((b) => b.startsWith('FAIL seed '));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks.slice(0, 1)) {
      const seed = /^FAIL seed (\d+):/.exec(block)?.[1] as string;
      const replay = /^ {2}replay: sim (.*)$/m.exec(block)?.[1] as string;
      expect(replay).toBe(`explore ${oneKill} --seeds 1 --from ${seed} --kinds crash`);
      expect(block).toMatch(/^faults:\n( {2}- \{.*\}\n)+/m);
      expect(block).toMatch(/shrunk to \d+ faults? in \d+ runs? that still break users\.failed/);
      // the replay prints the same block
      const again = sim(...replay.split(' '), '--out', out);
      expect(again.code).toBe(1);
      expect(again.out).toContain(block.trimEnd());
      // and the check line fails on the copy with the shrunk schedule
      const check = /^ {2}check: sim (.*)$/m.exec(block)?.[1] as string;
      const copy = check.split(' ')[1] as string;
      expect(copy).toBe(path.join(out, `one-kill-seed${seed}.yaml`));
      const c = sim(...check.split(' '));
      expect(c.code).toBe(1);
      expect(c.out).toMatch(/FAIL .*one-kill: users\.failed: wanted 0, got [1-9]/);
      const shrunk = block.split(/shrunk to .*:\n/)[1]?.split('\n  check:')[0] as string;
      expect(readFileSync(copy, 'utf8')).toContain(shrunk.trim());
    }
  });

  test('the output does not depend on the worker count', () => {
    const a = sim('explore', oneKill, '--seeds', '3', '--from', '2', '--kinds', 'crash', '--out', out, '--workers', '1');
    const b = sim('explore', oneKill, '--seeds', '3', '--from', '2', '--kinds', 'crash', '--out', out, '--workers', '3');
    expect(a.code).toBe(1);
    expect(a.out).toBe(b.out);
    expect(a.code).toBe(b.code);
  });

  test('a failure with no fault at all is said plainly, and its check reproduces it', () => {
    // with crashes only, seed 1 turns every kind off: no fault at all
    const r = sim('explore', strict, '--seeds', '1', '--kinds', 'crash', '--out', out);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/swarm: no fault kind enabled; 0 faults/);
    expect(r.out).toMatch(/FAIL seed 1: source-ab-strict broke 2 checks, all of them with no fault at all/);
    expect(r.out).toMatch(/seed 1 breaks them with no fault at all, so there is no fault schedule to shrink/);
    const check = /^ {2}check: sim (.*)$/m.exec(r.out)?.[1] as string;
    const c = sim(...check.split(' '));
    expect(c.code).toBe(1);
    expect(c.out).toMatch(/source-ab-strict: tickets\.oversold: wanted 0, got 1/);
  });

  test('exit 2 on bad input, before any run', () => {
    expect(sim('explore', robust, '--seeds', '0').code).toBe(2);
    expect(sim('explore', path.join(dir, 'nope.yaml'), '--seeds', '1').code).toBe(2);
    const k = sim('explore', robust, '--seeds', '1', '--kinds', 'crash,meteor');
    expect(k.code).toBe(2);
    expect(k.err).toMatch(/unknown fault kind "meteor"/);
    const typo = write('typo.yaml', ROBUST + 'expect:\n  tickets.sould: 3\n');
    const t = sim('explore', typo, '--seeds', '1');
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/typo\.yaml:17: expect\.tickets\.sould: unknown summary\.json path/);
    expect(t.out).toBe('');
  });
});
