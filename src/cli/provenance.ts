// Which ticketsim build is running: its version, and its git commit when it runs from a checkout.
// The result store keys runs by this; a checkout with uncommitted changes to the code adds a hash
// of the built files, so an edit never reuses results of the code before it.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../study/sweep-plan.js';

export type Build = { version: string; commit: string | null; code: string };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function git(args: string[]): string | null {
  const r = spawnSync('git', ['-C', ROOT, ...args], { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

function builtFilesHash(): string {
  const dist = path.join(ROOT, 'dist');
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.js')) files.push(full);
    }
  };
  walk(dist);
  const parts = files.sort().map((f) => `${path.relative(dist, f)}\n${sha256(readFileSync(f, 'utf8'))}`);
  return sha256(parts.join('\n')).slice(0, 16);
}

let cached: Build | undefined;

export function buildIdentity(): Build {
  if (cached) return cached;
  const pkg: unknown = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const version = pkg !== null && typeof pkg === 'object' && 'version' in pkg ? String(pkg.version) : 'unknown';
  let commit = process.env.TICKETSIM_COMMIT || null;
  let dirty = false;
  if (commit === null) {
    const top = git(['rev-parse', '--show-toplevel']);
    // only the checkout ticketsim itself lives in, not a project that installed it
    if (top !== null && realpathSync(top) === realpathSync(ROOT)) {
      commit = git(['rev-parse', 'HEAD']);
      dirty = (git(['status', '--porcelain', '--', 'src', 'package.json', 'package-lock.json']) ?? '') !== '';
    }
  }
  const shown = commit === null ? null : dirty ? `${commit}-dirty` : commit;
  const code = `${version}/${shown ?? 'no-commit'}${dirty ? `/${builtFilesHash()}` : ''}`;
  cached = { version, commit: shown, code };
  return cached;
}
