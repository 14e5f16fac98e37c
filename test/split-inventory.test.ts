// tickets.split per_site: each site its own Redis and an even share; worked by hand on two sites
// of one app server each.
import type { Summary } from '../src/metrics/summary.js';
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';
import { evenShares } from '../src/scenario/sites.js';

const SITES = `nginx:
  instances: 2
  upstream: { servers: [{ name: app1 }, { name: app2 }] }
sites:
  - { name: dc1, nginx: [nginx1], servers: [app1] }
  - { name: dc2, nginx: [nginx2], servers: [app2] }
`;
// 11 tickets: dc1 6, dc2 5. 400 users at 100/s, half of them told each site, many more than the
// tickets; local stock twice the share, so only the Redis of each site limits its sales.
const scenario = (faults: string) => `name: split
seed: 1
tickets: { inventory: 11, script: fixed, split: per_site }
users:
  load: { open: { users: 400, rate: 100/s } }
  timeout: 1s
${SITES}gslb: { ttl: 1s, interval: 1s, fall: 1, rise: 1 }
app: { local_stock: { buffer: 2 } }
${faults}`;
const run = (faults = ''): Summary => runScenario(parseScenario(scenario(faults), 'split.yaml')).report.summary;
const err = (text: string): string => {
  try {
    parseScenario(text, 'x.yaml');
    return 'no error';
  } catch (e) {
    return (e as Error).message;
  }
};

describe('tickets.split per_site', () => {
  test('even shares, the first sites one more each for the remainder', () => {
    expect(evenShares(11, 2)).toEqual([6, 5]);
    expect(evenShares(100_000, 3)).toEqual([33_334, 33_333, 33_333]);
  });

  test('both sites up: each Redis sells exactly its share, 6 + 5, and the hashes add up', () => {
    const s = run();
    expect(s.tiers.site?.dc1.tickets).toEqual({ share: 6, sold: 6, left: 0, stranded: 0 });
    expect(s.tiers.site?.dc2.tickets).toEqual({ share: 5, sold: 5, left: 0, stranded: 0 });
    expect([s.tickets.sold, s.tickets.oversold, s.tickets.unsold]).toEqual([11, 0, 0]);
    expect(s.gslb?.tickets_stranded).toBe(0);
    expect(s.invariants.conservation).toBe(true);
  });

  test('dc2 dark from the first instant: its 5 are stranded, dc1 sells its 6 and no more', () => {
    const s = run('faults:\n  - { at: 0ms, kill: dc2 }\n');
    expect(s.tiers.site?.dc1.tickets).toEqual({ share: 6, sold: 6, left: 0, stranded: 0 });
    expect(s.tiers.site?.dc2.tickets).toEqual({ share: 5, sold: 0, left: 5, stranded: 5 });
    expect([s.tickets.sold, s.tickets.oversold, s.tickets.unsold]).toEqual([6, 0, 5]);
    expect(s.gslb?.tickets_stranded).toBe(5);
  });

  test('the key needs sites, and excludes redis.site and replicas; `redis` is no fault target then', () => {
    expect(err('tickets: { split: per_site }\n')).toBe('x.yaml:1: tickets.split: needs sites: (each site gets its own Redis and share)');
    expect(err(`tickets: { split: per_site }\n${SITES}redis: { site: dc1 }\n`)).toBe('x.yaml:8: redis.site: with tickets.split per_site every site runs its own Redis');
    expect(err(`tickets: { split: per_site }\n${SITES}redis:\n  replicas: [{ name: r1 }]\n`)).toBe('x.yaml:1: tickets.split: per_site with redis.replicas is not modelled (each site would need its own replicas)');
    expect(err(`tickets: { split: per_site }\n${SITES}faults:\n  - { at: 1s, kill: redis }\n`)).toBe('x.yaml:9: faults[0].kill: unknown node "redis" (allowed: app1, app2, dc1, dc2)');
  });
});
