import { diffBatch, type BatchDetails, type PartnerCenterError, type WatchEvent } from '@batchwatch/client';
import { backoffDelay } from '@batchwatch/client/internal';

type ChangeEvent = Exclude<WatchEvent, { type: 'retrying' }>;

/**
 * Keeps one event sequence across restarts of the underlying transport: the first snapshot is passed on,
 * any later full snapshot (a refresh, an SSE reconnect) becomes just the changes since the last known
 * state, so the reducer and `--json` never see a batch "start over".
 */
export class Sequencer {
  private current: BatchDetails | undefined;
  private seq = 0;

  constructor(private readonly emit: (event: WatchEvent) => void) {}

  get snapshot(): BatchDetails | undefined {
    return this.current;
  }

  /** A full state from the upstream. */
  full(next: BatchDetails, at: Date): void {
    const previous = this.current;
    this.current = next;
    if (!previous) {
      this.emit({ type: 'snapshot', seq: ++this.seq, at, snapshot: next });
      return;
    }
    for (const change of diffBatch(previous, next)) this.emit({ ...change, seq: ++this.seq, at, snapshot: next });
  }

  /** A single change whose effect on the snapshot the caller has already applied to `snapshot`. */
  change(event: ChangeEvent, snapshot: BatchDetails): void {
    this.current = snapshot;
    this.emit({ ...event, seq: ++this.seq, snapshot } as ChangeEvent);
  }

  retrying(error: PartnerCenterError, retryInMs: number, at = new Date()): void {
    this.emit({ type: 'retrying', at, error, retryInMs, snapshot: this.current });
  }
}

/** Exponential backoff with jitter for reconnects: ~1 s, 2 s, 4 s, … up to 30 s. */
export function reconnectDelay(failures: number, maxMs = 30_000): number {
  return Math.round(backoffDelay(failures, { baseDelayMs: 1_000, maxDelayMs: maxMs }));
}
