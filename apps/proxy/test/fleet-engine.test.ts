/**
 * The fleet's building blocks against a real redis-server: connection state, lease and fencing, the event log,
 * the shared cache, shared rate limits and the upstream budget. Two `FleetRedis` instances stand for two
 * replicas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { normalizeBatch } from '@batchwatch/client';
import { BatchLog, stateEventId, noticeId } from '../src/fleet/batch-log.js';
import { UpstreamBudget } from '../src/fleet/budget.js';
import { Lease } from '../src/fleet/lease.js';
import { fleetLimiter } from '../src/fleet/limiter.js';
import { createFleetMetrics } from '../src/fleet/metrics.js';
import { FleetRedis } from '../src/fleet/redis.js';
import { defineScripts, type FleetClient } from '../src/fleet/scripts.js';
import { SharedSnapshots } from '../src/fleet/shared-cache.js';
import { toSnapshot } from '../src/upstream/cache.js';
import { Registry } from 'prom-client';
import { defer, eventually } from './helpers.js';
import { startRedis, type TestRedis } from './redis-server.js';

const silent = pino({ level: 'silent' });
let redis: TestRedis;
let prefixCounter = 0;

beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await redis.stop();
}, 30_000);

/** A replica's connection, with its own key prefix per test so tests never see each other's keys. */
async function replica(prefix: string, options: { timeoutMs?: number } = {}): Promise<{ fleet: FleetRedis; client: FleetClient }> {
  const fleet = new FleetRedis({ url: redis.url, prefix, timeoutMs: options.timeoutMs ?? 5_000, log: silent, healthCheckMs: 50 });
  defer(() => fleet.close());
  expect(await fleet.ready(5_000)).toBe(true);
  return { fleet, client: defineScripts(fleet.command) };
}

const freshPrefix = () => `t${++prefixCounter}`;

describe('lease', { timeout: 60_000 }, () => {
  it('has one holder at a time; a lapsed lease is taken over with a larger token, and the old token is fenced', async () => {
    const prefix = freshPrefix();
    const a = await replica(prefix);
    const b = await replica(prefix);
    const keys = { lease: `${prefix}:lease:x`, fence: `${prefix}:fence:x` };
    const leaseA = new Lease(a.client, keys, 300);
    const leaseB = new Lease(b.client, keys, 300);

    const first = await leaseA.acquireOrRenew();
    expect(first).toEqual({ held: true, token: 1 });
    const refused = await leaseB.acquireOrRenew();
    expect(refused.held).toBe(false);
    expect(await leaseA.acquireOrRenew()).toEqual({ held: true, token: 1 }); // a renewal keeps the token

    // A stops renewing (paused, dead): B gets it once it lapses.
    await eventually(async () => (await leaseB.acquireOrRenew()).held, 'takeover');
    expect(leaseB.token).toBeGreaterThan(1);

    // A wakes up and tries to write with its old token: refused, nothing written.
    const log = new BatchLog(
      a.client,
      { lease: keys.lease, stream: `${prefix}:events:x`, state: `${prefix}:state:x`, channel: `${prefix}:notify:x` },
      100,
      60_000,
    );
    const stale = await log.append({
      token: 1,
      previousSeq: 0,
      seq: 1,
      entries: [{ id: stateEventId(1), type: 'snapshot', frame: 'f1' }],
      at: 'now',
      done: false,
    });
    expect(stale).toBe('fenced');
    expect((await log.read('-', -1)).entries).toEqual([]);
    // A's renewal tells it the lease is gone.
    expect((await leaseA.acquireOrRenew()).held).toBe(false);
  });

  it('is handed over at once when released', async () => {
    const prefix = freshPrefix();
    const a = await replica(prefix);
    const keys = { lease: `${prefix}:lease:y`, fence: `${prefix}:fence:y` };
    const leaseA = new Lease(a.client, keys, 60_000);
    const leaseB = new Lease(a.client, keys, 60_000);
    await leaseA.acquireOrRenew();
    await leaseA.release();
    expect(await leaseB.acquireOrRenew()).toEqual({ held: true, token: 2 });
  });
});

