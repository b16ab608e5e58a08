import { useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Text, useInput, useStdout, type Key } from 'ink';
import type { Locale, Translate } from '../i18n/index.js';
import type { WatchGroup } from '../group.js';
import type { WatchState } from '../state/index.js';
import { applyKey, DEFAULT_VIEW, splitKeys, type Effect, type ViewOptions } from './keys.js';
import { planLayout, SearchCache, visibleKeys } from './layout.js';
import { LiveView } from './LiveView.js';
import { copyToClipboard } from './terminal.js';
import { TransitionLog } from './TransitionLog.js';
import { useNow } from './useNow.js';
import { useTerminalSize, type TerminalSize } from './useTerminalSize.js';

export interface AppProps {
  /** The watched batches (one or several); the header and the table follow the selected one. */
  group: Pick<WatchGroup, 'getStates' | 'getLog' | 'subscribe' | 'interrupt' | 'refresh' | 'tags'>;
  t: Translate;
  locale: Locale;
  /** Pins the terminal size (tests); by default the real size, following resizes. */
  size?: TerminalSize;
  clock?: () => number;
  /** Keep the live view after the batch finished, for browsing, until the operator leaves (q). */
  stay?: boolean;
  /** Key `e`: write the failed devices now; resolves with the line to show (where they went). */
  onExport?: () => Promise<string>;
}

/** The watch is over and nothing is left to browse: the frame left on screen drops table and help. */
function isClosed(state: Pick<WatchState, 'outcome' | 'left'>, stay: boolean): boolean {
  if (state.outcome === undefined) return false;
  return !stay || state.outcome.kind !== 'finished' || state.left === true;
}

export function App({ group, t, locale, size: sizeOverride, clock, stay = false, onExport }: AppProps) {
  const [notice, setNotice] = useState('');
  const states = useSyncExternalStore(group.subscribe, group.getStates);
  const log = useSyncExternalStore(group.subscribe, group.getLog);
  const size = useTerminalSize(sizeOverride);
  const { stdout } = useStdout();
  const [view, setView] = useState<ViewOptions>(DEFAULT_VIEW);
  const state = states[Math.min(view.batch, states.length - 1)]!;
  // Over when every batch is: a batch that failed early must not close the view of the others.
  const ended = states.every((batch) => isClosed(batch, stay));
  const now = useNow(
    states.some((batch) => batch.outcome === undefined),
    clock,
  );
  const search = useRef(new SearchCache());
  // Recomputed only when the underlying lists or the filter change, and then incrementally.
  const keys = useMemo(
    () => visibleKeys(state, view.failedOnly, view.query, search.current),
    [state.order, state.failed, state.devices, view.failedOnly, view.query],
  );
  const page = Math.max(1, planLayout(size.rows, { notice: state.retry !== undefined, ended, batches: states.length }).tableRows);
  // The latest view between renders: every key of one chunk builds on the one before it.
  const latest = useRef(view);
  latest.current = view;

  useInput((input, key) => onKeys(input, key), { isActive: !ended });

  function onKeys(input: string, key: Key): void {
    let next = latest.current;
    for (const [char, charKey] of splitKeys(input, key)) {
      const result = applyKey(next, char, charKey, { page, total: keys.length, batches: states.length });
      next = result.view;
      perform(result.effect, next);
    }
    latest.current = next;
    setView(next);
  }

  function perform(effect: Effect, current: ViewOptions): void {
    if (effect === 'quit') group.interrupt();
    else if (effect === 'refresh') group.refresh();
    else if (effect === 'export' && onExport) {
      onExport().then(setNotice, (error: unknown) => setNotice(`export failed: ${(error as Error).message}`));
    } else if (effect === 'copy') {
      const device = state.devices.get(keys[current.scroll.cursor] ?? '');
      const text = device?.serialNumber ?? device?.productKey;
      if (text) copyToClipboard(stdout, text);
    }
  }

  return (
    <>
      <TransitionLog entries={log} t={t} locale={locale} columns={size.columns} />
      <LiveView
        state={state}
        keys={keys}
        view={view}
        size={size}
        t={t}
        locale={locale}
        now={now}
        ended={ended}
        pinned={sizeOverride !== undefined}
        {...(states.length > 1 && { batches: { states, tags: group.tags as string[] } })}
      />
      {notice && !ended ? <Text wrap="truncate-end">{notice}</Text> : null}
    </>
  );
}
