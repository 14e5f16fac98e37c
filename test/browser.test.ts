// The report page in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
// it loads with no console error, every chart is visible, moving the replay's scrubber changes the
// diagram, and a screenshot is not blank.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';
import { runScenario } from '../src/model/stack.js';
import { writeReport } from '../src/report/write.js';
import { parseScenario } from '../src/scenario/load.js';
import { scenarioAsRunYaml } from '../src/scenario/user-yaml.js';

// A failover to watch: app2 dies at 40 ms, the master director at 60 ms.
const SCENARIO = `name: browser-small
tickets: { inventory: 300, script: fixed }
users:
  load: { open: { users: 2000, rate: 10k/s } }
  timeout: 1s
lvs: { directors: 2, mode: active_backup }
nginx: { instances: 2 }
app: { service_time: { const: 100us } }
faults:
  - { at: 40ms, kill: app2 }
  - { at: 60ms, kill: lvs1 }
`;

/** How many distinct byte values a PNG's pixel data holds: a blank image has a handful. */
function distinctPixelBytes(png: Buffer): number {
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  return new Set(inflateSync(Buffer.concat(idat))).size;
}

let browser: Browser;
let url: string;

beforeAll(async () => {
  const s = parseScenario(SCENARIO, 'browser-small.yaml');
  const { report } = runScenario(s);
  report.scenario_yaml = scenarioAsRunYaml(s);
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'sim-browser-')), 'report');
  await writeReport(dir, report, {});
  url = pathToFileURL(path.join(dir, 'index.html')).href;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 30_000);

afterAll(async () => {
  await browser?.close();
});

test('the report page: no console error, every chart visible, the scrubber moves the diagram, not blank', async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url);

  const charts = page.locator('figure svg');
  expect(await charts.count()).toBe(7); // sold, throughput, servers, load, latency, latency CDF, network
  for (const chart of await charts.all()) {
    await chart.scrollIntoViewIfNeeded();
    expect(await chart.isVisible()).toBe(true);
    const box = await chart.boundingBox();
    expect(box !== null && box.width > 300 && box.height > 100).toBe(true);
  }

  const node = (name: string) => page.locator(`#rp-diagram .rp-node[data-node="${name}"]`);
  const diagram = () => page.locator('#rp-diagram').innerHTML();
  expect(await page.locator('#rp-clock').textContent()).toBe('t = 0.00 ms');
  expect(await node('app2').getAttribute('class')).toBe('rp-node');
  expect(await node('lvs1').getAttribute('class')).toBe('rp-node vip');
  const at0 = await diagram();
  await page.locator('#rp-t').fill('70');
  expect(await page.locator('#rp-clock').textContent()).toBe('t = 70 ms');
  expect(await diagram()).not.toBe(at0);
  expect(await node('app2').getAttribute('class')).toBe('rp-node down');
  expect(await node('lvs1').getAttribute('class')).toBe('rp-node down');
  expect(await node('app2').locator('.rp-stat').textContent()).toBe('down');
  expect(await page.locator('#rp-faults li.now').textContent()).toMatch(/^60 ms: kill lvs1/);
  expect(await page.locator('#rp-sold').textContent()).toMatch(/^sold [\d,]+ \/ 300$/);

  // play runs the clock forward
  await page.locator('#rp-t').fill('0');
  await page.locator('#rp-play').click();
  await page.waitForFunction("document.getElementById('rp-clock').textContent !== 't = 0.00 ms'");
  await page.locator('#rp-play').click();
  expect(await page.locator('#rp-play').textContent()).toBe('\u25b6 play');

  const shot = await page.locator('#replay').screenshot();
  expect(distinctPixelBytes(shot)).toBeGreaterThan(40);
  // the same measure of a blank stretch of the page: a handful
  await page.evaluate("document.body.innerHTML = '<div id=blank style=\\'height:300px\\'></div>'");
  expect(distinctPixelBytes(await page.locator('#blank').screenshot())).toBeLessThan(8);
  expect(problems).toEqual([]);
  await page.close();
}, 30_000);
