import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/report/atomic.js';
import { renderCharts } from '../src/report/charts.js';
import { serversCsv, timeseriesCsv } from '../src/report/csv.js';
import { indexHtml } from '../src/report/html.js';
import type { LatencyBucket, ReportInput, ServerRow, TimeseriesRow } from '../src/metrics/report-input.js';
import { writeReport } from '../src/report/write.js';
import type { AppServerSummary, Summary } from '../src/metrics/summary.js';

// ---------------------------------------------------------------- fixture

type FixtureOptions = {
  name?: string;
  oversold?: number;
  faults?: Summary['faults'];
};

/**
 * A plausible million-users run: 10k tickets, four app servers weighted 1:2:3:4, app4 killed at
 * 1.2 s and recovered at 3 s, sold out at ~2.6 s. Built by formula, so it is the same every time.
 */
function fixture(opts: FixtureOptions = {}): ReportInput {
  const inventory = 10_000;
  const oversold = opts.oversold ?? 1;
  const sold = inventory + oversold;
  const binMs = 100;
  const bins = 60;
  const sellOutBin = 26;
  const faults = opts.faults ?? [
    { at_ms: 1200, action: 'kill', target: 'app4', detail: 'process killed; local stock 4800 stranded' },
    { at_ms: 3000, action: 'recover', target: 'app4', detail: '' },
  ];

  const timeseries: TimeseriesRow[] = [];
  let soldTotal = 0;
  for (let i = 0; i < bins; i++) {
    const t = i * binMs;
    const arrivals = i < 50 ? 20_000 : 0;
    const served = i < 52 ? Math.min(19_000, 4_000 + i * 900) : 0;
    const okN = i < sellOutBin ? Math.ceil(sold / sellOutBin) : 0;
    const take = Math.min(okN, sold - soldTotal);
    soldTotal += take;
    const killed = t >= 1200 && t < 3000;
    const errors = killed ? 900 + (i % 3) * 40 : i % 7 === 0 ? 12 : 0;
    const timeouts = killed && i < 16 ? 300 : 0;
    timeseries.push({
      t_ms: t,
      arrivals,
      ok: take,
      sold_out: Math.max(0, served - take - errors - timeouts),
      errors,
      timeouts,
      sold_total: soldTotal,
      latency_mean_ms: served > 0 ? 0.8 + (i % 10) * 0.13 : 0,
      timeouts_by_send: timeouts,
      errors_by_send: errors,
    });
  }

  const weights = [1, 2, 3, 4];
  const totalReq = 1_000_000;
  const shares = [0.1, 0.2, 0.3, 0.4].map((s, i) => (i === 3 ? s - 0.08 : s + 0.08 / 3));
  const servers: ServerRow[] = weights.map((w, i) => ({
    tier: 'app',
    node: `app${i + 1}`,
    requests: Math.round(totalReq * shares[i]),
    weight: w,
    share: shares[i],
    expected_share: w / 10,
    local_stock: 1200 * w,
    local_sold: i === 3 ? 1800 : 1200 * w - 1,
    redis_ok: i === 3 ? 1800 : Math.round((sold - 1800) * (w / 6)),
    sold_out: Math.round(totalReq * shares[i]) - 1000 * w,
    lost: i === 3 ? 4200 : 0,
    utilization: 0.35 + 0.1 * i,
  }));
  servers.push({
    tier: 'redis',
    node: 'redis',
    requests: 20_000,
    weight: 1,
    share: 1,
    expected_share: 1,
    local_stock: 0,
    local_sold: 0,
    redis_ok: sold,
    sold_out: 0,
    lost: 0,
    utilization: 0.02,
  });

  const latency = hdrBuckets((ms) => 980_000 * logNormal(ms, 1.5, 0.55) + 20_000 * logNormal(ms, 40, 0.25));

  const app: Record<string, AppServerSummary> = {};
  for (const r of servers.filter((s) => s.tier === 'app')) {
    app[r.node] = {
      requests: r.requests,
      weight: r.weight,
      share: r.share,
      expected_share: r.expected_share,
      local_stock: r.local_stock,
      local_sold: r.local_sold,
      redis_ok: r.redis_ok,
      redis_refused: 0,
      redis_errors: 0,
      sold_out: r.sold_out,
      lost: r.lost,
      burned_local: 0,
      rolled_back: 0,
      utilization: r.utilization,
      alive_at_end: r.node !== 'app4',
    };
  }

  const summary: Summary = {
    scenario: opts.name ?? 'million-users',
    description: 'a fixture',
    seed: 42,
    tickets: {
      inventory,
      sold,
      oversold,
      unsold: Math.max(0, inventory - sold),
      local_stock_total: 12_000,
      stranded_local: 3000,
      orphaned: 0,
      unsold_split: { stranded_local: Math.max(0, inventory - sold), burned_local: 0, never_reached: 0 },
      unsold_why: {
        stranded_local: 3000,
        burned_local: 0,
        lost_local: 3000,
        buffer: 2000,
        check_unsellable: 4,
        usable_buffer: 1996,
        unsold_lost: Math.min(Math.max(0, inventory - sold), 1004),
        never_reached: Math.max(0, inventory - sold - 1004),
        live_local_left: 0,
        sold_out_while_stock: 0,
      },
      burned_local: 0,
      stranded_at_kills: 3000,
    },
    users: {
      total: 1_000_000,
      succeeded: sold,
      sold_out: 960_000,
      failed: 1_000_000 - sold - 960_000,
      failed_timeout: 1_000_000 - sold - 960_000,
      failed_error: 0,
      timeout_ms: 30_000,
      retried: 5000,
      late_answers: 0,
      double_holders: 0,
    },
    requests: { total: 1_005_000, ok: sold, sold_out: 960_000, errors: 30_000, timeouts: 4_999 },
    latency_ms: { p50: 1.6, p90: 3.2, p99: 9.1, p999: 42, max: 180.5, mean: 2.1 },
    latency_all_ms: { p50: 1.6, p90: 3.2, p99: 30_000, p999: 30_000, max: 30_000, mean: 150, count: 1_005_000 },
    latency_ok_ms: { p50: 1.6, p90: 3.2, p99: 9.1, p999: 42, max: 180.5, mean: 2.1, count: 970_001 },
    latency_ko_ms: { p50: 30_000, p90: 30_000, p99: 30_000, p999: 30_000, max: 30_000, mean: 30_000, count: 34_999 },
    throughput: { mean_per_s: 167_500, peak_per_s: 190_000 },
    sell_out_ms: oversold >= 0 ? sellOutBin * binMs : null,
    duration_ms: bins * binMs,
    bin_ms: binMs,
    bottleneck: {
      node: 'redis',
      tier: 'redis',
      saturated: true,
      busy_from_ms: 0,
      busy_to_ms: 500,
      utilization: 0.98,
      service_us: 50,
      capacity_per_s: 20_000,
      throughput_per_s: 19_600,
      queue_mean: 3,
      wait_ms: 0.15,
      sentence: "Bottleneck: redis, 98 % busy from 0 to 500 ms; sales capped at 20k/s (1 server / 50 µs each); 3 waiting on average, 0.2 ms each (Little's law)",
    },
    tiers: {
      app,
      nginx: { nginx1: { requests: 1_000_000, retries: 0, bad_gateway: 30_000, gateway_timeout: 0, per_worker: [1_000_000] } },
      redis: {
        commands: 20_000,
        writes_lost: 0,
        script_ok: sold,
        script_refused: 9_999,
        script_errors: 0,
        script_stopped: 0,
        first_script_error: null,
        first_script_error_count: 0,
        first_script_error_ms: null,
        lost: 0,
        utilization: 0.02,
        max_queue: 17,
        keyspace: { ticket_hash_key: { ticket_total_nums: '10000', ticket_sold_nums: String(sold) } },
      },
    },
    invariants: { no_oversell: oversold === 0, ledger: true, conservation: true },
    expect: {
      'tickets.oversold': { want: '1', value: oversold, held: oversold === 1 },
      'tiers.app.app4.share': { want: 'between 0.39 and 0.41', value: shares[3], held: false },
      'latency_ms.p99': { want: '<= 10', value: null, held: false },
    },
    faults,
    events: 12_345_678,
    fingerprint: '9f3a61c2d07be4a1',
  };
  return { summary, timeseries, bin_ms: binMs, servers, nodes: [], latency };
}

