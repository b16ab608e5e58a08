/**
 * The subscribers of one batch's event stream, whoever produces the events (a poller in this process, or the
 * fleet's Redis Stream): each event is encoded once and written to all of them as the same bytes; the latest
 * events are kept in a ring for `Last-Event-ID` replay, the latest state for everyone else. Subscribers that
 * arrive before the first event wait for it; a reader stuck for a whole heartbeat interval is dropped.
 */
import type { BatchDetails } from '@batchwatch/client';
import type { Logger } from 'pino';
import type { ProxyConfig } from '../config.js';
import { mapError, ProxyError } from '../faults.js';
import type { ProxyMetrics } from '../metrics.js';
import { SharedChunk, type CloseReason, type SseStream } from './stream.js';
import { formatEvent, HEARTBEAT, pollEvents, relayBatch, type StateEvent } from './wire.js';

interface Waiter {
  stream: SseStream;
  lastEventId: number | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** What a fan-out needs from its hub. */
export interface FanoutContext {
  readonly config: Pick<ProxyConfig, 'sse'>;
  readonly metrics: ProxyMetrics;
  readonly log: Logger;
}

export interface FanoutHooks {
  /** The last subscriber (or waiter) left. */
  idle(): void;
  /** After each heartbeat. */
  beat?(): void;
}

export interface LatestState {
  /** Seq of the last state event (before `done`). */
  seq: number;
  at: string;
  details: BatchDetails;
  /** The state as a `snapshot` event, encoded once per change. */
  text?: Buffer;
}

const HEARTBEAT_CHUNK = new SharedChunk(HEARTBEAT);

export const shuttingDown = () => new ProxyError(503, 'ServiceUnavailable', 'the proxy is shutting down', { retryAfterMs: 1_000 });

export class EventFanout {
  readonly #subscribers = new Set<SseStream>();
  #waiters: Waiter[] = [];
  /** Encoded state events, oldest first, at most `replayEvents`. */
  readonly #ring: Array<{ seq: number; text: Buffer }> = [];
  /** Encoded events not yet written (see #enqueue). */
  #pending: Buffer[] = [];
  #flushTimer: NodeJS.Immediate | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  /** Subscribers found behind at the last heartbeat. */
  readonly #lagging = new WeakSet<SseStream>();
  #started = false;
  latest: LatestState | undefined;
  #done: Buffer | undefined;
  /** Seq of the last state event recorded (ids continue from `base`). */
  lastSeq: number;

