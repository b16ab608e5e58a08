/** Messages that used to mislead: no token, a 401 preceded by "Polling every", errors printed twice, "the proxy". */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { PartnerCenterError } from '@batchwatch/client';
import { translator } from '../src/i18n/index.js';
import { main } from '../src/run.js';
import { WatchSession } from '../src/session.js';
import { App } from '../src/ui/App.js';
import { WatchGroup } from '../src/group.js';
import { batch, capture, CUSTOMER, device, plain, ScriptedSource, testIO, TRACKING, waitFor } from './helpers.js';

vi.setConfig({ testTimeout: 30_000 });

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url?.endsWith('/events')) return void response.writeHead(404).end();
    response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 401, description: 'Partner Token missing in request context' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a 401', () => {
  it('without any token says so and how to give one; no "Polling every" line before it', async () => {
    const io = testIO({ env: {} });
    const code = await main(['watch', CUSTOMER, TRACKING, '--base-url', url, '--plain'], io);
    expect(code).toBe(3);
    expect(io.stderr.text()).toMatch(/Not authorised \(HTTP 401\): no token was given\. Set --token or BATCHWATCH_TOKEN/);
    expect(io.stdout.text()).not.toMatch(/Polling every/);
  });

  it('with a token, the usual advice', async () => {
    const io = testIO({ env: { BATCHWATCH_TOKEN: 'wrong' } });
    expect(await main(['watch', CUSTOMER, TRACKING, '--base-url', url, '--plain'], io)).toBe(3);
    expect(io.stderr.text()).toMatch(/check the token or credentials/);
  });

  it('plain mode on a terminal prints the error once (stdout and stderr are the same screen)', async () => {
    const stdout = capture(true);
    const stderr = capture(true);
    const io = { ...testIO({ env: { BATCHWATCH_TOKEN: 'wrong' } }), stdout, stderr };
    expect(await main(['watch', CUSTOMER, TRACKING, '--base-url', url, '--plain'], io)).toBe(3);
    expect((stdout.text() + stderr.text()).match(/Not authorised/g)).toHaveLength(1);
  });
});

describe('the proxy is down', () => {
  it('the header stops saying "live events from the proxy" and the notice says "the proxy"', async () => {
    const source = new ScriptedSource('sse');
    const session = new WatchSession(source, { customerId: CUSTOMER, trackingId: TRACKING, correlationId: 'c', intervalMs: 5_000, viaProxy: true });
    void session.run();
    const app = render(
      <App group={new WatchGroup([session])} t={translator('en-US')} locale="en-US" size={{ rows: 30, columns: 140 }} clock={() => Date.now()} />,
    );
    await source.ready();
    source.emit({ type: 'snapshot', seq: 1, at: new Date(), snapshot: batch('processing', [device('A', 'processing')]) });
    await waitFor(() => plain(app.lastFrame()).includes('live events from the proxy (SSE)'), 'the SSE source line');
    const error = new PartnerCenterError({ kind: 'network', description: 'ECONNREFUSED' });
    source.emit({ type: 'retrying', at: new Date(), error, retryInMs: 5_000, snapshot: undefined });
    await waitFor(() => plain(app.lastFrame()).includes('the proxy is not answering'), `the header in\n${plain(app.lastFrame())}`);
    const frame = plain(app.lastFrame());
    expect(frame).toMatch(/The proxy cannot be reached \(connection refused\); retrying in \d s/);
    expect(frame).toMatch(/Proxy trouble: connection refused; retrying in 5 s/);
    session.interrupt();
    cleanup();
  });
});