/** Density over log(ms) of a log-normal with the given median and sigma (natural log). */
function logNormal(ms: number, median: number, sigma: number): number {
  const z = Math.log(ms / median) / sigma;
  return Math.exp(-0.5 * z * z) / (sigma * Math.sqrt(2 * Math.PI));
}

/**
 * Buckets shaped like src/metrics/histogram.ts (1 us wide below 64 us, then 32 per power of two),
 * counts from a density over log(ms); empty buckets are left out, as the real histogram does.
 */
function hdrBuckets(densityPerLn: (ms: number) => number): LatencyBucket[] {
  const out: LatencyBucket[] = [];
  const push = (loUs: number, hiUs: number): void => {
    const mid = (Math.max(loUs, 0.5) + hiUs) / 2000;
    const count = Math.round(densityPerLn(mid) * Math.log(hiUs / Math.max(loUs, 0.5)));
    if (count > 0) out.push({ lo_ms: loUs / 1000, hi_ms: hiUs / 1000, count });
  };
  for (let us = 0; us < 64; us++) push(us, us + 1);
  for (let exp = 6; exp < 20; exp++) {
    const step = 2 ** (exp - 5);
    for (let sub = 0; sub < 32; sub++) push((32 + sub) * step, (33 + sub) * step);
  }
  return out;
}

