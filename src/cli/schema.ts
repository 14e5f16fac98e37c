// `sim schema`: prints the scenario's JSON Schema, for editors.
import type { CommandModule } from 'yargs';
import { scenarioJsonSchema } from '../scenario/json-schema.js';

export const schemaCommand: CommandModule<object, object> = {
  command: 'schema',
  describe: "Print the scenario's JSON Schema (for editors: # yaml-language-server: $schema=FILE)",
  builder: (y) => y,
  handler: () => {
    process.stdout.write(JSON.stringify(scenarioJsonSchema(), null, 2) + '\n');
  },
};
