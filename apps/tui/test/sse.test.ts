/**
 * The SSE path: a scripted event-stream server (to drop connections and check Last-Event-ID, which a real
 * proxy does not do on demand). The real proxy in front of the simulator: tests/e2e/test/tui-sse.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/run.js';
import { CUSTOMER, device, testIO, TRACKING } from './helpers.js';

vi.setConfig({ testTimeout: 30_000 });

type Handler = (req: IncomingMessage, res: ServerResponse, connection: number) => void;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(handler: Handler): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    requests.push(req);
    if (req.url?.endsWith('/events')) connections += 1;
    handler(req, res, connections);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function openStream(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
  res.write('retry: 100\n\n');
}

function send(res: ServerResponse, event: Record<string, unknown>): void {
  res.write(`${'seq' in event ? `id: ${event.seq}\n` : ''}event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

const at = '2026-01-01T10:00:00.000Z';
const snapshotBody = (status: string, devices: unknown[]) => ({
  batchTrackingId: TRACKING,
  status,
  startedTime: '2026-01-01T10:00:00',
  devicesStatus: devices,
});

async function runJson(url: string) {
  const io = testIO({ env: { BATCHWATCH_TOKEN: 'proxy-key' } });
  const code = await main(['watch', CUSTOMER, TRACKING, '--base-url', url, '--json', '--timeout', '20s'], io);
  const lines = io.stdout
    .text()
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, events: lines.slice(0, -1), summary: lines.at(-1)!, stderr: io.stderr.text() };
}

describe('the proxy event stream', () => {
  it('turns wire events into watch events, reconnects with Last-Event-ID after a drop, and ends on done', async () => {
    const server = await serve((req, res, connection) => {
      if (!req.url?.endsWith('/events')) return res.writeHead(500).end();
      openStream(res);
      if (connection === 1) {
        send(res, { type: 'snapshot', seq: 1, at, snapshot: snapshotBody('processing', [device('A', 'processing'), device('B', 'processing')]) });
        send(res, { type: 'device-status', seq: 2, at, from: 'processing', device: device('A', 'finished') });
        send(res, { type: 'retrying', at, status: 503, code: '503', description: 'Service unavailable', retryInMs: 5000 });
        setTimeout(() => res.destroy(), 50); // the connection drops mid-batch
        return;
      }
      send(res, {
        type: 'device-status',
        seq: 3,
        at,
        from: 'processing',
        device: device('B', 'finished_with_errors', { errorCode: '808', errorDescription: 'ZtdDeviceAssignedToOtherTenant' }),
      });
      send(res, { type: 'device-added', seq: 4, at, device: device('C', 'finished') });
      send(res, {
        type: 'batch-status',
        seq: 5,
        at,
        from: 'processing',
        to: 'finished',
        startedTime: '2026-01-01T10:00:00',
        completedTime: '2026-01-01T10:03:00',
      });
      const final = snapshotBody('finished', [device('A', 'finished'), device('B', 'finished_with_errors', { errorCode: '808' }), device('C', 'finished')]);
      send(res, { type: 'done', seq: 6, at, snapshot: { ...final, completedTime: '2026-01-01T10:03:00' } });
      res.end();
    });

    const { code, events, summary } = await runJson(server.url);
    expect(code).toBe(1);
    const streams = server.requests.filter((req) => req.url?.endsWith('/events'));
    expect(streams).toHaveLength(2);
    expect(streams[0]!.headers.authorization).toBe('Bearer proxy-key');
    expect(streams[0]!.headers['last-event-id']).toBeUndefined();
    expect(streams[1]!.headers['last-event-id']).toBe('2');
    expect(streams[1]!.headers['ms-correlationid']).toBe(summary.correlationId);
    expect(server.requests.filter((req) => !req.url?.endsWith('/events'))).toHaveLength(0); // never polled

    expect(events.map((event) => event.type)).toEqual(['snapshot', 'device-status', 'retrying', 'retrying', 'device-status', 'device-added', 'batch-status']);
    expect(events[2]).toMatchObject({ type: 'retrying', status: 503, retryInMs: 5000 });
    expect(events[3]).toMatchObject({ type: 'retrying', status: 0, description: 'the event stream was interrupted' });
    expect(events[4]).toMatchObject({
      type: 'device-status',
      from: 'processing',
      status: 'finished_with_errors',
      error: { code: '808', name: 'ZtdDeviceAssignedToOtherTenant' },
    });
    expect(events[6]).toMatchObject({ type: 'batch-status', from: 'processing', to: 'finished', completedTime: '2026-01-01T10:03:00.000Z' });
    expect(summary).toMatchObject({ source: 'sse', outcome: 'finished', total: 3, done: 3, status: 'finished', completedTime: '2026-01-01T10:03:00.000Z' });
    expect(summary.failed).toEqual([expect.objectContaining({ serialNumber: 'B', errorCode: '808' })]);
  });

  it('a fresh snapshot after a reconnect becomes just the changes since the last known state', async () => {
    const server = await serve((_req, res, connection) => {
      openStream(res);
      if (connection === 1) {
        send(res, { type: 'snapshot', seq: 1, at, snapshot: snapshotBody('processing', [device('A', 'processing')]) });
        setTimeout(() => res.destroy(), 50);
        return;
      }
      // The proxy no longer holds the events after seq 1: it starts over with a snapshot.
      send(res, { type: 'snapshot', seq: 9, at, snapshot: snapshotBody('processing', [device('A', 'finished'), device('B', 'finished')]) });
      send(res, { type: 'done', seq: 10, at, snapshot: snapshotBody('finished', [device('A', 'finished'), device('B', 'finished')]) });
      res.end();
    });
    const { code, events } = await runJson(server.url);
    expect(code).toBe(0);
    expect(events.filter((event) => event.type !== 'retrying').map((event) => `${event.type}:${event.seq}`)).toEqual([
      'snapshot:1',
      'device-status:2',
      'device-added:3',
      'batch-status:4',
    ]);
  });

  it('falls back to polling when the base URL answers the events path with something else', async () => {
    const server = await serve((req, res) => {
      if (req.url?.endsWith('/events')) return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>not here</html>');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(snapshotBody('finished', [device('A', 'finished')])));
    });
    const { code, summary } = await runJson(server.url);
    expect(code).toBe(0);
    expect(summary.source).toBe('polling');
  });

  it('stops with exit 3 when the stream is refused on reconnect (401)', async () => {
    const server = await serve((req, res, connection) => {
      if (!req.url?.endsWith('/events')) return res.writeHead(500).end();
      if (connection === 1) {
        openStream(res);
        send(res, { type: 'snapshot', seq: 1, at, snapshot: snapshotBody('processing', [device('A', 'processing')]) });
        setTimeout(() => res.destroy(), 50);
        return;
      }
      res
        .writeHead(401, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ code: 'unauthorized', description: 'The API key was revoked.', source: 'batchwatch-proxy' }));
    });
    const { code, stderr, summary } = await runJson(server.url);
    expect(code).toBe(3);
    expect(stderr).toMatch(/Not authorised \(HTTP 401, code unauthorized\).*The API key was revoked\./);
    expect(summary).toMatchObject({ outcome: 'error', total: 1 });
  });
});
