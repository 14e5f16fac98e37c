// summary.json's users section when users fail, worked by hand: four users, one every 1 ms, one
// app server, a fixed script over 3 tickets, users wait 1 s.
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';

const scenario = (users: string, extra: string) => `name: users-fail
seed: 1
tickets: { inventory: 3, script: fixed }
users:
  load:
    open: { users: 4, rate: 1k/s, shape: uniform }
${users}nginx:
  upstream:
    servers:
      - { name: app1, weight: 1 }
${extra}`;
const run = (users: string, extra = '') => runScenario(parseScenario(scenario(users, extra), 'users-fail.yaml')).report.summary;

describe('users who fail, counted once each by their final outcome', () => {
  test('an app 2 s a request: all four stop waiting at 1 s, and hear the answer late', () => {
    const s = run('  timeout: 1s\n', 'app:\n  service_time: { const: 2s }\n');
    expect(s.users).toEqual({ total: 4, succeeded: 0, sold_out: 0, failed: 4, failed_timeout: 4, failed_error: 0, timeout_ms: 1000, retried: 0, late_answers: 4, double_holders: 0 });
    expect(s.requests).toMatchObject({ total: 4, ok: 0, sold_out: 0, errors: 0, timeouts: 4 });
  });

  test('the only app dead from the start: nginx answers 502 to all four', () => {
    const s = run('  timeout: 1s\n', 'faults:\n  - { at: 0s, kill: app1 }\n');
    expect(s.users).toEqual({ total: 4, succeeded: 0, sold_out: 0, failed: 4, failed_timeout: 0, failed_error: 4, timeout_ms: 1000, retried: 0, late_answers: 0, double_holders: 0 });
    expect(s.requests).toMatchObject({ total: 4, ok: 0, errors: 4, timeouts: 0 });
  });

  test('no timeout (0s): null in the summary; two buy (the local check keeps one of 3), two hear "sold out"', () => {
    const s = run('  timeout: 0s\n');
    expect(s.tickets.local_stock_total).toBe(3);
    expect(s.users).toMatchObject({ total: 4, succeeded: 2, sold_out: 2, failed: 0, failed_timeout: 0, failed_error: 0, timeout_ms: null });
  });
});
