/**
 * Per-caller rate limits for the whole fleet, without a Redis round trip on the hot path.
 *
 * Redis holds the count: rate-limiter-flexible's `RateLimiterRedis` store, one counter per caller and fixed
 * window (`rl:<caller>`), shared by every replica. Each replica keeps its own view of each caller's window —
 * the count as Redis last answered it, plus the points it took itself since — and
 *   - grants at once while that view stays in the first half of the limit, sending what it took to Redis
 *     every `SYNC_MS` (one command per caller, not one per request); Redis's answer refreshes the view;
 *   - takes the second half through Redis, one awaited command per request: the refusal at the limit is
 *     Redis's exact count;
 *   - refuses at once, without asking, once Redis has counted the whole limit, until the window ends.
 * A view misses what the other replicas granted since its last answer, so the fleet can grant past the limit,
 * boundedly: only when a view is more than half the limit behind, and then by what this replica grants before
 * its next answer (one sync period: `SYNC_MS` plus a round trip), never more than half the limit per replica.
 * apps/proxy/README.md ("Per-caller rate limits", under "Running several replicas") states the bound.
 *
 * rate-limiter-flexible has no such local tier: `inMemoryBlockOnConsumed` answers locally only once a caller
 * is over the limit (every allowed request still waits for Redis), `BurstyRateLimiter` and `RateLimiterQueue`
 * add limits or queueing, not fewer round trips.
 *
 * While Redis is away or slow, each replica limits on its own (a `WindowLimiter` of the same size), so a
 * check never waits longer than the Redis command timeout, and not even that once the fleet knows Redis is
 * degraded.
 */
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import { CallerWindows, WindowLimiter, type CallerLimiter } from '../rate-limit.js';
import type { FleetRedis } from './redis.js';

/**
 * How long a replica gathers the points it granted before sending them to Redis. Each send costs a round trip
 * (a few hundred µs of CPU on this machine's loaded replicas); shorter only narrows the overshoot past the limit.
 */
const SYNC_MS = 20;

interface FleetWindow {
  endsAt: number;
  /** The caller's count in Redis for this window, as last answered (what this replica sent included). */
  counted: number;
  /** Points granted here that Redis has not counted yet: not sent yet… */
  unsent: number;
  /** …or sent and not answered yet. */
  sending: number;
}

export function fleetLimiter(redis: FleetRedis, limits: { points: number; windowS: number }): CallerLimiter {
  return new FleetLimiter(redis, limits.points, limits.windowS);
}

class FleetLimiter implements CallerLimiter {
  readonly #redis: FleetRedis;
  readonly #points: number;
  /** A replica grants without asking while the fleet's count, as far as it knows, stays below this. */
  readonly #grantAlone: number;
  readonly #store: RateLimiterRedis;
  readonly #insurance: WindowLimiter;
  readonly #windows: CallerWindows<FleetWindow>;
  readonly #unsent = new Map<string, FleetWindow>();
  #sync: NodeJS.Timeout | undefined;

  constructor(redis: FleetRedis, points: number, windowS: number) {
    this.#redis = redis;
    this.#points = points;
    this.#grantAlone = Math.floor(points / 2);
    this.#store = new RateLimiterRedis({
      storeClient: redis.command,
      points,
      duration: windowS,
      keyPrefix: redis.key('rl'),
      rejectIfRedisNotReady: true,
    });
    this.#insurance = new WindowLimiter(points, windowS);
    this.#windows = new CallerWindows((now) => ({ endsAt: now + windowS * 1000, counted: 0, unsent: 0, sending: 0 }));
  }

  take(key: string): number | Promise<number> {
    if (!this.#redis.connected) return this.#insurance.take(key);
    const now = Date.now();
    const window = this.#windows.current(key, now);
    if (window.counted >= this.#points) return window.endsAt - now;
    window.unsent++;
    if (window.counted + window.unsent + window.sending <= this.#grantAlone) {
      this.#unsent.set(key, window);
      if (!this.#sync) this.#sync = setTimeout(() => this.#sendAll(), SYNC_MS).unref();
      return 0;
    }
    return this.#ask(key, window);
  }

  /** Near the limit: this point (with any not sent yet) goes to Redis now, and Redis's count decides. */
  async #ask(key: string, window: FleetWindow): Promise<number> {
    const answer = await this.#send(key, window);
    if (!answer) return this.#insurance.take(key);
    return answer.consumedPoints <= this.#points ? 0 : Math.max(1, answer.msBeforeNext);
  }

  #sendAll(): void {
    this.#sync = undefined;
    const now = Date.now();
    // Points of a window that has ended meanwhile are dropped: Redis's counter for it has expired too.
    for (const [key, window] of this.#unsent) if (window.unsent > 0 && window.endsAt > now) void this.#send(key, window);
    this.#unsent.clear();
  }

  /** Adds the window's unsent points to the caller's count in Redis; undefined when Redis failed. */
  async #send(key: string, window: FleetWindow): Promise<RateLimiterRes | undefined> {
    const points = window.unsent;
    window.unsent = 0;
    window.sending += points;
    try {
      // `penalty` adds the points and answers the count without judging it (`consume` would reject past the
      // limit); the judging is done here. Answers arrive in the order sent (one connection), so the last is newest.
      const answer = await this.#store.penalty(key, points);
      window.counted = answer.consumedPoints;
      window.endsAt = Date.now() + answer.msBeforeNext;
      return answer;
    } catch (error) {
      this.#redis.failed(error);
      return undefined;
    } finally {
      window.sending -= points;
    }
  }
}
