import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createVirtualClock, type ScenarioDefinition, type VirtualClock } from '@batchwatch/simulator';
import {
  CUSTOMER,
  defer,
  eventually,
  KEYS,
  openEvents,
  proxyFor,
  rawRequest,
  readUntil,
  simulator,
  statusCalls,
  statusPath,
  type SseEvent,
  type SseReader,
} from './helpers.js';

const auth = { Authorization: `Bearer ${KEYS.tui}` };

async function setup(env: Record<string, string> = {}, scenario: Parameters<Awaited<ReturnType<typeof simulator>>['addBatch']>[0] = 'clean') {
  const clock = createVirtualClock();
  const sim = await simulator({ clock });
  const batch = sim.addBatch(scenario);
  const proxy = await proxyFor(sim.url, env);
  const eventsUrl = `${proxy.url}${statusPath(CUSTOMER, batch.trackingId)}/events`;
  return { clock, sim, proxy, batch, eventsUrl };
}

/** Moves the virtual clock and waits until the stream shows the change. */
async function advanceUntil(clock: VirtualClock, ms: number, reader: SseReader, stop: (event: SseEvent) => boolean) {
  clock.advance(ms);
  return readUntil(reader, stop);
}

describe('GET …/events (Server-Sent Events)', () => {
  it('streams the snapshot first, then each change once and in order, then done, then ends', async () => {
    const { clock, eventsUrl, batch, proxy } = await setup();
    const reader = await openEvents(eventsUrl, auth);
    expect(reader.response.status).toBe(200);
    expect(reader.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(reader.response.headers.get('cache-control')).toContain('no-transform');
    expect(reader.response.headers.get('x-accel-buffering')).toBe('no');

    const first = await reader.next();
    expect(first).toMatchObject({ event: 'snapshot', id: '1' });
    expect(first.json).toMatchObject({ type: 'snapshot', seq: 1, snapshot: { batchTrackingId: batch.trackingId, status: 'queued' } });
    expect(reader.retry).toBe(3000);

    const starting = await advanceUntil(clock, 2_000, reader, (e) => e.event === 'batch-status');
    expect(starting.at(-1)?.json).toMatchObject({ type: 'batch-status', from: 'queued', to: 'processing' });
    const rest = [...(await advanceUntil(clock, 60_000, reader, (e) => e.event === 'done')), ...(await reader.rest())];
    const all = [first, ...starting, ...rest];

    // Ids are the seqs, consecutive from 1; each `data` names its own type.
    all.forEach((event, index) => {
      expect(event.id).toBe(String(index + 1));
      expect(event.json.seq).toBe(index + 1);
      expect(event.json.type).toBe(event.event);
      expect(Date.parse(event.json.at)).not.toBeNaN();
    });
    const finalStatus = all.at(-2)!;
    expect(finalStatus.json).toMatchObject({ type: 'batch-status', from: 'processing', to: 'finished' });
    expect(finalStatus.json.completedTime).toEqual(expect.any(String));
    const done = all.at(-1)!;
    expect(done.json.snapshot.status).toBe('finished');

    // Every device is announced exactly once and every device reaches its final status through events.
    const finalDevices = done.json.snapshot.devicesStatus as Array<{ serialNumber: string; status: string }>;
    const added = all.filter((e) => e.event === 'device-added').map((e) => e.json.device.serialNumber);
    expect(new Set(added).size).toBe(added.length);
    expect(added.sort()).toEqual(finalDevices.map((d) => d.serialNumber).sort());
    for (const event of all.filter((e) => e.event === 'device-status')) {
      expect(event.json.from).toBe('processing');
      expect(event.json.device.status).toBe('finished');
    }
    // The stream ended and the poller is gone.
    await reader.ended;
    await eventually(() => proxy.proxy.hub.size === 0, 'poller stopped');
  });

  it('replays the missed events after Last-Event-ID, and sends nothing old to an up-to-date client', async () => {
    const { clock, eventsUrl } = await setup();
    const keeper = await openEvents(eventsUrl, auth); // keeps the poller alive between the reconnects
    const seen = [await keeper.next(), ...(await advanceUntil(clock, 2_500, keeper, (e) => e.event === 'batch-status'))];
    // Let devices appear, then read until the stream has caught up with this instant.
    clock.advance(1_500);
    seen.push(...(await readUntil(keeper, (e) => e.event === 'device-added')));
    const lastSeq = await settle(keeper, seen);

    const resumed = await openEvents(eventsUrl, { ...auth, 'Last-Event-ID': '1' });
    const replay: SseEvent[] = [];
    for (let i = 2; i <= lastSeq; i++) replay.push(await resumed.next());
    expect(replay.map((e) => e.data)).toEqual(seen.slice(1).map((e) => e.data));
    expect(replay.map((e) => e.event)).not.toContain('snapshot');

    const upToDate = await openEvents(eventsUrl, { ...auth, 'Last-Event-ID': String(lastSeq) });
    clock.advance(60_000);
    const next = await upToDate.next();
    expect(Number(next.id)).toBe(lastSeq + 1);
    for (const reader of [keeper, resumed, upToDate]) reader.close();
  });

  it('sends a late subscriber (or one whose Last-Event-ID is too old) a snapshot with the latest seq', async () => {
    const { clock, eventsUrl } = await setup({ BATCHWATCH_SSE_REPLAY_EVENTS: '2' });
    const keeper = await openEvents(eventsUrl, auth);
    const seen = [await keeper.next(), ...(await advanceUntil(clock, 5_000, keeper, (e) => e.event === 'device-added'))];
    const lastSeq = await settle(keeper, seen);
    expect(lastSeq).toBeGreaterThan(3);

    for (const headers of [auth, { ...auth, 'Last-Event-ID': '1' }, { ...auth, 'Last-Event-ID': 'not-a-number' }]) {
      const late = await openEvents(eventsUrl, headers);
      const event = await late.next();
      expect(event.event).toBe('snapshot');
      expect(event.json.seq).toBe(lastSeq);
      expect(event.json.snapshot.status).toBe('processing');
      late.close();
    }
    keeper.close();
  });

  it('shares ONE upstream poller among all subscribers of a batch', async () => {
    const { eventsUrl, sim, batch, proxy } = await setup({ BATCHWATCH_POLL_INTERVAL_MS: '60000', BATCHWATCH_POLL_MAX_INTERVAL_MS: '60000' });
    const readers = await Promise.all(Array.from({ length: 25 }, () => openEvents(eventsUrl, auth)));
    const firsts = await Promise.all(readers.map((r) => r.next()));
    expect(firsts.every((e) => e.event === 'snapshot' && e.json.seq === 1)).toBe(true);
    expect(proxy.proxy.hub.size).toBe(1);
    expect(proxy.proxy.hub.poller(CUSTOMER, batch.trackingId)?.subscriberCount).toBe(25);
    expect(statusCalls(sim, batch.trackingId)).toHaveLength(1);
    readers.forEach((r) => r.close());
  });

  it('cleans up when clients disconnect: the last one leaving stops the poller', async () => {
    const { eventsUrl, sim, batch, proxy } = await setup();
    const a = await openEvents(eventsUrl, auth);
    const b = await openEvents(eventsUrl, auth);
    await a.next();
    await b.next();
    a.close();
    await eventually(() => proxy.proxy.hub.poller(CUSTOMER, batch.trackingId)?.subscriberCount === 1, 'one subscriber left');
    expect(proxy.proxy.hub.size).toBe(1);
    b.close();
    await eventually(() => proxy.proxy.hub.size === 0, 'poller stopped');
    const calls = statusCalls(sim, batch.trackingId).length;
    await new Promise((resolve) => setTimeout(resolve, 150)); // several poll intervals
    // At most the poll that was already on its way when the poller stopped (on a loaded machine it can reach the
    // simulator after the count above); a poller still running would have made several more.
    expect(statusCalls(sim, batch.trackingId).length).toBeLessThanOrEqual(calls + 1);
    const metrics = await (await proxy.get('/metrics')).text();
    expect(metrics).toMatch(/^batchwatch_proxy_sse_subscribers 0$/m);
    expect(metrics).toMatch(/^batchwatch_proxy_pollers 0$/m);
  });

  it('answers a finished batch from cache: snapshot, done, end — without a poller or another upstream call', async () => {
    const { clock, eventsUrl, sim, batch, proxy } = await setup();
    clock.advance(60_000);
    const first = await openEvents(eventsUrl, auth);
    const events = [await first.next(), ...(await first.rest())];
    expect(events.map((e) => e.event)).toEqual(['snapshot', 'done']);
    const calls = statusCalls(sim, batch.trackingId).length;

    const again = await openEvents(eventsUrl, auth);
    const replay = [await again.next(), ...(await again.rest())];
    expect(replay.map((e) => e.event)).toEqual(['snapshot', 'done']);
    expect(Number(replay[0]!.id)).toBeGreaterThan(Number(events[1]!.id)); // ids keep increasing per batch
    expect(statusCalls(sim, batch.trackingId)).toHaveLength(calls);
    expect(proxy.proxy.hub.size).toBe(0);
  });

  it('sends heartbeat comments', async () => {
    const { eventsUrl } = await setup({ BATCHWATCH_SSE_HEARTBEAT_MS: '20' });
    const reader = await openEvents(eventsUrl, auth);
    await reader.next();
    await eventually(() => reader.comments.includes('heartbeat'), 'a heartbeat');
    reader.close();
  });

  it('reports upstream trouble as `retrying` and carries on', async () => {
    const { clock, eventsUrl, sim, batch } = await setup();
    const reader = await openEvents(eventsUrl, auth);
    await reader.next();
    sim.injectFault({ kind: 'throttle', retryAfterSeconds: 1 }, { trackingId: batch.trackingId });
    const retrying = await reader.next();
    expect(retrying.event).toBe('retrying');
    expect(retrying.id).toBeUndefined();
    expect(retrying.json).toMatchObject({ type: 'retrying', status: 429, retryInMs: expect.any(Number) });
    expect(retrying.json.retryInMs).toBeGreaterThanOrEqual(1_000);
    clock.advance(2_500);
    const next = await reader.next();
    expect(next.json).toMatchObject({ type: 'batch-status', seq: 2, to: 'processing' });
    reader.close();
  });

  it('answers an unknown batch with a 404 ApiFault instead of a stream', async () => {
    const { proxy } = await setup();
    const res = await proxy.get(`${statusPath(CUSTOMER, '11111111-2222-4333-8444-555555555555')}/events`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: '1000', source: 'PartnerApiServiceControllers' });
    await eventually(() => proxy.proxy.hub.size === 0, 'no poller left');
  });

  it("answers HEAD with the stream's headers and no body (an unknown batch: the 404 a GET gets), holding nothing open", async () => {
    const { eventsUrl, proxy } = await setup();
    const head = await fetch(eventsUrl, { method: 'HEAD', headers: auth });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await head.text()).toBe('');
    const unknown = await fetch(`${proxy.url}${statusPath(CUSTOMER, '11111111-2222-4333-8444-555555555555')}/events`, { method: 'HEAD', headers: auth });
    expect(unknown.status).toBe(404);
    expect(proxy.proxy.hub.size).toBe(0);
    expect(await (await proxy.get('/metrics')).text()).toMatch(/^batchwatch_proxy_sse_subscribers 0$/m);
  });

  it('writes the same events, unframed, to an HTTP/1.0 client', async () => {
    const { clock, proxy, batch, eventsUrl } = await setup();
    const path = `${statusPath(CUSTOMER, batch.trackingId)}/events`;
    const chunked = await openEvents(eventsUrl, auth);
    await chunked.next();
    const plain = rawRequest(proxy.port, `GET ${path} HTTP/1.0\r\nAuthorization: Bearer ${KEYS.tui}\r\n\r\n`);
    await eventually(() => proxy.proxy.hub.poller(CUSTOMER, batch.trackingId)?.subscriberCount === 2, 'both subscribed');

    clock.advance(60_000); // every change, then done: each stream ends
    const expected = [await chunked.next(), ...(await chunked.rest())].map((e) => `${e.event} ${e.data}`);
    const [plainHead, plainBody] = (await plain).split('\r\n\r\n', 2) as [string, string];
    expect(plainHead).toMatch(/^HTTP\/1\.1 200/);
    expect(plainHead).not.toMatch(/transfer-encoding/i);
    const events = plainBody.split('\n\n').filter((block) => block.includes('event: '));
    const plainEvents = events.map((block) => `${/^event: (.*)$/m.exec(block)![1]} ${/^data: (.*)$/m.exec(block)![1]}`);
    expect(plainEvents.slice(-expected.length)).toEqual(expected); // the same bytes, no chunk sizes in between
    expect(plainEvents.at(-1)).toMatch(/^done /);
    expect(plainBody.split('\n').filter((line) => !/^(retry: |id: |event: |data: |: |$)/.test(line))).toEqual([]); // nothing but SSE lines
  });

  it('feeds the GET cache from the poller', async () => {
    const { eventsUrl, sim, batch, proxy } = await setup({ BATCHWATCH_POLL_INTERVAL_MS: '60000', BATCHWATCH_POLL_MAX_INTERVAL_MS: '60000' });
    const reader = await openEvents(eventsUrl, auth);
    await reader.next();
    const res = await proxy.get(statusPath(CUSTOMER, batch.trackingId));
    expect(res.headers.get('x-batchwatch-cache')).toBe('hit');
    expect(statusCalls(sim, batch.trackingId)).toHaveLength(1);
    reader.close();
  });
});

