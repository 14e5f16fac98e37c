// Runs the built `sim` program as a user would (npm test builds dist/ first), and writes
// scenario files into a fresh temp directory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SIM = path.resolve('dist/cli/main.js');

export function sim(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [SIM, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A fresh temp directory and a writer of files into it. */
export function scratch(prefix: string): { dir: string; write: (name: string, text: string) => string } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dir,
    write: (name, text) => {
      const p = path.join(dir, name);
      writeFileSync(p, text);
      return p;
    },
  };
}

/** A small, random study scenario (exponential service, app4 dies at 20 ms): its replications differ. */
export const SMALL_STUDY_YAML = `name: small
seed: 7
tickets: { inventory: 200, script: fixed }
users:
  load:
    open: { users: 1500, rate: 20k/s }
  client_ips: 1000
app:
  local_stock: { buffer: 1.2 }
  local_check: exact
  service_time: { exp: 50us }
faults:
  - { at: 20ms, kill: app4 }
`;