describe('event log', { timeout: 60_000 }, () => {
  async function setup() {
    const prefix = freshPrefix();
    const { client } = await replica(prefix);
    const keys = { lease: `${prefix}:lease:b`, stream: `${prefix}:events:b`, state: `${prefix}:state:b`, channel: `${prefix}:notify:b` };
    const lease = new Lease(client, { lease: keys.lease, fence: `${prefix}:fence:b` }, 60_000);
    await lease.acquireOrRenew();
    return { client, log: new BatchLog(client, keys, 100, 60_000), lease, keys };
  }

  it('numbers state events as stream ids <seq>-0, notices as <seq>-n, and reads after any id', async () => {
    const { log, lease } = await setup();
    const token = lease.token;
    expect(
      await log.append({
        token,
        previousSeq: 0,
        seq: 2,
        entries: [
          { id: stateEventId(1), type: 'snapshot', frame: 'one' },
          { id: stateEventId(2), type: 'batch-status', frame: 'two' },
        ],
        body: '{"status":"processing"}',
        at: 'T1',
        done: false,
      }),
    ).toBe('ok');
    expect(await log.append({ token, previousSeq: 2, seq: 2, entries: [{ id: noticeId(2), type: 'retrying', frame: 'wait' }], at: 'T2', done: false })).toBe(
      'ok',
    );
    expect(
      await log.append({
        token,
        previousSeq: 2,
        seq: 3,
        entries: [{ id: stateEventId(3), type: 'done', frame: 'three' }],
        body: '{"status":"finished"}',
        at: 'T3',
        done: true,
      }),
    ).toBe('ok');

    const all = await log.read('-', -1);
    expect(all.entries.map((e) => [e.id, e.seq, e.type, e.frame])).toEqual([
      ['1-0', 1, 'snapshot', 'one'],
      ['2-0', 2, 'batch-status', 'two'],
      ['2-1', 0, 'retrying', 'wait'],
      ['3-0', 3, 'done', 'three'],
    ]);
    expect(all.state).toEqual({ seq: 3, done: true, body: '{"status":"finished"}', at: 'T3' });
    const after = await log.read(stateEventId(1), 3);
    expect(after.entries.map((e) => e.id)).toEqual(['2-0', '2-1', '3-0']);
    expect(after.state.body).toBeUndefined(); // the reader already knows seq 3
  });

  it("refuses an append whose previous seq is not the batch's (another writer), and never lets ids go back", async () => {
    const { log, lease } = await setup();
    const token = lease.token;
    await log.append({ token, previousSeq: 0, seq: 1, entries: [{ id: stateEventId(1), type: 'snapshot', frame: 'one' }], body: '{}', at: 'T', done: false });
    expect(
      await log.append({ token, previousSeq: 0, seq: 1, entries: [{ id: stateEventId(1), type: 'snapshot', frame: 'again' }], at: 'T', done: false }),
    ).toBe('conflict');
    await log.raise(10);
    await log.raise(5); // lower: no effect
    const { state } = await log.read('-', -1);
    expect(state.seq).toBe(10);
    expect(
      await log.append({ token, previousSeq: 10, seq: 11, entries: [{ id: stateEventId(11), type: 'device-added', frame: 'eleven' }], at: 'T', done: false }),
    ).toBe('ok');
  });

  it('keeps about maxLen entries', async () => {
    const prefix = freshPrefix();
    const { client } = await replica(prefix);
    const keys = { lease: `${prefix}:lease:c`, stream: `${prefix}:events:c`, state: `${prefix}:state:c`, channel: `${prefix}:notify:c` };
    const lease = new Lease(client, { lease: keys.lease, fence: `${prefix}:fence:c` }, 60_000);
    await lease.acquireOrRenew();
    const log = new BatchLog(client, keys, 100, 60_000);
    for (let seq = 1; seq <= 1_000; seq++) {
      await log.append({
        token: lease.token,
        previousSeq: seq - 1,
        seq,
        entries: [{ id: stateEventId(seq), type: 'device-added', frame: `e${seq}` }],
        at: 'T',
        done: false,
      });
    }
    const length = await client.xlen(keys.stream);
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(1_000);
    expect(await client.pttl(keys.stream)).toBeGreaterThan(0); // retention
  });
});

