import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { TokenCredential } from '@azure/identity';
import { clouds, isGuid } from '@batchwatch/client';
import { parseDuration } from './duration.js';
import { DEFAULT_LOCALE, localeFromEnv, matchLocale, SUPPORTED_LOCALES, type Locale } from './i18n/index.js';

export type Env = Readonly<Record<string, string | undefined>>;

interface AzureCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/** Everything `batchwatch watch` needs, validated: ids are GUIDs, durations are numbers, the URL parses. */
export interface WatchOptions {
  customerId: string;
  /** The batches to follow in one view (at least one; duplicates removed). */
  trackingIds: string[];
  baseUrl: string;
  /** A proxy key or a Partner Center bearer token. */
  token?: string;
  /** Entra app credentials for Partner Center itself, used when no token is given. */
  azure?: AzureCredentials;
  /** Any other credential (the operator's own sign-in, after an upload). */
  credential?: TokenCredential;
  /** The scope to ask `credential` for (the sign-in's delegated scope); default Partner Center's `.default`. */
  scopes?: string;
  /**
   * Nothing else given and the base URL is Partner Center itself: use the operator's sign-in (`batchwatch login`),
   * looked up when the watch starts.
   */
  signIn?: boolean;
  /** Write the failed devices here when the watch ends (`--export`). */
  exportPath?: string;
  /** The uploaded CSVs, so the export carries the original rows and hashes (`--devices`, repeatable). */
  devicesFiles?: string[];
  intervalMs: number;
  /** Give up after this long; undefined = never. */
  timeoutMs?: number;
  locale: Locale;
  /** Output chosen by flags; `auto` means interactive on a terminal, plain otherwise. */
  output: 'auto' | 'plain' | 'json';
  color: boolean;
  /** 806 (already registered to this tenant) counts as a failure (exit 1). */
  countAlreadyRegistered: boolean;
  /** Interactive: leave as soon as the batch ends instead of waiting for q (scripts, the demo). */
  exitOnFinish: boolean;
  /** A watch that has had no answer at all after this long fails (exit 4). */
  connectTimeoutMs: number;
}

export type Command =
  { kind: 'help'; text: string } | { kind: 'version'; text: string } | { kind: 'watch'; options: WatchOptions } | { kind: 'usage-error'; message: string };

export const PARTNER_CENTER_URL = clouds.global;
export const DEFAULT_INTERVAL_MS = 5_000;
const MIN_INTERVAL_MS = 100;
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

