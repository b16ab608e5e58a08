/**
 * Caps on open event streams, per caller and in all. Request rate limits do not bound concurrency: one caller
 * could otherwise hold thousands of long-lived streams (and their sockets) open.
 */
import type { ProxyConfig } from '../config.js';
import { ProxyError } from '../faults.js';
import type { ProxyMetrics } from '../metrics.js';

/** What a refused caller is told to wait: streams end when their batches finish, so slots free up slowly. */
const RETRY_AFTER_MS = 5_000;

export class StreamQuota {
  #total = 0;
  readonly #byCaller = new Map<string, number>();

  constructor(
    private readonly limits: Pick<ProxyConfig['sse'], 'maxStreams' | 'maxStreamsPerCaller'>,
    private readonly metrics: ProxyMetrics,
  ) {}

  /** Takes a slot for `caller`, or throws 429 (this caller's cap) / 503 (the total cap). Returns the release, which runs once. */
  acquire(caller: string): () => void {
    const mine = this.#byCaller.get(caller) ?? 0;
    if (mine >= this.limits.maxStreamsPerCaller) {
      this.metrics.sseRefused.inc({ reason: 'per-caller' });
      throw new ProxyError(429, 'TooManyStreams', `this caller already has ${mine} open event streams`, { retryAfterMs: RETRY_AFTER_MS });
    }
    if (this.#total >= this.limits.maxStreams) {
      this.metrics.sseRefused.inc({ reason: 'total' });
      throw new ProxyError(503, 'TooManyStreams', 'the proxy has as many open event streams as it allows; retry later', { retryAfterMs: RETRY_AFTER_MS });
    }
    this.#byCaller.set(caller, mine + 1);
    this.#total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total -= 1;
      const left = (this.#byCaller.get(caller) ?? 1) - 1;
      if (left === 0) this.#byCaller.delete(caller);
      else this.#byCaller.set(caller, left);
    };
  }

  get total(): number {
    return this.#total;
  }
}
