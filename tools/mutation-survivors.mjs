// npm run mutate:survivors: lists every surviving mutant (Survived or NoCoverage) beside the reason
// written for it, and writes docs/mutation-survivors.md.
// Usage: node tools/mutation-survivors.mjs [results.json] [--reasons DIR] [--out FILE]
//   results.json  Stryker's incremental file (default test/mutation/stryker-incremental.json) or a
//                 json report (reports/mutation/mutation.json): both hold files -> mutants.
//   --reasons     folder of reasons files (default test/mutation/reasons), one per source folder:
//                 engine.tsv, metrics.tsv, scenario.tsv, model-<tier>.tsv (model-stack.tsv for the
//                 files directly in src/model). Tab-separated, a header line first:
//                 file  line:col  mutator  replacement  verdict  reason
//                 replacement is Stryker's, with `\` as `\\`, tab as `\t`, newline as `\n`; verdict is
//                 `equivalent` or `acceptable`. A line explains every survivor with that file,
//                 start, mutator and replacement (two mutants may share them when one expression
//                 starts another, e.g. `a.b` and `a.b && c`, each forced false).
//   --out         the markdown file (default docs/mutation-survivors.md), written whole or not at all.
// Paths are relative to the working directory; the mutated code is read from its src/ file (the
// location is Stryker's: 1-based line and column, end exclusive). Prints one line per folder:
// survivors, explained, unexplained, stale (reasons that match no survivor: the code moved or the
// mutant is now killed). Exit 2 with `file:line: detail` on a malformed reasons file.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const HEADER = ['file', 'line:col', 'mutator', 'replacement', 'verdict', 'reason'];
const VERDICTS = new Set(['equivalent', 'acceptable']);
const SURVIVING = new Set(['Survived', 'NoCoverage']);
/** Longest original or replacement text shown, in characters. */
const SHOWN_CHARS = 60;
/** Characters kept before the first difference when a long pair is cut to show where it differs. */
const CONTEXT_CHARS = 20;

class InputError extends Error {}

/** src/model/<tier> for a file in a tier, else src/<folder> (src/model for src/model/*.ts). */
export function folderOf(file) {
  const parts = file.split('/');
  return parts[1] === 'model' && parts.length > 3 ? parts.slice(0, 3).join('/') : parts.slice(0, 2).join('/');
}

/** The reasons file a folder's lines belong in: engine, model-front, model-stack (src/model/*.ts). */
export function reasonsNameOf(folder) {
  const parts = folder.split('/');
  if (parts[1] !== 'model') return `${parts[1]}.tsv`;
  return `model-${parts[2] ?? 'stack'}.tsv`;
}

/** A results file's key as a path from the project root (a json report may hold absolute paths). */
function projectPath(key) {
  if (!path.isAbsolute(key)) return key.split(path.sep).join('/');
  const at = key.lastIndexOf('/src/');
  return at === -1 ? key : key.slice(at + 1);
}

const keyOf = (file, at, mutator, replacement) => `${file}\t${at}\t${mutator}\t${replacement}`;

/** Every mutant of the results, with its file, `line:col` and key. */
export function readMutants(results) {
  const mutants = [];
  for (const [key, entry] of Object.entries(results.files ?? {})) {
    const file = projectPath(key);
    for (const m of entry.mutants) {
      const at = `${m.location.start.line}:${m.location.start.column}`;
      mutants.push({ file, at, mutator: m.mutatorName, replacement: m.replacement ?? '', status: m.status, location: m.location });
    }
  }
  for (const m of mutants) m.key = keyOf(m.file, m.at, m.mutator, m.replacement);
  return mutants;
}

/** `\\`, `\t`, `\n` back to the characters; any other escape is refused. */
export function unescapeField(text) {
  return text.replace(/\\(.?)/g, (_, c) => {
    if (c === '\\') return '\\';
    if (c === 't') return '\t';
    if (c === 'n') return '\n';
    throw new InputError(`unknown escape \\${c} (only \\\\, \\t and \\n)`);
  });
}

