/**
 * One structured line per request: request id, correlation id, caller, route template, cache outcome,
 * status and time — and never a header, so never a credential.
 *
 * pino-http writes it for every route except the batch-status GET, the hot path: there pino-http's
 * per-request child loggers cost ~40% of cache-hit throughput (measured with tools/bench/proxy.ts), so the
 * same line — same shape, same levels, same messages — is written by `logRequest` with one pino call.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { AccessFields, AccessWriter } from './logger.js';
import { pinoHttp } from 'pino-http';
import type { RequestLocals } from './context.js';
import { ProxyError } from './faults.js';
import { matchStatusPath } from './routes/paths.js';

const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

/** A GET of a batch status — the cache-hit path, kept as lean as correctness allows: its id segments. */
export function hotPath(req: IncomingMessage): [string, string] | undefined {
  return req.method === 'GET' || req.method === 'HEAD' ? matchStatusPath(req.url) : undefined;
}

const localsOf = (res: ServerResponse): RequestLocals => (res as unknown as { locals: RequestLocals }).locals;

/** 4xx and the proxy's deliberate 503s (shutting down, over a cap) → warn; other 5xx or a thrown error → error; else info. */
function levelFor(res: ServerResponse, error: unknown): 'info' | 'warn' | 'error' {
  if (error instanceof ProxyError && error.status === 503) return 'warn';
  if (error || res.statusCode >= 500) return 'error';
  return res.statusCode >= 400 ? 'warn' : 'info';
}

/** The access line's fields, flat (cheaper to serialise than pino-http's nested `req`/`res`). */
function fields(req: IncomingMessage, res: ServerResponse, responseTime: number): Record<string, unknown> {
  const l = localsOf(res);
  return {
    method: req.method,
    url: withoutQuery(req.url),
    statusCode: res.statusCode,
    responseTime,
    remoteAddress: clientAddress(req),
    correlationId: l.correlationId,
    route: l.route,
    caller: l.principal?.id,
    keyId: l.principal?.keyId,
    cache: l.cache,
    xRequestId: l.xRequestId,
  };
}

/**
 * The real client when the hop in front is a trusted proxy (BATCHWATCH_TRUSTED_PROXIES), else the peer.
 * Express's `req.ip` parses X-Forwarded-For even when no proxy is trusted; with none, the peer is the answer.
 */
function clientAddress(req: IncomingMessage): string | undefined {
  const express = req as IncomingMessage & Partial<Pick<Request, 'app' | 'ip'>>;
  return express.app?.get('trust proxy') ? express.ip : req.socket.remoteAddress;
}

/** Query strings can carry credentials (`?access_token=…`); none of the routes reads one, so logs never show it. */
function withoutQuery(url: string | undefined): string | undefined {
  const at = url?.indexOf('?') ?? -1;
  return at < 0 ? url : `${url!.slice(0, at)}?[redacted]`;
}

/** pino-http, for every request that is not on the hot path. */
export function createHttpLogger(log: Logger): RequestHandler {
  return pinoHttp({
    logger: log,
    genReqId: (_req, res) => localsOf(res).requestId,
    quietReqLogger: true,
    quietResLogger: true,
    autoLogging: { ignore: (req) => QUIET.has(req.url ?? '') },
    customLogLevel: (_req, res, error) => levelFor(res, error),
    customSuccessObject: (req, res, value: { responseTime: number }) => fields(req, res, value.responseTime),
    customErrorObject: (req, res, error, value: { responseTime: number }) => ({ ...fields(req, res, value.responseTime), err: error }),
  });
}

/**
 * The line pino-http writes (see createHttpLogger), for a hot-path request that has been answered.
 * Successful requests (and 4xx) go to the access writer (every field is built right here); failures carry an
 * error object and go to `log`.
 */
export function logRequest(loggers: { log: Logger; fast: AccessWriter }, req: IncomingMessage, res: ServerResponse, elapsedMs: number): void {
  const error = (res as unknown as { err?: unknown }).err;
  const level = levelFor(res, error);
  const line = fields(req, res, Math.round(elapsedMs)) as unknown as AccessFields;
  line.reqId = localsOf(res).requestId;
  if (level !== 'error' && error === undefined) return loggers.fast(level, line);
  loggers.log[level]({ ...line, err: error ?? new Error(`failed with status code ${res.statusCode}`) }, 'request errored');
}
