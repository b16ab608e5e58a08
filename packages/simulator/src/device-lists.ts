/**
 * The two lists around the uploads: a customer's device batches, and a batch's devices, 100 per page with an
 * opaque continuation token (body `continuationToken`, sent back as `MS-ContinuationToken`).
 */
import { randomUUID } from 'node:crypto';
import type { Device, DeviceBatchCollection, DeviceCollection } from '@batchwatch/openapi';
import { formatTimestamp } from './lifecycle.js';
import type { ListedDevice, NamedBatch } from './store.js';

const DEVICES_PER_PAGE = 100;
/** The `createdBy` of every simulated batch: the tenant name of the simulated partner. */
const SIMULATED_PARTNER_NAME = 'Simulated Partner';

/** `uploadedDate` as the device list example writes it: 7-digit fraction and an offset. */
function uploadedDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}0000+00:00`;
}

/** Records uploaded devices on their batch, with the id and time Partner Center would give them. */
export function recordDevices(batch: NamedBatch, devices: readonly Device[], now: number): void {
  for (const device of devices) batch.devices.push({ ...device, id: randomUUID(), uploadedDate: uploadedDate(now) } satisfies ListedDevice);
}

export function batchCollection(batches: readonly NamedBatch[]): DeviceBatchCollection {
  return {
    totalCount: batches.length,
    items: batches.map((batch) => ({
      id: batch.batchId,
      createdBy: SIMULATED_PARTNER_NAME,
      creationDate: formatTimestamp(batch.createdAt),
      devicesCount: batch.devices.length,
      // As documented: relative to /v1, the batch name not percent-encoded.
      devicesLink: { uri: `/customers/${batch.customerId}/deviceBatches/${batch.batchId}/devices`, method: 'GET', headers: [] },
      attributes: { objectType: 'DeviceBatch' },
    })),
    attributes: { objectType: 'Collection' },
  };
}

interface Cursor {
  batch: string;
  offset: number;
}

function encodeToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64');
}

function decodeToken(token: string): Cursor | undefined {
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Partial<Cursor>;
    return typeof cursor.batch === 'string' && Number.isInteger(cursor.offset) && (cursor.offset as number) > 0 ? (cursor as Cursor) : undefined;
  } catch {
    return undefined;
  }
}

/** One page of the batch's devices; undefined when the token is not one this batch handed out. */
export function devicePage(batch: NamedBatch, token: string | undefined): DeviceCollection | undefined {
  let offset = 0;
  if (token !== undefined) {
    const cursor = decodeToken(token);
    if (cursor === undefined || cursor.batch !== batch.batchId.toLowerCase() || cursor.offset > batch.devices.length) return undefined;
    offset = cursor.offset;
  }
  const items = batch.devices.slice(offset, offset + DEVICES_PER_PAGE).map((device) => ({
    ...device,
    allowedOperations: ['GET', 'PATCH', 'DELETE'],
    policies: [{ key: 'o_o_b_e' as const, value: null }],
    attributes: { objectType: 'Device' },
  }));
  const next = offset + items.length;
  const page: DeviceCollection = { totalCount: items.length, items, attributes: { objectType: 'Collection' } };
  if (next < batch.devices.length) {
    page.continuationToken = encodeToken({ batch: batch.batchId.toLowerCase(), offset: next });
    page.links = {
      next: {
        uri: `/customers/${batch.customerId}/deviceBatches/${batch.batchId}/devices`,
        method: 'GET',
        headers: [{ key: 'MS-ContinuationToken', value: page.continuationToken }],
      },
    };
  }
  return page;
}
