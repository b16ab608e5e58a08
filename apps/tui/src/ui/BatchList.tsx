import { Text } from 'ink';
import { formatPercent, type Locale, type Translate } from '../i18n/index.js';
import { statusWord } from '../output/format.js';
import { batchProgress, type BatchProgress, type WatchState } from '../state/index.js';
import { clampScroll } from './layout.js';
import { statusColor, statusGlyph } from './theme.js';

interface Props {
  states: readonly WatchState[];
  tags: readonly string[];
  selected: number;
  /** Lines available: a window around the selected batch when not all fit. */
  rows: number;
  columns: number;
  t: Translate;
  locale: Locale;
}

/** One line per batch: marker, tag, status glyph (and word), devices done of total, share, failed count. */
export function BatchList({ states, tags, selected, rows, columns, t, locale }: Props) {
  const { top } = clampScroll({ cursor: selected, top: 0 }, states.length, rows);
  return (
    <>
      {states.slice(top, top + rows).map((state, i) => {
        const index = top + i;
        const progress = batchProgress(state);
        const color = progress.problem ? 'red' : progress.status ? statusColor[progress.status] : undefined;
        const glyph = progress.problem ? '!' : progress.status ? statusGlyph[progress.status] : '·';
        const head = `${index === selected ? '›' : ' '} ${tags[index]} `;
        return (
          <Text key={tags[index]} wrap="truncate-end" bold={index === selected}>
            {head}
            <Text color={color}>{glyph}</Text> {batchLineText(progress, t, locale, columns - head.length - 2)}
          </Text>
        );
      })}
    </>
  );
}

/**
 * What follows the glyph, as much as fits `width`: the status word goes first, then the failed count shrinks to
 * `✖4`; the counts and the share done always stay.
 */
function batchLineText(progress: BatchProgress, t: Translate, locale: Locale, width: number): string {
  const word = progress.problem ? t('batches.problem') : progress.status ? statusWord(t, progress.status) : t('batches.waiting');
  const counts = `${progress.done}/${progress.total} (${formatPercent(locale, progress.share)})`;
  const failed = progress.failed > 0 ? [` · ${t('count.failed', { count: progress.failed })}`, ` ✖${progress.failed}`] : ['', ''];
  const candidates = [`${word}  ${counts}${failed[0]}`, `${counts}${failed[0]}`, `${counts}${failed[1]}`];
  return candidates.find((text) => [...text].length <= width) ?? candidates.at(-1)!;
}
