// --trace's writer on its own: the exact rows, a flush past the buffer, a special file written
// through, stale temp files of dead runs removed (and only those), an aborted trace leaving nothing.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSpecial, Tracer } from '../src/metrics/trace.js';

const HEADER = 'time_us,request,user,client_ip,tier,node,event,outcome\n';
const fresh = () => mkdtempSync(join(tmpdir(), 'ts-mut-trace-'));

describe('Tracer', () => {
  test('rows in order with dotted client IPs (high bit included) and outcome names', () => {
    const dir = fresh();
    const file = join(dir, 'trace.csv');
    writeFileSync(file, 'old contents\n'); // replaced whole, not appended to
    const t = new Tracer(file);
    t.hop(5, 1, 2, 0x0a000102, 'app', 'app1', 'arrive', 0);
    t.hop(7, 1, 2, 0xc0a80001 | 0, 'nginx', 'nginx1', 'answer', 1);
    t.hop(9, 3, 4, 0xffffffff, 'lvs', 'lvs1', 'answer', 4);
    t.hop(11, 3, 4, 1, 'lvs', 'lvs1', 'odd', 9); // an outcome past the names: empty
    t.close();
    expect(t.rows).toBe(4);
    expect(readFileSync(file, 'utf8')).toBe(
      HEADER +
        '5,1,2,10.0.1.2,app,app1,arrive,\n' +
        '7,1,2,192.168.0.1,nginx,nginx1,answer,ok\n' +
        '9,3,4,255.255.255.255,lvs,lvs1,answer,timeout\n' +
        '11,3,4,0.0.0.1,lvs,lvs1,odd,\n',
    );
    expect(readdirSync(dir)).toEqual(['trace.csv']);
  });

  test('a trace longer than the 64 KiB buffer is flushed whole, in order', () => {
    const dir = fresh();
    const file = join(dir, 'deep', 'trace.csv'); // the parent is created
    const t = new Tracer(file);
    let want = HEADER;
    for (let i = 0; i < 5000; i++) {
      t.hop(i, i, i % 7, 0x7f000001, 'client', 'users', 'send', 2);
      want += `${i},${i},${i % 7},127.0.0.1,client,users,send,sold_out\n`;
    }
    expect(existsSync(file)).toBe(false); // nothing in place before close
    t.close();
    expect(want.length).toBeGreaterThan(2 * 65536);
    expect(readFileSync(file, 'utf8')).toBe(want);
  });

  test('while it is written the temp file has no name, so a run killed then leaves nothing behind', () => {
    const dir = fresh();
    const t = new Tracer(join(dir, 'trace.csv'));
    t.hop(1, 1, 1, 1, 'app', 'app1', 'x', 1);
    expect(readdirSync(dir)).toEqual([]);
    t.close();
    expect(readdirSync(dir)).toEqual(['trace.csv']);
  });

  test('an aborted trace leaves no file and no temp', () => {
    const dir = fresh();
    const t = new Tracer(join(dir, 'trace.csv'));
    t.hop(1, 1, 1, 1, 'app', 'app1', 'x', 1);
    t.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a special file is written through, not replaced', () => {
    // A pipe of its own in a temp dir, never /dev/null: a mutant that missed the special case
    // would rename a regular file over the device (for the whole machine).
    const dir = fresh();
    const fifo = join(dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK); // so the writer's open does not wait
    const t = new Tracer(fifo);
    t.hop(1, 1, 1, 1, 'app', 'app1', 'x', 1);
    t.close();
    const buf = Buffer.alloc(4096);
    const got = buf.subarray(0, readSync(reader, buf)).toString('utf8');
    closeSync(reader);
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(got).toBe(`${HEADER}1,1,1,0.0.0.1,app,app1,x,ok\n`);
    writeFileSync(join(dir, 'f'), 'x');
    mkdirSync(join(dir, 'd'));
    expect([isSpecial(fifo), isSpecial(join(dir, 'f')), isSpecial(join(dir, 'd')), isSpecial(join(dir, 'missing'))]).toEqual([true, false, false, false]);
  });

  test("stale temps of dead runs are removed; a live run's, other files' and odd names stay", () => {
    const dir = fresh();
    const dead = spawnSync('true').pid; // exited by now
    const stale = `.trace.csv.${dead}.tmp`;
    const live = `.trace.csv.${process.ppid}.tmp`;
    // a pid must be the whole part between the trace's name and .tmp: x<dead> is not one
    const keep = [live, '.trace.csv.abc.tmp', `.other.csv.${dead}.tmp`, `.trace.csv.${dead}.tmp.bak`, `.trace.csv.x${dead}.tmp`];
    for (const n of [stale, ...keep]) writeFileSync(join(dir, n), 'partial');
    const t = new Tracer(join(dir, 'trace.csv'));
    t.close();
    expect(readdirSync(dir).sort()).toEqual([...keep, 'trace.csv'].sort());
  });
});
