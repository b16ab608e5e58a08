import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBatchStatusClient, PartnerCenterError, type BatchStatusClientOptions, type RetryEvent } from '../src/index.js';
import { parseRetryAfter } from '../src/internal.js';
import { BATCH, batch, CUSTOMER, deferred, rejection, sendJson, startServer, type Handler, type TinyServer } from './tiny-server.js';

let server: TinyServer | undefined;
afterEach(() => {
  vi.restoreAllMocks();
  return server?.close();
});

async function serve(handler: Handler) {
  server = await startServer(handler);
  return server;
}
const clientOf = (url: string, options: BatchStatusClientOptions = {}) =>
  createBatchStatusClient({ baseUrl: url, token: 't', retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 }, ...options });
const busy = (res: Parameters<Handler>[1], headers: Record<string, string> = {}) => sendJson(res, 503, { code: 503, description: 'busy' }, headers);

describe('only idempotent requests are retried once they may have reached the server', () => {
  const create = (client: ReturnType<typeof clientOf>) =>
    client.api.POST('/v1/customers/{customer-id}/deviceBatches', {
      params: { path: { 'customer-id': CUSTOMER } },
      body: { batchId: 'spring', devices: [{ serialNumber: 'SN1', productKey: 'PK1' }] },
    });

  it('does not send a POST again after its first attempt timed out', async () => {
    const received = deferred();
    const { url, requests } = await serve((_req, res, n) => {
      if (n > 1) sendJson(res, 409, { code: 600041, description: 'batch already exists' });
      received.resolve(); // the first is never answered: the server may well have created the batch
    });
    const error = await rejection(create(clientOf(url, { timeoutMs: 200 })));
    await received.promise; // on a loaded machine the server may see the request after the client gave up
    expect(error).toBeInstanceOf(PartnerCenterError);
    expect(error).toMatchObject({ kind: 'timeout', attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it('does not send a POST again after a 503', async () => {
    const { url, requests } = await serve((_req, res) => busy(res));
    const { response } = await create(clientOf(url));
    expect(response.status).toBe(503);
    expect(requests).toHaveLength(1);
  });

  it('sends a throttled POST again, with the same MS-RequestId', async () => {
    const { url, requests } = await serve((_req, res, n) =>
      n === 1
        ? sendJson(res, 429, { statusCode: 429, message: 'slow down' }, { 'retry-after': '0' })
        : res.writeHead(202, { location: `/customers/${CUSTOMER}/batchJobStatus/${BATCH}` }).end(),
    );
    const { response } = await create(clientOf(url));
    expect(response.status).toBe(202);
    expect(requests.map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(requests[0]!.headers['ms-requestid']).toBe(requests[1]!.headers['ms-requestid']);
    expect(requests[1]!.body).toBe(requests[0]!.body);
  });

  it('retries a GET through client.api whose body was cut short, and accepts an empty 202', async () => {
    const { url, requests } = await serve((req, res, n) => {
      if (req.method === 'POST') return void res.writeHead(202, { location: `/customers/${CUSTOMER}/batchJobStatus/${BATCH}` }).end();
      if (n === 1) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"batchTrackingId":"');
      sendJson(res, 200, batch());
    });
    const client = clientOf(url);
    const { data } = await client.api.GET('/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}', {
      params: { path: { 'customer-id': CUSTOMER, 'batchtracking-id': BATCH } },
    });
    expect(data?.status).toBe('queued');
    expect(requests).toHaveLength(2);
    const { response } = await create(client);
    expect(response.status).toBe(202);
  });

  it('retries a GET through client.api as getBatchStatus does', async () => {
    const { url, requests } = await serve((_req, res, n) => (n === 1 ? busy(res) : sendJson(res, 200, batch())));
    const { data } = await clientOf(url).api.GET('/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}', {
      params: { path: { 'customer-id': CUSTOMER, 'batchtracking-id': BATCH } },
    });
    expect(data?.status).toBe('queued');
    expect(requests).toHaveLength(2);
  });
});

describe('Retry-After', () => {
  it.each([' ', '-5', '12, 30', '1e3', '1.5', '0x10', 'Thu, 01 Jan 2026 00:00:30', 'soon'])('ignores %j', (value) => {
    expect(parseRetryAfter(value)).toBeUndefined();
  });

  it.each([
    ['57', 57_000],
    ['0', 0],
    [' 3 ', 3_000],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['Thursday, 01-Jan-26 00:00:30 GMT', 30_000],
    ['Thu Jan  1 00:00:30 2026', 30_000],
  ])('reads %j as %d ms', (value, ms) => {
    expect(parseRetryAfter(value, Date.parse('2026-01-01T00:00:00Z'))).toBe(ms);
  });

  it('falls back to the client’s own back-off for an unreadable value', async () => {
    const { url, requests } = await serve((_req, res, n) => (n === 1 ? busy(res, { 'retry-after': '1e3' }) : sendJson(res, 200, batch())));
    const retries: RetryEvent[] = [];
    const client = clientOf(url, { retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 5_000 }, onRetry: (event) => retries.push(event) });
    await expect(client.getBatchStatus(CUSTOMER, BATCH)).resolves.toMatchObject({ status: 'queued' });
    expect(requests).toHaveLength(2);
    expect(retries.map((r) => r.delayMs).every((ms) => ms <= 10)).toBe(true);
  });

  it('retries a 503 with Retry-After like any retryable 5xx, after the time it asks', async () => {
    const { url, requests } = await serve((_req, res, n) => (n === 1 ? busy(res, { 'retry-after': '1' }) : sendJson(res, 200, batch())));
    const retries: RetryEvent[] = [];
    await expect(clientOf(url, { onRetry: (event) => retries.push(event) }).getBatchStatus(CUSTOMER, BATCH)).resolves.toMatchObject({ status: 'queued' });
    expect(requests).toHaveLength(2);
    expect(retries).toMatchObject([{ attempt: 1, delayMs: 1_000, error: { status: 503, retryAfterMs: 1_000 } }]);
  });

  it('caps every wait by maxRetryAfterMs, back-off included', async () => {
    const { url } = await serve((_req, res, n) => (n < 3 ? busy(res) : sendJson(res, 200, batch())));
    const retries: RetryEvent[] = [];
    const retry = { attempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000, maxRetryAfterMs: 20 };
    await clientOf(url, { retry, onRetry: (event) => retries.push(event) }).getBatchStatus(CUSTOMER, BATCH);
    expect(retries).toHaveLength(2);
    expect(retries.every((r) => r.delayMs <= 20)).toBe(true);
  });

  it('never sets a timer at or above 2³¹ ms, however long the server asks to wait', async () => {
    const firstAnswer = deferred();
    const { url, requests } = await serve((_req, res) => {
      busy(res, { 'retry-after': '9999999999' });
      firstAnswer.resolve();
    });
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const retrying = deferred();
    const controller = new AbortController();
    const client = clientOf(url, { retry: { attempts: 3, maxRetryAfterMs: 2 ** 45 }, deadlineMs: 2 ** 45, onRetry: () => retrying.resolve() });
    const pending = client.getBatchStatus(CUSTOMER, BATCH, { signal: controller.signal });
    await firstAnswer.promise;
    await retrying.promise;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(requests).toHaveLength(1);
    const delays = setTimeoutSpy.mock.calls.map(([, ms]) => Number(ms ?? 0));
    expect(delays.filter((ms) => ms >= 2 ** 31)).toEqual([]);
  });
});

describe('timers a watch sets', () => {
  it('never sets one at or above 2³¹ ms, even for a huge watch timeout', async () => {
    const { url } = await serve((_req, res) => sendJson(res, 200, batch('finished', { completedTime: '2026-01-01T00:10:00' })));
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const client = clientOf(url);
    for await (const event of client.watchBatchStatus(CUSTOMER, BATCH, { timeoutMs: 2 ** 40 })) void event;
    const delays = setTimeoutSpy.mock.calls.map(([, ms]) => Number(ms ?? 0));
    expect(delays.filter((ms) => ms >= 2 ** 31)).toEqual([]);
  });
});
