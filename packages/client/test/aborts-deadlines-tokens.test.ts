import { afterEach, describe, expect, it } from 'vitest';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { createBatchStatusClient, PartnerCenterError, type BatchStatusClientOptions } from '../src/index.js';
import { BATCH, batch, CUSTOMER, deferred, rejection, sendJson, startServer, type Handler, type TinyServer } from './tiny-server.js';

let server: TinyServer | undefined;
afterEach(() => server?.close());

async function serve(handler: Handler) {
  server = await startServer(handler);
  return server;
}
const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
const clientOf = (url: string, options: BatchStatusClientOptions = {}) => createBatchStatusClient({ baseUrl: url, token: 't', retry: fast, ...options });
const ok: Handler = (_req, res) => sendJson(res, 200, batch('queued'));

/** A credential like @azure/identity's: it ends when its abort signal fires, and otherwise when the test says. */
function heldCredential() {
  const release = deferred();
  const credential: TokenCredential & { calls: number } = {
    calls: 0,
    getToken(_scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      this.calls += 1;
      return new Promise((resolve, reject) => {
        options?.abortSignal?.addEventListener('abort', () => reject(new Error('token request aborted')));
        void release.promise.then(() => resolve({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }));
      });
    },
  };
  return { credential, release: release.resolve };
}

describe('aborts', () => {
  /** Headers at once, then a valid body that trickles in over ~2 s (the case a late abort used to miss). */
  const trickling: Handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(JSON.stringify(batch('queued')).slice(0, -1));
    let left = 40;
    const timer = setInterval(() => {
      if (res.destroyed) return clearInterval(timer);
      if (--left > 0) return void res.write(' ');
      clearInterval(timer);
      res.end('}');
    }, 50);
  };

  /** A fetch that tells when the response headers have arrived. */
  function headersWatched() {
    const headersArrived = deferred();
    const watched: typeof fetch = (input, init) => fetch(input, init).finally(() => headersArrived.resolve());
    return { fetch: watched, headersArrived: headersArrived.promise };
  }

  it('ends a call at once when aborted while the body is still arriving', async () => {
    const { url } = await serve(trickling);
    const { fetch, headersArrived } = headersWatched();
    const controller = new AbortController();
    const pending = clientOf(url, { fetch }).getBatchStatus(CUSTOMER, BATCH, { signal: controller.signal });
    await headersArrived;
    controller.abort(new Error('operator quit'));
    await expect(pending).rejects.toThrow('operator quit');
  });

  it('ends a client.api call at once when aborted while the body is still arriving', async () => {
    const { url } = await serve(trickling);
    const { fetch, headersArrived } = headersWatched();
    const controller = new AbortController();
    const pending = clientOf(url, { fetch }).api.GET('/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}', {
      params: { path: { 'customer-id': CUSTOMER, 'batchtracking-id': BATCH } },
      signal: controller.signal,
    });
    await headersArrived;
    controller.abort(new Error('operator quit'));
    await expect(pending).rejects.toThrow('operator quit');
  });
});

describe('a timeout while the body is still arriving', () => {
  it('ends the call and closes the connection, though fetch was given no signal (the caller has none)', async () => {
    const connectionClosed = deferred();
    const { url } = await serve((_req, res) => {
      res.on('close', () => connectionClosed.resolve());
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"batchTrackingId":');
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(' ')), 50); // never ends
    });
    const client = clientOf(url, { timeoutMs: 300, retry: { ...fast, attempts: 1 } });
    expect(await rejection(client.getBatchStatus(CUSTOMER, BATCH))).toMatchObject({ kind: 'timeout', retryable: true });
    await connectionClosed.promise; // the server sees the client hang up, rather than trickling on
  });
});

describe('a token refresh shared by concurrent calls', () => {
  it('goes on for caller B when caller A aborts', async () => {
    const { url } = await serve(ok);
    const { credential, release } = heldCredential();
    const client = clientOf(url, { credential, token: undefined });
    const controller = new AbortController();
    const a = client.getBatchStatus(CUSTOMER, BATCH, { signal: controller.signal });
    const b = client.getBatchStatus(CUSTOMER, BATCH);
    controller.abort(new Error('caller A gave up'));
    await expect(a).rejects.toThrow('caller A gave up');
    release();
    await expect(b).resolves.toMatchObject({ status: 'queued' });
    expect(credential.calls).toBe(1);
  });

  it('goes on for caller B when caller A runs out of time', async () => {
    const { url } = await serve(ok);
    const { credential, release } = heldCredential();
    const client = clientOf(url, { credential, token: undefined });
    const a = client.getBatchStatus(CUSTOMER, BATCH, { deadlineMs: 50 });
    const b = client.getBatchStatus(CUSTOMER, BATCH);
    expect(await rejection(a)).toMatchObject({ name: 'PartnerCenterError', kind: 'timeout', description: expect.stringMatching(/no token/) });
    release();
    await expect(b).resolves.toMatchObject({ status: 'queued' });
  });
});

