/**
 * Live batches: ONE upstream poller per watched batch (live/poller.ts), shared by every event-stream
 * subscriber of that batch. The hub creates and forgets pollers, answers a batch already known to be finished
 * from cache without one, and remembers each batch's last event id so ids keep increasing across pollers.
 */
import type { Logger } from 'pino';
import type { ProxyConfig } from '../config.js';
import type { ProxyMetrics } from '../metrics.js';
import { batchKey } from '../upstream/cache.js';
import type { StatusStore } from '../upstream/store.js';
import { shuttingDown } from './fanout.js';
import { BatchPoller } from './poller.js';
import type { SseStream } from './stream.js';
import { formatEvent, relayBatch } from './wire.js';

export interface SubscribeRequest {
  customerId: string;
  trackingId: string;
  stream: SseStream;
  /** A validated `Last-Event-ID`. */
  lastEventId?: number | undefined;
  correlationId?: string | undefined;
}

/** Remembers the last seq per batch after its poller stops, so ids keep increasing across pollers. */
const SEQ_MEMORY = 10_000;

export class PollerHub {
  readonly #pollers = new Map<string, BatchPoller>();
  readonly #lastSeq = new Map<string, number>();
  #closed = false;

  constructor(
    readonly store: StatusStore,
    readonly config: Pick<ProxyConfig, 'poll' | 'sse'>,
    readonly metrics: ProxyMetrics,
    readonly log: Logger,
  ) {}

  get size(): number {
    return this.#pollers.size;
  }

  poller(customerId: string, trackingId: string): BatchPoller | undefined {
    return this.#pollers.get(batchKey(customerId, trackingId));
  }

  /**
   * Resolves once the stream is open and caught up (snapshot or replay); rejects — before anything was
   * written — when the batch cannot be followed (e.g. upstream 404), so the route can answer an HTTP error.
   */
  subscribe(request: SubscribeRequest): Promise<void> {
    if (this.#closed) return Promise.reject(shuttingDown());
    const key = batchKey(request.customerId, request.trackingId);
    if (!this.#pollers.has(key) && this.#serveFinished(key, request)) return Promise.resolve();
    let poller = this.#pollers.get(key);
    if (!poller) {
      const base = Math.max(this.#lastSeq.get(key) ?? 0, request.lastEventId ?? 0);
      poller = new BatchPoller(this, key, request.customerId, request.trackingId, base, request.correlationId);
      this.#pollers.set(key, poller);
      this.metrics.pollers.inc();
      poller.start();
    }
    return poller.add(request.stream, request.lastEventId);
  }

  /** A batch already known to be finished is answered from cache: snapshot, done, end — no poller. */
  #serveFinished(key: string, request: SubscribeRequest): boolean {
    const cached = this.store.cache.get(key);
    if (!cached?.terminal || this.store.freshness(cached) !== 'fresh') return false;
    const seq = Math.max(this.#lastSeq.get(key) ?? 0, request.lastEventId ?? 0);
    const at = new Date(cached.fetchedAt).toISOString();
    const snapshot = relayBatch(cached.details.raw);
    request.stream.open();
    request.stream.send(formatEvent({ type: 'snapshot', seq: seq + 1, at, snapshot }));
    request.stream.send(formatEvent({ type: 'done', seq: seq + 2, at, snapshot }));
    this.#rememberSeq(key, seq + 2);
    request.stream.close('done');
    return true;
  }

  /** Called by a poller that has stopped. */
  removed(poller: BatchPoller): void {
    if (this.#pollers.get(poller.key) !== poller) return;
    this.#pollers.delete(poller.key);
    this.metrics.pollers.dec();
    this.#rememberSeq(poller.key, poller.lastSeq);
  }

  #rememberSeq(key: string, seq: number): void {
    this.#lastSeq.delete(key);
    this.#lastSeq.set(key, seq);
    if (this.#lastSeq.size > SEQ_MEMORY) {
      const oldest = this.#lastSeq.keys().next().value;
      if (oldest !== undefined) this.#lastSeq.delete(oldest);
    }
  }

  /** Shutdown: no new subscribers, every stream ended, every poller stopped. */
  closeAll(): void {
    this.#closed = true;
    for (const poller of [...this.#pollers.values()]) poller.shutdown();
  }
}
