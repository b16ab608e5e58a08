/**
 * The proxy as a fleet (BATCHWATCH_REDIS_URL): what the replicas share through Redis — snapshots, one poller
 * per batch with its events, rate limits, 429 windows and the upstream budget. Built once per app; without
 * Redis configured none of this exists and the proxy is the single process it always was.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { FleetConfig, ProxyConfig } from '../config.js';
import type { ProxyMetrics } from '../metrics.js';
import type { SharedTier, StatusStore } from '../upstream/store.js';
import { UpstreamBudget, upstreamCall } from './budget.js';
import { FleetHub } from './hub.js';
import type { CallerLimiter } from '../rate-limit.js';
import { fleetLimiter } from './limiter.js';
import { createFleetMetrics, type FleetMetrics } from './metrics.js';
import { FleetRedis } from './redis.js';
import { defineScripts, type FleetClient } from './scripts.js';
import { SharedSnapshots } from './shared-cache.js';

export { FleetRedis } from './redis.js';
export type { FleetState } from './redis.js';
export { FleetHub, FleetFeed } from './hub.js';
export { UpstreamBudget } from './budget.js';

export interface Fleet {
  redis: FleetRedis;
  client: FleetClient;
  metrics: FleetMetrics;
  /** The store's shared tier (cache, 429 windows, budget). */
  shared: SharedTier;
  budget: UpstreamBudget | undefined;
  /** Per-caller limits for the fleet, or undefined when rate limiting is off. */
  limiter: CallerLimiter | undefined;
  /** Charges each upstream HTTP attempt to the budget (undefined without one). */
  gate: ((signal?: AbortSignal | null) => Promise<void>) | undefined;
  hub(store: StatusStore, config: Pick<ProxyConfig, 'poll' | 'sse'>, metrics: ProxyMetrics): FleetHub;
  close(): Promise<void>;
}

export function createFleet(config: FleetConfig, proxy: Pick<ProxyConfig, 'cache' | 'rateLimit' | 'sse'>, registry: Registry, log: Logger): Fleet {
  const redis = new FleetRedis({ url: config.redisUrl, prefix: config.prefix, timeoutMs: config.timeoutMs, log });
  const client = defineScripts(redis.command);
  const metrics = createFleetMetrics(registry);
  metrics.degraded.set(1);
  redis.on('degraded', () => {
    metrics.degraded.set(1);
    metrics.degradedTotal.inc();
  });
  redis.on('rejoined', () => metrics.degraded.set(0));
  const snapshots = new SharedSnapshots(redis, proxy.cache);
  const budget = config.budget ? new UpstreamBudget(redis, client, config.budget, metrics) : undefined;
  const shared: SharedTier = {
    load: (key) => snapshots.load(key),
    save: (key, snapshot) => snapshots.save(key, snapshot),
    throttledFor: (key) => snapshots.throttledFor(key),
    throttle: (key, ms) => snapshots.throttle(key, ms),
    ...(budget && {
      async takeBudget(key: string) {
        const grant = await budget.take('get', key);
        if (!grant.granted) metrics.budgetRefused.inc();
        return grant;
      },
      async runAs<T>(kind: 'get' | 'poll', key: string, signal: AbortSignal, call: () => Promise<T>): Promise<T> {
        if (kind === 'poll') await budget.wait('poll', key, signal); // a GET has taken its token already
        return upstreamCall.run({ kind, key, prepaid: true }, call);
      },
    }),
  };
  return {
    redis,
    client,
    metrics,
    shared,
    budget,
    limiter: proxy.rateLimit.points > 0 ? fleetLimiter(redis, proxy.rateLimit) : undefined,
    gate: budget
      ? async (signal) => {
          const call = upstreamCall.getStore();
          if (call?.prepaid) {
            call.prepaid = false;
            return;
          }
          await budget.wait(call?.kind ?? 'get', call?.key ?? 'other', signal ?? undefined);
        }
      : undefined,
    hub: (store, hubConfig, proxyMetrics) =>
      new FleetHub(
        redis,
        client,
        store,
        hubConfig,
        { leaseTtlMs: config.leaseTtlMs, retentionMs: config.retentionMs, streamMaxLen: Math.max(100, proxy.sse.replayEvents) },
        proxyMetrics,
        metrics,
        log,
      ),
    close: () => redis.close(),
  };
}
