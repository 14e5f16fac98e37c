// `sim sweep` and `sim merge` as users run them: the same files for 1 and 2 workers, shards plus
// merge equal the whole study, the result store (a rerun executes nothing, an extended study only
// the new replications), common random numbers, adaptive precision, and bad input (exit 2).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sampleStats } from '../src/study/stats.js';
import { confidenceInterval } from './support/stats.js';
import { scratch, sim, SMALL_STUDY_YAML } from './support/sim-cli.js';

const { dir, write } = scratch('sim-sweep-');

const SMALL = write('small.yaml', SMALL_STUDY_YAML);

/** Every file under `root`, relative path -> contents. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[path.relative(root, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return out;
}

const out = (name: string) => path.join(dir, name);
const VARY = ['--vary', 'app.local_stock.buffer=1..1.2:0.1'];

type Row = Record<string, string>;
function csvRows(file: string): Row[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const cols = (head ?? '').split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i] ?? '', v])));
}

describe('sim sweep', () => {
  let whole: Record<string, string>;

  beforeAll(() => {
    const r = sim('sweep', SMALL, ...VARY, '--replications', '4', '--workers', '1', '--out', out('w1'));
    expect(r.err).toMatch(/^sweep: 1 worker/);
    expect(r.code).toBe(0);
    whole = tree(out('w1'));
  });

  test('writes sweep.csv (a row per run), sweep.json, a chart per metric and index.html', () => {
    const rows = csvRows(out('w1/sweep.csv'));
    expect(rows.length).toBe(12);
    expect(rows.map((r) => `${r['app.local_stock.buffer']}/${r.replication}`)).toEqual([
      '1/1', '1/2', '1/3', '1/4', '1.1/1', '1.1/2', '1.1/3', '1.1/4', '1.2/1', '1.2/2', '1.2/3', '1.2/4',
    ]);
    const json = JSON.parse(whole['sweep.json'] ?? '');
    expect(json.configurations.map((c: { values: unknown }) => c.values)).toEqual([
      { 'app.local_stock.buffer': 1 },
      { 'app.local_stock.buffer': 1.1 },
      { 'app.local_stock.buffer': 1.2 },
    ]);
    expect(json.provenance.command).toBe(`sim sweep ${SMALL} --vary app.local_stock.buffer=1..1.2:0.1 --replications 4`);
    expect(json.provenance.ticketsim_version).toBe('0.1.0');
    expect(Object.keys(whole).filter((f) => f.startsWith('charts/')).length).toBe(json.configurations[0] && Object.keys(json.configurations[0].metrics).length);
    expect(whole['index.html']).toContain('charts/tickets.unsold--vs--app.local_stock.buffer.svg');
  });

  test('common random numbers: replication r has one seed in every configuration, replication 1 the scenario seed', () => {
    const rows = csvRows(out('w1/sweep.csv'));
    for (const r of ['1', '2', '3', '4']) {
      const seeds = new Set(rows.filter((x) => x.replication === r).map((x) => x.seed));
      expect(seeds.size).toBe(1);
    }
    expect(rows[0]?.seed).toBe('7');
    expect(new Set(rows.map((x) => x.seed)).size).toBe(4);
    // and replication 1 is the run `sim run` gives
    const one = sim('run', SMALL, '--set', 'app.local_stock.buffer=1.1', '--out', out('run11'), '--quiet');
    expect(one.code).toBe(0);
    const sum = JSON.parse(readFileSync(out('run11/summary.json'), 'utf8'));
    expect(rows[4]?.fingerprint).toBe(sum.fingerprint);
    expect(rows[4]?.['tickets.unsold']).toBe(String(sum.tickets.unsold));
  });

  test('sweep.json holds each interval as worked out from the CSV with the t table', () => {
    const rows = csvRows(out('w1/sweep.csv'));
    const json = JSON.parse(whole['sweep.json'] ?? '');
    for (const c of json.configurations) {
      const xs = rows.filter((r) => r.config === String(c.index)).map((r) => Number(r['latency_ms.p99']));
      const ci = confidenceInterval(xs); // t(0.975, 3) = 3.182 from the table
      const m = c.metrics['latency_ms.p99'];
      expect(m.n).toBe(4);
      expect(m.mean).toBeCloseTo(ci.mean, 6);
      expect(m.half_width).toBeCloseTo(ci.halfWidth, 2);
      expect(m.ci[0]).toBeCloseTo(ci.lo, 2);
      expect(m.min).toBe(Math.min(...xs));
      expect(m.sd).toBeCloseTo(sampleStats(xs, 0.95).sd ?? NaN, 6);
    }
  });

  test('two workers write the same bytes as one', () => {
    const r = sim('sweep', SMALL, ...VARY, '--replications', '4', '--workers', '2', '--out', out('w2'));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^sweep: 2 workers/);
    expect(tree(out('w2'))).toEqual(whole);
  });

  test('shards plus merge equal the whole study, byte for byte', () => {
    for (const i of [0, 1, 2]) {
      const r = sim('sweep', SMALL, ...VARY, '--replications', '4', '--shard', `${i}/3`, '--workers', '1', '--out', out(`s${i}`));
      expect(r.code).toBe(0);
      expect(r.out).toContain(`4 runs (shard ${i}/3): 4 executed`);
    }
    const m = sim('merge', out('s2'), out('s0'), out('s1'), '--out', out('merged'));
    expect(m.code).toBe(0);
    expect(m.out).toContain('merged 3 shards of small: 12 runs');
    expect(tree(out('merged'))).toEqual(whole);
  });

  test('merge refuses a missing, a repeated or a foreign shard', () => {
    const missing = sim('merge', out('s0'), out('s1'), '--out', out('bad'));
    expect(missing.code).toBe(2);
    expect(missing.err).toBe('sim: merge: missing shard 2/3\n');
    const twice = sim('merge', out('s0'), out('s0'), out('s1'), '--out', out('bad'));
    expect(twice.code).toBe(2);
    expect(twice.err).toContain('sim: merge: shard 0/3 twice');
    const other = sim('sweep', SMALL, ...VARY, '--replications', '3', '--shard', '2/3', '--workers', '1', '--out', out('o2'));
    expect(other.code).toBe(0);
    const foreign = sim('merge', out('s0'), out('s1'), out('o2'), '--out', out('bad'));
    expect(foreign.code).toBe(2);
    expect(foreign.err).toContain('a shard of another study');
    const none = sim('merge', out('nothing'), '--out', out('bad'));
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^sim: .*shard\.json: no such file/);
  });
});

describe('sim sweep with two parameters', () => {
  test('each metric against each parameter, one line per value of the other, and a heatmap of the means', () => {
    const r = sim('sweep', SMALL, '--vary', 'app.local_stock.buffer=1,1.2', '--vary', 'nginx.upstream.balance=round_robin,least_conn', '--replications', '2', '--out', out('two'));
    expect(r.code).toBe(0);
    const files = tree(out('two'));
    const unsold = Object.keys(files).filter((f) => f.startsWith('charts/tickets.unsold-'));
    expect(unsold).toEqual([
      'charts/tickets.unsold--heatmap.svg',
      'charts/tickets.unsold--vs--app.local_stock.buffer.svg',
      'charts/tickets.unsold--vs--nginx.upstream.balance.svg',
    ]);
    expect(files['charts/tickets.unsold--vs--app.local_stock.buffer.svg']).toContain('nginx.upstream.balance=least_conn');
    // the heatmap writes each configuration's mean in its cell
    const json = JSON.parse(files['sweep.json'] ?? '');
    for (const c of json.configurations) expect(files['charts/tickets.unsold--heatmap.svg']).toContain(`>${c.metrics['tickets.unsold'].mean}<`);
    expect(files['index.html']).toContain('charts/tickets.unsold--heatmap.svg');
    // a later study in the same directory leaves no chart of the earlier one behind
    expect(sim('sweep', SMALL, '--vary', 'app.local_stock.buffer=1,1.2', '--replications', '2', '--out', out('two')).code).toBe(0);
    expect(Object.keys(tree(out('two'))).filter((f) => f.startsWith('charts/tickets.unsold-'))).toEqual(['charts/tickets.unsold--vs--app.local_stock.buffer.svg']);
  });
});

describe('sim sweep --cache', () => {
  const cache = out('cache');
  const run = (reps: string, name: string, ...more: string[]) => sim('sweep', SMALL, '--vary', 'app.local_stock.buffer=1,1.2', '--replications', reps, '--cache', cache, '--out', out(name), ...more);

  test('a second run of a cached study executes no run and writes the same files', () => {
    const first = run('3', 'c1', '--workers', '1');
    expect(first.code).toBe(0);
    expect(first.out).toContain('6 runs: 6 executed, 0 from cache');
    const second = run('3', 'c2', '--workers', '2');
    expect(second.out).toContain('6 runs: 0 executed, 6 from cache');
    expect(tree(out('c2'))).toEqual(tree(out('c1')));
  });

  test('extending the study from 3 to 5 replications runs only the 4 new runs', () => {
    const more = run('5', 'c3', '--workers', '1');
    expect(more.code).toBe(0);
    expect(more.out).toContain('10 runs: 4 executed, 6 from cache');
    sim('sweep', SMALL, '--vary', 'app.local_stock.buffer=1,1.2', '--replications', '5', '--out', out('c4'), '--workers', '1');
    expect(tree(out('c3'))).toEqual(tree(out('c4')));
  });

  test('another configuration of the scenario misses the cache', () => {
    const r = sim('sweep', SMALL, '--vary', 'app.local_stock.buffer=1,1.2', '--set', 'users.client_ips=999', '--replications', '3', '--cache', cache, '--out', out('c5'), '--workers', '1');
    expect(r.out).toContain('6 runs: 6 executed, 0 from cache');
  });
});

describe('sim sweep --precision', () => {
  test('adds replications until the interval is narrow enough; the same runs for 1 and 2 workers', () => {
    const args = [SMALL, '--vary', 'app.local_stock.buffer=1,1.2', '--precision', 'tickets.unsold=±3', '--replications', '3', '--max-replications', '12'];
    const a = sim('sweep', ...args, '--workers', '1', '--out', out('p1'));
    expect(a.code).toBe(0);
    const b = sim('sweep', ...args, '--workers', '2', '--out', out('p2'));
    expect(tree(out('p2'))).toEqual(tree(out('p1')));
    const json = JSON.parse(readFileSync(out('p1/sweep.json'), 'utf8'));
    for (const c of json.configurations) {
      const m = c.metrics['tickets.unsold'];
      // either narrow enough, or stopped at the maximum
      expect(m.half_width <= 3 || c.n === 12).toBe(true);
      if (c.n > 3) {
        // the round before was not narrow enough: check it from the CSV's first rows
        const xs = csvRows(out('p1/sweep.csv')).filter((r) => r.config === String(c.index)).map((r) => Number(r['tickets.unsold']));
        expect((sampleStats(xs.slice(0, 3), 0.95).half_width ?? Infinity) > 3).toBe(true);
      }
    }
    expect(json.precision).toEqual([{ metric: 'tickets.unsold', half_width: 3, relative: false }]);
    const noPath = (t: string) => t.replace(/report: .*/, '');
    expect(noPath(b.out)).toBe(noPath(a.out));
    expect(a.out).toContain('app.local_stock.buffer=1  n=6  tickets.unsold');
  });
});

