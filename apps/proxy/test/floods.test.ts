/**
 * Floods and HTTP edges: caps on connections and event streams (each refused clearly and counted), health
 * that stays answerable when idle sockets pile up under a low open-file limit, /metrics on its own port or
 * behind a key, absolute-form requests, and requests cut at shutdown.
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { createVirtualClock } from '@batchwatch/simulator';
import { baseEnv, CUSTOMER, defer, eventually, fakeUpstream, KEYS, openEvents, proxyFor, rawRequest, simulator, statusPath } from './helpers.js';

const TRACKING = '0127ed8e-ff72-4983-a3d8-e8d8bd378932';
const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

async function liveBatch(env: Record<string, string> = {}) {
  const sim = await simulator({ clock: createVirtualClock() });
  const { trackingId } = sim.addBatch('clean');
  const proxy = await proxyFor(sim.url, env);
  return { sim, proxy, eventsUrl: `${proxy.url}${statusPath(CUSTOMER, trackingId)}/events` };
}

/** Opens `count` TCP connections that send nothing; resolves once all are connected. */
async function idleSockets(port: number, count: number): Promise<Socket[]> {
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => resolve(socket));
          socket.on('error', () => resolve(socket)); // closed by the proxy: fine
        }),
    ),
  );
  defer(() => sockets.forEach((socket) => socket.destroy()));
  return sockets;
}

describe('caps on event streams', () => {
  it('refuses a caller past BATCHWATCH_SSE_MAX_STREAMS_PER_CALLER with 429 + Retry-After, and counts it', async () => {
    const { proxy, eventsUrl } = await liveBatch({ BATCHWATCH_SSE_MAX_STREAMS_PER_CALLER: '2' });
    const open = [await openEvents(eventsUrl, auth(KEYS.tui)), await openEvents(eventsUrl, auth(KEYS.tui))];
    await Promise.all(open.map((reader) => reader.next()));
    const third = await fetch(eventsUrl, { headers: auth(KEYS.tui) });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await third.json()).toMatchObject({ code: 'TooManyStreams', source: 'batchwatch-proxy' });
    const other = await openEvents(eventsUrl, auth(KEYS.all)); // another caller is not affected
    expect((await other.next()).event).toBe('snapshot');
    expect(await (await proxy.get('/metrics')).text()).toMatch(/^batchwatch_proxy_sse_refused_total\{reason="per-caller"\} 1$/m);

    open[0]!.close(); // a slot frees up when a stream ends
    await eventually(
      async () =>
        (await fetch(eventsUrl, { headers: auth(KEYS.tui), signal: AbortSignal.timeout(5_000) }).then((res) => {
          void res.body?.cancel();
          return res.status;
        })) === 200,
      'a freed slot',
    );
    open[1]!.close();
    other.close();
  });

  it('refuses anyone past BATCHWATCH_SSE_MAX_STREAMS with 503 + Retry-After', async () => {
    const { proxy, eventsUrl } = await liveBatch({ BATCHWATCH_SSE_MAX_STREAMS: '2' });
    const open = [await openEvents(eventsUrl, auth(KEYS.tui)), await openEvents(eventsUrl, auth(KEYS.all))];
    await Promise.all(open.map((reader) => reader.next()));
    const third = await fetch(eventsUrl, { headers: auth(KEYS.ci) });
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await third.json()).toMatchObject({ code: 'TooManyStreams' });
    expect(await (await proxy.get('/metrics')).text()).toMatch(/^batchwatch_proxy_sse_refused_total\{reason="total"\} 1$/m);
    open.forEach((reader) => reader.close());
  });
});

