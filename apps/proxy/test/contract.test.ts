import { describe, expect, it } from 'vitest';
import { createBatchStatusClient } from '@batchwatch/client';
import { createVirtualClock } from '@batchwatch/simulator';
import { seedExample } from '@batchwatch/openapi/testing';
import { CUSTOMER, fakeUpstream, KEYS, proxyFor, simulator, statusCalls, statusPath, UPSTREAM_TOKEN } from './helpers.js';

/** The response example of Microsoft's page, verbatim (openapi/test/fixtures). */
const documented = seedExample.response.body as Record<string, unknown> & { batchTrackingId: string };
const DOCUMENTED_TRACKING_ID = documented.batchTrackingId;

describe('the Partner Center contract, served by the proxy', () => {
  it('gives @batchwatch/client the same details through the proxy as straight from upstream (only the base URL changes)', async () => {
    const clock = createVirtualClock();
    const sim = await simulator({ clock });
    const { customerId, trackingId } = sim.addBatch('device-errors');
    clock.advance(60_000); // terminal, with failed devices
    const proxy = await proxyFor(sim.url);

    const direct = await createBatchStatusClient({ baseUrl: sim.url, token: UPSTREAM_TOKEN, retry: false }).getBatchStatus(customerId, trackingId);
    const viaProxy = await createBatchStatusClient({ baseUrl: proxy.url, token: KEYS.tui, retry: false }).getBatchStatus(customerId, trackingId);

    expect(viaProxy).toEqual(direct);
    expect(viaProxy.raw).toEqual(direct.raw);
    expect(viaProxy.devices.some((d) => d.errorCode === '808')).toBe(true);
  });

  it('round-trips the documented example body unchanged', async () => {
    const upstream = await fakeUpstream((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(documented));
    });
    const proxy = await proxyFor(upstream.url);
    const res = await proxy.get(statusPath(CUSTOMER, DOCUMENTED_TRACKING_ID));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await res.json()) as any).toEqual(documented);
  });

  it('passes unknown fields and unknown status values through instead of rejecting them', async () => {
    const body = {
      batchTrackingId: DOCUMENTED_TRACKING_ID,
      status: 'paused_for_review',
      futureField: { nested: [1, 2, 3] },
      devicesStatus: [{ serialNumber: 'S1', status: 'quarantined', vendorNote: 'kept' }],
    };
    const upstream = await fakeUpstream((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    const proxy = await proxyFor(upstream.url);
    const res = await proxy.get(statusPath(CUSTOMER, DOCUMENTED_TRACKING_ID));
    expect(res.status).toBe(200);
    expect((await res.json()) as any).toEqual(body);

    const client = createBatchStatusClient({ baseUrl: proxy.url, token: KEYS.tui, retry: false });
    const details = await client.getBatchStatus(CUSTOMER, DOCUMENTED_TRACKING_ID);
    expect(details.rawStatus).toBe('paused_for_review');
    expect(details.status).toBe('unknown');
    expect(details.devices[0]?.raw).toMatchObject({ vendorNote: 'kept', status: 'quarantined' });
  });

  it('matches the batchJobStatus segment case-insensitively, as the documented example does', async () => {
    const clock = createVirtualClock();
    const sim = await simulator({ clock });
    const { trackingId } = sim.addBatch('clean');
    const proxy = await proxyFor(sim.url);
    for (const segment of ['batchjobstatus', 'BATCHJOBSTATUS', 'batchJobStatus']) {
      const res = await proxy.get(`/v1/customers/${CUSTOMER}/${segment}/${trackingId}`);
      expect(res.status, segment).toBe(200);
      expect(((await res.json()) as any).batchTrackingId).toBe(trackingId);
    }
  });

  it('answers an unknown batch with Partner Center’s own 404 ApiFault, carrying the proxy request id', async () => {
    const sim = await simulator();
    const proxy = await proxyFor(sim.url);
    const res = await proxy.get(statusPath(CUSTOMER, '11111111-2222-4333-8444-555555555555'));
    expect(res.status).toBe(404);
    const fault = await res.json();
    expect(fault).toEqual({ code: '1000', description: 'Not found', data: [], source: 'PartnerApiServiceControllers' });
    expect(res.headers.get('ms-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(statusCalls(sim)).toHaveLength(1);
  });

  it('answers unknown routes and other methods with ApiFaults, not HTML', async () => {
    const sim = await simulator();
    const proxy = await proxyFor(sim.url);
    const unknown = await proxy.get('/v1/customers');
    expect(unknown.status).toBe(404);
    expect((await unknown.json()) as any).toMatchObject({ code: 'NotFound', source: 'batchwatch-proxy', data: [] });
    const post = await fetch(`${proxy.url}${statusPath(CUSTOMER, DOCUMENTED_TRACKING_ID)}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEYS.tui}` },
    });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await post.json()) as any).toMatchObject({ code: 'MethodNotAllowed', source: 'batchwatch-proxy' });
    expect(statusCalls(sim)).toHaveLength(0);
  });

  it('echoes caller MS-RequestId / MS-CorrelationId GUIDs and propagates them upstream', async () => {
    const clock = createVirtualClock();
    const sim = await simulator({ clock });
    const { trackingId } = sim.addBatch('clean');
    const proxy = await proxyFor(sim.url);
    const requestId = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
    const correlationId = 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e';
    const res = await proxy.get(statusPath(CUSTOMER, trackingId), { headers: { 'MS-RequestId': requestId, 'MS-CorrelationId': correlationId } });
    expect(res.status).toBe(200);
    expect(res.headers.get('ms-requestid')).toBe(requestId);
    expect(res.headers.get('ms-correlationid')).toBe(correlationId);
    const [upstream] = statusCalls(sim);
    expect(upstream?.headers['ms-correlationid']).toBe(correlationId);
    expect(upstream?.headers['ms-requestid']).toBe(requestId);
  });

  it('does not accept ids that are not GUIDs: it makes its own and sends those upstream', async () => {
    const clock = createVirtualClock();
    const sim = await simulator({ clock });
    const { trackingId } = sim.addBatch('clean');
    const proxy = await proxyFor(sim.url);
    const res = await proxy.get(statusPath(CUSTOMER, trackingId), { headers: { 'MS-CorrelationId': 'x-injected value', 'MS-RequestId': '1 OR 1=1' } });
    expect(res.status).toBe(200);
    const ours = res.headers.get('ms-correlationid');
    expect(ours).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(res.headers.get('ms-requestid')).not.toBe('1 OR 1=1');
    const [upstream] = statusCalls(sim);
    expect(upstream?.headers['ms-correlationid']).toBe(ours);
    expect(JSON.stringify(upstream?.headers)).not.toContain('injected');
  });
});
