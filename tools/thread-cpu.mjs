// Preload (node --import): when the process exits, appends to $THREAD_CPU_OUT (default stderr) the
// CPU seconds of its main thread, of its other live threads (V8's GC and compiler helpers), and the
// total (threads that ended, such as worker threads, count in the total only). Used by
// tools/sweep-speed.sh: one worker's sweep can go no faster than its main thread; two workers' no
// faster than half their total, the helpers included.
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

/** utime + stime of a /proc stat line, in seconds. */
function cpuOf(statText) {
  const f = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

if (isMainThread) {
  process.on('exit', () => {
    let main = 0;
    let helpers = 0;
    for (const t of readdirSync('/proc/self/task')) {
      let s = 0;
      try {
        s = cpuOf(readFileSync(`/proc/self/task/${t}/stat`, 'utf8'));
      } catch {
        continue; // ended meanwhile
      }
      if (Number(t) === process.pid) main = s;
      else helpers += s;
    }
    const total = cpuOf(readFileSync('/proc/self/stat', 'utf8'));
    const line = `main ${main.toFixed(2)} s  live helpers ${helpers.toFixed(2)} s  total ${total.toFixed(2)} s\n`;
    if (process.env.THREAD_CPU_OUT) appendFileSync(process.env.THREAD_CPU_OUT, line);
    else process.stderr.write(line);
  });
}
