// validate:real's Node backend against a real redis-server: warm-up requests run the same handler
// on their own inventory, stock and log, and count nowhere in what the measured run reports.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SOURCE_SCRIPT, TICKET_HASH_KEY, TICKET_SOLD_FIELD, TICKET_TOTAL_FIELD } from '../src/scenario/inventory-scripts.js';
import { freePort, Proc, requireBinary, WARM_HASH_KEY, waitForPort } from '../tools/real-stack/procs.js';
import { RespClient } from '../tools/real-stack/resp.js';
import { parseTimed } from '../tools/real-stack/early.js';

const get = (port: number, url: string): Promise<string> =>
  new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: url, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });

test('warm-up requests run the handler on their own hash, stock and log', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ticketsim-backend-'));
  const procs: Proc[] = [];
  let redis: RespClient | null = null;
  try {
    const redisPort = await freePort();
    procs.push(new Proc(requireBinary('redis-server', 'redis-server'), ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]));
    await waitForPort(redisPort, 5000, procs[0]);
    redis = await RespClient.connect(redisPort);
    const sha = String(await redis.command(['SCRIPT', 'LOAD', SOURCE_SCRIPT]));
    for (const key of [TICKET_HASH_KEY, WARM_HASH_KEY]) await redis.command(['HSET', key, TICKET_TOTAL_FIELD, '1000', TICKET_SOLD_FIELD, '0']);
    const port = await freePort();
    const log = path.join(dir, 'app1.log');
    const backend = new Proc(process.execPath, ['dist/harness/tools/real-stack/backend.js', 'app1', String(port), '3', String(redisPort), sha, log]);
    procs.push(backend);
    await waitForPort(port, 5000, backend);
    // local stock 3: the 1st and 2nd requests sell (through Redis), the rest are sold out locally
    const warmAnswers: string[] = [];
    for (let k = 0; k < 5; k++) warmAnswers.push(await get(port, '/warm'));
    const answers: string[] = [];
    for (let k = 0; k < 4; k++) answers.push(await get(port, '/buy/ticket'));
    expect(warmAnswers.map((b) => (JSON.parse(b) as { code: number }).code)).toEqual([1, 1, -1, -1, -1]);
    expect(answers.map((b) => (JSON.parse(b) as { code: number }).code)).toEqual([1, 1, -1, -1]);
    expect(await redis.command(['HGET', WARM_HASH_KEY, TICKET_SOLD_FIELD])).toBe('2');
    expect(await redis.command(['HGET', TICKET_HASH_KEY, TICKET_SOLD_FIELD])).toBe('2');
    // the article's line, then the stamps (µs): arrived, took the lock, issued the call, had the reply, answered
    const lines = readFileSync(log, 'utf8').split('\n').filter((l) => l !== '');
    expect(lines.map((l) => l.replace(/,t:.*/, ''))).toEqual(['result:1,localSales:1', 'result:1,localSales:2', 'result:0,localSales:3', 'result:0,localSales:4']);
    const timed = lines.map(parseTimed);
    expect(timed.map((t) => t?.sold)).toEqual([true, true, false, false]);
    for (const t of timed.slice(0, 2)) {
      if (t === null) throw new Error('a line without stamps');
      expect([t.lock_us - t.arrive_us, t.sent_us - t.lock_us, t.reply_us - t.sent_us, t.answer_us - t.reply_us].every((d) => d >= 0)).toBe(true);
    }
    // sold out locally: no script call, so no stamp for it
    expect(timed.slice(2).map((t) => [t?.sent_us, t?.reply_us])).toEqual([[-1, -1], [-1, -1]]);
    // one request at a time, in order
    expect(timed[1]!.arrive_us).toBeGreaterThan(timed[0]!.answer_us);
    expect(readFileSync(`${log}.warm`, 'utf8').split('\n').filter((l) => l !== '')).toHaveLength(5);
    for (let k = 0; k < 98; k++) await get(port, '/buy/ticket');
    await backend.stop('SIGTERM');
    type Window = { requests: number; cpu_us: number; client_us: number; wakeups: number };
    type Stats = { requests: number; handled: number; calls: number; send_us: number; reply_us: number; windows: Window[] };
    const stats = JSON.parse(/STATS (\{.*\})/.exec(backend.output)?.[1] ?? '{}') as Stats;
    expect([stats.requests, stats.handled, stats.calls]).toEqual([102, 102, 2]);
    // windows of 100 measured requests from the first one's arrival: 100, then the last 2
    expect(stats.windows.map((w) => w.requests)).toEqual([100, 2]);
    expect(stats.windows[0]?.cpu_us).toBeGreaterThan(0);
    // the Redis client's part: both script calls were in the first window, and add up to the totals
    expect(stats.windows[0]?.client_us).toBeCloseTo(stats.send_us + stats.reply_us, 6);
    expect(stats.windows[1]?.client_us).toBe(0);
    // one request at a time from this test: the process blocks and is woken for each
    expect(stats.windows[0]?.wakeups).toBeGreaterThanOrEqual(100);
  } finally {
    redis?.close();
    for (const p of procs.reverse()) await p.stop('SIGKILL', 1000);
    rmSync(dir, { recursive: true, force: true });
  }
});
