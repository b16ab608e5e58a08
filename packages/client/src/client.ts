import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '@batchwatch/openapi';
import { createTokenProvider, type TokenSource } from './auth.js';
import { clouds, scopeFor, type Cloud } from './clouds.js';
import { deviceBatchOperations, type DeviceBatchOperations } from './device-batches.js';
import { PartnerCenterError } from './errors.js';
import { assertGuid } from './ids.js';
import { isBatchUploadDetails, normalizeBatch, type BatchDetails, type RawBatchUploadDetails } from './normalize.js';
import { answerError, createTransport, DEFAULT_RETRY, USER_AGENT, type Answer, type RetryEvent, type RetryPolicy, type Transport } from './transport.js';
import { VERSION } from './version.js';
import { watchBatchStatus, type WatchEvent, type WatchOptions } from './watch.js';

export interface BatchStatusClientOptions {
  /** Partner Center (default), the batchwatch proxy, or a simulator. Overrides `cloud`'s URL (not its scope). */
  baseUrl?: string;
  /** A named Partner Center cloud, for its URL and its token scope; default `global`. */
  cloud?: Cloud;
  /** A `TokenCredential` from `@azure/identity` (tokens are cached until shortly before they expire). */
  credential?: TokenSource;
  /** A static bearer token, or a function returning one; used when no `credential` is given. */
  token?: string | (() => string | Promise<string>);
  /** Scopes asked of `credential`; default the cloud's `…/.default` (`https://api.partnercenter.microsoft.com/.default`). */
  scopes?: string | string[];
  /** `X-Locale`; default `en-US`. */
  locale?: string;
  /** `MS-PartnerCenter-Application`; default `batchwatch`. */
  application?: string;
  /** Per attempt, token included; default 30 s. */
  timeoutMs?: number;
  /** Per call: every attempt, wait and token together; default 120 s. */
  deadlineMs?: number;
  /** Retry policy, or `false` for a single attempt. */
  retry?: Partial<RetryPolicy> | false;
  /** Told before every retry (for logs and metrics). */
  onRetry?: (event: RetryEvent) => void;
  /** The `fetch` to use; default the global one. */
  fetch?: typeof fetch;
}

export interface GetBatchStatusOptions {
  signal?: AbortSignal;
  /** `MS-CorrelationId`; a new one per call by default. */
  correlationId?: string;
  /** `MS-RequestId`; a new one per call by default (retries of the call reuse it). */
  requestId?: string;
  /** Overrides the client's retry policy for this call. */
  retry?: Partial<RetryPolicy> | false;
  /** Overrides the client's `deadlineMs` for this call. */
  deadlineMs?: number;
  /** An earlier snapshot of this batch: devices that are still the same keep its keys (cheaper; what watch() passes). */
  previous?: BatchDetails;
}

/** Also the device-batch operations: uploads, lists and `uploadAndWatch` (see `device-batches.ts`). */
export interface BatchStatusClient extends DeviceBatchOperations {
  readonly baseUrl: string;
  /**
   * The typed openapi-fetch client underneath, with the same auth, headers, timeouts, deadline and spans. Retries:
   * idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE) as `getBatchStatus`; a POST only when it cannot have
   * reached the server (connection refused, DNS failure, no token) or was answered 429. Failures with no answer
   * reject with a `PartnerCenterError`; answers of any status resolve as openapi-fetch's `{ data, error, response }`.
   */
  readonly api: Client<paths>;
  getBatchStatus(customerId: string, trackingId: string, options?: GetBatchStatusOptions): Promise<BatchDetails>;
  watchBatchStatus(customerId: string, trackingId: string, options?: WatchOptions): AsyncGenerator<WatchEvent, void, undefined>;
}

/** The operation, as the contract names it: a path the generated `paths` must have. */
const STATUS_PATH = '/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}' satisfies keyof paths;

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_DEADLINE_MS = 120_000;

