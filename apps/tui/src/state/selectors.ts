/** Read-only questions about a state: counts, the failed list, how a device's error reads. */
import { describeDeviceError, isFailedDevice, type DeviceDetails, type DeviceStatus } from '@batchwatch/client';
import type { BatchView, DeviceError, DeviceLabel, WatchState } from './types.js';

export function doneCount(counts: Readonly<Record<DeviceStatus, number>>): number {
  return counts.finished + counts.finished_with_errors;
}

export function deviceError(device: Pick<DeviceDetails, 'errorCode' | 'errorDescription'>): DeviceError {
  const known = describeDeviceError(device.errorCode, device.errorDescription);
  const error: DeviceError = {};
  const code = device.errorCode ?? known?.code;
  if (code) error.code = code;
  const name = known?.name ?? device.errorDescription;
  if (name) error.name = name;
  if (known?.hint) error.hint = known.hint;
  return error;
}

export function label(device: Pick<DeviceDetails, 'serialNumber' | 'productKey' | 'key'>): DeviceLabel {
  const result: DeviceLabel = { key: device.key };
  if (device.serialNumber) result.serialNumber = device.serialNumber;
  if (device.productKey) result.productKey = device.productKey;
  return result;
}

/** The device list for the summary: the failed devices, in the order they failed. */
export function failedDevices(state: Pick<WatchState, 'failed' | 'devices'>): DeviceDetails[] {
  return state.failed.map((key) => state.devices.get(key)).filter((device): device is DeviceDetails => device !== undefined);
}

/** Autopilot's "already registered to this tenant": the device is where it should be. */
const ALREADY_REGISTERED = '806';

export function isAlreadyRegistered(device: Pick<DeviceDetails, 'errorCode' | 'errorDescription'>): boolean {
  return describeDeviceError(device.errorCode, device.errorDescription)?.code === ALREADY_REGISTERED;
}

/** How a device's outcome counts: a failure, already registered (806, not counted by default), or neither. */
export function deviceVerdict(device: DeviceDetails, countAlreadyRegistered: boolean): 'failed' | 'already-registered' | undefined {
  if (!isFailedDevice(device)) return undefined;
  return !countAlreadyRegistered && isAlreadyRegistered(device) ? 'already-registered' : 'failed';
}

/** The devices already registered to this tenant (806), when they do not count as failures. */
export function alreadyRegisteredDevices(state: Pick<WatchState, 'alreadyRegistered' | 'devices'>): DeviceDetails[] {
  return state.alreadyRegistered.map((key) => state.devices.get(key)).filter((device): device is DeviceDetails => device !== undefined);
}

/**
 * The batch is clean when it is terminal and no device failed. Partner Center says `finished_with_errors`
 * for a batch whose only errors are 806 (already registered): that is clean too, unless 806 counts.
 */
export function isClean(state: Pick<WatchState, 'batch' | 'failed' | 'alreadyRegistered'>): boolean {
  const status = state.batch?.status;
  if (state.failed.length > 0) return false;
  return status === 'finished' || (status === 'finished_with_errors' && state.alreadyRegistered.length > 0);
}

/**
 * The one verdict for a terminal batch, as the status line and the summary show it: errors when a device
 * failed (whatever the batch says), finished otherwise. Before the end, the batch's own status.
 */
export function verdictStatus(state: Pick<WatchState, 'batch' | 'failed' | 'alreadyRegistered'>): BatchView['status'] | undefined {
  const status = state.batch?.status;
  if (status !== 'finished' && status !== 'finished_with_errors') return status;
  return isClean(state) ? 'finished' : 'finished_with_errors';
}
