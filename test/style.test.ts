import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Longest function body the style guide allows, in source lines. */
const MAX_FUNCTION_LINES = 80;
const ROOTS = ['src', 'tools'];

/** Every .ts and .mjs file under `dir` (tools/ holds plain .mjs scripts), sorted so failure listings are stable. */
function tsFilesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...tsFilesUnder(full));
    else if (entry.isFile() && /\.(ts|mjs)$/.test(entry.name)) files.push(full);
  }
  return files.sort();
}

function parse(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

type FunctionNode =
  | ts.FunctionDeclaration
  | ts.MethodDeclaration
  | ts.ConstructorDeclaration
  | ts.GetAccessorDeclaration
  | ts.SetAccessorDeclaration
  | ts.FunctionExpression
  | ts.ArrowFunction;

function isFunctionNode(node: ts.Node): node is FunctionNode {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node)
  );
}

/** A readable name: the declared one, else the variable or property an expression is bound to. */
function functionName(node: FunctionNode, sf: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(node)) {
    const cls = node.parent;
    return `${cls.name?.text ?? '<class>'}.constructor`;
  }
  if (node.name !== undefined) return node.name.getText(sf);
  const parent = node.parent;
  if (
    (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) &&
    parent.name !== undefined
  ) {
    return parent.name.getText(sf);
  }
  return ts.isArrowFunction(node) ? '<arrow>' : '<function>';
}

/** `file:line name length` for each function whose body spans more than `maxLines` lines. */
function longFunctions(file: string, text: string, maxLines = MAX_FUNCTION_LINES): string[] {
  const sf = parse(file, text);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (isFunctionNode(node) && node.body !== undefined) {
      const first = sf.getLineAndCharacterOfPosition(node.body.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(node.body.getEnd()).line;
      const lines = last - first + 1;
      if (lines > maxLines) {
        const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
        found.push(`${file}:${line} ${functionName(node, sf)} ${lines}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Comments pointing at design-document sections or issue numbers rather than stating the rule. */
const FORBIDDEN_REFERENCE = /DESIGN\s*§|\bissues?\s*#\d+|\(#\d+\)/i;

/** `file:line comment` for each comment that cites "DESIGN §n" or an issue number. */
function commentReferences(file: string, text: string): string[] {
  const sf = parse(file, text);
  const lines = text.split('\n');
  const found: string[] = [];
  const seen = new Set<number>();
  const check = (ranges: ts.CommentRange[] | undefined): void => {
    for (const range of ranges ?? []) {
      if (seen.has(range.pos)) continue;
      seen.add(range.pos);
      const comment = text.slice(range.pos, range.end);
      const match = FORBIDDEN_REFERENCE.exec(comment);
      if (match === null) continue;
      // report the line of a block comment that holds the reference, not where the block starts
      const at = range.pos + match.index;
      const { line } = sf.getLineAndCharacterOfPosition(at);
      found.push(`${file}:${line + 1} ${(lines[line] ?? '').trim()}`);
    }
  };
  // Leading and trailing comments of every token cover every comment in the file,
  // including those before end of file.
  const visit = (node: ts.Node): void => {
    check(ts.getLeadingCommentRanges(text, node.getFullStart()));
    check(ts.getTrailingCommentRanges(text, node.getEnd()));
    node.getChildren(sf).forEach(visit);
  };
  visit(sf);
  return found;
}

const files = ROOTS.flatMap(tsFilesUnder);

describe('style', () => {
  test(`no function body spans more than ${MAX_FUNCTION_LINES} lines`, () => {
    const long = files.flatMap((f) => longFunctions(f, readFileSync(f, 'utf8')));
    expect(long).toEqual([]);
  });

  test('the length check reports a long function', () => {
    const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `  x += ${i};`).join('\n');
    const text = `function big(): number {\n  let x = 0;\n${body}\n  return x;\n}\nconst ok = (): number => 1;\n`;
    expect(longFunctions('t.ts', text)).toEqual([`t.ts:1 big ${MAX_FUNCTION_LINES + 4}`]);
  });

  test('the comment check reports design-section and issue references', () => {
    const text = [
      '// see DESIGN §4 for why',
      'const a = 1; // fixes issue #12',
      '/**',
      ' * Matches the old rule (#7).',
      ' */',
      'const b = 2; // plain comment about #hash and section 4',
      "const c = 'DESIGN §1 in a string is not a comment';",
    ].join('\n');
    expect(commentReferences('t.ts', text)).toEqual([
      't.ts:1 // see DESIGN §4 for why',
      't.ts:2 const a = 1; // fixes issue #12',
      't.ts:4 * Matches the old rule (#7).',
    ]);
  });

  test('no comment cites a design-document section or an issue number', () => {
    const refs = files.flatMap((f) => commentReferences(f, readFileSync(f, 'utf8')));
    expect(refs).toEqual([]);
  });
});
