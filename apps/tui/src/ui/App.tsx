import { useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useInput, type Key } from 'ink';
import type { Translate } from '../i18n/index.js';
import type { WatchSession } from '../session.js';
import { clampScroll, planLayout, SearchCache, visibleKeys } from './layout.js';
import { DEFAULT_VIEW, LiveView, type ViewOptions } from './LiveView.js';
import { TransitionLog } from './TransitionLog.js';
import { useNow } from './useNow.js';
import { useTerminalSize, type TerminalSize } from './useTerminalSize.js';

export interface AppProps {
  session: Pick<WatchSession, 'getState' | 'subscribe' | 'interrupt' | 'refresh'>;
  t: Translate;
  locale: string;
  /** Pins the terminal size (tests); by default the real size, following resizes. */
  size?: TerminalSize;
  clock?: () => number;
}

export function App({ session, t, locale, size: sizeOverride, clock }: AppProps) {
  const state = useSyncExternalStore(session.subscribe, session.getState);
  const size = useTerminalSize(sizeOverride);
  const ended = state.outcome !== undefined;
  const now = useNow(!ended, clock);
  const [view, setView] = useState<ViewOptions>(DEFAULT_VIEW);
  const search = useRef(new SearchCache());
  // Recomputed only when the underlying lists or the filter change, and then incrementally.
  const keys = useMemo(
    () => visibleKeys(state, view.failedOnly, view.query, search.current),
    [state.order, state.failed, state.devices, view.failedOnly, view.query],
  );
  const page = Math.max(1, planLayout(size.rows, { notice: state.retry !== undefined, ended }).tableRows);

  useInput((input, key) => onKey(input, key), { isActive: !ended });

  function onKey(input: string, key: Key): void {
    if (key.ctrl && input === 'c') return session.interrupt();
    if (view.searching) return setView(searchKey(view, input, key));
    if (input === 'q') return session.interrupt();
    if (input === 'r') return session.refresh();
    if (input === 'f') return setView({ ...view, failedOnly: !view.failedOnly, scroll: { cursor: 0, top: 0 } });
    if (input === '/') return setView({ ...view, searching: true, draft: view.query });
    if (key.escape && (view.query || view.failedOnly)) return setView({ ...DEFAULT_VIEW });
    const move = movement(input, key, page, keys.length);
    if (move === undefined) return;
    const current = clampScroll(view.scroll, keys.length, page);
    setView({ ...view, scroll: clampScroll({ ...current, cursor: move(current.cursor) }, keys.length, page) });
  }

  return (
    <>
      <TransitionLog entries={state.log} t={t} locale={locale} columns={size.columns} />
      <LiveView state={state} keys={keys} view={view} size={size} t={t} locale={locale} now={now} />
    </>
  );
}

/** Typing a serial number: Enter applies, Esc clears the search, Backspace deletes. */
function searchKey(view: ViewOptions, input: string, key: Key): ViewOptions {
  if (key.return) return { ...view, searching: false, query: view.draft.trim(), scroll: { cursor: 0, top: 0 } };
  if (key.escape) return { ...view, searching: false, draft: '', query: '', scroll: { cursor: 0, top: 0 } };
  if (key.backspace || key.delete) return { ...view, draft: view.draft.slice(0, -1) };
  if (key.ctrl || key.meta || !input) return view;
  return { ...view, draft: view.draft + input.replace(/[\r\n\t]/g, '') };
}

function movement(input: string, key: Key, page: number, total: number): ((cursor: number) => number) | undefined {
  if (key.upArrow || input === 'k') return (cursor) => cursor - 1;
  if (key.downArrow || input === 'j') return (cursor) => cursor + 1;
  if (key.pageUp) return (cursor) => cursor - page;
  if (key.pageDown || input === ' ') return (cursor) => cursor + page;
  if (key.home || input === 'g') return () => 0;
  if (key.end || input === 'G') return () => total - 1;
  return undefined;
}