export function createBatchStatusClient(options: BatchStatusClientOptions = {}): BatchStatusClient {
  const cloud = options.cloud ?? 'global';
  const baseUrl = (options.baseUrl ?? clouds[cloud]).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retry = resolvePolicy(DEFAULT_RETRY, options.retry);
  const tokenSource = options.credential ?? options.token;
  const transport = createTransport({
    fetch: options.fetch ?? globalThis.fetch,
    getToken: createTokenProvider(tokenSource, options.scopes ?? scopeFor(cloud), timeoutMs),
    tokenRenewable: tokenSource !== undefined && typeof tokenSource !== 'string',
    timeoutMs,
    deadlineMs: options.deadlineMs ?? DEFAULT_DEADLINE_MS,
    retry,
    onRetry: options.onRetry,
    headers: {
      accept: 'application/json',
      'x-locale': options.locale ?? 'en-US',
      'ms-partnercenter-application': options.application ?? 'batchwatch',
      'ms-contract-version': 'v1',
      'ms-partnercenter-client': `batchwatch/${VERSION}`,
      'user-agent': USER_AGENT,
    },
  });

  // The hot path goes straight to the transport: the same request openapi-fetch would build, without a Request.
  async function getBatchStatus(customerId: string, trackingId: string, call: GetBatchStatusOptions = {}): Promise<BatchDetails> {
    assertGuid('customerId', customerId);
    assertGuid('trackingId', trackingId);
    const headers: Record<string, string> = {};
    if (call.requestId) headers['ms-requestid'] = call.requestId;
    if (call.correlationId) headers['ms-correlationid'] = call.correlationId;
    const answer = await transport({
      method: 'GET',
      url: baseUrl + STATUS_PATH.replace('{customer-id}', customerId).replace('{batchtracking-id}', trackingId),
      headers,
      signal: call.signal,
      retry: call.retry === undefined ? undefined : resolvePolicy(retry, call.retry),
      deadlineMs: call.deadlineMs,
      json: true,
    });
    return readBatch(answer, call.previous);
  }

  const api = createClient<paths>({ baseUrl, fetch: viaTransport(transport) });
  const watch: BatchStatusClient['watchBatchStatus'] = (customerId, trackingId, watchOptions) =>
    watchBatchStatus(getBatchStatus, customerId, trackingId, { ...watchOptions, retry: { ...retry, ...watchOptions?.retry } });
  return { baseUrl, api, getBatchStatus, watchBatchStatus: watch, ...deviceBatchOperations(api, watch) };
}

function resolvePolicy(base: RetryPolicy, override: Partial<RetryPolicy> | false | undefined): RetryPolicy {
  return override === false ? { ...base, attempts: 1 } : { ...base, ...override };
}

/** The answer to `GET …/batchJobStatus/…`: normalised details, or the PartnerCenterError it stands for. */
function readBatch(answer: Answer, previous: BatchDetails | undefined): BatchDetails {
  if (answer.status < 200 || answer.status > 299) throw answerError(answer);
  const json = answer.json ?? { value: undefined };
  if ('value' in json && isBatchUploadDetails(json.value)) return normalizeBatch(json.value satisfies RawBatchUploadDetails, previous);
  const ids = {
    requestId: answer.headers.get('ms-requestid') ?? answer.requestId,
    correlationId: answer.headers.get('ms-correlationid') ?? answer.correlationId,
  };
  if ('error' in json) {
    throw new PartnerCenterError({
      kind: 'malformed',
      status: answer.status,
      description: 'the response body is not JSON',
      body: answer.text,
      cause: json.error,
      ...ids,
    });
  }
  throw new PartnerCenterError({
    kind: 'malformed',
    status: answer.status,
    description: 'the response is not a BatchUploadDetails',
    body: json.value,
    ...ids,
  });
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** openapi-fetch's `fetch`: each Request goes through the transport, and comes back as a Response. */
function viaTransport(transport: Transport): (request: Request) => Promise<Response> {
  return async (request) => {
    const answer = await transport({
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: request.body === null ? null : await request.arrayBuffer(),
      signal: request.signal,
      json: true, // a 2xx body cut short is retried here too (openapi-fetch parses it again)
    });
    const body = NULL_BODY_STATUSES.has(answer.status) ? null : answer.text;
    return new Response(body, { status: answer.status, statusText: answer.statusText, headers: answer.headers });
  };
}
