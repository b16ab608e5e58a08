/**
 * Per-request basics, in ONE router layer (each layer costs measurable throughput on the cache-hit path):
 * helmet's headers, the request's ids, the URL length limit, metrics and the access log.
 *
 * On the hot path (a batch-status GET) the common headers are not `setHeader`-ed one by one but kept aside
 * and written together with the response's own by a single `writeHead` (`sendWithHeaders`); any other
 * response on that path (an error) applies them first (`applyDeferredHeaders`), so every response still
 * carries all of them.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { isGuid } from '@batchwatch/client';
import { createHttpLogger, hotPath, logRequest } from './access-log.js';
import { ingressRequestId } from './edge.js';
import { traceRequest, tracingOn } from './tracing.js';
import { newRequestLocals, type AppContext, type RequestLocals } from './context.js';
import { ProxyError } from './faults.js';
import { requestRecorder } from './metrics.js';

/** Longest request target accepted (the batch routes need about 120 characters). */
export const MAX_URL_LENGTH = 2_048;

/** helmet's headers (static: computed once per process). */
let securityHeaders: readonly string[] | undefined;

/** Starts a request's state (`res.locals`): its ids, TLS, shutdown, and how it is completed. */
export type RequestOpener = (req: IncomingMessage, res: ServerResponse, statusPath: [string, string] | undefined) => RequestLocals;

/**
 * `streamingRoutes` stay out of the latency histogram: event streams last as long as the client wants.
 * On the hot path (`statusPath`) the headers are deferred and completion is recorded when the response is
 * handed to Node; elsewhere the headers are set now and completion waits for 'close'.
 */
export function requestOpener(ctx: AppContext, streamingRoutes: readonly string[]): RequestOpener {
  const streaming = new Set(streamingRoutes);
  const { log } = ctx;
  const recordRequest = requestRecorder(ctx.metrics);
  securityHeaders ??= staticHelmetHeaders();
  const loggers = { log, fast: ctx.accessLog };
  /** Metrics (by route template; streams stay out of the latency histogram) and, on the hot path, the access line. */
  const complete = (res: ServerResponse): void => {
    const request = (res as Response).locals as RequestLocals;
    const req = res.req;
    const elapsedMs = performance.now() - request.started;
    const route = request.route ?? 'unmatched';
    recordRequest(req.method ?? 'GET', route, res.statusCode, streaming.has(route) ? undefined : elapsedMs / 1000);
    if (request.statusPath) logRequest(loggers, req, res, elapsedMs);
    if (request.read && request.principal) {
      ctx.audit({
        caller: request.principal.id,
        ...(request.principal.keyId ? { keyId: request.principal.keyId } : {}),
        customerId: request.read.customerId,
        trackingId: request.read.trackingId,
        status: res.statusCode,
        requestId: request.requestId,
        route,
      });
    }
  };
  return (req, res, statusPath) => {
    const request = newRequestLocals(performance.now());
    (res as Response).locals = request;
    request.requestId = guidHeader(req.headers['ms-requestid']) ?? randomUUID();
    request.correlationId = guidHeader(req.headers['ms-correlationid']) ?? randomUUID();
    // An ingress's X-Request-Id is kept (logged, echoed); MS-RequestId stays a GUID, as Partner Center's.
    request.xRequestId = ingressRequestId(req.headers['x-request-id']);
    // HSTS only for what arrived over TLS: at the load balancer (X-Forwarded-Proto from a trusted proxy) or here.
    request.secure =
      (req.socket as { encrypted?: boolean }).encrypted === true || (req.headers['x-forwarded-proto'] !== undefined && (req as Request).secure === true);
    request.closing = ctx.readiness.state === 'shutting-down';
    request.statusPath = statusPath;
    if (statusPath) {
      // Hot path: headers go out with the response, and completion is recorded when it is handed to Node
      // (`sendWithHeaders` / `sendFault`), which saves a 'close' listener per request.
      request.headersDeferred = true;
      request.complete = complete;
    } else {
      setHeaders(res, commonHeaders(request, []));
      res.on('close', () => complete(res));
    }
    return request;
  };
}

/**
 * The router's first layer: opens every request Express routes, checks the URL's length, and hands it on
 * (through tracing, when on). `statusHandler`, when given, answers a batch-status GET right here instead of in
 * the next router layer; leave it out when a layer must run in between (CORS).
 */
export function frontDoor(ctx: AppContext, open: RequestOpener, statusHandler?: RequestHandler): RequestHandler {
  const httpLogger = createHttpLogger(ctx.log);
  return (req, res, next) => {
    if (req.url.charCodeAt(0) !== SLASH) toOriginForm(req);
    const request = open(req, res, hotPath(req));
    if (req.originalUrl.length > MAX_URL_LENGTH) throw new ProxyError(414, 'UriTooLong', `the request target is longer than ${MAX_URL_LENGTH} characters`);
    const proceed = request.statusPath ? next : () => httpLogger(req, res, next);
    if (tracingOn()) traceRequest(req, res, () => request.route, proceed);
    else if (request.statusPath && statusHandler) return statusHandler(req, res, next);
    else proceed();
  };
}