describe('shared snapshot cache', { timeout: 60_000 }, () => {
  it('gives every replica the same bytes and ETag', async () => {
    const prefix = freshPrefix();
    const a = await replica(prefix);
    const b = await replica(prefix);
    const policy = { ttlMs: 60_000, terminalTtlMs: 60_000, staleMs: 60_000 };
    const snapshot = toSnapshot(normalizeBatch({ batchTrackingId: 'x', status: 'processing', devicesStatus: [] }), Date.now());
    await new SharedSnapshots(a.fleet, policy).save('c/b', snapshot);
    const loaded = await new SharedSnapshots(b.fleet, policy).load('c/b');
    expect(loaded?.etag).toBe(snapshot.etag);
    expect(loaded?.body.equals(snapshot.body)).toBe(true);
    expect(loaded?.fetchedAt).toBe(snapshot.fetchedAt);
    expect(loaded?.details.status).toBe('processing');
    expect(await a.fleet.command.keys(`${prefix}:*`)).toEqual([`${prefix}:snap:c/b`]);
  });

  it('shares the 429 back-off window', async () => {
    const prefix = freshPrefix();
    const a = await replica(prefix);
    const b = await replica(prefix);
    const policy = { ttlMs: 1, terminalTtlMs: 1, staleMs: 1 };
    await new SharedSnapshots(a.fleet, policy).throttle('c/b', 30_000);
    expect(await new SharedSnapshots(b.fleet, policy).throttledFor('c/b')).toBeGreaterThan(20_000);
    expect(await new SharedSnapshots(b.fleet, policy).throttledFor('c/other')).toBe(0);
  });
});

describe('shared rate limits', { timeout: 60_000 }, () => {
  it('count a caller across replicas', async () => {
    const prefix = freshPrefix();
    const a = fleetLimiter((await replica(prefix)).fleet, { points: 3, windowS: 60 });
    const b = fleetLimiter((await replica(prefix)).fleet, { points: 3, windowS: 60 });
    expect(await a.take('key:tui')).toBe(0);
    expect(await b.take('key:tui')).toBe(0);
    expect(await a.take('key:tui')).toBe(0);
    expect(await b.take('key:tui')).toBeGreaterThan(0);
    expect(await b.take('key:ci')).toBe(0); // another caller is not affected
  });

  it('grant the first half of the limit without waiting for Redis, report it to Redis, and take the rest through Redis', async () => {
    const prefix = freshPrefix();
    const a = await replica(prefix);
    const onA = fleetLimiter(a.fleet, { points: 10, windowS: 60 });
    const onB = fleetLimiter((await replica(prefix)).fleet, { points: 10, windowS: 60 });
    const counted = async () => Number(await a.fleet.command.get(`${prefix}:rl:key:tui`));
    for (let i = 0; i < 5; i++) expect(onA.take('key:tui')).toBe(0); // a number, not a promise: no wait
    await eventually(async () => (await counted()) === 5, "A's points reported");
    // B has not heard from Redis yet: its view says 0, so it grants its half on its own too.
    for (let i = 0; i < 5; i++) expect(onB.take('key:tui')).toBe(0);
    // Past the half, each answer is Redis's: the fleet has had its 10.
    const asked = onB.take('key:tui');
    expect(asked).toBeInstanceOf(Promise);
    expect(await asked).toBeGreaterThan(0);
    expect(await onA.take('key:tui')).toBeGreaterThan(0);
    // Once Redis has said the window is spent, both refuse at once, without asking.
    for (const limiter of [onA, onB]) expect(limiter.take('key:tui')).toBeGreaterThan(50_000);
    expect(await counted()).toBe(12);
  });

  it('overshoot only on a view that has not heard of the others, by at most half the limit per other replica', async () => {
    const prefix = freshPrefix();
    const limiters = await Promise.all([1, 2, 3].map(async () => fleetLimiter((await replica(prefix)).fleet, { points: 10, windowS: 60 })));
    const granted: number[] = [];
    for (const limiter of limiters) {
      let count = 0;
      for (let i = 0; i < 10; i++) if ((await limiter.take('key:tui')) === 0) count++;
      granted.push(count);
    }
    // The first takes the whole limit (its half alone, the rest through Redis); the other two have not heard
    // from Redis yet and grant their half alone before asking: the documented worst case, 10 + (3 − 1) × 5.
    expect(granted).toEqual([10, 5, 5]);
    for (const limiter of limiters) expect(limiter.take('key:tui')).toBeGreaterThan(50_000);
  });

  it('while Redis is away, each replica limits on its own', async () => {
    const own = await startRedis();
    defer(() => own.stop());
    const fleets = [1, 2].map(() => new FleetRedis({ url: own.url, prefix: 'alone', timeoutMs: 500, log: silent, healthCheckMs: 50 }));
    for (const fleet of fleets) defer(() => fleet.close());
    for (const fleet of fleets) expect(await fleet.ready(5_000)).toBe(true);
    const limiters = fleets.map((fleet) => fleetLimiter(fleet, { points: 3, windowS: 60 }));
    const lost = fleets.map((fleet) => new Promise((resolve) => fleet.once('degraded', resolve)));
    await own.stop();
    await Promise.all(lost);
    for (const limiter of limiters) {
      expect([limiter.take('key:tui'), limiter.take('key:tui'), limiter.take('key:tui')]).toEqual([0, 0, 0]);
      expect(limiter.take('key:tui')).toBeGreaterThan(50_000);
    }
  });
});

