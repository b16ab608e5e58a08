import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/index.js';
import { baseEnv, CUSTOMER, defer, KEYS, OTHER_CUSTOMER, proxyFor, simulator, statusCalls, statusPath } from './helpers.js';

const lines = (logs: string[]) => logs.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((line) => JSON.parse(line) as Record<string, any>);

async function setup(env: Record<string, string | undefined> = {}) {
  const sim = await simulator();
  const batch = sim.addBatch('clean');
  const proxy = await proxyFor(sim.url, env);
  return { sim, batch, proxy, path: statusPath(CUSTOMER, batch.trackingId) };
}

const oldKey = 'tui-old-key-0a1b2c3d4e5f6a7b';
const newKey = 'tui-new-key-7b6a5f4e3d2c1b0a';

/** A proxy reading its keys from a file that holds `oldKey` for `tui`. */
async function keyFileProxy() {
  const file = join(folder(), 'api-keys');
  writeFileSync(file, `tui=${oldKey}\n`);
  return { ...(await setup({ BATCHWATCH_API_KEYS: undefined, BATCHWATCH_API_KEYS_FILE: file, BATCHWATCH_CUSTOMER_ACL: 'tui=*' })), file };
}

/** Replaces the key file the way Kubernetes does (a rename) and waits until the proxy logged the reload. */
async function replaceKeyFile(proxy: { logs: string[] }, file: string, text: string): Promise<void> {
  const reloads = () => proxy.logs.filter((line) => line.includes('API keys reloaded')).length;
  const before = reloads();
  const reloaded = new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (reloads() > before) resolve(clearInterval(check));
    }, 10);
  });
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
  await reloaded;
}

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'batchwatch-platform-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('audit', () => {
  it('writes one line per customer read, refusals included, even with BATCHWATCH_LOG_LEVEL=silent', async () => {
    const { proxy, path, batch } = await setup({ BATCHWATCH_LOG_LEVEL: 'silent' });
    expect((await proxy.get(path)).status).toBe(200);
    expect((await proxy.get(statusPath(OTHER_CUSTOMER, batch.trackingId))).status).toBe(403);
    expect((await proxy.get('/healthz')).status).toBe(200);
    await proxy.close();
    const all = lines(proxy.logs);
    expect(all.every((line) => line.log === 'audit')).toBe(true);
    expect(all.map(({ caller, customerId, status, msg, level }) => ({ caller, customerId, status, msg, level }))).toEqual([
      { caller: 'key:tui', customerId: CUSTOMER, status: 200, msg: 'customer read', level: 'info' },
      { caller: 'key:tui', customerId: OTHER_CUSTOMER, status: 403, msg: 'customer read', level: 'info' },
    ]);
    expect(all[0]).toMatchObject({
      keyId: expect.stringMatching(/^[0-9a-f]{8}$/),
      trackingId: batch.trackingId,
      requestId: expect.any(String),
      version: expect.any(String),
    });
  });
});

describe('log lines', () => {
  it('carry ISO times, string levels and the version; the start logs a configuration summary without secrets', async () => {
    const { proxy, path } = await setup();
    await (await proxy.get(path)).text();
    const all = lines(proxy.logs);
    for (const line of all) {
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(['debug', 'info', 'warn', 'error']).toContain(line.level);
      expect(line.version).toMatch(/^\d+\.\d+\.\d+/);
    }
    const summary = all.find((line) => line.msg === 'configuration');
    expect(summary?.config).toMatchObject({
      upstream: { credential: { kind: 'static-token' } },
      auth: { mode: 'required', apiKeys: expect.arrayContaining([{ name: 'tui', id: expect.any(String) }]) },
    });
    const text = proxy.logs.join('');
    for (const secret of [...Object.values(KEYS), 'simulator-token']) expect(text).not.toContain(secret);
  });
});

describe('secrets and keys from files', () => {
  it('reads the upstream token from BATCHWATCH_UPSTREAM_TOKEN_FILE', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'token'), 'simulator-token\n');
    const { proxy, path } = await setup({ BATCHWATCH_UPSTREAM_TOKEN: undefined, BATCHWATCH_UPSTREAM_TOKEN_FILE: join(dir, 'token') });
    expect((await proxy.get(path)).status).toBe(200);
  });

  it('takes a rotated API key from BATCHWATCH_API_KEYS_FILE without a restart; both keys of a name work meanwhile', async () => {
    const { proxy, path, file } = await keyFileProxy();
    expect((await proxy.get(path, { key: oldKey })).status).toBe(200);
    expect((await proxy.get(path, { key: newKey })).status).toBe(401);

    await replaceKeyFile(proxy, file, `tui=${oldKey}\ntui=${newKey}\n`);
    expect((await proxy.get(path, { key: oldKey })).status).toBe(200);
    expect((await proxy.get(path, { key: newKey })).status).toBe(200);
    const ids = lines(proxy.logs)
      .filter((line) => line.msg === 'request completed' && line.statusCode === 200)
      .map((line) => line.keyId);
    expect(new Set(ids).size).toBe(2); // each key shows up with its own id
  });

  it('refuses a key taken out of BATCHWATCH_API_KEYS_FILE once the file is reloaded, though it was used (and remembered) before', async () => {
    const { proxy, path, file } = await keyFileProxy();
    expect((await proxy.get(path, { key: oldKey })).status).toBe(200);
    await replaceKeyFile(proxy, file, `tui=${newKey}\n`);
    expect((await proxy.get(path, { key: oldKey })).status).toBe(401);
    expect((await proxy.get(path, { key: newKey })).status).toBe(200);
  });
});

