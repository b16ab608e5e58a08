import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { TokenProvider } from './auth.js';
import { describeNetworkError, errorFromResponse, isRetryableStatus, PartnerCenterError, parseRetryAfter } from './errors.js';
import { AttemptEnd, sleep } from './timers.js';
import { VERSION } from './version.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. 1 = no retries. */
  attempts: number;
  /** First backoff delay; doubles per attempt, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** No wait is longer than this; a longer `Retry-After` is not waited for: the answer goes back to the caller. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 };

/** Told before every retry: what failed, which attempt it was, and how long the client now waits. */
export interface RetryEvent {
  method: string;
  url: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  error: PartnerCenterError;
  delayMs: number;
}

/** Exponential backoff with "equal jitter": half fixed, half random, so retries spread but never collapse to 0. */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** One request as the transport sends it: header names in lower case. */
interface OutgoingRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: ArrayBuffer | string | null;
  signal?: AbortSignal | undefined;
  retry?: RetryPolicy | undefined;
  deadlineMs?: number | undefined;
  /** Parse a 2xx body as JSON within the attempt, so a body cut short is retried like any failed attempt. */
  json?: boolean;
}

/** An answer with its body read in full, under the same timeout and abort as its headers. */
export interface Answer {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
  /** With `json`: the parsed 2xx body, or why it is not JSON. */
  json?: { value: unknown } | { error: unknown } | undefined;
  attempts: number;
  /** The ids this call sent (the server's echo, when it sends one, is in `headers`). */
  requestId: string;
  correlationId: string;
}

export interface TransportOptions {
  fetch: typeof fetch;
  getToken: TokenProvider;
  /** The token source can give a new token (a credential or a function, not a fixed string). */
  tokenRenewable: boolean;
  /** Per attempt, token included. */
  timeoutMs: number;
  /** Per call: attempts, waits and tokens together. */
  deadlineMs: number;
  retry: RetryPolicy;
  /** Sent with every request unless the request has its own (lower-case names). */
  headers: Record<string, string>;
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

export type Transport = (request: OutgoingRequest) => Promise<Answer>;

/** What one attempt gave: an answer (any status) or a PartnerCenterError (no answer). */
type Outcome = (Answer & { tokenSent: boolean }) | PartnerCenterError;

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** Failures that prove the request never left: safe to retry even a POST. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

export const USER_AGENT = `batchwatch/${VERSION} (@batchwatch/client; ${typeof process === 'object' ? `node ${process.version}` : 'js'})`;

/**
 * The client's one way onto the wire. Per call: default headers, one `MS-RequestId` for all its attempts, an
 * overall deadline, retries by the policy (idempotent methods only once the request may have been received),
 * a span. Per attempt: a fresh token when the held one is near expiry, one timeout covering token, headers and
 * body, and the caller's abort ending it at once. A 401 after a token was sent renews the token and tries once more.
 */
export function createTransport(options: TransportOptions): Transport {
  const tracer = trace.getTracer('@batchwatch/client', VERSION);
  return async (request) => {
    // Object.assign, not spreads: a spread object given one more key makes V8 build a new hidden class, per call.
    const headers: Record<string, string> = Object.assign({}, options.headers, request.headers);
    headers['ms-requestid'] ??= crypto.randomUUID();
    headers['ms-correlationid'] ??= crypto.randomUUID();
    const call: Call = Object.assign({}, request, { headers, deadlineAt: Date.now() + (request.deadlineMs ?? options.deadlineMs) });
    const span = tracer.startSpan(`PartnerCenter ${request.method}`, { kind: SpanKind.INTERNAL });
    if (!span.isRecording()) return retrying(call, options, tracer, undefined);
    span.setAttributes({ 'ms.request_id': headers['ms-requestid'], 'ms.correlation_id': headers['ms-correlationid'], 'url.full': request.url });
    try {
      const answer = await retrying(call, options, tracer, span);
      endSpan(span, answer.status, answer.attempts);
      return answer;
    } catch (error) {
      endSpan(span, error, (error as Partial<PartnerCenterError>)?.attempts);
      throw error;
    }
  };
}

type Call = OutgoingRequest & { headers: Record<string, string>; deadlineAt: number };

async function retrying(call: Call, options: TransportOptions, tracer: Tracer, span: Span | undefined): Promise<Answer> {
  const policy = call.retry ?? options.retry;
  let renewToken = false;
  let retries = 0;
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(call, attempt, renewToken, options, tracer, span);
    if (!(outcome instanceof PartnerCenterError) && outcome.status === 401 && outcome.tokenSent && options.tokenRenewable && !renewToken) {
      renewToken = true; // the held token was refused: one new token, one more try, whatever the policy
      continue;
    }
    const delayMs = retries + 1 < policy.attempts ? retryDelay(outcome, call, policy, retries + 1) : undefined;
    if (delayMs === undefined) {
      if (outcome instanceof PartnerCenterError) throw Object.assign(outcome, { attempts: attempt });
      return outcome;
    }
    retries += 1;
    const error = outcome instanceof PartnerCenterError ? outcome : answerError(outcome);
    options.onRetry?.({ method: call.method, url: call.url, attempt, error, delayMs });
    await sleep(delayMs, call.signal);
  }
}

