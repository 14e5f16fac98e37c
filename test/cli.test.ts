// The `sim` program as users run it: exit codes, messages, files. Runs the built dist/ (npm test
// builds first).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { scratch, sim } from './support/sim-cli.js';

const { dir, write } = scratch('sim-cli-');

const SMALL = `name: tiny
tickets: { inventory: 10 }
users:
  load:
    open: { users: 200, rate: 10k/s }
app:
  local_stock: { buffer: 3 }
  service_time: { const: 20us }
`;

describe('bad input: one line naming file, line and key path; exit 2; no stack trace', () => {
  const cases: [string, string, RegExp][] = [
    ['unknown key', SMALL + 'nginx:\n  wokers: 2\n', /bad1\.yaml:10: nginx\.wokers: unknown key/],
    [
      'negative weight',
      SMALL + 'nginx:\n  upstream:\n    servers:\n      - { name: a, weight: -1 }\n',
      /bad2\.yaml:12: nginx\.upstream\.servers\[0\]\.weight: .*-1/,
    ],
    ['missing unit', SMALL.replace('const: 20us', 'const: 20'), /bad3\.yaml:8: app\.service_time\.const: missing unit/],
    ['malformed YAML', 'name: x\nusers: [\n', /bad4\.yaml:\d+/],
  ];
  cases.forEach(([what, text, re], i) => {
    test(what, () => {
      const f = write(`bad${i + 1}.yaml`, text);
      const r = sim('run', f, '--out', path.join(dir, `out${i}`));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(existsSync(path.join(dir, `out${i}`))).toBe(false);
    });
  });

  test('a missing file', () => {
    const r = sim('validate', path.join(dir, 'nope.yaml'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nope\.yaml/);
  });

  test('a bad --set value names the --set', () => {
    const r = sim('validate', write('ok.yaml', SMALL), '--set', 'nginx.workers=0');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--set nginx\.workers/);
  });

  test('an expect path that summary.json does not have', () => {
    const f = write('badexpect.yaml', SMALL + 'expect:\n  tickets.sould: 3\n');
    const r = sim('run', f, '--out', path.join(dir, 'badexpect'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/badexpect\.yaml:10: expect\.tickets\.sould/);
  });
});

describe('sim run', () => {
  test('writes the report, and --seed changes it', () => {
    const f = write('tiny.yaml', SMALL);
    const a = sim('run', f, '--out', path.join(dir, 'a'));
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/sold 11 \/ 10/);
    for (const name of ['summary.json', 'timeseries.csv', 'servers.csv', 'index.html', 'run.json', 'sold.svg', 'throughput.svg', 'servers.svg', 'latency.svg'])
      expect(existsSync(path.join(dir, 'a', name))).toBe(true);
    const b = sim('run', f, '--out', path.join(dir, 'b'), '--quiet');
    expect(b.out).toBe('');
    expect(readFileSync(path.join(dir, 'b', 'summary.json'), 'utf8')).toBe(readFileSync(path.join(dir, 'a', 'summary.json'), 'utf8'));
    const c = sim('run', f, '--out', path.join(dir, 'c'), '--seed', '99', '--quiet');
    expect(c.code).toBe(0);
    const sa = JSON.parse(readFileSync(path.join(dir, 'a', 'summary.json'), 'utf8'));
    const sc = JSON.parse(readFileSync(path.join(dir, 'c', 'summary.json'), 'utf8'));
    expect(sc.seed).toBe(99);
    expect(sc.fingerprint).not.toBe(sa.fingerprint);
    const run = JSON.parse(readFileSync(path.join(dir, 'a', 'run.json'), 'utf8'));
    expect(run.events).toBeGreaterThan(0);
  });

  test('--set overrides a key', () => {
    const f = write('tiny2.yaml', SMALL);
    const r = sim('run', f, '--out', path.join(dir, 'd'), '--set', 'tickets.script=fixed', '--quiet');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'd', 'summary.json'), 'utf8')).tickets.sold).toBe(10);
  });
});

describe('sim validate and explain', () => {
  test('validate prints the resolved scenario with defaults', () => {
    const r = sim('validate', write('v.yaml', SMALL));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^    fail_timeout: 10s$/m);
    expect(r.out).toMatch(/name: app4/);
  });

  test('explain nginx prints the smooth WRR picks', () => {
    const r = sim('explain', 'nginx', '--weights', '5,1,1', '--names', 'a,b,c', '--picks', '7', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ picks: ['a', 'a', 'b', 'a', 'c', 'a', 'a'] });
  });

  test('no command is a usage error that names every command --help lists', () => {
    const r = sim();
    expect(r.code).toBe(2);
    const listed = [...sim('--help').out.matchAll(/^ {2}sim (\w+)/gm)].map((m) => m[1]);
    expect(listed).toEqual(['run', 'validate', 'explain', 'check', 'explore', 'sweep', 'merge', 'schema', 'chart']);
    expect(r.err.split('\n')[0]).toBe('sim: Name a command: run, validate, explain, check, explore, sweep, merge, schema or chart (see --help).');
  });
});
