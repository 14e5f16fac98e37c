// Sites through the `sim` program: sites.csv and sites.svg written beside the other files, the
// numbers worked by hand for the tiny DNS scenario of sites.test.ts, and a bad sites: block refused
// in one line with exit 2. Runs the built dist/ (npm test builds first).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { scratch, sim } from './support/sim-cli.js';

const { dir, write } = scratch('sim-sites-');

// As in sites.test.ts: dc2 (weight 1) goes dark at 250 ms, dc1 is the standby, TTL 1 s.
const TINY = `name: tiny-sites
tickets: { inventory: 100, script: fixed }
users:
  load: { open: { users: 10, rate: 10/s, shape: uniform } }
  timeout: 150ms
  retries: 5
  retry_backoff: 0s
nginx:
  instances: 2
  upstream: { servers: [ { name: app1 }, { name: app2 } ] }
app: { local_check: exact }
sites:
  - { name: dc1, weight: 0, nginx: [nginx1], servers: [app1] }
  - { name: dc2, weight: 1, nginx: [nginx2], servers: [app2] }
gslb: { ttl: 1s, interval: 130ms, fall: 3, rise: 2 }
faults:
  - { at: 250ms, kill: dc2 }
expect:
  tiers.site.dc2.users_failed_dark: 3
`;

describe('sim run with sites', () => {
  const out = path.join(dir, 'out');
  const r = sim('run', write('tiny.yaml', TINY), '--out', out, '--quiet');

  test('exits 0 and holds its expectation', () => {
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.expect['tiers.site.dc2.users_failed_dark'].held).toBe(true);
  });

  test('sites.csv: per 100 ms bin, dc2 takes users 0-2, then the six tries each of users 3-5, all lost from 300 ms', () => {
    // users 3, 4, 5 send at 300/400/500 ms and every 150 ms after; the GSLB drops dc2 at 520 ms
    const rows = readFileSync(path.join(out, 'sites.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('t_ms,site,requests,lost,alive,in_dns,cached');
    const dc2 = rows.slice(1).map((l) => l.split(',')).filter((c) => c[1] === 'dc2');
    expect(dc2.map((c) => Number(c[0]))).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200]);
    expect(dc2.map((c) => Number(c[2]))).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 1]);
    expect(dc2.map((c) => Number(c[3]))).toEqual([0, 0, 0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 1]);
    expect(dc2.map((c) => Number(c[4]))).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // dark from 250 ms
    expect(dc2.map((c) => Number(c[5]))).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]); // out from 520 ms
    // users 0-5 told dc2 at 0..500 ms for 1 s: cached until 1000..1500 ms
    expect(dc2.map((c) => Number(c[6]))).toEqual([1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 5, 4, 3]);
    const dc1 = rows.slice(1).map((l) => l.split(',')).filter((c) => c[1] === 'dc1');
    expect(dc1.map((c) => Number(c[2]))).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0]); // users 6-9
    expect(dc1.map((c) => Number(c[6]))).toEqual([0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 4, 4, 4]);
  });

  test('sites.svg is drawn and linked from the page', () => {
    expect(readFileSync(path.join(out, 'sites.svg'), 'utf8')).toMatch(/Requests per site/);
    expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toMatch(/sites\.svg/);
  });
});

describe('a bad sites: block', () => {
  test('a node in two sites: one line, exit 2, no report', () => {
    const f = write('dup.yaml', TINY.replace('servers: [app2] }', 'servers: [app2, app1] }'));
    const r = sim('run', f, '--out', path.join(dir, 'dup'));
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(`sim: ${f}:14: sites[1].servers[1]: "app1" is already in site dc1: node names must be unique across sites`);
    expect(existsSync(path.join(dir, 'dup'))).toBe(false);
  });

  test('an expect path naming a site that does not exist', () => {
    const f = write('badpath.yaml', TINY.replace('tiers.site.dc2.users_failed_dark', 'tiers.site.dc3.users_failed_dark'));
    const r = sim('run', f, '--out', path.join(dir, 'badpath'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/badpath\.yaml:19: expect\.tiers\.site\.dc3\.users_failed_dark/);
  });
});
