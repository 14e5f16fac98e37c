// Hostile and careless input: every case ends as exit 2 with one line naming the key, the limit
// and the reason, or as a correct run. Never a stack trace, a hang or a silent wrong answer.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ScenarioError, loadScenario } from '../src/scenario/load.js';
import { runScenario } from '../src/model/stack.js';
import { fmtCount, fmtSpan } from '../src/scenario/bounds.js';
import { reportInternalError } from '../src/cli/input-errors.js';
import { scratch, sim } from './support/sim-cli.js';

/** The one-line message that loading `file` with these --set flags gives (fails if it loads). */
function refusal(file: string, ...set: string[]): string {
  try {
    loadScenario(file, { set });
  } catch (e) {
    if (e instanceof ScenarioError) return `sim: ${e.message}`;
    throw e;
  }
  throw new Error(`expected ${file} ${set.join(' ')} to be refused`);
}

const AB = 'scenarios/source-ab.yaml';
const MILLION = 'scenarios/million-users.yaml';
const DIRECTOR = 'scenarios/director-clean-stop.yaml';

describe('bounds from the cost model, before anything runs', () => {
  test.each([
    [[AB, 'app.service_time={exp: 100000h}'], `sim: ${AB}: --set app.service_time: makes the run last 9.14e11 s of simulated time (an upper estimate); the limit is 30 days`],
    [[AB, 'network.latency=100000h'], `sim: ${AB}: --set network.latency: makes the run last 7.27e10 s of simulated time (an upper estimate); the limit is 30 days`],
    [[MILLION, 'users.load.open.rate=1e-300/s'], `sim: ${MILLION}: --set users.load.open.rate: makes the run last more than 1e300 s of simulated time (an upper estimate); the limit is 30 days`],
    [[AB, 'users.load.closed.think_time=1000000h'], `sim: ${AB}: --set users.load.closed.think_time: makes the run last 3.6e11 s of simulated time (an upper estimate); the limit is 30 days`],
    [[MILLION, 'users.load.open.users=1000000000000'], `sim: ${MILLION}: --set users.load.open.users: 1e12 users need about 16 TB of state (16 bytes each); the limit is 100000000 (1.6 GB)`],
    [[AB, 'users.load.closed.requests=9007199254740991'], `sim: ${AB}: --set users.load.closed.requests: 9.01e15 users need about 144 PB of state (16 bytes each); the limit is 100000000 (1.6 GB)`],
    [[AB, 'nginx.workers=10000000'], `sim: ${AB}: --set nginx.workers: 10000000 is over the limit of 1024: nginx's own maximum (NGX_MAX_PROCESSES)`],
    [[AB, 'nginx.instances=1e7'], `sim: ${AB}: --set nginx.instances: 10000000 is over the limit of 1024: each instance is a node with its own peers, counters and timers`],
    [[DIRECTOR, 'lvs.directors=100000'], `sim: ${DIRECTOR}: --set lvs.directors: 100000 is over the limit of 256: each director keeps a table per nginx instance and runs VRRP`],
    [[AB, 'faults=[{random: kill, nodes: [app1], mtbf: 1us, mttr: 1us}]'], `sim: ${AB}: --set faults: faults[0].mtbf: 1 node failing every 1 us for 60 s means about 30000000 failures; the limit is 1000000`],
  ])('%j', (args, want) => {
    const [file, ...set] = args as string[];
    expect(refusal(file as string, ...set)).toBe(want);
  });

  test('report.bin: 1us over 30 s of arrivals: the bins are counted, and the width that fits is named', () => {
    // 1e6 users at 200k/s arrive over 5 s; the longest tail is nginx's 60 s proxy_connect_timeout: 65 s in 1 us bins
    expect(refusal(MILLION, 'report.bin=1us')).toBe(
      `sim: ${MILLION}: --set report.bin: 1 us bins over about 65 s of simulated time (most of it from nginx.proxy_connect_timeout) make 65000000 time-series bins; the limit is 1000000: use a bin of at least 65 us`,
    );
  });

  test('routed-path times are held in 32 bits: 36 min of one-way latency is refused, 35 min runs', () => {
    // 36 min = 2,160,000,000 us, plus the two 50 us links, one 20 us link... of director-clean-stop: 230 us in all
    expect(refusal(DIRECTOR, 'network.latency=36m')).toBe(
      `sim: ${DIRECTOR}: --set network.latency: a one-way path through the routers can take 36 min (2160000230 us); path times are kept in 32-bit integers of microseconds, so the limit is 2147483647 us (35.8 min)`,
    );
    expect(() => loadScenario(DIRECTOR, { set: ['network.latency=35m'] })).not.toThrow();
  });

  test('100,000 upstream servers are refused before validation spends time on each', () => {
    const { write } = scratch('ticketsim-rob-');
    const f = write('many.yaml', `nginx:\n  upstream:\n    servers:\n${'      - {weight: 1}\n'.repeat(100_000)}`);
    expect(refusal(f)).toBe(`sim: ${f}:3: nginx.upstream.servers: 100000 is over the limit of 10000: nginx's round robin scans every server on every pick`);
  });

  test('numbers that feed 32-bit integers: local stock, derived stock, buffer, weights', () => {
    expect(refusal(AB, 'app.local_stock=[3000000000,1,1,1]')).toBe(
      `sim: ${AB}: --set app.local_stock: app.local_stock[0]: 3000000000 is over the limit of 2147483647: local stock is kept in a 32-bit integer`,
    );
    expect(refusal(AB, 'tickets.inventory=9007199254740991', 'app.local_stock={buffer: 1.2}')).toBe(
      `sim: ${AB}: --set app.local_stock: app.local_stock.buffer: tickets.inventory 9007199254740991 x buffer 1.2 is not an exact integer number of tickets (over 2^53)`,
    );
    // buffer 1: 2^53-1 split 1:2:3:4, so app4 gets 0.4 of it, far past 2^31
    expect(refusal(AB, 'tickets.inventory=9007199254740991', 'app.local_stock={buffer: 1}')).toMatch(/app\.local_stock\.buffer: gives server 1 a local stock of 9\.01e14 .* must be <= 2147483647 \(a 32-bit integer\)$/);
    expect(refusal(AB, 'app.local_stock={buffer: 1e300}')).toBe(
      `sim: ${AB}: --set app.local_stock: app.local_stock.buffer: tickets.inventory 1000 x buffer 1e+300 is not an exact integer number of tickets (over 2^53)`,
    );
    expect(refusal(AB, 'nginx.upstream.servers[0].weight=9007199254740991', 'nginx.upstream.servers[1].weight=9007199254740991', 'app.local_stock={buffer: 1.2}')).toBe(
      `sim: ${AB}: --set nginx.upstream.servers[0].weight: 9.01e15 is over the limit of 2147483647: nginx keeps weights in 32-bit integers`,
    );
    expect(refusal(AB, 'nginx.upstream.servers[0].weight=2000000000', 'nginx.upstream.servers[1].weight=2000000000', 'app.local_stock={buffer: 1.2}')).toBe(
      `sim: ${AB}: --set nginx.upstream.servers[1].weight: the weights add up to more than 2147483647: nginx's smooth round robin sums them in 32-bit integers`,
    );
  });

  test('an inventory of 2^53-1 with explicit local stock runs exactly', () => {
    const s = loadScenario(AB, { set: ['tickets.inventory=9007199254740991', 'expect={}'] });
    const t = runScenario(s).report.summary.tickets;
    // 120+240+360+480 local, each server sells stock-1 (the article's check): 1196, far from the cap
    expect([t.inventory, t.sold, t.unsold, t.oversold]).toEqual([9007199254740991, 1196, 9007199254740991 - 1196, 0]);
  });

  test('a --set value keeps the alias-bomb guard of the file parser', () => {
    const bomb = 'description=[&a [x,x,x,x,x,x,x,x,x,x], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]]';
    expect(refusal(AB, bomb)).toBe(`sim: ${AB}: --set description: YAML error in the value: Excessive alias count indicates a resource exhaustion attack`);
  });

  test.each(['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty'])('expect key %s is an unknown path, not a JS error', (key) => {
    const { write } = scratch('ticketsim-rob-');
    const f = write('x.yaml', `users: {load: {closed: {concurrency: 1, requests: 10}}}\nexpect:\n  ${key}: 1\n`);
    const r = sim('validate', f);
    expect([r.code, r.err]).toEqual([2, `sim: ${f}:3: expect.${key}: unknown summary.json path\n`]);
  });

  test('10,000 expect keys are checked in linear time', () => {
    const { write } = scratch('ticketsim-rob-');
    const keys = Array.from({ length: 10_000 }, (_, i) => `  tickets.sold${i}: 1\n`).join('');
    const f = write('x.yaml', `users: {load: {closed: {concurrency: 1, requests: 10}}}\nexpect:\n${keys}`);
    const t0 = Date.now();
    expect(() => loadScenario(f)).not.toThrow();
    expect(Date.now() - t0).toBeLessThan(5000); // quadratic took over 10 s
  });

  test('an absolute script path is used as is, not joined onto the scenario directory', () => {
    const { write } = scratch('ticketsim-rob-');
    const lua = write('abs.lua', 'return 0\n');
    const other = scratch('ticketsim-rob-');
    const f = other.write('x.yaml', `tickets: { script: ${lua} }\n`);
    expect(loadScenario(f).tickets.script).toEqual({ kind: 'file', lua: 'return 0\n', origin: lua });
  });

  test('a scenario or script at /dev/zero is read with a size cap', () => {
    expect(refusal('/dev/zero')).toBe('sim: /dev/zero: cannot read scenario: larger than 4 MB, the limit for a scenario or script file');
    expect(refusal(AB, 'tickets.script=/dev/zero')).toBe(
      `sim: ${AB}: --set tickets.script: cannot read script file "/dev/zero" (larger than 4 MB, the limit for a scenario or script file); write source, fixed, a .lua path relative to the scenario, or { lua: "..." }`,
    );
  });

  test('every shipped scenario is within its bounds', () => {
    for (const f of readdirSync('scenarios').filter((n) => n.endsWith('.yaml'))) expect(() => loadScenario(path.join('scenarios', f))).not.toThrow();
  });

  test('message formats', () => {
    expect([fmtCount(1e12), fmtCount(2147483647), fmtCount(9007199254740991), fmtCount(2.5e6)]).toEqual(['1e12', '2147483647', '9.01e15', '2500000']);
    expect([fmtSpan(1), fmtSpan(62_000), fmtSpan(61_911_837), fmtSpan(2_160_000_230), fmtSpan(9e12), fmtSpan(Infinity)]).toEqual([
      '1 us',
      '62 ms',
      '61.9 s',
      '36 min',
      '104 days',
      'more than 1e300 s',
    ]);
  });
});

