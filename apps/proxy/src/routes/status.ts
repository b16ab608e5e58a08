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
import { admit, batchParams } from './guards.js';

export const STATUS_ROUTE = '/v1/customers/:customerId/batchJobStatus/:trackingId';

export function getStatus(ctx: AppContext): RequestHandler {
  return async (req, res) => {
    const request = locals(res);
    request.route = STATUS_ROUTE;
    const { customerId, trackingId } = batchParams(req);
    await admit(ctx, req, res, { customerId, trackingId });
    const { requestId, correlationId } = request;
    const lookup = await ctx.store.lookup(customerId, trackingId, { requestId, correlationId });
    sendSnapshot(req, res, lookup);
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
