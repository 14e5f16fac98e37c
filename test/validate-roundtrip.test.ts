// `sim validate` prints a scenario in the keys and units a user writes, and `sim run` takes that text
// as it is: validate -> write the printed YAML -> load gives the same resolved scenario (lines and
// file aside), and the same run.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadScenario, parseScenario } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { formatRate, scenarioToUserYaml } from '../src/scenario/user-yaml.js';
import { scratch, sim } from './support/sim-cli.js';

const { dir, write } = scratch('sim-validate-');

/** The scenario without what depends on where its text came from: the file and line numbers. */
function comparable(s: Scenario): unknown {
  return JSON.parse(JSON.stringify({ ...s, file: '' }, (k, v: unknown) => (k === 'line' ? undefined : v)));
}

const SHIPPED = [
  ...readdirSync('scenarios').map((f) => path.join('scenarios', f)),
  ...readdirSync('test/fixtures').map((f) => path.join('test/fixtures', f)),
].filter((f) => f.endsWith('.yaml'));

// Every kind of key the shipped scenarios leave out: each fault form, a closed load, an inline and
// a file script, service-time kinds, per-server overrides, an implicit router.
const EVERYTHING = `name: everything
description: |
  two lines
  of text
tickets: { inventory: 500, script: { lua: "return redis.call('HINCRBY', KEYS[1], ARGV[2], 1)" } }
users:
  load: { closed: { concurrency: 7, requests: 900, think_time: 1.5ms } }
  retries: 2
  method: POST
lvs: { directors: 2, health_check: false, vrrp: { version: 3, advert_int: 0.333s } }
nginx:
  upstream:
    max_fails: 3
    next_upstream: error timeout http_502
    servers:
      - { name: a, weight: 3, max_fails: 0, fail_timeout: 2s }
      - { name: b, weight: 1, backup: true }
      - { name: c, weight: 2, down: true }
app:
  local_stock: [ 100, 200, 300 ]
  service_time: { exp: 250us }
redis:
  service_time: { lognormal: { median: 40us, p99: 1ms } }
  save: ""
  appendonly: true
faults:
  - { at: 100ms, slow: a, factor: 3.5, for: 1s }
  - { random_kill: { count: 1, among: [ a, c ], between: [ 1s, 2s ] } }
  - { at: 0.2s, drop: a-redis, fraction: 0.25 }
  - { random: partition, nodes: [ a ], mtbf: 3s, mttr: 500ms }
  - { at: 1s, restart: redis, for: 250ms }
  - { at: 2s, partition: [ a, redis ], for: 1s }
  - { at: 3s, kill: a }
  - { at: 4s, recover: a }
  - { at: 5s, stop: lvs1 }
expect:
  tickets.oversold: 0
  tickets.sold: "<= 500"
  fingerprint: "0badf00d"
  tiers.app.a.share: "> 0.5"
`;

describe('sim validate prints a scenario that sim run accepts as it is', () => {
  test.each(SHIPPED)('%s: validate -> write -> load gives the same resolved scenario', (file) => {
    const s = loadScenario(file);
    const again = loadScenario(write(`${path.basename(file, '.yaml')}.resolved.yaml`, scenarioToUserYaml(s)));
    expect(comparable(again)).toEqual(comparable(s));
  });

  test('every key form: inline Lua, closed load, random faults, per-server limits, implicit router', () => {
    const s = parseScenario(EVERYTHING, 'everything.yaml');
    const text = scenarioToUserYaml(s);
    expect(comparable(parseScenario(text, 'again.yaml'))).toEqual(comparable(s));
    // faults keep the order the file wrote them in, whatever their kind
    expect(text).toContain(
      [
        'faults:',
        '  - { at: 100ms, slow: a, factor: 3.5, for: 1s }',
        '  - { random_kill: { count: 1, among: [ a, c ], between: [ 1s, 2s ] } }',
        '  - { at: 200ms, drop: a-redis, fraction: 0.25 }',
        '  - { random: partition, nodes: [ a ], mtbf: 3s, mttr: 500ms, factor: 10, from: 0s, until: 1m }',
        '  - { at: 1s, restart: redis, for: 250ms }',
      ].join('\n'),
    );
    expect(text).toContain('      - { name: a, weight: 3, max_fails: 0, fail_timeout: 2s }\n      - { name: b, weight: 1, backup: true }');
    expect(text).toContain('think_time: 1.5ms');
    expect(text).toContain('vrrp: { version: 3, advert_int: 330ms,');
    expect(text).not.toMatch(/_us\b|_per_s\b|\bline:|\bfile:/);
  });

  test('a script file is written as its path, relative to the scenario file', () => {
    write('sell.lua', "return redis.call('HINCRBY', KEYS[1], ARGV[2], 1)\n");
    const f = write('with-file.yaml', 'tickets: { script: sell.lua }\n');
    const text = scenarioToUserYaml(loadScenario(f));
    expect(text).toContain('tickets:\n  inventory: 10000\n  script: sell.lua\n');
    expect(comparable(loadScenario(write('with-file.again.yaml', text)))).toEqual(comparable(loadScenario(f)));
  });

  test('rates print in their shortest exact form', () => {
    expect(formatRate(200_000)).toBe('200k/s');
    expect(formatRate(2_000_000)).toBe('2M/s');
    expect(formatRate(1_500_000)).toBe('1500k/s');
    expect(formatRate(5_000)).toBe('5k/s');
    expect(formatRate(333.25)).toBe('333.25/s');
    expect(formatRate(1 / 3)).toBe(`${1 / 3}/s`);
  });

  test('sim validate output runs with sim run and gives the same fingerprint as the scenario as written', () => {
    const v = sim('validate', 'scenarios/source-ab.yaml');
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/^# Scenario "source-ab" from scenarios\/source-ab\.yaml, resolved/);
    expect(v.out).toContain('  timeout: 30s\n');
    const r = sim('run', write('source-ab.yaml', v.out), '--out', path.join(dir, 'b'), '--quiet');
    expect([r.code, r.err]).toEqual([0, '']);
    const fp = (f: string): string => (JSON.parse(readFileSync(f, 'utf8')) as { fingerprint: string }).fingerprint;
    // the golden run of scenarios/source-ab.yaml as written (test/golden.test.ts keeps it current)
    expect(fp(path.join(dir, 'b', 'summary.json'))).toBe(fp('test/golden/source-ab/summary.json'));
  });
});
