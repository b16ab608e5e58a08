/** The end of a watch, in words (plain and interactive) and as the final `--json` object. */
import { PartnerCenterError, summarize, type DeviceDetails } from '@batchwatch/client';
import { formatElapsed, formatInterval } from '../duration.js';
import { classifyError, NoAnswerError, type Outcome } from '../exit-codes.js';
import type { Translate } from '../i18n/index.js';
import { alreadyRegisteredDevices, deviceError, doneCount, failedDevices, type WatchState } from '../state/index.js';
import { causeText, errorText, hintText, statusWord } from './format.js';
import { jsonTime, NDJSON_SCHEMA_VERSION } from './json.js';
import { safeText } from './safe.js';

/** How long the batch has been running (the header's "Elapsed"). */
export function elapsedMs(state: Pick<WatchState, 'batch' | 'watchStarted'>, now: number): number {
  const start = state.batch?.startedTime ?? state.watchStarted;
  const end = state.batch?.completedTime?.getTime() ?? now;
  return Math.max(0, end - start.getTime());
}

/** How long this watch ran (the summary's "Watched for"). */
function watchedMs(state: Pick<WatchState, 'watchStarted'>, now: number): number {
  return Math.max(0, now - state.watchStarted.getTime());
}

/** What the error messages may say about the request: where it went and whether credentials were given. */
export interface ErrorContext {
  baseUrl?: string;
  hadCredentials?: boolean;
}

/** One headline for how it ended. */
export function outcomeLine(t: Translate, state: WatchState, outcome: Outcome, context: ErrorContext = {}): string {
  const total = state.order.length;
  const done = doneCount(state.counts);
  const status = statusWord(t, state.batch?.status ?? 'unknown');
  switch (outcome.kind) {
    case 'finished': {
      const already = state.alreadyRegistered.length;
      if (!outcome.clean) return t('end.errors', { failed: state.failed.length, total });
      return already > 0 ? t('end.cleanAlready', { registered: total - already, total, already }) : t('end.clean', { total });
    }
    case 'interrupted':
      return t('end.interrupted', { status, done, total });
    case 'timeout':
      return t('end.timeout', { duration: formatInterval(outcome.afterMs), status, done, total });
    case 'error':
      return errorLine(t, outcome.error, context);
  }
}

export function errorLine(t: Translate, error: unknown, context: ErrorContext = {}): string {
  if (error instanceof NoAnswerError) {
    return t('end.unreachable', { host: safeText(error.host), duration: formatInterval(error.afterMs), cause: causeText(t, error.description) });
  }
  const pc = error instanceof PartnerCenterError ? error : undefined;
  const params = {
    status: pc?.status ?? 0,
    code: pc?.code && pc.code !== String(pc.status) ? `, code ${safeText(pc.code)}` : '',
    description:
      pc?.kind === 'network' || pc?.kind === 'timeout' || pc?.kind === 'malformed'
        ? describeNoAnswer(t, pc)
        : safeText(pc?.description ?? (error instanceof Error ? error.message : String(error))),
    url: context.baseUrl ? safeText(context.baseUrl) : '?',
  };
  switch (classifyError(error)) {
    case 'not-found':
      return t('end.notFound', params).trim();
    case 'auth':
      return context.hadCredentials === false ? t('end.noToken', params) : t('end.auth', params).trim();
    case 'token':
      return t('end.authToken', params);
    case 'rejected':
      return t('end.rejected', params);
    case 'unavailable':
      return t('end.unavailable', {
        description: pc?.status && pc.kind === 'http' ? `HTTP ${pc.status}${params.code}: ${params.description}` : params.description,
      });
    case 'bug':
      return t('end.failure', params);
  }
}

function describeNoAnswer(t: Translate, error: PartnerCenterError): string {
  return error.kind === 'malformed' ? t('net.malformed') : causeText(t, error.description);
}

/** Devices that share one error, in the order the first of them failed. */
interface ErrorGroup {
  heading: string;
  hint: string | undefined;
  devices: DeviceDetails[];
}

function groupByError(t: Translate, devices: readonly DeviceDetails[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const device of devices) {
    const error = deviceError(device);
    const heading = errorText(t, error, false) || safeText(device.rawStatus);
    let group = groups.get(heading);
    if (!group) groups.set(heading, (group = { heading, hint: hintText(t, error), devices: [] }));
    group.devices.push(device);
  }
  return [...groups.values()];
}

