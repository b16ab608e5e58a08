/**
 * The batchwatch contract: types generated from the OpenAPI documents (never edited by hand),
 * friendly aliases for the schemas everyone uses, and where the documents themselves live.
 */
import { fileURLToPath } from 'node:url';
import type { components as pc } from './generated/partner-center.js';
import type { components as px } from './generated/proxy.js';

export type { paths, components, operations } from './generated/partner-center.js';
export type { paths as ProxyPaths, components as ProxyComponents } from './generated/proxy.js';
export { batchUploadStatusValues, deviceUploadStatusValues } from './generated/partner-center.js';

type Schemas = pc['schemas'];
export type BatchUploadDetails = Schemas['BatchUploadDetails'];
export type DeviceUploadDetails = Schemas['DeviceUploadDetails'];
export type BatchUploadStatus = Schemas['BatchUploadStatus'];
export type DeviceUploadStatus = Schemas['DeviceUploadStatus'];
export type ResourceAttributes = Schemas['ResourceAttributes'];
export type ApiFault = Schemas['ApiFault'];
export type ThrottledResponse = Schemas['ThrottledResponse'];
export type Device = Schemas['Device'];
export type DeviceBatchCreationRequest = Schemas['DeviceBatchCreationRequest'];
export type DeviceBatch = Schemas['DeviceBatch'];
export type DeviceBatchCollection = Schemas['DeviceBatchCollection'];
export type DeviceCollection = Schemas['DeviceCollection'];
export type Link = Schemas['Link'];

/** The `data` of one Server-Sent Event of the proxy's `/events` stream. */
export type BatchEvent = px['schemas']['BatchEvent'];
export type BatchEventType = BatchEvent['type'];

/** The GUID pattern of the contract's path parameters. */
export const GUID_PATTERN = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID_PATTERN.test(value);
}

/** Absolute paths of the OpenAPI documents shipped with this package (for validators and servers). */
export const specFiles = {
  partnerCenter: fileURLToPath(new URL('../partner-center.yaml', import.meta.url)),
  proxy: fileURLToPath(new URL('../proxy.yaml', import.meta.url)),
} as const;

export { autopilotErrorNames, AUTOPILOT_808_ALIAS, type AutopilotErrorCode } from './autopilot-errors.js';
