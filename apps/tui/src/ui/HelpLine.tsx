import { Text } from 'ink';
import type { Translate } from '../i18n/index.js';
import { safeText } from '../output/safe.js';

/** The keys, or the search prompt while typing a serial number. */
export function HelpLine({ t, searching, draft, finished, columns }: { t: Translate; searching: boolean; draft: string; finished: boolean; columns: number }) {
  if (searching) {
    return (
      <Text wrap="truncate-end" color="cyan">
        {t('help.search', { query: safeText(draft) })}
      </Text>
    );
  }
  // Narrow terminals get the short list rather than a cut one.
  const full = finished ? t('help.ended') : t('help.keys');
  return (
    <Text wrap="truncate-end" dimColor={!finished} color={finished ? 'green' : undefined}>
      {fitParts(full, columns) ?? fitParts(t('help.keysShort'), columns, true)}
    </Text>
  );
}

/** The text if it fits; else (when `drop`) as many of its ` · `-separated parts as fit, the last ones dropped first. */
export function fitParts(text: string, columns: number, drop = false): string | undefined {
  if ([...text].length <= columns) return text;
  if (!drop) return undefined;
  const parts = text.split(' · ');
  while (parts.length > 1 && [...parts.join(' · ')].length > columns) parts.pop();
  return parts.join(' · ');
}
