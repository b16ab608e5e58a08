import { Text } from 'ink';
import type { BatchStatus } from '@batchwatch/client';
import { formatNumber, type Locale, type Translate } from '../i18n/index.js';
import { statusWord } from '../output/format.js';
import type { WatchState } from '../state/index.js';
import { statusColor, statusGlyph } from './theme.js';

const ORDER: readonly BatchStatus[] = ['queued', 'processing', 'finished', 'finished_with_errors', 'unknown'];

/** Devices per status (unknown only when there are some), and the failed count. */
export function Counts({ state, t, locale }: { state: WatchState; t: Translate; locale: Locale }) {
  const shown = ORDER.filter((status) => status !== 'unknown' || state.counts.unknown > 0);
  return (
    <Text wrap="truncate-end">
      {shown.map((status, index) => (
        <Text key={status}>
          {index > 0 ? ' · ' : ''}
          <Text color={statusColor[status]}>
            {statusGlyph[status]} {statusWord(t, status)}
          </Text>{' '}
          {formatNumber(locale, state.counts[status])}
        </Text>
      ))}
      {' · '}
      <Text color={state.failed.length > 0 ? 'red' : undefined} bold={state.failed.length > 0}>
        {t('count.failed', { count: state.failed.length })}
      </Text>
      {state.alreadyRegistered.length > 0 ? ` · ${t('count.alreadyRegistered', { count: state.alreadyRegistered.length })}` : ''}
    </Text>
  );
}
