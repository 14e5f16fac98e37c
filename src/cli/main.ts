#!/usr/bin/env node
// `sim`: the command-line front of ticketsim; its commands and flags are a public interface.
// Commands live in their own files; this one wires them into yargs and turns known input errors
// into exit code 2 without a trace.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { checkCommand } from './check.js';
import { explainCommand } from './explain.js';
import { exploreCommand } from './explore.js';
import { reportInputError, reportInternalError } from './input-errors.js';
import { mergeCommand } from './merge.js';
import { optimizeCommand } from './optimize.js';
import { runCommand } from './run.js';
import { schemaCommand } from './schema.js';
import { sweepCommand } from './sweep.js';
import { validateCommand } from './validate.js';

// in the order `sim --help` lists them
const COMMANDS: readonly { command?: string | readonly string[] }[] = [
  runCommand,
  validateCommand,
  explainCommand,
  checkCommand,
  exploreCommand,
  sweepCommand,
  mergeCommand,
  optimizeCommand,
  schemaCommand,
];

/** "run, validate, ... or explore": every command's name, for the message of a bare `sim`. */
function commandNames(): string {
  const names = COMMANDS.map((c) => String(c.command).split(' ')[0]);
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('sim')
    .usage('$0 <command> [options]\n\nDeterministic simulator of the 12306-style ticket seckill stack.')
    .command(runCommand)
    .command(validateCommand)
    .command(explainCommand)
    .command(checkCommand)
    .command(exploreCommand)
    .command(sweepCommand)
    .command(mergeCommand)
    .command(optimizeCommand)
    .command(schemaCommand)
    .demandCommand(1, `Name a command: ${commandNames()} (see --help).`)
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    .fail((msg, err) => {
      if (err && err.name !== 'YError') throw err; // yargs' own usage errors come with one
      process.stderr.write(`sim: ${msg}\nRun 'sim --help' for usage.\n`);
      process.exit(2);
    })
    .parseAsync();
}

main().catch((err: unknown) => {
  if (reportInputError(err)) process.exit(2);
  reportInternalError(err);
  process.exit(70);
});
