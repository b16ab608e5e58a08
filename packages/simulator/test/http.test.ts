/** Routing, authentication, ids and headers, as a client on the wire sees them. */
import { describe, expect, it } from 'vitest';
import { GUID_PATTERN } from '@batchwatch/openapi';
import { startSimulator } from '../src/index.js';
import { AUTH, DOC_CUSTOMER, DOC_TRACKING, OTHER_CUSTOMER, call, get, json, post, rawRequest, startTestSimulator } from './support/http.js';

describe('the documented request example', () => {
  it('answers the exact request line and headers of the doc (lower-case batchjobstatus)', async () => {
    const sim = await startTestSimulator();
    sim.addBatch('device-errors', { customerId: DOC_CUSTOMER, trackingId: DOC_TRACKING });
    sim.clock.advance(3_600_000);
    const reply = await rawRequest(sim.url, {
      path: `/v1/customers/${DOC_CUSTOMER}/batchjobstatus/${DOC_TRACKING}`,
      headers: {
        Authorization: 'Bearer simulator-token',
        Accept: 'application/json',
        'MS-RequestId': 'e88d014d-ab70-41de-90a0-f7fd1797267d',
        'MS-CorrelationId': 'de894e18-f027-4ac0-8b5a-34f0c222af0c',
        'X-Locale': 'en-US',
        Host: 'api.partnercenter.microsoft.com',
      },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['ms-requestid']).toBe('e88d014d-ab70-41de-90a0-f7fd1797267d');
    expect(reply.headers['ms-correlationid']).toBe('de894e18-f027-4ac0-8b5a-34f0c222af0c');
    expect(reply.headers['ms-cv']).toMatch(/^[A-Za-z0-9+/]{16}\.\d+$/);
    expect(reply.headers['ms-serverid']).toMatch(/^\d+$/);
    expect(reply.headers['date']).toBe('Thu, 01 Jan 2026 01:00:00 GMT');
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(reply.headers['content-length'])).toBe(Buffer.byteLength(reply.text));
    const body = JSON.parse(reply.text);
    expect(body.batchTrackingId).toBe(DOC_TRACKING);
    expect(body.status).toBe('finished_with_errors');
  });
});

describe('paths and ids', () => {
  it('matches path segments and ids case-insensitively, and tolerates empty segments', async () => {
    const sim = await startTestSimulator();
    sim.addBatch('clean', { customerId: DOC_CUSTOMER, trackingId: DOC_TRACKING });
    const variants = [
      `/v1/customers/${DOC_CUSTOMER}/batchJobStatus/${DOC_TRACKING}`,
      `/V1/CUSTOMERS/${DOC_CUSTOMER.toUpperCase()}/BATCHJOBSTATUS/${DOC_TRACKING.toUpperCase()}`,
      `/v1//customers/${DOC_CUSTOMER}/batchJobStatus/${DOC_TRACKING}/`,
      `/v1/customers/${DOC_CUSTOMER}/batchJobStatus/${DOC_TRACKING}?api-version=v1`,
    ];
    for (const path of variants) {
      const reply = await get(sim, path);
      expect(reply.status, path).toBe(200);
      expect(json(reply).batchTrackingId).toBe(DOC_TRACKING);
    }
  });

  it('400 for ids that are not GUIDs: 900118 for the customer, 800002 for the tracking id', async () => {
    const sim = await startTestSimulator();
    const bad = await get(sim, `/v1/customers/contoso/batchJobStatus/${DOC_TRACKING}`);
    expect(bad.status).toBe(400);
    expect(json(bad)).toEqual({ code: '900118', description: 'Invalid Customer Id', data: [], source: 'PartnerApiServiceControllers' });
    const badTracking = await get(sim, `/v1/customers/${DOC_CUSTOMER}/batchJobStatus/not-a-guid`);
    expect(badTracking.status).toBe(400);
    expect(json(badTracking).code).toBe('800002');
  });

  it('404 ApiFault "1000" for unknown batches, other customers and unknown paths', async () => {
    const sim = await startTestSimulator();
    const batch = sim.addBatch('clean');
    const expected = { code: '1000', description: 'Not found', data: [], source: 'PartnerApiServiceControllers' };
    for (const path of [
      `/v1/customers/${DOC_CUSTOMER}/batchJobStatus/${crypto.randomUUID()}`,
      batch.statusPath.replace(batch.customerId, OTHER_CUSTOMER),
      '/v1/customers',
      '/',
      '/v2/customers/x/batchJobStatus/y',
    ]) {
      const reply = await get(sim, path);
      expect(reply.status, path).toBe(404);
      expect(json(reply)).toEqual(expected);
    }
  });

  it('405 with Allow for other methods on known paths', async () => {
    const sim = await startTestSimulator();
    const { statusPath } = sim.addBatch('clean');
    const onStatus = await post(sim, statusPath, {});
    expect(onStatus.status).toBe(405);
    expect(onStatus.headers['allow']).toBe('GET');
    expect(json(onStatus).description).toContain("'POST'");
    const onBatches = await call(`${sim.url}/v1/customers/${DOC_CUSTOMER}/deviceBatches`, { method: 'DELETE' });
    expect(onBatches.status).toBe(405);
    expect(onBatches.headers['allow']).toBe('GET, POST');
  });
});

