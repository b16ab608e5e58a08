/** Words for states, devices, errors and log entries, shared by the plain output and the interactive UI. */
import type { BatchStatus } from '@batchwatch/client';
import { formatInterval } from '../duration.js';
import type { MessageKey, Translate } from '../i18n/index.js';
import type { DeviceError, DeviceLabel, LogEntry, RetryInfo } from '../state/index.js';
import { safeText } from './safe.js';

export function statusWord(t: Translate, status: BatchStatus): string {
  return t(`status.${status}` as MessageKey);
}

/** Serial number, else product key, else the key: what an operator searches for in the Partner Center UI. */
export function deviceName(device: DeviceLabel): string {
  return safeText(device.serialNumber ?? device.productKey ?? device.key);
}

/** `808 ZtdDeviceAssignedToOtherTenant — Registered to another tenant; …` */
export function errorText(error: DeviceError, withHint = true, separator = ' — '): string {
  const head = safeText([error.code, error.name].filter(Boolean).join(' '));
  return withHint && error.hint ? `${head}${separator}${safeText(error.hint)}` : head;
}

export function retrySeconds(retry: RetryInfo, now: number): number {
  return Math.max(0, Math.ceil((retry.at.getTime() + retry.retryInMs - now) / 1_000));
}

/** The retry notice, with a countdown from `now`. */
export function retryText(t: Translate, retry: RetryInfo, now: number): string {
  const seconds = retrySeconds(retry, now);
  const code = retry.code && retry.code !== String(retry.status) ? ` (${safeText(retry.code)})` : '';
  switch (retry.kind) {
    case 'throttled':
      return t('retry.throttled', { seconds });
    case 'timeout':
      return t('retry.timeout', { seconds });
    case 'network':
      return t('retry.network', { seconds, description: safeText(retry.description) });
    case 'http':
      return t('retry.http', { seconds, status: retry.status, code });
  }
}

function problemText(retry: RetryInfo): string {
  const description = safeText(retry.description.replace(/[.\s]+$/, ''));
  if (retry.status) return `HTTP ${retry.status}${retry.code && retry.code !== String(retry.status) ? ` (${safeText(retry.code)})` : ''} ${description}`;
  return description;
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
      return t('log.deviceFailed', { device: deviceName(entry.device), error: errorText(entry.error) || '?' });
    case 'devices':
      return t('log.devices', { count: entry.count, status: statusWord(t, entry.status), done: entry.done, total: entry.total });
    case 'more-failed':
      return t('log.moreFailed', { count: entry.count });
    case 'retrying':
      return t('log.retrying', { problem: problemText(entry.retry), seconds: Math.ceil(entry.retry.retryInMs / 1_000) });
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
