import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { egressFromEnv } from '../src/egress.js';
import { defer, simulator } from './helpers.js';

/** A forward proxy on loopback: plain requests in absolute form are relayed, CONNECT is tunnelled; all recorded. */
async function forwardProxy(): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const upstream = request(req.url!, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req, socket) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = req.url!.split(':');
    const tunnel = connect(Number(port), host, () => socket.write('HTTP/1.1 200 Connection Established\r\n\r\n'));
    tunnel.pipe(socket).pipe(tunnel);
    tunnel.on('error', () => socket.destroy());
    socket.on('error', () => tunnel.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise((resolve) => server.close(resolve)));
  defer(() => server.closeAllConnections());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('egress through HTTP_PROXY / HTTPS_PROXY / NO_PROXY (undici EnvHttpProxyAgent)', () => {
  it('goes direct, with the global fetch, when no proxy variable is set', () => {
    const egress = egressFromEnv({});
    expect(egress.proxies).toEqual([]);
    expect(egress.fetch).toBe(globalThis.fetch);
  });

  it('sends http calls through HTTP_PROXY (undici tunnels them too, with CONNECT), and names the proxy without its credentials', async () => {
    const sim = await simulator();
    const batch = sim.addBatch('clean');
    const forward = await forwardProxy();
    const withUser = forward.url.replace('http://', 'http://user:pass@');
    const egress = egressFromEnv({ HTTP_PROXY: withUser });
    expect(egress.proxies).toEqual([`${forward.url}/`]);
    const res = await egress.fetch(`${sim.url}${batch.statusPath}`, { headers: { Authorization: 'Bearer simulator-token' } });
    expect(res.status).toBe(200);
    expect(forward.seen).toEqual([`CONNECT ${new URL(sim.url).host}`]);
  });

  it('tunnels https calls through HTTPS_PROXY with CONNECT', async () => {
    const sim = await simulator();
    const forward = await forwardProxy();
    const egress = egressFromEnv({ HTTPS_PROXY: forward.url });
    // The simulator speaks plain HTTP, so the TLS handshake through the tunnel fails; the CONNECT is what counts.
    await expect(egress.fetch(`${sim.url.replace('http:', 'https:')}/v1/x`)).rejects.toThrow();
    expect(forward.seen).toEqual([`CONNECT ${new URL(sim.url).host}`]);
  });

  it('goes direct for hosts in NO_PROXY', async () => {
    const sim = await simulator();
    const batch = sim.addBatch('clean');
    const forward = await forwardProxy();
    const egress = egressFromEnv({ HTTP_PROXY: forward.url, NO_PROXY: 'localhost,127.0.0.1' });
    expect((await egress.fetch(`${sim.url}${batch.statusPath}`, { headers: { Authorization: 'Bearer simulator-token' } })).status).toBe(200);
    expect(forward.seen).toEqual([]);
  });
});
