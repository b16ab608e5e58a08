/**
 * A hostile or broken upstream, and what the proxy passes on of it: bodies of any size, Retry-After values far
 * in the future, 503s that deserve a retry, Partner Center's own faults, and credentials echoed back.
 */
import { describe, expect, it } from 'vitest';
import { createVirtualClock } from '@batchwatch/simulator';
import { SnapshotCache, toSnapshot } from '../src/upstream/cache.js';
import { CUSTOMER, fakeUpstream, KEYS, openEvents, proxyFor, simulator, statusCalls, statusPath, UPSTREAM_TOKEN } from './helpers.js';

const TRACKING = '0127ed8e-ff72-4983-a3d8-e8d8bd378932';
const MB = 1_048_576;

/** Writes `total` bytes of a JSON-ish body in 64 kB chunks, respecting back-pressure; reports whether it got to the end. */
function streamBody(res: import('node:http').ServerResponse, total: number, status = 200): Promise<boolean> {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  const chunk = Buffer.alloc(65_536, 0x20);
  return new Promise((resolve) => {
    let sent = 0;
    res.on('close', () => resolve(res.writableFinished));
    const pump = () => {
      while (sent < total && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
}

describe('a hostile or broken upstream', () => {
  it('stops reading an upstream body past BATCHWATCH_UPSTREAM_MAX_BYTES and answers 502 UpstreamTooLarge', async () => {
    let finished: Promise<boolean> | undefined;
    const upstream = await fakeUpstream((_req, res) => void (finished = streamBody(res, 64 * MB)));
    const proxy = await proxyFor(upstream.url, { BATCHWATCH_UPSTREAM_MAX_BYTES: String(MB) });
    const res = await proxy.get(statusPath(CUSTOMER, TRACKING));
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'UpstreamTooLarge', source: 'batchwatch-proxy' });
    expect(await finished).toBe(false); // the proxy hung up long before the 64 MB were sent
  });

  it('refuses a declared Content-Length over the cap without reading the body', async () => {
    const upstream = await fakeUpstream((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(200 * MB) });
      res.write('{');
    });
    const proxy = await proxyFor(upstream.url, { BATCHWATCH_UPSTREAM_MAX_BYTES: String(MB) });
    const res = await proxy.get(statusPath(CUSTOMER, TRACKING));
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'UpstreamTooLarge' });
  });

  it('keeps a huge non-batch body out of the logs: every line stays short', async () => {
    const page = `<html>${'x'.repeat(500_000)}</html>`;
    const upstream = await fakeUpstream((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/html' });
      res.end(page);
    });
    const proxy = await proxyFor(upstream.url);
    const res = await proxy.get(statusPath(CUSTOMER, TRACKING));
    expect(res.status).toBe(502);
    expect(JSON.stringify(await res.json())).not.toContain('xxxx');
    expect(proxy.logs.length).toBeGreaterThan(0);
    expect(Math.max(...proxy.logs.map((line) => line.length))).toBeLessThan(8_192);
  });

  it('bounds the cache by body bytes as well as by entries', () => {
    const cache = new SnapshotCache({ ttlMs: 1_000, terminalTtlMs: 1_000, staleMs: 0, maxEntries: 100, maxBytes: 1_000 });
    const details = (n: number) => ({ raw: { id: n, pad: 'p'.repeat(380) }, status: 'processing', devices: [] }) as never;
    for (let n = 0; n < 5; n++) cache.set(`k${n}`, toSnapshot(details(n), 0));
    expect(cache.bytes).toBeLessThanOrEqual(1_000);
    expect(cache.size).toBe(2);
    expect(cache.get('k4')).toBeDefined(); // the most recent stay
    expect(cache.get('k0')).toBeUndefined();
    cache.set('huge', toSnapshot({ raw: { pad: 'p'.repeat(2_000) }, status: 'processing', devices: [] } as never, 0));
    expect(cache.get('huge')).toBeUndefined(); // larger than the whole budget: served, never kept
    expect(cache.size).toBe(2);
  });

  it('caps a Retry-After far in the future (an HTTP date in 2099) by BATCHWATCH_MAX_BACKOFF_MS, for GETs and pollers', async () => {
    const upstream = await fakeUpstream((_req, res) => {
      res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': 'Thu, 01 Jan 2099 00:00:00 GMT' });
      res.end(JSON.stringify({ statusCode: 429, message: 'Rate limit is exceeded' }));
    });
    const proxy = await proxyFor(upstream.url, { BATCHWATCH_MAX_BACKOFF_MS: '5000' });
    const res = await proxy.get(statusPath(CUSTOMER, TRACKING));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(5);

    const other = '1c9a4f2e-7b6d-4e3f-9a8b-2c1d0e9f8a7b';
    const events = await openEvents(`${proxy.url}${statusPath(CUSTOMER, other)}/events`, { Authorization: `Bearer ${KEYS.tui}` });
    const first = await events.next();
    expect(first.event).toBe('retrying');
    expect(first.json.retryInMs).toBeLessThanOrEqual(5_000);
    expect(upstream.hits.filter((req) => req.url?.includes(other))).toHaveLength(1);
    events.close();
  });

  it('retries a 503 with Retry-After: 1 (as the simulator’s flaky scenario sends) instead of answering 502', async () => {
    const clock = createVirtualClock();
    const sim = await simulator({ clock });
    const { trackingId } = sim.addBatch('clean');
    const proxy = await proxyFor(sim.url, { BATCHWATCH_UPSTREAM_ATTEMPTS: '2' });
    sim.injectFault({ kind: 'status', status: 503, retryAfterSeconds: 1 });
    const res = await proxy.get(statusPath(CUSTOMER, trackingId));
    expect(res.status).toBe(200);
    expect(statusCalls(sim, trackingId)).toHaveLength(2);
  });
});

