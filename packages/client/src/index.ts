/**
 * @batchwatch/client — the one place that speaks HTTP to Partner Center's device batch status.
 * Building blocks used only by batchwatch's own apps live in `@batchwatch/client/internal`.
 */
export { createBatchStatusClient } from './client.js';
export type { BatchStatusClient, BatchStatusClientOptions, GetBatchStatusOptions } from './client.js';
export { watchBatchStatus } from './watch.js';
export type {
  WatchOptions,
  WatchEvent,
  WatchChangeEvent,
  WatchSnapshotEvent,
  WatchBatchStatusEvent,
  WatchDeviceAddedEvent,
  WatchDeviceStatusEvent,
  WatchRetryEvent,
} from './watch.js';
export { PartnerCenterError, isNotFound, isRetryable, isThrottled, retryAfter } from './errors.js';
export type { PartnerCenterErrorKind } from './errors.js';
export { InvalidIdError } from './ids.js';
export { isGuid } from '@batchwatch/openapi';
export { normalizeBatch, parsePartnerCenterTime } from './normalize.js';
export type { BatchDetails, DeviceDetails, BatchStatus, DeviceStatus, RawBatchUploadDetails, RawDeviceUploadDetails } from './normalize.js';
export { diffBatch, isTerminal } from './diff.js';
export type { BatchChange } from './diff.js';
export { summarize, isFailedDevice } from './summary.js';
export type { BatchSummary } from './summary.js';
export { autopilotErrors, describeDeviceError } from './autopilot-errors.js';
export type { AutopilotError } from './autopilot-errors.js';
export { clouds, scopeFor } from './clouds.js';
export type { Cloud } from './clouds.js';
export type { TokenSource } from './auth.js';
export { DEFAULT_RETRY } from './transport.js';
export type { RetryPolicy, RetryEvent } from './transport.js';
export type { BatchUploadDetails, DeviceUploadDetails, ApiFault } from '@batchwatch/openapi';
