import { terminalBatchStatusValues } from '@batchwatch/openapi';
import type { BatchDetails, BatchStatus, DeviceDetails, DeviceStatus } from './normalize.js';

/** One observed change between two snapshots of a batch. */
export type BatchChange =
  | { type: 'batch-status'; from: BatchStatus; to: BatchStatus }
  | { type: 'device-added'; device: DeviceDetails }
  | { type: 'device-status'; from: DeviceStatus; device: DeviceDetails };

const TERMINAL_STATUSES: ReadonlySet<BatchStatus> = new Set(terminalBatchStatusValues);

/**
 * A batch is done once it is `finished` or `finished_with_errors` (devices may still have failed), or when its
 * status is not one Partner Center documents but it carries a `completedTime`: the raw status says how it ended.
 */
export function isTerminal(statusOrBatch: BatchStatus | Pick<BatchDetails, 'status' | 'completedTime'>): boolean {
  if (typeof statusOrBatch === 'string') return TERMINAL_STATUSES.has(statusOrBatch);
  const { status, completedTime } = statusOrBatch;
  return TERMINAL_STATUSES.has(status) || (status === 'unknown' && completedTime !== undefined);
}

/** The same keys at the same positions (the same string, when `normalizeBatch` reused them): no index needed. */
function alignedWith(prev: readonly DeviceDetails[], next: readonly DeviceDetails[]): boolean {
  return prev.length === next.length && prev.every((device, position) => device.key === next[position]!.key);
}

function byKey(devices: readonly DeviceDetails[]): (device: DeviceDetails) => DeviceDetails | undefined {
  const index = new Map(devices.map((device) => [device.key, device]));
  return (device) => index.get(device.key);
}

/**
 * The changes from `prev` to `next`, in an order a reader can follow: a batch that starts is announced
 * before its devices, a batch that ends after them, so a terminal status is always the last change.
 */
export function diffBatch(prev: BatchDetails, next: BatchDetails): BatchChange[] {
  const deviceChanges: BatchChange[] = [];
  const before = alignedWith(prev.devices, next.devices) ? (_: DeviceDetails, position: number) => prev.devices[position] : byKey(prev.devices);
  next.devices.forEach((device, position) => {
    const was = before(device, position);
    if (!was) deviceChanges.push({ type: 'device-added', device });
    else if (was.status !== device.status) deviceChanges.push({ type: 'device-status', from: was.status, device });
  });
  if (prev.status === next.status) return deviceChanges;
  const statusChange: BatchChange = { type: 'batch-status', from: prev.status, to: next.status };
  return isTerminal(next) ? [...deviceChanges, statusChange] : [statusChange, ...deviceChanges];
}