describe('errors keep their meaning, and nothing secret leaks', () => {
  it('passes a Partner Center ApiFault (4xx) through as sent: status, code, description, data, source', async () => {
    const fault = { code: 1000, description: 'Batch tracking id was not found', data: ['detail'], source: 'PartnerFD' };
    const upstream = await fakeUpstream((_req, res) => {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(fault));
    });
    const proxy = await proxyFor(upstream.url);
    const res = await proxy.get(statusPath(CUSTOMER, TRACKING));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual(fault);
    expect(res.headers.get('ms-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never copies a body that is not a well-formed ApiFault; the proxy’s own fault says source batchwatch-proxy', async () => {
    const upstream = await fakeUpstream((_req, res) => {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html><body>Not found on server-7</body></html>');
    });
    const proxy = await proxyFor(upstream.url);
    const res = await proxy.get(statusPath(CUSTOMER, TRACKING));
    expect(res.status).toBe(404);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'UpstreamNotFound', source: 'batchwatch-proxy' });
    expect(JSON.stringify(body)).not.toContain('server-7');
  });

  it('redacts its upstream token from what it passes on and logs, whatever the upstream echoes', async () => {
    const upstream = await fakeUpstream((req, res) => {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ code: 'BadRequest', description: `rejected ${req.headers.authorization}`, data: [`raw token ${UPSTREAM_TOKEN}`] }));
    });
    const proxy = await proxyFor(upstream.url);
    const res = await proxy.get(statusPath(CUSTOMER, TRACKING));
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('rejected');
    expect(text).not.toContain(UPSTREAM_TOKEN);
    expect(proxy.logs.join('\n')).not.toContain(UPSTREAM_TOKEN);
    // And when the echo comes with a 5xx, it reaches the logs only redacted.
    const failing = await fakeUpstream((req, res) => {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ code: 'Oops', description: `seen ${req.headers.authorization}` }));
    });
    const second = await proxyFor(failing.url);
    expect((await second.get(statusPath(CUSTOMER, TRACKING))).status).toBe(502);
    expect(second.logs.join('\n')).not.toContain(UPSTREAM_TOKEN);
    expect(second.logs.join('\n')).toContain('[redacted]');
  });

  it('redacts query strings in access logs', async () => {
    const sim = await simulator();
    const proxy = await proxyFor(sim.url);
    await proxy.get(`${statusPath(CUSTOMER, TRACKING)}?access_token=very-secret-value`);
    await proxy.get(`/nope?access_token=very-secret-value`);
    await proxy.close();
    expect(proxy.logs.join('\n')).toContain('?[redacted]');
    expect(proxy.logs.join('\n')).not.toContain('very-secret-value');
  });
});
