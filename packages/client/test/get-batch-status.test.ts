import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { createVirtualClock, startSimulator, type RunningSimulator } from '@batchwatch/simulator';
import { createBatchStatusClient, InvalidIdError, isGuid, PartnerCenterError, type BatchStatusClientOptions } from '../src/index.js';

const clock = createVirtualClock();
let sim: RunningSimulator;
/** Real arrival times of requests, observed through the client's `fetch` option (nothing is faked). */
let sentAt: number[];

beforeAll(async () => {
  sim = await startSimulator({ clock });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.resetRequests();
  sentAt = [];
});

const observedFetch: typeof fetch = (input, init) => {
  sentAt.push(Date.now());
  return fetch(input, init);
};
const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
const clientFor = (options: BatchStatusClientOptions = {}) =>
  createBatchStatusClient({ baseUrl: sim.url, token: 'simulator-token', retry: fast, fetch: observedFetch, ...options });
const statusRequests = (trackingId: string) => sim.requests.filter((r) => r.path.toLowerCase().includes(trackingId));

async function caught(promise: Promise<unknown>): Promise<PartnerCenterError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PartnerCenterError);
  return error as PartnerCenterError;
}

describe('getBatchStatus', () => {
  it('returns normalised details of a finished batch', async () => {
    const batch = sim.addBatch('device-errors');
    clock.advance(batch.scenario.queuedMs + batch.scenario.processingMs + 1);
    const details = await clientFor().getBatchStatus(batch.customerId, batch.trackingId);
    expect(details.batchTrackingId).toBe(batch.trackingId);
    expect(['finished', 'finished_with_errors']).toContain(details.status);
    expect(details.startedTime).toBeInstanceOf(Date);
    expect(details.completedTime!.getTime()).toBeGreaterThan(details.startedTime!.getTime());
    expect(details.devices.length).toBeGreaterThan(0);
    expect(details.devices.filter((d) => d.errorCode).map((d) => d.errorCode)).toEqual(expect.arrayContaining(['806', '808', '802']));
    expect(details.raw.attributes?.objectType).toBe('BatchUploadDetails');
  });

  it('reads a queued batch: no devices, no times', async () => {
    const batch = sim.addBatch('clean');
    const details = await clientFor().getBatchStatus(batch.customerId, batch.trackingId);
    expect(details.status).toBe('queued');
    expect(details.devices).toEqual([]);
    expect(details.completedTime).toBeUndefined();
  });

  it('sends the Partner Center headers', async () => {
    const batch = sim.addBatch('clean');
    await clientFor({ locale: 'sv-SE', application: 'contoso-onboarding' }).getBatchStatus(batch.customerId, batch.trackingId);
    const [request] = statusRequests(batch.trackingId);
    expect(request?.headers).toMatchObject({
      authorization: 'Bearer simulator-token',
      accept: 'application/json',
      'x-locale': 'sv-SE',
      'ms-partnercenter-application': 'contoso-onboarding',
    });
    expect(isGuid(request?.headers['ms-requestid'])).toBe(true);
    expect(isGuid(request?.headers['ms-correlationid'])).toBe(true);
  });

  it('uses a new MS-RequestId per call', async () => {
    const batch = sim.addBatch('clean');
    const client = clientFor();
    await client.getBatchStatus(batch.customerId, batch.trackingId);
    await client.getBatchStatus(batch.customerId, batch.trackingId);
    const ids = statusRequests(batch.trackingId).map((r) => r.headers['ms-requestid']);
    expect(new Set(ids).size).toBe(2);
  });

  it('passes a given correlation id and request id through', async () => {
    const batch = sim.addBatch('clean');
    const ids = { correlationId: 'de894e18-f027-4ac0-8b5a-34f0c222af0c', requestId: 'e88d014d-ab70-41de-90a0-f7fd1797267d' };
    await clientFor().getBatchStatus(batch.customerId, batch.trackingId, ids);
    expect(statusRequests(batch.trackingId)[0]?.headers).toMatchObject({ 'ms-correlationid': ids.correlationId, 'ms-requestid': ids.requestId });
  });
});

