/** Injected faults and the recurring fault patterns of the built-in scenarios. */
import { describe, expect, it } from 'vitest';
import { scenarios } from '../src/index.js';
import { get, json, startTestSimulator, untilRequests, type TestSimulator } from './support/http.js';

async function withBatch(name: 'clean' | 'throttled' | 'flaky' | 'slow' | 'malformed' = 'clean') {
  const sim = await startTestSimulator();
  const batch = sim.addBatch(name);
  return { sim, path: batch.statusPath, trackingId: batch.trackingId };
}

/** Status of each poll, or 0 when the connection was reset. */
async function statuses(sim: TestSimulator, path: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++)
    out.push(
      await get(sim, path).then(
        (r) => r.status,
        () => 0,
      ),
    );
  return out;
}

describe('injectFault', () => {
  it('throttle: 429, Retry-After and the gateway body by default', async () => {
    const { sim, path } = await withBatch();
    sim.injectFault({ kind: 'throttle', retryAfterSeconds: 57 });
    const reply = await get(sim, path);
    expect(reply.status).toBe(429);
    expect(reply.headers['retry-after']).toBe('57');
    expect(json(reply)).toEqual({ statusCode: 429, message: 'Rate limit is exceeded. Try again in 57 seconds.' });
    expect((await get(sim, path)).status).toBe(200);
  });

  it('throttle with an ApiFault body', async () => {
    const { sim, path } = await withBatch();
    sim.injectFault({ kind: 'throttle', retryAfterSeconds: 2, body: 'api-fault' });
    const reply = await get(sim, path);
    expect(reply.status).toBe(429);
    expect(reply.headers['retry-after']).toBe('2');
    expect(json(reply)).toMatchObject({ code: '429', data: [], source: 'PartnerApiServiceControllers' });
  });

  it('status: ApiFault bodies for 500/502/503/504/408, Retry-After only when asked', async () => {
    const { sim, path } = await withBatch();
    for (const status of [500, 502, 503, 504, 408] as const) {
      sim.injectFault({ kind: 'status', status });
      const reply = await get(sim, path);
      expect(reply.status).toBe(status);
      expect(reply.headers['retry-after']).toBeUndefined();
      expect(json(reply)).toMatchObject({ code: expect.any(String), description: expect.any(String), data: [] });
    }
    sim.injectFault({ kind: 'status', status: 500 });
    expect(json(await get(sim, path)).code).toBe('800003');
    sim.injectFault({ kind: 'status', status: 503, retryAfterSeconds: 7 });
    expect((await get(sim, path)).headers['retry-after']).toBe('7');
  });

  it('reset: the connection is destroyed without a response', async () => {
    const { sim, path } = await withBatch();
    sim.injectFault({ kind: 'reset' });
    await expect(get(sim, path)).rejects.toThrow();
    expect(sim.requests.at(-1)!.status).toBe(0);
    expect((await get(sim, path)).status).toBe(200);
  });

  it('malformed: 200 application/json whose body is not JSON', async () => {
    const { sim, path } = await withBatch();
    sim.injectFault({ kind: 'malformed' });
    const reply = await get(sim, path);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.text.startsWith('{')).toBe(true);
    expect(() => JSON.parse(reply.text)).toThrow();
  });

  it('delay: holds the answer in real time, then answers with the status at that moment', async () => {
    const { sim, path } = await withBatch();
    sim.injectFault({ kind: 'delay', ms: 300 });
    let settled = false;
    const pending = get(sim, path).finally(() => {
      settled = true;
    });
    await untilRequests(sim, 1);
    sim.clock.advance(3_600_000); // the virtual clock moving does not release a real-time delay…
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    const reply = await pending;
    expect(reply.status).toBe(200);
    expect(json(reply).status).toBe('finished'); // …and the body reflects the clock when it is finally sent
  });

  it('delay: a client timeout fires before the answer', async () => {
    const { sim, path } = await withBatch();
    sim.injectFault({ kind: 'delay', ms: 10_000 });
    await expect(fetch(`${sim.url}${path}`, { headers: { Authorization: 'Bearer simulator-token' }, signal: AbortSignal.timeout(50) })).rejects.toThrow(
      /timeout|aborted/i,
    );
  });

  it('count applies a fault to several requests; trackingId limits it to one batch', async () => {
    const { sim, path, trackingId } = await withBatch();
    const other = sim.addBatch('clean').statusPath;
    sim.injectFault({ kind: 'status', status: 503 }, { count: 2, trackingId: trackingId.toUpperCase() });
    expect((await get(sim, other)).status).toBe(200);
    expect(await statuses(sim, path, 3)).toEqual([503, 503, 200]);
  });

  it('injected faults come first, then the scenario pattern resumes its own count', async () => {
    const { sim, path } = await withBatch('throttled');
    sim.injectFault({ kind: 'status', status: 500 });
    expect(await statuses(sim, path, 5)).toEqual([500, 429, 200, 200, 429]);
  });

  it('rejects invalid faults with a clear message', async () => {
    const { sim } = await withBatch();
    expect(() => sim.injectFault({ kind: 'explode' } as never)).toThrow(/kind must be one of: throttle, status, reset, delay, malformed/);
    expect(() => sim.injectFault({ kind: 'status', status: 418 } as never)).toThrow(/status must be one of/);
    expect(() => sim.injectFault({ kind: 'throttle' } as never)).toThrow(/retryAfterSeconds must be an integer/);
    expect(() => sim.injectFault({ kind: 'reset' }, { count: 0 })).toThrow(RangeError);
  });
});

describe('scenario fault patterns', () => {
  it('throttled: polls 1, 4, 7, … get 429 with Retry-After: 1 and the gateway body', async () => {
    const { sim, path } = await withBatch('throttled');
    const throttled = await get(sim, path);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect(json(throttled)).toEqual({ statusCode: 429, message: 'Rate limit is exceeded. Try again in 1 seconds.' });
    expect(await statuses(sim, path, 6)).toEqual([200, 200, 429, 200, 200, 429]);
  });

  it('flaky: 5xx bursts and a reset in every 10 polls, never more than 2 failures in a row', async () => {
    const { sim, path } = await withBatch('flaky');
    const cycle = [503, 503, 200, 0, 200, 502, 500, 200, 200, 200];
    expect(await statuses(sim, path, 20)).toEqual([...cycle, ...cycle]);
  });

  it('slow: every answer is delayed, then correct', async () => {
    const { sim, path } = await withBatch('slow');
    expect(scenarios.slow.faults).toEqual([{ every: 1, fault: { kind: 'delay', ms: 1500 } }]);
    const reply = await get(sim, path);
    expect(reply.status).toBe(200);
    expect(json(reply).status).toBe('queued');
  });

  it('malformed: every status answer is broken JSON, other routes are not affected', async () => {
    const { sim, path } = await withBatch('malformed');
    const replies = [await get(sim, path), await get(sim, path)];
    for (const reply of replies) expect(() => JSON.parse(reply.text)).toThrow();
    const unknown = await get(sim, '/v1/customers/x');
    expect(json(unknown).code).toBe('1000');
  });
});
