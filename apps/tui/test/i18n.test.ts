import { describe, expect, it } from 'vitest';
import { enUS } from '../src/i18n/en-US.js';
import { autopilotErrors } from '@batchwatch/client';
import { formatNumber, formatPercent, localeFromEnv, matchLocale, SUPPORTED_LOCALES, translator, type Locale } from '../src/i18n/index.js';
import { frFR } from '../src/i18n/fr-FR.js';
import { nlNL } from '../src/i18n/nl-NL.js';
import { svSE } from '../src/i18n/sv-SE.js';
import { causeText, errorText, hintText } from '../src/output/format.js';

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

/**
 * Keys whose text is rightly the same as in English: the product name, and words Swedish and Dutch share
 * with English ("Batch", "Status"). Anything else identical to English is an untranslated line.
 */
const SAME_AS_ENGLISH: Readonly<Record<Exclude<Locale, 'en-US'>, readonly string[]>> = {
  'sv-SE': ['header.title', 'header.batch', 'header.status', 'table.status', 'log.batch'],
  'nl-NL': ['header.title', 'header.batch', 'header.status', 'table.status', 'log.batch'],
  'fr-FR': ['header.title'],
};

describe('completeness', () => {
  const tables = { 'sv-SE': svSE, 'nl-NL': nlNL, 'fr-FR': frFR } as const;

  it.each(Object.keys(tables) as Array<keyof typeof tables>)('%s has every key, no extra key, and nothing left in English (allow-list only)', (locale) => {
    const table = tables[locale] as Record<string, string>;
    expect(Object.keys(table).sort()).toEqual(Object.keys(enUS).sort());
    const same = Object.keys(enUS).filter((key) => table[key] === enUS[key as keyof typeof enUS]);
    expect(same.sort()).toEqual([...SAME_AS_ENGLISH[locale]].sort());
  });

  it('translates the whole Autopilot error catalogue, by code (and by name for unnumbered errors)', () => {
    const entries = [...new Set(autopilotErrors.values())];
    expect(entries.length).toBeGreaterThanOrEqual(15);
    for (const locale of SUPPORTED_LOCALES) {
      const t = translator(locale);
      for (const entry of entries) {
        const hint = hintText(t, { ...(entry.code ? { code: entry.code } : {}), name: entry.name, hint: entry.hint });
        expect(hint, `${locale} ${entry.code ?? entry.name}`).toBeTruthy();
        if (locale === 'en-US') expect(hint).toBe(entry.hint);
        else expect(hint, `${locale} ${entry.code ?? entry.name}`).not.toBe(entry.hint);
      }
    }
    expect(errorText(translator('sv-SE'), { code: '802', name: 'InvalidZtdHardwareHash', hint: 'Invalid hardware hash…' })).toBe(
      '802 InvalidZtdHardwareHash — Ogiltig maskinvaruhash; hämta den igen (tillverkare och serienummer måste finnas i hashen).',
    );
  });

  it('network causes and our own stream messages are words in every locale, never a Node code or English', () => {
    expect(causeText(translator('en-US'), 'ECONNREFUSED')).toBe('connection refused');
    expect(causeText(translator('sv-SE'), 'the event stream was interrupted')).toBe('händelseströmmen avbröts');
    expect(causeText(translator('fr-FR'), 'ERR_SSL_WRONG_VERSION_NUMBER')).toMatch(/négociation TLS/);
    expect(causeText(translator('nl-NL'), 'ENOTFOUND')).toBe('onbekende hostnaam');
    expect(causeText(translator('en-US'), 'DEPTH_ZERO_SELF_SIGNED_CERT')).toMatch(/certificate/);
  });
});

describe('numbers', () => {
  it('counts and percentages the locale’s way, in messages too', () => {
    expect(formatNumber('en-US', 10_000)).toBe('10,000');
    expect(formatNumber('nl-NL', 10_000)).toBe('10.000');
    expect(formatNumber('fr-FR', 10_000)).toMatch(/^10[\u00a0\u202f ]000$/);
    expect(formatNumber('sv-SE', 10_000)).toMatch(/^10[\u00a0\u202f ]000$/);
    expect(formatPercent('en-US', 0.169)).toBe('16%');
    expect(formatPercent('fr-FR', 0.169)).toMatch(/^16[\u00a0\u202f ]%$/);
    expect(formatPercent('sv-SE', 0.999)).toMatch(/^99[\u00a0\u202f ]%$/);
    expect(translator('nl-NL')('progress.done', { done: 1_600, total: 10_000 })).toBe('1.600/10.000 apparaten klaar');
  });

  it('puts the count where the language puts it', () => {
    expect(translator('fr-FR')('count.failed', { count: 8 })).toBe('8 en échec');
    expect(translator('nl-NL')('header.source.polling', { interval: '2 s' })).toBe('elke 2 s opgevraagd');
  });
});
