import { describe, expect, it } from 'vitest';
import { enUS } from '../src/i18n/en-US.js';
import { localeFromEnv, matchLocale, SUPPORTED_LOCALES, translator } from '../src/i18n/index.js';

describe('locale selection', () => {
  it.each([
    ['sv-SE', 'sv-SE'],
    ['sv_SE.UTF-8', 'sv-SE'],
    ['nl_NL@euro', 'nl-NL'],
    ['fr_CA.UTF-8', 'fr-FR'],
    ['FR', 'fr-FR'],
    ['en_GB.UTF-8', 'en-US'],
    ['de_DE.UTF-8', undefined],
    ['C', undefined],
    ['POSIX', undefined],
    ['', undefined],
  ])('%j → %s', (value, locale) => {
    expect(matchLocale(value)).toBe(locale);
  });

  it('follows LC_ALL, then LC_MESSAGES, then LANG; the first one set decides', () => {
    expect(localeFromEnv({ LC_ALL: 'fr_FR.UTF-8', LANG: 'sv_SE.UTF-8' })).toBe('fr-FR');
    expect(localeFromEnv({ LC_MESSAGES: 'nl_NL.UTF-8', LANG: 'sv_SE.UTF-8' })).toBe('nl-NL');
    expect(localeFromEnv({ LANG: 'sv_SE.UTF-8' })).toBe('sv-SE');
    expect(localeFromEnv({ LC_ALL: 'C', LANG: 'sv_SE.UTF-8' })).toBe('en-US');
    expect(localeFromEnv({ LANG: 'de_DE.UTF-8' })).toBe('en-US');
    expect(localeFromEnv({})).toBe('en-US');
  });
});

describe('message tables', () => {
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

  it.each(SUPPORTED_LOCALES.filter((locale) => locale !== 'en-US'))('%s translates every key with the same placeholders', (locale) => {
    const t = translator(locale);
    for (const key of Object.keys(enUS) as Array<keyof typeof enUS>) {
      const text = t(key);
      expect(text, key).not.toBe('');
      expect(placeholders(text), key).toEqual(placeholders(enUS[key]));
    }
    // Status words are really translated (not left in English).
    expect(t('status.processing')).not.toBe(enUS['status.processing']);
    expect(t('help.keys')).not.toBe(enUS['help.keys']);
  });

  it('fills placeholders and leaves unknown ones alone', () => {
    const t = translator('sv-SE');
    expect(t('progress.done', { done: 3, total: 10 })).toBe('3/10 enheter klara');
    expect(translator('fr-FR')('table.range', { from: 1, to: 20 })).toBe('Appareils 1–20 sur {total}');
  });
});
