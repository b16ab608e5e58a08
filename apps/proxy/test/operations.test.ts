import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createVirtualClock } from '@batchwatch/simulator';
import { baseEnv, CUSTOMER, defer, eventually, KEYS, openEvents, proxyFor, simulator, statusPath } from './helpers.js';

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

async function setup(env: Record<string, string> = {}) {
  const clock = createVirtualClock();
  const sim = await simulator({ clock });
  const batch = sim.addBatch('clean');
  const proxy = await proxyFor(sim.url, env);
  return { clock, sim, batch, proxy, path: statusPath(CUSTOMER, batch.trackingId) };
}

describe('probes', () => {
  it('answers /healthz and /readyz without credentials', async () => {
    const { proxy } = await setup();
    const health = await proxy.get('/healthz', { key: null });
    expect(health.status).toBe(200);
    expect((await health.json()) as any).toEqual({ status: 'ok' });
    const ready = await proxy.get('/readyz', { key: null });
    expect(ready.status).toBe(200);
    expect((await ready.json()) as any).toEqual({ status: 'ok' });
  });
});

describe('access log', () => {
  it('writes one line per request with its ids and caller, in the same shape on the hot path and elsewhere', async () => {
    const { proxy, path } = await setup();
    const requestId = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
    const correlationId = 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';
    await (await proxy.get(path, { headers: { 'MS-RequestId': requestId, 'MS-CorrelationId': correlationId } })).text();
    await (await proxy.get('/openapi.json')).text();
    await (await proxy.get('/healthz')).text();
    const lines = proxy.logs.map((line) => JSON.parse(line)).filter((line) => line.msg === 'request completed');
    const hot = lines.find((line) => line.reqId === requestId);
    expect(hot).toMatchObject({
      level: 'info',
      reqId: requestId,
      correlationId,
      method: 'GET',
      url: path,
      statusCode: 200,
      route: '/v1/customers/:customerId/batchJobStatus/:trackingId',
      caller: 'key:tui',
      keyId: expect.stringMatching(/^[0-9a-f]{8}$/),
      cache: 'miss',
      responseTime: expect.any(Number),
    });
    const other = lines.find((line) => line.url === '/openapi.json');
    expect(other).toMatchObject({ level: 'info', statusCode: 200, route: '/openapi.json', reqId: expect.any(String), correlationId: expect.any(String) });
    const keys = (line: Record<string, unknown>) =>
      Object.keys(line)
        .filter((key) => line[key] !== undefined)
        .sort();
    expect(keys(other).filter((key) => !['caller', 'keyId', 'cache'].includes(key))).toEqual(
      keys(hot).filter((key) => !['caller', 'keyId', 'cache'].includes(key)),
    );
    expect(lines.some((line) => line.url === '/healthz')).toBe(false); // probes are not logged
  });

  it('logs 4xx at warn and 5xx at error, with the error in the log line only', async () => {
    const { proxy, path, sim } = await setup({ BATCHWATCH_CACHE_TTL_MS: '0' });
    await (await proxy.get(path, { key: null })).text();
    sim.injectFault({ kind: 'status', status: 500 });
    const failed = await proxy.get(path.replace(/.{12}$/, '555555555555'));
    expect(await failed.text()).not.toContain('stack');
    const lines = proxy.logs.map((line) => JSON.parse(line)).filter((line) => typeof line.statusCode === 'number');
    expect(lines.find((line) => line.statusCode === 401)).toMatchObject({ level: 'warn', msg: 'request completed' });
    expect(lines.find((line) => line.statusCode === 502)).toMatchObject({
      level: 'error',
      msg: 'request errored',
      err: { type: 'PartnerCenterError', stack: expect.any(String) },
    });
  });
});

