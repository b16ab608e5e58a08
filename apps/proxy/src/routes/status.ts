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
import { admit, batchParams } from './guards.js';
import { STATUS_ROUTE } from './paths.js';

export { STATUS_ROUTE } from './paths.js';

/** GET/HEAD of a batch status; anything else passes on to the router. */
export function getStatus(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    const request = locals(res);
    const segments = request.statusPath; // matched once, by the front door
    if (!segments) return next();
    request.route = STATUS_ROUTE;
    req.params = { customerId: decodeSegment(segments[0]), trackingId: decodeSegment(segments[1]) };
    const { customerId, trackingId } = batchParams(req);
    await admit(ctx, req, res, { customerId, trackingId });
    const { requestId, correlationId } = request;
    const lookup = ctx.store.lookup(customerId, trackingId, { requestId, correlationId });
    sendSnapshot(req, res, lookup instanceof Promise ? await lookup : lookup);
  };
}

/** The snapshot's bytes and ETag were computed once per snapshot; a hit only writes them. */
export function sendSnapshot(req: Request, res: Response, lookup: Lookup): void {
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