describe('timeoutMs bounds token acquisition', () => {
  const never = () => new Promise<never>(() => {});

  it('for a TokenCredential that ignores its abort signal', async () => {
    const { url, requests } = await serve(ok);
    const credential: TokenCredential = { getToken: never };
    const error = await rejection(clientOf(url, { credential, timeoutMs: 100, retry: false }).getBatchStatus(CUSTOMER, BATCH));
    expect(error).toBeInstanceOf(PartnerCenterError);
    expect(error).toMatchObject({ kind: 'timeout', description: 'no token within 100 ms', retryable: true });
    expect(requests).toHaveLength(0);
  });

  it('for a token function', async () => {
    const { url, requests } = await serve(ok);
    const error = await rejection(clientOf(url, { token: never, timeoutMs: 100, retry: false }).getBatchStatus(CUSTOMER, BATCH));
    expect(error).toMatchObject({ name: 'PartnerCenterError', kind: 'timeout', description: 'no token within 100 ms' });
    expect(requests).toHaveLength(0);
  });
});

describe('the overall deadline of a call', () => {
  it('ends a call that keeps failing before its attempts are used up', async () => {
    const { url, requests } = await serve((_req, res) => sendJson(res, 503, { code: 503, description: 'busy' }));
    const client = clientOf(url, { retry: { attempts: 10, baseDelayMs: 50, maxDelayMs: 200 }, deadlineMs: 300 });
    const error = (await rejection(client.getBatchStatus(CUSTOMER, BATCH))) as PartnerCenterError;
    // The last 503, or the attempt the deadline cut short.
    expect(error).toBeInstanceOf(PartnerCenterError);
    expect(['http', 'timeout']).toContain(error.kind);
    // The smallest possible waits (25 + 50 + 100 + 100 ms…) leave room for 5 attempts at most within 300 ms.
    expect(error.attempts).toBeLessThanOrEqual(5);
    expect(requests.length).toBeLessThanOrEqual(5);
  });

  it('bounds an attempt that would outlive it', async () => {
    const { url } = await serve(() => {}); // never answers
    const error = await rejection(clientOf(url, { timeoutMs: 60_000, deadlineMs: 100 }).getBatchStatus(CUSTOMER, BATCH));
    expect(error).toMatchObject({ kind: 'timeout', attempts: 1 });
  });
});

describe('tokens per attempt', () => {
  /** A credential whose tokens are numbered and expire within the client's renewal margin. */
  function shortLived(lifetimeMs: number) {
    const credential: TokenCredential & { calls: number } = {
      calls: 0,
      async getToken() {
        this.calls += 1;
        return { token: `token-${this.calls}`, expiresOnTimestamp: Date.now() + lifetimeMs };
      },
    };
    return credential;
  }

  it('fetches a new token for a retry when the held one is near expiry', async () => {
    const { url, requests } = await serve((_req, res, n) => (n < 3 ? sendJson(res, 503, { code: 503, description: 'busy' }) : sendJson(res, 200, batch())));
    const credential = shortLived(60_000);
    await clientOf(url, { credential, token: undefined }).getBatchStatus(CUSTOMER, BATCH);
    expect(requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2', 'Bearer token-3']);
  });

  it('renews the token once and tries again after a 401', async () => {
    const { url, requests } = await serve((req, res) =>
      req.headers.authorization === 'Bearer token-1' ? sendJson(res, 401, { code: 800001, description: 'expired' }) : sendJson(res, 200, batch()),
    );
    const credential = shortLived(3_600_000);
    await expect(clientOf(url, { credential, token: undefined, retry: false }).getBatchStatus(CUSTOMER, BATCH)).resolves.toMatchObject({ status: 'queued' });
    expect(requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(new Set(requests.map((r) => r.headers['ms-requestid'])).size).toBe(1);
  });

  it('gives the 401 back when the new token is refused too', async () => {
    const { url, requests } = await serve((_req, res) => sendJson(res, 401, { code: 800001, description: 'no' }));
    const credential = shortLived(3_600_000);
    const error = await rejection(clientOf(url, { credential, token: undefined }).getBatchStatus(CUSTOMER, BATCH));
    expect(error).toMatchObject({ status: 401, attempts: 2 });
    expect(requests).toHaveLength(2);
  });

  it('does not send a fixed token twice after a 401', async () => {
    const { url, requests } = await serve((_req, res) => sendJson(res, 401, { code: 800001, description: 'no' }));
    expect(await rejection(clientOf(url, { token: 'fixed' }).getBatchStatus(CUSTOMER, BATCH))).toMatchObject({ status: 401, attempts: 1 });
    expect(requests).toHaveLength(1);
  });
});
