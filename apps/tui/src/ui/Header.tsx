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

/** The ids in full (they go into support tickets); the app name only when there is room for it. */
export function TitleLine({ state, t, columns }: Props & { columns: number }) {
  const ids = `${t('header.customer')} ${state.customerId}  ${t('header.batch')} ${state.trackingId}`;
  const named = t('header.title').length + 2 + ids.length <= columns;
  return (
    <Text wrap="truncate-end">
      {named ? <Text bold>{t('header.title')}  </Text> : null}
      <Text dimColor>{t('header.customer')}</Text> {state.customerId}
      {'  '}
      <Text dimColor>{t('header.batch')}</Text> {state.trackingId}
    </Text>
  );
}

/** Batch status as glyph + word + colour, then start, completion and elapsed time. */
export function StatusLine({ state, t, locale, now }: Props) {
  // One verdict: a batch that "finished" with failed devices reads as finished with errors, everywhere.
  const status = verdictStatus(state);
  const time = (date: Date | undefined) => (date ? clockTime(date, locale) : '—');
  return (
    <Text wrap="truncate-end">
      <Text dimColor>{t('header.status')}</Text>{' '}
      {status ? (
        <>
          <Text color={statusColor[status]} bold>
            {statusGlyph[status]} {statusWord(t, status)}
          </Text>
          {state.failed.length > 0 ? <Text color="red"> ({t('count.failed', { count: state.failed.length })})</Text> : null}
        </>
      ) : (
        <Text dimColor>{t('header.waiting')}</Text>
      )}
      {'   '}
      <Text dimColor>{t('header.started')}</Text> {time(state.batch?.startedTime)}
      {'   '}
      <Text dimColor>{t('header.completed')}</Text> {time(state.batch?.completedTime)}
      {'   '}
      <Text dimColor>{t('header.elapsed')}</Text> {formatElapsed(elapsedMs(state, now))}
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
