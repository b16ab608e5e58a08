import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createVirtualClock } from '@batchwatch/simulator';
import express from 'express';
import helmet from 'helmet';
import { ConfigError, loadConfig, staticHelmetHeaders } from '../src/index.js';
import { HELMET_OPTIONS } from '../src/front-door.js';
import { baseEnv, CUSTOMER, defer, KEYS, OTHER_CUSTOMER, proxyFor, rawRequest, simulator, statusCalls, statusPath, UPSTREAM_TOKEN } from './helpers.js';

const ISSUER = 'https://login.example.test/tenant/v2.0';
const AUDIENCE = 'api://batchwatch-proxy';

async function jwksServer() {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  return { url, privateKey };
}

function token(
  key: CryptoKey,
  claims: Record<string, unknown>,
  options: { issuer?: string; audience?: string; expiresIn?: string | number; kid?: string } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'test-key' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setSubject('svc-tui')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(key);
}

async function setup(env: Record<string, string> = {}) {
  const clock = createVirtualClock();
  const sim = await simulator({ clock });
  const mine = sim.addBatch('clean');
  const theirs = sim.addBatch('clean', { customerId: OTHER_CUSTOMER });
  const proxy = await proxyFor(sim.url, env);
  return { sim, clock, proxy, mine, theirs };
}