describe('the connection cap', () => {
  it('closes idle connections to make room, so /healthz stays answerable', async () => {
    const sim = await simulator();
    const proxy = await proxyFor(sim.url, { BATCHWATCH_MAX_CONNECTIONS: '16', BATCHWATCH_HEADERS_TIMEOUT_MS: '60000', BATCHWATCH_REQUEST_TIMEOUT_MS: '60000' });
    await idleSockets(proxy.port, 40);
    const health = await fetch(`${proxy.url}/healthz`, { signal: AbortSignal.timeout(20_000) });
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${proxy.url}/metrics`, { signal: AbortSignal.timeout(20_000) })).text();
    expect(metrics).toMatch(/^batchwatch_proxy_connections_refused_total\{reason="idle-closed"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^batchwatch_proxy_connections \d+$/m);
  });

  it('answers 503 + Retry-After to a new connection when every connection is busy', async () => {
    const { proxy, eventsUrl } = await liveBatch({ BATCHWATCH_MAX_CONNECTIONS: '16' });
    const streams = await Promise.all(Array.from({ length: 16 }, () => openEvents(eventsUrl, auth(KEYS.all))));
    await Promise.all(streams.map((reader) => reader.next()));
    const answer = await rawRequest(proxy.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toMatch(/\r\nRetry-After: \d+\r\n/);
    expect(answer).toContain('"code":"ServiceUnavailable"');
    streams.forEach((reader) => reader.close());
  });

  it('keeps /healthz answerable with 400 idle sockets under ulimit -n 256 (the proxy in its own process)', { timeout: 60_000 }, async () => {
    const sim = await simulator();
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const env = {
      ...process.env,
      ...baseEnv(sim.url),
      BATCHWATCH_LOG_LEVEL: 'info',
      BATCHWATCH_HEADERS_TIMEOUT_MS: '60000',
      BATCHWATCH_REQUEST_TIMEOUT_MS: '60000',
    };
    const child = spawn('bash', ['-c', `ulimit -n 256 && exec "${process.execPath}" --conditions=@batchwatch/source --import tsx "${cli}"`], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    defer(
      () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`the proxy exited with ${code}`)));
    });
    await idleSockets(Number(new URL(url).port), 400);
    const health = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(20_000) });
    expect(health.status).toBe(200);
  });
});

describe('a flood of new connections', () => {
  it('is accepted BATCHWATCH_ACCEPT_SOCKETS at a time where the port can be shared (Node ≥ 22.12 on Linux), one at a time elsewhere', async () => {
    const sim = await simulator();
    const proxy = await proxyFor(sim.url, { BATCHWATCH_ACCEPT_SOCKETS: '4' });
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    const sharable = process.platform === 'linux' && (major > 22 || (major === 22 && minor >= 12));
    expect(proxy.acceptSockets).toBe(sharable ? 4 : 1);

    // 200 handshakes complete in the kernel while this process is busy; then count what each event-loop turn accepts.
    let accepted = 0;
    proxy.server.on('connection', () => void accepted++);
    const clients = Array.from({ length: 200 }, () => connect(proxy.port, '127.0.0.1').on('error', () => {}));
    defer(() => clients.forEach((client) => client.destroy()));
    await new Promise((resolve) => process.nextTick(resolve)); // the connect calls are made on the next tick
    const busyUntil = Date.now() + 200;
    while (Date.now() < busyUntil); // the event loop is held: nothing is accepted meanwhile
    const perTurn: number[] = [];
    while (accepted < 200) {
      const before = accepted;
      await new Promise((resolve) => setImmediate(resolve));
      perTurn.push(accepted - before);
    }
    expect(Math.max(...perTurn)).toBe(proxy.acceptSockets);
    expect((await proxy.get('/healthz')).status).toBe(200);
  });
});

describe('/metrics, apart from the API', () => {
  it('is served on BATCHWATCH_METRICS_PORT and not on the API port', async () => {
    const sim = await simulator();
    const proxy = await proxyFor(sim.url, { BATCHWATCH_METRICS_PORT: '0' });
    expect(proxy.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(proxy.metricsUrl).not.toBe(proxy.url);
    const own = await fetch(`${proxy.metricsUrl}/metrics`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('batchwatch_proxy_http_requests_total');
    expect((await fetch(`${proxy.url}/metrics`)).status).toBe(404);
  });

  it('requires BATCHWATCH_METRICS_KEY when one is set', async () => {
    const sim = await simulator();
    const key = 'metrics-key-0123456789';
    const proxy = await proxyFor(sim.url, { BATCHWATCH_METRICS_KEY: key });
    expect((await fetch(`${proxy.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${proxy.url}/metrics`, { headers: auth(KEYS.tui) })).status).toBe(401);
    expect((await fetch(`${proxy.url}/metrics`, { headers: auth(key) })).status).toBe(200);
  });

  it('renders the metrics once for a flood of scrapes (it cannot starve the API)', async () => {
    const sim = await simulator();
    const proxy = await proxyFor(sim.url);
    const render = vi.spyOn(proxy.proxy.metrics.registry, 'metrics');
    const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(`${proxy.url}/metrics`).then((res) => res.status)));
    expect(answers.every((status) => status === 200)).toBe(true);
    expect(render.mock.calls.length).toBeLessThanOrEqual(2); // once, or twice if the flood straddled a render period
  });
});

describe('HTTP edges', () => {
  it('serves a GET in absolute form (GET http://host/v1/…), as some forward proxies send', async () => {
    const sim = await simulator({ clock: createVirtualClock() });
    const { trackingId } = sim.addBatch('clean');
    const proxy = await proxyFor(sim.url);
    const target = `http://127.0.0.1:${proxy.port}${statusPath(CUSTOMER, trackingId)}`;
    const answer = await rawRequest(proxy.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEYS.tui}\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain(trackingId);
  });

  it('logs requests cut at shutdown as warn 503, not as error-level 500s', async () => {
    const upstream = await fakeUpstream(() => {}); // never answers
    const proxy = await proxyFor(upstream.url, { BATCHWATCH_SHUTDOWN_GRACE_MS: '50', BATCHWATCH_UPSTREAM_TIMEOUT_MS: '60000' });
    const pending = proxy.get(statusPath(CUSTOMER, TRACKING)).then(
      (res) => res.status,
      () => 'cut',
    );
    await eventually(() => upstream.hits.length === 1, 'the upstream call');
    await proxy.close();
    await pending;
    const lines = proxy.logs.map((line) => JSON.parse(line) as { level: number; statusCode?: number; msg: string });
    expect(lines.find((line) => line.statusCode === 503)).toMatchObject({ level: 'warn' });
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  });
});
