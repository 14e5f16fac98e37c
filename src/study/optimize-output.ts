// The text of `sim optimize`'s answer: optimize.json (the answer with its intervals, how it was
// searched, every candidate evaluated), the terminal lines, and the study spec that lets runs.csv
// reuse the sweep's writer. They depend only on the search's verdicts and runs, so they are the
// same for any number of workers.
import { fmtNum, plain } from '../report/format.js';
import type { Evaluated } from './optimize-search.js';
import type { SubjectVerdict } from './optimize-judge.js';
import { axisCount, axisText, OP_TEXT, type Subject } from './optimize-plan.js';
import { type OptimizeOutcome, type OptimizeSpec, studySpecOf } from './optimize-run.js';
import { provenanceOf, valueOf } from './sweep-output.js';
import type { RunRecord, StudySpec } from './sweep-plan.js';

const num = (v: number | null): number | null => (v === null ? null : Number(plain(v, 9)));
export const fmt = (v: number): string => fmtNum(v, 3);
export const pctOf = (c: number): number => Math.round(c * 1000) / 10;

/** What the user asked for, as optimize.json and the page name it: "< 1 % of tickets.inventory". */
export function wantText(s: Subject): string {
  return s.percent ? `${OP_TEXT[s.op]} ${s.value} % of tickets.inventory` : `${OP_TEXT[s.op]} ${s.value}`;
}

export function rangeText(spec: OptimizeSpec): string {
  return spec.axes
    .map((a) => `${a.goal} ${a.key} in ${axisText(a, 0)}..${axisText(a, axisCount(a) - 1)} (step ${String(a.step / 10 ** a.decimals)}${a.unit})`)
    .join(', then ');
}

function subjectJson(v: SubjectVerdict): Record<string, unknown> {
  return {
    metric: v.metric,
    want: v.want,
    n: v.n,
    missing: v.missing,
    mean: num(v.mean),
    ci: v.ci_lo === null || v.ci_hi === null ? null : [num(v.ci_lo), num(v.ci_hi)],
    bound: num(v.bound),
    threshold: num(v.threshold),
    holds: v.holds,
  };
}

function candidateJson(spec: OptimizeSpec, o: OptimizeOutcome, e: Evaluated): Record<string, unknown> {
  const conf = o.configurations[e.order];
  return {
    order: e.order,
    values: Object.fromEntries(spec.axes.map((a, i) => [a.key, valueOf(conf?.values[i] ?? '')])),
    feasible: e.verdict.feasible,
    subjects: e.verdict.subjects.map(subjectJson),
  };
}

/** The answer and the candidate one step better that failed, found among the evaluated. */
export function decisive(o: OptimizeOutcome): { answer?: Evaluated; neighbour?: Evaluated } {
  const at = (ranks: number[] | null) => (ranks === null ? undefined : o.search.evaluated.find((e) => e.ranks.join() === ranks.join()));
  return { answer: at(o.search.answer), neighbour: at(o.search.neighbour) };
}

export function optimizeJson(spec: OptimizeSpec, o: OptimizeOutcome): string {
  const { answer, neighbour } = decisive(o);
  const out = {
    scenario: spec.scenario,
    provenance: provenanceOf(spec),
    parameters: spec.axes.map((a) => ({ key: a.key, goal: a.goal, lo: valueOf(axisText(a, 0)), hi: valueOf(axisText(a, axisCount(a) - 1)), step: valueOf(`${String(a.step / 10 ** a.decimals)}${a.unit}`) })),
    subjects: spec.subjects.map((s) => ({ metric: s.metric, want: wantText(s), holds_when: s.op === 'lt' || s.op === 'le' ? 'the upper bound of the interval' : 'the lower bound of the interval' })),
    confidence: spec.confidence,
    replications: spec.replications,
    common_random_numbers: true,
    method: o.search.method,
    monotone: o.search.monotone,
    notes: o.search.notes,
    answer: answer === undefined ? null : candidateJson(spec, o, answer),
    next_better_failed: neighbour === undefined ? null : candidateJson(spec, o, neighbour),
    candidates: o.search.evaluated.length,
    runs: o.runs.length,
    evaluated: o.search.evaluated.map((e) => candidateJson(spec, o, e)),
  };
  return JSON.stringify(out, null, 2) + '\n';
}

/** A study spec over every evaluated candidate, so sweep's runs.csv writer can write them. */
export function asStudy(spec: OptimizeSpec, o: OptimizeOutcome): StudySpec {
  return studySpecOf(spec, o.configurations, spec.axes.map((a, i) => ({ key: a.key, values: o.configurations.map((c) => c.values[i] ?? '') })));
}

export function sortedRuns(o: OptimizeOutcome): RunRecord[] {
  return [...o.runs].sort((a, b) => a.config - b.config || a.replication - b.replication);
}

function candidateLine(spec: OptimizeSpec, o: OptimizeOutcome, e: Evaluated): string {
  const vals = (o.configurations[e.order]?.values ?? []).map((v, i) => `${spec.axes[i]?.key ?? ''}=${v}`).join(' ');
  const subs = e.verdict.subjects.map((v, j) => {
    const s = spec.subjects[j];
    const hw = v.half_width === null ? '' : ` ±${fmt(v.half_width)}`;
    const bound = v.bound === null || v.threshold === null || s === undefined ? 'no value in every run' : `bound ${fmt(v.bound)} ${OP_TEXT[s.op]} ${fmt(v.threshold)}`;
    return `${v.metric} ${v.mean === null ? '-' : fmt(v.mean)}${hw} (${bound}: ${v.holds ? 'holds' : 'fails'})`;
  });
  return `${vals}: ${subs.join('; ')}`;
}

/** What the terminal shows: the question, how it was searched, the answer and what decided it. */
export function describeOptimize(spec: OptimizeSpec, o: OptimizeOutcome, outDir: string): string {
  const { answer, neighbour } = decisive(o);
  const subjects = spec.subjects.map((s) => `${s.metric} ${wantText(s)}`).join(' and ');
  const lines = [
    `optimize ${spec.scenario}: ${rangeText(spec)}`,
    `  subject to ${subjects}, at ${pctOf(spec.confidence)} % (Student-t, ${spec.replications} replications per value, common random numbers)`,
    ...o.search.notes.map((n) => `  ${n}`),
  ];
  if (answer === undefined) lines.push('  no value in the range meets every subject (exit 1)');
  else lines.push(`  answer: ${candidateLine(spec, o, answer)}`);
  if (neighbour !== undefined) lines.push(`  one step better fails: ${candidateLine(spec, o, neighbour)}`);
  lines.push(`  ${o.search.evaluated.length} values evaluated, ${o.runs.length} runs: ${o.executed} executed, ${o.cached} from cache`);
  lines.push(`  report: ${outDir}/index.html`);
  return lines.join('\n') + '\n';
}
