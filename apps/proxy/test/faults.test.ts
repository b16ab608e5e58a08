import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createVirtualClock } from '@batchwatch/simulator';
import { CUSTOMER, expectFault, fakeUpstream, proxyFor, simulator, statusCalls, statusPath } from './helpers.js';

const TRACKING = '0127ed8e-ff72-4983-a3d8-e8d8bd378932';

async function clockedSim() {
  const clock = createVirtualClock();
  const sim = await simulator({ clock });
  const batch = sim.addBatch('clean');
  return { sim, clock, ...batch };
}

describe('upstream faults, in the caller’s terms', () => {
  it('answers 504 when the upstream does not answer in time', async () => {
    const { sim, trackingId } = await clockedSim();
    const proxy = await proxyFor(sim.url, { BATCHWATCH_UPSTREAM_TIMEOUT_MS: '100' });
    sim.injectFault({ kind: 'delay', ms: 1_000 });
    await expectFault(await proxy.get(statusPath(CUSTOMER, trackingId)), 504, 'UpstreamTimeout');
  });

  it('answers 502 when the connection is reset', async () => {
    const { sim, trackingId } = await clockedSim();
    const proxy = await proxyFor(sim.url);
    sim.injectFault({ kind: 'reset' });
    await expectFault(await proxy.get(statusPath(CUSTOMER, trackingId)), 502, 'UpstreamUnreachable');
  });

  it('answers 502 when nothing listens upstream', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const proxy = await proxyFor(`http://127.0.0.1:${port}`);
    await expectFault(await proxy.get(statusPath(CUSTOMER, TRACKING)), 502, 'UpstreamUnreachable');
  });

  it('answers 502 for a malformed upstream body (invalid JSON)', async () => {
    const { sim, trackingId } = await clockedSim();
    const proxy = await proxyFor(sim.url);
    sim.injectFault({ kind: 'malformed' });
    await expectFault(await proxy.get(statusPath(CUSTOMER, trackingId)), 502, 'UpstreamMalformed');
  });

  it('answers 502 for JSON that is not a BatchUploadDetails', async () => {
    const upstream = await fakeUpstream((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('[{"status":"finished"}]');
    });
    const proxy = await proxyFor(upstream.url);
    await expectFault(await proxy.get(statusPath(CUSTOMER, TRACKING)), 502, 'UpstreamMalformed');
  });

  it('answers 502 when upstream refuses the proxy’s own credentials (401), without blaming the caller', async () => {
    const { sim, trackingId } = await clockedSim();
    const proxy = await proxyFor(sim.url, { BATCHWATCH_UPSTREAM_TOKEN: 'a-wrong-upstream-token' });
    const res = await proxy.get(statusPath(CUSTOMER, trackingId));
    await expectFault(res, 502, 'UpstreamAuthFailed');
    expect(res.headers.get('www-authenticate')).toBeNull();
  });

  it('answers 502 when upstream says the proxy may not read the customer (403)', async () => {
    const upstream = await fakeUpstream((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ code: '20002', description: 'no relationship', source: 'PartnerApiServiceControllers' }));
    });
    const proxy = await proxyFor(upstream.url);
    const body = await expectFault(await proxy.get(statusPath(CUSTOMER, TRACKING)), 502, 'UpstreamAuthFailed');
    expect(body.description).not.toContain('no relationship'); // upstream bodies are not reflected
  });

  it('retries 5xx within bounds: two 503s then success is a 200 after three upstream calls', async () => {
    const { sim, trackingId } = await clockedSim();
    const proxy = await proxyFor(sim.url, { BATCHWATCH_UPSTREAM_ATTEMPTS: '3' });
    sim.injectFault({ kind: 'status', status: 503 }, { count: 2 });
    const res = await proxy.get(statusPath(CUSTOMER, trackingId));
    expect(res.status).toBe(200);
    expect(statusCalls(sim, trackingId)).toHaveLength(3);
  });

  it('gives up after the configured attempts with 502', async () => {
    const { sim, trackingId } = await clockedSim();
    const proxy = await proxyFor(sim.url, { BATCHWATCH_UPSTREAM_ATTEMPTS: '2' });
    sim.injectFault({ kind: 'status', status: 500 }, { count: 5 });
    await expectFault(await proxy.get(statusPath(CUSTOMER, trackingId)), 502, 'UpstreamError');
    expect(statusCalls(sim, trackingId)).toHaveLength(2);
  });

  it('answers 429 with Retry-After when throttled and nothing is cached, and backs off without calling again', async () => {
    const { sim, trackingId } = await clockedSim();
    const proxy = await proxyFor(sim.url);
    sim.injectFault({ kind: 'throttle', retryAfterSeconds: 7 });
    const first = await proxy.get(statusPath(CUSTOMER, trackingId));
    await expectFault(first, 429, 'UpstreamThrottled');
    expect(first.headers.get('retry-after')).toBe('7');

    const second = await proxy.get(statusPath(CUSTOMER, trackingId));
    await expectFault(second, 429, 'UpstreamThrottled');
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(second.headers.get('retry-after'))).toBeLessThanOrEqual(7);
    expect(statusCalls(sim, trackingId)).toHaveLength(1);
  });

  it('answers from cache, marked stale, when throttled with a snapshot at hand', async () => {
    const { sim, trackingId } = await clockedSim();
    // TTL 0: every lookup goes upstream, but a snapshot stays usable as a stale fallback.
    const proxy = await proxyFor(sim.url, { BATCHWATCH_CACHE_TTL_MS: '0' });
    const fresh = await proxy.get(statusPath(CUSTOMER, trackingId));
    expect(fresh.status).toBe(200);
    const body = await fresh.json();

    sim.injectFault({ kind: 'throttle', retryAfterSeconds: 30 });
    const stale = await proxy.get(statusPath(CUSTOMER, trackingId));
    expect(stale.status).toBe(200);
    expect(stale.headers.get('x-batchwatch-cache')).toBe('stale');
    expect(stale.headers.get('x-batchwatch-stale')).toBe('upstream-throttled');
    expect(stale.headers.get('age')).toMatch(/^\d+$/);
    expect((await stale.json()) as any).toEqual(body);

    const during = await proxy.get(statusPath(CUSTOMER, trackingId));
    expect(during.headers.get('x-batchwatch-stale')).toBe('upstream-throttled');
    expect(statusCalls(sim, trackingId)).toHaveLength(2); // the back-off window makes no calls
  });

  it('serves stale data when upstream fails with 5xx, and says so', async () => {
    const { sim, trackingId } = await clockedSim();
    const proxy = await proxyFor(sim.url, { BATCHWATCH_CACHE_TTL_MS: '0' });
    expect((await proxy.get(statusPath(CUSTOMER, trackingId))).status).toBe(200);
    sim.injectFault({ kind: 'status', status: 503 });
    const res = await proxy.get(statusPath(CUSTOMER, trackingId));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-batchwatch-stale')).toBe('upstream-error');
    sim.injectFault({ kind: 'delay', ms: 1_000 });
    const slow = await (await proxyFor(sim.url, { BATCHWATCH_CACHE_TTL_MS: '0', BATCHWATCH_UPSTREAM_TIMEOUT_MS: '50' })).get(statusPath(CUSTOMER, trackingId));
    expect(slow.status).toBe(504); // a fresh proxy has no snapshot to fall back on
  });

  it('does not serve stale data past BATCHWATCH_CACHE_STALE_MS', async () => {
    const { sim, trackingId } = await clockedSim();
    let now = 1_000_000;
    const proxy = await proxyFor(sim.url, { BATCHWATCH_CACHE_TTL_MS: '0', BATCHWATCH_CACHE_STALE_MS: '1000' }, { now: () => now });
    expect((await proxy.get(statusPath(CUSTOMER, trackingId))).status).toBe(200);
    now += 5_000;
    sim.injectFault({ kind: 'status', status: 503 });
    await expectFault(await proxy.get(statusPath(CUSTOMER, trackingId)), 502, 'UpstreamError');
  });

  it('passes an upstream 404 through as 404 and never serves a stale body for it', async () => {
    const sim = await simulator();
    const proxy = await proxyFor(sim.url);
    const res = await proxy.get(statusPath(CUSTOMER, TRACKING));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: '1000', source: 'PartnerApiServiceControllers' });
  });
});
