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
      {[...full].length <= columns ? full : t('help.keysShort')}
    </Text>
  );
}
