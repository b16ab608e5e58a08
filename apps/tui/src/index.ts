/**
 * @batchwatch/tui — `batchwatch watch`: follow a Windows Autopilot device batch upload live.
 * Exports for the demo launcher, tests and the bench; the executable is `bin/batchwatch.js`.
 */
export { main, runWatch, chooseMode, isCi } from './run.js';
export type { Mode, WatchIO } from './run.js';
export { parseCommand, USAGE, PARTNER_CENTER_URL, DEFAULT_INTERVAL_MS } from './args.js';
export type { Command, WatchOptions, Env } from './args.js';
export { ExitCode, exitCodeFor, classifyError } from './exit-codes.js';
export type { Outcome, ExitCodeValue } from './exit-codes.js';
export { translator, matchLocale, localeFromEnv, SUPPORTED_LOCALES, DEFAULT_LOCALE } from './i18n/index.js';
export type { Locale, Translate } from './i18n/index.js';
export { parseDuration, formatInterval, formatElapsed } from './duration.js';
export { initialState, reduce } from './state/index.js';
export type { WatchState, WatchAction, LogEntry } from './state/index.js';
export { WatchSession } from './session.js';
export { createWatchSource, createPollingSource, createSseSource } from './source/index.js';
export type { WatchSource, SourceHandlers } from './source/index.js';
export { planLayout, clampScroll, SearchCache } from './ui/layout.js';
