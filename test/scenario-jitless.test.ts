// A scenario is parsed once per process, so zod's JIT (each object schema compiled into a
// function on its first parse, ~10 ms of `sim validate`'s CPU) never pays back: the scenario's
// parse runs jitless. Checked by counting the functions compiled from text while it runs.
import { readFileSync } from 'node:fs';
import { parseScenario } from '../src/scenario/load.js';

const RealFunction = globalThis.Function;

describe('parseScenario', () => {
  afterEach(() => {
    globalThis.Function = RealFunction;
  });

  test.each(['million-users', 'source-ab'])('compiles no function from text while it parses %s', (name) => {
    const file = `scenarios/${name}.yaml`;
    const text = readFileSync(file, 'utf8');
    const compiled: string[] = [];
    globalThis.Function = new Proxy(RealFunction, {
      construct(target, args: string[]) {
        compiled.push(args.join(',').slice(0, 60));
        return Reflect.construct(target, args);
      },
      apply(target, self, args: string[]) {
        compiled.push(args.join(',').slice(0, 60));
        return Reflect.apply(target, self, args);
      },
    });
    const s = parseScenario(text, file);
    globalThis.Function = RealFunction;
    expect(s.name).toBe(name);
    expect(compiled).toEqual([]);
  });
});