describe('authentication', () => {
  it('401 ApiFault 800001 with WWW-Authenticate when the bearer token is missing or wrong', async () => {
    const sim = await startTestSimulator();
    const { statusPath } = sim.addBatch('clean');
    for (const authorization of [undefined, '', 'Bearer', 'Bearer wrong-token', 'Basic c2ltdWxhdG9yLXRva2Vu', 'simulator-token']) {
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (authorization !== undefined) headers['Authorization'] = authorization;
      const reply = await rawRequest(sim.url, { path: statusPath, headers });
      expect(reply.status, String(authorization)).toBe(401);
      expect(reply.headers['www-authenticate']).toMatch(/^OAuth realm=urn:cpsvc:cpid:[0-9a-f-]{36}$/);
      expect(JSON.parse(reply.text)).toMatchObject({ code: '800001', source: 'PartnerApiServiceControllers' });
    }
  });

  it('accepts the scheme in any case; token: null accepts any non-empty token; custom tokens work', async () => {
    const sim = await startTestSimulator();
    const { statusPath } = sim.addBatch('clean');
    expect((await get(sim, statusPath, { Authorization: 'bearer simulator-token' })).status).toBe(200);

    const open = await startTestSimulator({ token: null });
    const openPath = open.addBatch('clean').statusPath;
    expect((await get(open, openPath, { Authorization: 'Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi' })).status).toBe(200);
    expect((await get(open, openPath, { Authorization: 'Bearer ' })).status).toBe(401);

    const custom = await startTestSimulator({ token: 's3cret' });
    const customPath = custom.addBatch('clean').statusPath;
    expect((await get(custom, customPath)).status).toBe(401);
    expect((await get(custom, customPath, { Authorization: 'Bearer s3cret' })).status).toBe(200);
  });
});

describe('response headers', () => {
  it('generates MS-RequestId and MS-CorrelationId when the request has none, on success and on errors', async () => {
    const sim = await startTestSimulator();
    const { statusPath } = sim.addBatch('clean');
    for (const reply of [await get(sim, statusPath), await get(sim, '/nowhere'), await get(sim, statusPath, { Authorization: '' })]) {
      expect(reply.headers['ms-requestid']).toMatch(GUID_PATTERN);
      expect(reply.headers['ms-correlationid']).toMatch(GUID_PATTERN);
      expect(reply.headers['ms-cv']).toMatch(/^[A-Za-z0-9+/]{16}\.\d+$/);
      expect(reply.headers['ms-serverid']).toMatch(/^\d+$/);
      expect(reply.headers['date']).toBeDefined();
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    }
  });

  it('echoes MS-RequestId and MS-CorrelationId on errors too', async () => {
    const sim = await startTestSimulator();
    const reply = await get(sim, `/v1/customers/${DOC_CUSTOMER}/batchJobStatus/${DOC_TRACKING}`, {
      'MS-RequestId': 'aaaaaaaa-0000-4000-8000-000000000001',
      'MS-CorrelationId': 'bbbbbbbb-0000-4000-8000-000000000002',
    });
    expect(reply.status).toBe(404);
    expect(reply.headers['ms-requestid']).toBe('aaaaaaaa-0000-4000-8000-000000000001');
    expect(reply.headers['ms-correlationid']).toBe('bbbbbbbb-0000-4000-8000-000000000002');
  });
});

