/**
 * The Express application, constructible in-process (tests pass a log destination, a credential, a clock).
 * Request flow: front door (helmet headers, request ids, metrics, access log, URL limit) → batch routes
 * (ids → auth → rate limit → ACL → cache | shared poller) | infra routes → 404 → error handler (an ApiFault,
 * never a stack).
 */
import type { RequestListener } from 'node:http';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { DestinationStream, Logger } from 'pino';
import type { TokenSource } from '@batchwatch/client';
import { loggerAuditLog, type AuditLog } from './audit.js';
import { createAuthenticator } from './auth/index.js';
import { KeyRing } from './auth/key-file.js';
import { corsFor } from './edge.js';
import { egressFromEnv } from './egress.js';
import { observedJwksFetch } from './health-metrics.js';
import type { ProxyConfig } from './config.js';
import { applyDeferredHeaders, completed, fastLane, frontDoor, requestOpener } from './front-door.js';
import { locals, type AppContext, type ReadinessState } from './context.js';
import { apiFault, mapError, type MappedFault } from './faults.js';
import { createLoggers, loggerAccessWriter } from './logger.js';
import { createMetrics, type ProxyMetrics } from './metrics.js';
import { metricsHandler, type MetricsHandler } from './metrics-endpoint.js';
import { loadBundledSpec } from './docs.js';
import { BATCHES_ROUTE, listDeviceBatches } from './routes/batches.js';
import { EVENTS_ROUTE, streamEvents } from './routes/events.js';
import { infraRouter } from './routes/infra.js';
import { getStatus, STATUS_ROUTE } from './routes/status.js';
import { SnapshotCache } from './upstream/cache.js';
import type { createFleet, Fleet, FleetHub } from './fleet/index.js';
import { createUpstreamClient, RETRY_AFTER_IN_CALL_MS } from './upstream/client.js';
import { PollerHub } from './live/hub.js';
import { WindowLimiter } from './rate-limit.js';
import { StreamQuota } from './live/quota.js';
import { StatusStore } from './upstream/store.js';

export interface ProxyDeps {
  /** Where log lines go (default stdout). */
  logDestination?: DestinationStream;
  logger?: Logger;
  /** Where audit lines go instead (embedding: a terminal that belongs to a UI, a separate audit sink). */
  audit?: AuditLog;
  /** Overrides the configured Partner Center credential. */
  credential?: TokenSource;
  metrics?: ProxyMetrics;
  now?: () => number;
  /**
   * Builds the fleet when BATCHWATCH_REDIS_URL is set. `startProxy` passes it, importing the fleet (and its
   * Redis client) only then: a single process never loads it.
   */
  createFleet?: typeof createFleet;
}

export interface ProxyApp {
  app: Express;
  /** The HTTP server's request listener: the hot path first, then `app` (see `fastLane`). */
  listener: RequestListener;
  log: Logger;
  metrics: ProxyMetrics;
  store: StatusStore;
  hub: PollerHub | FleetHub;
  /** With BATCHWATCH_REDIS_URL: what the replicas share. */
  fleet: Fleet | undefined;
  readiness: { state: ReadinessState };
  serveMetrics: MetricsHandler;
  /** The egress proxies in use (credentials removed); empty when Partner Center is called directly. */
  egressProxies: string[];
  /** Ends every event stream and poller; the app answers 503 on /readyz from then on. */
  close(): Promise<void>;
}

