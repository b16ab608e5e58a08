import { Text } from 'ink';
import type { Translate } from '../i18n/index.js';
import { safeText } from '../output/safe.js';

interface Props {
  t: Translate;
  searching: boolean;
  draft: string;
  finished: boolean;
  /** Several batches: Tab / Shift-Tab move between them, named right after `q`. */
  batches?: boolean;
  columns: number;
}

/** The keys, or the search prompt while typing a serial number. */
export function HelpLine({ t, searching, draft, finished, batches = false, columns }: Props) {
  if (searching) {
    return (
      <Text wrap="truncate-end" color="cyan">
        {t('help.search', { query: safeText(draft) })}
      </Text>
    );
  }
  // Narrow terminals get the short list rather than a cut one.
  const full = withBatches(finished ? t('help.ended') : t('help.keys'), batches && t('help.batches'), finished ? 2 : 1);
  const short = withBatches(t('help.keysShort'), batches && t('help.batchesShort'), 1);
  return (
    <Text wrap="truncate-end" dimColor={!finished} color={finished ? 'green' : undefined}>
      {fitParts(full, columns) ?? fitParts(short, columns, true)}
    </Text>
  );
}

/** The batch keys inserted after the first `at` parts (after "q quit"), so narrow terminals keep them. */
function withBatches(keys: string, part: string | false, at: number): string {
  if (!part) return keys;
  const parts = keys.split(' · ');
  return [...parts.slice(0, at), part, ...parts.slice(at)].join(' · ');
}

/** The text if it fits; else (when `drop`) as many of its ` · `-separated parts as fit, the last ones dropped first. */
function fitParts(text: string, columns: number, drop = false): string | undefined {
  if ([...text].length <= columns) return text;
  if (!drop) return undefined;
  const parts = text.split(' · ');
  while (parts.length > 1 && [...parts.join(' · ')].length > columns) parts.pop();
  return parts.join(' · ');
}
