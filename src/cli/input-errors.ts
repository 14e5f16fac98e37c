// Turns every kind of bad input into one line on stderr (exit code 2 is the caller's job).
import { UnknownExpectPath } from '../metrics/expect.js';
import { ScriptError } from '../model/redis/lua/errors.js';
import { ScenarioError } from '../scenario/load.js';
import { UsageError } from './errors.js';
import { currentScenarioFile } from './current-file.js';
import { shellQuote } from './quote.js';

export { setCurrentScenarioFile } from './current-file.js';

/** Prints a known input error and returns true; returns false for anything else. */
export function reportInputError(err: unknown): boolean {
  let msg: string | null = null;
  if (err instanceof ScenarioError || err instanceof UsageError) msg = err.message;
  else if (err instanceof UnknownExpectPath) {
    const e = err.expectation;
    msg = `${currentScenarioFile()}:${e.line}: expect.${e.path}: unknown summary.json path, or not a number`;
  } else if (err instanceof ScriptError) msg = `${currentScenarioFile()}: tickets.script: ${err.message}`;
  if (msg === null) return false;
  process.stderr.write(`sim: ${msg}\n`);
  return true;
}

/**
 * Anything else is a bug in sim: one line asking for a report, with the command that replays it.
 * SIM_DEBUG=1 adds the stack trace.
 */
export function reportInternalError(err: unknown, argv: readonly string[] = process.argv.slice(2)): void {
  const first = (err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err)).split('\n')[0];
  const replay = ['sim', ...argv].map(shellQuote).join(' ');
  process.stderr.write(`sim: internal error, please report: ${first}\n  replay: ${replay}\n`);
  if (process.env.SIM_DEBUG === '1' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}
