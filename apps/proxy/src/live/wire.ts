/**
 * The event-stream wire format: the headers proxies need to pass a stream through unbuffered, one `data:` line
 * of JSON per event, comments for heartbeats.
 */
import { diffBatch, isTerminal, type BatchDetails, type RawBatchUploadDetails, type RawDeviceUploadDetails, type WatchRetryEvent } from '@batchwatch/client';
import type { BatchEvent, BatchUploadDetails, DeviceUploadDetails } from '@batchwatch/openapi';
import { mapError } from '../faults.js';

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
const relayDevice = (raw: RawDeviceUploadDetails) => raw as DeviceUploadDetails;

/**
 * One poll's changes since `previous` (a first `snapshot` when there is none) as wire events numbered on from
 * `fromSeq`, with `done` after them when the poll was the last. Statuses are the raw strings on both sides.
 */
export function pollEvents(previous: BatchDetails | undefined, snapshot: BatchDetails, at: string, done: boolean, fromSeq: number): StateEvent[] {
  const events: StateEvent[] = [];
  let seq = fromSeq;
  if (!previous) events.push({ type: 'snapshot', seq: ++seq, at, snapshot: relayBatch(snapshot.raw) });
  else {
    for (const change of diffBatch(previous, snapshot)) {
      if (change.type === 'batch-status') {
        const { startedTime = null, completedTime = null } = snapshot.raw;
        events.push({ type: 'batch-status', seq: ++seq, at, from: previous.rawStatus, to: snapshot.rawStatus, startedTime, completedTime });
      } else if (change.type === 'device-added') {
        events.push({ type: 'device-added', seq: ++seq, at, device: relayDevice(change.device.raw) });
      } else {
        const before = previous.devices.find((device) => device.key === change.device.key);
        events.push({ type: 'device-status', seq: ++seq, at, from: before?.rawStatus ?? change.from, device: relayDevice(change.device.raw) });
      }
    }
  }
  if (done && isTerminal(snapshot)) events.push({ type: 'done', seq: ++seq, at, snapshot: relayBatch(snapshot.raw) });
  return events;
}

/** The `retrying` notice of a watch waiting out an upstream failure, as a frame. */
export function retryingFrame(event: WatchRetryEvent): string {
  return formatEvent({
    type: 'retrying',
    at: event.at.toISOString(),
    status: event.error.status,
    ...(event.error.code ? { code: event.error.code } : {}),
    description: mapError(event.error).fault.description,
    retryInMs: Math.round(event.retryInMs),
  });
}
