/**
 * Live events for a fleet. Per watched batch, each replica keeps one `FleetFeed`: its local subscribers, a
 * ring of recent frames and the latest snapshot, all read from the batch's Redis Stream. One replica — the
 * lease holder — polls Partner Center and appends each poll's changes to the stream (fenced by its lease
 * token); every replica, the holder included, learns of an append by pub/sub and reads the new entries, so a
 * subscriber anywhere sees the same events with the same ids.
 *
 * - Takeover: replicas without the lease ask for it every `min(leaseTtl / 3, poll interval)`; when the holder
 *   dies its lease expires and the next asker polls at once, diffing against the last appended snapshot, so
 *   no transition is lost or repeated.
 * - Redis lost: every feed polls for itself (single-process mode), numbering on from the last id it saw, and
 *   keeps its subscribers. Redis back: each feed raises the batch's seq past its own ids, stops polling and
 *   rejoins; the next holder diffs against the snapshot Redis holds (see README "failure modes").
 */
import { diffBatch, isTerminal, normalizeBatch, watchBatchStatus, type BatchDetails, type BatchUploadDetails, type WatchEvent } from '@batchwatch/client';
import type { Logger } from 'pino';
import type { ProxyConfig } from '../config.js';
import { mapError, ProxyError } from '../faults.js';
import type { ProxyMetrics } from '../metrics.js';
import type { SubscribeRequest } from '../live/hub.js';
import type { SseStream } from '../live/stream.js';
import { formatEvent, HEARTBEAT, relayBatch, relayDevice, type StateEvent } from '../live/wire.js';
import { batchKey } from '../upstream/cache.js';
import type { StatusStore } from '../upstream/store.js';
import { BatchLog, noticeId, stateEventId, type LogEntry } from './batch-log.js';
import { Lease } from './lease.js';
import type { FleetMetrics } from './metrics.js';
import type { FleetRedis } from './redis.js';
import type { FleetClient } from './scripts.js';

export interface FleetHubOptions {
  leaseTtlMs: number;
  streamMaxLen: number;
  retentionMs: number;
}

interface Waiter {
  stream: SseStream;
  lastEventId: number | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const shuttingDown = () => new ProxyError(503, 'ServiceUnavailable', 'the proxy is shutting down', { retryAfterMs: 1_000 });

export class FleetHub {
  readonly #feeds = new Map<string, FleetFeed>();
  readonly #byChannel = new Map<string, FleetFeed>();
  #closed = false;

