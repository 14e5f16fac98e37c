// Checks written from the mutants of src/scenario that the quick pass left alive (docs/mutation.md):
// keepalived's advert_int rounding at its edges, which malformed rates are "missing a unit" and
// which are "not a rate", and the errors of hosts/place/cpu without hosts. Every expected value is
// worked out by hand beside it.
import { normalizeAdvertInt_us } from '../src/scenario/keepalived-config.js';
import { parseScenario, ScenarioError } from '../src/scenario/load.js';
import { parseRate_per_s } from '../src/scenario/units.js';

describe('normalizeAdvertInt_us at its edges', () => {
  test.each([
    // 0 (unset) takes keepalived's default of 1 s, for both versions
    [0, 2, 1_000_000],
    [0, 3, 1_000_000],
    // v2: 256 s and more is clamped to 255 s; 255 s stays
    [256_000_000, 2, 255_000_000],
    [255_000_000, 2, 255_000_000],
    // v2 rounds to the nearest second: 1.4 s -> 1 s, 1.5 s -> 2 s, 0.4 s -> 0 -> 1 s
    [1_400_000, 2, 1_000_000],
    [1_500_000, 2, 2_000_000],
    [400_000, 2, 1_000_000],
    // v3: 40.96 s and more is clamped to 40.95 s
    [40_960_000, 3, 40_950_000],
    // v3 rounds to centiseconds: 40.955 s + 5 ms = 40.960 s, which v3 cannot carry -> 40.95 s
    [40_955_000, 3, 40_950_000],
    // 1.234 s -> 1.23 s; 4 ms -> 0 -> 10 ms
    [1_234_000, 3, 1_230_000],
    [4_000, 3, 10_000],
  ] as const)('%d µs, VRRP v%d -> %d µs', (in_us, version, out_us) => {
    expect(normalizeAdvertInt_us(in_us, version)).toBe(out_us);
  });
});

describe('rates: which malformed texts lack a unit and which are not rates', () => {
  test.each([
    // a number with at most a magnitude letter: the unit is missing
    ['+5', 'missing unit'],
    ['1.5', 'missing unit'],
    ['1.25', 'missing unit'],
    ['.25', 'missing unit'],
    ['1e5', 'missing unit'],
    ['1e+5', 'missing unit'],
    ['1e10', 'missing unit'],
    ['5 k', 'missing unit'],
    // anything else is not a rate
    ['x5', 'not a rate'],
    ['5k/', 'not a rate'],
  ])('%s: %s', (text, want) => {
    expect(() => parseRate_per_s(text)).toThrow(want);
  });

  test('bare zeros in any spelling need no unit', () => {
    expect(parseRate_per_s('00')).toBe(0);
    expect(parseRate_per_s('0.00')).toBe(0);
  });

  test('surrounding blanks are trimmed', () => {
    expect(parseRate_per_s(' 200k/s ')).toBe(200_000);
  });

  test('an unknown magnitude or rate unit is named', () => {
    expect(() => parseRate_per_s('5x/s')).toThrow(`unknown magnitude 'x' in "5x/s" (allowed: k, M, G)`);
    // 1e300 x 1e9 overflows a double to Infinity
    expect(() => parseRate_per_s('1e300G/s')).toThrow('rate too large (got 1e300G/s)');
    expect(() => parseRate_per_s('5/d')).toThrow(`unknown rate unit '/d' in "5/d" (allowed: /us, /ms, /s, /min, /h)`);
  });
});

