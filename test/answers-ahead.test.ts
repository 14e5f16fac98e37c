// Code run ahead of its time (Engine.beginAhead) and nginx taking an answer when the app sends it
// (NginxTier.takeAnswerAhead): the same run, with one event fewer per answer.
import fc from 'fast-check';
import { Engine } from '../src/engine/engine.js';
import { runScenario } from '../src/model/stack.js';
import { parseScenario } from '../src/scenario/load.js';

describe('Engine.beginAhead', () => {
  // Two engines run the same program: `h` fires `lead` after `start`, as an event in one and run
  // ahead at `start` in the other. Each entry of `others` is [at, delay]: an event at `at` that
  // schedules a logged event `delay` later. Everything logs (time, name).
  type Program = { start: number; lead: number; others: [number, number][]; hDelays: number[] };
  function play(p: Program, ahead: boolean): { log: string[]; events: number } {
    const e = new Engine();
    e.declareFixedDelay(5); // some of the delays go through a lane
    const log: string[] = [];
    const logged = e.register('logged', (id) => log.push(`${e.now_us}:x${id}`));
    const other = e.register('other', (id, delay) => {
      log.push(`${e.now_us}:o${id}`);
      e.schedule(delay, logged, id);
    });
    const h = e.register('h', () => {
      log.push(`${e.now_us}:h`);
      p.hDelays.forEach((d, i) => e.schedule(d, logged, 100 + i));
      if (p.hDelays.length > 0) e.at(e.now_us + 1, logged, 200);
    });
    const start = e.register('start', () => {
      if (!ahead) {
        e.schedule(p.lead, h, 0);
        return;
      }
      e.beginAhead(p.lead);
      log.push(`${e.now_us}:h`);
      p.hDelays.forEach((d, i) => e.schedule(d, logged, 100 + i));
      if (p.hDelays.length > 0) e.at(e.now_us + 1, logged, 200);
      e.endAhead();
    });
    p.others.forEach(([at, delay], i) => e.at(at, other, i, delay));
    e.at(p.start, start, 0);
    e.run();
    // the code run ahead logs at its own time: sort the log by time (stable) to compare orders
    const byTime = log.map((l, i) => [Number(l.split(':')[0]), i, l] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return { log: byTime.map((x) => x[2]), events: e.events };
  }

  test('what the code schedules runs where the saved event would have put it (worked by hand)', () => {
    // start at 0, h due at 5; o0 at 2 schedules x0 for 8; h schedules x100 at 5 + 3 = 8 and x200
    // at 6. Run as an event, h schedules at 5, after o0 did (at 2): x0 before x100 at 8.
    const p: Program = { start: 0, lead: 5, others: [[2, 6]], hDelays: [3] };
    expect(play(p, false).log).toEqual(['2:o0', '5:h', '6:x200', '8:x0', '8:x100']);
    // ahead, h is logged at 5 too (now_us reads 5), and x100 still comes after x0
    expect(play(p, true).log).toEqual(['2:o0', '5:h', '6:x200', '8:x0', '8:x100']);
  });

  test('code that schedules nothing saves its event', () => {
    const p: Program = { start: 3, lead: 5, others: [[4, 1]], hDelays: [] };
    const slow = play(p, false);
    const fast = play(p, true);
    expect(fast.log).toEqual(slow.log);
    expect(fast.events).toBe(slow.events - 1);
  });

  test('any program: the same events in the same order', () => {
    const program = fc.record({
      start: fc.integer({ min: 0, max: 20 }),
      lead: fc.integer({ min: 0, max: 10 }),
      others: fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom(0, 1, 5, 7)), { maxLength: 12 }),
      hDelays: fc.array(fc.constantFrom(0, 1, 5, 7), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(program, (p) => {
        // h itself moves (that is the point; its caller vouches that nothing it reads changes
        // meanwhile): every other event keeps its time and place
        const others = (log: string[]) => log.filter((l) => !l.endsWith(':h'));
        expect(others(play(p, true).log)).toEqual(others(play(p, false).log));
      }),
    );
  });

  test('now_us reads the later time only while ahead; code ahead cannot go further ahead', () => {
    const e = new Engine();
    e.beginAhead(7);
    expect(e.now_us).toBe(7);
    expect(e.aheadBy_us).toBe(7);
    expect(() => e.beginAhead(1)).toThrow('cannot run more code ahead');
    e.endAhead();
    expect(e.now_us).toBe(0);
    expect(e.aheadBy_us).toBe(0);
  });
});

describe('nginx takes answers when the app sends them', () => {
  const base = (extra: string, users = 'open: { users: 4000, rate: 20k/s }') => `
name: ahead
seed: 11
tickets: { inventory: 150, script: source }
users:
  load:
    ${users}
  client_ips: 1000
${extra}
app:
  local_stock: { buffer: 1.5 }
  service_time: { exp: 40us }
`;
  const UPSTREAM = `nginx:
  workers: 2
  proxy_read_timeout: 2ms
  upstream:
    max_fails: 1
    fail_timeout: 0s
    servers:
      - { name: app1, weight: 1 }
      - { name: app2, weight: 2 }
      - { name: app3, weight: 3 }
`;
  const LVS = `network:
  routers: [r1]
  links:
    - { a: r1, b: lvs1 }
    - { a: r1, b: lvs2 }
lvs:
  directors: 2
  mode: active_backup
  forwarding: nat
  scheduler: wrr
nginx: { instances: 2 }
`;
  const cases: [string, string, boolean][] = [
    ['no fault', base('nginx: { workers: 3 }'), true],
    // read timeouts: failures and retries at nginx, a second boundary crossed with fail_timeout 0
    ['read timeouts, retries, fail_timeout 0', base(`${UPSTREAM}faults:\n  - { at: 50ms, slow: app2, factor: 200, for: 60ms }\n`), true],
    ['a server killed and restarted', base(`${UPSTREAM}faults:\n  - { at: 30ms, kill: app3, for: 40ms }\n`), true],
    ['user timeouts and retries', base('nginx: { workers: 2 }\nfaults:\n  - { at: 20ms, slow: app1, factor: 100, for: 50ms }\n').replace('client_ips: 1000', 'client_ips: 1000\n  timeout: 3ms\n  retries: 2\n  retry_backoff: 1ms'), true],
    // NAT: the director schedules the reply; the replay event keeps it in place
    ['LVS NAT behind a router, a director crash', base(`${LVS}faults:\n  - { at: 60ms, kill: lvs1 }\n`), false],
    // a peer that failed in second 0 is checked again in second 1 (fail_timeout 0): the answer that
    // clears its failure must not clear it early, or the picks meanwhile would count it in
    ['a failed peer checked again in the next second', base(`${UPSTREAM.replace('workers: 2', 'workers: 1')}faults:\n  - { at: 100ms, slow: app3, factor: 300, for: 200ms }\n`, 'open: { users: 17000, rate: 16k/s }'), true],
    // an nginx host dies behind the directors: answers on their way to it are lost
    ['LVS DR, an nginx host killed', base(`${LVS.replace('active_backup', 'active_active').replace('forwarding: nat', 'forwarding: dr')}faults:\n  - { at: 60ms, kill: nginx2 }\n`), true],
    // closed load: the user's answer is an event anyway, scheduled by the replay in nginx's place
    ['closed load', base('nginx: { workers: 2 }', 'closed: { concurrency: 40, requests: 4000 }'), false],
  ];
  test.each(cases)('%s: the same report, no more events (fewer where answers go straight to users)', (_name, text, fewer) => {
    const strip = (x: ReturnType<typeof runScenario>) => {
      const r = x.report;
      return JSON.stringify({ ...r, summary: { ...r.summary, events: 0, fingerprint: '' } });
    };
    const slow = runScenario(parseScenario(text, 'test.yaml'), { fastPaths: { replies: false } });
    const fast = runScenario(parseScenario(text, 'test.yaml'), { fastPaths: { replies: true } });
    expect(strip(fast)).toBe(strip(slow));
    if (fewer) expect(fast.events).toBeLessThan(slow.events);
    else expect(fast.events).toBeLessThanOrEqual(slow.events);
  });

  test('with no fault and no timeout near, every answer is taken when sent: 4 events per user', () => {
    const s = runScenario(parseScenario(base('nginx: { workers: 3 }'), 'test.yaml')).report.summary;
    // arrival, nginx, app arrival, app done; 3 per Redis call; the first wake-up of the users' and
    // nginx's timeouts (30 s and 60 s after the first request: every entry is stale by then)
    const redisCalls = s.tiers.redis.commands;
    expect(s.events).toBe(4 * 4000 + 3 * redisCalls + 2);
  });
});