/** The same run with nothing in it: no rows, no servers, no samples, no faults. */
function emptyInput(): ReportInput {
  const base = fixture({ oversold: 0, faults: [] });
  return {
    summary: {
      ...base.summary,
      tickets: { ...base.summary.tickets, sold: 0, unsold: 10_000 },
      latency_ms: { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 },
      throughput: { mean_per_s: 0, peak_per_s: 0 },
      sell_out_ms: null,
      duration_ms: 0,
      tiers: { ...base.summary.tiers, app: {} },
      expect: {},
    },
    timeseries: [],
    bin_ms: 100,
    servers: [],
    nodes: [],
    latency: [],
  };
}

// ---------------------------------------------------------------- helpers

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'ticketsim-report-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function expectCleanSvg(name: string, svg: string): void {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toContain('</svg>');
  expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
  for (const bad of ['NaN', 'undefined', 'Infinity', 'null', '&nbsp;']) {
    if (svg.includes(bad)) throw new Error(`${name} contains ${bad}`);
  }
  // Balanced tags, a cheap stand-in for an XML parser.
  const opens = (svg.match(/<[a-zA-Z]/g) ?? []).length;
  const closes = (svg.match(/<\/[a-zA-Z]/g) ?? []).length + (svg.match(/\/>/g) ?? []).length;
  expect(closes).toBe(opens);
}

const RUN = (n: number): Record<string, unknown> => ({ wall_ms: 1234 + n, host: `host-${n}`, out: `/abs/path/${n}` });

// ---------------------------------------------------------------- tests

