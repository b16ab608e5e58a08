import { Text } from 'ink';
import type { Translate } from '../i18n/index.js';
import { safeText } from '../output/safe.js';

/** The keys, or the search prompt while typing a serial number. */
export function HelpLine({ t, searching, draft }: { t: Translate; searching: boolean; draft: string }) {
  if (searching) {
    return (
      <Text wrap="truncate-end" color="cyan">
        {t('help.search', { query: safeText(draft) })}
      </Text>
    );
  }
  return (
    <Text wrap="truncate-end" dimColor>
      {t('help.keys')}
    </Text>
  );
}
