// A whole stack for nginx's request flow, open load into three tiers with the default timings:
// users <-> nginx 1 ms one way, nginx <-> app 100 us, app 300 us, app <-> Redis 100 us, Redis 50 us.
// Shared by nginx-stack and mutation-nginx-flow, whose comments work every figure out by hand.
import { runScenario } from '../../src/model/stack.js';
import { parseScenario } from '../../src/scenario/load.js';

export const runSummary = (yaml: string, set: string[] = []) => runScenario(parseScenario(yaml, 'test.yaml', { set })).report.summary;

/** A scenario named `name`: `users` is the open load, `servers` nginx's upstream lines, `faults` the fault lines. */
export const flowStack = (name: string, users: string, servers: string, faults: string, nginx = '', stock = '[10, 10, 10]') => `name: ${name}
seed: 1
tickets: { inventory: 10, script: fixed }
users:
  load:
    open: ${users}
nginx:
${nginx}  upstream:
    servers:
${servers}app:
  local_stock: ${stock}
  local_check: exact
faults:
${faults}`;

export const THREE_SERVERS = '      - { name: app1, weight: 1 }\n      - { name: app2, weight: 1 }\n      - { name: app3, weight: 1 }\n';
export const FIVE_USERS = '{ users: 5, rate: 1k/s, shape: uniform }'; // at 0, 1, 2, 3, 4 ms
