// The shebang line a script may start with ("#!lua flags=no-writes"), parsed as
// evalExtractShebangFlags in src/eval.c does.

import { ScriptError } from './errors.js';

export interface Shebang {
  /** Where the Lua body starts: 0, or the newline that ends the shebang line. */
  bodyOffset: number;
  /** flags=no-writes: write commands fail inside the script. */
  noWrites: boolean;
}

const SHEBANG_FLAGS = new Set(['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys']);

/** eval.c evalExtractShebangFlags. Only no-writes changes behaviour in the model. */
export function parseShebang(source: string): Shebang {
  if (!source.startsWith('#!')) return { bodyOffset: 0, noWrites: false };
  const end = source.indexOf('\n');
  if (end < 0) throw new ScriptError('Invalid script shebang');
  const parts = source.slice(0, end).split(/[ \t\r\v\f]+/).filter((p) => p !== '');
  if (parts[0] !== '#!lua') throw new ScriptError(`Unexpected engine in script shebang: ${parts[0] ?? ''}`);
  let noWrites = false;
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) throw new ScriptError(`Unknown lua shebang option: ${part}`);
    // sdssplitlen of an empty list gives no flags: "flags=" alone is accepted
    const list = part.slice(6);
    for (const flag of list === '' ? [] : list.split(',')) {
      if (!SHEBANG_FLAGS.has(flag)) throw new ScriptError(`Unexpected flag in script shebang: ${flag}`);
      if (flag === 'no-writes') noWrites = true;
    }
  }
  // The newline stays, so line numbers in errors match the user's file.
  return { bodyOffset: end, noWrites };
}
