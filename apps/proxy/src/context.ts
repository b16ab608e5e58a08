/**
 * What every route needs, built once per app, and the per-request state kept in `res.locals`.
 */
import type { ServerResponse } from 'node:http';
import type { Response } from 'express';
import type { Logger } from 'pino';
import type { AccessWriter } from './logger.js';
import type { AuditLog } from './audit.js';
import type { Authenticator, Principal } from './auth/index.js';
import type { ProxyConfig } from './config.js';
import type { ProxyMetrics } from './metrics.js';
import type { FleetHub, FleetRedis } from './fleet/index.js';
import type { MetricsHandler } from './metrics-endpoint.js';
import type { PollerHub } from './live/hub.js';
import type { CallerLimiter } from './rate-limit.js';
import type { StreamQuota } from './live/quota.js';
import type { StatusStore } from './upstream/store.js';

export type ReadinessState = 'starting' | 'ok' | 'shutting-down';

export interface AppContext {
  config: ProxyConfig;
  log: Logger;
  /** The hot path's access line (see logger.ts). */
  accessLog: AccessWriter;
  /** One line per customer read (audit.ts). */
  audit: AuditLog;
  metrics: ProxyMetrics;
  store: StatusStore;
  hub: PollerHub | FleetHub;
  /** Caps on open event streams. */
  streams: StreamQuota;
  authenticate: Authenticator;
  /** Per-caller rate limits: this process's own, or the fleet's (see rate-limit.ts). */
  limiter: CallerLimiter | undefined;
  /** With BATCHWATCH_REDIS_URL: the fleet's Redis (readiness says `degraded` while it is away). */
  fleetRedis?: FleetRedis | undefined;
  readiness: { state: ReadinessState };
  serveMetrics: MetricsHandler;
  /** The bundled OpenAPI document, serialised once. */
  openapiJson: string;
}

export interface RequestLocals {
  requestId: string;
  correlationId: string;
  /** An ingress X-Request-Id, when one came (echoed and logged). */
  xRequestId?: string | undefined;
  /** Arrived over TLS (here, or at a trusted proxy): the response may carry HSTS. */
  secure?: boolean;
  /** The customer and batch an authenticated caller asked for: the audit line's subject. */
  read?: { customerId: string; trackingId: string };
  /** Route template for metrics and logs (never the URL). */
  route?: string;
  principal?: Principal;
  cache?: string;
  /** The id segments when this is a batch-status GET (the hot path). */
  statusPath?: [string, string] | undefined;
  /** Hot path: the common headers are not set yet; they are written with the response (see front-door.ts). */
  headersDeferred?: boolean;
  /** The proxy is shutting down: responses say `Connection: close`. */
  closing?: boolean;
  /** performance.now() when the request arrived. */
  started: number;
  /** Hot path: records metrics and the access line once the response is handed over (see front-door.ts). */
  complete?: ((res: ServerResponse) => void) | undefined;
}

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

/**
 * A request's state with every field present from the start, so all requests share one object shape: the
 * `res.locals` Express makes is an `Object.create(null)`, a dictionary that every read and write on the hot
 * path had to look up by hash.
 */
export function newRequestLocals(started: number): RequestLocals {
  return {
    requestId: '',
    correlationId: '',
    xRequestId: undefined,
    secure: false,
    read: undefined,
    route: undefined,
    principal: undefined,
    cache: undefined,
    statusPath: undefined,
    headersDeferred: false,
    closing: false,
    started,
    complete: undefined,
  };
}
