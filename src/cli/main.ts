#!/usr/bin/env node
// `sim`: the command-line front of ticketsim; its commands and flags are a public interface.
// Commands live in their own files (listed in commands.ts, imported only when run); this one wires
// them into yargs and turns known input errors into exit code 2 without a trace.
import './young-generation.js'; // first: before any other module allocates
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { COMMANDS } from './commands.js';

/** "run, validate, ... or explore": every command's name, for the message of a bare `sim`. */
function commandNames(): string {
  const names = COMMANDS.map((c) => c.command.split(' ')[0]);
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

async function main(): Promise<void> {
  const y = yargs(hideBin(process.argv))
    .scriptName('sim')
    .usage('$0 <command> [options]\n\nDeterministic simulator of the 12306-style ticket seckill stack.');
  for (const c of COMMANDS) c.register(y);
  await y
    .demandCommand(1, `Name a command: ${commandNames()} (see --help).`)
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    .fail((msg, err) => {
      if (err && err.name !== 'YError') throw err; // yargs' own usage errors come with one
      usageError(msg);
    })
    .parseAsync();
}

function usageError(msg: string): never {
  process.stderr.write(`sim: ${msg}\nRun 'sim --help' for usage.\n`);
  process.exit(2);
}

main().catch(async (err: unknown) => {
  // a usage error found while a command's (asynchronous) builder runs comes here, not to fail()
  if (err instanceof Error && err.name === 'YError') usageError(err.message);
  // imported here: it knows every error class, and with them the scenario loader and Lua
  const { reportInputError, reportInternalError } = await import('./input-errors.js');
  if (reportInputError(err)) process.exit(2);
  reportInternalError(err);
  process.exit(70);
});