describe('caller authentication', () => {
  it('refuses a request without credentials (401, WWW-Authenticate, no upstream call)', async () => {
    const { sim, proxy, mine } = await setup();
    const res = await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="batchwatch-proxy"/);
    expect(await res.json()).toMatchObject({ code: 'Unauthorized', source: 'batchwatch-proxy', data: [] });
    expect(statusCalls(sim)).toHaveLength(0);
  });

  it.each([
    ['a wrong key', { Authorization: `Bearer ${KEYS.tui}x` }],
    ['a prefix of a key', { Authorization: `Bearer ${KEYS.tui.slice(0, 10)}` }],
    ['the upstream token', { Authorization: `Bearer ${UPSTREAM_TOKEN}` }],
    ['another scheme', { Authorization: `Basic ${Buffer.from(`tui:${KEYS.tui}`).toString('base64')}` }],
  ])('refuses %s with 401', async (_name, headers) => {
    const { sim, proxy, mine } = await setup();
    const res = await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: null, headers });
    expect(res.status).toBe(401);
    expect(statusCalls(sim)).toHaveLength(0);
  });

  it('accepts a valid API key, and the scheme case-insensitively', async () => {
    const { proxy, mine } = await setup();
    expect((await proxy.get(statusPath(CUSTOMER, mine.trackingId))).status).toBe(200);
    const res = await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: null, headers: { Authorization: `bearer ${KEYS.tui}` } });
    expect(res.status).toBe(200);
  });

  describe('JWTs verified against a JWKS', () => {
    async function jwtSetup() {
      const jwks = await jwksServer();
      const ctx = await setup({
        BATCHWATCH_JWT_ISSUER: ISSUER,
        BATCHWATCH_JWT_AUDIENCE: AUDIENCE,
        BATCHWATCH_JWKS_URL: jwks.url,
        BATCHWATCH_JWT_CLOCK_TOLERANCE_S: '0',
      });
      return { ...ctx, key: jwks.privateKey };
    }

    it('accepts a valid token and authorises by its customers claim (array or space-separated)', async () => {
      const { proxy, mine, theirs, key, sim } = await jwtSetup();
      const asArray = await token(key, { customers: [CUSTOMER] });
      expect((await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: asArray })).status).toBe(200);
      expect((await proxy.get(statusPath(OTHER_CUSTOMER, theirs.trackingId), { key: asArray })).status).toBe(403);
      const asString = await token(key, { customers: `${OTHER_CUSTOMER} ${CUSTOMER}` });
      expect((await proxy.get(statusPath(OTHER_CUSTOMER, theirs.trackingId), { key: asString })).status).toBe(200);
      // The caller's JWT never travels upstream.
      for (const request of statusCalls(sim)) {
        expect(request.headers.authorization).toBe(`Bearer ${UPSTREAM_TOKEN}`);
        expect(JSON.stringify(request.headers)).not.toContain(asArray.slice(0, 40));
      }
    });

    it.each([
      ['expired', { expiresIn: Math.floor(Date.now() / 1000) - 60 }],
      ['for another audience', { audience: 'api://someone-else' }],
      ['from another issuer', { issuer: 'https://evil.example.test/' }],
    ])('refuses a token that is %s (401)', async (_name, options) => {
      const { proxy, mine, key, sim } = await jwtSetup();
      const jwt = await token(key, { customers: [CUSTOMER] }, options);
      const res = await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: jwt });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'Unauthorized', source: 'batchwatch-proxy' });
      expect(statusCalls(sim)).toHaveLength(0);
    });

    it('refuses a token signed by a key the JWKS does not hold', async () => {
      const { proxy, mine } = await jwtSetup();
      const stranger = await generateKeyPair('RS256');
      const jwt = await token(stranger.privateKey, { customers: [CUSTOMER] });
      expect((await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: jwt })).status).toBe(401);
    });

    it('refuses a token whose algorithm is not pinned (HS256), and an unsigned one', async () => {
      const { proxy, mine } = await jwtSetup();
      const hs = await new SignJWT({ customers: [CUSTOMER] })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject('x')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('a-shared-secret-of-sufficient-length!!'));
      expect((await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: hs })).status).toBe(401);
      const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: 9_999_999_999, customers: '*' })).toString('base64url');
      expect((await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: `${header}.${payload}.` })).status).toBe(401);
    });

    it('answers 503 (not 401) while the JWKS cannot be fetched: the token may well be valid', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const { proxy, mine } = await setup({
        BATCHWATCH_JWT_ISSUER: ISSUER,
        BATCHWATCH_JWT_AUDIENCE: AUDIENCE,
        BATCHWATCH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
      });
      const { privateKey } = await generateKeyPair('RS256');
      const res = await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: await token(privateKey, { customers: [CUSTOMER] }) });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toMatchObject({ code: 'ServiceUnavailable', source: 'batchwatch-proxy' });
    });

    it.each([
      ['a 5xx', 500, 'application/json', '{"error":"down"}'],
      ['a 404', 404, 'text/html', '<h1>Not found</h1>'],
      ['a body that is not JSON', 200, 'text/html', '<html>maintenance</html>'],
    ])('answers 503 with Retry-After (not 401) when the JWKS answers %s', async (_name, status, type, body) => {
      const broken = createServer((_req, res) => {
        res.writeHead(status, { 'Content-Type': type });
        res.end(body);
      });
      await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
      defer(() => new Promise<void>((resolve) => broken.close(() => resolve())));
      const { proxy, mine } = await setup({
        BATCHWATCH_JWT_ISSUER: ISSUER,
        BATCHWATCH_JWT_AUDIENCE: AUDIENCE,
        BATCHWATCH_JWKS_URL: `http://127.0.0.1:${(broken.address() as AddressInfo).port}/jwks.json`,
      });
      const { privateKey } = await generateKeyPair('RS256');
      const res = await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: await token(privateKey, { customers: [CUSTOMER] }) });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await res.json()).toMatchObject({ code: 'ServiceUnavailable', source: 'batchwatch-proxy' });
    });

    it('picks up a signing-key rotation (a new key under a known kid, or a new kid) without a restart', async () => {
      const keys = [await generateKeyPair('RS256')];
      let published: Array<{ kid: string; index: number }> = [{ kid: 'test-key', index: 0 }];
      const server = createServer(async (_req, res) => {
        const jwks = await Promise.all(
          published.map(async ({ kid, index }) => ({ ...(await exportJWK(keys[index]!.publicKey)), kid, alg: 'RS256', use: 'sig' })),
        );
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ keys: jwks }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const { proxy, mine } = await setup({
        BATCHWATCH_JWT_ISSUER: ISSUER,
        BATCHWATCH_JWT_AUDIENCE: AUDIENCE,
        BATCHWATCH_JWKS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
        BATCHWATCH_JWKS_COOLDOWN_MS: '0',
      });
      const get = async (index: number, kid: string) =>
        (await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: await token(keys[index]!.privateKey, { customers: [CUSTOMER] }, { kid }) })).status;
      expect(await get(0, 'test-key')).toBe(200);
      keys.push(await generateKeyPair('RS256'));
      published = [{ kid: 'test-key', index: 1 }]; // same kid, new key
      expect(await get(1, 'test-key')).toBe(200);
      keys.push(await generateKeyPair('RS256'));
      published = [{ kid: 'next-key', index: 2 }]; // new kid
      expect(await get(2, 'next-key')).toBe(200);
      expect(await get(0, 'test-key')).toBe(401); // the retired key is refused
    });

    it('gives a token without the customers claim no customer (403)', async () => {
      const { proxy, mine, key } = await jwtSetup();
      const jwt = await token(key, {});
      expect((await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: jwt })).status).toBe(403);
    });
  });
});

