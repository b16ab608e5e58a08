import { afterEach, describe, expect, it } from 'vitest';
import type { TokenCredential } from '@azure/core-auth';
import {
  createBatchStatusClient,
  PartnerCenterError,
  type BatchStatusClientOptions,
  type WatchEvent,
  type WatchOptions,
  type WatchRetryEvent,
} from '../src/index.js';
import { BATCH, batch, CUSTOMER, rejection, sendJson, startServer, type Handler, type TinyServer } from './tiny-server.js';

let server: TinyServer | undefined;
afterEach(() => server?.close());

/** Answers the n-th poll with `script[n - 1]` (the last entry repeats). */
async function serveScript(script: Array<Handler | object>) {
  server = await startServer((req, res, n) => {
    const step = script[Math.min(n, script.length) - 1]!;
    if (typeof step === 'function') (step as Handler)(req, res, n);
    else sendJson(res, 200, step);
  });
  return server;
}
const status =
  (code: number, headers: Record<string, string> = {}): Handler =>
  (_req, res) =>
    sendJson(res, code, { code, description: `HTTP ${code}` }, headers);

async function watch(url: string, options: WatchOptions = {}, client: BatchStatusClientOptions = {}): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const c = createBatchStatusClient({ baseUrl: url, token: 't', retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...client });
  for await (const event of c.watchBatchStatus(CUSTOMER, BATCH, { intervalMs: 1, maxIntervalMs: 1, ...options })) events.push(event);
  return events;
}
const retries = (events: WatchEvent[]) => events.filter((e): e is WatchRetryEvent => e.type === 'retrying');
const finished = batch('finished', { completedTime: '2026-01-01T00:10:00' });

describe('watch() through an outage', () => {
  it('waits longer as failures go on, by the client’s retry policy, never sooner than the interval', async () => {
    const { url } = await serveScript([batch('processing'), ...Array(6).fill(status(503)), finished]);
    const events = await watch(url, { intervalMs: 10, maxIntervalMs: 10 }, { retry: { baseDelayMs: 20, maxDelayMs: 160, maxRetryAfterMs: 1_000 } });
    const waits = retries(events).map((e) => e.retryInMs);
    expect(waits).toHaveLength(6);
    expect(waits.every((ms) => ms >= 10 && ms <= 160)).toBe(true);
    expect(waits[0]).toBeLessThanOrEqual(20); // first back-off: 10–20 ms
    expect(waits[5]).toBeGreaterThanOrEqual(80); // sixth: 80–160 ms
    expect(events.at(-1)).toMatchObject({ type: 'batch-status', to: 'finished' });
  });

  it('never polls sooner than the normal interval after a failure', async () => {
    const { url } = await serveScript([batch('processing'), status(503), finished]);
    const events = await watch(url, { intervalMs: 1_200, maxIntervalMs: 1_200 });
    expect(retries(events).map((e) => e.retryInMs)).toEqual([1_200]);
  });

  it('applies one large Retry-After once, and is back to its own pace after recovery', async () => {
    const { url } = await serveScript([batch('processing'), status(429, { 'retry-after': '1' }), batch('processing'), status(503), finished]);
    const events = await watch(url, { intervalMs: 5, maxIntervalMs: 5 }, { retry: { baseDelayMs: 5, maxDelayMs: 20 } });
    expect(retries(events).map((e) => e.retryInMs)).toEqual([1_000, expect.any(Number)]);
    expect(retries(events)[1]!.retryInMs).toBeLessThanOrEqual(20);
  });

  it('caps a huge Retry-After at maxRetryAfterMs', async () => {
    const { url } = await serveScript([status(429, { 'retry-after': '9999999999' }), finished]);
    const events = await watch(url, {}, { retry: { maxRetryAfterMs: 30 } });
    expect(retries(events).map((e) => e.retryInMs)).toEqual([30]);
  });
});