  constructor(
    readonly key: string,
    private readonly context: FanoutContext,
    private readonly hooks: FanoutHooks,
    base = 0,
  ) {
    this.lastSeq = base;
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** The first event is in: subscribers are being written to (waiters are no more). */
  get started(): boolean {
    return this.#started;
  }

  start(): void {
    this.#heartbeat = setInterval(() => this.#beat(), this.context.config.sse.heartbeatMs).unref();
  }

  /** Resolves once the stream is open and caught up; rejects (nothing written yet) when the batch cannot be followed. */
  add(stream: SseStream, lastEventId: number | undefined): Promise<void> {
    // Registered first: a stream that is already closed runs this at once and the feed stops if idle.
    stream.onClose(() => this.#remove(stream));
    if (stream.closed) return Promise.resolve();
    if (this.#started) {
      this.#attach(stream, lastEventId);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#waiters.push({ stream, lastEventId, resolve, reject }));
  }

  /** A state event, encoded, for the ring and every subscriber; `deliver()` sends it. */
  record(seq: number, type: StateEvent['type'], text: Buffer): void {
    this.lastSeq = seq;
    const { replayEvents } = this.context.config.sse;
    if (replayEvents > 0) {
      this.#ring.push({ seq, text });
      if (this.#ring.length > replayEvents) this.#ring.shift();
    }
    if (type === 'done') this.#done = text;
    if (this.#started) this.#enqueue(text);
    this.context.metrics.sseEvents.inc({ type });
  }

  /** A `retrying` notice: live only (never replayed); waiters join to hear it. */
  notice(text: Buffer): void {
    if (!this.#started) this.#attachWaiters();
    this.#enqueue(text);
    this.context.metrics.sseEvents.inc({ type: 'retrying' });
  }

  /**
   * What was recorded goes out now: waiters join, caught up, once there is a state; every subscriber gets the
   * new events in one write. When the batch is done, every stream ends; says whether it did.
   */
  deliver(): boolean {
    if (this.latest && !this.#started) this.#attachWaiters();
    this.flush();
    if (!this.#done) return false;
    this.#closeAll('done');
    return true;
  }

  /** One poll observed in this process: its changes since the latest state, numbered on from `lastSeq`, delivered. */
  deliverPoll(snapshot: BatchDetails, at: string, done: boolean): boolean {
    const events = pollEvents(this.latest?.details, snapshot, at, done, this.lastSeq);
    if (events.length === 0) return false;
    for (const event of events) this.record(event.seq, event.type, Buffer.from(formatEvent(event)));
    this.latest = { seq: done ? this.lastSeq - 1 : this.lastSeq, at, details: snapshot };
    return this.deliver();
  }

  /** Ids kept for replay no longer name these events (the fleet numbered on elsewhere). */
  forgetReplay(): void {
    this.#ring.length = 0;
  }

  /** The feed gave up (404, the proxy's credentials refused, …): nothing more will come. */
  fail(error: unknown): void {
    const mapped = mapError(error);
    this.context.log.warn({ batch: this.key, status: mapped.status, code: mapped.fault.code }, 'poller stopped by an upstream error');
    this.#rejectWaiters(error);
    this.#closeAll('upstream-error');
  }

  shutdown(): void {
    this.#rejectWaiters(shuttingDown());
    this.#closeAll('shutdown');
  }

  stop(): void {
    clearInterval(this.#heartbeat);
    if (this.#flushTimer) clearImmediate(this.#flushTimer);
  }

  #remove(stream: SseStream): void {
    this.#subscribers.delete(stream);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (waiter.stream !== stream) return true;
      waiter.resolve(); // nobody to answer any more
      return false;
    });
    if (this.#subscribers.size === 0 && this.#waiters.length === 0) this.hooks.idle();
  }

  #rejectWaiters(error: unknown): void {
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters = [];
  }

  #attachWaiters(): void {
    this.#started = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      this.#attach(waiter.stream, waiter.lastEventId);
      waiter.resolve();
    }
  }

  /** Opens the stream and catches it up: replay after `Last-Event-ID` when the ring still holds it, else the latest state. */
  #attach(stream: SseStream, lastEventId: number | undefined): void {
    if (stream.closed) return;
    this.flush(); // the catch-up below covers everything recorded so far, queued events included
    stream.open();
    this.#subscribers.add(stream);
    if (!this.latest) return;
    if (lastEventId !== undefined && lastEventId === this.lastSeq) {
      if (this.#done) stream.close('done');
      return; // already up to date
    }
    const replay = lastEventId === undefined ? undefined : this.#replayAfter(lastEventId);
    if (replay) for (const entry of replay) stream.send(entry.text);
    else {
      stream.send(this.#snapshotText(this.latest));
      if (this.#done) stream.send(this.#done);
    }
    if (this.#done) stream.close('done');
  }

  #replayAfter(lastEventId: number): Array<{ seq: number; text: Buffer }> | undefined {
    if (lastEventId > this.lastSeq) return undefined;
    const first = this.#ring[0];
    if (!first || first.seq > lastEventId + 1) return undefined;
    return this.#ring.filter((entry) => entry.seq > lastEventId);
  }

  #snapshotText(latest: LatestState): Buffer {
    latest.text ??= Buffer.from(formatEvent({ type: 'snapshot', seq: latest.seq, at: latest.at, snapshot: relayBatch(latest.details.raw) }));
    return latest.text;
  }

  /**
   * Events that arrive back to back are collected and written to each subscriber as ONE chunk (at `deliver()`,
   * or the next macrotask at the latest), so fan-out costs one write per subscriber, not one per event.
   */
  #enqueue(text: Buffer): void {
    this.#pending.push(text);
    this.#flushTimer ??= setImmediate(() => this.flush());
  }

  /** Writes what is queued, now. */
  flush(): void {
    if (this.#flushTimer) clearImmediate(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#pending.length === 0) return;
    const bytes = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    this.#pending = [];
    this.#broadcast(new SharedChunk(bytes));
  }

  #broadcast(chunk: SharedChunk): void {
    for (const stream of this.#subscribers) stream.sendShared(chunk);
  }

  /**
   * Heartbeat: a comment for every subscriber. One that is behind (more than the cap unsent, and not taking it
   * at a pace) at two heartbeats in a row — stuck for a whole interval, not mid-way through a big write — is
   * dropped instead.
   */
  #beat(): void {
    for (const stream of [...this.#subscribers]) {
      const behind = stream.isBehind();
      if (behind && this.#lagging.has(stream)) stream.close('slow');
      else if (behind) this.#lagging.add(stream);
      else this.#lagging.delete(stream);
    }
    this.flush();
    this.#broadcast(HEARTBEAT_CHUNK);
    this.hooks.beat?.();
  }

  #closeAll(reason: Exclude<CloseReason, 'client' | 'slow'>): void {
    this.flush();
    for (const stream of [...this.#subscribers]) stream.close(reason);
    this.#subscribers.clear();
  }
}
