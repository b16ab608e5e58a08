/** Read-only questions about a state: counts, the failed list, how a device's error reads. */
import { describeDeviceError, type DeviceDetails, type DeviceStatus } from '@batchwatch/client';
import type { DeviceError, DeviceLabel, WatchState } from './types.js';

export function doneCount(counts: Readonly<Record<DeviceStatus, number>>): number {
  return counts.finished + counts.finished_with_errors;
}

export function totalCount(state: Pick<WatchState, 'order'>): number {
  return state.order.length;
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

/** The batch is terminal and clean when it finished, no device failed and it does not say `finished_with_errors`. */
export function isClean(state: Pick<WatchState, 'batch' | 'failed'>): boolean {
  return state.batch?.status === 'finished' && state.failed.length === 0;
}
