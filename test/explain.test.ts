// `sim explain`: algorithms, JSON shapes and bad input.
import { jest } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { explainCommand, parseDurationArg_us, runExplain } from '../src/cli/explain.js';
import type { ExplainInput } from '../src/cli/explain.js';
import { UsageError } from '../src/cli/errors.js';

const json = (a: ExplainInput): unknown => runExplain(a).json;

function usageError(a: ExplainInput): UsageError {
  try {
    runExplain(a);
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error('expected a UsageError');
}

describe('pickers', () => {
  test('nginx 5,1,1 -> a a b a c a a (the smooth WRR commit message)', () => {
    const r = runExplain({ algorithm: 'nginx', weights: '5,1,1', names: 'a,b,c' });
    expect(r.json).toEqual({ picks: ['a', 'a', 'b', 'a', 'c', 'a', 'a'] });
    expect(r.text).toContain('order: a a b a c a a');
    expect(r.text).toContain('[-2, 1, 1]'); // current weights after the first pick
  });

  test('nginx defaults: s1..s4 with the article weights 1,2,3,4, one round', () => {
    const picks = (json({ algorithm: 'nginx' }) as { picks: string[] }).picks;
    expect(picks).toHaveLength(10);
    expect(picks.filter((p) => p === 's4')).toHaveLength(4);
    expect(json({ algorithm: 'nginx', picks: 3 })).toEqual({ picks: ['s4', 's3', 's2'] });
  });

  test('ipvs-rr, ipvs-wrr, ipvs-lc, ipvs-wlc: {"picks": [...]}', () => {
    expect(json({ algorithm: 'ipvs-rr', weights: '1,0,2', picks: 4 })).toEqual({ picks: ['s1', 's3', 's1', 's3'] });
    expect(json({ algorithm: 'ipvs-wrr', weights: '4,3,2', names: 'a,b,c' })).toEqual({
      picks: 'a a b a b c a b c'.split(' '),
    });
    expect(json({ algorithm: 'ipvs-lc', weights: '1,2', picks: 4 })).toEqual({ picks: ['s1', 's2', 's1', 's2'] });
    expect(json({ algorithm: 'ipvs-wlc', weights: '1,2', picks: 6 })).toEqual({
      picks: ['s1', 's2', 's2', 's1', 's2', 's2'],
    });
    expect(json({ algorithm: 'ipvs-rr', weights: '0,0', picks: 2 })).toEqual({ picks: [null, null] });
  });

  test('ipvs-sh: picks per client, or the 256-bucket table', () => {
    expect(json({ algorithm: 'ipvs-sh', weights: '1,2,3', clients: '10.0.0.1' })).toEqual({ picks: ['s3'] });
    const t = json({ algorithm: 'ipvs-sh', weights: '1,2,3', names: 'a,b,c', table: true }) as { table: string[] };
    expect(Object.keys(t)).toEqual(['table']);
    expect(t.table).toHaveLength(256);
    expect(t.table.slice(0, 7)).toEqual(['a', 'b', 'b', 'c', 'c', 'c', 'a']);
    expect(runExplain({ algorithm: 'ipvs-sh', weights: '1,2,3', table: true }).text).toContain('240-255');
  });
});

describe('ecmp, vrrp, spf', () => {
  test('ecmp: {"upperBounds": [...]}, dead next hops with --down', () => {
    expect(json({ algorithm: 'ecmp', weights: '1,1,1' })).toEqual({ upperBounds: [715827882, 1431655764, 2147483647] });
    expect(json({ algorithm: 'ecmp', weights: '1,1,1', down: 's2' })).toEqual({
      upperBounds: [1073741823, -1, 2147483647],
    });
  });

  test('vrrp: {"skewUs", "masterDownUs"}', () => {
    expect(json({ algorithm: 'vrrp', priority: 100, advertInt: '1s' })).toEqual({ skewUs: 609375, masterDownUs: 3609375 });
    expect(json({ algorithm: 'vrrp' })).toEqual({ skewUs: 609375, masterDownUs: 3609375 });
    expect(json({ algorithm: 'vrrp', priority: 100, advertInt: '100ms', version: 3 })).toEqual({
      skewUs: 60937,
      masterDownUs: 360937,
    });
  });

  test('spf: {"routes": {router: {dest: {cost, nextHops}}}}', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ticketsim-explain-'));
    const file = join(dir, 'topo.yaml');
    writeFileSync(
      file,
      [
        'network:',
        '  routers: [r1, r2, r3, r4]',
        '  links:',
        '    - { a: r1, b: r2, cost: 1 }',
        '    - { a: r1, b: r3, cost: 1 }',
        '    - { a: r2, b: r4, cost: 1 }',
        '    - { a: r3, b: r4, cost: 1 }',
        '  stubs:',
        '    - { router: r4, prefix: vip, cost: 0 }',
        '',
      ].join('\n'),
    );
    const routes = (json({ algorithm: 'spf', topology: file }) as { routes: Record<string, unknown> }).routes;
    expect(Object.keys(routes)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(routes.r1).toEqual({
      r2: { cost: 1, nextHops: ['r2'] },
      r3: { cost: 1, nextHops: ['r3'] },
      r4: { cost: 2, nextHops: ['r2', 'r3'] },
      vip: { cost: 2, nextHops: ['r2', 'r3'] },
    });
    expect(json({ algorithm: 'spf', topology: file, maxPaths: 1 })).toMatchObject({
      routes: { r1: { vip: { cost: 2, nextHops: ['r2'] } } },
    });

    writeFileSync(file, 'routers: [r1]\nlinks:\n  - { a: r1, b: r9, cost: 1 }\n');
    expect(usageError({ algorithm: 'spf', topology: file }).message).toMatch(/unknown router/);
  });
});

describe('nginx ip_hash and least_conn', () => {
  test('ip_hash hashes the first three bytes: 10.0.0.1 -> 89 -> 3796 -> 2520 -> 2565, 2565 % 3 = 0 -> s1', () => {
    // ngx_http_upstream_get_ip_hash_peer: hash = (hash * 113 + byte) % 6271 over 10, 0, 0
    expect(json({ algorithm: 'nginx-ip-hash', weights: '1,1,1', clients: '10.0.0.1,10.0.0.200' })).toEqual({ picks: ['s1', 's1'] });
  });

  test('ip_hash walks the weights: 192.168.7.9 -> hash 160 (computed by hand), w = 160 % 6 = 4 -> past 1 and 2: the third peer of 1,2,3', () => {
    expect(json({ algorithm: 'nginx-ip-hash', weights: '1,2,3', clients: '192.168.7.9' })).toEqual({ picks: ['s3'] });
  });

  test('least_conn: fewest conns per weight, ties by smooth WRR from the first tied peer', () => {
    // ngx_http_upstream_get_least_conn_peer, arrivals without departures, weights 1,2,3
    expect(json({ algorithm: 'nginx-least-conn', weights: '1,2,3', picks: 8 })).toEqual({
      picks: ['s3', 's2', 's1', 's3', 's2', 's3', 's1', 's2'],
    });
  });
});

describe('bad input -> UsageError, exit code 2', () => {
  test.each<[string, ExplainInput, RegExp]>([
    ['negative weight', { algorithm: 'nginx', weights: '1,-2' }, /weight -2 of s2 is negative/],
    ['nginx weight 0', { algorithm: 'nginx', weights: '0,1' }, /outside 1\.\./],
    ['not a number', { algorithm: 'ipvs-rr', weights: '1,x' }, /"x" is not an integer/],
    ['length mismatch', { algorithm: 'ipvs-wrr', weights: '1,2', names: 'a,b,c' }, /3 names but --weights has 2/],
    ['duplicate name', { algorithm: 'nginx', weights: '1,2', names: 'a,a' }, /a appears twice/],
    ['unknown algorithm', { algorithm: 'ipvs-foo' }, /unknown algorithm "ipvs-foo"/],
    ['ip_hash bad client', { algorithm: 'nginx-ip-hash', clients: '10.0.0.x' }, /not an IPv4 address/],
    ['least_conn weight 0', { algorithm: 'nginx-least-conn', weights: '0,1' }, /outside 1\.\./],
    ['bad client', { algorithm: 'ipvs-sh', clients: '10.0.0.300' }, /not an IPv4 address/],
    ['ecmp weight 300', { algorithm: 'ecmp', weights: '1,300' }, /outside 1\.\.256/],
    ['ecmp unknown --down', { algorithm: 'ecmp', weights: '1,1', down: 'x' }, /unknown next hop x/],
    ['vrrp version 4', { algorithm: 'vrrp', version: 4 }, /--version: 4 is outside 2\.\.3/],
    ['vrrp priority 0', { algorithm: 'vrrp', priority: 0 }, /--priority/],
    ['vrrp bad duration', { algorithm: 'vrrp', advertInt: 'soon' }, /not a duration/],
    ['spf without file', { algorithm: 'spf' }, /--topology/],
    ['spf missing file', { algorithm: 'spf', topology: '/nonexistent/t.yaml' }, /--topology/],
  ])('%s', (_, input, message) => {
    const e = usageError(input);
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(message);
  });
});

test('durations: units, bare seconds, exact decimals', () => {
  expect(parseDurationArg_us('1s', 'x')).toBe(1_000_000);
  expect(parseDurationArg_us('1.1s', 'x')).toBe(1_100_000);
  expect(parseDurationArg_us('100ms', 'x')).toBe(100_000);
  expect(parseDurationArg_us('250us', 'x')).toBe(250);
  expect(parseDurationArg_us('2', 'x')).toBe(2_000_000);
  expect(() => parseDurationArg_us('0.5us', 'x')).toThrow(UsageError);
});

test('the yargs command: --version is the VRRP version, --json prints one object', async () => {
  const out: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    await yargs(['explain', 'vrrp', '--priority', '100', '--advert-int', '100ms', '--version', '3', '--json'])
      .command(explainCommand)
      .strict()
      .version()
      .parseAsync();
    await yargs(['explain', 'nginx', '--weights', '5,1,1', '--names', 'a,b,c'])
      .command(explainCommand)
      .strict()
      .parseAsync();
  } finally {
    spy.mockRestore();
  }
  expect(JSON.parse(out[0])).toEqual({ skewUs: 60937, masterDownUs: 360937 });
  expect(out[1]).toContain('order: a a b a c a a');
});
