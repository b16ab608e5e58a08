import { useMemo } from 'react';
import { Box, Text } from 'ink';
import type { Locale, Translate } from '../i18n/index.js';
import { retryText } from '../output/format.js';
import type { WatchState } from '../state/index.js';
import type { ViewOptions } from './keys.js';
import { clampScroll, planLayout, tableColumns } from './layout.js';
import { BatchList } from './BatchList.js';
import { Counts } from './Counts.js';
import { DeviceDetail, DeviceTable, statusCellWidth } from './DeviceTable.js';
import { SourceLine, StatusLine, TitleLine, titleLines } from './Header.js';
import { HelpLine } from './HelpLine.js';
import { ProgressBar } from './ProgressBar.js';
import type { TerminalSize } from './useTerminalSize.js';

export { DEFAULT_VIEW } from './keys.js';

interface Props {
  state: WatchState;
  /** The visible device keys for the current filter/search. */
  keys: readonly string[];
  view: ViewOptions;
  size: TerminalSize;
  t: Translate;
  locale: Locale;
  now: number;
  /** Nothing left to browse: the frame left on screen (no table, no help). */
  ended?: boolean;
  /** The size is pinned (tests), not the terminal's: lay out at exactly that width. */
  pinned?: boolean;
  /** Several batches: all of them, one line each; `state` is the selected one (`view.batch`). */
  batches?: { states: readonly WatchState[]; tags: readonly string[] };
}

/**
 * Everything below the transition log: always at most `rows − 1` lines (see `planLayout`), every line
 * truncated to the width, so Ink never has to clear the screen and a resize only re-plans the layout.
 */
export function LiveView({ state, keys, view, size, t, locale, now, ended = state.outcome !== undefined, pinned = false, batches }: Props) {
  const plan = planLayout(size.rows, {
    notice: state.retry !== undefined && !ended,
    ended,
    titleLines: titleLines(t, state, size.columns),
    batches: batches?.states.length ?? 1,
  });
  const has = (section: Parameters<typeof plan.sections.has>[0]) => plan.sections.has(section);
  const scroll = clampScroll(view.scroll, keys.length, plan.tableRows);
  const selectedKey = keys[scroll.cursor];
  const header = { state, t, locale, now };
  // A stable object, so memoised rows are not re-rendered by every frame.
  const columns = useMemo(() => tableColumns(size.columns, statusCellWidth(t)), [size.columns, t]);
  return (
    // No fixed width: when the window narrows, Ink re-lays out the last frame at the new width before React
    // renders the next one; a fixed (old) width would write lines the terminal wraps, leaving ghosts.
    <Box flexDirection="column" width={pinned ? size.columns : undefined}>
      {has('title') ? <TitleLine {...header} columns={size.columns} /> : null}
      {has('status') ? <StatusLine {...header} columns={size.columns} /> : null}
      {has('batches') && batches ? <BatchList {...batches} selected={view.batch} rows={plan.batchRows} columns={size.columns} t={t} locale={locale} /> : null}
      {has('progress') ? <ProgressBar state={state} t={t} locale={locale} columns={size.columns} /> : null}
      {has('counts') ? <Counts state={state} t={t} locale={locale} columns={size.columns} /> : null}
      {has('source') ? <SourceLine {...header} /> : null}
      {has('notice') && state.retry ? (
        <Text wrap="truncate-end" color="yellow">
          ⟳ {retryText(t, state.retry, now)}
        </Text>
      ) : null}
      {has('table') ? (
        <DeviceTable
          devices={state.devices}
          keys={keys}
          countAlreadyRegistered={state.countAlreadyRegistered}
          scroll={scroll}
          rows={plan.tableRows}
          columns={columns}
          t={t}
          failedOnly={view.failedOnly}
          query={view.query}
        />
      ) : null}
      {has('detail') ? <DeviceDetail device={selectedKey === undefined ? undefined : state.devices.get(selectedKey)} t={t} /> : null}
      {has('help') ? (
        <HelpLine
          t={t}
          searching={view.searching}
          draft={view.query}
          finished={state.outcome !== undefined}
          batches={(batches?.states.length ?? 1) > 1}
          columns={size.columns}
        />
      ) : null}
    </Box>
  );
}
