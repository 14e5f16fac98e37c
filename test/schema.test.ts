// `sim schema`: the JSON Schema that editors read. Every shipped scenario names it and validates
// against it, and the checked-in copy is what the command prints.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { scenarioJsonSchema } from '../src/scenario/json-schema.js';
import { validate } from './support/json-schema-lite.js';
import { sim } from './support/sim-cli.js';

const schema = scenarioJsonSchema();
const SHIPPED = readdirSync('scenarios').filter((f) => f.endsWith('.yaml'));
const MODELINE = '# yaml-language-server: $schema=../schema/scenario.schema.json';

describe('sim schema', () => {
  test('prints the checked-in schema/scenario.schema.json', () => {
    const r = sim('schema');
    expect(r.code).toBe(0);
    expect(r.out).toBe(readFileSync('schema/scenario.schema.json', 'utf8'));
    expect(JSON.parse(r.out)).toEqual(schema);
  });

  test.each(SHIPPED)('%s names the schema on its first line and validates against it', (f) => {
    const text = readFileSync(path.join('scenarios', f), 'utf8');
    expect(text.split('\n')[0]).toBe(MODELINE);
    expect(validate(schema, parseYaml(text))).toBeNull();
  });

  test('keys carry their defaults, bounds and units', () => {
    const nginx = (schema.properties as Record<string, { properties: Record<string, unknown> }>).nginx?.properties ?? {};
    expect(nginx.workers).toEqual({ type: 'integer', minimum: 1, maximum: 1024, default: 1 });
    expect(nginx.proxy_read_timeout).toMatchObject({ type: ['string', 'number'], default: '60s' });
  });

  test('the validator refuses what the schema forbids', () => {
    expect(validate(schema, { nginx: { wokers: 2 } })).toBe('$.nginx.wokers: unknown key');
    expect(validate(schema, { nginx: { workers: 2000 } })).toBe('$.nginx.workers: above 1024');
    expect(validate(schema, { users: { timeout: '30 parsecs' } })).toMatch(/^\$\.users\.timeout: does not match/);
    expect(validate(schema, { redis: { appendfsync: 'sometimes' } })).toBe('$.redis.appendfsync: not one of ["always","everysec","no"]');
  });
});