function errorOf(text: string): string {
  try {
    parseScenario(text, 'x.yaml');
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  throw new Error('expected a ScenarioError, but the scenario loaded');
}

describe('hosts, place and cpu: the errors', () => {
  const base = 'name: h\nnginx: { upstream: { servers: [ { name: app1 }, { name: app2 } ] } }\n';
  test.each([
    ['place without hosts', `${base}place: { box1: [app1] }\n`, /^x\.yaml:\d+: place: needs `hosts:` \(the machines to place processes on\)/],
    ['cpu without hosts', `${base}cpu: { app: 100us }\n`, /^x\.yaml:\d+: cpu: needs `hosts:` \(CPU time is spent on a host\)/],
    ['no host', `${base}hosts: {}\n`, /^x\.yaml:\d+: hosts: must name at least one host/],
    ['an unknown host', `${base}hosts: { box1: { cores: 2 }, box2: { cores: 1 } }\nplace: { box9: [app1] }\n`, /^x\.yaml:\d+: place\.box9: unknown host \(hosts: box1, box2\)$/],
    ['cpu.app of the wrong length', `${base}hosts: { box1: { cores: 2 } }\ncpu: { app: [100us] }\n`, /^x\.yaml:\d+: cpu\.app: must have one entry per upstream server \(2\), got 1$/],
  ])('%s', (_what, text, want) => {
    expect(errorOf(text)).toMatch(want);
  });
});

describe('sites: each error, with its key path and its whole text', () => {
  const one = 'name: s\nnginx:\n  instances: 2\n  upstream: { servers: [ { name: app1 }, { name: app2 } ] }\n';
  const two = `${one}sites:\n  - { name: dc1, weight: 1, nginx: [nginx1], servers: [app1] }\n  - { name: dc2, weight: 1, nginx: [nginx2], servers: [app2] }\n`;
  test.each([
    ['site_link without sites', `${one}site_link: { latency: 5ms }\n`, 'site_link: needs sites: (two or more data centres)'],
    ['redis.site without sites', `${one}redis: { site: dc1 }\n`, 'redis.site: needs sites: (two or more data centres)'],
    ['tickets.split without sites', `${one}tickets: { inventory: 10, split: per_site }\n`, 'tickets.split: needs sites: (each site gets its own Redis and share)'],
    ['lvs beside sites', `${two}lvs: {}\n`, 'lvs: with sites, each site has its own directors: put lvs: under the site (sites[i].lvs)'],
    ['routers beside sites', `${two}network: { routers: [r1] }\n`, 'network.routers: with sites, each site has its own routers: put them under the site (sites[i].network.routers)'],
    ['a site named redis', two.replace('name: dc2', 'name: redis'), 'sites[1].name: "redis" is already a node name: sites and nodes share one name space'],
    ['an unknown nginx', two.replace('nginx: [nginx2]', 'nginx: [nginx9]'), 'sites[1].nginx[0]: unknown nginx instance "nginx9" (known: nginx1, nginx2)'],
    ['a site of backups only', two.replace('{ name: app2 }', '{ name: app2, backup: true }'), 'sites[1].servers: at least one server of a site must not be a backup (its nginx needs a primary server)'],
    ['two nginx in no site', two.replace('instances: 2', 'instances: 4'), 'sites: every nginx instance and app server must be in a site (not placed: nginx3, nginx4)'],
    ['every weight 0', two.replace(/weight: 1/g, 'weight: 0'), 'sites: at least one site needs a weight above 0 (the GSLB hands out sites by weight)'],
    ['per_site with redis.site', `${two}tickets: { inventory: 10, split: per_site }\nredis: { site: dc2 }\n`, 'redis.site: with tickets.split per_site every site runs its own Redis'],
  ])('%s', (_what, text, want) => {
    expect(errorOf(text)).toMatch(new RegExp(`^x\\.yaml:\\d+: ${want.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });
  test('a site with a backup beside a primary loads, the backup in that site', () => {
    // every server of dc2 but app3 is a primary: the "backups only" rule must not fire
    const text = two.replace('{ name: app2 }', '{ name: app2 }, { name: app3, backup: true }').replace('servers: [app2]', 'servers: [app2, app3]');
    expect(parseScenario(text, 'x.yaml').sites?.list.map((x) => x.servers)).toEqual([['app1'], ['app2', 'app3']]);
  });
});
