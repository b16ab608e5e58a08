/**
 * Everything a response carries besides its payload: Partner Center's tracing headers, the ApiFault body and
 * the gateway's 429 body. Bodies are exact (camelCase, string codes); see reference §4 and §5.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ApiFault, ThrottledResponse } from '@batchwatch/openapi';
import type { Clock } from './clock.js';
import type { RequestRecord } from './types.js';
import { applyFaultVariants, type WireVariants } from './variants.js';

const FAULT_SOURCE = 'PartnerApiServiceControllers';
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Per-request values that every response echoes or carries. */
export interface ResponseContext {
  readonly requestId: string;
  readonly correlationId: string;
  readonly serverId: string;
  readonly record: RequestRecord;
  /** `Date` is the simulator's clock, consistent with the batch timestamps it serves. */
  readonly clock: Clock;
  readonly variants: WireVariants;
}

const CV_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A correlation vector like `YrLe3w6BbUSMt1fi.0`: 16 base64 characters and an extension. */
function createCorrelationVector(): string {
  let base = '';
  for (let i = 0; i < 16; i++) base += CV_ALPHABET[Math.floor(Math.random() * CV_ALPHABET.length)];
  return `${base}.0`;
}

/** The serving node's id, a digit string such as `030020344`. */
export function createServerId(): string {
  return String(Math.floor(Math.random() * 1e9)).padStart(9, '0');
}

/** Reads `MS-RequestId` / `MS-CorrelationId`, echoed as sent; generated when absent (reference §4). */
export function responseContext(
  headers: Record<string, string>,
  serverId: string,
  record: RequestRecord,
  clock: Clock,
  variants: WireVariants,
): ResponseContext {
  return {
    requestId: headers['ms-requestid'] || randomUUID(),
    correlationId: headers['ms-correlationid'] || randomUUID(),
    serverId,
    record,
    clock,
    variants,
  };
}

function tracingHeaders(ctx: ResponseContext): Record<string, string> {
  return {
    'MS-RequestId': ctx.requestId,
    'MS-CorrelationId': ctx.correlationId,
    'MS-CV': createCorrelationVector(),
    'MS-ServerId': ctx.serverId,
    Date: new Date(ctx.clock.now()).toUTCString(),
  };
}

/** Writes a complete response. A destroyed socket is left alone. */
function send(res: ServerResponse, ctx: ResponseContext, status: number, headers: Record<string, string>, body: string): void {
  ctx.record.status = status;
  if (res.destroyed) return;
  res.writeHead(status, { ...tracingHeaders(ctx), ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** A JSON body; `text` may be pre-serialised (or deliberately broken, for the malformed fault). */
export function sendJsonText(res: ServerResponse, ctx: ResponseContext, status: number, text: string, headers: Record<string, string> = {}): void {
  send(res, ctx, status, { 'Content-Type': JSON_CONTENT_TYPE, ...headers }, text);
}

/** A JSON body; an error body (an ApiFault) takes the simulator's fault-code variant. */
export function sendJson(res: ServerResponse, ctx: ResponseContext, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, ctx, status, JSON.stringify(status >= 400 ? applyFaultVariants(body, ctx.variants) : body), headers);
}

/** The documented 202: no body, `Content-Length: 0`, no `Content-Type`. */
export function sendEmpty(res: ServerResponse, ctx: ResponseContext, status: number, headers: Record<string, string> = {}): void {
  send(res, ctx, status, headers, '');
}

function apiFault(code: string, description: string): ApiFault {
  return { code, description, data: [], source: FAULT_SOURCE };
}

export function throttledBody(retryAfterSeconds: number): ThrottledResponse {
  return { statusCode: 429, message: `Rate limit is exceeded. Try again in ${retryAfterSeconds} seconds.` };
}

/** The Partner Center error codes the simulator answers with (reference §5.2); others are the simulator's own. */
export const faults = {
  invalidInput: (detail: string) => apiFault('800002', `Invalid request input: ${detail}`),
  invalidCustomerId: () => apiFault('900118', 'Invalid Customer Id'),
  invalidTrackingId: () => apiFault('800002', 'Invalid request input: the batch tracking id must be a GUID'),
  tokenMissing: () => apiFault('800001', 'Partner Token missing in request context'),
  notFound: () => apiFault('1000', 'Not found'),
  methodNotAllowed: (method: string) => apiFault('405', `The requested resource does not support http method '${method}'.`),
  duplicateBatch: (batchId: string) => apiFault('409', `A device batch named '${batchId}' already exists for this customer.`),
  tooLarge: () => apiFault('413', 'The request body is too large.'),
  unexpected: () => apiFault('800003', 'Unexpected service error'),
  throttled: (seconds: number) => apiFault('429', `Too many requests. Try again in ${seconds} seconds.`),
} as const;

const statusFaultDescriptions: Record<number, [code: string, description: string]> = {
  500: ['800003', 'Unexpected service error'],
  502: ['502', 'Bad gateway'],
  503: ['503', 'The service is temporarily unavailable. Please try again later.'],
  504: ['504', 'Gateway timeout'],
  408: ['408', 'Request timeout'],
};

export function statusFault(status: number): ApiFault {
  const [code, description] = statusFaultDescriptions[status] ?? ['800003', 'Unexpected service error'];
  return apiFault(code, description);
}