describe('per-caller customer allow-lists', () => {
  it('answers 403 for another customer, decided before the cache: no upstream call and no cached body leaks', async () => {
    const { sim, proxy, theirs } = await setup();
    // The `all` key warms the cache for the other customer's batch.
    const warm = await proxy.get(statusPath(OTHER_CUSTOMER, theirs.trackingId), { key: KEYS.all });
    expect(warm.status).toBe(200);
    const etag = warm.headers.get('etag')!;
    const before = statusCalls(sim).length;

    const denied = await proxy.get(statusPath(OTHER_CUSTOMER, theirs.trackingId), { key: KEYS.tui });
    expect(denied.status).toBe(403);
    const body: any = await denied.json();
    expect(body).toMatchObject({ code: 'Forbidden', source: 'batchwatch-proxy', data: [] });
    expect(JSON.stringify(body)).not.toContain(theirs.trackingId);
    expect(denied.headers.get('etag')).toBeNull();
    expect(denied.headers.get('x-batchwatch-cache')).toBeNull();
    // Probing with the ETag does not confirm anything either.
    const probe = await proxy.get(statusPath(OTHER_CUSTOMER, theirs.trackingId), { key: KEYS.tui, headers: { 'If-None-Match': etag } });
    expect(probe.status).toBe(403);
    expect(statusCalls(sim)).toHaveLength(before);
  });

  it('answers 403 on the event stream without starting a poller', async () => {
    const { sim, proxy, theirs } = await setup();
    const res = await proxy.get(`${statusPath(OTHER_CUSTOMER, theirs.trackingId)}/events`);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(proxy.proxy.hub.size).toBe(0);
    expect(statusCalls(sim)).toHaveLength(0);
  });

  it('lets a key read exactly its listed customers; a key without an entry reads none', async () => {
    const { proxy, mine, theirs } = await setup();
    expect((await proxy.get(statusPath(OTHER_CUSTOMER, theirs.trackingId), { key: KEYS.ci })).status).toBe(200);
    expect((await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: KEYS.ci })).status).toBe(200);
    expect((await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: KEYS.none })).status).toBe(403);
    // ACL entries compare case-insensitively.
    expect((await proxy.get(statusPath(CUSTOMER.toUpperCase(), mine.trackingId), { key: KEYS.tui })).status).toBe(200);
  });
});

describe('BATCHWATCH_AUTH=none', () => {
  it('is refused on a non-loopback host with a clear message', () => {
    const env = { ...baseEnv('http://127.0.0.1:1'), BATCHWATCH_AUTH: 'none', BATCHWATCH_HOST: '0.0.0.0' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/BATCHWATCH_AUTH=none is refused on 0\.0\.0\.0/);
  });

  it('works on loopback without credentials', async () => {
    const { proxy, mine } = await setup({ BATCHWATCH_AUTH: 'none' });
    expect((await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: null })).status).toBe(200);
  });

  it('is required explicitly: no keys and no JWT configuration is a configuration error', () => {
    const env = { ...baseEnv('http://127.0.0.1:1'), BATCHWATCH_API_KEYS: '', BATCHWATCH_CUSTOMER_ACL: '' };
    expect(() => loadConfig(env)).toThrow(/no caller authentication configured/);
  });
});

