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
export const MAX_INTERVAL_FACTOR = 4;

/** Unreadable answers in a row (a truncated body) that are retried before the watch gives up. */
export const MALFORMED_RETRIES = 3;

/**
 * The client's `watchBatchStatus`, restartable: `refresh()` ends the current watch and starts a new one,
 * which polls at once; its opening snapshot reaches the UI as the changes since the last known state.
 */
export function createPollingSource(client: BatchStatusClient, config: PollingConfig): WatchSource {
  let round: AbortController | undefined;
  return {
    async run(handlers: SourceHandlers, signal: AbortSignal): Promise<void> {
      handlers.mode('polling');
      let malformed = 0;
      let lastMalformed = 0;
      const sequencer = new Sequencer((event) => {
        if (event.type !== 'retrying') malformed = 0;
        handlers.event(event);
      });
      for (;;) {
        round = new AbortController();
        const roundSignal = AbortSignal.any([signal, round.signal]);
        try {
          await followOnce(client, config, sequencer, roundSignal);
          return;
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          if (round.signal.aborted) continue; // a refresh: start over, polling at once
          // One truncated answer is waited out like a 5xx; a URL that answers only garbage is not.
          if (!(error instanceof PartnerCenterError) || error.kind !== 'malformed') throw error;
          // Counted in a row: a good poll in between (a change, or simply a long quiet spell) starts over.
          if (Date.now() - lastMalformed > config.intervalMs * MAX_INTERVAL_FACTOR * 2) malformed = 0;
          lastMalformed = Date.now();
          if (++malformed > MALFORMED_RETRIES) throw error;
          const retryInMs = reconnectDelay(malformed, config.intervalMs * MAX_INTERVAL_FACTOR);
          sequencer.retrying(error, retryInMs);
          await sleep(retryInMs, signal);
        }
      }
    },
    refresh() {
      round?.abort(new Error('refresh'));
    },
  };
}

async function followOnce(client: BatchStatusClient, config: PollingConfig, sequencer: Sequencer, signal: AbortSignal): Promise<void> {
  const watch = client.watchBatchStatus(config.customerId, config.trackingId, {
    intervalMs: config.intervalMs,
    maxIntervalMs: config.intervalMs * MAX_INTERVAL_FACTOR,
    correlationId: config.correlationId,
    signal,
  });
  for await (const event of watch) {
    if (event.type === 'retrying') sequencer.retrying(event.error, event.retryInMs, event.at);
    else if (event.type === 'snapshot') sequencer.full(event.snapshot, event.at);
    else sequencer.change(event, event.snapshot);
  }
}
