/**
 * One batch's upstream poller — the client's watch loop, fetching through the store — and its subscribers:
 * each event is formatted once and written to all of them; the latest events are kept in a ring for
 * `Last-Event-ID` replay. It stops when its last subscriber leaves or the batch is terminal.
 */
import { watchBatchStatus, type BatchDetails, type WatchEvent } from '@batchwatch/client';
import { mapError, ProxyError } from '../faults.js';
import type { PollerHub } from './hub.js';
import type { SseStream } from './stream.js';
import { formatEvent, HEARTBEAT, relayBatch, relayDevice, type StateEvent } from './wire.js';

interface Waiter {
  stream: SseStream;
  lastEventId: number | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class BatchPoller {
  readonly #subscribers = new Set<SseStream>();
  #waiters: Waiter[] = [];
  /** Formatted state events, oldest first, at most `replayEvents`. */
  readonly #ring: Array<{ seq: number; text: Buffer }> = [];
  readonly #controller = new AbortController();
  #heartbeat: NodeJS.Timeout | undefined;
  /** Formatted events of the current poll, not yet written (see #enqueue). */
  #pending: Buffer[] = [];
  #flushTimer: NodeJS.Immediate | undefined;
  /** Subscribers found behind at the last heartbeat. */
  readonly #lagging = new WeakSet<SseStream>();
  #started = false;
  #stopped = false;
  #latest: { snapshot: BatchDetails; at: string; seq: number; text?: Buffer } | undefined;
  #previous: BatchDetails | undefined;
  lastSeq: number;

  constructor(
    private readonly hub: PollerHub,
    readonly key: string,
    readonly customerId: string,
    readonly trackingId: string,
    /** Seq before this poller's first event (ids continue from earlier pollers of the batch). */
    readonly base: number,
    private readonly correlationId: string | undefined,
  ) {
    this.lastSeq = base;
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  start(): void {
    this.#heartbeat = setInterval(() => this.#beat(), this.hub.config.sse.heartbeatMs);
    this.#heartbeat.unref();
    void this.#run();
  }

  add(stream: SseStream, lastEventId: number | undefined): Promise<void> {
    // Registered first: a stream that is already closed runs this at once and the poller stops if idle.
    stream.onClose(() => this.remove(stream));
    if (stream.closed) return Promise.resolve();
    if (this.#started) {
      this.#attach(stream, lastEventId);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#waiters.push({ stream, lastEventId, resolve, reject }));
  }

  /** A subscriber's stream closed (client gone, dropped, or ended by us). */
  remove(stream: SseStream): void {
    this.#subscribers.delete(stream);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (waiter.stream !== stream) return true;
      waiter.resolve(); // nobody to answer any more
      return false;
    });
    if (this.#subscribers.size === 0 && this.#waiters.length === 0) this.#stop('no subscribers');
  }

  shutdown(): void {
    for (const waiter of this.#waiters) waiter.reject(new ProxyError(503, 'ServiceUnavailable', 'the proxy is shutting down', { retryAfterMs: 1_000 }));
    this.#waiters = [];
    this.#closeAll('shutdown');
    this.#stop('shutdown');
  }

  async #run(): Promise<void> {
    const { intervalMs, maxIntervalMs } = this.hub.config.poll;
    const options = {
      intervalMs,
      maxIntervalMs,
      signal: this.#controller.signal,
      ...(this.correlationId ? { correlationId: this.correlationId } : {}),
    };
    try {
      // The client's watch loop, fetching through the store: coalesced with GETs, feeding the cache.
      for await (const event of watchBatchStatus(this.hub.store.fetchForWatch, this.customerId, this.trackingId, options)) {
        this.#onEvent(event);
      }
      this.#finish();
    } catch (error) {
      if (this.#stopped) return;
      this.#fail(error);
    }
  }

  #onEvent(event: WatchEvent): void {
    if (this.#stopped) return;
    if (event.type === 'retrying') {
      const mapped = mapError(event.error);
      if (!this.#started) this.#attachWaiters();
      this.#enqueue(
        Buffer.from(
          formatEvent({
            type: 'retrying',
            at: event.at.toISOString(),
            status: event.error.status,
            ...(event.error.code ? { code: event.error.code } : {}),
            description: mapped.fault.description,
            retryInMs: Math.round(event.retryInMs),
          }),
        ),
      );
      this.hub.metrics.sseEvents.inc({ type: 'retrying' });
      return;
    }
    if (this.#latest?.snapshot !== event.snapshot) this.#previous = this.#latest?.snapshot;
    const seq = this.base + event.seq;
    const at = event.at.toISOString();
    this.#latest = { snapshot: event.snapshot, at, seq };
    this.#publish(this.#toWire(event, seq, at));
  }

  /** The client's event in wire form: raw bodies and raw status strings, as Partner Center sent them. */
  #toWire(event: Exclude<WatchEvent, { type: 'retrying' }>, seq: number, at: string): StateEvent {
    switch (event.type) {
      case 'snapshot':
        return { type: 'snapshot', seq, at, snapshot: relayBatch(event.snapshot.raw) };
      case 'batch-status':
        return {
          type: 'batch-status',
          seq,
          at,
          from: this.#previous?.rawStatus ?? event.from,
          to: event.snapshot.rawStatus,
          startedTime: event.snapshot.raw.startedTime ?? null,
          completedTime: event.snapshot.raw.completedTime ?? null,
        };
      case 'device-added':
        return { type: 'device-added', seq, at, device: relayDevice(event.device.raw) };
      case 'device-status': {
        const before = this.#previous?.devices.find((device) => device.key === event.device.key);
        return { type: 'device-status', seq, at, from: before?.rawStatus ?? event.from, device: relayDevice(event.device.raw) };
      }
    }
  }

  #publish(event: StateEvent): void {
    // Encoded once, written to every subscriber as the same bytes.
    const text = Buffer.from(formatEvent(event));
    this.lastSeq = event.seq;
    const { replayEvents } = this.hub.config.sse;
    if (replayEvents > 0) {
      this.#ring.push({ seq: event.seq, text });
      if (this.#ring.length > replayEvents) this.#ring.shift();
    }
    // Waiters attach first so the very first event reaches them through the broadcast, exactly once.
    if (!this.#started) this.#attachWaiters();
    this.#enqueue(text);
    this.hub.metrics.sseEvents.inc({ type: event.type });
  }

  /**
   * One poll yields its events back to back (a status change, then maybe hundreds of device changes): they
   * are collected and written to each subscriber as ONE chunk once the poll's events are all in (next
   * macrotask), so fan-out costs one write per subscriber per poll, not one per event.
   */
  #enqueue(text: Buffer): void {
    this.#pending.push(text);
    this.#flushTimer ??= setImmediate(() => this.#flush());
  }

  #flush(): void {
    if (this.#flushTimer) clearImmediate(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#pending.length === 0) return;
    const chunk = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    this.#pending = [];
    this.#broadcast(chunk);
  }

  /** The first event has arrived: waiters join as subscribers and receive it through the broadcast that follows. */
  #attachWaiters(): void {
    this.#started = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (!waiter.stream.closed) {
        waiter.stream.open();
        this.#subscribers.add(waiter.stream);
      }
      waiter.resolve();
    }
  }

