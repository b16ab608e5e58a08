import { randomUUID } from 'node:crypto';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '@batchwatch/openapi';
import { createTokenProvider, type TokenSource } from './auth.js';
import { clouds, type Cloud } from './clouds.js';
import { errorFromResponse, PartnerCenterError } from './errors.js';
import { deviceBatchOperations, type DeviceBatchOperations } from './device-batches.js';
import { assertGuid } from './ids.js';
import { isBatchUploadDetails, normalizeBatch, type BatchDetails } from './normalize.js';
import { attemptsOf, createResilientFetch, DEFAULT_RETRY, releaseResponse, type RetryPolicy } from './transport.js';
import { watchBatchStatus, type WatchEvent, type WatchOptions } from './watch.js';

export interface BatchStatusClientOptions {
  /** Partner Center (default), the batchwatch proxy, or a simulator. Overrides `cloud`. */
  baseUrl?: string;
  /** A named Partner Center cloud; default `global`. */
  cloud?: Cloud;
  /** A `TokenCredential` from `@azure/identity` (tokens are cached until shortly before they expire). */
  credential?: TokenSource;
  /** A static bearer token, or a function returning one; used when no `credential` is given. */
  token?: string | (() => string | Promise<string>);
  /** Scopes asked of `credential`; default `https://api.partnercenter.microsoft.com/.default`. */
  scopes?: string | string[];
  /** `X-Locale`; default `en-US`. */
  locale?: string;
  /** `MS-PartnerCenter-Application`; default `batchwatch`. */
  application?: string;
  /** Per-attempt timeout; default 30 s. */
  timeoutMs?: number;
  /** Retry policy, or `false` for a single attempt. */
  retry?: Partial<RetryPolicy> | false;
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
}

/** Also the device-batch operations: uploads, lists and `uploadAndWatch` (see `device-batches.ts`). */
export interface BatchStatusClient extends DeviceBatchOperations {
  readonly baseUrl: string;
  /** The typed openapi-fetch client underneath, with the same auth, headers, retries and timeouts. */
  readonly api: Client<paths>;
  getBatchStatus(customerId: string, trackingId: string, options?: GetBatchStatusOptions): Promise<BatchDetails>;
  watchBatchStatus(customerId: string, trackingId: string, options?: WatchOptions): AsyncGenerator<WatchEvent, void, undefined>;
}

const STATUS_PATH = '/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}';

export function createBatchStatusClient(options: BatchStatusClientOptions = {}): BatchStatusClient {
  const baseUrl = (options.baseUrl ?? clouds[options.cloud ?? 'global']).replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const getToken = createTokenProvider(options.credential ?? options.token, options.scopes, timeoutMs);
  const policyFor = (override?: Partial<RetryPolicy> | false): RetryPolicy => {
    const base = options.retry === false ? { ...DEFAULT_RETRY, attempts: 1 } : { ...DEFAULT_RETRY, ...options.retry };
    return override === false ? { ...base, attempts: 1 } : { ...base, ...override };
  };
  const transport = createResilientFetch(fetchImpl, policyFor(), timeoutMs);
  const singleAttempt = createResilientFetch(fetchImpl, policyFor(false), timeoutMs); // what watch() polls with
  const transportFor = (retry: GetBatchStatusOptions['retry']) =>
    retry === undefined ? transport : retry === false ? singleAttempt : createResilientFetch(fetchImpl, policyFor(retry), timeoutMs);
  const api = createClient<paths>({ baseUrl, fetch: transport, headers: { Accept: 'application/json' } });

  // Defaults for every request, including those made through `api` directly.
  api.use({
    async onRequest({ request }) {
      const token = await getToken(request.signal);
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      setDefault(request.headers, 'MS-RequestId', randomUUID);
      setDefault(request.headers, 'MS-CorrelationId', randomUUID);
      setDefault(request.headers, 'X-Locale', () => options.locale ?? 'en-US');
      setDefault(request.headers, 'MS-PartnerCenter-Application', () => options.application ?? 'batchwatch');
      return request;
    },
  });

  async function getBatchStatus(customerId: string, trackingId: string, call: GetBatchStatusOptions = {}): Promise<BatchDetails> {
    assertGuid('customerId', customerId);
    assertGuid('trackingId', trackingId);
    call.signal?.throwIfAborted();
    const header = { 'MS-RequestId': call.requestId ?? randomUUID(), 'MS-CorrelationId': call.correlationId ?? randomUUID() };
    let result;
    try {
      result = await api.GET(STATUS_PATH, {
        params: { path: { 'customer-id': customerId, 'batchtracking-id': trackingId }, header },
        ...(call.signal ? { signal: call.signal } : {}),
        fetch: transportFor(call.retry),
      });
    } catch (error) {
      throw asClientError(error, call.signal, header);
    }
    const { data, error, response } = result;
    releaseResponse(response);
    if (!response.ok) throw httpError(response, error);
    if (!isBatchUploadDetails(data)) {
      throw new PartnerCenterError({
        kind: 'malformed',
        status: response.status,
        description: 'the response is not a BatchUploadDetails',
        body: data,
        ...idsOf(response),
      });
    }
    return normalizeBatch(data);
  }

  const watch: BatchStatusClient['watchBatchStatus'] = (customerId, trackingId, watchOptions) =>
    watchBatchStatus(getBatchStatus, customerId, trackingId, watchOptions);
  return { baseUrl, api, getBatchStatus, watchBatchStatus: watch, ...deviceBatchOperations(api, watch) };
}

function setDefault(headers: Headers, name: string, value: () => string): void {
  if (!headers.has(name)) headers.set(name, value());
}

function idsOf(response: Response) {
  return {
    requestId: response.headers.get('ms-requestid') ?? undefined,
    correlationId: response.headers.get('ms-correlationid') ?? undefined,
  };
}

function httpError(response: Response, body: unknown): PartnerCenterError {
  const error = errorFromResponse(response, body);
  error.attempts = attemptsOf(response);
  return error;
}

/** Everything thrown below `api.GET` becomes a PartnerCenterError, except the caller's own abort. */
function asClientError(error: unknown, signal: AbortSignal | undefined, ids: Record<string, string>): unknown {
  if (signal?.aborted) return signal.reason;
  if (error instanceof PartnerCenterError) return error;
  const name = (error as Error)?.name;
  const init = { requestId: ids['MS-RequestId'], correlationId: ids['MS-CorrelationId'], cause: error };
  if (name === 'TimeoutError' || name === 'AbortError') return new PartnerCenterError({ kind: 'timeout', description: 'the response did not arrive in time', ...init });
  if (error instanceof SyntaxError) return new PartnerCenterError({ kind: 'malformed', status: 200, description: 'the response body is not JSON', ...init });
  return new PartnerCenterError({ kind: 'network', description: (error as Error)?.message ?? String(error), ...init });
}