describe('the command line', () => {
  test('--seed with no value is an error, not ignored', () => {
    for (const cmd of ['run', 'validate', 'check']) {
      const r = sim(cmd, AB, '--seed');
      expect([r.code, r.err.split('\n')[0]]).toEqual([2, 'sim: Not enough arguments following: seed']);
    }
  });

  test('explore --seeds 1e12 is refused before any run', () => {
    const r = sim('explore', AB, '--seeds', '1e12');
    expect([r.code, r.err]).toEqual([2, 'sim: explore: --seeds: 1000000000000 is over the limit of 1000000: each seed is at least one run; explore further with --from\n']);
  });

  test('an internal error is one line asking for a report, with the replay command; SIM_DEBUG=1 adds the stack', () => {
    const chunks: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((c: string | Uint8Array) => chunks.push(String(c)) > 0) as typeof process.stderr.write;
    const saved = process.env.SIM_DEBUG;
    try {
      delete process.env.SIM_DEBUG;
      reportInternalError(new RangeError('negative or NaN delay -1 for user.response\n  more'), ['run', 'my file.yaml', '--seed', '3']);
      expect(chunks.join('')).toBe("sim: internal error, please report: RangeError: negative or NaN delay -1 for user.response\n  replay: sim run 'my file.yaml' --seed 3\n");
      chunks.length = 0;
      process.env.SIM_DEBUG = '1';
      reportInternalError(new Error('boom'), ['run', 'x.yaml']);
      expect(chunks[0]).toBe('sim: internal error, please report: boom\n  replay: sim run x.yaml\n');
      expect(chunks[1]).toMatch(/^Error: boom\n\s+at /);
    } finally {
      process.stderr.write = write;
      if (saved === undefined) delete process.env.SIM_DEBUG;
      else process.env.SIM_DEBUG = saved;
    }
  });
});

