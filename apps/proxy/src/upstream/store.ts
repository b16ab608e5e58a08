/**
 * Batch status lookups: cache first, then ONE upstream call per batch at a time (concurrent lookups join
 * it), a back-off window after a 429, and stale answers when the upstream fails but a recent snapshot exists.
 * The caller's right to the customer has been checked before any of this runs.
 */
import { PartnerCenterError, type BatchDetails, type BatchStatusClient, type GetBatchStatusOptions } from '@batchwatch/client';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { DEFAULT_THROTTLE_MS, ProxyError } from '../faults.js';
import { redact } from '../redact.js';
import type { ProxyMetrics } from '../metrics.js';
import { batchKey, SnapshotCache, toSnapshot, type Freshness, type Snapshot } from './cache.js';

/**
 * A tier behind the in-memory cache that other replicas share (the fleet's Redis, see fleet/): snapshots and
 * 429 back-off windows, plus the upstream budget. Every method fails soft — a miss, 0, a no-op.
 */
export interface SharedTier {
  load(key: string): Promise<Snapshot | undefined>;
  save(key: string, snapshot: Snapshot): Promise<void>;
  throttledFor(key: string): Promise<number>;
  throttle(key: string, ms: number): Promise<void>;
  /** A caller GET's first attempt, now or never; undefined = granted (or no budget). */
  takeBudget?(key: string): Promise<{ granted: boolean; waitMs: number }>;
  /**
   * Runs an upstream call as `kind`: a poll first waits for its token (its interval stretches; outside the
   * call's timeouts), a GET has taken its own; retried attempts are charged by the fetch gate.
   */
  runAs?<T>(kind: 'get' | 'poll', key: string, signal: AbortSignal, call: () => Promise<T>): Promise<T>;
}

type CacheResult = 'hit' | 'miss' | 'coalesced' | 'stale';

export interface Lookup {
  snapshot: Snapshot;
  cache: CacheResult;
  /** Why a stale snapshot was served (e.g. `upstream-throttled`, `upstream-timeout`). */
  staleReason?: string;
}

export interface CallIds {
  requestId?: string;
  correlationId?: string;
}

export class StatusStore {
  readonly #inflight = new Map<string, Promise<Snapshot>>();
  readonly #throttledUntil = new Map<string, number>();
  readonly #closing = new AbortController();

  constructor(
    private readonly client: BatchStatusClient,
    readonly cache: SnapshotCache,
    private readonly metrics: ProxyMetrics,
    private readonly log: Logger,
    private readonly limits: {
      /** Most time one upstream call may take, token acquisition and retries included. */
      budgetMs: number;
      /** Longest back-off after a failure, whatever `Retry-After` says (never past Node's timer limit). */
      maxBackoffMs: number;
    },
    private readonly now: () => number = Date.now,
    private readonly shared?: SharedTier,
  ) {
    setMaxListeners(0, this.#closing.signal); // every poll waiting for the fleet's budget listens to it
  }

  /**
   * A status for a GET: fresh from cache (synchronously: a hit makes no promise), or fetched (shared), or
   * stale when the upstream fails.
   */
  lookup(customerId: string, trackingId: string, ids: CallIds = {}): Lookup | Promise<Lookup> {
    const key = batchKey(customerId, trackingId);
    const cached = this.cache.get(key);
    const freshness = cached && this.freshness(cached);
    if (cached && freshness === 'fresh') return this.#count({ snapshot: cached, cache: 'hit' });
    if (this.shared) return this.#lookupShared(key, customerId, trackingId, ids, cached);
    return this.#lookupUpstream(key, customerId, trackingId, ids, freshness === 'stale' ? cached : undefined);
  }

  /** Not fresh in this replica's memory: maybe another replica fetched it (then it is a hit here too). */
  async #lookupShared(key: string, customerId: string, trackingId: string, ids: CallIds, cached: Snapshot | undefined): Promise<Lookup> {
    const shared = await this.shared!.load(key);
    const best = shared && (!cached || shared.fetchedAt > cached.fetchedAt) ? shared : cached;
    if (best && best === shared) this.cache.set(key, best);
    const freshness = best && this.freshness(best);
    if (best && freshness === 'fresh') return this.#count({ snapshot: best, cache: 'hit' });
    return this.#lookupUpstream(key, customerId, trackingId, ids, freshness === 'stale' ? best : undefined);
  }

