/**
 * Several proxies (in this process, each with its own app, store and hub) sharing one real redis-server, in
 * front of the simulator: what a fleet shares, and how it behaves when Redis goes away, comes back, or is
 * slow. The multi-process test (fleet-processes.test.ts) kills a real replica.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createVirtualClock, type VirtualClock } from '@batchwatch/simulator';
import {
  CUSTOMER,
  defer,
  eventually,
  expectFault,
  KEYS,
  openEvents,
  proxyFor,
  readUntil,
  simulator,
  statusCalls,
  statusPath,
  UPSTREAM_TOKEN,
  type SseEvent,
  type TestProxy,
} from './helpers.js';
import { startRedis, type TestRedis } from './redis-server.js';

const auth = { Authorization: `Bearer ${KEYS.tui}` };
let redis: TestRedis;
let fleetCounter = 0;

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await redis.stop();
}, 30_000);

async function fleet(count: number, env: Record<string, string> = {}, clock: VirtualClock = createVirtualClock(), redisUrl = redis.url) {
  const sim = await simulator({ clock });
  const prefix = `fleet${++fleetCounter}`;
  const fleetEnv = {
    BATCHWATCH_REDIS_URL: redisUrl,
    BATCHWATCH_REDIS_PREFIX: prefix,
    BATCHWATCH_LEASE_TTL_MS: '2000',
    BATCHWATCH_REDIS_TIMEOUT_MS: '3000',
    ...env,
  };
  const replicas: TestProxy[] = [];
  for (let i = 0; i < count; i++) replicas.push(await proxyFor(sim.url, fleetEnv));
  return { sim, clock, prefix, replicas };
}

async function readiness(proxy: TestProxy): Promise<string> {
  return ((await (await proxy.get('/readyz')).json()) as { status: string }).status;
}

const eventsPath = (trackingId: string) => `${statusPath(CUSTOMER, trackingId)}/events`;

/** A counter or gauge of a replica's /metrics (0 when absent). */
async function metric(proxy: TestProxy, name: string): Promise<number> {
  const text = await (await proxy.get('/metrics')).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
}

/**
 * 10 calls per hour for the fleet: a burst of 2 tokens (the last 0.4 only for caller GETs) and a refill too slow
 * to matter during a test, so every count below is exact.
 */
const TINY_BUDGET = { BATCHWATCH_UPSTREAM_BUDGET: '10', BATCHWATCH_UPSTREAM_BUDGET_WINDOW_MS: '3600000' };

