// `sim chart REPORT_DIR` redraws a report's figures and page from its data files: the same bytes
// `sim run` wrote, for a scenario with a routed network, LVS, faults and a what-if override.
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkOutputPath } from '../src/cli/out-paths.js';
import { scratch, sim } from './support/sim-cli.js';

const { dir, write } = scratch('sim-chart-');

const SCENARIO = `name: chart-small
tickets: { inventory: 300, script: fixed }
users:
  load: { open: { users: 3000, rate: 10k/s } }
  timeout: 2s
lvs: { directors: 2, mode: active_backup }
nginx:
  instances: 2
app:
  service_time: { const: 200us }
faults:
  - { at: 50ms, kill: app2 }
  - { at: 150ms, kill: lvs1 }
  - { at: 200ms, recover: app2 }
`;

const read = (d: string): Map<string, string> => new Map(readdirSync(d).map((n) => [n, readFileSync(path.join(d, n), 'utf8')]));

describe('sim chart', () => {
  test('redraws every figure and index.html byte for byte from summary.json, the CSVs and scenario.yaml', () => {
    const f = write('chart-small.yaml', SCENARIO);
    const run = path.join(dir, 'run');
    const r = sim('run', f, '--out', run, '--quiet', '--set', 'app.concurrency=2');
    expect([r.code, r.err]).toEqual([0, '']);
    const before = read(run);
    expect([...before.keys()].filter((n) => n.endsWith('.svg')).sort()).toEqual(
      ['latency-cdf.svg', 'latency.svg', 'load.svg', 'network.svg', 'servers.svg', 'sold.svg', 'throughput.svg'],
    );
    expect(before.get('scenario.yaml')).toContain('  concurrency: 2\n');
    expect(before.get('index.html')).toContain('<h2>Scenario as run</h2>');
    // a report, scenario.yaml and latency.csv included, may be run over again
    expect(checkOutputPath(run, '--out', 'dir')).toEqual({ special: false });
    // the drawn files gone, a stale one added: chart draws them all again and drops the stale one
    const copy = path.join(dir, 'copy');
    cpSync(run, copy, { recursive: true });
    for (const n of before.keys()) if (n.endsWith('.svg') || n === 'index.html') rmSync(path.join(copy, n));
    writeFileSync(path.join(copy, 'old-figure.svg'), '<svg/>');
    const c = sim('chart', copy);
    expect([c.code, c.err]).toEqual([0, '']);
    expect(c.out).toBe(`redrew sold.svg, throughput.svg, servers.svg, load.svg, latency.svg, latency-cdf.svg, network.svg, index.html in ${copy}\n`);
    const after = read(copy);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [n, text] of before) expect(`${n}\n${after.get(n)}`).toBe(`${n}\n${text}`);
  });

  test('a report from before latency.csv, scenario.yaml and bin_ms: redrawn with the bin its time series steps by', () => {
    const old = path.join(dir, 'old');
    cpSync(path.join(dir, 'run'), old, { recursive: true });
    rmSync(path.join(old, 'latency.csv'));
    rmSync(path.join(old, 'scenario.yaml'));
    const summary = JSON.parse(readFileSync(path.join(old, 'summary.json'), 'utf8')) as Record<string, unknown>;
    delete summary.bin_ms;
    writeFileSync(path.join(old, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    const r = sim('chart', old, '--quiet');
    expect([r.code, r.err, r.out]).toEqual([0, '', '']);
    const after = read(old);
    expect(after.get('load.svg')).toBe(read(path.join(dir, 'run')).get('load.svg'));
    for (const [n, text] of after) expect(`${n}: ${/NaN|undefined/.test(text)}`).toBe(`${n}: false`);
  });

  test('a directory that is not a report: one line, exit 2', () => {
    const empty = path.join(dir, 'empty');
    cpSync(path.join(dir, 'chart-small.yaml'), path.join(empty, 'x.yaml'), { recursive: true });
    const r = sim('chart', empty);
    expect([r.code, r.err]).toEqual([2, `sim: ${path.join(empty, 'summary.json')}: missing (is this a report directory written by sim run?)\n`]);
    const none = sim('chart', path.join(dir, 'nope'));
    expect([none.code, none.err]).toEqual([2, `sim: ${path.join(dir, 'nope')}: cannot read the report directory (ENOENT)\n`]);
  });

  test('a CSV that is not as sim run wrote it names the file and line', () => {
    const bad = path.join(dir, 'bad');
    cpSync(path.join(dir, 'run'), bad, { recursive: true });
    writeFileSync(path.join(bad, 'nodes.csv'), 't_ms,node,tier,busy,queue,done\n0,app1,app,x,0,1\n');
    const r = sim('chart', bad);
    expect([r.code, r.err]).toEqual([2, `sim: ${path.join(bad, 'nodes.csv')}: line 2: busy is not a number ("x")\n`]);
  });
});
