import { describe, expect, it } from 'vitest';
import { createVirtualClock } from '@batchwatch/simulator';
import { CUSTOMER, eventually, fakeUpstream, KEYS, proxyFor, simulator, statusCalls, statusPath } from './helpers.js';

const BATCH = '0127ed8e-ff72-4983-a3d8-e8d8bd378932';

async function setup(env: Record<string, string> = {}, now?: () => number) {
  const clock = createVirtualClock();
  const sim = await simulator({ clock });
  const batch = sim.addBatch('clean');
  const proxy = await proxyFor(sim.url, env, now ? { now } : {});
  return { clock, sim, batch, proxy, path: statusPath(CUSTOMER, batch.trackingId) };
}

describe('coalescing', () => {
  const processing = JSON.stringify({ batchTrackingId: BATCH, status: 'processing', devicesStatus: [] });
  const path = statusPath(CUSTOMER, BATCH);

  /** Resolves once the proxy has coalesced `n` requests in all: every caller is then waiting on one call. */
  const coalesced = (proxy: Awaited<ReturnType<typeof proxyFor>>, n: number) =>
    eventually(
      async () => new RegExp(`^batchwatch_proxy_coalesced_requests_total ${n}$`, 'm').test(await (await proxy.get('/metrics')).text()),
      `${n} coalesced`,
    );

  it('makes ONE upstream call for 50 concurrent identical requests (ids in any letter case)', async () => {
    // Upstream holds its answer until all 50 requests wait on the proxy, however slowly a loaded machine sends them.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const upstream = await fakeUpstream((_req, res) => void released.then(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end(processing)));
    const proxy = await proxyFor(upstream.url, { BATCHWATCH_CACHE_TTL_MS: '0' });
    const upper = statusPath(CUSTOMER.toUpperCase(), BATCH.toUpperCase());
    const pending = Promise.all(Array.from({ length: 50 }, (_, i) => proxy.get(i % 2 ? upper : path)));
    await coalesced(proxy, 49);
    release();
    const responses = await pending;
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(new Set(bodies).size).toBe(1);
    expect(upstream.hits).toHaveLength(1);
    const outcomes = responses.map((r) => r.headers.get('x-batchwatch-cache'));
    expect(outcomes.filter((o) => o === 'miss')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'coalesced')).toHaveLength(49);
  });

  it('shares failures too: concurrent callers of a failing upstream cause one call, and each gets the stale snapshot', async () => {
    let fail!: () => void;
    const failing = new Promise<void>((resolve) => (fail = resolve));
    const upstream = await fakeUpstream((_req, res) => {
      if (upstream.hits.length === 1) return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(processing);
      void failing.then(() => res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"code":"800003","description":"boom"}'));
    });
    const proxy = await proxyFor(upstream.url, { BATCHWATCH_CACHE_TTL_MS: '0' });
    expect((await proxy.get(path)).status).toBe(200);
    const pending = Promise.all(Array.from({ length: 10 }, () => proxy.get(path)));
    await coalesced(proxy, 9);
    fail();
    const answers = await pending;
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(answers.every((r) => r.headers.get('x-batchwatch-stale') === 'upstream-error')).toBe(true);
    expect(upstream.hits).toHaveLength(2);
  });
});

describe('status-aware caching', () => {
  it('keeps a running batch for the short TTL and a finished one for the long TTL', async () => {
    let now = 1_000_000;
    const { clock, sim, batch, proxy, path } = await setup({ BATCHWATCH_CACHE_TTL_MS: '1000', BATCHWATCH_CACHE_TERMINAL_TTL_MS: '100000' }, () => now);
    const calls = () => statusCalls(sim, batch.trackingId).length;
    expect((await proxy.get(path)).headers.get('x-batchwatch-cache')).toBe('miss');
    expect((await proxy.get(path)).headers.get('x-batchwatch-cache')).toBe('hit');
    expect(calls()).toBe(1);
    now += 1_500;
    expect((await proxy.get(path)).headers.get('x-batchwatch-cache')).toBe('miss');
    expect(calls()).toBe(2);

    clock.advance(60_000); // the batch finishes upstream
    now += 1_500;
    const finished = await proxy.get(path);
    expect(((await finished.json()) as any).status).toBe('finished');
    now += 50_000; // far beyond the running TTL, within the terminal one
    expect((await proxy.get(path)).headers.get('x-batchwatch-cache')).toBe('hit');
    expect(calls()).toBe(3);
  });
});

describe('ETag / If-None-Match', () => {
  it('answers 304 without a body for the current ETag, 200 for another or after a change', async () => {
    const { clock, proxy, path } = await setup({ BATCHWATCH_CACHE_TTL_MS: '0' });
    const first = await proxy.get(path);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    await first.text();

    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await proxy.get(path, { headers: { 'If-None-Match': header } });
      expect(res.status, header).toBe(304);
      expect(await res.text()).toBe('');
      expect(res.headers.get('etag')).toBe(etag);
    }
    expect((await proxy.get(path, { headers: { 'If-None-Match': '"something-else"' } })).status).toBe(200);

    clock.advance(5_000); // processing now: a new body, a new ETag
    const changed = await proxy.get(path, { headers: { 'If-None-Match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(((await changed.json()) as any).status).toBe('processing');
  });

  it('gives equal bodies equal ETags (a strong validator of the bytes)', async () => {
    const { proxy, path } = await setup({ BATCHWATCH_CACHE_TTL_MS: '0' });
    const a = await proxy.get(path);
    const b = await proxy.get(path, { key: KEYS.all });
    expect(await a.text()).toBe(await b.text());
    expect(a.headers.get('etag')).toBe(b.headers.get('etag'));
  });
});