describe('writeReport', () => {
  test('writes every file, atomically, with no temp files left', async () => {
    const dir = join(await tempDir(), 'nested', 'report');
    const names = await writeReport(dir, fixture(), RUN(1));
    expect(names).toEqual([
      'summary.json',
      'timeseries.csv',
      'servers.csv',
      'nodes.csv',
      'latency.csv',
      'sold.svg',
      'throughput.svg',
      'servers.svg',
      'load.svg',
      'latency.svg',
      'latency-cdf.svg',
      'index.html',
      'run.json',
    ]);
    const listed = (await readdir(dir)).sort();
    expect(listed).toEqual([...names].sort());
    expect(listed.some((f) => f.endsWith('.tmp'))).toBe(false);
    const summary = await readFile(join(dir, 'summary.json'), 'utf8');
    expect(summary).toBe(JSON.stringify(fixture().summary, null, 2) + '\n');
    expect(JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'))).toEqual(RUN(1));
  });

  test('same input gives byte-identical reports, run.json aside', async () => {
    const a = await tempDir();
    const b = await tempDir();
    const names = await writeReport(a, fixture(), RUN(1));
    await writeReport(b, fixture(), RUN(2));
    for (const n of names) {
      const x = await readFile(join(a, n));
      const y = await readFile(join(b, n));
      if (n === 'run.json') expect(x.equals(y)).toBe(false);
      else expect(x.equals(y)).toBe(true);
    }
    // Nothing machine-specific leaks into the deterministic files.
    for (const n of names.filter((f) => f !== 'run.json')) {
      const text = await readFile(join(a, n), 'utf8');
      expect(text).not.toContain(a);
      expect(text).not.toContain('host-1');
    }
  });

  test('empty input renders without throwing', async () => {
    const dir = await tempDir();
    const names = await writeReport(dir, emptyInput(), {});
    for (const n of names.filter((f) => f.endsWith('.svg'))) expectCleanSvg(n, await readFile(join(dir, n), 'utf8'));
    expect(await readFile(join(dir, 'timeseries.csv'), 'utf8')).toBe(
      't_ms,arrivals,ok,sold_out,errors,timeouts,sold_total,latency_mean_ms,timeouts_by_send,errors_by_send\n',
    );
    expect(await readFile(join(dir, 'servers.csv'), 'utf8')).toBe(
      'tier,node,requests,weight,share,expected_share,local_stock,local_sold,redis_ok,sold_out,lost,utilization\n',
    );
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    expect(html).not.toMatch(/NaN|undefined/);
  });

  test('a full report and an empty one, side by side (REPORT_PREVIEW_DIR keeps them to look at)', async () => {
    const out = process.env.REPORT_PREVIEW_DIR ?? (await tempDir());
    await writeReport(out, fixture(), { note: 'preview' });
    await writeReport(join(out, 'empty'), emptyInput(), { note: 'preview' });
    const files = ['index.html', 'summary.json', 'latency.svg'];
    for (const f of files) {
      expect((await readFile(join(out, f), 'utf8')).length).toBeGreaterThan(0);
      expect((await readFile(join(out, 'empty', f), 'utf8')).length).toBeGreaterThan(0);
    }
    expect(JSON.parse(await readFile(join(out, 'empty', 'summary.json'), 'utf8'))).toEqual(emptyInput().summary);
  });
});

describe('charts', () => {
  test('every series of the throughput and CDF charts has an Okabe-Ito colour (or grey) and a dash of its own', async () => {
    const charts = await renderCharts(fixture());
    const okabeIto = new Set(['#000000', '#e69f00', '#56b4e9', '#009e73', '#f0e442', '#0072b2', '#d55e00', '#cc79a7', '#8c8c8c']);
    for (const name of ['throughput.svg', 'latency-cdf.svg']) {
      const series = [...(charts[name] ?? '').matchAll(/<path d="[^"]*" fill="none" stroke="(#[0-9a-f]{6})"[^>]*?(?: stroke-dasharray="([\d,]+)")?>/g)].map((m) => ({
        color: m[1] ?? '',
        dash: m[2] ?? 'solid',
      }));
      expect(series.length).toBeGreaterThanOrEqual(2);
      for (const s of series) expect(okabeIto).toContain(s.color);
      expect(new Set(series.map((s) => s.dash)).size).toBe(series.length);
      expect(new Set(series.map((s) => s.color)).size).toBe(series.length);
    }
    expect(charts['throughput.svg']).toContain('stroke="#d55e00" stroke-width="2" stroke-linejoin="round" stroke-dasharray="8,3,2,3"'); // errors
  });

  test('the six charts are clean SVG', async () => {
    const charts = await renderCharts(fixture());
    expect(Object.keys(charts)).toEqual(['sold.svg', 'throughput.svg', 'servers.svg', 'load.svg', 'latency.svg', 'latency-cdf.svg']);
    expect(charts['latency-cdf.svg']).toContain('<title>p99 over all requests: 30 s</title>');
    for (const [n, svg] of Object.entries(charts)) expectCleanSvg(n, svg);
  });

  test('one oversold ticket is marked; none is not', async () => {
    const bad = await renderCharts(fixture({ oversold: 1 }));
    expect(bad['sold.svg']).toContain('oversold: 1<');
    const good = await renderCharts(fixture({ oversold: 0 }));
    expect(good['sold.svg']).not.toContain('oversold:');
    expect(good['sold.svg']).not.toContain('#d62728');
  });

  test('fault lines appear on the time charts', async () => {
    const charts = await renderCharts(fixture());
    for (const n of ['sold.svg', 'throughput.svg']) {
      expect(charts[n]).toContain('kill app4');
      expect(charts[n]).toContain('recover app4');
    }
    const none = await renderCharts(fixture({ faults: [] }));
    expect(none['sold.svg']).not.toContain('kill app4');
  });

  test('sell-out time is marked, p50 and p99 are marked, weights are labelled', async () => {
    const charts = await renderCharts(fixture());
    expect(charts['sold.svg']).toContain('sold out at 2,600 ms');
    expect(charts['latency.svg']).toContain('p50 1.6 ms');
    expect(charts['latency.svg']).toContain('p99 9.1 ms');
    expect(charts['servers.svg']).toContain('w=4');
    expect(charts['servers.svg']).not.toContain('>redis<'); // only app servers
  });

  test('a long, fine-grained run is merged into drawable bins', async () => {
    const input = fixture();
    const rows: TimeseriesRow[] = [];
    for (let t = 0; t < 200_000; t++) {
      rows.push({ t_ms: t * 0.05, arrivals: 10, ok: t < 100_000 ? 0.1 : 0, sold_out: 9, errors: 0, timeouts: 0, sold_total: Math.min(10_001, Math.floor(t / 10)), latency_mean_ms: 1, timeouts_by_send: 0, errors_by_send: 0 });
    }
    input.timeseries = rows;
    input.bin_ms = 0.05;
    input.summary.duration_ms = 10_000;
    const charts = await renderCharts(input);
    for (const [n, svg] of Object.entries(charts)) expectCleanSvg(n, svg);
    expect(charts['sold.svg'].length).toBeLessThan(60_000);
    expect(charts['throughput.svg'].length).toBeLessThan(100_000);
    expect(charts['sold.svg']).toContain('oversold: 1<');
    // 10 arrivals per 0.05 ms bin = 200,000/s, whatever the drawn bin width.
    expect(charts['throughput.svg']).toContain('>200,000<');
  });

  test('text in SVG is escaped', async () => {
    const input = fixture({ faults: [{ at_ms: 500, action: 'kill', target: '<b>&"x"\u00a0\u0001', detail: '</svg>' }] });
    const svg = (await renderCharts(input))['sold.svg'];
    expect(svg).toContain('&lt;b&gt;&amp;');
    expect(svg).not.toContain('&nbsp;');
    expect(svg).not.toContain('\u0001');
    expect(svg.indexOf('</svg>')).toBe(svg.length - '</svg>\n'.length);
  });
});