/** Reads whatever is still in flight after the last change and returns the latest seq. */
async function settle(reader: SseReader, seen: SseEvent[]): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 150)); // several polls; the clock stands still, so nothing new comes after these
  seen.push(...reader.drain());
  return Number(seen.at(-1)!.id);
}

describe('backpressure', () => {
  // 2,000 devices with 5 kB serial numbers: ~10 MB of events in one poll, more than socket buffers hold.
  const bulky: ScenarioDefinition = {
    name: 'bulky',
    queuedMs: 1_000,
    processingMs: 10_000,
    devices: Array.from({ length: 2_000 }, (_, i) => ({ serialNumber: `SN${String(i).padStart(6, '0')}${'x'.repeat(5_000)}` })),
  };

  it('disconnects a subscriber that stops reading, and keeps serving the others', { timeout: 60_000 }, async () => {
    const env = {
      BATCHWATCH_SSE_MAX_BUFFER_BYTES: '65536',
      // Two heartbeats behind make a subscriber slow: long enough apart that the eager reader, sharing this test
      // process with the proxy, takes a buffer's worth between beats even at load 14 on 2 cores (2 s did not).
      BATCHWATCH_SSE_HEARTBEAT_MS: '5000',
      BATCHWATCH_POLL_INTERVAL_MS: '200',
      BATCHWATCH_POLL_MAX_INTERVAL_MS: '200',
    };
    const { clock, proxy, batch } = await setup(env, bulky);
    const request = `GET ${statusPath(CUSTOMER, batch.trackingId)}/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEYS.tui}\r\n\r\n`;
    const reader = eagerSubscriber(proxy.port, `${statusPath(CUSTOMER, batch.trackingId)}/events`);
    await stalledSubscriber(proxy.port, request);
    await eventually(() => proxy.proxy.hub.poller(CUSTOMER, batch.trackingId)?.subscriberCount === 2, 'both subscribed');

    clock.advance(8_000); // every device appears at once
    const dropped = /^batchwatch_proxy_sse_dropped_total\{reason="slow"\} (\d+)$/m;
    let metrics = '';
    await eventually(async () => dropped.test((metrics = await (await proxy.get('/metrics')).text())), 'a subscriber dropped as slow');
    expect(metrics.match(dropped)?.[1]).toBe('1');
    expect(proxy.proxy.hub.poller(CUSTOMER, batch.trackingId)?.subscriberCount).toBe(1);

    clock.advance(60_000);
    const done = await reader.done;
    expect(done.snapshot.devicesStatus).toHaveLength(2_000);
  });
});