describe('retries', () => {
  it('retries 5xx and reuses the same MS-RequestId and MS-CorrelationId for every attempt', async () => {
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'status', status: 503 }, { count: 2, trackingId: batch.trackingId });
    const details = await clientFor().getBatchStatus(batch.customerId, batch.trackingId);
    expect(details.status).toBe('queued');
    const attempts = statusRequests(batch.trackingId);
    expect(attempts.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(new Set(attempts.map((r) => r.headers['ms-requestid'])).size).toBe(1);
    expect(new Set(attempts.map((r) => r.headers['ms-correlationid'])).size).toBe(1);
  });

  it('retries a reset connection', async () => {
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'reset' }, { trackingId: batch.trackingId });
    await expect(clientFor().getBatchStatus(batch.customerId, batch.trackingId)).resolves.toMatchObject({ status: 'queued' });
    expect(statusRequests(batch.trackingId).map((r) => r.status)).toEqual([0, 200]);
  });

  it('waits Retry-After before retrying a 429', async () => {
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'throttle', retryAfterSeconds: 1 }, { trackingId: batch.trackingId });
    await clientFor().getBatchStatus(batch.customerId, batch.trackingId);
    expect(statusRequests(batch.trackingId).map((r) => r.status)).toEqual([429, 200]);
    // A lower bound only: the client must not come back before the server said it may.
    expect(sentAt[1]! - sentAt[0]!).toBeGreaterThanOrEqual(1000);
  });

  it('gives a 429 back at once when Retry-After is longer than it will wait, reading the gateway body', async () => {
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'throttle', retryAfterSeconds: 57 }, { trackingId: batch.trackingId });
    const error = await caught(clientFor({ retry: { ...fast, maxRetryAfterMs: 10_000 } }).getBatchStatus(batch.customerId, batch.trackingId));
    expect(error).toMatchObject({ kind: 'http', status: 429, code: '429', retryAfterMs: 57_000, attempts: 1 });
    expect(error.description).toMatch(/Rate limit is exceeded/);
  });

  it('stops after the bounded number of attempts', async () => {
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'status', status: 500 }, { count: 5, trackingId: batch.trackingId });
    const error = await caught(clientFor().getBatchStatus(batch.customerId, batch.trackingId));
    expect(error).toMatchObject({ kind: 'http', status: 500, attempts: 3, code: '800003', retryable: true });
    expect(statusRequests(batch.trackingId)).toHaveLength(3);
  });

  it.each([
    ['an unknown batch (404)', 404, '1000'],
    ['a wrong token (401)', 401, '800001'],
  ])('does not retry %s', async (_, status, code) => {
    const batch = sim.addBatch('clean');
    const trackingId = status === 404 ? '00000000-0000-4000-8000-000000000404' : batch.trackingId;
    const error = await caught(clientFor({ token: status === 401 ? 'wrong' : 'simulator-token' }).getBatchStatus(batch.customerId, trackingId));
    expect(error).toMatchObject({ kind: 'http', status, code, attempts: 1, retryable: false });
    expect(isGuid(error.requestId)).toBe(true);
    expect(sentAt).toHaveLength(1);
  });

  it('reports an unreachable server as a network error after its attempts', async () => {
    const closed = await startSimulator();
    const url = closed.url;
    await closed.close();
    const client = clientFor({ baseUrl: url });
    const error = await caught(client.getBatchStatus('47021739-3426-40bf-9601-61b4b6d7c793', '0127ed8e-ff72-4983-a3d8-e8d8bd378932'));
    expect(error).toMatchObject({ kind: 'network', status: 0, attempts: 3 });
  });
});

describe('timeouts and aborts', () => {
  it('times an attempt out', async () => {
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'delay', ms: 3_000 }, { trackingId: batch.trackingId });
    const error = await caught(clientFor({ timeoutMs: 100, retry: false }).getBatchStatus(batch.customerId, batch.trackingId));
    expect(error).toMatchObject({ kind: 'timeout', status: 0, retryable: true });
  });

  it('retries a timed-out attempt', async () => {
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'delay', ms: 3_000 }, { trackingId: batch.trackingId });
    await expect(clientFor({ timeoutMs: 300 }).getBatchStatus(batch.customerId, batch.trackingId)).resolves.toMatchObject({ status: 'queued' });
    expect(sentAt).toHaveLength(2);
  });

  it('honours the caller’s abort signal during a request, with the signal’s own reason', async () => {
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'delay', ms: 3_000 }, { trackingId: batch.trackingId });
    const controller = new AbortController();
    const pending = clientFor().getBatchStatus(batch.customerId, batch.trackingId, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('operator quit')), 50);
    await expect(pending).rejects.toThrow('operator quit');
    expect(sentAt).toHaveLength(1);
  });

  it('honours an abort while waiting to retry', async () => {
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'throttle', retryAfterSeconds: 30 }, { trackingId: batch.trackingId });
    const controller = new AbortController();
    const pending = clientFor({ retry: { attempts: 3, maxRetryAfterMs: 60_000 } }).getBatchStatus(batch.customerId, batch.trackingId, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(sentAt).toHaveLength(1);
  });

  it('sends nothing when already aborted', async () => {
    const batch = sim.addBatch('clean');
    await expect(clientFor().getBatchStatus(batch.customerId, batch.trackingId, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(sentAt).toHaveLength(0);
  });
});

