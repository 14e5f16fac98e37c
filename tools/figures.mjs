// `npm run figures`: regenerates the README's figures in docs/figures/ from the shipped scenarios, so
// that they never go stale. Runs the built `sim` (the npm script builds first); the replay picture
// is a screenshot of the report page in headless Chromium (/usr/bin/chromium, or CHROMIUM=path).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const OUT = 'docs/figures';

// Which report each figure comes from; the README links each one.
const FIGURES = [
  { scenario: 'million-users', files: ['sold.svg', 'throughput.svg', 'load.svg', 'servers.svg', 'latency-cdf.svg'] },
  // the VIP failover, with lvs1 down and lvs2 not yet master, as the replay shows it at 4 s
  { scenario: 'director-failover', files: ['network.svg'], replayAt_ms: 4000 },
];

async function replayShot(report, at_ms, file) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(path.resolve(report, 'index.html')).href);
    await page.locator('#rp-t').fill(String(at_ms));
    await page.locator('#replay').screenshot({ path: file });
  } finally {
    await browser.close();
  }
}

mkdirSync(OUT, { recursive: true });
for (const f of FIGURES) {
  const report = path.join('reports', f.scenario);
  execFileSync(process.execPath, ['dist/cli/main.js', 'run', `scenarios/${f.scenario}.yaml`, '--out', report, '--quiet'], { stdio: 'inherit' });
  for (const name of f.files) {
    copyFileSync(path.join(report, name), path.join(OUT, name));
    process.stdout.write(`${path.join(OUT, name)} <- ${path.join(report, name)}\n`);
  }
  if (f.replayAt_ms !== undefined) {
    const shot = path.join(OUT, 'replay.png');
    await replayShot(report, f.replayAt_ms, shot);
    process.stdout.write(`${shot} <- ${path.join(report, 'index.html')} (replay at ${f.replayAt_ms} ms)\n`);
  }
}
