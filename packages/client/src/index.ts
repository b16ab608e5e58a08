/**
 * @batchwatch/client — the one place that speaks HTTP to Partner Center's device batch status.
 */
export { createBatchStatusClient } from './client.js';
export type { BatchStatusClient, BatchStatusClientOptions, GetBatchStatusOptions } from './client.js';
export { trackingIdFromLocation } from './device-batches.js';
export type {
  DeviceBatchInfo,
  DeviceBatchOperations,
  ListedDevice,
  ListOptions,
  UploadAndWatchEvent,
  UploadAndWatchOptions,
  UploadOptions,
  UploadReceipt,
} from './device-batches.js';
export { watchBatchStatus } from './watch.js';
export type { WatchOptions, WatchEvent, WatchChangeEvent, WatchRetryEvent } from './watch.js';
export { describeNetworkError, errorFromResponse, PartnerCenterError, parseRetryAfter } from './errors.js';
export type { PartnerCenterErrorKind } from './errors.js';
export { InvalidIdError, assertGuid } from './ids.js';
export { isGuid } from '@batchwatch/openapi';
export { normalizeBatch, normalizeDevice, normalizeStatus, parsePartnerCenterTime, deviceKey } from './normalize.js';
export type { BatchDetails, DeviceDetails, BatchStatus, DeviceStatus } from './normalize.js';
export { diffBatch, isTerminal, TERMINAL_STATUSES } from './diff.js';
export type { BatchChange } from './diff.js';
export { summarize, isFailedDevice } from './summary.js';
export type { BatchSummary } from './summary.js';
export { autopilotErrors, describeDeviceError } from './autopilot-errors.js';
export type { AutopilotError } from './autopilot-errors.js';
export { clouds, PARTNER_CENTER_SCOPE } from './clouds.js';
export type { Cloud } from './clouds.js';
export { createTokenProvider } from './auth.js';
export type { TokenSource, TokenProvider } from './auth.js';
export { backoffDelay, DEFAULT_RETRY, sleep } from './transport.js';
export type { RetryPolicy } from './transport.js';
export type { BatchUploadDetails, DeviceUploadDetails, ApiFault } from '@batchwatch/openapi';
