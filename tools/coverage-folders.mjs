// Line and branch coverage per folder of src/ (src/model per tier), from c8's json-summary
// (coverage/coverage-summary.json, written by `npm run coverage`). Prints a markdown table.
// Usage: node tools/coverage-folders.mjs [coverage/coverage-summary.json]
import fs from 'node:fs';
import path from 'node:path';

const file = process.argv[2] ?? 'coverage/coverage-summary.json';
const summary = JSON.parse(fs.readFileSync(file, 'utf8'));

/** src/model/<tier>, else src/<folder>, else the file's own folder. */
function folderOf(abs) {
  const parts = path.relative(process.cwd(), abs).split(path.sep);
  if (parts[0] !== 'src') return parts.slice(0, -1).join('/') || '.';
  if (parts[1] === 'model' && parts.length > 3) return parts.slice(0, 3).join('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : 'src';
}

/** A file of types only (its build is `export {};`): no code to cover, so left out of the table. */
function typesOnly(abs) {
  if (abs.endsWith('.d.ts')) return true;
  const js = path.join('dist', path.relative(path.resolve('src'), abs)).replace(/\.ts$/, '.js');
  if (!fs.existsSync(js)) return false;
  const code = fs
    .readFileSync(js, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .trim();
  return code === 'export {};' || code === '';
}

const folders = new Map();
const skipped = [];
for (const [name, f] of Object.entries(summary)) {
  if (name === 'total') continue;
  if (typesOnly(name)) {
    skipped.push(path.relative(process.cwd(), name));
    continue;
  }
  const key = folderOf(name);
  const t = folders.get(key) ?? { files: 0, lines: [0, 0], branches: [0, 0] };
  t.files += 1;
  t.lines[0] += f.lines.covered;
  t.lines[1] += f.lines.total;
  t.branches[0] += f.branches.covered;
  t.branches[1] += f.branches.total;
  folders.set(key, t);
}

const pct = ([c, n]) => (n === 0 ? 'n/a' : `${((100 * c) / n).toFixed(1)} %`);
const row = (name, t) => `| ${name} | ${t.files} | ${pct(t.lines)} (${t.lines[0]}/${t.lines[1]}) | ${pct(t.branches)} (${t.branches[0]}/${t.branches[1]}) |`;
const total = { files: 0, lines: [0, 0], branches: [0, 0] };
console.log('| folder | files | lines | branches |');
console.log('|---|---:|---:|---:|');
for (const [name, t] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(row(`\`${name}\``, t));
  total.files += t.files;
  for (const k of ['lines', 'branches']) for (const i of [0, 1]) total[k][i] += t[k][i];
}
console.log(row('**all**', total));
if (skipped.length > 0) console.log(`\nTypes only, left out: ${skipped.sort().join(', ')}`);