describe('input validation before anything else', () => {
  const bad = [
    ['a customer id that is not a GUID', `/v1/customers/not-a-guid/batchJobStatus/0127ed8e-ff72-4983-a3d8-e8d8bd378932`, 400],
    ['a tracking id that is not a GUID', `/v1/customers/${CUSTOMER}/batchJobStatus/12345`, 400],
    ['encoded traversal in the customer id', `/v1/customers/..%2F..%2Fv1%2Fcustomers/batchJobStatus/0127ed8e-ff72-4983-a3d8-e8d8bd378932`, 400],
    ['encoded traversal in the tracking id', `/v1/customers/${CUSTOMER}/batchJobStatus/..%2F..%2FdeviceBatches`, 400],
    ['plain traversal segments', `/v1/customers/${CUSTOMER}/batchJobStatus/../../deviceBatches`, 404],
    ['an encoded CR/LF', `/v1/customers/${CUSTOMER}/batchJobStatus/0127ed8e-ff72-4983-a3d8-e8d8bd378932%0d%0aX-Injected:%201`, 400],
    ['a GUID with trailing junk', `/v1/customers/${CUSTOMER}x/batchJobStatus/0127ed8e-ff72-4983-a3d8-e8d8bd378932`, 400],
    ['a broken %-escape', `/v1/customers/%E0%A4%A/batchJobStatus/0127ed8e-ff72-4983-a3d8-e8d8bd378932`, 400],
  ] as const;

  it.each(bad)('rejects %s without calling upstream', async (_name, path, status) => {
    const { sim, proxy } = await setup();
    const res = await proxy.get(path);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ source: 'batchwatch-proxy', data: [] });
    expect(statusCalls(sim)).toHaveLength(0);
  });

  it('validates ids before authentication (a bad id is 400 even without credentials)', async () => {
    const { sim, proxy } = await setup();
    const res = await proxy.get(`/v1/customers/nope/batchJobStatus/nope/events`, { key: null });
    expect(res.status).toBe(400);
    expect(statusCalls(sim)).toHaveLength(0);
  });

  it('rejects a header with CR/LF injected (raw socket) with a 400 ApiFault', async () => {
    const { sim, proxy, mine } = await setup();
    const answer = await rawRequest(
      proxy.port,
      `GET ${statusPath(CUSTOMER, mine.trackingId)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEYS.tui}\r\nMS-CorrelationId: a\rX-Injected: 1\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('"source":"batchwatch-proxy"');
    expect(statusCalls(sim)).toHaveLength(0);
  });

  it('rejects oversized headers with 431 and an oversized URL with a 4xx', async () => {
    const { sim, proxy, mine } = await setup();
    const big = await proxy.get(statusPath(CUSTOMER, mine.trackingId), { headers: { 'X-Filler': 'a'.repeat(20_000) } });
    expect(big.status).toBe(431);
    expect(await big.json()).toMatchObject({ code: 'RequestHeaderFieldsTooLarge', source: 'batchwatch-proxy' });
    const longUrl = await proxy.get(`${statusPath(CUSTOMER, mine.trackingId)}?${'q'.repeat(3_000)}`);
    expect(longUrl.status).toBe(414);
    const hugeUrl = await proxy.get(`${statusPath(CUSTOMER, mine.trackingId)}?${'q'.repeat(10_000)}`);
    expect(hugeUrl.status).toBe(431);
    expect(statusCalls(sim)).toHaveLength(0);
  });
});

describe('credentials stay where they belong', () => {
  it('never forwards the caller’s key upstream; upstream sees only the proxy’s token', async () => {
    const { sim, proxy, mine } = await setup();
    expect((await proxy.get(statusPath(CUSTOMER, mine.trackingId), { headers: { Cookie: 'session=abc', 'X-Api-Key': 'leak-me' } })).status).toBe(200);
    const [call] = statusCalls(sim);
    expect(call?.headers.authorization).toBe(`Bearer ${UPSTREAM_TOKEN}`);
    const sent = JSON.stringify(call?.headers);
    for (const value of [...Object.values(KEYS), 'session=abc', 'leak-me']) expect(sent).not.toContain(value);
  });

  it('never shows the upstream token in responses or log lines, nor the caller’s key in logs', async () => {
    const { sim, proxy, mine, clock } = await setup();
    const responses: Response[] = [];
    responses.push(await proxy.get(statusPath(CUSTOMER, mine.trackingId)));
    responses.push(await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: 'wrong-key-0000000000' }));
    responses.push(await proxy.get(statusPath(CUSTOMER, '11111111-2222-4333-8444-555555555555')));
    sim.injectFault({ kind: 'status', status: 500 });
    clock.advance(60_000);
    responses.push(await proxy.get(statusPath(CUSTOMER, '0127ed8e-ff72-4983-a3d8-e8d8bd378932')));
    responses.push(await proxy.get('/metrics'));
    responses.push(await proxy.get('/openapi.json'));
    const bad = await proxyFor(sim.url, { BATCHWATCH_UPSTREAM_TOKEN: 'wrong-upstream-token-123' });
    responses.push(await bad.get(statusPath(CUSTOMER, mine.trackingId)));
    for (const res of responses) {
      const text = (await res.text()) + JSON.stringify([...res.headers]);
      expect(text).not.toContain(UPSTREAM_TOKEN);
      expect(text).not.toContain('wrong-upstream-token-123');
    }
    await proxy.close();
    await bad.close();
    const logs = proxy.logs.join('') + bad.logs.join('');
    expect(proxy.logs.length).toBeGreaterThan(5);
    expect(logs).toContain('"caller":"key:tui"'); // requests were logged, with who made them
    expect(logs).not.toContain(UPSTREAM_TOKEN);
    expect(logs).not.toContain('wrong-upstream-token-123');
    expect(logs).not.toContain(KEYS.tui);
  });
});

describe('HTTP hygiene', () => {
  it('sends helmet’s headers and no x-powered-by', async () => {
    const { proxy, mine } = await setup();
    for (const path of [statusPath(CUSTOMER, mine.trackingId), '/healthz', '/nope']) {
      const res = await proxy.get(path);
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      // Plain http here: HSTS only follows TLS (see the edge tests).
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('sends exactly the headers helmet itself sets (they are precomputed once)', async () => {
    const app = express();
    app.use(helmet(HELMET_OPTIONS));
    app.get('/', (_req, res) => void res.end());
    const server = app.listen(0, '127.0.0.1');
    defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise((resolve) => server.once('listening', resolve));
    const direct = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const { proxy, mine } = await setup();
    for (const res of [await proxy.get(statusPath(CUSTOMER, mine.trackingId)), await proxy.get('/healthz'), await proxy.get('/nope', { key: null })]) {
      for (let i = 0; i < staticHelmetHeaders().length; i += 2) {
        const name = staticHelmetHeaders()[i]!;
        expect(res.headers.get(name), name).toBe(direct.headers.get(name));
      }
    }
    expect(staticHelmetHeaders().length / 2).toBe(
      [...direct.headers.keys()].filter((name) => !['date', 'connection', 'keep-alive', 'content-length'].includes(name)).length,
    );
  });

  it('gives /docs a CSP that allows this origin’s scripts, styles, images and fetches, and nothing else', async () => {
    const { proxy } = await setup();
    for (const path of ['/docs', '/docs/swagger-ui-bundle.js', '/docs/docs.js']) {
      const res = await proxy.get(path, { key: null });
      expect(res.headers.get('content-security-policy')).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      );
    }
  });

  it('rate-limits per caller with 429 + Retry-After as an ApiFault', async () => {
    const { proxy, mine, sim } = await setup({ BATCHWATCH_RATE_LIMIT: '2', BATCHWATCH_RATE_LIMIT_WINDOW_S: '60' });
    expect((await proxy.get(statusPath(CUSTOMER, mine.trackingId))).status).toBe(200);
    expect((await proxy.get(statusPath(CUSTOMER, mine.trackingId))).status).toBe(200);
    const limited = await proxy.get(statusPath(CUSTOMER, mine.trackingId));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ code: 'TooManyRequests', source: 'batchwatch-proxy', data: [] });
    // Another caller has its own budget.
    expect((await proxy.get(statusPath(CUSTOMER, mine.trackingId), { key: KEYS.all })).status).toBe(200);
    expect(statusCalls(sim).length).toBeLessThanOrEqual(1);
  });
});
