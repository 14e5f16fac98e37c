// `sim sweep --queue` and `sim worker` against a real redis-server on 127.0.0.1 (started here on a
// free port, without persistence, and stopped by its PID): two workers, one SIGKILLed while it
// holds a job, give the files of a local run; a study submitted again runs nothing; adaptive
// precision through the queue equals local; an unreachable queue is one line and exit 2.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { probeRedis } from '../src/study/queue.js';
import { freePort, Proc, requireBinary, sleep, waitForPort } from '../tools/real-stack/procs.js';
import { scratch, sim, SMALL_STUDY_YAML } from './support/sim-cli.js';

const SIM = path.resolve('dist/cli/main.js');
const { dir, write } = scratch('sim-queue-');
const out = (name: string) => path.join(dir, name);

const SMALL = write('small.yaml', SMALL_STUDY_YAML);
const STUDY = [SMALL, '--vary', 'app.local_stock.buffer=1..1.2:0.1', '--replications', '2'];

/** Every file under `root`, relative path -> contents. */
function tree(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else files[path.relative(root, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return files;
}

async function until(what: string, ok: () => boolean, timeout_ms: number, procs: Proc[]): Promise<void> {
  const end = Date.now() + timeout_ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${procs.map((p) => p.output).join('\n---\n')}`);
    await sleep(20);
  }
}

const started: Proc[] = [];
const simProc = (...args: string[]): Proc => {
  const p = new Proc(process.execPath, [SIM, ...args]);
  started.push(p);
  return p;
};

let redis: Proc | undefined;
let redisDir = '';
let url = '';
const worker = () => simProc('worker', '--queue', url, '--concurrency', '1', '--stalled-ms', '1000');

beforeAll(async () => {
  const port = await freePort();
  redisDir = mkdtempSync(path.join(tmpdir(), 'ticketsim-queue-redis-'));
  redis = new Proc(requireBinary('redis-server', 'redis-server'), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], redisDir);
  await waitForPort(port, 5000, redis);
  url = `redis://127.0.0.1:${port}`;
});

afterAll(async () => {
  for (const p of started) await p.stop('SIGKILL', 1000);
  await redis?.stop();
  rmSync(redisDir, { recursive: true, force: true });
});

describe('sim sweep --queue with sim worker', () => {
  let a: Proc;
  let b: Proc;

  test('two workers, one killed while it holds a job: the files of a local run', async () => {
    const local = sim('sweep', ...STUDY, '--workers', '1', '--out', out('local'));
    expect(local.code).toBe(0);
    a = worker();
    b = worker();
    await until('both workers ready', () => a.output.includes('worker: ready') && b.output.includes('worker: ready'), 15000, [a, b]);
    const sweep = simProc('sweep', ...STUDY, '--queue', url, '--out', out('queue'));
    await until('worker a to take a job', () => a.output.includes('worker: running'), 15000, [a, b, sweep]);
    process.kill(a.pid, 'SIGKILL');
    expect(await sweep.exited).toBe(0);
    expect(sweep.output).toMatch(/sweep: queue ticketsim-[0-9a-f]{12} at redis:\/\/127\.0\.0\.1:\d+,/);
    expect(tree(out('queue'))).toEqual(tree(out('local')));
    // the job a died with was never finished by a, and b ran it again
    const held = /worker: running (run-[0-9a-f]{12}) /.exec(a.output)?.[1] ?? 'none';
    expect(a.output).not.toContain(`worker: ran ${held}`);
    expect(b.output).toContain(`worker: ran ${held}`);
    expect(b.output.match(/worker: ran /g)?.length).toBe(6 - (a.output.match(/worker: ran /g)?.length ?? 0));
  });

  test('the same study submitted again finds every job done and runs nothing', async () => {
    const before = b.output.length;
    const again = simProc('sweep', ...STUDY, '--queue', url, '--out', out('again'));
    expect(await again.exited).toBe(0);
    expect(tree(out('again'))).toEqual(tree(out('local')));
    expect(b.output.slice(before)).not.toContain('worker: running');
  });

  test('adaptive precision through the queue: the same rounds, the same files', async () => {
    const flags = ['--vary', 'app.local_stock.buffer=1,1.2', '--precision', 'tickets.unsold=±5', '--replications', '2', '--max-replications', '5'];
    const local = sim('sweep', SMALL, ...flags, '--workers', '1', '--out', out('p-local'));
    expect(local.code).toBe(0);
    if (!b?.running) b = worker(); // when run alone
    const queued = simProc('sweep', SMALL, ...flags, '--queue', url, '--out', out('p-queue'));
    expect(await queued.exited).toBe(0);
    const json = JSON.parse(readFileSync(out('p-local/sweep.json'), 'utf8'));
    expect(json.configurations.map((c: { n: number }) => c.n)).toEqual([4, 2]); // buffer 1 took a second round
    expect(tree(out('p-queue'))).toEqual(tree(out('p-local')));
  });

  test('sim optimize through the queue: the same search, the same files', async () => {
    const flags = ['--minimize', 'app.local_stock.buffer=1..1.5', '--step', '0.1', '--subject', 'tickets.unsold < 5', '--replications', '2'];
    const local = sim('optimize', SMALL, ...flags, '--workers', '1', '--out', out('o-local'));
    if (!b?.running) b = worker(); // when run alone
    const queued = simProc('optimize', SMALL, ...flags, '--queue', url, '--out', out('o-queue'));
    expect(await queued.exited).toBe(local.code);
    expect(local.code).toBe(0);
    expect(tree(out('o-queue'))).toEqual(tree(out('o-local')));
  });

  test('a worker stops cleanly on SIGTERM', async () => {
    await b.stop('SIGTERM', 10000);
    expect(await b.exited).toBe(0);
    expect(b.output).toMatch(/worker: SIGTERM: finishing the runs in hand\nworker: stopped\n$/);
  });
});

describe('an unreachable or bad queue', () => {
  test('nothing listening: one line, exit 2, for sweep and worker', async () => {
    const port = await freePort();
    for (const args of [['sweep', SMALL, '--queue', `redis://127.0.0.1:${port}`, '--out', out('none')], ['worker', '--queue', `redis://127.0.0.1:${port}`]]) {
      const r = sim(...args);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`sim: --queue redis://127.0.0.1:${port}: cannot reach Redis: connect ECONNREFUSED 127.0.0.1:${port}\n`);
    }
  });

  test('--workers with --queue: one line, exit 2, before anything connects', () => {
    const r = sim('sweep', ...STUDY, '--queue', 'redis://127.0.0.1:1', '--workers', '2');
    expect(r.code).toBe(2);
    expect(r.err).toBe('sim: sweep: --workers has no effect with --queue (give sim worker --concurrency N instead)\n');
  });

  test('not a redis:// URL: one line, exit 2', () => {
    const r = sim('worker', '--queue', 'http://127.0.0.1:6379');
    expect(r.code).toBe(2);
    expect(r.err).toBe('sim: --queue http://127.0.0.1:6379: expected redis://HOST:PORT (http:// is not supported)\n');
  });

  test('a server that accepts but never answers: given up after the connect timeout', async () => {
    const conns = new Set<net.Socket>();
    const silent = net.createServer((c) => void conns.add(c));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const t0 = Date.now();
    await expect(probeRedis({ host: '127.0.0.1', port, db: 0, connect_timeout_ms: 300 })).rejects.toThrow(`no answer from 127.0.0.1:${port} within 300 ms`);
    expect(Date.now() - t0).toBeLessThan(2000);
    silent.close();
    for (const c of conns) c.destroy();
  }, 5000);
});
