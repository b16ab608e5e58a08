/**
 * The partner-wide upstream budget (`BATCHWATCH_UPSTREAM_BUDGET` calls per window, default window one minute)
 * for the whole fleet: a token bucket in Redis that every HTTP attempt to Partner Center draws from.
 *
 * - Never over budget in ANY window: the bucket holds at most 10 % of the budget (the burst; at least 2
 *   calls) and refills at 95 % of the budget minus the burst per window, so burst + refill over one window
 *   is 95 % of the budget — the rest is a margin for calls that arrive upstream later than they were granted.
 * - Caller GETs first: the last 20 % of the burst is a reserve that only GETs may take; a GET that finds the
 *   bucket empty is refused at once (the store serves a stale snapshot, or 429 with Retry-After).
 * - Pollers wait instead of failing, in a fair FIFO queue (the batch waiting longest goes next): with B
 *   batches watched fleet-wide, each is polled at least once every `pollBoundMs(B)`.
 *
 * While Redis is away each replica keeps the same bucket in memory (so a fleet of N degraded replicas may
 * reach N × the budget until Redis is back).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Counter, Gauge } from 'prom-client';
import { sleep } from '@batchwatch/client/internal';
import type { FleetRedis } from './redis.js';
import type { FleetClient } from './scripts.js';

export type CallKind = 'get' | 'poll';

export interface BudgetOptions {
  /** Calls allowed per window, fleet-wide. */
  calls: number;
  windowMs: number;
}

export interface BudgetMetrics {
  budgetCalls: Counter<'kind'>;
  budgetRefused: Counter;
  budgetStretched: Counter;
  budgetTokens: Gauge;
}

export interface Grant {
  granted: boolean;
  /** When not granted: how long until this caller's turn. */
  waitMs: number;
}

/** Who is calling upstream right now (set by the store around each call, read by the fetch gate). */
export interface CallContext {
  kind: CallKind;
  key: string;
  /** The first attempt's token is taken already (before the call and its timeouts started). */
  prepaid: boolean;
}

export const upstreamCall = new AsyncLocalStorage<CallContext>();

const BURST_SHARE = 0.1;
const USABLE_SHARE = 0.95;
const RESERVE_SHARE = 0.2;

export class UpstreamBudget {
  readonly capacity: number;
  /** Tokens per ms. */
  readonly rate: number;
  readonly reserve: number;
  readonly #local: LocalBucket;

  constructor(
    private readonly redis: FleetRedis,
    private readonly client: FleetClient,
    readonly options: BudgetOptions,
    private readonly metrics: BudgetMetrics,
  ) {
    this.capacity = Math.max(2, options.calls * BURST_SHARE);
    this.rate = (options.calls * USABLE_SHARE - this.capacity) / options.windowMs;
    this.reserve = this.capacity * RESERVE_SHARE;
    this.#local = new LocalBucket(this.capacity, this.rate, this.reserve);
  }

  /**
   * Longest a watched batch waits between two polls when `batches` are watched fleet-wide and pollers have
   * the whole refill (no caller GETs): its poll interval, plus one token time per batch ahead of it.
   */
  pollBoundMs(batches: number, pollIntervalMs: number): number {
    return pollIntervalMs + Math.ceil(batches / this.rate);
  }

  /** One attempt's worth, now or never (caller GETs). */
  async take(kind: CallKind, member: string): Promise<Grant> {
    const grant = await this.#ask(kind, member);
    if (grant.granted) this.metrics.budgetCalls.inc({ kind });
    return grant;
  }

  /** One attempt's worth, waiting for it (pollers: their interval stretches); rejects only when `signal` aborts. */
  async wait(kind: CallKind, member: string, signal?: AbortSignal): Promise<void> {
    let stretched = false;
    for (;;) {
      signal?.throwIfAborted();
      const grant = await this.take(kind, member);
      if (grant.granted) return;
      if (!stretched) this.metrics.budgetStretched.inc();
      stretched = true;
      await sleep(Math.min(Math.max(grant.waitMs, 5), 1_000), signal);
    }
  }

  async #ask(kind: CallKind, member: string): Promise<Grant> {
    if (this.redis.connected) {
      try {
        const forgetMs = Math.ceil(this.options.windowMs * 2);
        const [granted, waitMs, tokens] = await this.client.fleetBudget(
          this.redis.key('budget', 'bucket'),
          this.redis.key('budget', 'queue'),
          this.redis.key('budget', 'asked'),
          this.capacity,
          this.rate,
          this.reserve,
          kind,
          member,
          forgetMs,
        );
        this.metrics.budgetTokens.set(tokens / 1000);
        return { granted: granted === 1, waitMs };
      } catch (error) {
        this.redis.failed(error);
      }
    }
    return this.#local.take(kind);
  }
}

/** The same bucket, in memory (while Redis is away); no queue: pollers retry after the refill time. */
class LocalBucket {
  #tokens: number;
  #at = Date.now();

  constructor(
    private readonly capacity: number,
    private readonly rate: number,
    private readonly reserve: number,
  ) {
    this.#tokens = capacity;
  }

  take(kind: CallKind): Grant {
    const now = Date.now();
    this.#tokens = Math.min(this.capacity, this.#tokens + (now - this.#at) * this.rate);
    this.#at = now;
    const floor = kind === 'get' ? 1 : 1 + this.reserve;
    if (this.#tokens >= floor) {
      this.#tokens -= 1;
      return { granted: true, waitMs: 0 };
    }
    return { granted: false, waitMs: Math.ceil((floor - this.#tokens) / this.rate) };
  }
}