/** How long to wait before the next attempt; undefined when this outcome is final. */
function retryDelay(outcome: Outcome, call: Call, policy: RetryPolicy, retry: number): number | undefined {
  const mayRetry = outcome instanceof PartnerCenterError ? mayRetryFailure(outcome, call.method) : mayRetryStatus(outcome.status, call.method);
  if (!mayRetry) return undefined;
  const retryAfterMs = outcome instanceof PartnerCenterError ? undefined : parseRetryAfter(outcome.headers.get('retry-after'));
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) return undefined;
  const delayMs = Math.min(retryAfterMs ?? backoffDelay(retry, policy), policy.maxRetryAfterMs);
  return Date.now() + delayMs < call.deadlineAt ? delayMs : undefined;
}

/** A POST that may have reached the server is not sent again: only a throttled or never-sent one is. */
function mayRetryStatus(status: number, method: string): boolean {
  return isRetryableStatus(status) && (IDEMPOTENT.has(method) || status === 429);
}

function mayRetryFailure(error: PartnerCenterError, method: string): boolean {
  if (!error.retryable) return false;
  if (IDEMPOTENT.has(method) || error.kind === 'auth') return true;
  return error.kind === 'network' && NOT_SENT.has(describeNetworkError(error.cause));
}

/** One attempt: an answer with its body, or a PartnerCenterError. The caller's abort is rethrown as-is. */
async function attemptOnce(
  call: Call,
  attempt: number,
  renewToken: boolean,
  options: TransportOptions,
  tracer: Tracer,
  parent: Span | undefined,
): Promise<Outcome> {
  const callerSignal = call.signal;
  callerSignal?.throwIfAborted();
  const budgetMs = Math.min(options.timeoutMs, call.deadlineAt - Date.now());
  const end = new AttemptEnd(budgetMs, () => new DOMException(`no answer within ${budgetMs} ms`, 'TimeoutError'), callerSignal);
  const span = parent && startAttemptSpan(tracer, parent, call, attempt);
  let tokenSent: boolean | undefined;
  try {
    const pending = options.getToken(undefined, renewToken);
    const token = typeof pending === 'object' ? await end.race(pending) : pending;
    tokenSent = token !== undefined;
    const headers = tokenSent ? Object.assign({}, call.headers, { authorization: `Bearer ${token}` }) : call.headers;
    // `fetch` gets a signal only when the caller has one: undici follows a request's signal through a WeakRef and
    // a FinalizationRegistry, the largest part of this client's own cost per request (tools/bench/client.ts).
    // Without it, a timeout still ends the attempt at once (`end.race`), and the abandoned response is cancelled
    // when it arrives (`readBody`).
    const init: RequestInit = { method: call.method, headers, body: call.body ?? null, signal: callerSignal ? end.signal : null };
    const answer = await end.race(fetchAndRead(options.fetch, call, init, attempt, tokenSent, end));
    if (answer.json && 'error' in answer.json && endsEarly(answer.text, answer.json.error)) throw answer.json.error;
    if (span) endSpan(span, answer.status);
    return answer;
  } catch (error) {
    const failure = callerSignal?.aborted ? callerSignal.reason : attemptError(error, end.ended, tokenSent, budgetMs, call.headers);
    if (span) endSpan(span, failure);
    if (failure === callerSignal?.reason) throw failure;
    return failure as PartnerCenterError;
  } finally {
    end.dispose();
  }
}