export const USAGE = `batchwatch — follow a Windows Autopilot device batch upload in Partner Center, live

Usage:
  batchwatch watch <customer-id> <batch-tracking-id>... [options]   (an alias works too; no tracking id: pick;
                      several tracking ids: one view, Tab / Shift-Tab move between the batches)
  batchwatch help [watch]
  batchwatch login | logout | whoami                           your own sign-in (device code), for uploads
  batchwatch customers add <alias> <customer-id> | remove <alias> | list
  batchwatch upload <customer> <devices.csv> [--batch-id <name>] [--watch] [--split] [--export <file>]
  batchwatch list <customer> [--json | --plain]
  <customer> is a customer id (GUID) or an alias; see the README for every option of these commands.

Options:
  --base-url <url>    Proxy or Partner Center base URL     (env BATCHWATCH_BASE_URL; default ${PARTNER_CENTER_URL})
  --token <token>     Proxy API key or Partner Center bearer token (env BATCHWATCH_TOKEN)
  --base-url defaults to BATCHWATCH_PARTNER_CENTER_URL when set, else Partner Center.
  --interval <dur>    Poll interval when polling             (env BATCHWATCH_INTERVAL; default 5s, minimum 100ms)
  --timeout <dur>     Give up after this long, exit 4        (env BATCHWATCH_TIMEOUT; default: never)
  --connect-timeout <dur>  Fail (exit 4) when the base URL has never answered after this long
                      (env BATCHWATCH_CONNECT_TIMEOUT; default 30s); later outages are waited out
  --count-already-registered  Count 806 (already registered to this tenant) as a failure (exit 1)
  --exit-on-finish    Interactive: leave when the batch ends (default: stay to browse, q to leave)
  --locale <tag>      en-US, sv-SE, nl-NL or fr-FR           (default from LC_ALL / LC_MESSAGES / LANG, else en-US)
  --json              One JSON object per event on stdout (NDJSON), then a summary object
  --plain             Plain timestamped lines, one per transition (the default when not on a terminal or in CI)
  --no-color          No colours (also NO_COLOR=1)
  --export <file>     When the watch ends, write the failed devices (of every batch watched) there as an
                      Autopilot CSV (key e: now; without --export, to failed-<tracking id or customer id>.csv)
  --devices <file>    The CSV that was uploaded: the export then carries its rows, hardware hashes included
                      (repeat it for the files of several batches)
  -h, --help          Show this help (also: batchwatch help)
  -v, --version       Show the version

Durations: 500ms, 5s, 2m, 1h, 1m30s; a bare number is seconds.
Credentials, first found wins: --token, else BATCHWATCH_TOKEN (a proxy's API key, or a Partner Center bearer
  token); else an Entra app (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET); else, when the base URL is
  Partner Center itself, your own sign-in (batchwatch login; refreshed silently). A proxy never gets your sign-in.

Ids may be given in braces: {47021739-3426-40bf-9601-61b4b6d7c793}.

Keys (interactive): q / Ctrl-C quit · f failed only · / search serial (as you type; Enter keep, Esc clear,
  Ctrl-U erase, Ctrl-W erase word) · e export failed devices · y copy serial (OSC 52) · r refresh now
  ↑ ↓ j k PgUp PgDn Home End g G scroll · Tab / Shift-Tab next / previous batch (several batches)
  After the batch ends the view stays for browsing; q leaves (--exit-on-finish: leave at once).

Exit codes: 0 finished, no device errors (806 already registered is not an error) · 1 finished with device errors
            2 usage · 3 not found or not authorised · 4 timed out, never answered, or upstream unavailable
            130 interrupted (q, Ctrl-C, SIGINT, SIGTERM, SIGHUP) · several batches: the highest of theirs`;

/**
 * The version: package.json's, plus the commit it was built from when the build recorded one
 * (`dist/build-info.json`, written by `npm run build`): `0.3.1+g8d5e1a4`.
 */
export function version(buildInfo = new URL('../dist/build-info.json', import.meta.url)): string {
  const pkg = readJson<{ version: string }>(new URL('../package.json', import.meta.url));
  const build = readJson<{ commit?: string }>(buildInfo);
  return build?.commit ? `${pkg!.version}+${build.commit}` : pkg!.version;
}

