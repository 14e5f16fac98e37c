// `sim check FILE...`: the CI gate. Runs each scenario and holds it to its expect: block and the
// invariants (no oversell, ledger, conservation). Exit 0 all hold, 1 something broke (one line each, with a replay
// command), 2 bad input. Every scenario is loaded and its expect paths checked before any runs,
// so a typo in the last file costs no run.
import { hostname } from 'node:os';
import path from 'node:path';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isMap, isScalar, parseDocument, Scalar } from 'yaml';
import type { CommandModule } from 'yargs';
import { checkExpectPaths } from '../model/summary-skeleton.js';
import { writeFileAtomic } from '../report/atomic.js';
import { writeReport } from '../report/write.js';
import { loadScenario } from '../scenario/load.js';
import { scenarioAsRunYaml } from '../scenario/user-yaml.js';
import type { Scenario } from '../scenario/types.js';
import { broken, type CheckResult, describeCheck, judge, runGuarded } from '../study/verdict.js';
import { checkReplicated, checkReplicatedArgs } from './check-replicated.js';
import { UsageError } from './errors.js';
import { setCurrentScenarioFile } from './input-errors.js';
import { checkOutputPath } from './out-paths.js';
import { shellQuote } from './quote.js';

type CheckArgs = {
  files: string[];
  seed?: number;
  set?: string[];
  junit?: string;
  out?: string;
  'update-fingerprints': boolean;
  replications?: number;
  workers?: number;
  confidence: number;
};

export { shellQuote };

/** The command that reruns exactly this check: same file, seed and --set flags. */
export function replayCommand(file: string, seed: number, set: readonly string[] = []): string {
  return ['sim', 'check', file, '--seed', String(seed), ...set.flatMap((s) => ['--set', s])].map(shellQuote).join(' ');
}

export type ScenarioOutcome = {
  file: string;
  scenario: Scenario;
  // over replications: n, mean and interval (detail) and the seed of the run to replay
  results: (CheckResult & { detail?: string; replay_seed?: number | null })[];
  fingerprint: string;
  wall_s: number;
  replications?: number;
};

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check <files..>',
  describe: 'Run scenarios and hold each to its expect: block and the invariants (exit 0 all hold, 1 broken, 2 bad input)',
  builder: (y) =>
    y
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'scenario YAML files' })
      .option('seed', { type: 'number', requiresArg: true, describe: "override every scenario's seed" })
      .option('set', { type: 'string', array: true, describe: 'override a key in every scenario: --set nginx.workers=2 (repeatable)' })
      .option('junit', { type: 'string', describe: 'also write the results as JUnit XML to this file' })
      .option('out', { type: 'string', describe: 'also write each report to DIR/<name>/' })
      .option('update-fingerprints', {
        type: 'boolean',
        default: false,
        describe: "rewrite each file's expect.fingerprint with this run's (comments and layout kept)",
      })
      .option('replications', {
        type: 'number',
        describe:
          'hold expect: over R runs (seeds as sim sweep gives them; replication 1 is the scenario\'s). A plain expectation, or "== 0 in every run", must hold in each run; ' +
          '"mean < 200 at 95%" holds when the interval\'s upper bound is below 200 (">" and ">=" use the lower bound, "between" both); a mean form needs R >= 2',
      })
      .option('workers', { type: 'number', describe: 'with --replications: worker threads (default: one per core)' })
      .option('confidence', { type: 'number', default: 0.95, describe: 'with --replications: the confidence of a "mean" expectation that says no "at P%"' }),
  handler: async (args) => {
    const set = args.set ?? [];
    const update = args['update-fingerprints'];
    if (update && (args.seed !== undefined || set.length > 0)) {
      // the pinned fingerprint is of the file as written; an overridden run would pin something else
      throw new UsageError('check: --update-fingerprints pins the scenario as written; drop --seed and --set');
    }
    const scenarios = args.files.map((file) => {
      setCurrentScenarioFile(file);
      const s = loadScenario(file, { seed: args.seed, set });
      checkExpectPaths(s);
      return { file, s };
    });

    const replications = checkReplicatedArgs(args, scenarios);
    if (replications !== null) return checkReplicated(args, scenarios, replications);
    const junit = checkOutputs(args, scenarios.map(({ s }) => s));

    const skip = new Set(update ? ['fingerprint'] : []);
    const outcomes: ScenarioOutcome[] = [];
    for (const { file, s } of scenarios) {
      setCurrentScenarioFile(file);
      const t0 = process.hrtime.bigint();
      const run = runGuarded(s);
      const wall_s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (run.crash) {
        outcomes.push({ file, scenario: s, results: [run.crash], fingerprint: '', wall_s });
        process.stdout.write(describeOutcome(file, s, [run.crash], set));
        continue;
      }
      const { report, events } = run.out;
      const results = judge(s, report.summary, skip);
      outcomes.push({ file, scenario: s, results, fingerprint: report.summary.fingerprint, wall_s });
      process.stdout.write(describeOutcome(file, s, results, set));
      if (args.out !== undefined) {
        const dir = path.join(args.out, s.name);
        report.scenario_yaml = scenarioAsRunYaml(s);
        await writeReport(dir, report, {
          wall_s: Math.round(wall_s * 1000) / 1000,
          events,
          node: process.version,
          host: hostname(),
          scenario_file: path.resolve(file),
          argv: process.argv.slice(2),
        });
      }
    }

    if (update) {
      for (const o of outcomes) {
        if (o.fingerprint === '') continue; // the run crashed: nothing to pin
        const before = o.scenario.expect.find((e) => e.path === 'fingerprint')?.raw;
        if (before === o.fingerprint) {
          process.stdout.write(`fingerprint ${o.fingerprint} unchanged in ${o.file}\n`);
          continue;
        }
        const text = await readFile(o.file, 'utf8');
        await writeFileAtomic(o.file, setFingerprintInYaml(text, o.fingerprint));
        process.stdout.write(`fingerprint ${o.fingerprint} written to ${o.file}${before ? ` (was ${before})` : ''}\n`);
      }
    }
    if (junit !== null) {
      const xml = junitXml(outcomes, set);
      if (junit.special) await writeFile(junit.file, xml, { flag: 'a' }); // a pipe or /dev/stdout: through it
      else {
        await mkdir(path.dirname(junit.file), { recursive: true });
        await writeFileAtomic(junit.file, xml);
      }
    }

    const failed = outcomes.filter((o) => broken(o.results).length > 0);
    if (outcomes.length > 1) {
      process.stdout.write(
        failed.length === 0
          ? `all ${outcomes.length} scenarios hold\n`
          : `${failed.length} of ${outcomes.length} scenarios broke: ${failed.map((o) => o.file).join(' ')}\n`,
      );
    }
    if (failed.length > 0) process.exitCode = 1;
  },
};

