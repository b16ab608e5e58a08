import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  createBatchStatusClient,
  InvalidIdError,
  isGuid,
  isNotFound,
  isRetryable,
  isThrottled,
  PartnerCenterError,
  retryAfter,
  type RetryEvent,
} from '../src/index.js';
import { BATCH, batch, CUSTOMER, rejection, sendJson, startServer, type Handler, type TinyServer } from './tiny-server.js';

let server: TinyServer | undefined;
afterEach(() => server?.close());
async function serve(handler: Handler) {
  server = await startServer(handler);
  return server;
}
const busyThenOk: Handler = (_req, res, n) => (n === 1 ? sendJson(res, 503, { code: 503, description: 'busy' }) : sendJson(res, 200, batch()));
const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

describe('no promise-returning function throws synchronously', () => {
  const client = createBatchStatusClient({ baseUrl: 'http://127.0.0.1:9', token: 't' });

  it('getBatchStatus rejects an invalid id', async () => {
    let pending: Promise<unknown> | undefined;
    expect(() => (pending = client.getBatchStatus(123 as never, BATCH))).not.toThrow();
    await expect(pending).rejects.toBeInstanceOf(InvalidIdError);
  });

  it('watchBatchStatus rejects an invalid id on the first step', async () => {
    let watch: AsyncGenerator | undefined;
    expect(() => (watch = client.watchBatchStatus(CUSTOMER, null as never))).not.toThrow();
    await expect(watch!.next()).rejects.toMatchObject({ name: 'InvalidIdError', parameter: 'trackingId' });
  });
});

describe('error helpers', () => {
  it('tell a throttled call, when to come back (as ms and as a Date), and that it is worth retrying', async () => {
    const { url } = await serve((_req, res) => sendJson(res, 429, { statusCode: 429, message: 'Rate limit is exceeded' }, { 'retry-after': '57' }));
    const before = Date.now();
    const error = await rejection(createBatchStatusClient({ baseUrl: url, token: 't', retry: { maxRetryAfterMs: 1_000 } }).getBatchStatus(CUSTOMER, BATCH));
    expect(isThrottled(error)).toBe(true);
    expect(isRetryable(error)).toBe(true);
    expect(isNotFound(error)).toBe(false);
    const after = retryAfter(error);
    expect(after?.ms).toBe(57_000);
    expect(after?.date).toBeInstanceOf(Date);
    expect(after!.date.getTime()).toBeGreaterThanOrEqual(before + 57_000);
  });

  it('tell a batch that does not exist, which is not worth retrying', async () => {
    const { url } = await serve((_req, res) => sendJson(res, 404, { code: 1000, description: 'Not found' }));
    const error = await rejection(createBatchStatusClient({ baseUrl: url, token: 't' }).getBatchStatus(CUSTOMER, BATCH));
    expect([isNotFound(error), isThrottled(error), isRetryable(error), retryAfter(error)]).toEqual([true, false, false, undefined]);
  });

  it('say no to anything that is not a PartnerCenterError', () => {
    const other = new InvalidIdError('customerId', 'x');
    expect([isNotFound(other), isThrottled(other), isRetryable(other), retryAfter(other)]).toEqual([false, false, false, undefined]);
  });
});

describe('onRetry', () => {
  it('is told of every retry: the attempt, the error and the wait', async () => {
    const { url } = await serve(busyThenOk);
    const events: RetryEvent[] = [];
    await createBatchStatusClient({ baseUrl: url, token: 't', retry: fast, onRetry: (event) => events.push(event) }).getBatchStatus(CUSTOMER, BATCH);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ method: 'GET', attempt: 1, error: { status: 503, code: '503' } });
    expect(events[0]!.error).toBeInstanceOf(PartnerCenterError);
    expect(events[0]!.url).toBe(`${url}/v1/customers/${CUSTOMER}/batchJobStatus/${BATCH}`);
  });
});

describe('OpenTelemetry spans', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterAll(() => trace.disable());
  afterEach(() => exporter.reset());

  it('one span per call and one per attempt, with MS-RequestId, MS-CorrelationId, status and attempt number', async () => {
    const { url, requests } = await serve(busyThenOk);
    await createBatchStatusClient({ baseUrl: url, token: 't', retry: fast }).getBatchStatus(CUSTOMER, BATCH);
    const spans = exporter.getFinishedSpans();
    const call = spans.find((span) => span.name === 'PartnerCenter GET')!;
    const attempts = spans.filter((span) => span.parentSpanContext?.spanId === call.spanContext().spanId);
    expect(spans).toHaveLength(3);
    const requestId = requests[0]!.headers['ms-requestid'];
    const correlationId = requests[0]!.headers['ms-correlationid'];
    expect(isGuid(requestId)).toBe(true);
    expect(call.attributes).toMatchObject({
      'ms.request_id': requestId,
      'ms.correlation_id': correlationId,
      'http.response.status_code': 200,
      'batchwatch.attempts': 2,
    });
    expect(attempts.map((span) => span.attributes)).toEqual([
      expect.objectContaining({ 'batchwatch.attempt': 1, 'http.response.status_code': 503, 'ms.request_id': requestId, 'ms.correlation_id': correlationId }),
      expect.objectContaining({ 'batchwatch.attempt': 2, 'http.response.status_code': 200, 'http.request.resend_count': 1, 'ms.request_id': requestId }),
    ]);
  });

  it('marks a call that failed without an answer', async () => {
    const closed = await startServer(() => {});
    await closed.close();
    await rejection(createBatchStatusClient({ baseUrl: closed.url, token: 't', retry: false }).getBatchStatus(CUSTOMER, BATCH));
    const call = exporter.getFinishedSpans().find((span) => span.name === 'PartnerCenter GET')!;
    expect(call.status.code).toBe(2); // ERROR
    expect(call.attributes['error.type']).toBe('network');
  });
});