describe('sim sweep: bad input is one line and exit 2, before any run', () => {
  test.each([
    [['--vary', 'app.nosuch=1,2'], `sim: ${SMALL}: --vary app.nosuch=1: unknown key (allowed: local_stock, local_check, concurrency, local_rollback, redis_connect_timeout, redis_read_timeout, service_time)\n`],
    [['--vary', 'app.local_stock.buffer=1,abc'], `sim: ${SMALL}: --vary app.local_stock.buffer=abc: must be a number > 0 (got "abc")\n`],
    [['--vary', 'app.local_stock.buffer=1', '--set', 'app.local_stock.buffer=2'], 'sim: sweep: app.local_stock.buffer is both --set and --vary; keep one\n'],
    [['--vary', 'seed=1,2'], 'sim: --vary seed=1,2: replications vary the seed; vary another key\n'],
    [['--vary', 'a=1', '--shard', '3/3'], 'sim: --shard 3/3: expected I/N with 0 <= I < N (shards count from 0, like JOB_COMPLETION_INDEX)\n'],
    [['--vary', 'a=1', '--precision', 'x=±1'], expect.stringContaining('sim: --precision x=±1: unknown metric x')],
    [['--precision', 'tickets.unsold=±1', '--shard', '0/2'], expect.stringContaining('cannot be split with --shard')],
    [['--replications', '0'], 'sim: sweep: --replications must be an integer >= 1 (got 0)\n'],
  ])('%j', (flags, msg) => {
    const r = sim('sweep', SMALL, ...flags, '--out', out('never'));
    expect(r.code).toBe(2);
    expect(r.err).toEqual(msg);
    expect(() => statSync(out('never'))).toThrow();
  });
});