async function fetchAndRead(fetchImpl: typeof fetch, call: Call, init: RequestInit, attempt: number, tokenSent: boolean, end: AttemptEnd) {
  const response = await fetchImpl(call.url, init);
  const text = await readBody(response, init.signal ? undefined : end);
  const { status } = response;
  return {
    status,
    statusText: response.statusText,
    headers: response.headers,
    text,
    json: call.json && status >= 200 && status < 300 ? parseJson(text) : undefined,
    attempts: attempt,
    requestId: call.headers['ms-requestid']!,
    correlationId: call.headers['ms-correlationid']!,
    tokenSent,
  };
}

/**
 * The body as text. `abandon`: the attempt's end when `fetch` was not given a signal. If it comes (the attempt
 * timed out, before or while the body arrives) the body is cancelled, which closes the connection; read through
 * our own reader, as `response.text()` would lock the stream against a cancel.
 */
async function readBody(response: Response, abandon: AttemptEnd | undefined): Promise<string> {
  if (!abandon || !response.body) return response.text();
  const reader = response.body.getReader();
  abandon.onEnd((reason) => void reader.cancel(reason).catch(ignore));
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    parts.push(chunk.value);
    size += chunk.value.byteLength;
  }
  if (abandon.ended) throw abandon.reason; // a cancelled read ends like a finished one
  return utf8.decode(parts.length === 1 ? parts[0] : joined(parts, size)); // decoded once, as response.text() does
}

const utf8 = new TextDecoder();

function joined(parts: Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.byteLength;
  }
  return bytes;
}

const ignore = () => undefined;

function parseJson(text: string): Answer['json'] {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error };
  }
}

/** The JSON parser gave up at the very end of the text: the body was cut short in transit, not wrong. */
function endsEarly(text: string, error: unknown): boolean {
  const message = (error as Error)?.message ?? '';
  const at = /at position (\d+)/.exec(message);
  if (!text.trim()) return false; // nothing at all is not a body cut short
  return message.includes('end of JSON input') || (at !== null && Number(at[1]) >= text.trimEnd().length);
}

function attemptError(error: unknown, timedOut: boolean, tokenSent: boolean | undefined, budgetMs: number, headers: Record<string, string>) {
  if (error instanceof PartnerCenterError) return error; // the token provider's own
  const ids = { requestId: headers['ms-requestid'], correlationId: headers['ms-correlationid'], cause: error };
  if (error instanceof SyntaxError) {
    return new PartnerCenterError({ kind: 'malformed', status: 200, description: 'the response body ended early', retryable: true, ...ids });
  }
  if (!timedOut) return new PartnerCenterError({ kind: 'network', description: describeNetworkError(error), ...ids });
  if (tokenSent === undefined) return new PartnerCenterError({ kind: 'timeout', description: `no token within ${budgetMs} ms`, ...ids });
  return new PartnerCenterError({ kind: 'timeout', description: `no answer within ${budgetMs} ms`, ...ids });
}

/** The error an answer stands for (what `onRetry` is told). */
export function answerError(answer: Answer): PartnerCenterError {
  const error = errorFromResponse(answer, parseBody(answer.text), answer);
  error.attempts = answer.attempts;
  return error;
}

/** An error body: JSON when it is JSON, else the text; undefined when empty. */
function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function startAttemptSpan(tracer: Tracer, parent: Span, call: Call, attempt: number): Span {
  return tracer.startSpan(
    call.method,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': call.method,
        'url.full': call.url,
        'ms.request_id': call.headers['ms-requestid']!,
        'ms.correlation_id': call.headers['ms-correlationid']!,
        'batchwatch.attempt': attempt,
        ...(attempt > 1 ? { 'http.request.resend_count': attempt - 1 } : {}),
      },
    },
    trace.setSpan(context.active(), parent),
  );
}

/** Ends a span with the HTTP status it saw, or with the error that ended it. */
function endSpan(span: Span, outcome: number | unknown, attempts?: number): void {
  if (attempts !== undefined) span.setAttribute('batchwatch.attempts', attempts);
  if (typeof outcome === 'number') {
    span.setAttribute('http.response.status_code', outcome);
    if (outcome >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
  } else {
    const error = outcome as Error;
    span.setAttribute('error.type', error instanceof PartnerCenterError ? error.kind : (error?.name ?? 'Error'));
    if (error instanceof PartnerCenterError && error.status) span.setAttribute('http.response.status_code', error.status);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message });
  }
  span.end();
}