describe('a fleet on Redis', { timeout: 60_000 }, () => {
  it('shares the snapshot cache: a batch fetched by one replica is a hit on the others, with the same ETag', async () => {
    const { sim, replicas } = await fleet(3);
    const batch = sim.addBatch('clean');
    const first = await replicas[0]!.get(statusPath(CUSTOMER, batch.trackingId));
    expect(first.headers.get('x-batchwatch-cache')).toBe('miss');
    for (const other of replicas.slice(1)) {
      const res = await other.get(statusPath(CUSTOMER, batch.trackingId));
      expect(res.headers.get('x-batchwatch-cache')).toBe('hit');
      expect(res.headers.get('etag')).toBe(first.headers.get('etag'));
      expect(await res.text()).toBe(await (await replicas[0]!.get(statusPath(CUSTOMER, batch.trackingId))).text());
    }
    expect(statusCalls(sim, batch.trackingId)).toHaveLength(1);
  });

  it('polls a batch once for the whole fleet, and every subscriber on every replica sees the same events, ids and end', async () => {
    const { sim, clock, replicas } = await fleet(3);
    const batch = sim.addBatch('clean');
    const readers = await Promise.all(replicas.flatMap((proxy) => [0, 1].map(() => openEvents(`${proxy.url}${eventsPath(batch.trackingId)}`, auth))));
    const firsts = await Promise.all(readers.map((reader) => reader.next()));
    expect(firsts.map((event) => [event.event, event.id])).toEqual(readers.map(() => ['snapshot', '1']));
    const holders = replicas.filter((proxy) => (proxy.proxy.hub.poller(CUSTOMER, batch.trackingId) as { role?: string } | undefined)?.role === 'holder');
    expect(holders).toHaveLength(1);

    clock.advance(60_000);
    const all = await Promise.all(readers.map(async (reader, i) => [firsts[i]!, ...(await readUntil(reader, (e) => e.event === 'done'))]));
    const reference = all[0]!.map((event) => `${event.id} ${event.data}`);
    expect(reference.length).toBeGreaterThan(3);
    for (const events of all) expect(events.map((event) => `${event.id} ${event.data}`)).toEqual(reference);
    all[0]!.forEach((event, index) => expect(event.id).toBe(String(index + 1)));
    await Promise.all(readers.map((reader) => reader.ended));
    // One poller for the fleet: the batch was polled by the holder only (its polls are one interval apart).
    const metrics = await Promise.all(
      replicas.map(
        async (proxy) => (await (await proxy.get('/metrics')).text()).match(/^batchwatch_proxy_upstream_requests_total\{status_code="200"\} (\d+)$/m)?.[1],
      ),
    );
    expect(metrics.filter((count) => count !== undefined && Number(count) > 0)).toHaveLength(1);
  });

  it('resumes on ANY replica with Last-Event-ID: exactly the missed events, no gap, no duplicate', async () => {
    const { sim, clock, replicas } = await fleet(2);
    const batch = sim.addBatch('clean');
    const [a, b] = replicas as [TestProxy, TestProxy];
    const keeper = await openEvents(`${b.url}${eventsPath(batch.trackingId)}`, auth); // keeps the batch watched
    const reader = await openEvents(`${a.url}${eventsPath(batch.trackingId)}`, auth);
    const seen = [await reader.next()];
    await keeper.next();
    clock.advance(2_500);
    seen.push(...(await readUntil(reader, (e) => e.event === 'batch-status')));
    reader.close();
    const lastId = seen.at(-1)!.id!;

    clock.advance(60_000); // devices appear and finish while the client is away
    const keeperEvents = await readUntil(keeper, (e) => e.event === 'done');
    const resumed = await openEvents(`${b.url}${eventsPath(batch.trackingId)}`, { ...auth, 'Last-Event-ID': lastId });
    const missed = [await resumed.next(), ...(await resumed.rest())];
    const expected = keeperEvents.filter((e) => Number(e.id) > Number(lastId));
    expect(missed.map((e) => `${e.id} ${e.data}`)).toEqual(expected.map((e) => `${e.id} ${e.data}`));
    expect(missed.at(-1)?.event).toBe('done');
  });

  it('takes over when the lease holder goes away, losing and repeating nothing', async () => {
    const { sim, clock, replicas } = await fleet(2);
    const batch = sim.addBatch('clean');
    const readers = await Promise.all(replicas.map((proxy) => openEvents(`${proxy.url}${eventsPath(batch.trackingId)}`, auth)));
    await Promise.all(readers.map((reader) => reader.next()));
    const holderIndex = replicas.findIndex((proxy) => (proxy.proxy.hub.poller(CUSTOMER, batch.trackingId) as { role?: string } | undefined)?.role === 'holder');
    expect(holderIndex).toBeGreaterThanOrEqual(0);
    const survivor = readers[1 - holderIndex]!;
    // The holder shuts down (its stream ends); the batch moves on meanwhile.
    await replicas[holderIndex]!.close();
    clock.advance(2_500);
    const rest = await readUntil(survivor, (e) => e.event === 'batch-status');
    clock.advance(60_000);
    rest.push(...(await readUntil(survivor, (e) => e.event === 'done')));
    const ids = rest.map((e) => Number(e.id));
    expect(ids).toEqual(ids.map((_, i) => 2 + i)); // consecutive after the snapshot (id 1)
    expect(rest.filter((e) => e.event === 'batch-status').map((e) => e.json.to)).toEqual(['processing', 'finished']);
  });

  it('shares per-caller rate limits across replicas', async () => {
    const { replicas, sim } = await fleet(2, { BATCHWATCH_RATE_LIMIT: '3' });
    const batch = sim.addBatch('clean');
    const path = statusPath(CUSTOMER, batch.trackingId);
    const statuses = [];
    for (const proxy of [replicas[0]!, replicas[1]!, replicas[0]!, replicas[1]!]) statuses.push((await proxy.get(path)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('keeps limits fleet-wide while replicas grant without waiting for Redis: a burst spread across two replicas is refused past the limit, within the documented overshoot', async () => {
    const { replicas, sim } = await fleet(2, { BATCHWATCH_RATE_LIMIT: '10' });
    const path = statusPath(CUSTOMER, sim.addBatch('clean').trackingId);
    const burst = await Promise.all(replicas.flatMap((proxy) => Array.from({ length: 20 }, () => proxy.get(path))));
    await Promise.all(burst.map((res) => res.arrayBuffer()));
    expect(burst.filter((res) => res.status !== 200 && res.status !== 429)).toEqual([]);
    // At least the limit, and past it at most half the limit per other replica (README, "Running several
    // replicas"): 10 + (2 − 1) × 5. Each replica limiting on its own would grant 20.
    const granted = burst.filter((res) => res.status === 200).length;
    expect(granted).toBeGreaterThanOrEqual(10);
    expect(granted).toBeLessThanOrEqual(15);
    for (const proxy of replicas) {
      const refused = await proxy.get(path);
      await expectFault(refused, 429, 'TooManyRequests');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await proxy.get(path, { key: KEYS.ci })).status).toBe(200); // another caller is not affected
    }
  });

  it('limits each caller per replica while Redis is away', async () => {
    const own = await startRedis();
    defer(() => own.stop());
    const { replicas, sim } = await fleet(2, { BATCHWATCH_RATE_LIMIT: '3' }, createVirtualClock(), own.url);
    const path = statusPath(CUSTOMER, sim.addBatch('clean').trackingId);
    await own.stop();
    for (const proxy of replicas) await eventually(async () => (await readiness(proxy)) === 'degraded', 'degraded');
    for (const proxy of replicas) {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await proxy.get(path)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    }
  });

  it('namespaces every key by BATCHWATCH_REDIS_PREFIX and stores no secret', async () => {
    const { sim, clock, replicas, prefix } = await fleet(2);
    const batch = sim.addBatch('clean');
    await replicas[0]!.get(statusPath(CUSTOMER, batch.trackingId));
    const reader = await openEvents(`${replicas[1]!.url}${eventsPath(batch.trackingId)}`, auth);
    clock.advance(60_000);
    await readUntil(reader, (e) => e.event === 'done');
    const inspect = new Redis(redis.url);
    defer(() => inspect.quit());
    const keys = await inspect.keys('*');
    const ours = keys.filter((key) => key.startsWith(`${prefix}:`));
    expect(ours.length).toBeGreaterThan(3);
    const dump = JSON.stringify(await Promise.all(ours.map((key) => inspect.dump(key))));
    for (const secret of [...Object.values(KEYS), UPSTREAM_TOKEN]) expect(dump).not.toContain(secret);
  });
});

describe('the partner-wide upstream budget and 429 window, over HTTP', { timeout: 60_000 }, () => {
  it('refuses a caller GET on any replica once the budget is spent: 429 ApiFault with Retry-After, counted; cached batches still served', async () => {
    const { sim, replicas } = await fleet(3, TINY_BUDGET);
    const [a, b, c] = replicas as [TestProxy, TestProxy, TestProxy];
    const [first, second, third] = [sim.addBatch('clean'), sim.addBatch('clean'), sim.addBatch('clean')];
    expect((await a.get(statusPath(CUSTOMER, first.trackingId))).status).toBe(200);
    expect((await b.get(statusPath(CUSTOMER, second.trackingId))).status).toBe(200);

    const refused = await c.get(statusPath(CUSTOMER, third.trackingId));
    const fault = await expectFault(refused, 429, 'UpstreamThrottled');
    expect(fault.description).toMatch(/budget/);
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(statusCalls(sim, third.trackingId)).toHaveLength(0);
    expect(await metric(c, 'batchwatch_proxy_upstream_budget_refused_total')).toBe(1);
    expect(await metric(a, 'batchwatch_proxy_upstream_budget_calls_total\\{kind="get"\\}')).toBe(1);

    const cached = await c.get(statusPath(CUSTOMER, first.trackingId)); // the budget gates upstream calls only
    expect(cached.status).toBe(200);
    expect(cached.headers.get('x-batchwatch-cache')).toBe('hit');
  });

  it("gives a caller's GET priority: background polls wait (their interval stretches) while a GET still reaches upstream", async () => {
    const { sim, replicas } = await fleet(2, TINY_BUDGET);
    const [a, b] = replicas as [TestProxy, TestProxy];
    const watched = sim.addBatch('clean');
    const looked = sim.addBatch('clean');
    const reader = await openEvents(`${a.url}${eventsPath(watched.trackingId)}`, auth);
    expect((await reader.next()).event).toBe('snapshot'); // the first poll took a token
    // The next poll finds only the GETs' reserve left: it waits instead of taking it.
    await eventually(async () => (await metric(a, 'batchwatch_proxy_upstream_budget_stretched_total')) >= 1, 'a poll stretched');

    const res = await b.get(statusPath(CUSTOMER, looked.trackingId));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-batchwatch-cache')).toBe('miss');
    expect(statusCalls(sim, looked.trackingId)).toHaveLength(1);
    expect(statusCalls(sim, watched.trackingId)).toHaveLength(1); // the poller is still waiting
    reader.close();
  });

  it('shares the 429 back-off window: after one replica sees a 429, the others answer 429 within the window without calling upstream', async () => {
    const { sim, replicas } = await fleet(3);
    const [a, b, c] = replicas as [TestProxy, TestProxy, TestProxy];
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'throttle', retryAfterSeconds: 30 }, { trackingId: batch.trackingId, count: 1 });
    const first = await a.get(statusPath(CUSTOMER, batch.trackingId));
    await expectFault(first, 429, 'UpstreamThrottled');
    expect(first.headers.get('retry-after')).toBe('30');

    for (const other of [b, c]) {
      const res = await other.get(statusPath(CUSTOMER, batch.trackingId));
      await expectFault(res, 429, 'UpstreamThrottled');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    }
    // A poller on another replica waits the window out too: its subscribers hear why.
    const reader = await openEvents(`${c.url}${eventsPath(batch.trackingId)}`, auth);
    const notice = await reader.next();
    expect(notice.event).toBe('retrying');
    expect(notice.json).toMatchObject({ status: 429 });
    reader.close();
    expect(statusCalls(sim, batch.trackingId)).toHaveLength(1); // the fault was for one call only: any other call would have succeeded
  });
});