describe('configuration checks', () => {
  it('refuses unknown BATCHWATCH_* variables with a suggestion, and accepts HOST=[::1]', () => {
    const env = baseEnv('http://127.0.0.1:1');
    expect(() => loadConfig({ ...env, BATCHWATCH_LOGLEVEL: 'debug' })).toThrow('unknown variable BATCHWATCH_LOGLEVEL (did you mean BATCHWATCH_LOG_LEVEL?)');
    expect(loadConfig({ ...env, BATCHWATCH_HOST: '[::1]' }).host).toBe('::1');
  });
});

describe('the edge', () => {
  it('believes X-Forwarded-For and -Proto only from BATCHWATCH_TRUSTED_PROXIES; HSTS only over TLS', async () => {
    const trusted = await setup({ BATCHWATCH_TRUSTED_PROXIES: '127.0.0.1/32' });
    const forwarded = { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https' };
    const res = await trusted.proxy.get(trusted.path, { headers: forwarded });
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect((await trusted.proxy.get(trusted.path)).headers.get('strict-transport-security')).toBeNull();
    const untrusted = await setup();
    expect((await untrusted.proxy.get(untrusted.path, { headers: forwarded })).headers.get('strict-transport-security')).toBeNull();
    const addresses = (logs: string[]) =>
      lines(logs)
        .filter((l) => l.msg === 'request completed')
        .map((l) => l.remoteAddress);
    expect(addresses(trusted.proxy.logs)[0]).toBe('203.0.113.9');
    expect(addresses(untrusted.proxy.logs)[0]).toMatch(/127\.0\.0\.1$/);
  });

  it('keeps an ingress X-Request-Id: echoed, logged, and the response still has its MS-RequestId GUID', async () => {
    const { proxy, path } = await setup();
    const res = await proxy.get(path, { headers: { 'X-Request-Id': 'ingress-7f3a9c' } });
    expect(res.headers.get('x-request-id')).toBe('ingress-7f3a9c');
    expect(res.headers.get('ms-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines(proxy.logs).find((l) => l.msg === 'request completed')).toMatchObject({ xRequestId: 'ingress-7f3a9c' });
  });

  it('has CORS off by default (a preflight gets 405) and answers preflights of allowed origins only', async () => {
    const preflight = (url: string, origin: string) =>
      fetch(url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' } });
    const off = await setup();
    expect((await preflight(`${off.proxy.url}${off.path}`, 'https://portal.example.com')).status).toBe(405);

    const on = await setup({ BATCHWATCH_CORS_ORIGINS: 'https://portal.example.com' });
    const allowed = await preflight(`${on.proxy.url}${on.path}`, 'https://portal.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://portal.example.com');
    expect(allowed.headers.get('access-control-allow-methods')).toBe('GET,HEAD');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const other = await preflight(`${on.proxy.url}${on.path}`, 'https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const get = await on.proxy.get(on.path, { headers: { Origin: 'https://portal.example.com' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-expose-headers')).toContain('ETag');
  });

  it('calls Partner Center through HTTP_PROXY (a forward proxy on loopback), and logs which proxy', async () => {
    const seen: string[] = [];
    const forward: Server = createServer((_req, res) => res.writeHead(405).end());
    forward.on('connect', (req, socket) => {
      seen.push(req.url!);
      const [host, port] = req.url!.split(':');
      const tunnel = connect(Number(port), host, () => socket.write('HTTP/1.1 200 Connection Established\r\n\r\n'));
      tunnel.pipe(socket).pipe(tunnel);
      tunnel.on('error', () => socket.destroy());
      socket.on('error', () => tunnel.destroy());
    });
    forward.listen(0, '127.0.0.1');
    await once(forward, 'listening');
    defer(() => new Promise((resolve) => forward.close(resolve)));
    defer(() => forward.closeAllConnections());
    const proxyUrl = `http://127.0.0.1:${(forward.address() as AddressInfo).port}`;
    const { proxy, path, sim, batch } = await setup({ HTTP_PROXY: proxyUrl });
    expect((await proxy.get(path)).status).toBe(200);
    expect(seen).toEqual([new URL(sim.url).host]);
    expect(statusCalls(sim, batch.trackingId)).toHaveLength(1);
    expect(lines(proxy.logs).find((l) => l.msg === 'configuration')?.config.egressProxies).toEqual([`${proxyUrl}/`]);
  });
});

describe('metrics for a platform', () => {
  it('exports build_info, dependency health, and one status label name', async () => {
    const { proxy, path } = await setup();
    expect((await proxy.get(path)).status).toBe(200);
    const text = await (await proxy.get('/metrics', { key: null })).text();
    expect(text).toMatch(/^batchwatch_build_info\{version="\d+\.\d+\.\d+[^"]*",node_version="[\d.]+"\} 1$/m);
    expect(text).toMatch(/^batchwatch_proxy_upstream_token_acquired\{credential="static-token"\} 1$/m);
    expect(text).toMatch(/^batchwatch_proxy_upstream_last_success_timestamp_seconds \d/m);
    expect(text).toMatch(/^batchwatch_proxy_upstream_requests_total\{status_code="200"\} 1$/m);
    expect(text).not.toMatch(/\bstatus="/);
  });
});
