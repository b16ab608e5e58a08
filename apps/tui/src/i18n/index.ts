import { enUS, type MessageKey, type Messages } from './en-US.js';
import { frFR } from './fr-FR.js';
import { nlNL } from './nl-NL.js';
import { svSE } from './sv-SE.js';

export type { MessageKey } from './en-US.js';

export const SUPPORTED_LOCALES = ['en-US', 'sv-SE', 'nl-NL', 'fr-FR'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en-US';

const tables: Readonly<Record<Locale, Messages>> = { 'en-US': enUS, 'sv-SE': svSE, 'nl-NL': nlNL, 'fr-FR': frFR };

type Params = Readonly<Record<string, string | number>>;
export type Translate = (key: MessageKey, params?: Params) => string;

/**
 * A `t()` bound to one locale: `{name}` placeholders are replaced, unknown ones left as they are. Numbers
 * are written the locale's way (`10,000`, `10 000`, `10.000`).
 */
export function translator(locale: Locale): Translate {
  const table = tables[locale];
  return (key, params) => {
    const text = table[key];
    if (!params) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      if (!(name in params)) return whole;
      const value = params[name]!;
      return typeof value === 'number' ? formatNumber(locale, value) : value;
    });
  };
}

/** Whether a key exists (for keys built from data, such as `autopilot.<code>`). */
export function hasMessage(key: string): key is MessageKey {
  return Object.hasOwn(tables[DEFAULT_LOCALE], key);
}

const numberFormats = new Map<Locale, Intl.NumberFormat>();

/** A count as the locale writes it: `10,000`, `10 000`, `10.000`. */
export function formatNumber(locale: Locale, value: number): string {
  let format = numberFormats.get(locale);
  if (!format) numberFormats.set(locale, (format = new Intl.NumberFormat(locale)));
  return format.format(value);
}

/** A share as the locale writes it: `16%`, `16 %` (fr, sv), rounded down so 100 % means all. */
export function formatPercent(locale: Locale, ratio: number): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0, roundingMode: 'trunc' } as Intl.NumberFormatOptions).format(ratio);
}

/**
 * Matches a locale tag or a POSIX locale (`sv_SE.UTF-8`, `fr_CA`, `nl`) to a supported locale:
 * exact region first, then the language alone. Undefined when nothing fits.
 */
export function matchLocale(value: string | undefined): Locale | undefined {
  if (!value) return undefined;
  const tag = value.trim().split(/[.@]/)[0]!.replace(/_/g, '-');
  if (!tag || tag === 'C' || tag === 'POSIX') return undefined;
  const lower = tag.toLowerCase();
  const exact = SUPPORTED_LOCALES.find((locale) => locale.toLowerCase() === lower);
  if (exact) return exact;
  const language = lower.split('-')[0];
  return SUPPORTED_LOCALES.find((locale) => locale.toLowerCase().split('-')[0] === language);
}

/**
 * The locale from the environment, POSIX precedence: `LC_ALL`, then `LC_MESSAGES`, then `LANG`.
 * The first variable that is set decides (so `LC_ALL=C` means English even when `LANG` says Swedish).
 */
export function localeFromEnv(env: Readonly<Record<string, string | undefined>>): Locale {
  for (const name of ['LC_ALL', 'LC_MESSAGES', 'LANG']) {
    const value = env[name];
    if (value) return matchLocale(value) ?? DEFAULT_LOCALE;
  }
  return DEFAULT_LOCALE;
}
