/** Words for states, devices, errors and log entries, shared by the plain output and the interactive UI. */
import type { BatchStatus } from '@batchwatch/client';
import { formatInterval } from '../duration.js';
import { hasMessage, type MessageKey, type Translate } from '../i18n/index.js';
import type { DeviceError, DeviceLabel, LogEntry, RetryInfo } from '../state/index.js';
import { safeText } from './safe.js';

export function statusWord(t: Translate, status: BatchStatus): string {
  return t(`status.${status}` as MessageKey);
}

/** Serial number, else product key, else the key: what an operator searches for in the Partner Center UI. */
function deviceName(device: DeviceLabel): string {
  return safeText(device.serialNumber ?? device.productKey ?? device.key);
}

/** The catalogue's hint in the operator's language (keyed by code, or by name for unnumbered errors). */
export function hintText(t: Translate, error: DeviceError): string | undefined {
  for (const id of [error.code, error.name]) {
    const key = `autopilot.${id}`;
    if (id && hasMessage(key)) return t(key);
  }
  return error.hint === undefined ? undefined : safeText(error.hint);
}

/** `808 ZtdDeviceAssignedToOtherTenant — Registered to another tenant; …` */
export function errorText(t: Translate, error: DeviceError, withHint = true, separator = ' — '): string {
  const head = safeText([error.code, error.name].filter(Boolean).join(' '));
  const hint = withHint ? hintText(t, error) : undefined;
  return hint ? `${head}${separator}${hint}` : head;
}

function retrySeconds(retry: RetryInfo, now: number): number {
  return Math.max(0, Math.ceil((retry.at.getTime() + retry.retryInMs - now) / 1_000));
}

/** The retry notice, with a countdown from `now`. "The proxy" when it is the proxy that gives no answer. */
export function retryText(t: Translate, retry: RetryInfo, now: number): string {
  const seconds = retrySeconds(retry, now);
  const code = retry.code && retry.code !== String(retry.status) ? ` (${safeText(retry.code)})` : '';
  switch (retry.kind) {
    case 'throttled':
      return t('retry.throttled', { seconds });
    case 'timeout':
      return t(retry.proxy ? 'retry.proxy.timeout' : 'retry.timeout', { seconds });
    case 'network':
      return t(retry.proxy ? 'retry.proxy.network' : 'retry.network', { seconds, description: causeText(t, retry.description) });
    case 'http':
      return t('retry.http', { seconds, status: retry.status, code });
  }
}

const TLS_CODES = /^(ERR_SSL_|EPROTO$|ERR_TLS_)/;
const CERT_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/;
const OWN_DESCRIPTIONS: Readonly<Record<string, MessageKey>> = {
  'the event stream was interrupted': 'net.stream',
  'the event stream did not answer in time': 'net.streamTimeout',
};

/**
 * Why there was no answer, in words: Node's codes (`ECONNREFUSED`, `ERR_SSL_WRONG_VERSION_NUMBER`…) and our
 * own stream messages are translated; anything else is shown as received, made safe.
 */
export function causeText(t: Translate, description: string): string {
  const own = OWN_DESCRIPTIONS[description];
  if (own) return t(own);
  const key = `net.${description}`;
  if (/^E[A-Z_]+$/.test(description) && hasMessage(key)) return t(key);
  if (CERT_CODES.test(description)) return t('net.certificate');
  if (TLS_CODES.test(description)) return t('net.tls');
  if (description === 'UND_ERR_SOCKET' || /other side closed/i.test(description)) return t('net.closed');
  return safeText(description);
}

function problemText(t: Translate, retry: RetryInfo): string {
  if (!retry.status) return causeText(t, retry.description);
  const description = safeText(retry.description.replace(/[.\s]+$/, ''));
  return `HTTP ${retry.status}${retry.code && retry.code !== String(retry.status) ? ` (${safeText(retry.code)})` : ''} ${description}`;
}

export function logText(t: Translate, entry: LogEntry): string {
  switch (entry.kind) {
    case 'snapshot':
      return t('log.snapshot', { status: statusWord(t, entry.status), done: entry.done, total: entry.total });
    case 'batch':
      return t('log.batch', { from: statusWord(t, entry.from), to: statusWord(t, entry.to) });
    case 'device-added':
      return t('log.deviceAdded', { device: deviceName(entry.device), status: statusWord(t, entry.status) });
    case 'device':
      return t('log.device', { device: deviceName(entry.device), from: statusWord(t, entry.from), to: statusWord(t, entry.to) });
    case 'device-failed':
      return t('log.deviceFailed', { device: deviceName(entry.device), error: errorText(t, entry.error) || '?' });
    case 'devices':
      return t('log.devices', { count: entry.count, status: statusWord(t, entry.status), done: entry.done, total: entry.total });
    case 'more-failed':
      return t('log.moreFailed', { count: entry.count });
    case 'device-already':
      return t('log.deviceAlready', { device: deviceName(entry.device) });
    case 'devices-already':
      return t('log.devicesAlready', { count: entry.count });
    case 'retrying': {
      const params = { problem: problemText(t, entry.retry), seconds: Math.ceil(entry.retry.retryInMs / 1_000) };
      return entry.retry.proxy && !entry.retry.status ? t('log.retryingProxy', params) : t('log.retrying', params);
    }
    case 'recovered':
      return t('log.recovered');
    case 'source':
      return entry.mode === 'sse' ? t('log.source.sse') : t('log.source.polling', { interval: formatInterval(entry.intervalMs) });
  }
}

/** How a line reads at a glance; never the only carrier of meaning (the words say it too). */
export type Tone = 'info' | 'good' | 'bad' | 'warn' | 'muted';

export function logTone(entry: LogEntry): Tone {
  switch (entry.kind) {
    case 'batch':
      return entry.to === 'finished' ? 'good' : entry.to === 'finished_with_errors' ? 'bad' : 'info';
    case 'device-failed':
    case 'more-failed':
      return 'bad';
    case 'retrying':
      return 'warn';
    case 'recovered':
      return 'good';
    case 'device':
    case 'device-added':
    case 'devices':
    case 'device-already':
    case 'devices-already':
    case 'source':
      return 'muted';
    case 'snapshot':
      return 'info';
  }
}

/** `2026-01-01T10:00:05Z`: sortable, unambiguous in logs, no milliseconds. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** `10:00:05` in the operator's locale and time zone (formatters are costly to build: one per locale). */
export function clockTime(date: Date, locale: string): string {
  let format = clockFormats.get(locale);
  if (!format) {
    // hourCycle h23, not hour12: false: en-US resolves the latter to h24 and shows 24:05:00 after midnight.
    format = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    clockFormats.set(locale, format);
  }
  return format.format(date);
}

/**
 * Output of one batch of several: each line gets the batch's tag (`[0127ed8e]`), after its timestamp when it has
 * one, so merged lines still sort by time. Unchanged without a tag (one batch).
 */
export function tagLines(text: string, tag: string | undefined): string {
  if (tag === undefined) return text;
  return text.replace(/^(\d{4}-\d\d-\d\dT[\d:.]+Z )?(?=.)/gm, `$1[${tag}] `);
}