export function createProxyApp(config: ProxyConfig, deps: ProxyDeps = {}): ProxyApp {
  const loggers = deps.logger
    ? { log: deps.logger, accessLog: loggerAccessWriter(deps.logger), audit: loggerAuditLog(deps.logger) }
    : createLoggers({ level: config.logLevel, ...(deps.logDestination ? { destination: deps.logDestination } : {}) });
  const { log } = loggers;
  const metrics = deps.metrics ?? createMetrics();
  if (config.fleet && !deps.createFleet) throw new Error('BATCHWATCH_REDIS_URL is set: start the proxy with startProxy(), or pass deps.createFleet');
  const fleet = config.fleet ? deps.createFleet!(config.fleet, config, metrics.registry, log) : undefined;
  const egress = egressFromEnv(config.egress);
  const client = createUpstreamClient(config.upstream, metrics, {
    fetch: egress.fetch,
    ...(deps.credential ? { credential: deps.credential } : {}),
    ...(fleet?.gate ? { gate: fleet.gate } : {}),
  });
  const keyRing = config.auth.apiKeysFile ? watchKeyFile(config.auth.apiKeysFile, log) : undefined;
  const { timeoutMs, attempts, maxBackoffMs } = config.upstream;
  const budgetMs = timeoutMs * (attempts + 1) + RETRY_AFTER_IN_CALL_MS * attempts; // attempts, back-off, and a token request
  const store = new StatusStore(client, new SnapshotCache(config.cache), metrics, log, { budgetMs, maxBackoffMs }, deps.now, fleet?.shared);
  const hub = fleet ? fleet.hub(store, config, metrics) : new PollerHub(store, config, metrics, log);
  for (const key of config.auth.apiKeys) {
    if (!config.auth.keyAcl.has(key.name)) log.warn({ key: key.name }, 'this API key has no BATCHWATCH_CUSTOMER_ACL entry: it can read no customer');
  }
  const spec = loadBundledSpec();
  const ctx: AppContext = {
    config,
    log,
    accessLog: loggers.accessLog,
    audit: deps.audit ?? loggers.audit,
    metrics,
    store,
    hub,
    streams: new StreamQuota(config.sse, metrics),
    authenticate: createAuthenticator(config.auth, keyRing ? () => keyRing.keys : undefined, observedJwksFetch(egress.fetch, metrics.health)),
    limiter: fleet ? fleet.limiter : config.rateLimit.points > 0 ? new WindowLimiter(config.rateLimit.points, config.rateLimit.windowS) : undefined,
    fleetRedis: fleet?.redis,
    readiness: { state: 'ok' },
    serveMetrics: metricsHandler(metrics, config.metrics.key),
    openapiJson: JSON.stringify(spec),
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // ETags are computed once per snapshot, not per response
  // Whose X-Forwarded-For / -Proto is believed: the load balancers named, nobody by default.
  app.set('trust proxy', config.edge.trustedProxies.length > 0 ? config.edge.trustedProxies : false);
  // Batch routes first: they are the hot path, and every layer in front of them is walked per request.
  // The status GET is matched by one regex (see routes/paths.ts) and answered by the front door's own layer,
  // unless CORS must run in between; then it has its own layer.
  const status = getStatus(ctx);
  const cors = config.edge.corsOrigins.length > 0 ? corsFor(config.edge.corsOrigins) : undefined;
  const open = requestOpener(ctx, [EVENTS_ROUTE]);
  app.use(frontDoor(ctx, open, cors ? undefined : status));
  if (cors) app.use(cors);
  app.use(status);
  app.get(EVENTS_ROUTE, streamEvents(ctx));
  app.get(BATCHES_ROUTE, listDeviceBatches(ctx, client));
  app.all([STATUS_ROUTE, EVENTS_ROUTE, BATCHES_ROUTE], (_req, res) => {
    locals(res).route = 'method-not-allowed';
    res.setHeader('Allow', 'GET, HEAD');
    sendFault(res, { status: 405, fault: apiFault('MethodNotAllowed', 'only GET is supported'), headers: {} });
  });
  app.use(infraRouter(ctx));
  app.use((_req, res) => sendFault(res, { status: 404, fault: apiFault('NotFound', 'no such operation'), headers: {} }));
  const onError = errorHandler(ctx);
  app.use(onError);

  return {
    app,
    listener: fastLane(app, open, status, onError, { cors: cors !== undefined }),
    log,
    metrics,
    store,
    hub,
    fleet,
    readiness: ctx.readiness,
    serveMetrics: ctx.serveMetrics,
    egressProxies: egress.proxies,
    async close() {
      ctx.readiness.state = 'shutting-down';
      keyRing?.close();
      hub.closeAll();
      await fleet?.close();
    },
  };
}

/** BATCHWATCH_API_KEYS_FILE, followed: each change applied (or refused) is logged with the key ids. */
function watchKeyFile(path: string, log: Logger): KeyRing {
  const ring = KeyRing.fromFile(path);
  ring.on('reload', (change) => log.info(change, 'API keys reloaded from BATCHWATCH_API_KEYS_FILE'));
  ring.on('error', (error) => log.error({ err: error }, 'BATCHWATCH_API_KEYS_FILE changed but was not applied; the previous keys stay'));
  return ring;
}

function errorHandler(ctx: AppContext): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const mapped = mapError(error);
    if (mapped.status >= 500) (res as unknown as { err?: unknown }).err = error; // the access log records it, stack included, in the log only
    if (mapped.status === 500) ctx.log.error({ err: error, requestId: locals(res).requestId }, 'unexpected error');
    sendFault(res, mapped);
  };
}

function sendFault(res: express.Response, mapped: MappedFault): void {
  if (res.headersSent) {
    // An event stream that already started cannot change its status; just end it.
    if (!res.writableEnded) res.end();
    return;
  }
  applyDeferredHeaders(res);
  for (const [name, value] of Object.entries(mapped.headers)) res.setHeader(name, value);
  res.setHeader('Cache-Control', 'no-store');
  res.status(mapped.status).json(mapped.fault);
  completed(res);
}
