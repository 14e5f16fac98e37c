// `sim compare --fail-if EXPR`: a condition on the two sides, e.g.
// "B.tickets.oversold > A.tickets.oversold" or "B.latency_ms.p99 > 1.1 * A.latency_ms.p99".
// Grammar (parsed strictly: anything else is an error naming the column):
//   cond := sum (< | <= | > | >= | == | !=) sum
//   sum  := prod ((+ | -) prod)*      prod := unary ((* | /) unary)*
//   unary := - unary | NUMBER | (A | B).summary.path | ( sum )
// A side's value is the mean over its runs.

type Node = { k: 'num'; v: number } | { k: 'ref'; side: 'A' | 'B'; path: string } | { k: 'neg'; e: Node } | { k: 'bin'; op: string; l: Node; r: Node };

export type FailIf = { text: string; op: string; l: Node; r: Node; refs: { side: 'A' | 'B'; path: string }[] };

export class FailIfError extends Error {}

const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([AB])\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)|(<=|>=|==|!=|<|>|[-+*/()]))/y;

type Tok = { at: number; num?: number; side?: 'A' | 'B'; path?: string; op?: string };

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (m === null) throw new FailIfError(`column ${at + 1 + (text.slice(at).length - text.slice(at).trimStart().length)}: expected a number, A.metric, B.metric or an operator`);
    const start = m.index + (m[0].length - m[0].trimStart().length);
    if (m[1] !== undefined) out.push({ at: start, num: Number(m[1]) });
    else if (m[2] !== undefined) out.push({ at: start, side: m[2] === 'A' ? 'A' : 'B', path: m[3] ?? '' });
    else out.push({ at: start, op: m[4] ?? '' });
    at = TOKEN.lastIndex;
  }
  return out;
}

const CMP = new Set(['<', '<=', '>', '>=', '==', '!=']);

/** Parses `text`; a FailIfError says where and why it cannot. */
export function parseFailIf(text: string): FailIf {
  const toks = tokenize(text);
  let i = 0;
  const where = () => (toks[i] ? `column ${toks[i]?.at + 1}` : 'the end');
  const isOp = (...ops: string[]) => toks[i]?.op !== undefined && ops.includes(toks[i]?.op ?? '');
  const sum = (): Node => {
    let l = prod();
    while (isOp('+', '-')) {
      const op = toks[i++]?.op ?? '';
      l = { k: 'bin', op, l, r: prod() };
    }
    return l;
  };
  const prod = (): Node => {
    let l = unary();
    while (isOp('*', '/')) {
      const op = toks[i++]?.op ?? '';
      l = { k: 'bin', op, l, r: unary() };
    }
    return l;
  };
  const unary = (): Node => {
    const t = toks[i];
    if (t === undefined) throw new FailIfError('ends too early: expected a number, A.metric or B.metric');
    if (t.op === '-') {
      i++;
      return { k: 'neg', e: unary() };
    }
    if (t.op === '(') {
      i++;
      const e = sum();
      if (!isOp(')')) throw new FailIfError(`${where()}: expected )`);
      i++;
      return e;
    }
    i++;
    if (t.num !== undefined) return { k: 'num', v: t.num };
    if (t.side !== undefined) return { k: 'ref', side: t.side, path: t.path ?? '' };
    throw new FailIfError(`column ${t.at + 1}: expected a number, A.metric or B.metric, not ${t.op}`);
  };
  const l = sum();
  if (!isOp(...CMP)) throw new FailIfError(`${where()}: expected a comparison (<, <=, >, >=, ==, !=)`);
  const op = toks[i++]?.op ?? '';
  const r = sum();
  if (i < toks.length) throw new FailIfError(`${where()}: unexpected ${toks[i]?.op ?? 'operand'} after the comparison`);
  const refs: { side: 'A' | 'B'; path: string }[] = [];
  const walk = (n: Node): void => {
    if (n.k === 'ref') refs.push({ side: n.side, path: n.path });
    else if (n.k === 'neg') walk(n.e);
    else if (n.k === 'bin') (walk(n.l), walk(n.r));
  };
  walk(l);
  walk(r);
  if (refs.length === 0) throw new FailIfError('names no metric: write A.metric or B.metric');
  return { text, op, l, r, refs };
}

function value(n: Node, at: (side: 'A' | 'B', path: string) => number): number {
  switch (n.k) {
    case 'num':
      return n.v;
    case 'ref':
      return at(n.side, n.path);
    case 'neg':
      return -value(n.e, at);
    case 'bin': {
      const l = value(n.l, at);
      const r = value(n.r, at);
      return n.op === '+' ? l + r : n.op === '-' ? l - r : n.op === '*' ? l * r : l / r;
    }
  }
}

/** Whether the condition holds, and both sides' values; `at` gives a side's value of a metric. */
export function evaluateFailIf(f: FailIf, at: (side: 'A' | 'B', path: string) => number): { held: boolean; left: number; right: number } {
  const left = value(f.l, at);
  const right = value(f.r, at);
  const held = f.op === '<' ? left < right : f.op === '<=' ? left <= right : f.op === '>' ? left > right : f.op === '>=' ? left >= right : f.op === '==' ? left === right : left !== right;
  return { held, left, right };
}
