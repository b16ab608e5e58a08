/**
 * The poll loop every live feed runs: the client's watch loop, fetching through the store (coalesced with GETs,
 * feeding the cache), seen one poll at a time instead of one change at a time — whoever publishes a poll (in
 * memory, or to the fleet's Redis Stream) diffs it against what it last published.
 */
import { watchBatchStatus, type BatchDetails } from '@batchwatch/client';
import type { ProxyConfig } from '../config.js';
import type { StatusStore } from '../upstream/store.js';
import { retryingFrame } from './wire.js';

export interface PollTarget {
  customerId: string;
  trackingId: string;
  correlationId?: string | undefined;
}

export interface PollHandlers {
  /** A poll that changed something, once all its changes are in; `final` for the terminal one (the loop then ends). */
  poll(snapshot: BatchDetails, at: string, final: boolean): void;
  /** A failed poll the watch waits out, as a `retrying` frame. */
  retrying(frame: string): void;
}

/** Resolves when the batch is terminal or `signal` aborts; rejects when the watch gives up (404, credentials refused, …). */
export async function pollBatch(store: StatusStore, poll: ProxyConfig['poll'], target: PollTarget, signal: AbortSignal, handlers: PollHandlers): Promise<void> {
  const { customerId, trackingId, correlationId } = target;
  const options = { intervalMs: poll.intervalMs, maxIntervalMs: poll.maxIntervalMs, signal, ...(correlationId ? { correlationId } : {}) };
  let polled: BatchDetails | undefined;
  let at = '';
  let scheduled: NodeJS.Immediate | undefined;
  for await (const event of watchBatchStatus(store.fetchForWatch, customerId, trackingId, options)) {
    if (signal.aborted) return;
    if (event.type === 'retrying') {
      handlers.retrying(retryingFrame(event));
      continue;
    }
    // A poll yields its changes back to back, all with its snapshot: handed on once they are all in (next macrotask).
    if (event.snapshot !== polled) {
      const snapshot = event.snapshot;
      const when = event.at.toISOString();
      [polled, at] = [snapshot, when];
      scheduled = setImmediate(() => {
        if (!signal.aborted) handlers.poll(snapshot, when, false);
      });
    }
  }
  // Terminal: the last poll's changes and the end go out together.
  clearImmediate(scheduled);
  if (!signal.aborted && polled) handlers.poll(polled, at, true);
}
