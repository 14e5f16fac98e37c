import type { Summary } from '../metrics/summary.js';
import { fmtNum } from './format.js';

// "Why unsold" in plain words, one waterfall step a line, each number a field of
// tickets.unsold_why; the terminal and the report print the same lines.

const n = (v: number): string => fmtNum(v, 0);

/** The waterfall's lines; empty when every ticket sold and no user was refused while some remained. */
export function unsoldWaterfall(t: Summary['tickets']): string[] {
  const w = t.unsold_why;
  const lines: string[] = [];
  if (t.unsold > 0) {
    lines.push(
      `local stock lost: ${n(w.stranded_local)} stranded on servers dead at the end + ${n(w.burned_local)} burned on failed Redis calls = ${n(w.lost_local)}`,
      `buffer that absorbs it: ${n(w.buffer)} local stock beyond the inventory - ${n(w.check_unsellable)} the local check never sells = ${n(w.usable_buffer)}`,
      `unsold because stock was lost: ${n(w.unsold_lost)}` + (w.lost_local > 0 ? ` (${n(w.lost_local)} - ${n(w.usable_buffer)}, at least 0, at most the unsold)` : ''),
      `never reached: ${n(w.never_reached)} (live servers still held ${n(w.live_local_left)} local stock nobody asked for)`,
      `unsold: ${n(t.unsold)} = ${n(w.unsold_lost)} + ${n(w.never_reached)}`,
    );
  }
  if (w.sold_out_while_stock > 0) lines.push(`${n(w.sold_out_while_stock)} "sold out" answers were read while Redis still had tickets`);
  return lines;
}