  async #lookupUpstream(key: string, customerId: string, trackingId: string, ids: CallIds, usable: Snapshot | undefined): Promise<Lookup> {
    const throttledMs = Math.max(this.throttledFor(key), this.shared ? await this.shared.throttledFor(key) : 0);
    if (throttledMs > 0) {
      if (usable) return this.#count({ snapshot: usable, cache: 'stale', staleReason: 'upstream-throttled' });
      this.metrics.cacheLookups.inc({ result: 'throttled' });
      throw new ProxyError(429, 'UpstreamThrottled', 'Partner Center is throttling requests; retry later', { retryAfterMs: throttledMs });
    }
    const joined = this.#inflight.has(key);
    if (!joined && this.shared?.takeBudget) {
      const grant = await this.shared.takeBudget(key);
      if (!grant.granted) {
        if (usable) return this.#count({ snapshot: usable, cache: 'stale', staleReason: 'upstream-budget' });
        this.metrics.cacheLookups.inc({ result: 'throttled' });
        throw new ProxyError(429, 'UpstreamThrottled', "the fleet's Partner Center budget is spent for now; retry later", { retryAfterMs: grant.waitMs });
      }
    }
    try {
      const snapshot = await this.#shared(key, customerId, trackingId, ids, undefined, 'get');
      return this.#count({ snapshot, cache: joined ? 'coalesced' : 'miss' });
    } catch (error) {
      if (usable && isServableStale(error)) {
        return this.#count({ snapshot: usable, cache: 'stale', staleReason: staleReason(error) });
      }
      this.metrics.cacheLookups.inc({ result: 'error' });
      throw error;
    }
  }

  /**
   * `getBatchStatus` for a poller (the client's watch loop): always asks upstream, but shares an in-flight
   * call, feeds the cache, and honours the 429 back-off window as a retryable error the watch waits out.
   */
  readonly fetchForWatch = async (customerId: string, trackingId: string, options: GetBatchStatusOptions = {}): Promise<BatchDetails> => {
    const key = batchKey(customerId, trackingId);
    const throttledMs = Math.max(this.throttledFor(key), this.shared ? await this.shared.throttledFor(key) : 0);
    if (throttledMs > 0) {
      throw new PartnerCenterError({ kind: 'http', status: 429, description: 'throttled: the proxy is backing off', retryAfterMs: throttledMs });
    }
    const ids: CallIds = options.correlationId ? { correlationId: options.correlationId } : {};
    const shared = this.#shared(key, customerId, trackingId, ids, options.retry, 'poll');
    return (await abortable(shared, options.signal)).details;
  };

  freshness(snapshot: Snapshot): Freshness {
    return this.cache.freshness(snapshot, this.now());
  }

  /** Remaining back-off after an upstream 429 for this batch, in ms (0 = none). */
  throttledFor(key: string): number {
    const until = this.#throttledUntil.get(key);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left <= 0) this.#throttledUntil.delete(key);
    return Math.max(0, left);
  }

  /** Aborts upstream calls still in flight (the last step of shutdown). */
  abortAll(): void {
    // A deliberate 503 (logged at warn), not an "unexpected error" 500.
    this.#closing.abort(new ProxyError(503, 'ServiceUnavailable', 'the proxy is shutting down', { retryAfterMs: 1_000 }));
  }

  #shared(
    key: string,
    customerId: string,
    trackingId: string,
    ids: CallIds,
    retry: GetBatchStatusOptions['retry'] | undefined,
    kind: 'get' | 'poll',
  ): Promise<Snapshot> {
    const running = this.#inflight.get(key);
    if (running) {
      this.metrics.coalesced.inc();
      return running;
    }
    const fetch = () => this.#fetch(key, customerId, trackingId, ids, retry);
    const run = this.shared?.runAs ? this.shared.runAs(kind, key, this.#closing.signal, fetch) : fetch();
    const call = run.finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, call);
    return call;
  }

  async #fetch(key: string, customerId: string, trackingId: string, ids: CallIds, retry?: GetBatchStatusOptions['retry']): Promise<Snapshot> {
    const started = performance.now();
    // A bound on the whole call: each attempt and token refresh has its own timeout, retries and back-off do not.
    const deadline = AbortSignal.timeout(this.limits.budgetMs);
    try {
      const call = this.client.getBatchStatus(customerId, trackingId, {
        ...ids,
        signal: AbortSignal.any([this.#closing.signal, deadline]),
        ...(retry === undefined ? {} : { retry }),
      });
      const details = await abortable(call, deadline).catch((error: unknown) => {
        if (!deadline.aborted || error instanceof PartnerCenterError) throw error;
        throw new PartnerCenterError({ kind: 'timeout', description: `no answer within ${this.limits.budgetMs} ms`, cause: error, ...ids });
      });
      const snapshot = toSnapshot(details, this.now(), this.cache.get(key));
      this.cache.set(key, snapshot);
      void this.shared?.save(key, snapshot);
      this.log.debug({ upstream: { customerId, trackingId, status: details.rawStatus, ms: elapsed(started), ...ids } }, 'upstream status');
      return snapshot;
    } catch (thrown) {
      const error = capRetryAfter(thrown, this.limits.maxBackoffMs);
      this.#recordFailure(key, error);
      this.log.warn({ upstream: { customerId, trackingId, ms: elapsed(started), ...ids, error: describeUpstreamError(error) } }, 'upstream call failed');
      throw error;
    }
  }

  #recordFailure(key: string, error: unknown): void {
    if (!(error instanceof PartnerCenterError)) return;
    this.metrics.upstreamErrors.inc({ kind: error.kind, status_code: String(error.status) });
    if (error.status !== 429) return;
    const now = this.now();
    this.#throttledUntil.set(key, now + (error.retryAfterMs ?? DEFAULT_THROTTLE_MS));
    void this.shared?.throttle(key, error.retryAfterMs ?? DEFAULT_THROTTLE_MS);
    // Bounded like the cache: forget windows that have passed once there are many.
    if (this.#throttledUntil.size > 1_000) for (const [k, until] of this.#throttledUntil) if (until <= now) this.#throttledUntil.delete(k);
  }

  #count(lookup: Lookup): Lookup {
    this.metrics.cacheLookups.inc({ result: lookup.cache });
    return lookup;
  }
}

