import type { BatchStatusClient } from '@batchwatch/client';
import { Sequencer } from './sequencer.js';
import type { SourceHandlers, WatchSource } from './types.js';

export interface PollingConfig {
  customerId: string;
  trackingId: string;
  correlationId: string;
  intervalMs: number;
}

/** Quiet batches are polled less often, but never less than every 4 intervals (the UI should feel live). */
export const MAX_INTERVAL_FACTOR = 4;

/**
 * The client's `watchBatchStatus`, restartable: `refresh()` ends the current watch and starts a new one,
 * which polls at once; its opening snapshot reaches the UI as the changes since the last known state.
 */
export function createPollingSource(client: BatchStatusClient, config: PollingConfig): WatchSource {
  let round: AbortController | undefined;
  return {
    async run(handlers: SourceHandlers, signal: AbortSignal): Promise<void> {
      handlers.mode('polling');
      const sequencer = new Sequencer(handlers.event);
      for (;;) {
        round = new AbortController();
        const roundSignal = AbortSignal.any([signal, round.signal]);
        try {
          await followOnce(client, config, sequencer, roundSignal);
          return;
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          if (round.signal.aborted) continue; // a refresh: start over, polling at once
          throw error;
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
