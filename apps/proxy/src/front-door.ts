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
import type { OutgoingHttpHeader, ServerResponse } from 'node:http';
import type { RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { isGuid } from '@batchwatch/client';
import { createHttpLogger, isHotPath, logRequest } from './access-log.js';
import type { AppContext, RequestLocals } from './context.js';
import { ProxyError } from './faults.js';

/** Longest request target accepted (the batch routes need about 120 characters). */
export const MAX_URL_LENGTH = 2_048;

/** `streamingRoutes` stay out of the latency histogram: event streams last as long as the client wants. */
export function frontDoor(ctx: AppContext, streamingRoutes: readonly string[]): RequestHandler {
  const streaming = new Set(streamingRoutes);
  const { metrics, log } = ctx;
  const securityHeaders = staticHelmetHeaders();
  const httpLogger = createHttpLogger(log);
  return (req, res, next) => {
    const startedMs = Date.now();
    const started = performance.now();
    const request = res.locals as RequestLocals;
    request.requestId = guidHeader(req.headers['ms-requestid']) ?? randomUUID();
    request.correlationId = guidHeader(req.headers['ms-correlationid']) ?? randomUUID();
    const common = [...securityHeaders, 'MS-RequestId', request.requestId, 'MS-CorrelationId', request.correlationId];
    if (ctx.readiness.state === 'shutting-down') common.push('Connection', 'close');
    const hot = isHotPath(req);
    if (hot) request.deferredHeaders = common;
    else setHeaders(res, common);
    // One listener for metrics (by route template; streams stay out of the latency histogram) and the hot-path log line.
    res.once('close', () => {
      const labels = { method: req.method, route: request.route ?? 'unmatched', status_code: String(res.statusCode) };
      metrics.requests.inc(labels);
      if (!streaming.has(labels.route)) metrics.duration.observe(labels, (performance.now() - started) / 1000);
      if (hot) logRequest(log, req, res, startedMs);
    });
    if (req.originalUrl.length > MAX_URL_LENGTH) throw new ProxyError(414, 'UriTooLong', `the request target is longer than ${MAX_URL_LENGTH} characters`);
    if (hot) next();
    else httpLogger(req, res, next);
  };
}

/** Writes the status line with the deferred common headers and `own` in one go (no-op deferral off the hot path). */
export function sendWithHeaders(res: Response, status: number, own: OutgoingHttpHeader[], body?: Buffer): void {
  const request = res.locals as RequestLocals;
  const deferred = request.deferredHeaders;
  request.deferredHeaders = undefined;
  res.writeHead(status, deferred ? [...deferred, ...own] : (own as never));
  res.end(body);
}

/** Before any response that is not written by `sendWithHeaders`. */
export function applyDeferredHeaders(res: Response): void {
  const request = res.locals as RequestLocals;
  if (!request.deferredHeaders) return;
  setHeaders(res, request.deferredHeaders);
  request.deferredHeaders = undefined;
}

function setHeaders(res: ServerResponse, flat: readonly string[]): void {
  for (let i = 0; i < flat.length; i += 2) res.setHeader(flat[i]!, flat[i + 1]!);
}

function guidHeader(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && isGuid(value) ? value : undefined;
}

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
  helmet()({ secure: true, headers: {} } as never, recorder as never, () => (ran = true));
  if (!ran) throw new Error('helmet did not run synchronously; its headers cannot be precomputed');
  return [...recorded].flat();
}
