import { describe, expect, it } from 'vitest';
import { diffBatch, isTerminal, normalizeBatch, summarize, type BatchChange } from '../src/index.js';
import type { BatchUploadDetails, DeviceUploadDetails } from '@batchwatch/openapi';

const id = '0127ed8e-ff72-4983-a3d8-e8d8bd378932';
const batch = (status: string, devices: DeviceUploadDetails[] = []) =>
  normalizeBatch({ batchTrackingId: id, status, devicesStatus: devices } as BatchUploadDetails);
const device = (serialNumber: string, status: string, errorCode?: string): DeviceUploadDetails =>
  ({ serialNumber, status, ...(errorCode ? { errorCode } : {}) }) as DeviceUploadDetails;
const describeChange = (change: BatchChange) =>
  change.type === 'batch-status'
    ? `batch ${change.from}→${change.to}`
    : change.type === 'device-added'
      ? `+${change.device.serialNumber} ${change.device.status}`
      : `${change.device.serialNumber} ${change.from}→${change.device.status}`;

describe('diffBatch', () => {
  it.each([
    ['nothing changed', batch('processing', [device('A', 'processing')]), batch('processing', [device('A', 'processing')]), []],
    [
      'a batch starts: status first, then its devices',
      batch('queued'),
      batch('processing', [device('A', 'processing')]),
      ['batch queued→processing', '+A processing'],
    ],
    [
      'a batch ends: devices first, the terminal status last',
      batch('processing', [device('A', 'processing'), device('B', 'processing')]),
      batch('finished', [device('A', 'finished'), device('B', 'finished_with_errors', '808')]),
      ['A processing→finished', 'B processing→finished_with_errors', 'batch processing→finished'],
    ],
    ['in-progress and processing are the same status', batch('processing', [device('A', 'in-progress')]), batch('processing', [device('A', 'processing')]), []],
    ['a device appears already finished', batch('processing'), batch('processing', [device('A', 'finished')]), ['+A finished']],
  ])('%s', (_, prev, next, expected) => {
    expect(diffBatch(prev, next).map(describeChange)).toEqual(expected);
  });
});

describe('isTerminal', () => {
  it.each([
    ['finished', true],
    ['finished_with_errors', true],
    ['processing', false],
    ['queued', false],
    ['unknown', false],
  ] as const)('%s → %s', (status, expected) => {
    expect(isTerminal(status)).toBe(expected);
    expect(isTerminal({ status })).toBe(expected);
  });
});

describe('summarize', () => {
  it('counts devices per status and lists failures, even when the batch says finished', () => {
    const summary = summarize(
      batch('finished', [device('A', 'finished'), device('B', 'finished_with_errors', '808'), device('C', 'finished_with_errors', '806')]),
    );
    expect(summary.total).toBe(3);
    expect(summary.byStatus.finished).toBe(1);
    expect(summary.byStatus.finished_with_errors).toBe(2);
    expect(summary.done).toBe(3);
    expect(summary.succeeded).toBe(1);
    expect(summary.failed.map((d) => d.serialNumber)).toEqual(['B', 'C']);
    expect(summary.clean).toBe(false);
  });

  it('is clean only when terminal without failures', () => {
    expect(summarize(batch('finished', [device('A', 'finished')])).clean).toBe(true);
    expect(summarize(batch('processing', [device('A', 'finished')])).clean).toBe(false);
    expect(summarize(batch('finished_with_errors', [device('A', 'finished')])).clean).toBe(false);
  });
});
