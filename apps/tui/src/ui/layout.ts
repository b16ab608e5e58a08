/**
 * Pure view arithmetic for the interactive screen: which sections fit the terminal, which slice of the
 * device list is visible, and an incremental search. Kept out of the components so it is tested directly.
 */
import type { DeviceDetails } from '@batchwatch/client';
import type { WatchState } from '../state/index.js';

type Section = 'title' | 'status' | 'batches' | 'progress' | 'counts' | 'source' | 'notice' | 'table' | 'detail' | 'help';

export interface LayoutPlan {
  sections: ReadonlySet<Section>;
  /** Device rows in the table (0 when the table does not fit). */
  tableRows: number;
  /** Lines of the batch list (several batches: one per batch, as many as fit, around the selected one). */
  batchRows: number;
  /** Lines the live region will take: always ≤ rows − 1, so Ink never clears the screen (ink#935). */
  height: number;
}

/** Table chrome: its header and its footer line; it is shown only with at least one row. */
const TABLE_CHROME = 2;

/**
 * Fits the sections into `rows − 1` lines, most important first; whatever is left goes to device rows.
 * `ended` drops the interactive parts (table, help) for the frame left on screen at exit. With several
 * `batches`, their list (each line: status, counts, share done) comes right after the status and the help.
 */
export function planLayout(rows: number, options: { notice: boolean; ended: boolean; titleLines?: number; batches?: number }): LayoutPlan {
  let budget = Math.max(0, rows - 1);
  const sections = new Set<Section>();
  const take = (section: Section, cost = 1) => {
    if (cost > budget) return false;
    budget -= cost;
    sections.add(section);
    return true;
  };
  take('status');
  if (!options.ended) take('help');
  if (options.notice) take('notice');
  const batchRows = (options.batches ?? 1) > 1 ? Math.min(options.batches!, budget) : 0;
  if (batchRows > 0) take('batches', batchRows);
  take('progress');
  take('title', options.titleLines ?? 1);
  const table = !options.ended && take('table', TABLE_CHROME + 1);
  take('counts');
  take('source');
  // The selected device: its identity and error, then the error's hint on a line of its own.
  if (table) take('detail', 2);
  const lines = Math.max(0, rows - 1);
  // The table absorbs every spare line, so with a table the live region is exactly rows − 1 tall.
  return { sections, tableRows: table ? 1 + budget : 0, batchRows, height: table ? lines : lines - budget };
}

export interface Scroll {
  cursor: number;
  top: number;
}

/** Keeps the cursor inside the list and the window around the cursor. */
export function clampScroll(scroll: Scroll, total: number, height: number): Scroll {
  const cursor = Math.min(Math.max(0, scroll.cursor), Math.max(0, total - 1));
  let top = scroll.top;
  if (cursor < top) top = cursor;
  if (height > 0 && cursor >= top + height) top = cursor - height + 1;
  top = Math.min(Math.max(0, top), Math.max(0, total - height));
  return { cursor, top };
}

/**
 * Serial-number search that never rescans what it has seen: the device lists only grow at the end, so
 * for the same query and list lineage it resumes where it stopped. Anything else starts over.
 */
export class SearchCache {
  private query = '';
  private list: readonly string[] = [];
  private scanned = 0;
  private matches: string[] = [];

  filter(list: readonly string[], query: string, devices: ReadonlyMap<string, DeviceDetails>): readonly string[] {
    const needle = query.trim().toLowerCase();
    if (!needle) return list;
    const sameLineage =
      needle === this.query &&
      list.length >= this.scanned &&
      (this.scanned === 0 || (list[0] === this.list[0] && list[this.scanned - 1] === this.list[this.scanned - 1]));
    if (!sameLineage) {
      this.query = needle;
      this.scanned = 0;
      this.matches = [];
    }
    const found: string[] = [];
    for (let i = this.scanned; i < list.length; i++) {
      const key = list[i]!;
      const serial = devices.get(key)?.serialNumber ?? '';
      if (serial.toLowerCase().includes(needle)) found.push(key);
    }
    this.scanned = list.length;
    this.list = list;
    // A new array only when something new matched, so memoised consumers stay put otherwise.
    if (found.length > 0) this.matches = this.matches.concat(found);
    return this.matches;
  }
}

/** The device keys the table shows: all, or failed only, optionally narrowed by a serial search. */
export function visibleKeys(
  state: Pick<WatchState, 'order' | 'failed' | 'devices'>,
  failedOnly: boolean,
  query: string,
  cache: SearchCache,
): readonly string[] {
  return cache.filter(failedOnly ? state.failed : state.order, query, state.devices);
}

export interface Columns {
  serial: number;
  productKey: number;
  status: number;
  error: number;
}

/** Column widths for a terminal width: product keys (29 chars) are dropped first on narrow terminals. */
export function tableColumns(width: number, statusWidth: number): Columns {
  const marker = 2;
  const serial = 16;
  const productKey = width >= 100 ? 30 : 0;
  const status = statusWidth + 2;
  const error = Math.max(0, width - marker - serial - productKey - status);
  return { serial, productKey, status, error };
}
