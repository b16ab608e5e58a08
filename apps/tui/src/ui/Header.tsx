import { Text } from 'ink';
import { formatElapsed, formatInterval } from '../duration.js';
import type { Locale, Translate } from '../i18n/index.js';
import { clockTime, statusWord } from '../output/format.js';
import { elapsedMs } from '../output/summary.js';
import { verdictStatus, type WatchState } from '../state/index.js';
import { statusColor, statusGlyph } from './theme.js';

interface Props {
  state: WatchState;
  t: Translate;
  locale: Locale;
  now: number;
}

/** `Customer <id>  Batch <id>` on one line when it fits, else one id per line (never cut: they go into tickets). */
export function titleLines(t: Translate, state: Pick<WatchState, 'customerId' | 'trackingId'>, columns: number): 1 | 2 {
  const ids = `${t('header.customer')} ${state.customerId}  ${t('header.batch')} ${state.trackingId}`;
  return [...ids].length <= columns ? 1 : 2;
}

/** The ids in full (they go into support tickets); the app name only when there is room for it. */
export function TitleLine({ state, t, columns }: Props & { columns: number }) {
  const ids = `${t('header.customer')} ${state.customerId}  ${t('header.batch')} ${state.trackingId}`;
  const named = t('header.title').length + 2 + ids.length <= columns;
  if (titleLines(t, state, columns) === 2) {
    return (
      <>
        <Text wrap="truncate-end">
          <Text dimColor>{t('header.customer')}</Text> {state.customerId}
        </Text>
        <Text wrap="truncate-end">
          <Text dimColor>{t('header.batch')}</Text> {state.trackingId}
        </Text>
      </>
    );
  }
  return (
    <Text wrap="truncate-end">
      {named ? <Text bold>{`${t('header.title')}  `}</Text> : null}
      <Text dimColor>{t('header.customer')}</Text> {state.customerId}
      {'  '}
      <Text dimColor>{t('header.batch')}</Text> {state.trackingId}
    </Text>
  );
}

/**
 * Batch status as glyph + word + colour (the one verdict), then as many of failed count, elapsed, start
 * and completion as fit the width, most useful first: nothing is cut mid-word.
 */
export function StatusLine({ state, t, locale, now, columns }: Props & { columns: number }) {
  // One verdict: a batch that "finished" with failed devices reads as finished with errors, everywhere.
  const status = verdictStatus(state);
  const time = (date: Date | undefined) => (date ? clockTime(date, locale) : '—');
  const head = status ? `${t('header.status')} ${statusGlyph[status]} ${statusWord(t, status)}` : `${t('header.status')} ${t('header.waiting')}`;
  const failed = state.failed.length > 0 ? ` (${t('count.failed', { count: state.failed.length })})` : '';
  const extras = [
    { label: t('header.elapsed'), value: formatElapsed(elapsedMs(state, now)) },
    { label: t('header.started'), value: time(state.batch?.startedTime) },
    { label: t('header.completed'), value: time(state.batch?.completedTime) },
  ];
  let room = columns - [...head].length - [...failed].length;
  const shown = extras.filter((extra) => {
    const width = 3 + [...extra.label].length + 1 + [...extra.value].length;
    if (width > room) return false;
    room -= width;
    return true;
  });
  // Shown in reading order: started, completed, elapsed.
  const order = [1, 2, 0].map((i) => extras[i]!).filter((extra) => shown.includes(extra));
  return (
    <Text wrap="truncate-end">
      <Text dimColor>{t('header.status')}</Text>{' '}
      {status ? (
        <Text color={statusColor[status]} bold>
          {statusGlyph[status]} {statusWord(t, status)}
        </Text>
      ) : (
        <Text dimColor>{t('header.waiting')}</Text>
      )}
      {failed ? <Text color="red">{failed}</Text> : null}
      {order.map((extra) => (
        <Text key={extra.label}>
          {'   '}
          <Text dimColor>{extra.label}</Text> {extra.value}
        </Text>
      ))}
    </Text>
  );
}

/** Correlation id (for support tickets), how the batch is followed, and how fresh the data is. */
export function SourceLine({ state, t, now }: Props) {
  const source =
    state.lastUpdate === undefined
      ? t('header.source.connecting')
      : state.mode === 'sse'
        ? state.retry?.proxy
          ? t('header.source.down')
          : t('header.source.sse')
        : state.mode === 'polling'
          ? t('header.source.polling', { interval: formatInterval(state.intervalMs) })
          : t('header.source.connecting');
  const updated = state.lastUpdate ? updatedText(t, now - state.lastUpdate.getTime()) : '';
  return (
    <Text wrap="truncate-end" dimColor>
      {t('header.correlation')} {state.correlationId} · {source}
      {updated ? ` · ${updated}` : ''}
    </Text>
  );
}

/** `updated 3 s ago`, and `just now` under a second. */
export function updatedText(t: Translate, agoMs: number): string {
  const seconds = Math.floor(Math.max(0, agoMs) / 1_000);
  return seconds === 0 ? t('header.justNow') : t('header.updated', { ago: formatInterval(seconds * 1_000) });
}
