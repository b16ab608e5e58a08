/**
 * The event-stream wire format: the headers proxies need to pass a stream through unbuffered, one `data:` line
 * of JSON per event, comments for heartbeats.
 */
import type { RawBatchUploadDetails, RawDeviceUploadDetails } from '@batchwatch/client';
import type { BatchEvent, BatchUploadDetails, DeviceUploadDetails } from '@batchwatch/openapi';

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'private, no-cache, no-store, no-transform, must-revalidate, max-age=0',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
} as const;

/** One event as written on the wire. JSON never contains a raw newline, so `data:` is a single line. */
export function formatEvent(event: BatchEvent): string {
  const id = 'seq' in event ? `id: ${event.seq}\n` : '';
  return `${id}event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** The events that carry state (and a seq); `retrying` carries neither. */
export type StateEvent = Exclude<BatchEvent, { type: 'retrying' }>;

export const HEARTBEAT = Buffer.from(': heartbeat\n\n');

/**
 * Bodies go on the wire as Partner Center sent them, so a status the contract does not list (an unknown string,
 * or an integer from the SDK's enum) passes through unchanged: callers stay as tolerant as the client.
 */
export const relayBatch = (raw: RawBatchUploadDetails) => raw as BatchUploadDetails;
export const relayDevice = (raw: RawDeviceUploadDetails) => raw as DeviceUploadDetails;
