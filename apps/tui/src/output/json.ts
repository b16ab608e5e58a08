/**
 * `--json`: NDJSON on stdout — one object per event, shaped like the proxy's `BatchEvent` (`from`/`to` are
 * normalised statuses; `snapshot` and `device` are Partner Center's bodies as received, except that their
 * times are written as ISO 8601 UTC with `Z` like every other time here), then one `summary` object.
 * Every line carries `schemaVersion` and the customer and batch ids, so merged output of several watches
 * can be told apart. The format is `apps/tui/schema/ndjson.schema.json`. Diagnostics go to stderr.
 */
import { parsePartnerCenterTime, type RawBatchUploadDetails, type WatchEvent } from '@batchwatch/client';
import { deviceError, deviceVerdict } from '../state/index.js';

/** Bumped when a field changes meaning or goes away (new fields do not bump it). */
export const NDJSON_SCHEMA_VERSION = 1;

/** The batch a watch follows, stamped on every line. */
export interface JsonIds {
  customerId: string;
  batchTrackingId: string;
  countAlreadyRegistered?: boolean;
}

/** ISO 8601 UTC with `Z` and milliseconds: the one time format of the JSON output. */
export function jsonTime(date: Date): string {
  return date.toISOString();
}

/** A Partner Center time (often without an offset, `0001-01-01…` for none) as `jsonTime`, or null. */
function utcOrNull(value: unknown): string | null {
  const date = parsePartnerCenterTime(value);
  return date ? jsonTime(date) : null;
}

/** The raw batch body with its times in the one format. */
function snapshotBody(raw: RawBatchUploadDetails): Record<string, unknown> {
  const body: Record<string, unknown> = { ...raw };
  for (const field of ['startedTime', 'completedTime'] as const) if (field in raw) body[field] = utcOrNull(raw[field]);
  return body;
}

export function jsonEvent(event: WatchEvent, ids: JsonIds): Record<string, unknown> {
  const head = { schemaVersion: NDJSON_SCHEMA_VERSION, type: event.type, customerId: ids.customerId, batchTrackingId: ids.batchTrackingId };
  const at = jsonTime(event.at);
  switch (event.type) {
    case 'snapshot':
      return { ...head, seq: event.seq, at, snapshot: snapshotBody(event.snapshot.raw) };
    case 'batch-status':
      return {
        ...head,
        seq: event.seq,
        at,
        from: event.from,
        to: event.to,
        startedTime: event.snapshot.startedTime ? jsonTime(event.snapshot.startedTime) : null,
        completedTime: event.snapshot.completedTime ? jsonTime(event.snapshot.completedTime) : null,
      };
    case 'device-added':
    case 'device-status': {
      const result: Record<string, unknown> = { ...head, seq: event.seq, at };
      if (event.type === 'device-status') result.from = event.from;
      result.device = event.device.raw;
      result.status = event.device.status;
      const verdict = deviceVerdict(event.device, ids.countAlreadyRegistered ?? false);
      if (verdict) {
        result.error = deviceError(event.device);
        result.alreadyRegistered = verdict === 'already-registered';
      }
      return result;
    }
    case 'retrying':
      return {
        ...head,
        at,
        status: event.error.status,
        code: event.error.code ?? null,
        description: event.error.description,
        retryInMs: event.retryInMs,
      };
  }
}

/** One NDJSON line, control characters escaped (see `safeJsonLine`). */
export { safeJsonLine as jsonLine } from './safe.js';
