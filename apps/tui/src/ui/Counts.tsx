import { Text } from 'ink';
import type { BatchStatus } from '@batchwatch/client';
import { batchUploadStatusValues } from '@batchwatch/openapi';
import { formatNumber, type Locale, type Translate } from '../i18n/index.js';
import { statusWord } from '../output/format.js';
import type { WatchState } from '../state/index.js';
import { statusColor, statusGlyph } from './theme.js';

/** Display order: every status of the contract has a place (a new one fails the typecheck here). */
const RANK = { queued: 0, processing: 1, finished: 2, finished_with_errors: 3, unknown: 4 } satisfies Record<BatchStatus, number>;
const ORDER: readonly BatchStatus[] = [...batchUploadStatusValues].sort((a, b) => RANK[a] - RANK[b]);

/**
 * The failed count first (it decides the exit code), then already-registered, then devices per status
 * (unknown only when there are some). When the words do not fit, statuses are shown by glyph alone.
 */
export function Counts({ state, t, locale, columns }: { state: WatchState; t: Translate; locale: Locale; columns: number }) {
  const shown = ORDER.filter((status) => status !== 'unknown' || state.counts.unknown > 0);
  const failed = t('count.failed', { count: state.failed.length });
  const already = state.alreadyRegistered.length > 0 ? t('count.alreadyRegistered', { count: state.alreadyRegistered.length }) : '';
  const label = (status: BatchStatus, words: boolean) =>
    `${statusGlyph[status]}${words ? ` ${statusWord(t, status)}` : ''} ${formatNumber(locale, state.counts[status])}`;
  const full = [failed, already, ...shown.map((status) => label(status, true))].filter(Boolean).join(' · ');
  const words = [...full].length <= columns;
  return (
    <Text wrap="truncate-end">
      <Text color={state.failed.length > 0 ? 'red' : undefined} bold={state.failed.length > 0}>
        {failed}
      </Text>
      {already ? ` · ${already}` : ''}
      {shown.map((status) => (
        <Text key={status}>
          {' · '}
          <Text color={statusColor[status]}>{label(status, words)}</Text>
        </Text>
      ))}
    </Text>
  );
}
