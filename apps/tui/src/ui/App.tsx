import { useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useInput, useStdout, type Key } from 'ink';
import type { Translate } from '../i18n/index.js';
import type { WatchSession } from '../session.js';
import { applyKey, DEFAULT_VIEW, splitKeys, type Effect, type ViewOptions } from './keys.js';
import { planLayout, SearchCache, visibleKeys } from './layout.js';
import { LiveView } from './LiveView.js';
import { copyToClipboard } from './terminal.js';
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
  const { stdout } = useStdout();
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
  // The latest view between renders: every key of one chunk builds on the one before it.
  const latest = useRef(view);
  latest.current = view;

  useInput((input, key) => onKeys(input, key));

  function onKeys(input: string, key: Key): void {
    let next = latest.current;
    for (const [char, charKey] of splitKeys(input, key)) {
      const result = applyKey(next, char, charKey, { page, total: keys.length });
      next = result.view;
      perform(result.effect, next);
    }
    latest.current = next;
    setView(next);
  }

  function perform(effect: Effect, current: ViewOptions): void {
    if (effect === 'quit') session.interrupt();
    else if (effect === 'refresh') session.refresh();
    else if (effect === 'copy') {
      const device = state.devices.get(keys[current.scroll.cursor] ?? '');
      const text = device?.serialNumber ?? device?.productKey;
      if (text) copyToClipboard(stdout, text);
    }
  }

  return (
    <>
      <TransitionLog entries={state.log} t={t} locale={locale} columns={size.columns} />
      <LiveView state={state} keys={keys} view={view} size={size} t={t} locale={locale} now={now} />
    </>
  );
}
