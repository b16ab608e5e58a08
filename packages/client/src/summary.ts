import type { BatchDetails, DeviceDetails, DeviceStatus } from './normalize.js';
import { isTerminal } from './diff.js';

export interface BatchSummary {
  total: number;
  byStatus: Record<DeviceStatus, number>;
  /** Devices that reached a final status (finished, with or without errors). */
  done: number;
  succeeded: number;
  /** Devices that failed: `finished_with_errors`, or any device carrying an error code. */
  failed: DeviceDetails[];
  /** The batch is terminal and no device failed. */
  clean: boolean;
}

export function isFailedDevice(device: DeviceDetails): boolean {
  return device.status === 'finished_with_errors' || device.errorCode !== undefined;
}

/** Counts per device status and the failed devices. The batch's own status can say `finished` while devices failed. */
export function summarize(batch: Pick<BatchDetails, 'status' | 'devices'>): BatchSummary {
  const byStatus: Record<DeviceStatus, number> = { unknown: 0, queued: 0, processing: 0, finished: 0, finished_with_errors: 0 };
  const failed: DeviceDetails[] = [];
  for (const device of batch.devices) {
    byStatus[device.status] += 1;
    if (isFailedDevice(device)) failed.push(device);
  }
  const done = byStatus.finished + byStatus.finished_with_errors;
  return {
    total: batch.devices.length,
    byStatus,
    done,
    succeeded: done - failed.filter((device) => isTerminal(device.status)).length,
    failed,
    clean: isTerminal(batch.status) && failed.length === 0 && batch.status !== 'finished_with_errors',
  };
}