describe('output paths, checked before the run', () => {
  const { dir, write } = scratch('ticketsim-out-');
  const tiny = write('tiny.yaml', 'name: tiny\ntickets: { inventory: 5 }\nusers: { load: { closed: { concurrency: 2, requests: 20 } } }\n');
  const aFile = write('a-file', 'x');
  mkdirSync(path.join(dir, 'not-a-report'));
  writeFileSync(path.join(dir, 'not-a-report', 'notes.txt'), 'mine');

  test.each([
    [['--out', aFile], `sim: --out ${aFile}: is a file, not a directory`],
    [['--out', ''], 'sim: --out "": is empty; give a path'],
    [['--out', path.join(aFile, 'sub')], `sim: --out ${path.join(aFile, 'sub')}: ${aFile} is a file, not a directory`],
    [['--out', '/proc/self/x'], 'sim: --out /proc/self/x: is under /proc or /sys, a kernel file system; write somewhere else'],
    [['--out', path.join(dir, 'not-a-report')], `sim: --out ${path.join(dir, 'not-a-report')}: holds files that are not a report (notes.txt); the report replaces the whole directory, so give a new or empty one`],
    [['--out', path.join(dir, 'r'), '--trace', dir], `sim: --trace ${dir}: is a directory; give a file name`],
    [['--out', path.join(dir, 'r'), '--trace', path.join(aFile, 't.csv')], `sim: --trace ${path.join(aFile, 't.csv')}: ${aFile} is a file, not a directory`],
  ])('run %j', (args, want) => {
    const r = sim('run', tiny, '--quiet', ...(args as string[]));
    expect([r.code, r.err, r.out]).toEqual([2, `${want}\n`, '']);
  });

  test('check --junit at a directory, --out at a file', () => {
    const a = sim('check', tiny, '--junit', dir);
    expect([a.code, a.err, a.out]).toEqual([2, `sim: --junit ${dir}: is a directory; give a file name\n`, '']);
    const b = sim('check', tiny, '--out', aFile);
    expect([b.code, b.err, b.out]).toEqual([2, `sim: --out ${aFile}: is a file, not a directory\n`, '']);
  });

  test('a read-only place is reported as such', () => {
    const ro = path.join(dir, 'ro');
    mkdirSync(ro);
    let mounted = false;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro', 'tmpfs', ro], { stdio: 'ignore' });
      mounted = true;
    } catch {
      chmodSync(ro, 0o555); // no mount here: a directory we may not write in (unless we are root)
    }
    try {
      const r = sim('run', tiny, '--quiet', '--out', path.join(ro, 'rep'));
      if (mounted) expect(r.err).toBe(`sim: --out ${path.join(ro, 'rep')}: cannot write in ${ro}: read-only file system (EROFS)\n`);
      else if (process.getuid?.() !== 0) expect(r.err).toBe(`sim: --out ${path.join(ro, 'rep')}: cannot write in ${ro}: permission denied (EACCES)\n`);
      if (mounted || process.getuid?.() !== 0) expect(r.code).toBe(2);
    } finally {
      if (mounted) execFileSync('umount', [ro]);
    }
  });

  test('a missing parent directory of --out, --trace or --junit is refused before the run, and nothing is made', () => {
    const gone = path.join(dir, 'typo');
    const cases: [string[], string][] = [
      [['run', tiny, '--out', path.join(gone, 'deeper', 'rep')], `--out ${path.join(gone, 'deeper', 'rep')}: the directory ${path.join(gone, 'deeper')} does not exist; make it first`],
      [['run', tiny, '--out', path.join(dir, 'rep-trace'), '--trace', path.join(gone, 't.csv')], `--trace ${path.join(gone, 't.csv')}: the directory ${gone} does not exist; make it first`],
      [['check', tiny, '--junit', path.join(gone, 'j.xml')], `--junit ${path.join(gone, 'j.xml')}: the directory ${gone} does not exist; make it first`],
      [['check', tiny, '--out', path.join(gone, 'deeper')], `--out ${path.join(gone, 'deeper')}: the directory ${gone} does not exist; make it first`],
    ];
    for (const [args, line] of cases) expect([args[0], sim(...args)]).toEqual([args[0], { code: 2, out: '', err: `sim: ${line}\n` }]);
    expect(existsSync(gone)).toBe(false);
    expect(existsSync(path.join(dir, 'rep-trace'))).toBe(false);
  });

  test('Ctrl-C during the simulation leaves no partial trace behind', async () => {
    const traces = path.join(dir, 'traces-cut');
    mkdirSync(traces);
    const child = spawn(process.execPath, [path.resolve('dist/cli/main.js'), 'run', 'scenarios/million-users.yaml', '--quiet', '--out', path.join(dir, 'rep-cut'), '--trace', path.join(traces, 't.csv')], { stdio: 'ignore' });
    const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    // wait until the trace is being written (its temp file is open and holds rows), then interrupt
    const fdDir = `/proc/${child.pid}/fd`;
    const tracing = (): boolean => {
      try {
        return readdirSync(fdDir).some((fd) => {
          const target = readlinkSync(path.join(fdDir, fd));
          return target.includes('.t.csv.') && statSync(path.join(fdDir, fd)).size > 1 << 16;
        });
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 600 && !tracing(); i++) await new Promise((r) => setTimeout(r, 25));
    expect(tracing()).toBe(true);
    child.kill('SIGINT');
    expect(await ended).toBe('SIGINT');
    expect(readdirSync(traces)).toEqual([]);
  });

  test('a trace into an existing directory: written whole, no temp file left', () => {
    mkdirSync(path.join(dir, 'traces'));
    const trace = path.join(dir, 'traces', 't.csv');
    const r = sim('run', tiny, '--quiet', '--out', path.join(dir, 'rep-trace'), '--trace', trace);
    expect(r.code).toBe(0);
    expect(readFileSync(trace, 'utf8').split('\n')[0]).toBe('time_us,request,user,client_ip,tier,node,event,outcome');
    expect(readdirSync(path.dirname(trace))).toEqual(['t.csv']);
  });

  test('--trace to a pipe writes through it; the pipe stays a pipe', () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawnSync('sh', ['-c', `cat '${fifo}' > '${fifo}.got' & node '${path.resolve('dist/cli/main.js')}' run '${tiny}' --quiet --out '${path.join(dir, 'rep-fifo')}' --trace '${fifo}'; wait`], { encoding: 'utf8' });
    expect(reader.status).toBe(0);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    const rows = readFileSync(`${fifo}.got`, 'utf8').trimEnd().split('\n');
    expect(rows[0]).toBe('time_us,request,user,client_ip,tier,node,event,outcome');
    expect(rows.length).toBeGreaterThan(20);
  });

  test('a report directory is replaced whole: no file of an earlier scenario stays, no temp is left', () => {
    const out = path.join(dir, 'rep-swap');
    const routed = write('routed.yaml', 'name: routed\ntickets: { inventory: 5 }\nusers: { load: { closed: { concurrency: 2, requests: 20 } } }\nlvs: {}\n');
    expect(sim('run', routed, '--quiet', '--out', out).code).toBe(0);
    expect(existsSync(path.join(out, 'network.svg'))).toBe(true);
    expect(sim('run', tiny, '--quiet', '--out', out).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['index.html', 'latency-cdf.svg', 'latency.csv', 'latency.svg', 'load.svg', 'nodes.csv', 'run.json', 'scenario.yaml', 'servers.csv', 'servers.svg', 'sold.svg', 'summary.json', 'throughput.svg', 'timeseries.csv']);
    expect(JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')).scenario).toBe('tiny');
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  test('a run killed between its two renames: the next run finds the old report and replaces it', () => {
    const out = path.join(dir, 'rep-window');
    const old = path.join(dir, `.rep-window.${2 ** 22 + 1}.0.old`);
    mkdirSync(old);
    writeFileSync(path.join(old, 'summary.json'), '{"scenario": "earlier"}\n');
    expect(sim('run', tiny, '--quiet', '--out', out).code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')).scenario).toBe('tiny');
    expect(existsSync(old)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('.rep-window'))).toEqual([]);
  });

  test('siblings left by a killed run are swept by the next one', () => {
    const out = path.join(dir, 'rep-stale');
    // pid 2^22+1 is above Linux's pid_max default, so no such process runs
    const stale = path.join(dir, `.rep-stale.${2 ** 22 + 1}.0.new`);
    mkdirSync(stale);
    writeFileSync(path.join(stale, 'summary.json'), '{}');
    expect(sim('run', tiny, '--quiet', '--out', out).code).toBe(0);
    expect(existsSync(stale)).toBe(false);
  });
});