describe('csv', () => {
  test('header, column order and number formatting', () => {
    const input = fixture();
    input.timeseries[0].latency_mean_ms = 0.1 + 0.2; // 0.30000000000000004
    const ts = timeseriesCsv(input).split('\n');
    expect(ts[0]).toBe('t_ms,arrivals,ok,sold_out,errors,timeouts,sold_total,latency_mean_ms,timeouts_by_send,errors_by_send');
    expect(ts[1].endsWith(',0.3,0,12')).toBe(true);
    expect(ts).toHaveLength(input.timeseries.length + 2); // header + rows + trailing ''
    const sv = serversCsv(input).split('\n');
    expect(sv[0]).toBe('tier,node,requests,weight,share,expected_share,local_stock,local_sold,redis_ok,sold_out,lost,utilization');
    expect(sv[1].startsWith('app,app1,')).toBe(true);
    expect(serversCsv(input)).not.toMatch(/e[+-]\d/);
  });
});

describe('html', () => {
  test('escapes the scenario name and shows the essentials', () => {
    const input = fixture({ name: '<script>alert("x")</script>' });
    const html = indexHtml(input, ['sold.svg', 'throughput.svg', 'servers.svg', 'latency.svg']);
    expect(html).not.toContain('<script>alert');
    // the replay's data and its script are the page's only script elements
    expect(html.match(/<script[ >]/g)).toEqual(['<script ', '<script>']);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    for (const s of ['<img src="sold.svg"', '<img src="latency.svg"', 'href="summary.json"', 'href="timeseries.csv"', 'href="servers.csv"']) {
      expect(html).toContain(s);
    }
    expect(html).toContain('10,001 / 10,000');
    expect(html).toContain('9f3a61c2d07be4a1');
    expect(html).toContain('no_oversell');
    expect(html).toContain('tiers.app.app4.share');
    expect(html).toContain('between 0.39 and 0.41');
    expect(html).toContain('recover');
    expect(html).toMatch(/badge fail[^<]*<\/span>|badge fail/);
    expect(html).not.toMatch(/NaN|undefined/);
  });
});

describe('writeFileAtomic', () => {
  test('replaces the file and cleans up after a failure', async () => {
    const dir = await tempDir();
    const f = join(dir, 'a.txt');
    await writeFileAtomic(f, 'one');
    await writeFileAtomic(f, 'two');
    expect(await readFile(f, 'utf8')).toBe('two');
    await expect(writeFileAtomic(join(dir, 'missing', 'x'), 'x')).rejects.toThrow(); // open fails
    // Renaming onto a non-empty directory fails after the temp file was written: it must be removed.
    await mkdir(join(dir, 'target-is-dir', 'inner'), { recursive: true });
    await expect(writeFileAtomic(join(dir, 'target-is-dir'), 'data')).rejects.toThrow();
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
