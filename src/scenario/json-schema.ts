// The scenario's JSON Schema, for editors (`sim schema`; yaml-language-server reads it from the
// `# yaml-language-server: $schema=...` line of a scenario). Generated from the zod schema, with the
// type, range and units of the keys whose checks are code (./schema.ts jsonHints), the defaults, and
// the documented upper bounds of ./bounds.ts. It describes the input: what a user may write.
import * as z from 'zod';
import { jsonHints, scenarioSchema } from './schema.js';

const TOP_DOCS: Record<string, string> = {
  name: 'names the report directory; default: the file name without extension',
  description: 'free text shown in the report',
  seed: 'the seed of every random stream; --seed overrides it',
  tickets: 'the inventory in Redis and the Lua script that sells it',
  users: 'the load: open (users arriving at a rate) or closed (like ab -n -c), timeouts and re-clicks',
  network: 'latency in front of nginx; optionally routers, links, OSPF, BFD and ECMP',
  lvs: 'LVS directors with keepalived (VRRP, health checks) in front of nginx',
  nginx: 'instances, workers and the upstream block (servers, weights, max_fails, next_upstream)',
  app: 'the app servers: local stock, the local check, service time, Redis timeouts',
  redis: 'latency, service time and persistence (appendonly, appendfsync, save)',
  faults: 'faults applied in order: { at: 2s, kill: app3 }, ..., or random ones { random: kill, nodes, mtbf, mttr }',
  expect: 'summary.json paths held to numbers or to strings like ">= 9990", "between 0.39 and 0.41"; over sim check --replications also "== 0 in every run", "mean < 200 at 95%"',
  report: 'report options: the time-series bin width',
};

/** The JSON Schema (draft 2020-12) of a scenario file. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const js: Record<string, unknown> = z.toJSONSchema(scenarioSchema, {
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      const hint = jsonHints.get(ctx.zodSchema);
      if (hint) Object.assign(ctx.jsonSchema, hint);
      const def = ctx.zodSchema._zod.def;
      if (def.type === 'default' && ctx.jsonSchema.default === undefined) ctx.jsonSchema.default = (def as { defaultValue: unknown }).defaultValue;
    },
  });
  const props = js.properties;
  if (props !== null && typeof props === 'object') {
    for (const [key, doc] of Object.entries(TOP_DOCS)) {
      const p: unknown = (props as Record<string, unknown>)[key];
      if (p !== null && typeof p === 'object') Object.assign(p, { description: doc });
    }
  }
  return {
    $schema: js.$schema,
    title: 'ticketsim scenario',
    description: 'A scenario for sim run / check / explore. Unknown keys are errors; every key has a default.',
    ...js,
  };
}
