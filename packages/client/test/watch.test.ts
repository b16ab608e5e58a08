import { afterEach, describe, expect, it } from 'vitest';
import { createScaledClock, createVirtualClock, startSimulator, type RunningSimulator, type ScenarioName } from '@batchwatch/simulator';
import { createBatchStatusClient, isGuid, isTerminal, PartnerCenterError, type WatchEvent } from '../src/index.js';

let sim: RunningSimulator | undefined;
afterEach(() => sim?.close());

async function simulatorAt(speed: number) {
  sim = await startSimulator({ clock: createScaledClock(speed) });
  return sim;
}

const clientFor = (server: RunningSimulator) =>
  createBatchStatusClient({ baseUrl: server.url, token: 'simulator-token', retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });

async function collect(iterator: AsyncIterable<WatchEvent>): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  for await (const event of iterator) events.push(event);
  return events;
}

/**
 * Rebuilds the batch from the first snapshot and the changes alone, checking on the way that every change
 * starts from the state the previous events left: nothing lost, nothing repeated.
 */
function replay(events: WatchEvent[]) {
  const states = events.filter((e) => e.type !== 'retrying');
  const [first, ...changes] = states;
  if (first?.type !== 'snapshot') throw new Error(`the first event is ${first?.type}, not a snapshot`);
  let status = first.snapshot.status;
  const devices = new Map(first.snapshot.devices.map((d) => [d.key, d.status]));
  for (const change of changes) {
    if (change.type === 'batch-status') {
      expect(change.from).toBe(status);
      expect(change.to).not.toBe(change.from);
      status = change.to;
    } else if (change.type === 'device-added') {
      expect(devices.has(change.device.key), `${change.device.key} added twice`).toBe(false);
      devices.set(change.device.key, change.device.status);
    } else if (change.type === 'device-status') {
      expect(change.from).toBe(devices.get(change.device.key));
      expect(change.device.status).not.toBe(change.from);
      devices.set(change.device.key, change.device.status);
    }
  }
  return { status, devices, seqs: states.map((e) => ('seq' in e ? e.seq : 0)) };
}

