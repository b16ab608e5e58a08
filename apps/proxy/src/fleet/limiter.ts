/**
 * Per-caller rate limits for the whole fleet: rate-limiter-flexible's `RateLimiterRedis` (one counter per
 * caller and window in Redis, shared by every replica), with an in-memory limiter of the same size that
 * answers while Redis is away or slow — so a limit check never waits longer than the Redis command timeout,
 * and not even that once the fleet knows Redis is degraded.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { FleetRedis } from './redis.js';

export interface CallerLimiter {
  /** Resolves when allowed; rejects with a `RateLimiterRes` when over the limit. */
  consume(key: string): Promise<RateLimiterRes>;
}

export function fleetLimiter(redis: FleetRedis, limits: { points: number; windowS: number }): CallerLimiter {
  const shared = new RateLimiterRedis({
    storeClient: redis.command,
    points: limits.points,
    duration: limits.windowS,
    keyPrefix: redis.key('rl'),
    rejectIfRedisNotReady: true,
  });
  const local = new RateLimiterMemory({ points: limits.points, duration: limits.windowS });
  return {
    async consume(key) {
      if (!redis.connected) return local.consume(key);
      try {
        return await shared.consume(key);
      } catch (error) {
        if (error instanceof RateLimiterRes) throw error;
        redis.failed(error);
        return local.consume(key);
      }
    },
  };
}
