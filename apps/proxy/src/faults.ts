/**
 * The proxy's one error shape: a Partner Center `ApiFault` with `source: 'batchwatch-proxy'`. Every failure —
 * the caller's, the upstream's, our own — is mapped here to a status and a body that never carries a stack,
 * an upstream body or a credential.
 */
import { InvalidIdError, PartnerCenterError } from '@batchwatch/client';
import type { ApiFault } from '@batchwatch/openapi';
import { redact, redactJson } from './redact.js';
import { BodyTooLargeError } from './upstream/body-limit.js';

export const FAULT_SOURCE = 'batchwatch-proxy';

export type FaultCode =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'RequestHeaderFieldsTooLarge'
  | 'UriTooLong'
  | 'TooManyRequests'
  | 'TooManyStreams'
  | 'UpstreamThrottled'
  | 'UpstreamBadRequest'
  | 'UpstreamNotFound'
  | 'UpstreamTimeout'
  | 'UpstreamUnreachable'
  | 'UpstreamMalformed'
  | 'UpstreamTooLarge'
  | 'UpstreamAuthFailed'
  | 'UpstreamError'
  | 'ServiceUnavailable'
  | 'InternalError';

/** An error the proxy answers deliberately. */
export class ProxyError extends Error {
  override readonly name = 'ProxyError';
  constructor(
    readonly status: number,
    readonly code: FaultCode,
    readonly description: string,
    readonly options: { retryAfterMs?: number | undefined; headers?: Record<string, string> } = {},
  ) {
    super(description);
  }
}

export interface MappedFault {
  status: number;
  /** The proxy's own faults say `source: 'batchwatch-proxy'`; Partner Center's keep their own `source` (or none). */
  fault: ApiFault & { code: string | number; description: string; data: unknown[]; source?: string };
  headers: Record<string, string>;
}

export function apiFault(code: string, description: string): MappedFault['fault'] {
  return { code, description: description.slice(0, 1024), data: [], source: FAULT_SOURCE };
}

/** Seconds for a `Retry-After` header: at least 1, rounded up. */
function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

/** Default wait after an upstream 429 that named none. */
export const DEFAULT_THROTTLE_MS = 2_000;

export function mapError(error: unknown): MappedFault {
  if (error instanceof ProxyError) {
    const headers: Record<string, string> = { ...error.options.headers };
    if (error.options.retryAfterMs !== undefined) headers['Retry-After'] = retryAfterSeconds(error.options.retryAfterMs);
    return { status: error.status, fault: apiFault(error.code, error.description), headers };
  }
  if (error instanceof PartnerCenterError) return mapUpstreamError(error);
  if (error instanceof InvalidIdError) return simple(400, 'BadRequest', `${error.parameter} must be a GUID`);
  // Express and body/URL parsing errors carry a 4xx status (e.g. a malformed %-escape); anything else is ours.
  const status = (error as { status?: unknown; statusCode?: unknown })?.status ?? (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return simple(status, 'BadRequest', 'the request could not be read');
  return simple(500, 'InternalError', 'unexpected error in the proxy; quote MS-RequestId when reporting it');
}

/**
 * Upstream failures in the caller's terms. 401/403 upstream mean the PROXY's Partner Center credentials are
 * wrong or lack rights — the caller did nothing wrong, so it is a bad gateway, not the caller's 401/403.
 */
export function mapUpstreamError(error: PartnerCenterError): MappedFault {
  switch (error.kind) {
    case 'timeout':
      return simple(504, 'UpstreamTimeout', 'Partner Center did not answer in time');
    case 'network':
      return simple(502, 'UpstreamUnreachable', 'Partner Center could not be reached');
    case 'malformed':
      if (error instanceof BodyTooLargeError) return simple(502, 'UpstreamTooLarge', error.description);
      return simple(502, 'UpstreamMalformed', 'Partner Center answered with a body that is not a BatchUploadDetails');
    case 'auth':
      return simple(502, 'UpstreamAuthFailed', 'the proxy could not obtain a Partner Center token');
    case 'http':
      return mapUpstreamStatus(error);
  }
}

function mapUpstreamStatus(error: PartnerCenterError): MappedFault {
  const { status } = error;
  if (status === 401 || status === 403 || status === 407) return simple(502, 'UpstreamAuthFailed', "Partner Center rejected the proxy's credentials");
  const passed = status >= 400 && status < 500 && status !== 429 ? partnerCenterFault(error.body) : undefined;
  if (passed) return { status, fault: passed, headers: {} };
  if (status === 404) return simple(404, 'UpstreamNotFound', 'Partner Center knows no such batch for this customer');
  if (status === 400) return simple(400, 'UpstreamBadRequest', 'Partner Center rejected the request');
  if (status === 429) {
    const mapped = simple(429, 'UpstreamThrottled', 'Partner Center is throttling requests; retry later');
    mapped.headers['Retry-After'] = retryAfterSeconds(error.retryAfterMs ?? DEFAULT_THROTTLE_MS);
    return mapped;
  }
  if (status === 408 || status === 504) return simple(504, 'UpstreamTimeout', `Partner Center timed out (HTTP ${status})`);
  const mapped = simple(502, 'UpstreamError', `Partner Center failed with HTTP ${status}`);
  if (error.retryAfterMs !== undefined) mapped.headers['Retry-After'] = retryAfterSeconds(error.retryAfterMs);
  return mapped;
}

/**
 * Partner Center's own ApiFault, as it sent it (code, description, data, source), scrubbed of credentials —
 * so callers branch on Partner Center's codes alike, direct or through the proxy. Anything that is not a
 * well-formed ApiFault (HTML, gateway bodies, garbage) gives undefined and is never copied.
 */
function partnerCenterFault(body: unknown): MappedFault['fault'] | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const { code, description, data, source } = body as Record<string, unknown>;
  const wellFormedCode = (typeof code === 'number' && Number.isSafeInteger(code)) || (typeof code === 'string' && /^[\w.-]{1,64}$/.test(code));
  if (!wellFormedCode || typeof description !== 'string') return undefined;
  if (data !== undefined && !Array.isArray(data)) return undefined;
  const fault: MappedFault['fault'] = { code, description: redact(description), data: redactJson(data ?? []) as unknown[] };
  if (typeof source === 'string' && source !== FAULT_SOURCE) fault.source = redact(source, 128);
  return fault;
}

function simple(status: number, code: FaultCode, description: string): MappedFault {
  return { status, fault: apiFault(code, description), headers: {} };
}