function readJson<T>(url: URL): T | undefined {
  try {
    return JSON.parse(readFileSync(url, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** `{47021739-…}` (as PowerShell and the registry print GUIDs) is the same id without the braces. */
function unbrace(id: string): string {
  return /^\{.*\}$/.test(id) ? id.slice(1, -1) : id;
}

/** Turns argv (without `node` and the script) and the environment into a command. Never does I/O beyond reading package.json. */
export function parseCommand(argv: readonly string[], env: Env): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'base-url': { type: 'string' },
        token: { type: 'string' },
        interval: { type: 'string' },
        timeout: { type: 'string' },
        locale: { type: 'string' },
        json: { type: 'boolean' },
        plain: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        export: { type: 'string' },
        devices: { type: 'string', multiple: true },
        'connect-timeout': { type: 'string' },
        'count-already-registered': { type: 'boolean' },
        'exit-on-finish': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help', text: USAGE };
  if (values.version) return { kind: 'version', text: version() };
  const [command, ...rest] = positionals;
  if (command === 'help') {
    if (rest.length === 0 || (rest.length === 1 && rest[0] === 'watch')) return { kind: 'help', text: USAGE };
    return usageError(`no help for "${rest.join(' ')}"; the command is "watch"`);
  }
  const [rawCustomer, ...rawTracking] = rest;
  const customerId = rawCustomer === undefined ? undefined : unbrace(rawCustomer);
  if (command === undefined) return usageError('missing command: batchwatch watch <customer-id> <batch-tracking-id>');
  if (command !== 'watch') return usageError(`unknown command "${command}"; the command is "watch"`);
  if (customerId === undefined || rawTracking.length === 0) return usageError('watch needs a customer id and a batch tracking id');
  if (!isGuid(customerId)) return usageError(`the customer id must be a GUID like 47021739-3426-40bf-9601-61b4b6d7c793, got "${customerId}"`);
  const badTracking = rawTracking.map(unbrace).find((id) => !isGuid(id));
  if (badTracking !== undefined) return usageError(`the batch tracking id must be a GUID like 0127ed8e-1f4d-4cde-9b5a-6e8a9b3c2d10, got "${badTracking}"`);
  const trackingIds = uniqueIds(rawTracking.map(unbrace));
  if (values.json && values.plain) return usageError('--json and --plain exclude each other');

  const baseUrl = values['base-url'] ?? env.BATCHWATCH_BASE_URL ?? env.BATCHWATCH_PARTNER_CENTER_URL ?? PARTNER_CENTER_URL;
  const baseUrlName =
    values['base-url'] !== undefined
      ? '--base-url'
      : env.BATCHWATCH_BASE_URL !== undefined
        ? 'BATCHWATCH_BASE_URL'
        : env.BATCHWATCH_PARTNER_CENTER_URL !== undefined
          ? 'BATCHWATCH_PARTNER_CENTER_URL'
          : '--base-url';
  if (!isHttpUrl(baseUrl)) return usageError(`${baseUrlName} must be an http(s) URL, got "${baseUrl}"`);
  if (/\/v1\/*$/i.test(baseUrl))
    return usageError(`${baseUrlName} is the root without /v1 (batchwatch adds /v1/customers/…): use "${baseUrl.replace(/\/v1\/*$/i, '')}"`);

  const intervalMs = durationOption('--interval', values.interval, 'BATCHWATCH_INTERVAL', env.BATCHWATCH_INTERVAL, DEFAULT_INTERVAL_MS);
  if (typeof intervalMs === 'string') return usageError(intervalMs);
  if (intervalMs < MIN_INTERVAL_MS)
    return usageError(`${values.interval !== undefined ? '--interval' : 'BATCHWATCH_INTERVAL'} must be at least ${MIN_INTERVAL_MS}ms`);
  const timeoutMs = durationOption('--timeout', values.timeout, 'BATCHWATCH_TIMEOUT', env.BATCHWATCH_TIMEOUT, 0);
  if (typeof timeoutMs === 'string') return usageError(timeoutMs);
  const connectTimeoutMs = durationOption(
    '--connect-timeout',
    values['connect-timeout'],
    'BATCHWATCH_CONNECT_TIMEOUT',
    env.BATCHWATCH_CONNECT_TIMEOUT,
    DEFAULT_CONNECT_TIMEOUT_MS,
  );
  if (typeof connectTimeoutMs === 'string') return usageError(connectTimeoutMs);
  if (connectTimeoutMs <= 0) return usageError('--connect-timeout must be more than 0');

  let locale: Locale = localeFromEnv(env) ?? DEFAULT_LOCALE;
  if (values.locale !== undefined) {
    const chosen = matchLocale(values.locale);
    if (!chosen) return usageError(`--locale must be one of ${SUPPORTED_LOCALES.join(', ')}, got "${values.locale}"`);
    locale = chosen;
  }

  const credentials = chooseCredentials(values.token ?? env.BATCHWATCH_TOKEN, env, baseUrl);
  if (typeof credentials === 'string') return usageError(credentials);

  const options: WatchOptions = {
    customerId,
    trackingIds,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    ...credentials,
    intervalMs,
    locale,
    output: values.json ? 'json' : values.plain ? 'plain' : 'auto',
    color: wantsColor(values['no-color'] === true, env),
    countAlreadyRegistered: values['count-already-registered'] === true,
    exitOnFinish: values['exit-on-finish'] === true,
    connectTimeoutMs,
  };
  if (timeoutMs > 0) options.timeoutMs = timeoutMs;
  if (values.export !== undefined) options.exportPath = values.export;
  if (values.devices !== undefined) options.devicesFiles = values.devices;
  return { kind: 'watch', options };
}

function usageError(message: string): Command {
  return { kind: 'usage-error', message };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * The duration in ms from the flag, else the variable, else the default; or an error message naming
 * whichever of the two was wrong.
 */
function durationOption(flag: string, flagText: string | undefined, variable: string, variableText: string | undefined, fallback: number): number | string {
  const [name, text] = flagText !== undefined ? [flag, flagText] : [variable, variableText];
  if (text === undefined || text === '') return fallback;
  const ms = parseDuration(text);
  return ms === undefined ? `${name} must be a duration such as 500ms, 5s, 2m or 1m30s, got "${text}"` : ms;
}

/**
 * Colour: `--no-color` always wins; then `FORCE_COLOR` (on unless `0`/`false`) beats `NO_COLOR`
 * (any non-empty value), as the two conventions (force-color.org, no-color.org) intend.
 */
export function wantsColor(noColorFlag: boolean, env: Env): boolean {
  if (noColorFlag) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  return !env.NO_COLOR;
}

/**
 * The credential, first found wins: a token (`--token`, then `BATCHWATCH_TOKEN`: a proxy key or a bearer
 * token); the three AZURE_* variables (an Entra app); then, talking to Partner Center itself, the operator's
 * sign-in (`batchwatch login`), which is looked up when the watch starts. A proxy never gets the sign-in: it has
 * its own credentials, and its caller needs none or a key.
 */
function chooseCredentials(token: string | undefined, env: Env, baseUrl: string): Pick<WatchOptions, 'token' | 'azure' | 'signIn'> | string {
  if (token) return { token };
  const missing = missingAzureVariables(env);
  if (missing.length === 0) return { azure: { tenantId: env.AZURE_TENANT_ID!, clientId: env.AZURE_CLIENT_ID!, clientSecret: env.AZURE_CLIENT_SECRET! } };
  // A secret means an Entra app was meant. AZURE_TENANT_ID and AZURE_CLIENT_ID alone are what `login` reads.
  if (env.AZURE_CLIENT_SECRET) return `incomplete Entra credentials: ${missing.join(', ')} not set (or give --token)`;
  return isDirectPartnerCenter(baseUrl, env) ? { signIn: true } : {};
}

/** Which of the Entra app's three variables are not set. */
function missingAzureVariables(env: Env): string[] {
  return ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET'].filter((name) => !env[name]);
}

/** Partner Center itself (any cloud's), or what `BATCHWATCH_PARTNER_CENTER_URL` names as such (a simulator). */
export function isDirectPartnerCenter(baseUrl: string, env: Env): boolean {
  const named = env.BATCHWATCH_PARTNER_CENTER_URL;
  return isPartnerCenter(baseUrl) || (named !== undefined && safeOrigin(named) === safeOrigin(baseUrl));
}

/** The ids once each, in the order given (GUIDs compare case-insensitively). */
function uniqueIds(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => !seen.has(id.toLowerCase()) && seen.add(id.toLowerCase()));
}

export function isPartnerCenter(baseUrl: string): boolean {
  const origin = safeOrigin(baseUrl);
  return Object.values(clouds).some((url) => safeOrigin(url) === origin);
}

function safeOrigin(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
