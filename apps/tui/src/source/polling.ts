import { PartnerCenterError, type BatchStatusClient } from '@batchwatch/client';
import { sleep } from '@batchwatch/client/internal';
import { reconnectDelay, Sequencer } from './sequencer.js';
import type { SourceHandlers, WatchSource } from './types.js';

export interface PollingConfig {
  customerId: string;
  trackingId: string;
  correlationId: string;
  intervalMs: number;
}

/** Quiet batches are polled less often, but never less than every 4 intervals (the UI should feel live). */
const MAX_INTERVAL_FACTOR = 4;

/** Unreadable answers in a row (a truncated body) that are retried before the watch gives up. */
const MALFORMED_RETRIES = 3;

/**
 * The client's `watchBatchStatus`, restartable: `refresh()` ends the current watch and starts a new one,
 * which polls at once; its opening snapshot reaches the UI as the changes since the last known state.
 */
export function createPollingSource(client: BatchStatusClient, config: PollingConfig): WatchSource {
  let round: AbortController | undefined;
  return {
    async run(handlers: SourceHandlers, signal: AbortSignal): Promise<void> {
      handlers.mode('polling');
      const garbage = malformedCounter(config.intervalMs * MAX_INTERVAL_FACTOR * 2);
      const sequencer = new Sequencer((event) => {
        if (event.type !== 'retrying') garbage.reset(); // a good poll in between starts the count over
        handlers.event(event);
      });
      for (;;) {
        round = new AbortController();
        const roundSignal = AbortSignal.any([signal, round.signal]);
        try {
          await followOnce(client, config, sequencer, roundSignal, garbage);
          return;
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          if (round.signal.aborted) continue; // a refresh: start over, polling at once
          if (!garbage.tolerate(error)) throw error;
          const retryInMs = reconnectDelay(garbage.count, config.intervalMs * MAX_INTERVAL_FACTOR);
          garbage.retryingIn(retryInMs);
          sequencer.retrying(error as PartnerCenterError, retryInMs);
          await sleep(retryInMs, signal);
        }
      }
    },
    refresh() {
      round?.abort(new Error('refresh'));
    },
  };
}

/**
 * Unreadable answers in a row (truncated or not JSON): one is waited out like a 5xx, a URL that answers only
 * garbage is not. The client's watch retries a truncated body by itself, so its `retrying` events count too.
 */
function malformedCounter(quietMs: number) {
  let count = 0;
  let resetAt = Infinity;
  return {
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
    /** Counts a malformed answer; false when the error is not one, or is one too many. */
    tolerate(error: unknown): boolean {
      if (!(error instanceof PartnerCenterError) || error.kind !== 'malformed') return false;
      if (Date.now() > resetAt) count = 0; // no garbage for a while after the announced retry: good polls came between
      return ++count <= MALFORMED_RETRIES;
    },
    /** The next try comes after `retryInMs`; garbage arriving long after that is not "in a row". */
    retryingIn(retryInMs: number): void {
      resetAt = Date.now() + retryInMs + quietMs;
    },
  };
}

type MalformedCounter = ReturnType<typeof malformedCounter>;

async function followOnce(
  client: BatchStatusClient,
  config: PollingConfig,
  sequencer: Sequencer,
  signal: AbortSignal,
  garbage: MalformedCounter,
): Promise<void> {
  const watch = client.watchBatchStatus(config.customerId, config.trackingId, {
    intervalMs: config.intervalMs,
    maxIntervalMs: config.intervalMs * MAX_INTERVAL_FACTOR,
    correlationId: config.correlationId,
    signal,
  });
  for await (const event of watch) {
    if (event.type === 'retrying') {
      if (event.error.kind === 'malformed') {
        if (!garbage.tolerate(event.error)) throw event.error;
        garbage.retryingIn(event.retryInMs);
      }
      sequencer.retrying(event.error, event.retryInMs, event.at);
    } else if (event.type === 'snapshot') sequencer.full(event.snapshot, event.at);
    else sequencer.change(event, event.snapshot);
  }
}
