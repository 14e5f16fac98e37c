// sites.ts with a front per site: directors numbered on across sites, the name space that routers,
// directors, sites and nodes share, the checks of a site's front; and a site's backups, weights.
import { parseScenario, ScenarioError } from '../src/scenario/load.js';
import { siteFrontNames } from '../src/scenario/sites.js';

function refusal(yaml: string, set: string[] = []): string {
  try {
    parseScenario(yaml, 'b.yaml', { set });
    return '';
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return e.message;
  }
}

// app2 is a backup; nginx1 and nginx2 (lines 1-4, sites: on 5)
const HEAD = 'nginx:\n  instances: 2\n  upstream:\n    servers: [{ name: app1 }, { name: app2, backup: true }, { name: app3 }]\nsites:\n';
const site = (name: string, nginx: string, servers: string, extra = '') => `  - { name: ${name}, nginx: [${nginx}], servers: [${servers}]${extra} }\n`;
/** A front: router `r` linked to directors lvs<from>..lvs<from + n - 1>. */
const front = (r: string, from: number, n = 2, lvs = '') =>
  `, network: { routers: [${r}], links: [${Array.from({ length: n }, (_, i) => `{a: ${r}, b: lvs${from + i}}`).join(', ')}] }${lvs}`;
const two = (a: string, b: string) => `${HEAD}${site(a, 'nginx1', 'app1', front('r1', 1))}${site(b, 'nginx2', 'app2, app3', front('r2', 3))}`;

describe('a site of backups, weights', () => {
  test('a site needs one server that is not a backup; one is enough', () => {
    expect(refusal(HEAD + site('dc1', 'nginx1', 'app1, app3') + site('dc2', 'nginx2', 'app2'))).toBe(
      'b.yaml:7: sites[1].servers: at least one server of a site must not be a backup (its nginx needs a primary server)',
    );
    expect(refusal(HEAD + site('dc1', 'nginx1', 'app1, app2') + site('dc2', 'nginx2', 'app3'))).toBe('');
  });
  test('every site at weight 0', () => {
    expect(refusal(HEAD + site('dc1', 'nginx1', 'app1', ', weight: 0') + site('dc2', 'nginx2', 'app2, app3', ', weight: 0'))).toBe(
      'b.yaml:5: sites: at least one site needs a weight above 0 (the GSLB hands out sites by weight)',
    );
  });
});

describe('fronts per site', () => {
  test('directors are numbered on across sites; routers without lvs take the default two', () => {
    const s = parseScenario(two('dc1', 'dc2'), 'b.yaml');
    expect(s.sites?.list.map((x) => [x.front?.topology.routers, x.front?.lvs.directors])).toEqual([
      [['r1'], ['lvs1', 'lvs2']],
      [['r2'], ['lvs3', 'lvs4']],
    ]);
    expect(siteFrontNames(s.sites)).toEqual(['r1', 'lvs1', 'lvs2', 'r2', 'lvs3', 'lvs4']);
    expect(siteFrontNames(undefined)).toEqual([]);
    // sites without fronts have no front names either
    expect(siteFrontNames(parseScenario(HEAD + site('dc1', 'nginx1', 'app1') + site('dc2', 'nginx2', 'app2, app3'), 'b.yaml').sites)).toEqual([]);
    // four directors in dc1: dc2's are lvs5, lvs6
    const four = `${HEAD}${site('dc1', 'nginx1', 'app1', front('r1', 1, 4, ', lvs: { directors: 4, mode: active_active }'))}${site('dc2', 'nginx2', 'app2, app3', front('r2', 5))}`;
    expect(parseScenario(four, 'b.yaml').sites?.list.map((x) => x.front?.lvs.directors)).toEqual([['lvs1', 'lvs2', 'lvs3', 'lvs4'], ['lvs5', 'lvs6']]);
  });
  test("a site may not take another site's director's name; the name after the last director is free", () => {
    expect(refusal(two('lvs4', 'dc2'))).toBe('b.yaml:6: sites[0].name: "lvs4" is already a director of site dc2: sites and nodes share one name space');
    expect(refusal(two('lvs3', 'dc2'))).toBe('b.yaml:6: sites[0].name: "lvs3" is already a director of site dc2: sites and nodes share one name space');
    expect(refusal(two('lvs5', 'dc2'))).toBe('');
  });
  test("a router may not take a node's, a site's or another site's router's name", () => {
    const routers = (r2: string) => `${HEAD}${site('dc1', 'nginx1', 'app1', front('r1', 1))}${site('dc2', 'nginx2', 'app2, app3', front(r2, 3))}`;
    expect(refusal(routers('r1'))).toBe('b.yaml:7: sites[1].network.routers[0]: "r1" is already a node of site dc1: node names must be unique across sites');
    expect(refusal(routers('app1'))).toBe('b.yaml:7: sites[1].network.routers[0]: "app1" is already the name of another node');
    expect(refusal(routers('dc1'))).toBe('b.yaml:7: sites[1].network.routers[0]: "dc1" is already the name of another node');
    expect(refusal(routers('redis'))).toBe('b.yaml:7: sites[1].network.routers[0]: "redis" is already the name of another node');
    // a router named after its own site's director: refused as a node name, not as another site's
    expect(refusal(routers('lvs3'))).toBe('b.yaml:7: sites[1].network.routers[0]: "lvs3" is already the name of another node');
  });
  test('a front needs its routers; every site has a front or none has', () => {
    const routersRequired = "sites[0].network.routers: is required in a site's front (an implicit router would have the same name in every site)";
    expect(refusal(HEAD + site('dc1', 'nginx1', 'app1', ', lvs: {directors: 2}') + site('dc2', 'nginx2', 'app2, app3', front('r2', 3)))).toBe(`b.yaml:6: ${routersRequired}`);
    expect(refusal(HEAD + site('dc1', 'nginx1', 'app1', ', network: { hash_policy: l4 }') + site('dc2', 'nginx2', 'app2, app3', front('r2', 3)))).toBe(`b.yaml:6: ${routersRequired}`);
    expect(refusal(HEAD + site('dc1', 'nginx1', 'app1') + site('dc2', 'nginx2', 'app2, app3', front('r2', 1)))).toBe(
      'b.yaml:6: sites[0]: has no front while site dc2 has one: either every site declares its routers and lvs, or none does',
    );
    expect(refusal(HEAD + site('dc1', 'nginx1', 'app1', front('r1', 1)) + site('dc2', 'nginx2', 'app2, app3'))).toBe(
      'b.yaml:7: sites[1]: has no front while site dc1 has one: either every site declares its routers and lvs, or none does',
    );
  });
});

test('place: an unknown host names every host', () => {
  expect(refusal('name: b\n', ['hosts={box1: {cores: 1}, box2: {cores: 1}}', 'place={box3: [app1]}'])).toBe('b.yaml: --set place: place.box3: unknown host (hosts: box1, box2)');
});