  constructor(
    readonly redis: FleetRedis,
    readonly client: FleetClient,
    readonly store: StatusStore,
    readonly config: Pick<ProxyConfig, 'poll' | 'sse'>,
    readonly options: FleetHubOptions,
    readonly metrics: ProxyMetrics,
    readonly fleetMetrics: FleetMetrics,
    readonly log: Logger,
  ) {
    redis.subscriber.on('message', (channel: string) => this.#byChannel.get(channel)?.pull());
    redis.on('degraded', () => {
      for (const feed of this.#feeds.values()) feed.goLocal();
    });
    redis.on('rejoined', () => {
      for (const feed of this.#feeds.values()) void feed.rejoin();
    });
  }

  get size(): number {
    return this.#feeds.size;
  }

  poller(customerId: string, trackingId: string): FleetFeed | undefined {
    return this.#feeds.get(batchKey(customerId, trackingId));
  }

  subscribe(request: SubscribeRequest): Promise<void> {
    if (this.#closed) return Promise.reject(shuttingDown());
    const key = batchKey(request.customerId, request.trackingId);
    let feed = this.#feeds.get(key);
    if (!feed) {
      const keys = {
        lease: this.redis.key('lease', key),
        stream: this.redis.key('events', key),
        state: this.redis.key('state', key),
        channel: this.redis.key('notify', key),
      };
      const log = new BatchLog(this.client, keys, this.options.streamMaxLen, this.options.retentionMs);
      const lease = new Lease(this.client, { lease: keys.lease, fence: this.redis.key('fence', key) }, this.options.leaseTtlMs);
      feed = new FleetFeed(this, key, request.customerId, request.trackingId, log, lease, request.correlationId);
      this.#feeds.set(key, feed);
      this.#byChannel.set(keys.channel, feed);
      this.metrics.pollers.inc();
      feed.start();
    }
    return feed.add(request.stream, request.lastEventId);
  }

  removed(feed: FleetFeed): void {
    if (this.#feeds.get(feed.key) !== feed) return;
    this.#feeds.delete(feed.key);
    this.#byChannel.delete(feed.log.keys.channel);
    this.metrics.pollers.dec();
  }

  closeAll(): void {
    this.#closed = true;
    for (const feed of [...this.#feeds.values()]) feed.shutdown();
  }
}

type Role = 'follower' | 'holder' | 'local';

export class FleetFeed {
  readonly #subscribers = new Set<SseStream>();
  #waiters: Waiter[] = [];
  readonly #ring: Array<{ seq: number; text: Buffer }> = [];
  readonly #lagging = new WeakSet<SseStream>();
  #pending: Buffer[] = [];
  #flushTimer: NodeJS.Immediate | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #tick: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  /** The latest state: its seq (the id of the last state event), time and snapshot. */
  #latest: { seq: number; at: string; details: BatchDetails; text?: Buffer } | undefined;
  #done: Buffer | undefined;
  /** Last stream id read. */
  #cursor = '-';
  lastSeq = 0;
  role: Role = 'follower';
  #started = false;
  #stopped = false;
  #watch: AbortController | undefined;
  #pulling: Promise<void> | undefined;
  #pullAgain = false;
  /** Appends of the holder, one after the other. */
  #appending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly hub: FleetHub,
    readonly key: string,
    readonly customerId: string,
    readonly trackingId: string,
    readonly log: BatchLog,
    readonly lease: Lease,
    private readonly correlationId: string | undefined,
  ) {}

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /** How often a replica renews its lease, or asks for one (so a lapsed lease is taken within a poll interval). */
  get #tickMs(): number {
    return Math.max(10, Math.min(this.hub.options.leaseTtlMs / 3, this.hub.config.poll.intervalMs));
  }

  start(): void {
    const { config, redis } = this.hub;
    this.#heartbeat = setInterval(() => this.#beat(), config.sse.heartbeatMs).unref();
    this.#tick = setInterval(() => void this.#claim(), this.#tickMs).unref();
    if (!redis.connected) {
      this.goLocal();
      return;
    }
    // Subscribed before the first read, so no append can fall between the two.
    void redis.subscriber
      .subscribe(this.log.keys.channel)
      .catch(() => {})
      .then(() => this.pull())
      .then(() => this.#claim());
  }

  add(stream: SseStream, lastEventId: number | undefined): Promise<void> {
    stream.onClose(() => this.remove(stream));
    if (stream.closed) return Promise.resolve();
    if (this.#started) {
      this.#attach(stream, lastEventId);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#waiters.push({ stream, lastEventId, resolve, reject }));
  }

  remove(stream: SseStream): void {
    this.#subscribers.delete(stream);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (waiter.stream !== stream) return true;
      waiter.resolve();
      return false;
    });
    if (this.#subscribers.size === 0 && this.#waiters.length === 0) this.#stop('no subscribers');
  }

  shutdown(): void {
    for (const waiter of this.#waiters) waiter.reject(shuttingDown());
    this.#waiters = [];
    this.#closeAll('shutdown');
    this.#stop('shutdown');
  }

  // ---- reading the fleet's stream -------------------------------------------------------------------------

  /** Reads what was appended since the last read (coalesced: one read at a time, again if asked meanwhile). */
  pull(): Promise<void> {
    if (this.#stopped || this.role === 'local') return Promise.resolve();
    if (this.#pulling) {
      this.#pullAgain = true;
      return this.#pulling;
    }
    this.#pulling = (async () => {
      try {
        do {
          this.#pullAgain = false;
          await this.#readOnce();
        } while (this.#pullAgain && !this.#stopped && this.role !== 'local');
      } catch (error) {
        this.hub.redis.failed(error);
      } finally {
        this.#pulling = undefined;
      }
    })();
    return this.#pulling;
  }

  async #readOnce(): Promise<void> {
    const COUNT = 1_000;
    for (;;) {
      const live = this.#cursor !== '-'; // a first read skips old `retrying` notices
      const { entries, state } = await this.log.read(this.#cursor, this.#latest?.seq ?? -1, COUNT);
      if (this.#stopped || this.role === 'local') return;
      for (const entry of entries) this.#take(entry, live);
      if (state.body !== undefined && state.seq >= (this.#latest?.seq ?? 0)) {
        const seq = state.done ? state.seq - 1 : state.seq;
        this.#latest = { seq, at: state.at ?? new Date().toISOString(), details: normalizeBatch(JSON.parse(state.body) as BatchUploadDetails) };
      }
      if (entries.length === COUNT) continue; // more to read before the state applies
      // After a raise (an outage elsewhere) the seq may be ahead of the entries: ids continue from there.
      if (!state.done) this.lastSeq = Math.max(this.lastSeq, state.seq);
      if (this.#latest && !this.#started) this.#attachWaiters();
      this.#flush();
      if (this.#done) this.#finishFromLog();
      return;
    }
  }

  #take(entry: LogEntry, live: boolean): void {
    this.#cursor = entry.id;
    const text = Buffer.from(entry.frame);
    if (entry.type === 'retrying') {
      if (!live) return;
      if (!this.#started) this.#attachWaiters();
      this.#enqueue(text);
      return;
    }
    if (entry.seq <= this.lastSeq && this.#started) return; // already delivered
    this.#record(entry.seq, text);
    if (entry.type === 'done') this.#done = text;
    this.hub.metrics.sseEvents.inc({ type: entry.type });
  }

  /** A state event for the ring and every subscriber. */
  #record(seq: number, text: Buffer): void {
    this.lastSeq = seq;
    const { replayEvents } = this.hub.config.sse;
    if (replayEvents > 0) {
      this.#ring.push({ seq, text });
      if (this.#ring.length > replayEvents) this.#ring.shift();
    }
    if (this.#started) this.#enqueue(text);
  }

  #finishFromLog(): void {
    this.#closeAll('done');
    void this.lease.release().catch(() => {});
    this.#stop('terminal');
  }

  // ---- polling for the fleet -------------------------------------------------------------------------------

  /** Takes the lease when free, renews it when held; starts or stops polling accordingly. */
  async #claim(): Promise<void> {
    if (this.#stopped || this.role === 'local' || !this.hub.redis.connected) return;
    try {
      const answer = await this.lease.acquireOrRenew();
      if (this.#stopped || (this.role as Role) === 'local') {
        // it may have changed while we waited
        if (answer.held) await this.lease.release();
        return;
      }
      if (answer.held && this.role === 'follower') {
        this.role = 'holder';
        this.hub.fleetMetrics.leases.inc();
        this.hub.fleetMetrics.leaseAcquired.inc();
        await this.pull(); // catch up: the diff of the first poll is against the last appended snapshot
        if (this.role === 'holder' && !this.#stopped) this.#startWatch();
      } else if (!answer.held && this.role === 'holder') {
        this.#demote('lease lost');
      }
      // Someone else holds it: ask again the moment it would lapse, not a whole tick later.
      if (!answer.held && answer.retryInMs < this.#tickMs) {
        clearTimeout(this.#retry);
        this.#retry = setTimeout(() => void this.#claim(), answer.retryInMs + 1).unref();
      }
    } catch (error) {
      this.hub.redis.failed(error);
    }
  }

  #demote(why: string): void {
    if (this.role !== 'holder') return;
    this.hub.log.info({ batch: this.key, why }, 'no longer polling this batch for the fleet');
    this.role = 'follower';
    this.hub.fleetMetrics.leases.dec();
    this.lease.drop();
    this.#stopWatch();
  }

  #startWatch(): void {
    this.#stopWatch();
    const controller = new AbortController();
    this.#watch = controller;
    void this.#runWatch(controller);
  }

  #stopWatch(): void {
    this.#watch?.abort(new Error('poller stopped'));
    this.#watch = undefined;
  }

  async #runWatch(controller: AbortController): Promise<void> {
    const { intervalMs, maxIntervalMs } = this.hub.config.poll;
    const options = { intervalMs, maxIntervalMs, signal: controller.signal, ...(this.correlationId ? { correlationId: this.correlationId } : {}) };
    let polled: BatchDetails | undefined;
    let at = '';
    let scheduled: NodeJS.Immediate | undefined;
    try {
      for await (const event of watchBatchStatus(this.hub.store.fetchForWatch, this.customerId, this.trackingId, options)) {
        if (controller.signal.aborted) return;
        if (event.type === 'retrying') {
          this.#publishNotice(event);
          continue;
        }
        // One poll yields its changes back to back; they are published together once the poll's are all in.
        if (event.snapshot !== polled) {
          polled = event.snapshot;
          at = event.at.toISOString();
          const snapshot = polled;
          const when = at;
          scheduled = setImmediate(() => {
            if (!controller.signal.aborted) this.#publishPoll(snapshot, when, false);
          });
        }
      }
      // Terminal: the last poll's changes and `done` go out in one append.
      clearImmediate(scheduled);
      if (!controller.signal.aborted && polled) this.#publishPoll(polled, at, true);
    } catch (error) {
      if (controller.signal.aborted || this.#stopped) return;
      this.#fail(error);
    }
  }

  /** The changes since the last published state (or a first snapshot), as numbered wire events. */
  #changes(snapshot: BatchDetails, at: string, done: boolean, fromSeq: number): StateEvent[] {
    const previous = this.#latest?.details;
    const events: StateEvent[] = [];
    let seq = fromSeq;
    if (!previous) events.push({ type: 'snapshot', seq: ++seq, at, snapshot: relayBatch(snapshot.raw) });
    else {
      for (const change of diffBatch(previous, snapshot)) {
        if (change.type === 'batch-status') {
          events.push({
            type: 'batch-status',
            seq: ++seq,
            at,
            from: previous.rawStatus,
            to: snapshot.rawStatus,
            startedTime: snapshot.raw.startedTime ?? null,
            completedTime: snapshot.raw.completedTime ?? null,
          });
        } else if (change.type === 'device-added') {
          events.push({ type: 'device-added', seq: ++seq, at, device: relayDevice(change.device.raw) });
        } else {
          const before = previous.devices.find((device) => device.key === change.device.key);
          events.push({ type: 'device-status', seq: ++seq, at, from: before?.rawStatus ?? change.from, device: relayDevice(change.device.raw) });
        }
      }
    }
    if (done && isTerminal(snapshot)) events.push({ type: 'done', seq: ++seq, at, snapshot: relayBatch(snapshot.raw) });
    return events;
  }

  #publishPoll(snapshot: BatchDetails, at: string, done: boolean): void {
    this.#appending = this.#appending.then(async () => {
      if (this.#stopped) return;
      if (this.role === 'local') return this.#deliverLocally(snapshot, at, done);
      if (this.role !== 'holder' || !this.lease.held) return;
      const previousSeq = this.lastSeq;
      const events = this.#changes(snapshot, at, done, previousSeq);
      if (events.length === 0) return;
      const seq = events.at(-1)!.seq;
      try {
        const result = await this.log.append({
          token: this.lease.token,
          previousSeq,
          seq,
          entries: events.map((event) => ({ id: stateEventId(event.seq), type: event.type, frame: formatEvent(event) })),
          body: JSON.stringify(snapshot.raw),
          at,
          done,
        });
        if (result === 'ok') await this.pull();
        else {
          if (result === 'fenced') this.hub.fleetMetrics.fenced.inc();
          this.#demote(result === 'fenced' ? 'fenced: the lease has another holder' : 'another replica appended meanwhile');
          await this.pull();
        }
      } catch (error) {
        this.hub.redis.failed(error);
        // Redis went away mid-append: whether it landed is unknown; the feed goes local and rejoins later.
        if (!this.hub.redis.connected) this.#deliverLocally(snapshot, at, done);
      }
    });
  }

  #publishNotice(event: Extract<WatchEvent, { type: 'retrying' }>): void {
    const frame = formatEvent({
      type: 'retrying',
      at: event.at.toISOString(),
      status: event.error.status,
      ...(event.error.code ? { code: event.error.code } : {}),
      description: mapError(event.error).fault.description,
      retryInMs: Math.round(event.retryInMs),
    });
    this.hub.metrics.sseEvents.inc({ type: 'retrying' });
    this.#appending = this.#appending.then(async () => {
      if (this.role === 'holder' && this.hub.redis.connected) {
        try {
          await this.log.append({
            token: this.lease.token,
            previousSeq: this.lastSeq,
            seq: this.lastSeq,
            entries: [{ id: noticeId(this.lastSeq), type: 'retrying', frame }],
            at: event.at.toISOString(),
            done: false,
          });
          return;
        } catch (error) {
          this.hub.redis.failed(error);
        }
      }
      if (!this.#started) this.#attachWaiters();
      this.#enqueue(Buffer.from(frame));
    });
  }

  // ---- single-process mode (Redis away) --------------------------------------------------------------------

  /** Redis is away: this replica polls the batch itself and numbers on from the last id it saw. */
  goLocal(): void {
    if (this.#stopped || this.role === 'local') return;
    if (this.role === 'holder') this.hub.fleetMetrics.leases.dec();
    this.role = 'local';
    // The lease token is kept: if Redis is back before it lapses, this replica renews it and polls on for the
    // fleet at once, instead of everyone waiting for the lapse.
    this.#startWatch();
  }

  #deliverLocally(snapshot: BatchDetails, at: string, done: boolean): void {
    const events = this.#changes(snapshot, at, done, this.lastSeq);
    if (events.length === 0) return;
    for (const event of events) {
      const text = Buffer.from(formatEvent(event));
      this.#record(event.seq, text);
      if (event.type === 'done') this.#done = text;
      this.hub.metrics.sseEvents.inc({ type: event.type });
    }
    this.#latest = { seq: done ? this.lastSeq - 1 : this.lastSeq, at, details: snapshot };
    if (!this.#started) this.#attachWaiters();
    this.#flush();
    if (this.#done) {
      this.#closeAll('done');
      this.#stop('terminal');
    }
  }

  /** Redis is back: ids never go back (the batch's seq is raised past ours), then follow the fleet again. */
  async rejoin(): Promise<void> {
    if (this.#stopped || this.role !== 'local') return;
    this.#stopWatch();
    try {
      await this.log.raise(this.lastSeq);
    } catch (error) {
      this.hub.redis.failed(error);
      return; // still local; the next rejoin tries again
    }
    if (this.#stopped) return;
    this.role = 'follower';
    this.#cursor = stateEventId(this.lastSeq);
    this.#ring.length = 0; // ids from the outage are not in the fleet's stream
    this.hub.redis.subscriber.subscribe(this.log.keys.channel).catch(() => {});
    await this.pull();
    await this.#claim();
  }

  // ---- subscribers -------------------------------------------------------------------------------------------

  #attachWaiters(): void {
    this.#started = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      this.#attach(waiter.stream, waiter.lastEventId);
      waiter.resolve();
    }
  }

  /** Opens the stream and catches it up: the missed events when still kept, else the latest snapshot. */
  #attach(stream: SseStream, lastEventId: number | undefined): void {
    if (stream.closed) return;
    this.#flush();
    stream.open();
    this.#subscribers.add(stream);
    if (!this.#latest) return;
    if (lastEventId !== undefined && lastEventId === this.lastSeq) {
      if (this.#done) stream.close('done');
      return;
    }
    const replay = lastEventId === undefined ? undefined : this.#replayAfter(lastEventId);
    if (replay) for (const entry of replay) stream.send(entry.text);
    else {
      stream.send(this.#snapshotText());
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

  #snapshotText(): Buffer {
    const latest = this.#latest!;
    latest.text ??= Buffer.from(formatEvent({ type: 'snapshot', seq: latest.seq, at: latest.at, snapshot: relayBatch(latest.details.raw) }));
    return latest.text;
  }

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
    for (const stream of this.#subscribers) stream.send(chunk);
  }

  #beat(): void {
    for (const stream of [...this.#subscribers]) {
      const behind = stream.isBehind();
      if (behind && this.#lagging.has(stream)) stream.close('slow');
      else if (behind) this.#lagging.add(stream);
      else this.#lagging.delete(stream);
    }
    this.#flush();
    for (const stream of this.#subscribers) stream.send(HEARTBEAT);
    if (this.role !== 'local') void this.pull(); // heals a missed notification
  }

  #fail(error: unknown): void {
    const mapped = mapError(error);
    this.hub.log.warn({ batch: this.key, status: mapped.status, code: mapped.fault.code }, 'poller stopped by an upstream error');
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters = [];
    this.#closeAll('upstream-error');
    void this.lease.release().catch(() => {});
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
    clearInterval(this.#tick);
    clearTimeout(this.#retry);
    if (this.#flushTimer) clearImmediate(this.#flushTimer);
    this.#stopWatch();
    if (this.role === 'holder') this.hub.fleetMetrics.leases.dec();
    if (this.lease.held) void this.lease.release().catch(() => {}); // another replica may take over at once
    this.hub.redis.subscriber.unsubscribe(this.log.keys.channel).catch(() => {});
    this.hub.removed(this);
    this.hub.log.debug({ batch: this.key, why, lastSeq: this.lastSeq }, 'feed stopped');
  }
}
