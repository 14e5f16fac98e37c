// Plain-text building blocks shared by the tiers' `sim explain` walk-throughs: every explanation
// is a header, an aligned table and a JSON value, so they all print the same way.

/** One explanation: the text for a reader and the JSON value printed with --json. */
export type ExplainResult = { text: string; json: unknown };

/** The servers (or dests, or next hops) an explanation runs over, in list order. */
export type ExplainServers = { names: readonly string[]; weights: readonly number[] };

/** A left-aligned table with a dashed rule under the headers; columns two spaces apart. */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** `[1, 2, 3]` */
export function vec(xs: ArrayLike<number>): string {
  return `[${Array.from(xs).join(', ')}]`;
}

/** `a=5 b=1 c=1` */
export function weightsLine(s: ExplainServers): string {
  return s.names.map((n, i) => `${n}=${s.weights[i]}`).join(' ');
}

export function weightSum(weights: readonly number[]): number {
  return weights.reduce((x, y) => x + y, 0);
}
