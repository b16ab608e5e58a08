/** The customer's device batches through the proxy: same caller auth and allow-list as status; reads only. */
import { describe, expect, it } from 'vitest';
import { CUSTOMER, KEYS, OTHER_CUSTOMER, proxyFor, simulator, UPSTREAM_TOKEN } from './helpers.js';

const batchesOf = (customer: string) => `/v1/customers/${customer}/deviceBatches`;

async function upload(simUrl: string, customer: string, batchId: string, count: number) {
  const response = await fetch(`${simUrl}${batchesOf(customer)}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${UPSTREAM_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ batchId, devices: Array.from({ length: count }, (_, i) => ({ serialNumber: `${batchId}-${i}` })) }),
  });
  expect(response.status).toBe(202);
}

describe('GET /v1/customers/{customer-id}/deviceBatches through the proxy', () => {
  it("answers Partner Center's list, with the proxy's own credentials upstream", async () => {
    const sim = await simulator();
    await upload(sim.url, CUSTOMER, 'Spring laptops', 3);
    const proxy = await proxyFor(sim.url);
    const response = await proxy.get(batchesOf(CUSTOMER));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ items: [{ id: 'Spring laptops', devicesCount: 3 }], attributes: { objectType: 'Collection' } });
    const upstream = sim.requests.filter((r) => r.method === 'GET');
    expect(upstream.map((r) => r.headers.authorization)).toEqual([`Bearer ${UPSTREAM_TOKEN}`]);
  });

  it('applies the caller auth and the customer allow-list before asking upstream', async () => {
    const sim = await simulator();
    const proxy = await proxyFor(sim.url);
    expect((await proxy.get(batchesOf(CUSTOMER), { key: null })).status).toBe(401);
    expect((await proxy.get(batchesOf(OTHER_CUSTOMER), { key: KEYS.tui })).status).toBe(403);
    expect((await proxy.get(batchesOf(CUSTOMER), { key: KEYS.none })).status).toBe(403);
    expect((await proxy.get('/v1/customers/not-a-guid/deviceBatches')).status).toBe(400);
    expect(sim.requests.filter((r) => r.method === 'GET')).toEqual([]);
  });

  it('does not proxy uploads: a POST is 405', async () => {
    const sim = await simulator();
    const proxy = await proxyFor(sim.url);
    const response = await fetch(`${proxy.url}${batchesOf(CUSTOMER)}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEYS.tui}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ batchId: 'x', devices: [{ serialNumber: 'A' }] }),
    });
    expect(response.status).toBe(405);
    expect(sim.requests).toEqual([]);
  });
});
