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
  test('unsold = unsold_lost + never_reached, lost_local = stranded + burned, usable = buffer - check_unsellable', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dirs = readdirSync('test/golden');
    expect(dirs.length).toBeGreaterThan(0);
    for (const d of dirs) {
      const s = JSON.parse(readFileSync(`test/golden/${d}/summary.json`, 'utf8')) as Summary;
      const w = s.tickets.unsold_why;
      expect([d, w.unsold_lost + w.never_reached]).toEqual([d, s.tickets.unsold]);
      expect([d, w.lost_local]).toEqual([d, w.stranded_local + w.burned_local]);
      expect([d, w.usable_buffer]).toEqual([d, w.buffer - w.check_unsellable]);
      expect([d, w.burned_local]).toEqual([d, s.tickets.burned_local]);
    }
  });
});
