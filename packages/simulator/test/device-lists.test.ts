/** The lists around the uploads: a customer's batches, and a batch's devices 100 per page with MS-ContinuationToken. */
import { describe, expect, it } from 'vitest';
import type { DeviceBatchCollection, DeviceCollection } from '@batchwatch/openapi';
import { GUID_PATTERN } from '@batchwatch/openapi';
import { DOC_CUSTOMER, OTHER_CUSTOMER, get, json, post, startTestSimulator } from './support/http.js';
import { validateSchema } from './support/contract.js';

const BATCHES = `/v1/customers/${DOC_CUSTOMER}/deviceBatches`;
const devices = (count: number, prefix = 'SN') =>
  Array.from({ length: count }, (_, i) => ({ serialNumber: `${prefix}-${i + 1}`, hardwareHash: 'T0FBQUFBQUFB' }));

describe('GET /v1/customers/{customer-id}/deviceBatches', () => {
  it("lists the customer's batches with devicesCount (uploads and additions counted), and nobody else's", async () => {
    const sim = await startTestSimulator();
    expect((await post(sim, BATCHES, { batchId: 'Test batch', devices: devices(3) })).status).toBe(202);
    sim.clock.advance(60_000);
    expect((await post(sim, BATCHES, { batchId: 'second', devices: devices(1, 'B') })).status).toBe(202);
    expect((await post(sim, `${BATCHES}/test%20BATCH/devices`, devices(2, 'C'))).status).toBe(202);
    expect((await post(sim, `/v1/customers/${OTHER_CUSTOMER}/deviceBatches`, { batchId: 'theirs', devices: devices(1) })).status).toBe(202);

    const reply = await get(sim, BATCHES);
    expect(reply.status).toBe(200);
    const body = json<DeviceBatchCollection>(reply);
    expect(validateSchema('DeviceBatchCollection', body)).toEqual([]);
    expect(body.items.map((b) => [b.id, b.devicesCount])).toEqual([
      ['Test batch', 5],
      ['second', 1],
    ]);
    expect(body.items[0]!.devicesLink?.uri).toBe(`/customers/${DOC_CUSTOMER}/deviceBatches/Test batch/devices`);
    expect(body.items[0]!.creationDate! < body.items[1]!.creationDate!).toBe(true);
    expect(body.attributes?.objectType).toBe('Collection');
  });

  it('answers an empty collection for a customer without batches, 400 for a customer id that is no GUID', async () => {
    const sim = await startTestSimulator();
    expect(json<DeviceBatchCollection>(await get(sim, BATCHES))).toMatchObject({ totalCount: 0, items: [] });
    expect((await get(sim, '/v1/customers/not-a-guid/deviceBatches')).status).toBe(400);
  });

  it('still answers POST there, and 405 lists both methods', async () => {
    const sim = await startTestSimulator();
    const reply = await fetch(`${sim.url}${BATCHES}`, { method: 'DELETE', headers: { Authorization: 'Bearer simulator-token' } });
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('GET, POST');
  });
});

describe('GET /v1/customers/{customer-id}/deviceBatches/{devicebatch-id}/devices', () => {
  it('pages 250 devices as 100 + 100 + 50, following continuationToken through MS-ContinuationToken', async () => {
    const sim = await startTestSimulator();
    expect((await post(sim, BATCHES, { batchId: 'big one', devices: devices(250) })).status).toBe(202);
    const seen: string[] = [];
    const sizes: number[] = [];
    let token: string | undefined;
    do {
      const reply = await get(sim, `${BATCHES}/big%20one/devices`, token ? { 'MS-ContinuationToken': token } : {});
      expect(reply.status).toBe(200);
      const page = json<DeviceCollection>(reply);
      expect(validateSchema('DeviceCollection', page)).toEqual([]);
      sizes.push(page.items.length);
      seen.push(...page.items.map((d) => d.serialNumber!));
      token = page.continuationToken;
      if (token) expect(page.links?.next?.headers).toEqual([{ key: 'MS-ContinuationToken', value: token }]);
    } while (token);
    expect(sizes).toEqual([100, 100, 50]);
    expect(seen).toEqual(devices(250).map((d) => d.serialNumber));
  });

  it('shows each device with an id, uploadedDate, allowed operations and the hash as uploaded', async () => {
    const sim = await startTestSimulator();
    await post(sim, BATCHES, { BatchId: 'pascal', Devices: [{ SerialNumber: 'P-1', HardwareHash: 'T0FBQUFBQUFB', ProductKey: 'PK-1' }] });
    const [device] = json<DeviceCollection>(await get(sim, `${BATCHES}/pascal/devices`)).items;
    expect(device).toMatchObject({ serialNumber: 'P-1', productKey: 'PK-1', hardwareHash: 'T0FBQUFBQUFB', allowedOperations: ['GET', 'PATCH', 'DELETE'] });
    expect(device!.id).toMatch(GUID_PATTERN);
    expect(device!.uploadedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}\+00:00$/);
  });

  it('404 for an unknown batch, 400 for a continuation token it never handed out', async () => {
    const sim = await startTestSimulator();
    await post(sim, BATCHES, { batchId: 'a', devices: devices(1) });
    expect((await get(sim, `${BATCHES}/nope/devices`)).status).toBe(404);
    const bad = await get(sim, `${BATCHES}/a/devices`, { 'MS-ContinuationToken': 'forged' });
    expect(bad.status).toBe(400);
    expect(json(bad)).toMatchObject({ code: '800002', description: expect.stringMatching(/MS-ContinuationToken/) });
  });
});
