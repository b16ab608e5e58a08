/**
 * The device-batch operations around the status: upload (create a batch, add devices to one), list a customer's
 * batches, list a batch's devices page by page, and upload-then-watch. All go through the client's `api`, so they
 * share its auth, headers, timeouts and retry rules.
 *
 * Uploads are not idempotent: a POST that may have reached Partner Center must not be sent again as a new request
 * (the first may have created the batch; a second answers 409 without the first's Location). Every upload carries
 * one `MS-RequestId`, reused by any retry of the transport and returned to the caller, who may replay the upload
 * with that same id (`requestId`) after a timeout, as Partner Center's headers page asks.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from 'openapi-fetch';
import type { Device, DeviceBatch, paths } from '@batchwatch/openapi';
import { isGuid } from '@batchwatch/openapi';
import { errorFromResponse, PartnerCenterError } from './errors.js';
import { assertGuid } from './ids.js';
import { parsePartnerCenterTime } from './normalize.js';
import type { WatchEvent, WatchOptions } from './watch.js';

export interface UploadOptions {
  signal?: AbortSignal;
  /** `MS-RequestId`: pass the id of an earlier attempt to replay it (Partner Center answers it as the first). */
  requestId?: string;
  correlationId?: string;
}

export interface UploadReceipt {
  /** The batch tracking id, from the 202's `Location`: what `getBatchStatus` and `watchBatchStatus` take. */
  trackingId: string;
  /** The `Location` as received (relative, without `/v1`). */
  location: string;
  /** The `MS-RequestId` the upload was sent with: replay with it, never with a new one. */
  requestId: string;
}

export interface DeviceBatchInfo {
  /** The batch's name, chosen at creation. */
  id: string;
  createdBy?: string;
  creationDate?: Date;
  devicesCount: number;
  /** As received, unknown fields included. */
  raw: DeviceBatch;
}

export interface ListedDevice {
  id?: string;
  serialNumber?: string;
  productKey?: string;
  hardwareHash?: string;
  uploadedDate?: Date;
  raw: Device;
}

export interface ListOptions {
  signal?: AbortSignal;
  correlationId?: string;
}

export type UploadAndWatchEvent = { type: 'uploaded'; receipt: UploadReceipt } | WatchEvent;

export interface UploadAndWatchOptions extends UploadOptions {
  /** Add to this existing batch instead of creating `batchId`. */
  existing?: boolean;
  watch?: WatchOptions;
}

export interface DeviceBatchOperations {
  /** POST …/deviceBatches: a new batch named `batchId` with `devices`. Documented for App+User only. */
  createDeviceBatch(customerId: string, batchId: string, devices: readonly Device[], options?: UploadOptions): Promise<UploadReceipt>;
  /** POST …/deviceBatches/{batchId}/devices: more devices for an existing batch. */
  addDevices(customerId: string, batchId: string, devices: readonly Device[], options?: UploadOptions): Promise<UploadReceipt>;
  /** The customer's device batches, as Partner Center lists them. */
  listDeviceBatches(customerId: string, options?: ListOptions): AsyncGenerator<DeviceBatchInfo, void, undefined>;
  /** The batch's devices; pages of 100 are fetched as the loop reaches them (`MS-ContinuationToken`). */
  listDevices(customerId: string, batchId: string, options?: ListOptions): AsyncGenerator<ListedDevice, void, undefined>;
  /** Uploads (creates the batch, or adds to it with `existing`), then follows the new tracking id to the end. */
  uploadAndWatch(
    customerId: string,
    batchId: string,
    devices: readonly Device[],
    options?: UploadAndWatchOptions,
  ): AsyncGenerator<UploadAndWatchEvent, void, undefined>;
}

type Watch = (customerId: string, trackingId: string, options?: WatchOptions) => AsyncGenerator<WatchEvent, void, undefined>;

