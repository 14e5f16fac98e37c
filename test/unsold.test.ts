import { describe, expect, test } from '@jest/globals';
import type { Summary } from '../src/metrics/summary.js';
import { unsoldWaterfall } from '../src/report/unsold.js';

describe('why unsold, as a waterfall', () => {
  // two-servers-die: 60,000 local stock for 50,000 tickets, 14,753 left on the two dead servers
  const tickets: Summary['tickets'] = {
    inventory: 50_000,
    sold: 45_247,
    oversold: 0,
    unsold: 4_753,
    local_stock_total: 60_000,
    stranded_local: 14_753,
    orphaned: 0,
    unsold_split: { stranded_local: 4_753, burned_local: 0, never_reached: 0 },
    unsold_why: {
      stranded_local: 14_753,
      burned_local: 0,
      lost_local: 14_753,
      buffer: 10_000,
      check_unsellable: 0,
      usable_buffer: 10_000,
      unsold_lost: 4_753,
      never_reached: 0,
      live_local_left: 0,
      sold_out_while_stock: 354_755,
    },
    burned_local: 0,
    stranded_at_kills: 14_753,
  };

  test('the buffer between stranded stock and unsold tickets is named, and the terms add up', () => {
    expect(unsoldWaterfall(tickets)).toEqual([
      'local stock lost: 14,753 stranded on servers dead at the end + 0 burned on failed Redis calls = 14,753',
      'buffer that absorbs it: 10,000 local stock beyond the inventory - 0 the local check never sells = 10,000',
      'unsold because stock was lost: 4,753 (14,753 - 10,000, at least 0, at most the unsold)',
      'never reached: 0 (live servers still held 0 local stock nobody asked for)',
      'unsold: 4,753 = 4,753 + 0',
      '354,755 "sold out" answers were read while Redis still had tickets',
    ]);
  });

  test('nothing to explain: no lines', () => {
    const all = { ...tickets, sold: 50_000, unsold: 0, unsold_why: { ...tickets.unsold_why, sold_out_while_stock: 0 } };
    expect(unsoldWaterfall(all)).toEqual([]);
  });
});

describe('unsold_why in every golden summary', () => {
  // Not the sums that hold by construction (never_reached is the remainder, lost_local the sum of
  // its terms): the rule worked from the summary's own inputs, and servers.csv, written apart.
  test('the split follows its rule (stranded first, then burned, the rest never reached); the stock agrees with servers.csv', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dirs = readdirSync('test/golden');
    expect(dirs.length).toBeGreaterThan(20);
    for (const d of dirs) {
      const s = JSON.parse(readFileSync(`test/golden/${d}/summary.json`, 'utf8')) as Summary;
      const t = s.tickets;
      const w = t.unsold_why;
      const apps = readFileSync(`test/golden/${d}/servers.csv`, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(','))
        .filter((cells) => cells[0] === 'app');
      const stockInCsv = apps.reduce((a, cells) => a + Number(cells[6]), 0);
      const unsold = Math.max(0, t.inventory - t.sold);
      const stranded = Math.min(unsold, t.stranded_local);
      const burned = Math.min(unsold - stranded, t.burned_local);
      expect([d, t.unsold, t.local_stock_total, w.buffer]).toEqual([d, unsold, stockInCsv, stockInCsv - t.inventory]);
      expect([d, t.unsold_split]).toEqual([d, { stranded_local: stranded, burned_local: burned, never_reached: unsold - stranded - burned }]);
      // the article's check keeps one unit per server unsold; the exact check none
      expect([d, w.check_unsellable === 0 || w.check_unsellable === apps.length]).toEqual([d, true]);
      expect([d, w.unsold_lost]).toEqual([d, Math.min(unsold, Math.max(0, t.stranded_local + t.burned_local - (w.buffer - w.check_unsellable)))]);
    }
  });
});
