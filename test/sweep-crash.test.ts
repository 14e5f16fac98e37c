// A run that throws inside a study is a result, not the end of the study: its row in sweep.csv
// carries the error line (and no invariants or fingerprint), sweep.json lists it under failed_runs
// with its seed and the `sim run` command that replays it, the terminal note says how many failed,
// and the result store does not keep it (it runs again next time).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSpec } from '../src/cli/sweep-spec.js';
import { loadScenario } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { ResultCache } from '../src/study/result-cache.js';
import { sweepHtml } from '../src/study/sweep-html.js';
import { failureNote, studyStats, sweepCsv, sweepJson } from '../src/study/sweep-output.js';
import { type Executor, runStudy } from '../src/study/sweep-run.js';
import { runResolved, type StudyTask } from '../src/study/sweep-worker.js';
import { scratch } from './support/sim-cli.js';

const { write } = scratch('sim-crash-');
const SMALL = write(
  'small.yaml',
  `name: small
seed: 7
tickets: { inventory: 50, script: fixed }
users:
  load:
    open: { users: 300, rate: 20k/s }
  client_ips: 100
app:
  local_stock: { buffer: 1.2 }
  local_check: exact
  service_time: { exp: 50us }
faults:
  - { at: 5ms, kill: app4 }
`,
);

// What a model bug looks like from outside: the fault injector meets a target it does not know.
const broken = (s: Scenario): Scenario => ({ ...s, faults: s.faults.map((f) => ({ ...f, target: 'app99' })) });
const ERROR = 'Error: fault target app99 (line 13) is not a node of this scenario';

/** Runs every task in process; the configuration with buffer 1.1 meets the bug. */
const executor: Executor = async (tasks: StudyTask[], each) =>
  tasks.map((t, i) => {
    const s = loadScenario(t.file, { set: t.set });
    const r = runResolved(t.set.includes('app.local_stock.buffer=1.1') ? broken(s) : s, t.seed, t.paths);
    each(i, r);
    return r;
  });

const args = { file: SMALL, vary: ['app.local_stock.buffer=1,1.1'], replications: 2, confidence: 0.95, 'max-replications': 200 };

describe('a run that throws inside a sweep', () => {
  test('runResolved gives the error line, no metrics, no invariants', () => {
    const r = runResolved(broken(loadScenario(SMALL)), 7, ['tickets.unsold', 'tickets.sold']);
    expect(r).toEqual({
      metrics: { 'tickets.unsold': null, 'tickets.sold': null },
      invariants: { no_oversell: false, ledger: false, conservation: false },
      fingerprint: '',
      error: ERROR,
    });
  });

  test('is a row with its error, a failed_runs entry with a replay command, and a note', async () => {
    const { spec } = buildSpec(args);
    const { runs } = await runStudy({ spec, execute: executor, code: 'x' });
    const rows = sweepCsv(spec, runs).trimEnd().split('\n');
    expect(rows[0]?.endsWith(',no_oversell,ledger,conservation,fingerprint,error')).toBe(true);
    expect(rows.map((r) => r.split(',').slice(-5).join(','))).toEqual([
      'no_oversell,ledger,conservation,fingerprint,error',
      `true,true,true,${runs[0]?.result.fingerprint},`,
      `true,true,true,${runs[1]?.result.fingerprint},`,
      `,,,,${ERROR}`,
      `,,,,${ERROR}`,
    ]);
    const seed2 = runs[1]?.seed ?? 0;
    const json = JSON.parse(sweepJson(spec, runs));
    expect(json.configurations.map((c: { n: number; failed: number }) => [c.n, c.failed])).toEqual([[2, 0], [2, 2]]);
    expect(json.configurations[1].metrics['tickets.unsold'].n).toBe(0);
    expect(json.failed_runs).toEqual([
      { config: 1, replication: 1, seed: 7, error: ERROR, replay: `sim run ${SMALL} --seed 7 --set app.local_stock.buffer=1.1` },
      { config: 1, replication: 2, seed: seed2, error: ERROR, replay: `sim run ${SMALL} --seed ${seed2} --set app.local_stock.buffer=1.1` },
    ]);
    expect(failureNote(spec, runs)).toBe(
      'sweep: 2 of 4 runs failed (the error column of sweep.csv, failed_runs in sweep.json); the first:\n' +
        `  config 1 replication 1 seed 7: ${ERROR}\n` +
        `  replay: sim run ${SMALL} --seed 7 --set app.local_stock.buffer=1.1\n`,
    );
    expect(failureNote(spec, runs.slice(0, 2))).toBe('');
    expect(sweepHtml(spec, studyStats(spec, runs), [])).toContain('<strong>2 of 4 runs failed</strong>');
    expect(sweepHtml(spec, studyStats(spec, runs.slice(0, 2)), [])).not.toContain('runs failed');
  });

  test('the result store keeps the runs that worked, not the ones that threw', async () => {
    const { spec } = buildSpec(args);
    const cache = new ResultCache(mkdtempSync(path.join(tmpdir(), 'sim-crash-cache-')));
    const first = await runStudy({ spec, execute: executor, code: 'x', cache });
    expect([first.executed, first.cached]).toEqual([4, 0]);
    const again = await runStudy({ spec, execute: executor, code: 'x', cache });
    expect([again.executed, again.cached]).toEqual([2, 2]);
  });
});
