// The charts drawn in the chart thread (what `sim run` does) are the same bytes as renderCharts()
// draws in process, for scenarios with and without a routed network in front.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type * as ChartThreadModule from '../src/report/chart-thread.js';
import { chartsInDocument } from '../src/report/chart-frame.js';
import { renderCharts } from '../src/report/charts.js';
import { indexHtml } from '../src/report/html.js';
import type { ReportInput } from '../src/metrics/report-input.js';
import { runScenario } from '../src/model/stack.js';
import { loadScenario } from '../src/scenario/load.js';
import { scenarioAsRunYaml } from '../src/scenario/user-yaml.js';
import { scratch, sim } from './support/sim-cli.js';

// the worker file exists only in the build (npm test builds first)
const DIST_THREAD = path.resolve('dist/report/chart-thread.js');
const NAMES = ['source-ab', 'router-crash'] as const;
const SMALLER: Record<string, string[]> = { 'router-crash': ['users.load.open.users=20000'] }; // its routers, fewer users
const inputs = new Map<string, ReportInput>();
const inProcess = new Map<string, Record<string, string>>();

function need<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('beforeAll did not run');
  return v;
}

beforeAll(async () => {
  for (const name of NAMES) {
    const scenario = loadScenario(`scenarios/${name}.yaml`, { set: SMALLER[name] ?? [] });
    const input = runScenario(scenario).report;
    input.scenario_yaml = scenarioAsRunYaml(scenario); // as sim run gives it, for the page's "Scenario as run"
    inputs.set(name, input);
    inProcess.set(name, await renderCharts(input));
  }
});

describe('one jsdom document for every chart', () => {
  test('reports drawn one after another keep their own bytes, and leave no chart behind', async () => {
    // beforeAll drew source-ab, then router-crash: draw them again the other way round
    for (const name of [...NAMES].reverse()) {
      const again = await renderCharts(need(inputs.get(name)));
      expect(again).toEqual(need(inProcess.get(name)));
      expect(chartsInDocument()).toBe(0);
    }
  });
});

describe('charts in the chart thread', () => {
  test('every SVG equals the in-process rendering, report after report', async () => {
    const mod: typeof ChartThreadModule = await import(DIST_THREAD);
    const thread = mod.startChartThread();
    try {
      for (const name of [...NAMES, ...NAMES]) {
        const here = need(inProcess.get(name));
        const there = await thread.render(need(inputs.get(name)));
        expect(Object.keys(here).length).toBe(name === 'router-crash' ? 7 : 6); // network.svg with routers
        expect(Object.keys(there)).toEqual(Object.keys(here));
        for (const file of Object.keys(here)) expect([name, file, there[file]]).toEqual([name, file, here[file]]);
      }
    } finally {
      await thread.close();
    }
  });

  test('sim run writes the in-process SVGs, and the same index.html', () => {
    const { dir } = scratch('chart-thread-');
    const out = path.join(dir, 'r');
    expect(sim('run', 'scenarios/source-ab.yaml', '--quiet', '--out', out).code).toBe(0);
    const here = need(inProcess.get('source-ab'));
    for (const [file, svg] of Object.entries(here)) expect([file, readFileSync(path.join(out, file), 'utf8')]).toEqual([file, svg]);
    expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toBe(indexHtml(need(inputs.get('source-ab')), Object.keys(here), here));
  });
});
