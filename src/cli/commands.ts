// Every `sim` command, as `sim --help` lists them. A command's module is imported only when that
// command is named, so `sim run` never loads check's, sweep's or explain's code, nor piscina.
// To add a command: one line below, with the same command and describe as its module's
// (test/cli-lazy.test.ts checks that they agree).
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';

export type LazyCommand = {
  command: string;
  describe: string;
  /** The command's module, imported on demand. */
  load: () => Promise<{ command?: unknown; describe?: unknown }>;
  /** Adds the command to `y`; its builder imports the module when yargs calls it. */
  register: (y: Argv) => Argv;
};

function lazy<U>(command: string, describe: string, load: () => Promise<CommandModule<object, U>>): LazyCommand {
  let loaded: CommandModule<object, U> | undefined;
  const mod: CommandModule<object, U> = {
    command,
    describe,
    // yargs calls (and awaits) the builder only for the command being run or asked --help of
    builder: async (y: Argv) => {
      loaded = await load();
      const b = loaded.builder;
      // every command here builds its options in a function (an object builder would need its own wrapper)
      if (typeof b !== 'function') throw new Error(`${command}: the command's builder is not a function`);
      return b(y);
    },
    handler: (args: ArgumentsCamelCase<U>) => loaded?.handler(args),
  };
  return { command, describe, load, register: (y) => y.command(mod) };
}

export const COMMANDS: readonly LazyCommand[] = [
  lazy('run <file>', 'Run one scenario and write its report (summary.json, CSVs, SVG charts, index.html)', async () => (await import('./run.js')).runCommand),
  lazy('validate <file>', 'Check a scenario and print the resolved, defaulted scenario (a scenario sim run accepts)', async () => (await import('./validate.js')).validateCommand),
  lazy('explain <algorithm>', "show a component's algorithm on a small input, step by step", async () => (await import('./explain.js')).explainCommand),
  lazy('check <files..>', 'Run scenarios and hold each to its expect: block and the invariants (exit 0 all hold, 1 broken, 2 bad input)', async () => (await import('./check.js')).checkCommand),
  lazy('explore <file>', 'Swarm testing: per seed, random fault kinds, rates and schedule; report and shrink the seeds that break (exit 0 none, 1 some, 2 bad input)', async () => (await import('./explore.js')).exploreCommand),
  lazy('sweep <file>', 'Parameter study: configurations x replications (common random numbers) on all cores or a queue, with Student-t intervals (exit 0, 1 some run failed, 2 bad input)', async () => (await import('./sweep.js')).sweepCommand),
  lazy('merge <dirs..>', 'Combine the shards of a study (sim sweep --shard I/N) into one: sweep.csv, sweep.json, charts, index.html (exit 0, 1 some run failed, 2 bad input)', async () => (await import('./merge.js')).mergeCommand),
  lazy('worker', 'Run the jobs of `sim sweep --queue` from a BullMQ queue until stopped (exit 0 on SIGINT/SIGTERM, 2 bad input)', async () => (await import('./worker.js')).workerCommand),
  lazy('compare <a> <b>', 'Compare two scenarios (run on common random numbers) or two report/sweep directories: paired differences with intervals and a verdict (exit 0, 1 --fail-if held, 2 bad input)', async () => (await import('./compare.js')).compareCommand),
  lazy('optimize <file>', 'The best value of a parameter for which every --subject holds at the given confidence (exit 0, 1 no value meets them, 2 bad input)', async () => (await import('./optimize.js')).optimizeCommand),
  lazy('schema', "Print the scenario's JSON Schema (for editors: # yaml-language-server: $schema=FILE)", async () => (await import('./schema.js')).schemaCommand),
  lazy('chart <dir>', "Redraw a report's figures and index.html from its summary.json and CSVs", async () => (await import('./chart.js')).chartCommand),
];
