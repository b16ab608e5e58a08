/**
 * Prometheus metrics, on a registry per app (so tests can run several apps in one process). Route labels are
 * templates, never URLs: GUIDs in labels would make one time series per batch.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createHealthMetrics, type HealthMetrics } from './health-metrics.js';
import { VERSION } from './version.js';

export interface ProxyMetrics {
  registry: Registry;
  /** Version and dependency health (health-metrics.ts). */
  health: HealthMetrics;
  requests: Counter<'method' | 'route' | 'status_code'>;
  duration: Histogram<'method' | 'route' | 'status_code'>;
  upstreamRequests: Counter<'status_code'>;
  upstreamDuration: Histogram<'status_code'>;
  upstreamErrors: Counter<'kind' | 'status_code'>;
  cacheLookups: Counter<'result'>;
  coalesced: Counter;
  sseSubscribers: Gauge;
  pollers: Gauge;
  sseEvents: Counter<'type'>;
  sseDropped: Counter<'reason'>;
  authFailures: Counter<'reason'>;
  rateLimited: Counter;
  connections: Gauge;
  connectionsRefused: Counter<'reason'>;
  sseRefused: Counter<'reason'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): ProxyMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry }); // standard names: what stock Node.js dashboards query
  const registers = [registry];
  return {
    registry,
    health: createHealthMetrics(registry, VERSION),
    requests: new Counter({
      name: 'batchwatch_proxy_http_requests_total',
      help: 'Requests answered, by route template and status',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    }),
    duration: new Histogram({
      name: 'batchwatch_proxy_http_request_duration_seconds',
      help: 'Time to answer a request (event streams excluded)',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    upstreamRequests: new Counter({
      name: 'batchwatch_proxy_upstream_requests_total',
      help: 'HTTP attempts made to Partner Center, by response status (0 = no response)',
      labelNames: ['status_code'],
      registers,
    }),
    upstreamDuration: new Histogram({
      name: 'batchwatch_proxy_upstream_request_duration_seconds',
      help: 'Duration of one HTTP attempt to Partner Center',
      labelNames: ['status_code'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30],
      registers,
    }),
    upstreamErrors: new Counter({
      name: 'batchwatch_proxy_upstream_errors_total',
      help: 'Failed upstream calls (after retries), by kind (http, network, timeout, malformed, auth) and status',
      labelNames: ['kind', 'status_code'],
      registers,
    }),
    cacheLookups: new Counter({
      name: 'batchwatch_proxy_cache_lookups_total',
      help: 'Status lookups (GETs) by outcome: hit, miss, coalesced, stale (served after an upstream failure), throttled or error (nothing to serve)',
      labelNames: ['result'],
      registers,
    }),
    coalesced: new Counter({
      name: 'batchwatch_proxy_coalesced_requests_total',
      help: 'Lookups that joined an upstream call already in flight instead of making their own',
      registers,
    }),
    sseSubscribers: new Gauge({ name: 'batchwatch_proxy_sse_subscribers', help: 'Open event streams', registers }),
    pollers: new Gauge({ name: 'batchwatch_proxy_pollers', help: 'Batches with an active upstream poller', registers }),
    sseEvents: new Counter({
      name: 'batchwatch_proxy_sse_events_total',
      help: 'Events broadcast to event streams, by type (counted once per broadcast, not per subscriber)',
      labelNames: ['type'],
      registers,
    }),
    sseDropped: new Counter({
      name: 'batchwatch_proxy_sse_dropped_total',
      help: 'Event streams closed by the proxy, by reason (slow, shutdown, upstream-error)',
      labelNames: ['reason'],
      registers,
    }),
    authFailures: new Counter({
      name: 'batchwatch_proxy_auth_failures_total',
      help: 'Requests refused by authentication or authorisation, by reason',
      labelNames: ['reason'],
      registers,
    }),
    rateLimited: new Counter({ name: 'batchwatch_proxy_rate_limited_total', help: 'Requests refused by the per-caller rate limit', registers }),
    connections: new Gauge({ name: 'batchwatch_proxy_connections', help: 'Open client connections (API port)', registers }),
    connectionsRefused: new Counter({
      name: 'batchwatch_proxy_connections_refused_total',
      help: 'Connections closed at the connection cap: idle-closed (an idle one made room) or over-capacity (all busy; 503)',
      labelNames: ['reason'],
      registers,
    }),
    sseRefused: new Counter({
      name: 'batchwatch_proxy_sse_refused_total',
      help: 'Event streams refused at a cap: per-caller (429) or total (503)',
      labelNames: ['reason'],
      registers,
    }),
  };
}

type RequestLabel = 'method' | 'route' | 'status_code';

/**
 * Counts an answered request and, unless `seconds` is undefined, times it — through prom-client's labelled
 * children, bound once per method, route and status: hashing the labels on every `inc`/`observe` was a
 * measurable share of a cache hit.
 */
export function requestRecorder(metrics: ProxyMetrics): (method: string, route: string, status: number, seconds: number | undefined) => void {
  const series = new Map<string, { count: Counter.Internal; time?: Histogram.Internal<RequestLabel> }>();
  return (method, route, status, seconds) => {
    const key = `${method} ${status} ${route}`;
    let bound = series.get(key);
    if (!bound) {
      bound = { count: metrics.requests.labels(method, route, String(status)) };
      series.set(key, bound);
    }
    bound.count.inc();
    if (seconds === undefined) return;
    bound.time ??= metrics.duration.labels(method, route, String(status));
    bound.time.observe(seconds);
  };
}