describe('/metrics', () => {
  it('exposes Prometheus metrics labelled by route template, never by URL', async () => {
    const { proxy, path, sim } = await setup();
    await (await proxy.get(path)).text();
    await (await proxy.get(path)).text();
    await (await proxy.get(path, { key: null })).text();
    sim.injectFault({ kind: 'status', status: 500 });
    await (await proxy.get(statusPath(CUSTOMER, '11111111-2222-4333-8444-555555555555'))).text();
    const reader = await openEvents(`${proxy.url}${path}/events`, { Authorization: `Bearer ${KEYS.tui}` });
    await reader.next();

    const res = await proxy.get('/metrics', { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const route = '/v1/customers/:customerId/batchJobStatus/:trackingId';
    expect(text).toContain(`batchwatch_proxy_http_requests_total{method="GET",route="${route}",status_code="200"} 2`);
    expect(text).toContain(`batchwatch_proxy_http_requests_total{method="GET",route="${route}",status_code="401"} 1`);
    expect(text).toContain(`batchwatch_proxy_http_request_duration_seconds_bucket{le="0.005",method="GET",route="${route}",status_code="200"}`);
    expect(text).toMatch(/^batchwatch_proxy_upstream_requests_total\{status_code="200"\} \d+$/m);
    expect(text).toMatch(/^batchwatch_proxy_upstream_requests_total\{status_code="500"\} 1$/m);
    expect(text).toMatch(/^batchwatch_proxy_upstream_request_duration_seconds_count\{status_code="200"\} \d+$/m);
    expect(text).toMatch(/^batchwatch_proxy_upstream_errors_total\{kind="http",status_code="500"\} 1$/m);
    expect(text).toMatch(/^batchwatch_proxy_cache_lookups_total\{result="hit"\} 1$/m);
    expect(text).toMatch(/^batchwatch_proxy_cache_lookups_total\{result="miss"\} 1$/m);
    expect(text).toMatch(/^batchwatch_proxy_cache_lookups_total\{result="error"\} 1$/m);
    expect(text).toMatch(/^batchwatch_proxy_coalesced_requests_total \d+$/m);
    expect(text).toMatch(/^batchwatch_proxy_sse_subscribers 1$/m);
    expect(text).toMatch(/^batchwatch_proxy_pollers 1$/m);
    expect(text).toMatch(/^batchwatch_proxy_sse_events_total\{type="snapshot"\} 1$/m);
    // prom-client's process metrics under their standard names, as stock Node.js dashboards query them.
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    // No label carries an id.
    for (const line of text.split('\n').filter((l) => !l.startsWith('#'))) expect(line).not.toMatch(GUID);
    reader.close();
  });
});

/** Follows a JSON pointer (`/components/schemas/X`) through a document; throws when it leads nowhere. */
function resolvePointer(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) throw new Error(`unresolvable JSON pointer ${pointer}`);
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

describe('/openapi.json and /docs', () => {
  it('serves proxy.yaml bundled into one JSON document whose references all resolve locally', async () => {
    const { proxy } = await setup();
    const res = await proxy.get('/openapi.json', { key: null });
    expect(res.status).toBe(200);
    const text = await res.text();
    const doc = JSON.parse(text);
    expect(doc.openapi).toBe('3.1.0');
    expect(text).not.toContain('partner-center.yaml');
    const status = doc.paths['/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}'];
    expect(status.get.operationId).toBe('getBatchJobStatus');
    expect(doc.paths['/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}/events'].get.operationId).toBe('streamBatchJobEvents');
    expect(doc.components.schemas.BatchUploadDetails).toBeDefined();
    expect(doc.components.securitySchemes).toEqual({ callerBearer: expect.any(Object) });
    const refs = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      expect(ref.startsWith('#/')).toBe(true);
      expect(() => resolvePointer(doc, ref.slice(1))).not.toThrow();
    }
  });

  it('serves the Swagger UI page and its assets from this origin only, and nothing else of the package', async () => {
    const { proxy } = await setup();
    const res = await proxy.get('/docs', { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/docs\/[\w.-]+$/);
      const file = await proxy.get(asset, { key: null });
      expect(file.status, asset).toBe(200);
      expect((await file.arrayBuffer()).byteLength, asset).toBeGreaterThan(50);
    }
    for (const other of ['/docs/package.json', '/docs/README.md', '/docs/index.html', '/docs/..%2Fpackage.json']) {
      expect((await proxy.get(other, { key: null })).status, other).toBe(404);
    }
  });
});

describe('graceful shutdown', () => {
  it('turns readiness to 503, ends event streams, drains in-flight requests, then stops accepting', async () => {
    const { sim, proxy, path } = await setup({ BATCHWATCH_SHUTDOWN_DELAY_MS: '300', BATCHWATCH_CACHE_TTL_MS: '0' });
    const reader = await openEvents(`${proxy.url}${path}/events`, { Authorization: `Bearer ${KEYS.tui}` });
    await reader.next();
    sim.injectFault({ kind: 'delay', ms: 600 });
    const inFlight = proxy.get(path);
    await eventually(() => sim.requests.length >= 2, 'the slow request reached upstream');

    const closed = proxy.close();
    const ready = await proxy.get('/readyz', { key: null });
    expect(ready.status).toBe(503);
    expect((await ready.json()) as any).toEqual({ status: 'shutting-down' });
    expect(ready.headers.get('connection')).toBe('close');

    await closed;
    await reader.ended; // the server ended the stream
    const slow = await inFlight;
    expect(slow.status).toBe(200); // drained, not cut
    expect(((await slow.json()) as any).batchTrackingId).toBeDefined();
    await expect(fetch(`${proxy.url}/healthz`)).rejects.toThrow();
    expect(proxy.proxy.hub.size).toBe(0);
  });

  it('answers requests still running after the grace period with 503 + Retry-After, then closes their connections', async () => {
    const { sim, proxy, path } = await setup({ BATCHWATCH_SHUTDOWN_GRACE_MS: '100', BATCHWATCH_UPSTREAM_TIMEOUT_MS: '10000' });
    sim.injectFault({ kind: 'delay', ms: 5_000 });
    const stuck = proxy.get(path).then(
      (res) => res.status,
      () => 'connection closed',
    );
    await eventually(() => sim.requests.length >= 1, 'the request reached upstream');
    await proxy.close();
    expect(await stuck).toBe(503);
  });

  it('exits 0 on SIGTERM, ending event streams (the real CLI)', { timeout: 60_000 }, async () => {
    const { sim, batch } = await setup();
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=@batchwatch/source', '--import', 'tsx', cli], {
      env: { ...process.env, ...baseEnv(sim.url), BATCHWATCH_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    defer(() => child.kill('SIGKILL'));
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await eventually(() => /"url":"http:\/\/127\.0\.0\.1:\d+"/.test(output), 'the proxy listening');
    const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output)![1]!;
    const reader = await openEvents(`${url}${statusPath(CUSTOMER, batch.trackingId)}/events`, { Authorization: `Bearer ${KEYS.tui}` });
    expect((await reader.next()).event).toBe('snapshot');
    child.kill('SIGTERM');
    await reader.ended;
    expect(await exited).toBe(0);
    expect(output).toContain('shut down');
    expect(output).not.toContain('simulator-token');
  });
});
