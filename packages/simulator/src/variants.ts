/**
 * Real-world variants of the wire format that a tolerant client must read (reference §2, §5, §9, §11). By
 * default the simulator answers in the contract's exact form; each switch turns one variant on, for every batch.
 */
import { batchUploadStatusValues, type ApiFault, type BatchUploadDetails, type DeviceUploadDetails } from '@batchwatch/openapi';

export interface WireVariants {
  /** A time not yet known is sent as `0001-01-01T00:00:00` (.NET `DateTime.MinValue`) instead of being left out. */
  sentinelDates?: boolean;
  /** ApiFault `code` as a number (`1000`, as the swagger types it) instead of a string (`"1000"`, as the docs do). */
  numericFaultCodes?: boolean;
  /**
   * Batch and device `status` as the int32 of the SDK enum: `unknown` 0, `queued` 1, `processing` 2, `finished` 3,
   * `finished_with_errors` 4 (the position in `batchUploadStatusValues`). `in-progress` has no number; it stays text.
   */
  integerStatuses?: boolean;
  /** Devices being processed say `in-progress` (the resources table) instead of `processing` (the SDK enum). */
  inProgressDevices?: boolean;
  /**
   * A batch status the contract does not know (e.g. `"cancelled"`, or a number such as `5`), sent as given in
   * place of `processing` (no `completedTime` yet) and of the terminal status (with `completedTime`).
   */
  unknownStatus?: string | number;
  /**
   * The first `n` devices of every batch are listed twice, with the same serial number and product key
   * (Partner Center's `ZtdDeviceDuplicated` case): the copy follows the original while it is processing, then
   * ends `finished_with_errors` with `errorDescription: "ZtdDeviceDuplicated"` and no `deviceId`.
   */
  duplicateDevices?: number;
}

export const DUPLICATED_DEVICE_ERROR = 'ZtdDeviceDuplicated';
export const SENTINEL_DATE = '0001-01-01T00:00:00';

const booleanSwitches = ['sentinelDates', 'numericFaultCodes', 'integerStatuses', 'inProgressDevices'] as const;

/** Checks `variants` (an options object from JavaScript or a CLI): every problem in one TypeError. */
export function validateVariants(variants: unknown): WireVariants {
  if (variants === undefined) return {};
  if (typeof variants !== 'object' || variants === null || Array.isArray(variants)) throw new TypeError('variants must be an object');
  const problems: string[] = [];
  for (const [key, value] of Object.entries(variants)) {
    if ((booleanSwitches as readonly string[]).includes(key)) {
      if (typeof value !== 'boolean') problems.push(`variants.${key} must be true or false`);
    } else if (key === 'unknownStatus') {
      if (!(typeof value === 'string' && value !== '') && !Number.isInteger(value))
        problems.push('variants.unknownStatus must be a non-empty string or an integer');
    } else if (key === 'duplicateDevices') {
      if (!Number.isInteger(value) || (value as number) < 0) problems.push('variants.duplicateDevices must be an integer >= 0');
    } else {
      problems.push(`variants.${key} is not a variant (${[...booleanSwitches, 'unknownStatus', 'duplicateDevices'].join(', ')})`);
    }
  }
  if (problems.length > 0) throw new TypeError(problems.join('; '));
  return { ...(variants as WireVariants) };
}

/** The CLI's names: `integer-statuses`, `unknown-status=cancelled`, `duplicate-devices=2`, … */
export const variantFlags = {
  'sentinel-dates': 'sentinelDates',
  'numeric-fault-codes': 'numericFaultCodes',
  'integer-statuses': 'integerStatuses',
  'in-progress-devices': 'inProgressDevices',
  'unknown-status': 'unknownStatus',
  'duplicate-devices': 'duplicateDevices',
} as const satisfies Record<string, keyof WireVariants>;

/** `['integer-statuses', 'unknown-status=5']` → `{ integerStatuses: true, unknownStatus: 5 }`; throws a TypeError naming the problem. */
export function parseVariantFlags(flags: readonly string[]): WireVariants {
  const variants: Record<string, unknown> = {};
  for (const flag of flags) {
    const [name = '', value] = flag.split('=', 2) as [string, string | undefined];
    const key = (variantFlags as Record<string, keyof WireVariants>)[name];
    if (key === undefined) throw new TypeError(`unknown variant "${name}" (${Object.keys(variantFlags).join(', ')})`);
    const needsValue = key === 'unknownStatus' || key === 'duplicateDevices';
    if (needsValue !== (value !== undefined))
      throw new TypeError(needsValue ? `variant ${name} needs a value: ${name}=<value>` : `variant ${name} takes no value`);
    variants[key] = value === undefined ? true : /^\d+$/.test(value) ? Number(value) : value;
  }
  return validateVariants(variants);
}

function hasStatusVariants(v: WireVariants): boolean {
  return Boolean(v.sentinelDates || v.integerStatuses || v.inProgressDevices || v.unknownStatus !== undefined || v.duplicateDevices);
}

type WireDevice = Omit<DeviceUploadDetails, 'status'> & { status: string | number };
type WireBatch = Omit<BatchUploadDetails, 'status' | 'devicesStatus'> & { status: string | number; devicesStatus?: WireDevice[] };

const asInteger = (status: string | number) => {
  const ordinal = typeof status === 'string' ? (batchUploadStatusValues as readonly string[]).indexOf(status) : -1;
  return ordinal === -1 ? status : ordinal;
};

function withDuplicates(devices: readonly DeviceUploadDetails[], n: number): DeviceUploadDetails[] {
  return devices.flatMap((device, i) => {
    if (i >= n) return [device];
    const { serialNumber, productKey, attributes } = device;
    const same = { ...(serialNumber !== undefined && { serialNumber }), ...(productKey !== undefined && { productKey }), ...(attributes && { attributes }) };
    const copy: DeviceUploadDetails =
      device.status === 'processing'
        ? { ...same, status: 'processing' }
        : { ...same, status: 'finished_with_errors', errorDescription: DUPLICATED_DEVICE_ERROR };
    return [device, copy];
  });
}

/** The status body with the variants applied (the exact form when none is on). */
export function applyStatusVariants(details: BatchUploadDetails, v: WireVariants): WireBatch {
  if (!hasStatusVariants(v)) return details;
  let devices: WireDevice[] = details.devicesStatus ?? [];
  if (v.duplicateDevices) devices = withDuplicates(details.devicesStatus ?? [], v.duplicateDevices);
  if (v.inProgressDevices) devices = devices.map((d) => (d.status === 'processing' ? { ...d, status: 'in-progress' } : d));
  let status: string | number = details.status;
  if (v.unknownStatus !== undefined && status !== 'queued' && status !== 'unknown') status = v.unknownStatus;
  if (v.integerStatuses) {
    status = asInteger(status);
    devices = devices.map((d) => ({ ...d, status: asInteger(d.status) }));
  }
  const batch: WireBatch = { ...details, status, devicesStatus: devices };
  if (v.sentinelDates) {
    batch.startedTime ??= SENTINEL_DATE;
    batch.completedTime ??= SENTINEL_DATE;
  }
  return batch;
}

/** An ApiFault whose digit-string code becomes a number when `numericFaultCodes` is on. */
export function applyFaultVariants<T>(body: T, v: WireVariants): T {
  if (!v.numericFaultCodes || typeof body !== 'object' || body === null) return body;
  const code = (body as Partial<ApiFault>).code;
  return typeof code === 'string' && /^\d+$/.test(code) ? { ...body, code: Number(code) } : body;
}
