// `sim validate FILE`: checks a scenario and prints it resolved, with every default filled in, in the
// keys and units a user writes: `sim run` accepts the printed text as it is.
import type { CommandModule } from 'yargs';
import { checkExpectPaths } from '../model/summary-skeleton.js';
import { loadScenario } from '../scenario/load.js';
import { scenarioToUserYaml } from '../scenario/user-yaml.js';
import { setCurrentScenarioFile } from './current-file.js';

type ValidateArgs = { file: string; seed?: number; set?: string[] };

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate <file>',
  describe: 'Check a scenario and print the resolved, defaulted scenario (a scenario sim run accepts)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'scenario YAML file' })
      .option('seed', { type: 'number', requiresArg: true, describe: "override the scenario's seed" })
      .option('set', { type: 'string', array: true, describe: 'override a key: --set nginx.workers=2' }),
  handler: (args) => {
    setCurrentScenarioFile(args.file);
    const s = loadScenario(args.file, { seed: args.seed, set: args.set });
    checkExpectPaths(s); // expect paths that no run could check
    const header = [`Scenario "${s.name}"${s.file ? ` from ${s.file}` : ''}, resolved: every default filled in.`];
    if (s.tickets.script.kind === 'file') header.push('tickets.script is relative to the scenario file.');
    process.stdout.write(scenarioToUserYaml(s, header));
  },
};