/**
 * A subscriber that takes everything as fast as it comes, without parsing it on the way (a test process busy
 * parsing 10 MB of events would itself fall behind), and reads the `done` event once the stream ends.
 */
function eagerSubscriber(port: number, path: string): { done: Promise<{ snapshot: { devicesStatus: unknown[] } }> } {
  const done = new Promise<{ snapshot: { devicesStatus: unknown[] } }>((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path, agent: false, headers: { Authorization: `Bearer ${KEYS.tui}` } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const at = text.lastIndexOf('event: done\ndata: ');
        if (at < 0) return reject(new Error('the stream ended without a done event'));
        resolve(JSON.parse(text.slice(at).split('\n')[1]!.slice('data: '.length)));
      });
      response.once('error', reject);
    });
    request.once('error', reject);
    defer(() => request.destroy());
  });
  done.catch(() => {}); // awaited at the end of the test; a drop before then must fail it there, not as an unhandled rejection
  return { done };
}

/**
 * A subscriber that reads its first byte and then nothing. It is a small Python process because its socket needs
 * a small, fixed receive buffer (SO_RCVBUF, which Node cannot set): with loopback autotuning (tcp_rmem up to
 * 32 MiB here) the kernel would absorb every event and the proxy would never see a slow reader.
 */
async function stalledSubscriber(port: number, request: string): Promise<void> {
  const script = [
    'import socket, sys',
    's = socket.socket()',
    's.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)',
    "s.connect(('127.0.0.1', int(sys.argv[1])))",
    's.sendall(sys.argv[2].encode())',
    's.recv(1)',
    "print('stalled', flush=True)",
    'sys.stdin.read()',
  ].join('\n');
  const child = spawn('python3', ['-c', script, String(port), request], { stdio: ['pipe', 'pipe', 'inherit'] });
  defer(() => child.kill());
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the stalled subscriber exited early (${code})`)));
    child.stdout.once('data', () => resolve());
  });
}