describe('watchBatchStatus', () => {
  it.each<ScenarioName>(['clean', 'device-errors'])('yields each transition of a %s batch exactly once, ending at a terminal status', async (scenario) => {
    // Each poll sees the batch 500 ms (simulated) later than the one before: deterministic, whatever the machine's load.
    const clock = createVirtualClock();
    sim = await startSimulator({ clock });
    const batch = sim.addBatch(scenario);
    const stepping: typeof fetch = (input, init) => {
      clock.advance(500);
      return fetch(input, init);
    };
    const client = createBatchStatusClient({ baseUrl: sim.url, token: 'simulator-token', fetch: stepping });
    const events = await collect(client.watchBatchStatus(batch.customerId, batch.trackingId, { intervalMs: 1, maxIntervalMs: 1 }));

    const rebuilt = replay(events);
    const final = events.at(-1)!;
    expect(final.type).toBe('batch-status');
    expect(isTerminal(rebuilt.status)).toBe(true);
    expect(rebuilt.seqs).toEqual(rebuilt.seqs.map((_, i) => i + 1));
    // The replayed state is exactly the final snapshot.
    const snapshot = (final as Extract<WatchEvent, { seq: number }>).snapshot;
    expect(rebuilt.status).toBe(snapshot.status);
    expect(Object.fromEntries(rebuilt.devices)).toEqual(Object.fromEntries(snapshot.devices.map((d) => [d.key, d.status])));
    // It saw the batch move, not just its end: every device was seen processing, then finishing.
    const deviceStatusEvents = events.filter((e) => e.type === 'device-status');
    expect(deviceStatusEvents).toHaveLength(snapshot.devices.length);
    expect(events.filter((e) => e.type === 'batch-status').map((e) => (e.type === 'batch-status' ? e.to : ''))).toEqual(['processing', snapshot.status]);
  });

  it('uses one correlation id for the whole watch and a new request id per poll', async () => {
    const server = await simulatorAt(20);
    const batch = server.addBatch('clean');
    await collect(clientFor(server).watchBatchStatus(batch.customerId, batch.trackingId, { intervalMs: 20 }));
    const polls = server.requests;
    expect(polls.length).toBeGreaterThan(2);
    expect(new Set(polls.map((r) => r.headers['ms-correlationid'])).size).toBe(1);
    expect(isGuid(polls[0]?.headers['ms-correlationid'])).toBe(true);
    expect(new Set(polls.map((r) => r.headers['ms-requestid'])).size).toBe(polls.length);
  });

  it('ends after one snapshot when the batch is already finished', async () => {
    const clock = createVirtualClock();
    sim = await startSimulator({ clock });
    const batch = sim.addBatch('device-errors');
    clock.advance(60_000);
    const events = await collect(clientFor(sim).watchBatchStatus(batch.customerId, batch.trackingId));
    expect(events.map((e) => e.type)).toEqual(['snapshot']);
    expect(sim.requests).toHaveLength(1);
  });

  it('keeps going through throttling, never sooner than Retry-After, and reports it', async () => {
    const clock = createVirtualClock();
    sim = await startSimulator({ clock });
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'throttle', retryAfterSeconds: 1 }, { count: 1, trackingId: batch.trackingId });
    const events: WatchEvent[] = [];
    for await (const event of clientFor(sim).watchBatchStatus(batch.customerId, batch.trackingId, { intervalMs: 10 })) {
      events.push(event);
      if (event.type !== 'retrying') clock.advance(60_000); // the next poll sees the batch finished
    }
    const retrying = events.find((e) => e.type === 'retrying');
    expect(retrying).toMatchObject({ type: 'retrying', retryInMs: 1000, snapshot: undefined });
    expect(retrying?.type === 'retrying' && retrying.error.status).toBe(429);
    expect(events[0]?.type).toBe('retrying');
    expect(events[1]?.type).toBe('snapshot');
    expect(events.at(-1)).toMatchObject({ type: 'batch-status', to: 'finished' });
    const [throttled, next] = sim.requests;
    expect(throttled?.status).toBe(429);
    expect(next?.status).toBe(200);
  });

  it('reports 5xx trouble as retrying events with the last known state, then carries on', async () => {
    const clock = createVirtualClock();
    sim = await startSimulator({ clock });
    const batch = sim.addBatch('clean');
    const events: WatchEvent[] = [];
    for await (const event of clientFor(sim).watchBatchStatus(batch.customerId, batch.trackingId, { intervalMs: 10 })) {
      events.push(event);
      if (event.type === 'snapshot') sim.injectFault({ kind: 'status', status: 503 }, { count: 2, trackingId: batch.trackingId });
      if (event.type === 'retrying' && events.filter((e) => e.type === 'retrying').length === 2) clock.advance(60_000);
    }
    const retries = events.filter((e) => e.type === 'retrying');
    expect(retries).toHaveLength(2);
    expect(retries.every((e) => e.snapshot?.status === 'queued')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'batch-status', to: 'finished' });
  });

  it('ends with the error when the batch does not exist', async () => {
    const server = await simulatorAt(1);
    const batch = server.addBatch('clean');
    const watch = clientFor(server).watchBatchStatus(batch.customerId, '00000000-0000-4000-8000-000000000000');
    await expect(collect(watch)).rejects.toMatchObject({ name: 'PartnerCenterError', status: 404 });
    expect(server.requests).toHaveLength(1);
  });

  it('stops at once when aborted, and polls no more', async () => {
    const server = await simulatorAt(1);
    const batch = server.addBatch('clean');
    const controller = new AbortController();
    const events: WatchEvent[] = [];
    const watching = (async () => {
      for await (const event of clientFor(server).watchBatchStatus(batch.customerId, batch.trackingId, { intervalMs: 10_000, signal: controller.signal })) {
        events.push(event);
        controller.abort();
      }
    })();
    await expect(watching).rejects.toMatchObject({ name: 'AbortError' });
    expect(events.map((e) => e.type)).toEqual(['snapshot']);
    expect(server.requests).toHaveLength(1);
  });

  it('gives up with a timeout error when the batch is not done in time', async () => {
    const server = await simulatorAt(1);
    const batch = server.addBatch('clean');
    const watch = clientFor(server).watchBatchStatus(batch.customerId, batch.trackingId, { intervalMs: 20, timeoutMs: 200 });
    const error = await collect(watch).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PartnerCenterError);
    expect(error).toMatchObject({ kind: 'timeout' });
  });
});
