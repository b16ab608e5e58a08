/** What went wrong, in the terms a caller acts on. */
export type PartnerCenterErrorKind =
  | 'http' //      Partner Center answered with an error status
  | 'network' //   no answer: connection refused or reset, DNS failure, a body cut off mid-stream
  | 'timeout' //   no answer in time (a token, an attempt, the call's deadline, or a whole watch)
  | 'auth' //      no token could be obtained from the credential
  | 'malformed'; // a 2xx whose body is not a BatchUploadDetails (retryable when it merely ended early)

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
  /** Overrides what `kind` and `status` say about trying again (a failed token refresh, a watch's give-up). */
  retryable?: boolean;
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
  /** From `Retry-After`, when the server sent a readable one. */
  readonly retryAfterMs: number | undefined;
  /** When `Retry-After` says to come back: the time the answer arrived plus `retryAfterMs`. */
  readonly retryAt: Date | undefined;
  /** The parsed error body (ApiFault, gateway 429 body, or text). */
  readonly body: unknown;
  /** How many attempts were made before giving up. */
  attempts = 1;
  readonly #retryable: boolean | undefined;

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
    this.retryAt = init.retryAfterMs === undefined ? undefined : new Date(Date.now() + init.retryAfterMs);
    this.body = init.body;
    this.#retryable = init.retryable;
  }

  /** Worth trying again: no answer, a timeout, 408, 429, a 5xx, or a token refresh that failed in transit. */
  get retryable(): boolean {
    if (this.#retryable !== undefined) return this.#retryable;
    if (this.kind === 'network' || this.kind === 'timeout') return true;
    return this.kind === 'http' && isRetryableStatus(this.status);
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Partner Center said 429: too many requests (see `retryAfter`). */
export function isThrottled(error: unknown): error is PartnerCenterError {
  return error instanceof PartnerCenterError && error.status === 429;
}

/** Partner Center said 404: no such batch for this customer (or no such customer). */
export function isNotFound(error: unknown): error is PartnerCenterError {
  return error instanceof PartnerCenterError && error.status === 404;
}

/** A PartnerCenterError worth trying again later (see `PartnerCenterError.retryable`). */
export function isRetryable(error: unknown): error is PartnerCenterError {
  return error instanceof PartnerCenterError && error.retryable;
}

/** How long the server asked to wait, in milliseconds and as a Date; undefined when it did not say. */
export function retryAfter(error: unknown): { ms: number; date: Date } | undefined {
  if (!(error instanceof PartnerCenterError) || error.retryAfterMs === undefined) return undefined;
  return { ms: error.retryAfterMs, date: error.retryAt! };
}

const DELTA_SECONDS = /^\d+$/;
/** The three HTTP-date forms of RFC 9110 §5.6.7: IMF-fixdate, RFC 850 and asctime. */
const HTTP_DATE = [
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
];

/**
 * `Retry-After` as milliseconds, read strictly: delta-seconds (digits only) or an HTTP-date. Anything else
 * (`-5`, `1e3`, `12, 30`, blank) is undefined, so the caller falls back to its own back-off.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (DELTA_SECONDS.test(text)) return Number(text) * 1000;
  if (!HTTP_DATE.some((form) => form.test(text))) return undefined;
  const date = Date.parse(HTTP_DATE[2]!.test(text) ? `${text} GMT` : text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Reads the code and description out of an ApiFault, the gateway's 429 body, or plain text. */
function describeErrorBody(body: unknown, fallback: string): { code?: string; description: string } {
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

/** The parts of an answer an error is built from: a fetch `Response` qualifies. */
export interface ResponseHead {
  status: number;
  statusText?: string;
  headers: Headers;
}

/**
 * The error for a non-2xx answer whose body has been read (ApiFault, gateway 429 body or text). Ids come from
 * the response headers, else from `fallback`.
 */
export function errorFromResponse(
  response: ResponseHead,
  body: unknown,
  fallback: { requestId?: string | undefined; correlationId?: string | undefined } = {},
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