/** Serial number and product key of each device, in two aligned columns. */
function deviceColumns(devices: readonly DeviceDetails[], indent: string): string[] {
  const serials = devices.map((device) => safeText(device.serialNumber ?? device.key));
  const width = Math.max(...serials.map((serial) => [...serial].length));
  return devices.map((device, i) => {
    const key = device.productKey ? safeText(device.productKey) : '';
    return key ? `${indent}${serials[i]!.padEnd(width + (serials[i]!.length - [...serials[i]!].length))}  ${key}` : `${indent}${serials[i]}`;
  });
}

/** Failed devices grouped by error, the hint once per group, every device listed. */
function failedGroupLines(t: Translate, devices: readonly DeviceDetails[]): string[] {
  const lines: string[] = [];
  for (const group of groupByError(t, devices)) {
    // Groups hold one device or more: "one" is exactly 1 in all four languages here.
    lines.push(`  ${group.heading} (${t(group.devices.length === 1 ? 'count.device' : 'count.devices', { count: group.devices.length })})`);
    if (group.hint) lines.push(`    ${group.hint}`);
    lines.push(...deviceColumns(group.devices, '    '));
  }
  return lines;
}

/** The text summary: headline, failed devices by error, already-registered devices, how long, the correlation id. */
export function summaryLines(t: Translate, state: WatchState, outcome: Outcome, now = Date.now(), context: ErrorContext = {}): string[] {
  const lines = [outcomeLine(t, state, outcome, context)];
  if (outcome.kind !== 'error') {
    const failed = failedDevices(state);
    if (failed.length > 0) lines.push(t('end.failedList'), ...failedGroupLines(t, failed));
    const already = alreadyRegisteredDevices(state);
    if (already.length > 0) lines.push(t('end.alreadyList'), ...deviceColumns(already, '  '));
  }
  lines.push(t('end.elapsed', { elapsed: formatElapsed(watchedMs(state, now)), correlation: state.correlationId }));
  return lines;
}

/** The last line of `--json`: everything a script needs to decide what to do next. */
export function summaryObject(state: WatchState, outcome: Outcome, exitCode: number, now = Date.now()): Record<string, unknown> {
  const devices = [...state.devices.values()];
  const summary = summarize({ status: state.batch?.status ?? 'unknown', devices });
  const result: Record<string, unknown> = {
    schemaVersion: NDJSON_SCHEMA_VERSION,
    type: 'summary',
    outcome: outcome.kind,
    exitCode,
    customerId: state.customerId,
    batchTrackingId: state.trackingId,
    correlationId: state.correlationId,
    source: state.mode,
    status: state.batch?.status ?? null,
    startedTime: state.batch?.startedTime ? jsonTime(state.batch.startedTime) : null,
    completedTime: state.batch?.completedTime ? jsonTime(state.batch.completedTime) : null,
    elapsedMs: elapsedMs(state, now),
    watchedMs: watchedMs(state, now),
    total: summary.total,
    done: summary.done,
    succeeded: summary.succeeded,
    byStatus: summary.byStatus,
    failed: failedDevices(state).map(failedDeviceObject),
    alreadyRegistered: alreadyRegisteredDevices(state).map(failedDeviceObject),
    countAlreadyRegistered: state.countAlreadyRegistered,
  };
  if (outcome.kind === 'timeout') result.timeoutMs = outcome.afterMs;
  if (outcome.kind === 'error') result.error = errorObject(outcome.error);
  return result;
}

function failedDeviceObject(device: DeviceDetails): Record<string, unknown> {
  const error = deviceError(device);
  return {
    serialNumber: device.serialNumber ?? null,
    productKey: device.productKey ?? null,
    deviceId: device.deviceId ?? null,
    status: device.status,
    errorCode: device.errorCode ?? null,
    errorDescription: device.errorDescription ?? null,
    errorName: error.name ?? null,
    hint: error.hint ?? null,
  };
}

function errorObject(error: unknown): Record<string, unknown> {
  if (error instanceof NoAnswerError)
    return { kind: 'no-answer', class: 'unavailable', host: error.host, description: error.description, afterMs: error.afterMs };
  if (!(error instanceof PartnerCenterError)) return { kind: 'internal', description: error instanceof Error ? error.message : String(error) };
  return {
    kind: error.kind,
    class: classifyError(error),
    status: error.status,
    code: error.code ?? null,
    description: error.description,
    requestId: error.requestId ?? null,
    correlationId: error.correlationId ?? null,
  };
}
