import type { BatchUploadDetails, DeviceUploadDetails } from '@batchwatch/openapi';

/** A batch status as callers see it: Partner Center's five values; anything unrecognised reads as `unknown`. */
export type BatchStatus = 'unknown' | 'queued' | 'processing' | 'finished' | 'finished_with_errors';
/** A device status: as the batch's (`in-progress` reads as `processing`). */
export type DeviceStatus = BatchStatus;

export interface DeviceDetails {
  /** Stable identity across polls: serial number and product key (deviceId appears only once registered). */
  key: string;
  deviceId?: string;
  serialNumber?: string;
  productKey?: string;
  status: DeviceStatus;
  /** The status string as Partner Center sent it. */
  rawStatus: string;
  errorCode?: string;
  errorDescription?: string;
  /** The device entry exactly as received, unknown fields included. */
  raw: DeviceUploadDetails;
}

export interface BatchDetails {
  batchTrackingId: string;
  status: BatchStatus;
  rawStatus: string;
  startedTime?: Date;
  completedTime?: Date;
  devices: DeviceDetails[];
  /** The body exactly as received, unknown fields included. */
  raw: BatchUploadDetails;
}

const STATUSES: ReadonlySet<string> = new Set<BatchStatus>(['unknown', 'queued', 'processing', 'finished', 'finished_with_errors']);
const STATUS_ALIASES: Readonly<Record<string, BatchStatus>> = { 'in-progress': 'processing', inprogress: 'processing' };

/** Reads a status string tolerantly (`FinishedWithErrors`, `in-progress`); unknown values become `unknown`. */
export function normalizeStatus(raw: unknown): BatchStatus {
  if (typeof raw !== 'string') return 'unknown';
  const value = raw.trim().toLowerCase();
  if (STATUSES.has(value)) return value as BatchStatus;
  if (STATUS_ALIASES[value]) return STATUS_ALIASES[value];
  const snake = raw.trim().replace(/([a-z])([A-Z])/g, '$1_$2').replace(/[\s-]+/g, '_').toLowerCase();
  return STATUSES.has(snake) ? (snake as BatchStatus) : 'unknown';
}

const OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Reads a Partner Center timestamp. Offset-less values are UTC ("UTC date-time format"); null, empty,
 * unparsable and .NET's `DateTime.MinValue` (`0001-01-01T00:00:00`) read as absent.
 */
export function parsePartnerCenterTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !value.trim() || value.startsWith('0001-01-01')) return undefined;
  const text = value.trim();
  // JavaScript keeps milliseconds only: trim .NET's 7-digit fractions.
  const iso = (OFFSET.test(text) ? text : `${text}Z`).replace(/(\.\d{3})\d+/, '$1');
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function deviceKey(device: Pick<DeviceUploadDetails, 'serialNumber' | 'productKey' | 'deviceId'>, index: number): string {
  if (device.serialNumber || device.productKey) return `${device.serialNumber ?? ''}|${device.productKey ?? ''}`;
  return device.deviceId ? `id:${device.deviceId}` : `#${index}`;
}

export function normalizeDevice(raw: DeviceUploadDetails, index = 0): DeviceDetails {
  const device: DeviceDetails = {
    key: deviceKey(raw, index),
    status: normalizeStatus(raw.status),
    rawStatus: String(raw.status ?? ''),
    raw,
  };
  assignText(device, 'deviceId', raw.deviceId);
  assignText(device, 'serialNumber', raw.serialNumber);
  assignText(device, 'productKey', raw.productKey);
  // Partner Center sends `errorCode` as a string; tolerate numbers.
  assignText(device, 'errorCode', typeof raw.errorCode === 'number' ? String(raw.errorCode) : raw.errorCode);
  assignText(device, 'errorDescription', raw.errorDescription);
  return device;
}

export function normalizeBatch(raw: BatchUploadDetails): BatchDetails {
  const batch: BatchDetails = {
    batchTrackingId: raw.batchTrackingId,
    status: normalizeStatus(raw.status),
    rawStatus: String(raw.status ?? ''),
    devices: Array.isArray(raw.devicesStatus) ? raw.devicesStatus.map(normalizeDevice) : [],
    raw,
  };
  const startedTime = parsePartnerCenterTime(raw.startedTime);
  const completedTime = parsePartnerCenterTime(raw.completedTime);
  if (startedTime) batch.startedTime = startedTime;
  if (completedTime) batch.completedTime = completedTime;
  return batch;
}

/** Just enough shape checking to trust a 2xx body: an object with a tracking id and a status. */
export function isBatchUploadDetails(body: unknown): body is BatchUploadDetails {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const { batchTrackingId, status, devicesStatus } = body as Record<string, unknown>;
  return (
    typeof batchTrackingId === 'string' &&
    typeof status === 'string' &&
    (devicesStatus === undefined || devicesStatus === null || Array.isArray(devicesStatus))
  );
}

function assignText<K extends 'deviceId' | 'serialNumber' | 'productKey' | 'errorCode' | 'errorDescription'>(
  target: DeviceDetails,
  key: K,
  value: unknown,
): void {
  if (typeof value === 'string' && value !== '') target[key] = value;
}