describe('watch() and statuses it does not recognise', () => {
  it('ends on an unrecognised status with a completedTime, reporting the raw status', async () => {
    const { url, requests } = await serveScript([batch('processing'), batch('Cancelled', { completedTime: '2026-01-01T00:10:00' }), status(404)]);
    const events = await watch(url);
    expect(events.at(-1)).toMatchObject({ type: 'batch-status', from: 'processing', to: 'unknown', snapshot: { rawStatus: 'Cancelled' } });
    expect(requests).toHaveLength(2);
  });

  it('keeps following an unrecognised status without a completedTime, and surfaces it', async () => {
    const { url } = await serveScript([batch('processing'), batch('Paused'), batch('Paused'), finished]);
    const events = await watch(url);
    const statuses = events.filter((e) => e.type === 'batch-status');
    expect(statuses).toMatchObject([
      { to: 'unknown', snapshot: { rawStatus: 'Paused' } },
      { from: 'unknown', to: 'finished' },
    ]);
  });
});

describe('watch() and duplicated devices', () => {
  const twins = (first: string, second: string) => [
    { serialNumber: 'SN1', productKey: 'PK1', status: first },
    { serialNumber: 'SN1', productKey: 'PK1', status: second, ...(second === 'finished_with_errors' ? { errorCode: 'ZtdDeviceDuplicated' } : {}) },
  ];

  it('gives each transition exactly once when two devices share a serial number and product key', async () => {
    const settled = batch('processing', { devicesStatus: twins('finished', 'finished_with_errors') });
    const { url } = await serveScript([
      batch('processing', { devicesStatus: twins('processing', 'processing') }),
      settled,
      settled,
      settled,
      batch('finished', { devicesStatus: twins('finished', 'finished_with_errors'), completedTime: '2026-01-01T00:10:00' }),
    ]);
    const events = await watch(url);
    const deviceEvents = events.filter((e) => e.type === 'device-status');
    expect(deviceEvents.map((e) => (e.type === 'device-status' ? [e.device.key, e.from, e.device.status] : []))).toEqual([
      ['SN1|PK1', 'processing', 'finished'],
      ['SN1|PK1#2', 'processing', 'finished_with_errors'],
    ]);
    expect(events.map((e) => e.type)).toEqual(['snapshot', 'device-status', 'device-status', 'batch-status']);
  });
});

describe('watch() and single transient faults', () => {
  it.each<[string, Handler]>([
    [
      'cut short of its Content-Length',
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write('{"batchTrackingId":"');
        setImmediate(() => res.destroy());
      },
    ],
    [
      'ending mid-JSON (chunked, as a proxy cut it)',
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(batch('processing')).slice(0, 25));
      },
    ],
  ])('retries a truncated body (%s) like a 5xx', async (_, truncated) => {
    const { url } = await serveScript([batch('processing'), truncated, finished]);
    const events = await watch(url);
    expect(retries(events)).toHaveLength(1);
    expect(retries(events)[0]!.error).toMatchObject({ retryable: true });
    expect(events.at(-1)).toMatchObject({ type: 'batch-status', to: 'finished' });
  });

  it('retries one failed token refresh over the network like a 5xx', async () => {
    const { url } = await serveScript([batch('processing'), finished]);
    const closed = await startServer(() => {});
    await closed.close();
    let calls = 0;
    // The second refresh fails in transit (a real refused connection), the third works.
    const credential: TokenCredential = {
      async getToken() {
        calls += 1;
        if (calls === 2) await fetch(`${closed.url}/token`);
        return { token: 't', expiresOnTimestamp: Date.now() + 1_000 }; // inside the renewal margin: a refresh per poll
      },
    };
    const events = await watch(url, {}, { credential, token: undefined });
    expect(retries(events)).toHaveLength(1);
    expect(retries(events)[0]!.error).toMatchObject({ kind: 'auth', retryable: true });
    expect(events.at(-1)).toMatchObject({ type: 'batch-status', to: 'finished' });
  });

  it('still ends on a refusal from the credential', async () => {
    const { url } = await serveScript([batch('processing')]);
    const credential: TokenCredential = { getToken: async () => Promise.reject(new Error('AADSTS7000215: Invalid client secret')) };
    expect(await rejection(watch(url, {}, { credential, token: undefined }))).toMatchObject({ kind: 'auth', retryable: false });
  });
});

describe('watch() giving up', () => {
  it('ends with a timeout error that is not retryable', async () => {
    const { url } = await serveScript([batch('processing')]);
    const error = await rejection(watch(url, { intervalMs: 10, maxIntervalMs: 10, timeoutMs: 100 }));
    expect(error).toBeInstanceOf(PartnerCenterError);
    expect(error).toMatchObject({ kind: 'timeout', retryable: false });
  });
});
