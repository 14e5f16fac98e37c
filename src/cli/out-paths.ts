// Output paths (--out, --trace, --junit) are checked before a run, so that a typo costs no run:
// a file in the way, a directory given for a file, a missing parent directory, a read-only or
// unwritable place, /proc. Only a default place (reports/ under the current directory) and a
// report inside an output directory that is itself new have their parents made.
import { accessSync, constants, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.js';

/** dir: a report directory, replaced as a whole; container: a directory that outputs go into; file: one file. */
export type OutputKind = 'dir' | 'container' | 'file';

/** What the check found: a special file (a device, a pipe, a socket) is written through, not replaced. */
export type OutputPlan = { special: boolean };

// Kernel file systems: writing there does not make a report, and mkdir -p under /proc never ends.
const KERNEL_FS = ['/proc', '/sys'];

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (code === 'EROFS') return 'read-only file system (EROFS)';
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${code})`;
  return code || (e as Error).message;
}

function writable(dir: string, fail: (detail: string) => never): void {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    fail(`cannot write in ${dir}: ${why(e)}`);
  }
}

/** The nearest existing ancestor of `abs` (which does not exist itself). */
function existingAncestor(abs: string): { dir: string; stats: Stats } {
  let cur = abs;
  for (;;) {
    const up = path.dirname(cur);
    const st = statOrNull(up);
    if (st) return { dir: up, stats: st };
    if (up === cur) return { dir: up, stats: statSync(up) };
    cur = up;
  }
}

function underKernelFs(p: string): boolean {
  let real = p;
  try {
    real = realpathSync(p);
  } catch {
    // keep the path as given
  }
  return KERNEL_FS.some((k) => real === k || real.startsWith(`${k}/`));
}

/**
 * Checks that `p` can take the output named by `flag`; throws a UsageError (exit 2) with one line
 * otherwise. `kind` dir: a directory that is created or replaced as a whole; file: one file.
 * `makeParents`: missing parent directories are made rather than refused.
 */
export function checkOutputPath(p: string, flag: string, kind: OutputKind, opts: { makeParents?: boolean } = {}): OutputPlan {
  const fail = (detail: string): never => {
    throw new UsageError(`${flag} ${p === '' ? '""' : p}: ${detail}`);
  };
  if (p.trim() === '') fail('is empty; give a path');
  const abs = path.resolve(p);
  const st = statOrNull(abs);
  if (st && kind === 'file' && !st.isFile() && !st.isDirectory()) {
    // /dev/null, a pipe, /dev/stdout: written through
    try {
      accessSync(abs, constants.W_OK);
    } catch (e) {
      fail(`cannot write to it: ${why(e)}`);
    }
    return { special: true };
  }
  if (underKernelFs(st ? abs : existingAncestor(abs).dir)) fail('is under /proc or /sys, a kernel file system; write somewhere else');
  if (st) {
    if (kind !== 'file' && !st.isDirectory()) fail('is a file, not a directory');
    if (kind === 'container') {
      writable(abs, fail);
      return { special: false };
    }
    if (kind === 'file' && st.isDirectory()) fail('is a directory; give a file name');
    if (kind === 'dir') {
      checkReplaceable(abs, fail);
      writable(abs, fail);
    }
    // the new file or directory is made beside the old one and renamed over it
    writable(path.dirname(abs), fail);
    return { special: false };
  }
  const anc = existingAncestor(abs);
  if (!anc.stats.isDirectory()) fail(`${anc.dir} is a file, not a directory`);
  // a typo in a directory name would otherwise leave the output in a new tree nobody looks at
  if (!opts.makeParents && anc.dir !== path.dirname(abs)) fail(`the directory ${path.dirname(abs)} does not exist; make it first`);
  writable(anc.dir, fail);
  return { special: false };
}

// Files a report directory may hold: a directory with anything else is not replaced.
const REPORT_FILE_RE = /^(summary\.json|run\.json|index\.html|scenario\.yaml|[a-z0-9_-]+\.(csv|svg))$/;

/** A directory is replaced as a whole only when it is empty or holds a report and nothing else. */
function checkReplaceable(abs: string, fail: (detail: string) => never): void {
  let names: string[];
  try {
    names = readdirSync(abs);
  } catch (e) {
    return fail(`cannot read it: ${why(e)}`);
  }
  if (names.length === 0) return;
  const other = names.find((n) => !REPORT_FILE_RE.test(n));
  if (!names.includes('summary.json') || other !== undefined) {
    fail(`holds files that are not a report${other ? ` (${other})` : ''}; the report replaces the whole directory, so give a new or empty one`);
  }
}