/**
 * The HTTP server's request listener: the batch-status GET (the cache-hit path) is answered here, before
 * Express — its per-request setup (two prototype swaps, a router walk, a final handler) was ~9 µs of a Node 24
 * cache hit, and the hot path needs none of it: same state, headers, logs and metrics as through the front door.
 * Express still routes what needs a layer of its own (CORS, tracing), a URL in absolute form or too long,
 * and every other request; an error on the hot path goes to the app's error handler, with Express's request
 * and response prototypes given first.
 */
export function fastLane(
  app: Express,
  open: RequestOpener,
  statusHandler: RequestHandler,
  onError: ErrorRequestHandler,
  options: { cors: boolean },
): RequestListener {
  // With trusted proxies, X-Forwarded-For/-Proto are read as Express reads them (`req.ip`, `req.secure`).
  const trustsProxies = Boolean(app.get('trust proxy'));
  const fail = (req: IncomingMessage, res: ServerResponse, error: unknown): void => {
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    const [request, response] = [req as Request, res as Response];
    request.res = response;
    response.req = request;
    onError(error, request, response, () => undefined);
  };
  return (req, res) => {
    const url = req.url ?? '';
    const statusPath = options.cors || tracingOn() || url.length > MAX_URL_LENGTH || url.charCodeAt(0) !== SLASH ? undefined : hotPath(req);
    if (!statusPath) return void app(req, res);
    if (trustsProxies) Object.setPrototypeOf(req, app.request);
    open(req, res, statusPath);
    // Inline callbacks, not named per-request closures (a build that keeps function names would name each one).
    try {
      const answered = statusHandler(req as Request, res as Response, (error?: unknown) => fail(req, res, error)) as unknown;
      if (answered instanceof Promise) answered.catch((error: unknown) => fail(req, res, error));
    } catch (error) {
      fail(req, res, error);
    }
  };
}

const SLASH = 47;

/**
 * `GET http://host/v1/…` (absolute form, valid HTTP/1.1 that some forward proxies send) is served like
 * `GET /v1/…`: routing, matching and logs see the path. Anything else that is not a path stays as it is
 * (and gets its 404).
 */
function toOriginForm(req: IncomingMessage): void {
  const url = req.url ?? '';
  if (!/^https?:\/\//i.test(url)) return;
  try {
    const parsed = new URL(url);
    req.url = `${parsed.pathname}${parsed.search}`;
  } catch {
    // not a URL: left for the 404
  }
}

/** Records a hot-path request as done (once); a no-op elsewhere, where the 'close' listener does it. */
export function completed(res: Response): void {
  const request = res.locals as RequestLocals;
  const complete = request.complete;
  if (!complete) return;
  request.complete = undefined;
  complete(res);
}

/** helmet's headers, the request ids, `Connection: close` while shutting down, then `own`: one flat list. */
function commonHeaders(request: RequestLocals, own: readonly string[]): string[] {
  const all = securityHeaders!.concat('MS-RequestId', request.requestId, 'MS-CorrelationId', request.correlationId);
  if (request.xRequestId) all.push('X-Request-Id', request.xRequestId);
  if (request.secure) all.push('Strict-Transport-Security', HSTS);
  if (request.closing) all.push('Connection', 'close');
  for (const value of own) all.push(value);
  return all;
}

/** Writes the status line with the deferred common headers and `own` in one go (on any path). */
export function sendWithHeaders(res: Response, status: number, own: string[], body?: Buffer): void {
  const request = res.locals as RequestLocals;
  if (request.headersDeferred) {
    request.headersDeferred = false;
    res.writeHead(status, commonHeaders(request, own));
  } else {
    res.writeHead(status, own);
  }
  res.end(body);
  completed(res);
}

/** Before any response that is not written by `sendWithHeaders`. */
export function applyDeferredHeaders(res: Response): void {
  const request = res.locals as RequestLocals;
  if (!request.headersDeferred) return;
  request.headersDeferred = false;
  setHeaders(res, commonHeaders(request, []));
}

function setHeaders(res: ServerResponse, flat: readonly string[]): void {
  for (let i = 0; i < flat.length; i += 2) res.setHeader(flat[i]!, flat[i + 1]!);
}

function guidHeader(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && isGuid(value) ? value : undefined;
}

/**
 * helmet's defaults, except a CSP for what this is — a JSON API: nothing may load, nothing may frame it
 * (the one HTML page, /docs, widens it for what Swagger UI needs: see docs.ts).
 */
/** helmet's default HSTS, sent only on requests that came over HTTPS (see `secure` above). */
const HSTS = 'max-age=31536000; includeSubDomains';

export const HELMET_OPTIONS = {
  strictTransportSecurity: false,
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
  },
};

/**
 * helmet's headers, computed by helmet once. With its default options every header is static (no nonces,
 * nothing read from the request), so running its thirteen middlewares per request would only repeat the
 * same `setHeader` calls; this records them once and replays them.
 */
export function staticHelmetHeaders(): string[] {
  const recorded = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => void recorded.set(name, String(value)),
    removeHeader: (name: string) => void recorded.delete(name),
    getHeader: (name: string) => recorded.get(name),
  };
  let ran = false;
  helmet(HELMET_OPTIONS)({ secure: true, headers: {} } as never, recorder as never, () => (ran = true));
  if (!ran) throw new Error('helmet did not run synchronously; its headers cannot be precomputed');
  return [...recorded].flat();
}