const TRACKING_IN_LOCATION = /\/customers\/[^/]+\/batchjobstatus\/([^/?#\s"']+)/i;

/** The tracking id in a 202's `Location` (relative or absolute, any case), else in its body (the REST reference's variant). */
export function trackingIdFromLocation(location: string | null, body?: string): string | undefined {
  for (const text of [location, body]) {
    const id = text ? TRACKING_IN_LOCATION.exec(text)?.[1] : undefined;
    if (id && isGuid(decodeURIComponent(id))) return decodeURIComponent(id);
  }
  return undefined;
}

function checkUpload(batchId: string, devices: readonly Device[]): void {
  if (typeof batchId !== 'string' || batchId.trim() === '' || batchId.length > 256) {
    throw new TypeError(`batchId must be a name of 1 to 256 characters, got ${JSON.stringify(batchId)}`);
  }
  if (!Array.isArray(devices) || devices.length === 0) throw new TypeError('devices must be a non-empty array');
}

function headersFor(options: UploadOptions | ListOptions, requestId?: string): Record<string, string> {
  return {
    ...(requestId && { 'MS-RequestId': requestId }),
    ...(options.correlationId && { 'MS-CorrelationId': options.correlationId }),
  };
}

async function errorOf(response: Response, error: unknown): Promise<PartnerCenterError> {
  return errorFromResponse(response, error ?? (await response.text().catch(() => '')));
}

function toBatchInfo(raw: DeviceBatch): DeviceBatchInfo {
  // `devicesCount` on the wire; the resources table's `deviceCount` is read too, to be safe.
  const count = raw.devicesCount ?? (raw as { deviceCount?: unknown }).deviceCount;
  const info: DeviceBatchInfo = { id: String(raw.id ?? ''), devicesCount: typeof count === 'number' ? count : 0, raw };
  if (raw.createdBy) info.createdBy = raw.createdBy;
  const created = parsePartnerCenterTime(raw.creationDate);
  if (created) info.creationDate = created;
  return info;
}

function toListedDevice(raw: Device): ListedDevice {
  const device: ListedDevice = { raw };
  // The Java SDK spells the id `Id`.
  const id = raw.id ?? (raw as { Id?: string }).Id;
  if (id) device.id = id;
  for (const key of ['serialNumber', 'productKey', 'hardwareHash'] as const) if (raw[key]) device[key] = raw[key];
  const uploaded = parsePartnerCenterTime(raw.uploadedDate);
  if (uploaded) device.uploadedDate = uploaded;
  return device;
}

export function deviceBatchOperations(api: Client<paths>, watch: Watch): DeviceBatchOperations {
  async function accepted(response: Response, error: unknown, requestId: string): Promise<UploadReceipt> {
    if (response.status !== 202 && response.status !== 201 && response.status !== 200) throw await errorOf(response, error);
    const location = response.headers.get('location');
    const body = response.bodyUsed ? '' : await response.text().catch(() => '');
    const trackingId = trackingIdFromLocation(location, body);
    if (!trackingId) {
      throw new PartnerCenterError({
        kind: 'malformed',
        status: response.status,
        description: `the upload was accepted but no batch tracking id was found in its Location (${location ?? 'none'})`,
        requestId,
      });
    }
    return { trackingId, location: location ?? body, requestId };
  }

  const operations: DeviceBatchOperations = {
    async createDeviceBatch(customerId, batchId, devices, options = {}) {
      assertGuid('customerId', customerId);
      checkUpload(batchId, devices);
      const requestId = options.requestId ?? randomUUID();
      const { response, error } = await api.POST('/v1/customers/{customer-id}/deviceBatches', {
        params: { path: { 'customer-id': customerId }, header: headersFor(options, requestId) as never },
        body: { batchId, devices: [...devices], attributes: { objectType: 'DeviceBatchCreationRequest' } },
        parseAs: 'stream',
        ...(options.signal && { signal: options.signal }),
      });
      return accepted(response, error, requestId);
    },

    async addDevices(customerId, batchId, devices, options = {}) {
      assertGuid('customerId', customerId);
      checkUpload(batchId, devices);
      const requestId = options.requestId ?? randomUUID();
      // The bare array: what the documentation's captured request carries (see the contract).
      const { response, error } = await api.POST('/v1/customers/{customer-id}/deviceBatches/{devicebatch-id}/devices', {
        params: { path: { 'customer-id': customerId, 'devicebatch-id': batchId }, header: headersFor(options, requestId) as never },
        body: [...devices],
        parseAs: 'stream',
        ...(options.signal && { signal: options.signal }),
      });
      return accepted(response, error, requestId);
    },

    async *listDeviceBatches(customerId, options = {}) {
      assertGuid('customerId', customerId);
      const { data, error, response } = await api.GET('/v1/customers/{customer-id}/deviceBatches', {
        params: { path: { 'customer-id': customerId }, header: headersFor(options) as never },
        ...(options.signal && { signal: options.signal }),
      });
      if (!response.ok || !data) throw await errorOf(response, error);
      for (const raw of data.items ?? []) yield toBatchInfo(raw);
    },

    async *listDevices(customerId, batchId, options = {}) {
      assertGuid('customerId', customerId);
      let token: string | undefined;
      const seen = new Set<string>();
      do {
        const { data, error, response } = await api.GET('/v1/customers/{customer-id}/deviceBatches/{devicebatch-id}/devices', {
          params: {
            path: { 'customer-id': customerId, 'devicebatch-id': batchId },
            header: { ...headersFor(options), ...(token && { 'MS-ContinuationToken': token }) } as never,
          },
          ...(options.signal && { signal: options.signal }),
        });
        if (!response.ok || !data) throw await errorOf(response, error);
        for (const raw of data.items ?? []) yield toListedDevice(raw);
        // A token seen before would loop forever: stop rather than trust it.
        token = data.continuationToken && !seen.has(data.continuationToken) ? data.continuationToken : undefined;
        if (token) seen.add(token);
      } while (token);
    },

    async *uploadAndWatch(customerId, batchId, devices, options = {}) {
      const upload = options.existing ? operations.addDevices : operations.createDeviceBatch;
      const receipt = await upload(customerId, batchId, devices, options);
      yield { type: 'uploaded', receipt };
      yield* watch(customerId, receipt.trackingId, { ...(options.signal && { signal: options.signal }), ...options.watch });
    },
  };
  return operations;
}
