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
import { normalizeBatch, type BatchDetails, type BatchUploadDetails } from '@batchwatch/client';
import type { Logger } from 'pino';
import type { ProxyConfig } from '../config.js';
import type { ProxyMetrics } from '../metrics.js';
import { EventFanout, shuttingDown } from '../live/fanout.js';
import type { SubscribeRequest } from '../live/hub.js';
import { pollBatch } from '../live/polls.js';
import type { SseStream } from '../live/stream.js';
import { formatEvent, pollEvents, type StateEvent } from '../live/wire.js';
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
  readonly #fanout: EventFanout;
  #tick: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  /** Last stream id read. */
  #cursor = '-';
  /** A first read is done: `retrying` notices read from now on are news, not history. */
  #caughtUp = false;
  role: Role = 'follower';
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
  ) {
    this.#fanout = new EventFanout(key, hub, {
      idle: () => this.#stop('no subscribers'),
      beat: () => {
        if (this.role !== 'local') void this.pull(); // heals a missed notification
      },
    });
  }

  get subscriberCount(): number {
    return this.#fanout.subscriberCount;
  }

  get lastSeq(): number {
    return this.#fanout.lastSeq;
  }

  /** How often a replica renews its lease, or asks for one (so a lapsed lease is taken within a poll interval). */
  get #tickMs(): number {
    return Math.max(10, Math.min(this.hub.options.leaseTtlMs / 3, this.hub.config.poll.intervalMs));
  }

  start(): void {
    const { redis } = this.hub;
    this.#fanout.start();
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
    return this.#fanout.add(stream, lastEventId);
  }

  shutdown(): void {
    this.#fanout.shutdown();
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
    const fanout = this.#fanout;
    for (;;) {
      const live = this.#caughtUp;
      const { entries, state } = await this.log.read(this.#cursor, fanout.latest?.seq ?? -1, COUNT);
      if (this.#stopped || this.role === 'local') return;
      for (const entry of entries) this.#take(entry, live);
      fanout.flush(); // subscribers first: the state below is for those who arrive later
      if (state.body !== undefined && state.seq >= (fanout.latest?.seq ?? 0)) {
        const seq = state.done ? state.seq - 1 : state.seq;
        fanout.latest = { seq, at: state.at ?? new Date().toISOString(), details: normalizeBatch(JSON.parse(state.body) as BatchUploadDetails) };
      }
      if (entries.length === COUNT) continue; // more to read before the state applies
      // After a raise (an outage elsewhere) the seq may be ahead of the entries: ids continue from there.
      if (!state.done) fanout.lastSeq = Math.max(fanout.lastSeq, state.seq);
      this.#caughtUp = true;
      if (fanout.deliver()) {
        void this.lease.release().catch(() => {});
        this.#stop('terminal');
      }
      return;
    }
  }

  #take(entry: LogEntry, live: boolean): void {
    this.#cursor = entry.id;
    if (entry.type === 'retrying') {
      if (live) this.#fanout.notice(Buffer.from(entry.frame));
      return;
    }
    if (entry.seq <= this.#fanout.lastSeq && this.#fanout.started) return; // already delivered
    this.#fanout.record(entry.seq, entry.type as StateEvent['type'], Buffer.from(entry.frame));
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
    const target = { customerId: this.customerId, trackingId: this.trackingId, correlationId: this.correlationId };
    try {
      await pollBatch(this.hub.store, this.hub.config.poll, target, controller.signal, {
        poll: (snapshot, at, final) => this.#publishPoll(snapshot, at, final),
        retrying: (frame) => this.#publishNotice(frame, new Date().toISOString()),
      });
    } catch (error) {
      if (controller.signal.aborted || this.#stopped) return;
      this.#fanout.fail(error);
      void this.lease.release().catch(() => {});
      this.#stop('upstream error');
    }
  }

  #publishPoll(snapshot: BatchDetails, at: string, done: boolean): void {
    this.#appending = this.#appending.then(async () => {
      if (this.#stopped) return;
      if (this.role === 'local') return this.#deliverLocally(snapshot, at, done);
      if (this.role !== 'holder' || !this.lease.held) return;
      const previousSeq = this.lastSeq;
      const events = pollEvents(this.#fanout.latest?.details, snapshot, at, done, previousSeq);
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

  #publishNotice(frame: string, at: string): void {
    this.#appending = this.#appending.then(async () => {
      if (this.role === 'holder' && this.hub.redis.connected) {
        try {
          await this.log.append({
            token: this.lease.token,
            previousSeq: this.lastSeq,
            seq: this.lastSeq,
            entries: [{ id: noticeId(this.lastSeq), type: 'retrying', frame }],
            at,
            done: false,
          });
          return;
        } catch (error) {
          this.hub.redis.failed(error);
        }
      }
      this.#fanout.notice(Buffer.from(frame));
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
    if (this.#fanout.deliverPoll(snapshot, at, done)) this.#stop('terminal');
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
    this.#fanout.forgetReplay(); // ids from the outage are not in the fleet's stream
    this.hub.redis.subscriber.subscribe(this.log.keys.channel).catch(() => {});
    await this.pull();
    await this.#claim();
  }

  #stop(why: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#fanout.stop();
    clearInterval(this.#tick);
    clearTimeout(this.#retry);
    this.#stopWatch();
    if (this.role === 'holder') this.hub.fleetMetrics.leases.dec();
    if (this.lease.held) void this.lease.release().catch(() => {}); // another replica may take over at once
    this.hub.redis.subscriber.unsubscribe(this.log.keys.channel).catch(() => {});
    this.hub.removed(this);
    this.hub.log.debug({ batch: this.key, why, lastSeq: this.lastSeq }, 'feed stopped');
  }
}