/** --junit and --out, checked before any run; the JUnit file's plan (null without --junit). */
function checkOutputs(args: CheckArgs, scenarios: readonly Scenario[]): { file: string; special: boolean } | null {
  if (args.out !== undefined) {
    checkOutputPath(args.out, '--out', 'container');
    for (const s of scenarios) checkOutputPath(path.join(args.out, s.name), '--out', 'dir', { makeParents: true }); // inside --out
  }
  return args.junit === undefined ? null : { file: args.junit, ...checkOutputPath(args.junit, '--junit', 'file') };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describeOutcome(file: string, s: Scenario, results: readonly CheckResult[], set: readonly string[]): string {
  const ex = results.filter((r) => r.kind === 'expect');
  const inv = results.filter((r) => r.kind === 'invariant');
  const bad = broken(results);
  if (bad.length === 0) return `PASS ${file} (${plural(ex.length, 'expectation')}, ${plural(inv.length, 'invariant')})\n`;
  const replay = replayCommand(file, s.seed, set);
  const lines = bad.flatMap((r) => [`FAIL ${file}: ${s.name}: ${describeCheck(r)}`, `  replay: ${replay}`]);
  const exBad = bad.filter((r) => r.kind === 'expect').length;
  const invBad = bad.length - exBad;
  lines.push(`FAIL ${file} (broken: ${exBad} of ${plural(ex.length, 'expectation')}, ${invBad} of ${plural(inv.length, 'invariant')})`);
  return lines.join('\n') + '\n';
}

// ---- JUnit XML ----------------------------------------------------------------------------------

/** Text for an XML attribute or element: escaped, and without the characters XML 1.0 forbids. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** One testsuite per scenario, one testcase per expectation and per invariant. */
export function junitXml(outcomes: readonly ScenarioOutcome[], set: readonly string[] = []): string {
  const a = (name: string, value: string | number) => ` ${name}="${xmlEscape(String(value))}"`;
  const total = outcomes.reduce((n, o) => n + o.results.length, 0);
  const failures = outcomes.reduce((n, o) => n + broken(o.results).length, 0);
  const time = outcomes.reduce((t, o) => t + o.wall_s, 0);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites${a('name', 'sim check')}${a('tests', total)}${a('failures', failures)}${a('errors', 0)}${a('time', time.toFixed(3))}>`];
  for (const o of outcomes) {
    const bad = broken(o.results).length;
    const replay = replayCommand(o.file, o.scenario.seed, set);
    lines.push(
      `  <testsuite${a('name', o.scenario.name)}${a('file', o.file)}${a('tests', o.results.length)}${a('failures', bad)}${a('errors', 0)}${a('skipped', 0)}${a('time', o.wall_s.toFixed(3))}>`,
    );
    const reps = o.replications === undefined ? '' : `<property${a('name', 'replications')}${a('value', o.replications)}/>`;
    lines.push(`    <properties><property${a('name', 'seed')}${a('value', o.scenario.seed)}/>${reps}<property${a('name', 'fingerprint')}${a('value', o.fingerprint)}/></properties>`);
    for (const r of o.results) {
      const name = r.kind === 'expect' ? `expect ${r.name} ${r.want}` : `invariant ${r.name}`;
      const open = `    <testcase${a('classname', `${o.scenario.name}.${r.kind}`)}${a('name', name)}${a('file', o.file)}${a('time', 0)}`;
      const out = r.detail ? `      <system-out>${xmlEscape(r.detail)}</system-out>` : null;
      if (r.held && out === null) {
        lines.push(`${open}/>`);
        continue;
      }
      lines.push(`${open}>`);
      if (!r.held) {
        const msg = `${o.scenario.name}: ${describeCheck(r)}`;
        const again = typeof r.replay_seed === 'number' ? replayCommand(o.file, r.replay_seed, set) : replay;
        lines.push(`      <failure${a('message', msg)}${a('type', r.kind)}>${xmlEscape(`${msg}\nreplay: ${again}`)}</failure>`);
      }
      if (out !== null) lines.push(out);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

// ---- --update-fingerprints ----------------------------------------------------------------------

/**
 * Returns `text` with expect.fingerprint set to `fp`. The Document API finds where the key is (or
 * where it goes) and only those characters change, so comments, alignment and blank lines stay
 * byte for byte; shapes that cannot be edited in place (a flow map, an empty `expect:`) are
 * re-serialised by the Document API, which keeps comments but may re-space them.
 */
export function setFingerprintInYaml(text: string, fp: string): string {
  const quoted = `"${fp}"`;
  const doc = parseDocument(text);
  // what the file must say afterwards: the same data, with the fingerprint set
  const want = (() => {
    const js = (doc.toJS() ?? {}) as Record<string, unknown>;
    const exp = js.expect !== null && typeof js.expect === 'object' ? (js.expect as Record<string, unknown>) : {};
    return JSON.stringify({ ...js, expect: { ...exp, fingerprint: fp } });
  })();
  const verify = (out: string): boolean => {
    const d = parseDocument(out);
    return d.errors.length === 0 && JSON.stringify(d.toJS()) === want;
  };
  const top = doc.contents;
  let out: string | null = null;
  if (isMap(top)) {
    const expectPair = top.items.find((p) => isScalar(p.key) && p.key.value === 'expect');
    const exp = expectPair?.value;
    if (expectPair === undefined) {
      out = `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}expect:\n  fingerprint: ${quoted}\n`;
    } else if (isMap(exp) && !exp.flow && exp.items.length > 0) {
      const pair = exp.items.find((p) => isScalar(p.key) && p.key.value === 'fingerprint');
      const first = exp.items[0]?.key;
      const last = exp.items[exp.items.length - 1]?.value;
      if (pair && isScalar(pair.value) && pair.value.range) {
        const [start, end] = pair.value.range;
        out = text.slice(0, start) + quoted + text.slice(end);
      } else if (!pair && isScalar(first) && first.range && isScalar(last) && last.range) {
        const keyStart = first.range[0];
        const line = `${' '.repeat(keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1))}fingerprint: ${quoted}`;
        // a new line after the last entry's line (and any comment on it)
        const nl = text.indexOf('\n', last.range[1]);
        out = nl < 0 ? `${text}\n${line}\n` : `${text.slice(0, nl)}\n${line}${text.slice(nl)}`;
      }
    }
  }
  if (out !== null && verify(out)) return out;
  // any other shape: the Document API places it, keeping comments (spacing may change)
  const value = new Scalar(fp);
  value.type = 'QUOTE_DOUBLE';
  const exp = doc.get('expect', true);
  if (isMap(exp)) exp.set('fingerprint', value);
  else doc.set('expect', doc.createNode({ fingerprint: value }));
  return doc.toString();
}
