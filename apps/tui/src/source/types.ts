import type { WatchEvent } from '@batchwatch/client';

/** Where a source reports to. Push-based, so the UI can batch everything one poll delivers into one render. */
export interface SourceHandlers {
  event(event: WatchEvent): void;
  /** A successful answer arrived, with or without changes (clears a retry notice; "updated Ns ago"). */
  alive(at: Date): void;
  /** Which transport was chosen, once known. */
  mode(mode: 'sse' | 'polling'): void;
}

export interface WatchSource {
  /**
   * Follows the batch until it is terminal. Rejects with a `PartnerCenterError` for failures not worth
   * retrying (401, 403, 404, …) and with the signal's reason when aborted.
   */
  run(handlers: SourceHandlers, signal: AbortSignal): Promise<void>;
  /** Ask the upstream again now (the `r` key). */
  refresh(): void;
}
