import { batchUploadStatusValues, type BatchUploadDetails, type BatchUploadStatus, type DeviceUploadDetails } from '@batchwatch/openapi';

/** A batch status as callers see it: the contract's values; anything unrecognised reads as `unknown`. */
export type BatchStatus = BatchUploadStatus;
/** A device status: as the batch's (`in-progress` reads as `processing`). */
export type DeviceStatus = BatchStatus;

/**
 * A device entry as it may really arrive: the contract's fields, but `status` is whatever Partner Center sent
 * (any string, or the enum's int32 ordinal).
 */
export type RawDeviceUploadDetails = Omit<DeviceUploadDetails, 'status'> & {
  status: string | number;
};

/** A batch body as it may really arrive: `status` any string or int32 ordinal, devices as above. */
export type RawBatchUploadDetails = Omit<BatchUploadDetails, 'status' | 'devicesStatus'> & {
  status: string | number;
  devicesStatus?: RawDeviceUploadDetails[] | null;
};

export interface DeviceDetails {
  /**
   * Stable identity across polls: serial number and product key (deviceId appears only once registered). A
   * duplicated pair (Partner Center's `ZtdDeviceDuplicated`) gets `#2`, `#3`… in order of appearance.
   */
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
  raw: RawDeviceUploadDetails;
}

export interface BatchDetails {
  batchTrackingId: string;
  status: BatchStatus;
  rawStatus: string;
  startedTime?: Date;
  completedTime?: Date;
  devices: DeviceDetails[];
  /** The body exactly as received, unknown fields included. */
  raw: RawBatchUploadDetails;
}

/** The int32 ordinals of the SDKs' `DeviceUploadStatusType`: the contract's enum order. */
const STATUS_BY_ORDINAL: readonly BatchStatus[] = batchUploadStatusValues;

/** Lower case, no spaces, `_` or `-`: `FinishedWithErrors`, `finished-with-errors` and `In Progress` read alike. */
const compact = (status: string) => status.replace(/[\s_-]+/g, '').toLowerCase();

/** Every spelling seen or documented, compacted; `in-progress` (the contract's device-only value) is `processing`. */
const STATUS_BY_COMPACT: ReadonlyMap<string, BatchStatus> = new Map([
  ...STATUS_BY_ORDINAL.map((status) => [compact(status), status] as const),
  [compact('in-progress' satisfies DeviceUploadDetails['status']), 'processing'],
]);

/**
 * Reads a status tolerantly: any case or separator (`FinishedWithErrors`, `in_progress`, `In Progress`), or the
 * enum's int32 ordinal (0–4); anything else is `unknown`.
 */
export function normalizeStatus(raw: unknown): BatchStatus {
  if (typeof raw === 'number') return STATUS_BY_ORDINAL[raw] ?? 'unknown';
  if (typeof raw !== 'string') return 'unknown';
  // The documented spelling, most of the time: a scan of five short strings is cheaper than hashing a new one.
  if ((STATUS_BY_ORDINAL as readonly string[]).includes(raw)) return raw as BatchStatus;
  return STATUS_BY_COMPACT.get(compact(raw)) ?? 'unknown';
}

const OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Reads a Partner Center timestamp. Offset-less values are UTC ("UTC date-time format"); null, empty,
 * unparsable and .NET's `DateTime.MinValue` (`0001-01-01T00:00:00`) read as absent.
 */
export function parsePartnerCenterTime(value: unknown): Date | undefined {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text || text.startsWith('0001-01-01')) return undefined;
  const iso = OFFSET.test(text) ? text : `${text}Z`;
  // JavaScript keeps milliseconds only: trim .NET's 7-digit fractions.
  const date = new Date(iso.includes('.') ? iso.replace(/(\.\d{3})\d+/, '$1') : iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function deviceKey(device: Pick<RawDeviceUploadDetails, 'serialNumber' | 'productKey' | 'deviceId'>, index: number): string {
  if (device.serialNumber || device.productKey) return `${device.serialNumber ?? ''}|${device.productKey ?? ''}`;
  return device.deviceId ? `id:${device.deviceId}` : `#${index}`;
}

export function normalizeDevice(raw: RawDeviceUploadDetails, index = 0, key = deviceKey(raw, index)): DeviceDetails {
  const device: DeviceDetails = {
    key,
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

/** `previous`: an earlier snapshot of the same batch, whose device keys are reused where the devices are the same. */
export function normalizeBatch(raw: RawBatchUploadDetails | BatchUploadDetails, previous?: Pick<BatchDetails, 'devices'>): BatchDetails {
  const batch: BatchDetails = {
    batchTrackingId: raw.batchTrackingId,
    status: normalizeStatus(raw.status),
    rawStatus: String(raw.status ?? ''),
    devices: Array.isArray(raw.devicesStatus) ? normalizeDevices(raw.devicesStatus, previous?.devices) : [],
    raw,
  };
  const startedTime = parsePartnerCenterTime(raw.startedTime);
  const completedTime = parsePartnerCenterTime(raw.completedTime);
  if (startedTime) batch.startedTime = startedTime;
  if (completedTime) batch.completedTime = completedTime;
  return batch;
}

/**
 * Devices with unique keys: a repeated serial number and product key is told apart by its order of appearance.
 * The same devices in the same order as in `previous` keep its keys as they are, with no index to build: the
 * common case of a batch polled again, where building one costs about as much as parsing the body.
 */
function normalizeDevices(raw: RawDeviceUploadDetails[], previous: readonly DeviceDetails[] = []): DeviceDetails[] {
  if (sameDevicesAs(raw, previous)) return raw.map((device, position) => normalizeDevice(device, position, previous[position]!.key));
  const devices = raw.map((device, position) => normalizeDevice(device, position));
  withUniqueKeys(devices);
  return devices;
}

function sameDevicesAs(raw: readonly RawDeviceUploadDetails[], previous: readonly DeviceDetails[]): boolean {
  if (raw.length !== previous.length || raw.length === 0) return false;
  return raw.every((device, position) => {
    const before = previous[position]!.raw;
    return device.serialNumber === before.serialNumber && device.productKey === before.productKey && device.deviceId === before.deviceId;
  });
}

function withUniqueKeys(devices: DeviceDetails[]): void {
  const index = new Set<string>();
  for (const device of devices) {
    if (index.has(device.key)) device.key = nextFreeKey(index, device.key);
    index.add(device.key);
  }
}

function nextFreeKey(index: ReadonlySet<string>, key: string): string {
  let n = 2;
  while (index.has(`${key}#${n}`)) n++;
  return `${key}#${n}`;
}

/** Just enough shape checking to trust a 2xx body: an object with a tracking id and a status. */
export function isBatchUploadDetails(body: unknown): body is RawBatchUploadDetails {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const { batchTrackingId, status, devicesStatus } = body as Record<string, unknown>;
  return (
    typeof batchTrackingId === 'string' &&
    (typeof status === 'string' || typeof status === 'number') &&
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