  /** Opens the stream and catches it up: replay after `Last-Event-ID` when the ring still holds it, else the latest snapshot. */
  #attach(stream: SseStream, lastEventId: number | undefined): void {
    if (stream.closed) return;
    this.#flush(); // the catch-up below covers everything published so far, queued events included
    stream.open();
    this.#subscribers.add(stream);
    if (!this.#latest) return;
    if (lastEventId !== undefined && lastEventId === this.lastSeq) return; // already up to date
    const replay = lastEventId === undefined ? undefined : this.#replayAfter(lastEventId);
    if (replay) for (const entry of replay) stream.send(entry.text);
    else stream.send(this.#snapshotText());
  }

  #replayAfter(lastEventId: number): Array<{ seq: number; text: Buffer }> | undefined {
    if (lastEventId < this.base || lastEventId > this.lastSeq) return undefined;
    const first = this.#ring[0];
    if (!first || first.seq > lastEventId + 1) return undefined;
    return this.#ring.filter((entry) => entry.seq > lastEventId);
  }

  /** The latest state as a `snapshot` event whose seq is the latest seq; formatted once per change. */
  #snapshotText(): Buffer {
    const latest = this.#latest!;
    latest.text ??= Buffer.from(formatEvent({ type: 'snapshot', seq: latest.seq, at: latest.at, snapshot: relayBatch(latest.snapshot.raw) }));
    return latest.text;
  }

  /**
   * Heartbeat: a comment for every subscriber. One that has held more than the cap unsent at two heartbeats
   * in a row — stuck for a whole interval, not just mid-way through a big write — is dropped instead.
   */
  #beat(): void {
    for (const stream of [...this.#subscribers]) {
      const behind = stream.isBehind();
      if (behind && this.#lagging.has(stream)) stream.close('slow');
      else if (behind) this.#lagging.add(stream);
      else this.#lagging.delete(stream);
    }
    this.#flush();
    this.#broadcast(HEARTBEAT);
  }

  #broadcast(text: Buffer): void {
    for (const stream of this.#subscribers) stream.send(text);
  }

  /** The batch is terminal: `done` with the final snapshot, then every stream ends. */
  #finish(): void {
    if (this.#stopped) return;
    const latest = this.#latest;
    if (latest) this.#publish({ type: 'done', seq: this.lastSeq + 1, at: new Date().toISOString(), snapshot: relayBatch(latest.snapshot.raw) });
    this.#closeAll('done');
    this.#stop('terminal');
  }

  /** The watch gave up (404, the proxy's credentials refused, …): nothing more will come. */
  #fail(error: unknown): void {
    const mapped = mapError(error);
    this.hub.log.warn({ batch: this.key, status: mapped.status, code: mapped.fault.code }, 'poller stopped by an upstream error');
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters = [];
    this.#closeAll('upstream-error');
    this.#stop('upstream error');
  }

  #closeAll(reason: 'done' | 'shutdown' | 'upstream-error'): void {
    this.#flush();
    for (const stream of [...this.#subscribers]) stream.close(reason);
    this.#subscribers.clear();
  }

  #stop(why: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#heartbeat);
    if (this.#flushTimer) clearImmediate(this.#flushTimer);
    this.#controller.abort(new Error(`poller stopped: ${why}`));
    this.hub.removed(this);
    this.hub.log.debug({ batch: this.key, why, lastSeq: this.lastSeq }, 'poller stopped');
  }
}