describe('the programmatic API', () => {
  it('records every request in order with lower-cased headers, and can forget them', async () => {
    const sim = await startTestSimulator();
    const { statusPath } = sim.addBatch('clean');
    await get(sim, statusPath, { 'MS-RequestId': 'aaaaaaaa-0000-4000-8000-000000000001' });
    await get(sim, '/nope');
    expect(sim.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', statusPath, 200],
      ['GET', '/nope', 404],
    ]);
    expect(sim.requests[0]!.headers['ms-requestid']).toBe('aaaaaaaa-0000-4000-8000-000000000001');
    expect(sim.requests[0]!.headers['authorization']).toBe(AUTH.Authorization);
    expect(sim.requests[0]!.at).toBe(sim.clock.now());
    const log = sim.requests;
    sim.resetRequests();
    expect(log).toHaveLength(0);
    await get(sim, statusPath);
    expect(sim.requests).toHaveLength(1);
  });

  it('seeds batches from options and rejects bad ids, duplicates and unknown scenarios', async () => {
    const sim = await startTestSimulator({ scenarios: [{ scenario: 'demo' }, { scenario: 'clean', customerId: OTHER_CUSTOMER, trackingId: DOC_TRACKING }] });
    expect(sim.batches.map((b) => [b.scenario.name, b.customerId])).toEqual([
      ['demo', DOC_CUSTOMER],
      ['clean', OTHER_CUSTOMER],
    ]);
    expect(sim.batches[1]!.statusPath).toBe(`/v1/customers/${OTHER_CUSTOMER}/batchJobStatus/${DOC_TRACKING}`);
    expect(sim.batches[0]!.trackingId).toMatch(GUID_PATTERN);
    expect(() => sim.addBatch('clean', { trackingId: DOC_TRACKING.toUpperCase() })).toThrow(/already exists/);
    expect(() => sim.addBatch('clean', { customerId: 'contoso' })).toThrow(TypeError);
    expect(() => sim.addBatch('nope' as never)).toThrow(/unknown scenario "nope".*clean/);
  });

  it('seeded tracking ids are reproducible across simulators', async () => {
    const a = await startTestSimulator({ scenarios: [{ scenario: 'demo' }, { scenario: 'demo' }] });
    const b = await startTestSimulator({ scenarios: [{ scenario: 'demo' }, { scenario: 'demo' }] });
    expect(a.batches.map((x) => x.trackingId)).toEqual(b.batches.map((x) => x.trackingId));
    expect(new Set(a.batches.map((x) => x.trackingId)).size).toBe(2);
  });

  it('close() ends connections and is idempotent; await using disposes', async () => {
    const sim = await startSimulator({ port: 0 });
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await get(sim, '/');
    await Promise.all([sim.close(), sim.close()]);
    await expect(fetch(`${sim.url}/`)).rejects.toThrow();
    let url = '';
    {
      await using disposable = await startSimulator();
      url = disposable.url;
      expect((await fetch(`${url}/`)).status).toBe(404);
    }
    await expect(fetch(`${url}/`)).rejects.toThrow();
  });

  it('refuses clock and speed together', async () => {
    await expect(startSimulator({ speed: 2, clock: { now: () => 0 } })).rejects.toThrow(/either clock or speed/);
  });
});
