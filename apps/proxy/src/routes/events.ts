/**
 * `GET …/events`: the batch as a Server-Sent Event stream, fed by the batch's shared poller.
 */
import type { RequestHandler, Response } from 'express';
import type { AppContext } from '../context.js';
import { locals } from '../context.js';
import { SseStream } from '../live/stream.js';
import { SSE_HEADERS } from '../live/wire.js';
import { admit, batchParams } from './guards.js';
import { EVENTS_ROUTE } from './paths.js';

export { EVENTS_ROUTE } from './paths.js';

/** `Last-Event-ID` is untrusted input: only a plain integer of at most 15 digits counts, anything else is ignored. */
export function parseLastEventId(header: string | string[] | undefined): number | undefined {
  return typeof header === 'string' && /^\d{1,15}$/.test(header.trim()) ? Number(header.trim()) : undefined;
}

export function streamEvents(ctx: AppContext): RequestHandler {
  return async (req, res) => {
    locals(res).route = EVENTS_ROUTE;
    const { customerId, trackingId } = batchParams(req);
    const principal = await admit(ctx, req, res, { customerId, trackingId });
    if (req.method === 'HEAD') return headOnly(ctx, res, customerId, trackingId);
    const release = ctx.streams.acquire(principal.id);
    const stream = new SseStream(res, ctx.config.sse);
    ctx.metrics.sseSubscribers.inc();
    stream.onClose((reason) => {
      release();
      ctx.metrics.sseSubscribers.dec();
      if (reason !== 'client' && reason !== 'done') ctx.metrics.sseDropped.inc({ reason });
    });
    // Rejects before anything is written (e.g. upstream 404): the error handler answers an ApiFault.
    await ctx.hub.subscribe({
      customerId,
      trackingId,
      stream,
      lastEventId: parseLastEventId(req.headers['last-event-id']),
      correlationId: locals(res).correlationId,
    });
  };
}

/**
 * HEAD has no body, so no event can follow: the stream's headers once the batch is known (an unknown one is the
 * same ApiFault a GET gets), and the end. Subscribing would hold the response open with nothing ever sent.
 */
async function headOnly(ctx: AppContext, res: Response, customerId: string, trackingId: string): Promise<void> {
  const { requestId, correlationId } = locals(res);
  await ctx.store.lookup(customerId, trackingId, { requestId, correlationId });
  res.writeHead(200, SSE_HEADERS).end();
}
