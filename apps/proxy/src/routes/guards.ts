/**
 * The checks in front of the batch routes, in order: ids are GUIDs (before anything else — a malformed or
 * traversing id never reaches auth, cache or upstream), the caller is authenticated, within its rate limit,
 * and allowed to read this customer (before any cache or shared poller is consulted).
 *
 * They are plain functions called in sequence by each batch handler rather than separate Express layers:
 * the cache-hit path is the hot path, and every router layer costs measurable throughput.
 */
import type { Request, Response } from 'express';
import { isGuid } from '@batchwatch/client';
import { mayRead, type Principal } from '../auth/index.js';
import type { AppContext } from '../context.js';
import { locals } from '../context.js';
import { ProxyError } from '../faults.js';

export interface BatchParams {
  customerId: string;
  trackingId: string;
}

/** Express has already decoded the segments, so `..%2F` arrives as `../` and fails here. */
export function batchParams(req: Request): BatchParams {
  const { customerId, trackingId } = req.params as Partial<BatchParams>;
  if (!isGuid(customerId)) throw new ProxyError(400, 'BadRequest', 'customer-id must be a GUID (8-4-4-4-12 hexadecimal)');
  if (!isGuid(trackingId)) throw new ProxyError(400, 'BadRequest', 'batchtracking-id must be a GUID (8-4-4-4-12 hexadecimal)');
  return { customerId, trackingId };
}

/**
 * Authentication, rate limit, then the customer allow-list. Synchronous when every step can answer at once
 * (an API key and a limiter that answers at once: the cache-hit path); a promise for a JWT, or when the fleet's
 * limiter asks Redis (near the limit).
 */
export function admit(ctx: AppContext, req: Request, res: Response, params: BatchParams): Principal | Promise<Principal> {
  const authenticated = authenticate(ctx, req);
  if (authenticated instanceof Promise) return authenticated.then((principal) => admitted(ctx, res, params, principal));
  return admitted(ctx, res, params, authenticated);
}

function admitted(ctx: AppContext, res: Response, params: BatchParams, principal: Principal): Principal | Promise<Principal> {
  const request = locals(res);
  request.principal = principal;
  request.read = params; // audited from here on, whatever the answer
  const limited = rateLimit(ctx, principal);
  if (limited) return limited.then(() => allowed(ctx, principal, params));
  return allowed(ctx, principal, params);
}

function allowed(ctx: AppContext, principal: Principal, params: BatchParams): Principal {
  if (mayRead(principal, params.customerId)) return principal;
  ctx.metrics.authFailures.inc({ reason: 'Forbidden' });
  throw new ProxyError(403, 'Forbidden', 'this caller may not read this customer');
}

/** Synchronous for API keys; a promise only for JWTs. Failures are counted by reason. */
function authenticate(ctx: AppContext, req: Request): Principal | Promise<Principal> {
  try {
    const principal = ctx.authenticate(req.headers.authorization);
    return principal instanceof Promise ? principal.catch((error: unknown) => refuse(ctx, error)) : principal;
  } catch (error) {
    return refuse(ctx, error);
  }
}

function refuse(ctx: AppContext, error: unknown): never {
  ctx.metrics.authFailures.inc({ reason: error instanceof ProxyError ? error.code : 'error' });
  throw error;
}

/**
 * Per caller (not per IP: callers are services behind shared egress), so one noisy caller cannot starve others.
 * Throws (or, when the limiter asks Redis, rejects) when over the limit; undefined when the answer is yes, now.
 */
function rateLimit(ctx: AppContext, principal: Principal): Promise<void> | undefined {
  const waitMs = ctx.limiter?.take(principal.id);
  if (waitMs instanceof Promise) return waitMs.then((ms) => refuseIfOver(ctx, ms));
  return refuseIfOver(ctx, waitMs);
}

function refuseIfOver(ctx: AppContext, waitMs: number | undefined): undefined {
  if (waitMs) throw tooMany(ctx, waitMs);
  return undefined;
}

function tooMany(ctx: AppContext, retryAfterMs: number): ProxyError {
  ctx.metrics.rateLimited.inc();
  return new ProxyError(429, 'TooManyRequests', 'rate limit exceeded for this caller', { retryAfterMs });
}
