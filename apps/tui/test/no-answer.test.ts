/**
 * A wrong URL fails in bounded time (exit 4) naming the host and the cause in words; after a first answer,
 * outages are waited out as before; one truncated answer does not end a watch. Tiny servers on loopback.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/run.js';
import { CUSTOMER, testIO, TRACKING } from './helpers.js';

vi.setConfig({ testTimeout: 60_000 });

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function run(baseUrl: string, flags: string[]) {
  const io = testIO({ env: { BATCHWATCH_TOKEN: 't' } });
  const code = await main(['watch', CUSTOMER, TRACKING, '--base-url', baseUrl, '--interval', '100ms', ...flags], io);
  return { code, stdout: io.stdout.text(), stderr: io.stderr.text() };
}

const body = (status: string) =>
  JSON.stringify({
    batchTrackingId: TRACKING,
    status,
    devicesStatus: [{ serialNumber: 'SN1', productKey: 'PK1', status: status === 'finished' ? 'finished' : 'processing' }],
  });

describe('a base URL that never answers', () => {
  it('connection refused: exit 4 within --connect-timeout, naming host and cause in words', async () => {
    const port = await freePort();
    const { code, stdout, stderr } = await run(`http://127.0.0.1:${port}`, ['--plain', '--connect-timeout', '1s']);
    expect(code).toBe(4);
    expect(stderr).toBe(`batchwatch: ✖ 127.0.0.1:${port} never answered in 1 s: connection refused. Check --base-url.\n`);
    expect(stdout + stderr).not.toContain('ECONNREFUSED');
  });

  it('https:// against an http port: the TLS handshake, in words', async () => {
    const { url } = await serve((_request, response) => response.end('plain http'));
    const { code, stderr } = await run(url.replace('http:', 'https:'), ['--plain', '--connect-timeout', '1s']);
    expect(code).toBe(4);
    expect(stderr).toMatch(/127\.0\.0\.1:\d+ never answered in 1 s: the TLS handshake failed \(is it an http:\/\/ address\?\)/);
  });

  it('an unknown host name, in Swedish', async () => {
    const { code, stderr } = await run('http://batchwatch-no-such-host.invalid', ['--plain', '--connect-timeout', '1s', '--locale', 'sv-SE']);
    expect(code).toBe(4);
    expect(stderr).toMatch(/batchwatch-no-such-host\.invalid svarade aldrig på 1 s: (okänt värdnamn|värdnamnet kunde inte slås upp)/);
  });

  it('after a first answer, an outage is waited out (here until --timeout)', async () => {
    let answers = 0;
    const { url } = await serve((request, response) => {
      if (request.url?.endsWith('/events')) return void response.writeHead(404).end();
      if (answers++ > 0) return void request.socket.destroy();
      response.writeHead(200, { 'content-type': 'application/json' }).end(body('processing'));
    });
    // A first answer slower than --connect-timeout would end the watch as "never answered": the bound is generous
    // so that a loaded machine still gets its first answer; the sockets destroyed after it fail at once anyway.
    const { code, stdout } = await run(url, ['--json', '--connect-timeout', '20s', '--timeout', '3s']);
    expect(code).toBe(4);
    const summary = JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as { outcome: string };
    expect(summary.outcome).toBe('timeout');
    expect(answers).toBeGreaterThan(1);
  });
});

describe('a truncated answer', () => {
  it('is waited out like a 5xx: the watch goes on to the end (exit 0)', async () => {
    let polls = 0;
    const { url } = await serve((request, response) => {
      if (request.url?.endsWith('/events')) return void response.writeHead(404).end();
      polls += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      if (polls === 2) return void response.end(body('processing').slice(0, 25));
      response.end(body(polls >= 3 ? 'finished' : 'processing'));
    });
    const { code, stdout } = await run(url, ['--json']);
    expect(code).toBe(0);
    const lines = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((line) => line.type === 'retrying')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ outcome: 'finished', exitCode: 0 });
  });
});
