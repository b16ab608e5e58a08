import { Text } from 'ink';
import { formatPercent, type Locale, type Translate } from '../i18n/index.js';
import { doneCount, type WatchState } from '../state/index.js';

interface Props {
  state: WatchState;
  t: Translate;
  locale: Locale;
  columns: number;
}

const BAR_MAX_WIDTH = 40;

/** `[██████░░░░] 42/120 devices done (35%)`; the failed share of the bar is red. */
export function ProgressBar({ state, t, locale, columns }: Props) {
  const total = state.order.length;
  if (total === 0)
    return (
      <Text dimColor wrap="truncate-end">
        {t('progress.none')}
      </Text>
    );
  const done = doneCount(state.counts);
  const label = `${t('progress.done', { done, total })} (${formatPercent(locale, done / total)})`;
  const width = Math.max(0, Math.min(BAR_MAX_WIDTH, columns - label.length - 3));
  const filled = Math.round((done / total) * width);
  const failed = Math.min(filled, Math.round((state.failed.length / total) * width), filled);
  return (
    <Text wrap="truncate-end">
      {width > 0 ? (
        <>
          [<Text color="green">{'█'.repeat(filled - failed)}</Text>
          <Text color="red">{'█'.repeat(failed)}</Text>
          <Text dimColor>{'░'.repeat(width - filled)}</Text>]{' '}
        </>
      ) : null}
      {label}
    </Text>
  );
}
