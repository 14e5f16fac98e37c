// The lower bound of every numeric scenario key: the smallest value it takes is accepted, and the
// next one down is refused with a message naming the key and the bound.
import { parseScenario, ScenarioError } from '../src/scenario/load.js';

const OPEN = `name: bounds
users:
  load:
    open: { users: 10, rate: 1k/s }
nginx:
  upstream:
    servers:
      - { name: app1, weight: 1 }
      - { name: app2, weight: 1 }
app:
  local_stock: [5, 5]
lvs:
  directors: 2
`;
const CLOSED = OPEN.replace('open: { users: 10, rate: 1k/s }', 'closed: { concurrency: 2, requests: 10 }');

/** The message of the ScenarioError that parsing with `set` raises, or '' if it parses. */
function problem(yaml: string, set: string): string {
  try {
    parseScenario(yaml, 'bounds.yaml', { set: [set] });
    return '';
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    return e.message;
  }
}

// [key, the lowest value accepted, the value just below it, what the refusal says]
const INT0 = 'must be an integer >= 0';
const INT1 = 'must be an integer >= 1';
const NEG = 'must not be negative';
const POS = 'must be > 0';
const bounds: [string, string, string, string][] = [
  ['seed', '0', '-1', INT0],
  ['tickets.inventory', '0', '-1', INT0],
  ['users.load.open.users', '1', '0', INT1],
  ['users.load.open.rate', '0.001/s', '0/s', POS],
  ['users.client_ips', '1', '0', INT1],
  ['users.timeout', '0s', '-1us', NEG],
  ['users.retries', '0', '-1', INT0],
  ['users.retry_backoff', '0s', '-1us', NEG],
  ['network.latency', '0s', '-1us', NEG],
  ['nginx.instances', '1', '0', INT1],
  ['nginx.workers', '1', '0', INT1],
  ['nginx.proxy_latency', '0s', '-1us', NEG],
  ['nginx.proxy_connect_timeout', '1us', '0s', POS],
  ['nginx.proxy_read_timeout', '1us', '0s', POS],
  ['nginx.upstream.max_fails', '0', '-1', INT0],
  ['nginx.upstream.fail_timeout', '0s', '-1us', NEG],
  ['nginx.upstream.next_upstream_tries', '0', '-1', INT0],
  ['nginx.upstream.next_upstream_timeout', '0s', '-1us', NEG],
  ['app.concurrency', '1', '0', INT1],
  ['app.redis_connect_timeout', '0s', '-1us', NEG],
  ['app.redis_read_timeout', '0s', '-1us', NEG],
  ['app.service_time', '{const: 0s}', '{const: -1us}', NEG],
  ['app.service_time', '{exp: 0s}', '{exp: -1us}', NEG],
  ['redis.latency', '0s', '-1us', NEG],
  ['redis.service_time', '{const: 0s}', '{const: -1us}', NEG],
  ['lvs.latency', '0s', '-1us', NEG],
  ['lvs.vip_cost', '0', '-1', INT0],
  ['lvs.vrrp.version', '2', '1', 'must be an integer >= 2'],
  ['lvs.vrrp.advert_int', '1us', '0s', POS],
  ['lvs.vrrp.preempt_delay', '0s', '-1us', NEG],
  ['lvs.health_check.delay_loop', '1us', '0s', POS],
  ['lvs.health_check.connect_timeout', '1us', '0s', POS],
  ['lvs.health_check.retry', '0', '-1', INT0],
  ['lvs.health_check.delay_before_retry', '0s', '-1us', NEG],
];

describe('lower bounds, open load', () => {
  test.each(bounds)('%s: %s accepted, %s refused', (key, lowest, below, says) => {
    expect(problem(OPEN, `${key}=${lowest}`)).toBe('');
    expect(problem(OPEN, `${key}=${below}`)).toMatch(new RegExp(`^bounds\\.yaml: --set ${key}: (${key}\\.\\w+: )?${says} \\(got `));
  });
});

describe('report.bin', () => {
  // 1 us bins are the key's lowest value, but only a short run fits in the time-series bound:
  // ten users at 1k/s, every timeout 100 ms, no fail_timeout window, and no routed network whose
  // timers stretch the span
  const SHORT = OPEN.replace('lvs:\n  directors: 2\n', '')
    .replace('users:\n', 'users:\n  timeout: 100ms\n')
    .replace('nginx:\n', 'nginx:\n  proxy_connect_timeout: 100ms\n  proxy_read_timeout: 100ms\n')
    .replace('upstream:\n', 'upstream:\n    fail_timeout: 0s\n');
  test('1us accepted on a short run, 0s refused', () => {
    expect(problem(SHORT, 'report.bin=1us')).toBe('');
    expect(problem(SHORT, 'report.bin=0s')).toMatch(new RegExp(`^bounds\\.yaml: --set report\\.bin: ${POS} \\(got `));
  });
  test('1us refused where the run is too long for that many bins', () => {
    expect(problem(OPEN, 'report.bin=1us')).toMatch(/^bounds\.yaml: --set report\.bin: 1 us bins over about \d+ s of simulated time .* the limit is 1000000: use a bin of at least \d+ us$/);
  });
});

describe('lower bounds, closed load', () => {
  test.each([
    ['users.load.closed.concurrency', '1', '0', INT1],
    ['users.load.closed.requests', '1', '0', INT1],
    ['users.load.closed.think_time', '0s', '-1us', NEG],
  ])('%s: %s accepted, %s refused', (key, lowest, below, says) => {
    expect(problem(CLOSED, `${key}=${lowest}`)).toBe('');
    expect(problem(CLOSED, `${key}=${below}`)).toMatch(new RegExp(`^bounds\\.yaml: --set ${key}: ${says} \\(got `));
  });
});

describe('lower bounds inside lists', () => {
  const server = (extra: string) => OPEN.replace('{ name: app2, weight: 1 }', `{ name: app2, weight: 1, ${extra} }`);
  const parses = (yaml: string) => problem(yaml, 'seed=1');

  test.each([
    ['weight: 1', 'weight: 0', 'nginx.upstream.servers[1].weight', INT1],
    ['max_fails: 0', 'max_fails: -1', 'nginx.upstream.servers[1].max_fails', INT0],
    ['fail_timeout: 0s', 'fail_timeout: -1us', 'nginx.upstream.servers[1].fail_timeout', NEG],
  ])('server %s accepted, %s refused', (ok, bad, key, says) => {
    expect(parses(server(ok).replace('weight: 1, weight: 1', 'weight: 1'))).toBe('');
    const msg = parses(server(bad).replace('weight: 1, weight: 0', 'weight: 0'));
    expect(msg).toMatch(new RegExp(`^bounds\\.yaml:9: ${key.replace(/[[\].]/g, '\\$&')}: ${says} \\(got `));
  });

  test('local stock: 0 accepted, -1 refused; a buffer must be above 0', () => {
    expect(parses(OPEN.replace('[5, 5]', '[0, 0]'))).toBe('');
    expect(parses(OPEN.replace('[5, 5]', '[5, -1]'))).toContain(INT0);
    expect(parses(OPEN.replace('[5, 5]', '{ buffer: 0.001 }'))).toBe('');
    expect(parses(OPEN.replace('[5, 5]', '{ buffer: 0 }'))).toContain('must be a number > 0');
  });

  test('VRRP priorities: 1 accepted, 0 refused', () => {
    expect(problem(OPEN, 'lvs.vrrp.priority=[1, 1]')).toBe('');
    expect(problem(OPEN, 'lvs.vrrp.priority=[1, 0]')).toContain(INT1);
  });
});