/** The inverse of unescapeField, for writing a reasons line. */
export function escapeField(text) {
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

/** One reasons line as a reason, or an InputError naming what is wrong. */
function parseReason(cols, where) {
  if (cols.length !== HEADER.length) throw new InputError(`${cols.length} tab-separated columns, expected ${HEADER.length}`);
  const [file, at, mutator, replacement, verdict, reason] = cols;
  if (!/^\d+:\d+$/.test(at)) throw new InputError(`line:col is "${at}", expected two numbers`);
  if (!VERDICTS.has(verdict)) throw new InputError(`verdict is "${verdict}", expected equivalent or acceptable`);
  if (reason.trim() === '') throw new InputError('the reason is empty');
  const text = unescapeField(replacement);
  return { file, at, mutator, replacement: text, verdict, reason, where, key: keyOf(file, at, mutator, text) };
}

/** Compares `line:col` texts by number. */
function compareAt(a, b) {
  const [la, ca] = a.split(':').map(Number);
  const [lb, cb] = b.split(':').map(Number);
  return la - lb || ca - cb;
}

/** The reasons of one file, each with where it was written; warnings for order and placement. */
function readReasonsFile(full, shown, warnings) {
  const lines = fs.readFileSync(full, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines[0] !== HEADER.join('\t')) throw new InputError(`${shown}:1: the first line must be the header: ${HEADER.join('<tab>')}`);
  const reasons = [];
  lines.slice(1).forEach((line, i) => {
    const where = `${shown}:${i + 2}`;
    try {
      reasons.push(parseReason(line.split('\t'), where));
    } catch (e) {
      throw e instanceof InputError ? new InputError(`${where}: ${e.message}`) : e;
    }
  });
  reasons.forEach((r, i) => {
    const prev = reasons[i - 1];
    if (prev && (prev.file > r.file || (prev.file === r.file && compareAt(prev.at, r.at) > 0))) warnings.push(`${r.where}: not sorted by file, then line:col`);
    if (reasonsNameOf(folderOf(r.file)) !== path.basename(full)) warnings.push(`${r.where}: ${r.file} belongs in ${reasonsNameOf(folderOf(r.file))}`);
  });
  return reasons;
}

/** Every reason of every .tsv file in `dir` (none when it does not exist). */
export function readReasons(dir, warnings) {
  if (!fs.existsSync(dir)) return [];
  const names = fs.readdirSync(dir).filter((n) => n.endsWith('.tsv')).sort();
  const reasons = names.flatMap((n) => readReasonsFile(path.join(dir, n), path.join(dir, n).split(path.sep).join('/'), warnings));
  const seen = new Map();
  for (const r of reasons) {
    if (seen.has(r.key)) warnings.push(`${r.where}: the same mutant as ${seen.get(r.key)}`);
    else seen.set(r.key, r.where);
  }
  return reasons;
}

/** The text between two Stryker locations (1-based line and column, end exclusive). */
function spanOf(lines, { start, end }) {
  if (start.line > lines.length || end.line > lines.length) return undefined;
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  const middle = lines.slice(start.line, end.line - 1);
  return [lines[start.line - 1].slice(start.column - 1), ...middle, lines[end.line - 1].slice(0, end.column - 1)].join('\n');
}

/** One line: whitespace runs as one space, cut to SHOWN_CHARS with an ellipsis. */
export function oneLine(text) {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SHOWN_CHARS ? `${flat.slice(0, SHOWN_CHARS - 1)}…` : flat;
}

/** Original and replacement on one line each; a long pair starts shortly before they differ. */
export function shownPair(original, replacement) {
  const [a, b] = [original, replacement].map((t) => t.replace(/\s+/g, ' ').trim());
  if (a.length <= SHOWN_CHARS && b.length <= SHOWN_CHARS) return [a, b];
  let same = 0;
  while (same < a.length && a[same] === b[same]) same += 1;
  const from = Math.max(0, same - CONTEXT_CHARS);
  const cut = (t) => {
    const shown = from > 0 ? `…${t.slice(from)}` : t;
    return shown.length > SHOWN_CHARS ? `${shown.slice(0, SHOWN_CHARS - 1)}…` : shown;
  };
  return [cut(a), cut(b)];
}

/** A markdown code span that holds any text, backticks included. */
export function codeSpan(text) {
  const runs = text.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Code-unit order: the same on every machine, whatever its locale. */
const compareText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

const byPlace = (a, b) => compareText(a.file, b.file) || compareAt(a.at, b.at) || compareText(a.mutator, b.mutator) || compareText(a.replacement, b.replacement);

/** Per folder: the score's terms, its survivors (each with its reason or none) and its stale reasons. */
export function collate(mutants, reasons) {
  const reasonOf = new Map(reasons.map((r) => [r.key, r]));
  const folders = new Map();
  const folder = (name) => {
    if (!folders.has(name)) folders.set(name, { name, killed: 0, valid: 0, survivors: [], stale: [] });
    return folders.get(name);
  };
  const used = new Set();
  const statusOf = new Map();
  for (const m of mutants) {
    const f = folder(folderOf(m.file));
    statusOf.set(m.key, m.status);
    if (m.status === 'Ignored' || m.status === 'CompileError' || m.status === 'RuntimeError') continue;
    f.valid += 1;
    if (m.status === 'Killed' || m.status === 'Timeout') f.killed += 1;
    if (!SURVIVING.has(m.status)) continue;
    const reason = reasonOf.get(m.key);
    if (reason) used.add(reason.key);
    f.survivors.push({ ...m, reason });
  }
  for (const r of reasons) {
    if (!used.has(r.key)) folder(folderOf(r.file)).stale.push({ ...r, now: statusOf.get(r.key) });
  }
  const sorted = [...folders.values()].sort((a, b) => compareText(a.name, b.name));
  for (const f of sorted) {
    f.survivors.sort(byPlace);
    f.stale.sort(byPlace);
  }
  return sorted;
}

const explainedIn = (f) => f.survivors.filter((s) => s.reason).length;
const scoreOf = (f) => (f.valid ? `${((100 * f.killed) / f.valid).toFixed(1)} %` : 'n/a');

/** The one-line count printed per folder. */
export function countLine(f) {
  const explained = explainedIn(f);
  return `${f.name}: ${f.survivors.length} survivors, ${explained} explained, ${f.survivors.length - explained} unexplained, ${f.stale.length} stale`;
}

/** A survivor's markdown line: where, mutator, original -> replacement, status, verdict and reason. */
function survivorLine(s, sourceLines) {
  const original = sourceLines ? spanOf(sourceLines, s.location) : undefined;
  const [was, now] = shownPair(original ?? '', s.replacement);
  const shown = original === undefined ? '(source not found)' : codeSpan(was);
  const head = `- ${s.at} ${s.mutator}${s.status === 'NoCoverage' ? ' (no coverage)' : ''}: ${shown} → ${codeSpan(now)}`;
  return s.reason ? `${head}: ${s.reason.verdict}: ${s.reason.reason}` : `${head}: **unexplained**`;
}

/** A stale reason's markdown line, saying whether the mutant is gone or now killed. */
function staleLine(r) {
  const now = r.now === undefined ? 'no such mutant' : `now ${r.now}`;
  return `- ${r.file} ${r.at} ${r.mutator} → ${codeSpan(oneLine(r.replacement))} (${now}; ${r.where}): ${r.verdict}: ${r.reason}`;
}

/** One folder's section: score, survivors per file, stale reasons. */
function folderSection(f, readSource) {
  const explained = explainedIn(f);
  const out = [`## ${f.name}`, ''];
  out.push(`Score ${scoreOf(f)} (${f.killed} of ${f.valid} killed). ${f.survivors.length} survivors: ${explained} explained, ${f.survivors.length - explained} unexplained.`);
  let file;
  for (const s of f.survivors) {
    if (s.file !== file) {
      file = s.file;
      out.push('', `### ${file}`, '');
    }
    out.push(survivorLine(s, readSource(file)));
  }
  if (f.stale.length > 0) out.push('', `### Stale reasons (${f.stale.length})`, '', ...f.stale.map(staleLine));
  out.push('');
  return out;
}

/** The whole markdown file. */
export function renderMarkdown(folders, readSource, resultsName) {
  const out = ['# Surviving mutants', ''];
  out.push(`Written by \`npm run mutate:survivors\` from \`${resultsName}\` and \`test/mutation/reasons/*.tsv\`; do not edit.`);
  out.push('Score as `npm run mutate` counts it: killed and timed out over all mutants but static ones and errors.', '');
  out.push('| folder | score | mutants | survivors | explained | unexplained | stale reasons |', '|---|---|---|---|---|---|---|');
  for (const f of folders) {
    const explained = explainedIn(f);
    out.push(`| ${f.name} | ${scoreOf(f)} | ${f.valid} | ${f.survivors.length} | ${explained} | ${f.survivors.length - explained} | ${f.stale.length} |`);
  }
  out.push('');
  for (const f of folders) out.push(...folderSection(f, readSource));
  return out.join('\n');
}

/** Reads the source files once each, as lines (undefined when missing). */
function sourceReader() {
  const cache = new Map();
  return (file) => {
    if (!cache.has(file)) cache.set(file, fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : undefined);
    return cache.get(file);
  };
}

/** Writes `text` to a temp file beside `file`, then renames it over `file`. */
function writeAtomically(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The results file as parsed JSON, or an InputError naming it. */
function readResults(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read: ${e.code ?? e.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not JSON: ${e.message}`);
  }
}

function parseArgs(argv) {
  const opts = { results: 'test/mutation/stryker-incremental.json', reasons: 'test/mutation/reasons', out: 'docs/mutation-survivors.md' };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--reasons' || a === '--out') {
      if (argv[i + 1] === undefined) throw new InputError(`${a} needs a path`);
      opts[a.slice(2)] = argv[(i += 1)];
    } else if (a.startsWith('-')) throw new InputError(`unknown option ${a}`);
    else opts.results = a;
  }
  return opts;
}

function main(argv) {
  const opts = parseArgs(argv);
  const warnings = [];
  const reasons = readReasons(opts.reasons, warnings);
  const folders = collate(readMutants(readResults(opts.results)), reasons);
  writeAtomically(opts.out, renderMarkdown(folders, sourceReader(), opts.results));
  for (const w of warnings) console.error(`mutation-survivors: ${w}`);
  for (const f of folders) console.log(countLine(f));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    console.error(`mutation-survivors: ${e.message}`);
    process.exit(2);
  }
}