/**
 * May a recent cached snapshot stand in for this failure? Yes when Partner Center gave no answer about the
 * batch (no response, a timeout, a 5xx, 408/429, our own credentials refused, an unreadable body); no when
 * it answered about the batch itself (404, 400, …).
 */
function isServableStale(error: unknown): boolean {
  if (!(error instanceof PartnerCenterError)) return false;
  if (error.kind !== 'http') return true;
  return error.retryable || error.status === 401 || error.status === 403;
}

function staleReason(error: unknown): string {
  if (!(error instanceof PartnerCenterError)) return 'upstream-error';
  if (error.status === 429) return 'upstream-throttled';
  if (error.kind === 'timeout') return 'upstream-timeout';
  if (error.kind === 'network') return 'upstream-unreachable';
  if (error.kind === 'malformed') return 'upstream-malformed';
  return 'upstream-error';
}

/**
 * What a log line may say about a failure: kind, status, code, a bounded and redacted description, Partner
 * Center ids — never a body or a header.
 */
export function describeUpstreamError(error: unknown): Record<string, unknown> {
  if (error instanceof PartnerCenterError) {
    const { kind, status, code, requestId, attempts, retryAfterMs } = error;
    return { kind, status, code: code && redact(code, 64), description: redact(error.description, 256), requestId, attempts, retryAfterMs };
  }
  return { message: redact(error instanceof Error ? error.message : String(error), 256) };
}

/**
 * A `Retry-After` far in the future (an HTTP date in 2099 is 2³¹ ms and more) would become a back-off of
 * decades — and a timer Node fires at once, in a loop. Every wait the proxy derives from it is capped here.
 */
function capRetryAfter(error: unknown, maxMs: number): unknown {
  if (!(error instanceof PartnerCenterError) || error.retryAfterMs === undefined || error.retryAfterMs <= maxMs) return error;
  const { kind, status, code, description, requestId, correlationId, body } = error;
  const capped = new PartnerCenterError({ kind, status, code, description, requestId, correlationId, body, retryAfterMs: maxMs, cause: error.cause });
  capped.attempts = error.attempts;
  return capped;
}

const elapsed = (started: number): number => Math.round(performance.now() - started);

/** Lets one waiter stop waiting without cancelling the shared call others still wait on. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
