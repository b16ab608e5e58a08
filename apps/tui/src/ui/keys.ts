/**
 * Keys as the operator typed them, one at a time, and what each does to the view. Ink 6 hands `useInput`
 * a whole chunk of plain characters at once (`jjjj`, or `abc\r` when typed fast, over SSH or pasted) and
 * escape sequences one by one; each must count, so chunks are split here and every key is folded into the
 * view with a pure reducer (no stale closures: ten ↓ in one write move ten rows).
 */
import type { Key } from 'ink';
import { moveSelection } from '../state/group.js';
import { clampScroll, type Scroll } from './layout.js';

export interface ViewOptions {
  failedOnly: boolean;
  /** The serial-number search, applied as it is typed. */
  query: string;
  /** The search prompt is open (typing edits `query`). */
  searching: boolean;
  scroll: Scroll;
  /** The selected batch, when several are watched: the one the header and the table follow. */
  batch: number;
}

export const DEFAULT_VIEW: ViewOptions = { failedOnly: false, query: '', searching: false, scroll: { cursor: 0, top: 0 }, batch: 0 };

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** One character of a chunk as the key it stands for (Ctrl-letters as `ctrl` + letter, like Ink). */
function keyOfChar(char: string): [string, Key] {
  const code = char.codePointAt(0)!;
  if (char === '\r' || char === '\n') return ['', { ...NO_KEY, return: true }];
  if (char === '\t') return ['', { ...NO_KEY, tab: true }];
  if (char === '\u007f' || char === '\b') return ['', { ...NO_KEY, backspace: true }];
  if (char === '\u001b') return ['', { ...NO_KEY, escape: true, meta: true }];
  if (code < 0x20) return [String.fromCharCode(code + 0x60), { ...NO_KEY, ctrl: true }];
  return [char, { ...NO_KEY, shift: /[A-Z]/.test(char) }];
}

/** Ink's (input, key) as the individual keys it holds. */
export function splitKeys(input: string, key: Key): Array<[string, Key]> {
  const chars = [...input];
  if (chars.length <= 1 || key.ctrl || key.meta) return [[input, key]];
  return chars.map(keyOfChar);
}

/** What one key press asks of the world outside the view. */
export type Effect = 'quit' | 'refresh' | 'copy' | 'export' | undefined;

export interface KeyContext {
  /** Rows of one page of the table. */
  page: number;
  /** Devices in the visible list. */
  total: number;
  /** Batches in the view (Tab / Shift-Tab move between them); 1 when absent. */
  batches?: number;
}

/** One key applied to the view: the new view and the effect to perform (quit, refresh, copy). */
export function applyKey(view: ViewOptions, input: string, key: Key, context: KeyContext): { view: ViewOptions; effect?: Effect } {
  if (key.ctrl && input === 'c') return { view, effect: 'quit' };
  if (view.searching) return { view: searchKey(view, input, key) };
  if (input === 'q') return { view, effect: 'quit' };
  if (input === 'r') return { view, effect: 'refresh' };
  if (input === 'y') return { view, effect: 'copy' };
  if (input === 'e') return { view, effect: 'export' };
  if (input === 'f') return { view: { ...view, failedOnly: !view.failedOnly, scroll: { cursor: 0, top: 0 } } };
  if (input === '/') return { view: { ...view, searching: true } };
  if (key.tab && (context.batches ?? 1) > 1) {
    const batch = moveSelection(view.batch, key.shift ? -1 : 1, context.batches ?? 1);
    return { view: { ...view, batch, scroll: { cursor: 0, top: 0 } } };
  }
  if (key.escape && (view.query || view.failedOnly)) return { view: { ...DEFAULT_VIEW, batch: view.batch } };
  const move = movement(input, key, context);
  if (move === undefined) return { view };
  const current = clampScroll(view.scroll, context.total, context.page);
  return { view: { ...view, scroll: clampScroll({ ...current, cursor: move(current.cursor) }, context.total, context.page) } };
}

/** Typing a serial number, applied as typed: Enter keeps it, Esc clears it, Ctrl-U clears the line, Ctrl-W a word. */
function searchKey(view: ViewOptions, input: string, key: Key): ViewOptions {
  const edit = (query: string): ViewOptions => (query === view.query ? view : { ...view, query, scroll: { cursor: 0, top: 0 } });
  if (key.return) return { ...view, searching: false, query: view.query.trim() };
  if (key.escape) return { ...edit(''), searching: false };
  if (key.backspace || key.delete) return edit([...view.query].slice(0, -1).join(''));
  if (key.ctrl && input === 'u') return edit('');
  if (key.ctrl && input === 'w') return edit(view.query.replace(/\S*\s*$/, ''));
  if (key.ctrl || key.meta || key.tab || !input) return view;
  // eslint-disable-next-line no-control-regex
  return edit(view.query + input.replace(/[\u0000-\u001f\u007f]/g, ''));
}

function movement(input: string, key: Key, { page, total }: KeyContext): ((cursor: number) => number) | undefined {
  if (key.upArrow || input === 'k') return (cursor) => cursor - 1;
  if (key.downArrow || input === 'j') return (cursor) => cursor + 1;
  if (key.pageUp) return (cursor) => cursor - page;
  if (key.pageDown || input === ' ') return (cursor) => cursor + page;
  if (key.home || input === 'g') return () => 0;
  if (key.end || input === 'G') return () => total - 1;
  return undefined;
}