describe('input and output checks', () => {
  it.each([
    ['a customer id that is not a GUID', 'contoso', '0127ed8e-ff72-4983-a3d8-e8d8bd378932', 'customerId'],
    ['a path traversal', '../../admin', '0127ed8e-ff72-4983-a3d8-e8d8bd378932', 'customerId'],
    ['a tracking id with a header injection', '47021739-3426-40bf-9601-61b4b6d7c793', 'x\r\nHost: evil', 'trackingId'],
    ['an empty tracking id', '47021739-3426-40bf-9601-61b4b6d7c793', '', 'trackingId'],
  ])('rejects %s before any request', async (_, customerId, trackingId, parameter) => {
    await expect(clientFor().getBatchStatus(customerId, trackingId)).rejects.toMatchObject({ name: 'InvalidIdError', parameter });
    await expect(clientFor().getBatchStatus(customerId, trackingId)).rejects.toBeInstanceOf(InvalidIdError);
    expect(sim.requests).toHaveLength(0);
  });

  it('retries a body cut short (the simulator’s malformed fault) like a 5xx', async () => {
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'malformed' }, { trackingId: batch.trackingId });
    await expect(clientFor().getBatchStatus(batch.customerId, batch.trackingId)).resolves.toMatchObject({ status: 'queued' });
    expect(sentAt).toHaveLength(2);
  });

  it('reports a body cut short as a retryable network error once its attempts are used up', async () => {
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'malformed' }, { trackingId: batch.trackingId });
    const error = await caught(clientFor({ retry: false }).getBatchStatus(batch.customerId, batch.trackingId));
    expect(error).toMatchObject({ kind: 'malformed', status: 200, retryable: true, description: 'the response body ended early' });
  });

  it('matches the documented request example, lower-case path and all', async () => {
    const batch = sim.addBatch('clean', { customerId: '47021739-3426-40bf-9601-61b4b6d7c793', trackingId: '0127ed8e-ff72-4983-a3d8-e8d8bd378932' });
    const details = await clientFor().getBatchStatus(batch.customerId.toUpperCase(), batch.trackingId);
    expect(details.batchTrackingId).toBe(batch.trackingId);
  });
});

describe('credentials', () => {
  /** A real TokenCredential implementation that counts how often it is asked. */
  function countingCredential(lifetimeMs: number): TokenCredential & { calls: number } {
    return {
      calls: 0,
      async getToken(): Promise<AccessToken> {
        this.calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return { token: 'simulator-token', expiresOnTimestamp: Date.now() + lifetimeMs };
      },
    };
  }

  it('asks a credential once per token lifetime, concurrent calls included', async () => {
    const batch = sim.addBatch('clean');
    const credential = countingCredential(60 * 60_000);
    const client = clientFor({ credential, token: undefined });
    await Promise.all([1, 2, 3].map(() => client.getBatchStatus(batch.customerId, batch.trackingId)));
    await client.getBatchStatus(batch.customerId, batch.trackingId);
    expect(credential.calls).toBe(1);
    expect(statusRequests(batch.trackingId).every((r) => r.headers.authorization === 'Bearer simulator-token')).toBe(true);
  });

  it('renews a token that is about to expire', async () => {
    const batch = sim.addBatch('clean');
    const credential = countingCredential(60_000);
    const client = clientFor({ credential, token: undefined });
    await client.getBatchStatus(batch.customerId, batch.trackingId);
    await client.getBatchStatus(batch.customerId, batch.trackingId);
    expect(credential.calls).toBe(2);
  });

  it('gives up on a token endpoint that never answers, within the timeout', async () => {
    const batch = sim.addBatch('clean');
    // Like @azure/identity: the request for a token ends when its abort signal fires, and not before.
    const credential: TokenCredential = {
      getToken: (_scopes, options) =>
        new Promise((_resolve, reject) => options?.abortSignal?.addEventListener('abort', () => reject(new Error('token request aborted')))),
    };
    const error = await caught(clientFor({ credential, timeoutMs: 100 }).getBatchStatus(batch.customerId, batch.trackingId));
    expect(error).toMatchObject({ kind: 'timeout', description: 'no token within 100 ms' });
    expect(sentAt).toHaveLength(0);
  });

  it('reports a credential that fails as an auth error, with no request', async () => {
    const batch = sim.addBatch('clean');
    const credential: TokenCredential = { getToken: async () => Promise.reject(new Error('AADSTS7000215: Invalid client secret')) };
    const error = await caught(clientFor({ credential }).getBatchStatus(batch.customerId, batch.trackingId));
    expect(error.kind).toBe('auth');
    expect(error.description).toMatch(/AADSTS7000215/);
    expect(sentAt).toHaveLength(0);
  });
});