describe('upstream budget', { timeout: 60_000 }, () => {
  function budgetOn(fleet: FleetRedis, client: FleetClient, calls: number) {
    // A one-hour window: refill is negligible during the test, so the counts are exact.
    return new UpstreamBudget(fleet, client, { calls, windowMs: 3_600_000 }, createFleetMetrics(new Registry()));
  }

  it('keeps a reserve for caller GETs that polls cannot take, fleet-wide', async () => {
    const prefix = freshPrefix();
    const a = await replica(prefix);
    const b = await replica(prefix);
    const onA = budgetOn(a.fleet, a.client, 100); // burst 10, of which 2 for GETs only
    const onB = budgetOn(b.fleet, b.client, 100);
    let polls = 0;
    for (let i = 0; i < 20; i++) if ((await (i % 2 ? onA : onB).take('poll', `batch-${i}`)).granted) polls++;
    expect(polls).toBe(8);
    // Waiting pollers do not block a GET.
    expect((await onA.take('get', 'batch-x')).granted).toBe(true);
    expect((await onB.take('get', 'batch-y')).granted).toBe(true);
    const refused = await onA.take('get', 'batch-z');
    expect(refused.granted).toBe(false);
    expect(refused.waitMs).toBeGreaterThan(0);
  });

  it('serves waiting pollers first come, first served', async () => {
    const prefix = freshPrefix();
    const a = await replica(prefix);
    const budget = budgetOn(a.fleet, a.client, 10); // burst 2, reserve 0.4: a poll needs 1.4 tokens
    expect((await budget.take('poll', 'first')).granted).toBe(true);
    expect((await budget.take('poll', 'older')).granted).toBe(false);
    expect((await budget.take('poll', 'newer')).granted).toBe(false);
    // Refill by hand (the bucket is Redis state): exactly one poll's worth.
    await a.client.hset(`${prefix}:budget:bucket`, 'tokens', '1.5');
    expect((await budget.take('poll', 'newer')).granted).toBe(false); // not its turn
    expect((await budget.take('poll', 'older')).granted).toBe(true);
    await a.client.hset(`${prefix}:budget:bucket`, 'tokens', '1.5');
    expect((await budget.take('poll', 'newer')).granted).toBe(true);
  });

  it("bounds a watched batch's wait by its interval plus one token time per batch", async () => {
    const prefix = freshPrefix();
    const a = await replica(prefix);
    const budget = new UpstreamBudget(a.fleet, a.client, { calls: 60, windowMs: 60_000 }, createFleetMetrics(new Registry()));
    // 60/min: burst 6, refill 0.95 × 60 − 6 = 51/min; 200 batches → each polled at least every ~235 s + interval.
    expect(budget.pollBoundMs(200, 5_000)).toBe(5_000 + Math.ceil(200 / (51 / 60_000)));
  });
});

describe('connection state', { timeout: 60_000 }, () => {
  it('turns degraded when Redis goes away and rejoins when it is back', async () => {
    const own = await startRedis();
    defer(() => own.stop());
    const fleet = new FleetRedis({ url: own.url, prefix: 'state', timeoutMs: 500, log: silent, healthCheckMs: 50 });
    defer(() => fleet.close());
    expect(await fleet.ready(5_000)).toBe(true);
    const degraded = new Promise((resolve) => fleet.once('degraded', resolve));
    await own.stop();
    await degraded;
    expect(fleet.state).toBe('degraded');
    await own.start();
    expect(await fleet.ready(10_000)).toBe(true);
    expect(await fleet.command.ping()).toBe('PONG');
  });

  it('treats a command past the timeout as Redis unavailable, and recovers once Redis answers again', async () => {
    const own = await startRedis();
    defer(() => own.stop());
    const fleet = new FleetRedis({ url: own.url, prefix: 'slow', timeoutMs: 100, log: silent, healthCheckMs: 50 });
    defer(() => fleet.close());
    expect(await fleet.ready(5_000)).toBe(true);
    const cache = new SharedSnapshots(fleet, { ttlMs: 1, terminalTtlMs: 1, staleMs: 1 });
    own.pause();
    defer(() => own.resume());
    expect(await cache.load('c/b')).toBeUndefined(); // a miss, after the timeout, not a hang
    expect(fleet.state).toBe('degraded');
    expect(await cache.load('c/b')).toBeUndefined(); // degraded: not even tried
    own.resume();
    expect(await fleet.ready(10_000)).toBe(true);
  });
});
