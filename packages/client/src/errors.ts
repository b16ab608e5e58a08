/** What went wrong, in the terms a caller acts on. */
export type PartnerCenterErrorKind =
  | 'http' //      Partner Center answered with an error status
  | 'network' //   no answer: connection refused or reset, DNS failure
  | 'timeout' //   no answer in time (an attempt, or a whole watch)
  | 'auth' //      no token could be obtained from the credential
  | 'malformed'; // a 2xx whose body is not a BatchUploadDetails

export interface PartnerCenterErrorInit {
  kind: PartnerCenterErrorKind;
  status?: number;
  code?: string | undefined;
  description: string;
  requestId?: string | undefined;
  correlationId?: string | undefined;
  retryAfterMs?: number | undefined;
  body?: unknown;
  cause?: unknown;
}

/** The one error type of `@batchwatch/client`: every failure to get a batch status is one of these. */
export class PartnerCenterError extends Error {
  override readonly name = 'PartnerCenterError';
  readonly kind: PartnerCenterErrorKind;
  /** HTTP status; 0 when there was no response. */
  readonly status: number;
  /** The Partner Center error code, always a string (ApiFault `code` may arrive as a number). */
  readonly code: string | undefined;
  readonly description: string;
  readonly requestId: string | undefined;
  readonly correlationId: string | undefined;
  /** From `Retry-After`, when the server sent one. */
  readonly retryAfterMs: number | undefined;
  /** The parsed error body (ApiFault, gateway 429 body, or text). */
  readonly body: unknown;
  /** How many attempts were made before giving up. */
  attempts = 1;

  constructor(init: PartnerCenterErrorInit) {
    const where = init.status ? `HTTP ${init.status}` : init.kind;
    super(`Partner Center ${where}${init.code ? ` (code ${init.code})` : ''}: ${init.description}`, { cause: init.cause });
    this.kind = init.kind;
    this.status = init.status ?? 0;
    this.code = init.code;
    this.description = init.description;
    this.requestId = init.requestId;
    this.correlationId = init.correlationId;
    this.retryAfterMs = init.retryAfterMs;
    this.body = init.body;
  }

  /** Worth trying again: no answer, a timeout, 408, 429 or a 5xx. */
  get retryable(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') return true;
    return this.kind === 'http' && (this.status === 408 || this.status === 429 || this.status >= 500);
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Reads the code and description out of an ApiFault, the gateway's 429 body, or plain text. */
export function describeErrorBody(body: unknown, fallback: string): { code?: string; description: string } {
  if (body && typeof body === 'object') {
    const fault = body as Record<string, unknown>;
    if (typeof fault.code === 'string' || typeof fault.code === 'number') {
      return { code: String(fault.code), description: textOr(fault.description, fallback) };
    }
    if (typeof fault.statusCode === 'number') {
      return { code: String(fault.statusCode), description: textOr(fault.message, fallback) };
    }
  }
  return { description: textOr(body, fallback) };
}

function textOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.trim() ? value.trim().slice(0, 1024) : fallback;
}

/** What a failed `fetch` says about why: the system error code (ECONNREFUSED…) when there is one. */
export function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/**
 * The error for a non-2xx response whose body has been read (ApiFault, gateway 429 body or text). Ids come from
 * the response headers, else from `fallback`.
 */
export function errorFromResponse(
  response: Response,
  body: unknown,
  fallback: { requestId?: string; correlationId?: string } = {},
): PartnerCenterError {
  const { code, description } = describeErrorBody(body, response.statusText || `HTTP ${response.status}`);
  return new PartnerCenterError({
    kind: 'http',
    status: response.status,
    code,
    description,
    body,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    requestId: response.headers.get('ms-requestid') ?? fallback.requestId,
    correlationId: response.headers.get('ms-correlationid') ?? fallback.correlationId,
  });
}
