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

/** The `data` of one Server-Sent Event of the proxy's `/events` stream. */
export type BatchEvent = px['schemas']['BatchEvent'];
export type BatchEventType = BatchEvent['type'];

/** The GUID pattern of the contract's path parameters. */
export const GUID_PATTERN = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID_PATTERN.test(value);
}

/**
 * The batch statuses after which nothing changes ("Batch is complete", "Batch is complete with an error"),
 * checked against the generated enum.
 */
export const terminalBatchStatusValues = ['finished', 'finished_with_errors'] as const satisfies readonly BatchUploadStatus[];
export type TerminalBatchStatus = (typeof terminalBatchStatusValues)[number];

/**
 * Absolute paths of the OpenAPI documents shipped with this package (for validators and servers). Resolved when
 * read, not when imported: importing has no side effect, so a CommonJS bundle (which has no `import.meta.url`)
 * loads this package fine, and only reading a path needs the package's files on disk.
 */
export const specFiles: { readonly partnerCenter: string; readonly proxy: string } = {
  get partnerCenter() {
    return specFile('partner-center.yaml');
  },
  get proxy() {
    return specFile('proxy.yaml');
  },
};

function specFile(name: string): string {
  const base: string | undefined = import.meta.url;
  if (!base) throw new Error(`specFiles: ${name} is found next to the installed @batchwatch/openapi, which a bundle does not have`);
  return fileURLToPath(new URL(`../${name}`, base));
}

export { autopilotErrorNames, AUTOPILOT_808_ALIAS, type AutopilotErrorCode } from './autopilot-errors.js';