describe('Redis faults', { timeout: 60_000 }, () => {
  it('Redis unreachable at start: the replica starts in single-process mode (readiness "degraded") and joins when Redis appears', async () => {
    const own = await startRedis();
    await own.stop();
    defer(() => own.stop());
    const { sim, replicas } = await fleet(1, {}, createVirtualClock(), own.url);
    const [proxy] = replicas as [TestProxy];
    expect(proxy.logs.some((line) => line.includes('Redis unreachable at start'))).toBe(true);
    expect(proxy.logs.join('\n')).not.toContain('redis://');
    const ready = await proxy.get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'degraded' });
    const batch = sim.addBatch('clean');
    expect((await proxy.get(statusPath(CUSTOMER, batch.trackingId))).status).toBe(200);
    await own.start();
    await eventually(async () => (await readiness(proxy)) === 'ok', 'joined the fleet');
  });

  it('Redis stopped and restarted mid-watch: every subscriber keeps its stream, ids only increase, and it ends with the batch', async () => {
    const own = await startRedis();
    defer(() => own.stop());
    const { sim, clock, replicas } = await fleet(2, {}, createVirtualClock(), own.url);
    const batch = sim.addBatch('clean');
    const readers = await Promise.all(replicas.map((proxy) => openEvents(`${proxy.url}${eventsPath(batch.trackingId)}`, auth)));
    const seen: SseEvent[][] = await Promise.all(readers.map(async (reader) => [await reader.next()]));

    await own.stop();
    await eventually(async () => (await readiness(replicas[0]!)) === 'degraded', 'degraded');
    clock.advance(2_500); // queued → processing, observed by each replica on its own
    await Promise.all(readers.map(async (reader, i) => seen[i]!.push(...(await readUntil(reader, (e) => e.event === 'batch-status')))));
    const metrics = await (await replicas[0]!.get('/metrics')).text();
    expect(metrics).toMatch(/^batchwatch_proxy_fleet_degraded 1$/m);
    expect(metrics).toMatch(/^batchwatch_proxy_fleet_degraded_total [1-9]/m);

    await own.start();
    await Promise.all(replicas.map((proxy) => eventually(async () => (await readiness(proxy)) === 'ok', 'rejoined')));
    clock.advance(60_000);
    await Promise.all(readers.map(async (reader, i) => seen[i]!.push(...(await readUntil(reader, (e) => e.event === 'done')))));
    for (const events of seen) {
      const ids = events.map((e) => Number(e.id));
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
      expect(events.at(-1)!.json.snapshot.status).toBe('finished');
    }
    expect(statusCalls(sim, batch.trackingId).length).toBeGreaterThan(0);
  });

  it('Redis slow: cached GETs do not wait for it, and uncached ones wait at most the Redis timeout', async () => {
    const own = await startRedis();
    defer(() => own.stop());
    const { sim, replicas } = await fleet(1, { BATCHWATCH_REDIS_TIMEOUT_MS: '200', BATCHWATCH_CACHE_TTL_MS: '600000' }, createVirtualClock(), own.url);
    const [proxy] = replicas as [TestProxy];
    const cached = sim.addBatch('clean');
    const uncached = sim.addBatch('clean');
    expect((await proxy.get(statusPath(CUSTOMER, cached.trackingId))).status).toBe(200);
    own.pause(); // every Redis command now waits until resume(): a stall would never end
    defer(() => own.resume());
    const hit = await proxy.get(statusPath(CUSTOMER, cached.trackingId));
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-batchwatch-cache')).toBe('hit');
    const miss = await proxy.get(statusPath(CUSTOMER, uncached.trackingId));
    expect(miss.status).toBe(200);
    expect(await (await proxy.get('/readyz')).json()).toEqual({ status: 'degraded' });
    own.resume();
    await eventually(async () => (await readiness(proxy)) === 'ok', 'back');
  });
});
