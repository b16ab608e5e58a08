/**
 * The Partner Center operation itself, same path and same body: `details.raw`, byte for byte what upstream
 * sent (unknown fields and status values included), with a strong ETag and cache headers of our own.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../context.js';
import { locals } from '../context.js';
import { sendWithHeaders } from '../front-door.js';
import { etagMatches } from '../upstream/cache.js';
import type { Lookup } from '../upstream/store.js';
import { ProxyError } from '../faults.js';
import { admit, batchParams, type BatchParams } from './guards.js';
import { STATUS_ROUTE } from './paths.js';

export { STATUS_ROUTE } from './paths.js';

/**
 * GET/HEAD of a batch status; anything else passes on to the router. A cache hit for an API key is answered
 * synchronously (no promise per request); a JWT, the fleet's limiter or an upstream call make it a promise.
 */
export function getStatus(ctx: AppContext): RequestHandler {
  return (req, res, next) => {
    const request = locals(res);
    const segments = request.statusPath; // matched once, by the front door
    if (!segments) return next();
    request.route = STATUS_ROUTE;
    req.params = { customerId: decodeSegment(segments[0]), trackingId: decodeSegment(segments[1]) };
    const params = batchParams(req);
    const admitted = admit(ctx, req, res, params);
    if (admitted instanceof Promise) return admitted.then(() => lookUp(ctx, req, res, params));
    return lookUp(ctx, req, res, params);
  };
}

function lookUp(ctx: AppContext, req: Request, res: Response, { customerId, trackingId }: BatchParams): Promise<void> | undefined {
  const { requestId, correlationId } = locals(res);
  const lookup = ctx.store.lookup(customerId, trackingId, { requestId, correlationId });
  if (lookup instanceof Promise) return lookup.then((found) => sendSnapshot(req, res, found));
  sendSnapshot(req, res, lookup);
  return undefined;
}

/** The snapshot's bytes and ETag were computed once per snapshot; a hit only writes them. */
function sendSnapshot(req: Request, res: Response, lookup: Lookup): void {
  const { snapshot } = lookup;
  locals(res).cache = lookup.cache;
  const headers = ['ETag', snapshot.etag, 'Cache-Control', 'private, no-cache', 'X-Batchwatch-Cache', lookup.cache];
  if (lookup.staleReason) {
    headers.push('X-Batchwatch-Stale', lookup.staleReason);
    headers.push('Age', String(Math.max(0, Math.floor((Date.now() - snapshot.fetchedAt) / 1000))));
  }
  if (etagMatches(req.headers['if-none-match'], snapshot.etag)) {
    sendWithHeaders(res, 304, headers);
    return;
  }
  headers.push('Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(snapshot.body.length));
  sendWithHeaders(res, 200, headers, snapshot.body);
}

/** As Express decodes params: a malformed %-escape is the caller's error. */
function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ProxyError(400, 'BadRequest', 'the path contains a malformed %-escape');
  }
}
