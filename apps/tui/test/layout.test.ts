import { describe, expect, it } from 'vitest';
import type { DeviceDetails } from '@batchwatch/client';
import { normalizeDevice } from '@batchwatch/client/internal';
import { clampScroll, planLayout, SearchCache, tableColumns, visibleKeys } from '../src/ui/layout.js';
import { wrapLine } from '../src/ui/TransitionLog.js';
import { fit } from '../src/ui/theme.js';
import { device } from './helpers.js';

describe('planLayout', () => {
  const cases = [false, true].flatMap((notice) => [false, true].flatMap((ended) => [1, 3, 12].map((batches) => ({ notice, ended, batches }))));

  it.each([40, 24, 12, 8, 5, 3, 2, 1, 0])('never plans more than rows − 1 lines (%d rows), with one batch or several', (rows) => {
    for (const options of cases) {
      const plan = planLayout(rows, options);
      const single = [...plan.sections].filter((section) => section !== 'table' && section !== 'batches').length;
      const fixed = single + (plan.sections.has('detail') ? 1 : 0) + plan.batchRows;
      const table = plan.sections.has('table') ? 2 + plan.tableRows : 0;
      expect(fixed + table).toBe(plan.height);
      expect(plan.height).toBeLessThanOrEqual(Math.max(0, rows - 1));
    }
  });

  it('gives a 40-row terminal a full header, the help line and the rest to the table', () => {
    const plan = planLayout(40, { notice: false, ended: false });
    expect([...plan.sections].sort()).toEqual(['counts', 'detail', 'help', 'progress', 'source', 'status', 'table', 'title']);
    expect(plan.tableRows).toBe(39 - 10);
    expect(planLayout(40, { notice: true, ended: false }).tableRows).toBe(39 - 11);
  });

  it('keeps status and help on tiny terminals and drops the table on the final frame', () => {
    expect([...planLayout(3, { notice: false, ended: false }).sections]).toEqual(['status', 'help']);
    expect(planLayout(40, { notice: false, ended: true }).sections.has('table')).toBe(false);
  });
});

describe('planLayout with several batches', () => {
  it('gives each batch a line after status and help, and never more than rows − 1 lines', () => {
    const plan = planLayout(40, { notice: false, ended: false, batches: 3 });
    expect(plan.batchRows).toBe(3);
    expect(plan.sections.has('batches')).toBe(true);
    expect(plan.tableRows).toBe(39 - 10 - 3);
    for (const rows of [12, 6, 4, 3, 2]) {
      const small = planLayout(rows, { notice: true, ended: false, batches: 5 });
      expect(small.height).toBeLessThanOrEqual(Math.max(0, rows - 1));
      expect(small.sections.has('status')).toBe(true);
      // Status, help and the notice come first; every line after them goes to the batches.
      if (rows >= 5) expect(small.batchRows).toBeGreaterThanOrEqual(1);
    }
    expect(planLayout(40, { notice: false, ended: false, batches: 1 }).sections.has('batches')).toBe(false);
  });
});

describe('clampScroll', () => {
  it('keeps the cursor in the list and the window around it', () => {
    expect(clampScroll({ cursor: -3, top: 0 }, 100, 10)).toEqual({ cursor: 0, top: 0 });
    expect(clampScroll({ cursor: 15, top: 0 }, 100, 10)).toEqual({ cursor: 15, top: 6 });
    expect(clampScroll({ cursor: 500, top: 0 }, 100, 10)).toEqual({ cursor: 99, top: 90 });
    expect(clampScroll({ cursor: 3, top: 8 }, 100, 10)).toEqual({ cursor: 3, top: 3 });
    expect(clampScroll({ cursor: 5, top: 50 }, 0, 10)).toEqual({ cursor: 0, top: 0 });
  });
});

describe('SearchCache', () => {
  const devices = new Map<string, DeviceDetails>();
  const add = (serial: string) => {
    const entry = normalizeDevice(device(serial, 'processing'));
    devices.set(entry.key, entry);
    return entry.key;
  };

  it('matches serial numbers case-insensitively and resumes instead of rescanning', () => {
    const cache = new SearchCache();
    const order = ['PF001', 'AB002', 'pf003'].map(add);
    const first = cache.filter(order, 'pf', devices);
    expect(first).toEqual(['PF001|PK-PF001', 'pf003|PK-pf003']);
    expect(cache.filter(order, 'pf', devices)).toBe(first); // nothing new: the same array

    const grown = [...order, add('PF004'), add('ZZ005')];
    const scanned: string[] = [];
    const spy = new Map(devices);
    const original = spy.get.bind(spy);
    spy.get = (key: string) => (scanned.push(key), original(key));
    expect(cache.filter(grown, 'pf', spy)).toEqual(['PF001|PK-PF001', 'pf003|PK-pf003', 'PF004|PK-PF004']);
    expect(scanned).toEqual(['PF004|PK-PF004', 'ZZ005|PK-ZZ005']);
  });

  it('starts over for another query or another list, and returns the list itself without a query', () => {
    const cache = new SearchCache();
    const order = ['PF001', 'AB002'].map(add);
    expect(cache.filter(order, 'ab', devices)).toEqual(['AB002|PK-AB002']);
    expect(cache.filter(order, '', devices)).toBe(order);
    expect(cache.filter(['AB002|PK-AB002'], 'pf', devices)).toEqual([]);
    expect(visibleKeys({ order, failed: [], devices }, true, '', cache)).toEqual([]);
  });
});

describe('tableColumns', () => {
  it('fills the width and drops the product key on narrow terminals', () => {
    const wide = tableColumns(120, 20);
    expect(2 + wide.serial + wide.productKey + wide.status + wide.error).toBe(120);
    expect(tableColumns(80, 20).productKey).toBe(0);
  });
});

describe('text fitting', () => {
  it('wraps log lines at spaces within the width, keeping every word', () => {
    const text = 'Device SN-1 failed: 808 ZtdDeviceAssignedToOtherTenant — Registered to another tenant; the other tenant must deregister it.';
    const lines = wrapLine(text, 40).split('\n');
    expect(lines.every((line) => [...line].length <= 40)).toBe(true);
    expect(lines.join(' ')).toBe(text);
    expect(wrapLine('short', 40)).toBe('short');
    expect(wrapLine('abcdefghij', 4).split('\n')).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('pads or cuts cells to an exact width', () => {
    expect(fit('abc', 5)).toBe('abc  ');
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('abcdef', 5, '...')).toBe('ab...');
    expect(fit('abcdef', 2, '...')).toBe('..');
    expect(fit('abc', 0)).toBe('');
  });
});
