/** The end of a watch, in words (plain and interactive) and as the final `--json` object. */
import { PartnerCenterError, summarize, type DeviceDetails } from '@batchwatch/client';
import { formatElapsed, formatInterval } from '../duration.js';
import { classifyError, type Outcome } from '../exit-codes.js';
import type { Translate } from '../i18n/index.js';
import { deviceError, doneCount, failedDevices, type WatchState } from '../state/index.js';
import { deviceName, errorText, isoSeconds, statusWord } from './format.js';
import { safeText } from './safe.js';

/** Failed devices listed in the text summary; `--json` lists them all. */
export const SUMMARY_FAILED_LIMIT = 50;

export function elapsedMs(state: Pick<WatchState, 'batch' | 'watchStarted'>, now: number): number {
  const start = state.batch?.startedTime ?? state.watchStarted;
  const end = state.batch?.completedTime?.getTime() ?? now;
  return Math.max(0, end - start.getTime());
}

/** One headline for how it ended. */
export function outcomeLine(t: Translate, state: WatchState, outcome: Outcome): string {
  const total = state.order.length;
  const done = doneCount(state.counts);
  const status = statusWord(t, state.batch?.status ?? 'unknown');
  switch (outcome.kind) {
    case 'finished':
      return outcome.clean ? t('end.clean', { total }) : t('end.errors', { failed: state.failed.length, total });
    case 'interrupted':
      return t('end.interrupted', { status, done, total });
    case 'timeout':
      return t('end.timeout', { duration: formatInterval(outcome.afterMs), status, done, total });
    case 'error':
      return errorLine(t, outcome.error);
  }
}

export function errorLine(t: Translate, error: unknown): string {
  const pc = error instanceof PartnerCenterError ? error : undefined;
  const params = {
    status: pc?.status ?? 0,
    code: pc?.code && pc.code !== String(pc.status) ? `, code ${safeText(pc.code)}` : '',
    description: safeText(pc?.description ?? (error instanceof Error ? error.message : String(error))),
  };
  switch (classifyError(error)) {
    case 'not-found':
      return t('end.notFound', params).trim();
    case 'auth':
      return t('end.auth', params).trim();
    case 'token':
      return t('end.authToken', params);
    case 'rejected':
      return t('end.rejected', params);
    case 'unavailable':
      return t('end.unavailable', { description: pc?.status ? `HTTP ${pc.status}${params.code}: ${params.description}` : params.description });
    case 'bug':
      return t('end.failure', params);
  }
}

/** `SN-0001  XXXXX-…  808 ZtdDeviceAssignedToOtherTenant — Registered to another tenant; …` */
export function failedDeviceLine(device: DeviceDetails): string {
  const parts = [deviceName(device)];
  if (device.serialNumber && device.productKey) parts.push(safeText(device.productKey));
  parts.push(errorText(deviceError(device)) || safeText(device.rawStatus));
  return parts.join('  ');
}

/** The text summary: headline, failed devices (capped), elapsed time and the correlation id for support. */
export function summaryLines(t: Translate, state: WatchState, outcome: Outcome, now = Date.now()): string[] {
  const lines = [outcomeLine(t, state, outcome)];
  const failed = failedDevices(state);
  if (failed.length > 0 && outcome.kind !== 'error') {
    lines.push(t('end.failedList'));
    for (const device of failed.slice(0, SUMMARY_FAILED_LIMIT)) lines.push(`  ${failedDeviceLine(device)}`);
    if (failed.length > SUMMARY_FAILED_LIMIT) lines.push(`  ${t('end.moreFailed', { count: failed.length - SUMMARY_FAILED_LIMIT })}`);
  }
  lines.push(t('end.elapsed', { elapsed: formatElapsed(elapsedMs(state, now)), correlation: state.correlationId }));
  return lines;
}

/** The last line of `--json`: everything a script needs to decide what to do next. */
export function summaryObject(state: WatchState, outcome: Outcome, exitCode: number, now = Date.now()): Record<string, unknown> {
  const devices = [...state.devices.values()];
  const summary = summarize({ status: state.batch?.status ?? 'unknown', devices });
  const result: Record<string, unknown> = {
    type: 'summary',
    outcome: outcome.kind,
    exitCode,
    customerId: state.customerId,
    batchTrackingId: state.trackingId,
    correlationId: state.correlationId,
    source: state.mode,
    status: state.batch?.status ?? null,
    startedTime: state.batch?.startedTime ? isoSeconds(state.batch.startedTime) : null,
    completedTime: state.batch?.completedTime ? isoSeconds(state.batch.completedTime) : null,
    elapsedMs: elapsedMs(state, now),
    total: summary.total,
    done: summary.done,
    succeeded: summary.succeeded,
    byStatus: summary.byStatus,
    failed: failedDevices(state).map(failedDeviceObject),
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

export function errorObject(error: unknown): Record<string, unknown> {
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
