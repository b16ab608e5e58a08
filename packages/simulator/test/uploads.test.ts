/** The two upload endpoints: 202 + Location, tolerant bodies, and outcomes scripted by device data. */
import { describe, expect, it } from 'vitest';
import type { BatchUploadDetails } from '@batchwatch/openapi';
import { GUID_PATTERN } from '@batchwatch/openapi';
import { outcomeForUploadedDevice, scenarios } from '../src/index.js';
import { DOC_CUSTOMER, OTHER_CUSTOMER, call, get, json, post, startTestSimulator, type TestSimulator } from './support/http.js';

const BATCHES = `/v1/customers/${DOC_CUSTOMER}/deviceBatches`;
const LOCATION = new RegExp(`^/customers/${DOC_CUSTOMER}/batchJobStatus/([0-9a-f-]{36})$`);
const DONE = scenarios.clean.queuedMs + scenarios.clean.processingMs;

async function finalStatus(sim: TestSimulator, location: string): Promise<BatchUploadDetails> {
  sim.clock.advance(DONE);
  const reply = await get(sim, `/v1${location}`);
  expect(reply.status).toBe(200);
  return json<BatchUploadDetails>(reply);
}

describe('POST /v1/customers/{customer-id}/deviceBatches', () => {
  it('202, empty body, Content-Length 0 and a Location without /v1 that leads to the new batch', async () => {
    const sim = await startTestSimulator();
    const reply = await post(sim, BATCHES, {
      batchId: 'Test batch',
      devices: [
        { serialNumber: '1234567890', productKey: '12345-67890-09876-54321-13579' },
        { serialNumber: 'SN-ERR808-2', productKey: '12345-67890-09876-54321-13570' },
        { hardwareHash: 'T0FBQUFBQUFB' },
        { modelName: 'Surface Laptop 5' },
      ],
      attributes: { objectType: 'DeviceBatchCreationRequest' },
    });
    expect(reply.status).toBe(202);
    expect(reply.text).toBe('');
    expect(reply.headers['content-length']).toBe('0');
    expect(reply.headers['content-type']).toBeUndefined();
    const location = reply.headers['location']!;
    expect(location).toMatch(LOCATION);
    expect(location.split('/')[4]).toMatch(GUID_PATTERN); // PowerShell reads the id this way

    const queued = await get(sim, `/v1${location}`);
    expect(json(queued).status).toBe('queued');
    const done = await finalStatus(sim, location);
    expect(done.batchTrackingId).toBe(location.split('/')[4]);
    expect(done.devicesStatus!.map((d) => [d.serialNumber, d.status, d.errorCode])).toEqual([
      ['1234567890', 'finished', undefined],
      ['SN-ERR808-2', 'finished_with_errors', '808'],
      [undefined, 'finished', undefined],
      [undefined, 'finished_with_errors', '803'],
    ]);
    expect(done.devicesStatus![1]!.errorDescription).toBe('ZtdDeviceAssignedToOtherTenant');
    expect(sim.batches.at(-1)!.trackingId).toBe(location.split('/')[4]);
  });

  it('accepts the PascalCase bodies of the .NET SDK and PowerShell', async () => {
    const sim = await startTestSimulator();
    const reply = await post(sim, BATCHES, {
      BatchId: 'Pascal batch',
      Devices: [{ Id: null, SerialNumber: 'PF-ERR806', ProductKey: null, HardwareHash: null, Policies: null, Attributes: { ObjectType: 'Device' } }],
    });
    expect(reply.status).toBe(202);
    const done = await finalStatus(sim, reply.headers['location']!);
    expect(done.devicesStatus).toEqual([
      expect.objectContaining({ serialNumber: 'PF-ERR806', status: 'finished_with_errors', errorCode: '806', errorDescription: 'ZtdDeviceAlreadyAssigned' }),
    ]);
  });

  it('tolerates a UTF-8 byte order mark before the JSON (as Windows tools write it)', async () => {
    const sim = await startTestSimulator();
    const reply = await post(sim, BATCHES, `\uFEFF${JSON.stringify({ batchId: 'bom', devices: [{ serialNumber: 'A1' }] })}`);
    expect(reply.status).toBe(202);
  });

  it('works when the caller joins base URL and Location with a double slash (as CIPP does)', async () => {
    const sim = await startTestSimulator();
    const reply = await post(sim, BATCHES, { batchId: 'cipp', devices: [{ serialNumber: 'A1' }] });
    const status = await call(`${sim.url}/v1/${reply.headers['location']}`);
    expect(status.status).toBe(200);
  });

  it('409 for a batchId that already exists for the customer (case-insensitive), not for another customer', async () => {
    const sim = await startTestSimulator();
    const devices = [{ serialNumber: 'A1' }];
    expect((await post(sim, BATCHES, { batchId: 'Test batch', devices })).status).toBe(202);
    const duplicate = await post(sim, BATCHES, { batchId: 'TEST BATCH', devices });
    expect(duplicate.status).toBe(409);
    expect(json(duplicate)).toMatchObject({ code: '409', source: 'PartnerApiServiceControllers' });
    expect(json(duplicate).description).toContain('TEST BATCH');
    expect((await post(sim, BATCHES.replace(DOC_CUSTOMER, OTHER_CUSTOMER), { batchId: 'Test batch', devices })).status).toBe(202);
  });

  it('400 ApiFault 800002 for invalid bodies; 900118 for a non-GUID customer', async () => {
    const sim = await startTestSimulator();
    const invalid: unknown[] = [
      '',
      '{"batchId":',
      '[]',
      { devices: [{ serialNumber: 'A' }] },
      { batchId: '', devices: [{ serialNumber: 'A' }] },
      { batchId: 'x'.repeat(257), devices: [{ serialNumber: 'A' }] },
      { batchId: 'b' },
      { batchId: 'b', devices: [] },
      { batchId: 'b', devices: ['A'] },
      { batchId: 'b', devices: [{ serialNumber: 42 }] },
    ];
    for (const body of invalid) {
      const reply = await post(sim, BATCHES, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(json(reply)).toMatchObject({ code: '800002', data: [], source: 'PartnerApiServiceControllers' });
      expect(json(reply).description).toMatch(/^Invalid request input: /);
    }
    const badCustomer = await post(sim, '/v1/customers/contoso/deviceBatches', { batchId: 'b', devices: [{ serialNumber: 'A' }] });
    expect(json(badCustomer).code).toBe('900118');
  });
});

describe('POST /v1/customers/{customer-id}/deviceBatches/{devicebatch-id}/devices', () => {
  async function withBatch(): Promise<{ sim: TestSimulator; first: string }> {
    const sim = await startTestSimulator();
    const created = await post(sim, BATCHES, { batchId: 'Test batch', devices: [{ serialNumber: 'A1' }] });
    return { sim, first: created.headers['location']! };
  }

  it('accepts a bare array (the doc) and {devices: [...]} (the REST reference), each with a new tracking id', async () => {
    const { sim, first } = await withBatch();
    const bare = await post(sim, `${BATCHES}/Test%20batch/devices`, [{ serialNumber: 'B-ERR802' }]);
    const wrapped = await post(sim, `${BATCHES}/test%20BATCH/devices`, { Devices: [{ SerialNumber: 'C1' }] });
    for (const reply of [bare, wrapped]) {
      expect(reply.status).toBe(202);
      expect(reply.text).toBe('');
      expect(reply.headers['location']).toMatch(LOCATION);
    }
    const locations = new Set([first, bare.headers['location'], wrapped.headers['location']]);
    expect(locations.size).toBe(3);
    const done = await finalStatus(sim, bare.headers['location']!);
    expect(done.devicesStatus).toEqual([expect.objectContaining({ serialNumber: 'B-ERR802', errorCode: '802', errorDescription: 'InvalidZtdHardwareHash' })]);
  });

  it('404 for an unknown batch name or another customer; 400 for a bad body', async () => {
    const { sim } = await withBatch();
    expect((await post(sim, `${BATCHES}/Other%20batch/devices`, [{ serialNumber: 'A' }])).status).toBe(404);
    const otherCustomer = `/v1/customers/${OTHER_CUSTOMER}/deviceBatches/Test%20batch/devices`;
    expect((await post(sim, otherCustomer, [{ serialNumber: 'A' }])).status).toBe(404);
    expect((await post(sim, `${BATCHES}/Test%20batch/devices`, [])).status).toBe(400);
    expect((await post(sim, `${BATCHES}/Test%20batch/devices`, { serialNumber: 'A' })).status).toBe(400);
  });

  it('faults never touch uploads', async () => {
    const { sim } = await withBatch();
    sim.injectFault({ kind: 'status', status: 500 }, { count: 5 });
    expect((await post(sim, `${BATCHES}/Test%20batch/devices`, [{ serialNumber: 'D' }])).status).toBe(202);
  });
});

describe('a repeated MS-RequestId (a retry, reference §11)', () => {
  const requestId = 'a6b0f0de-3c1e-4f7a-9d2b-5e8c7f1a2b3c';

  it('replays the original 202 and Location of a batch creation, and creates nothing', async () => {
    const sim = await startTestSimulator();
    const body = { batchId: 'retried batch', devices: [{ serialNumber: 'A1' }] };
    const first = await post(sim, BATCHES, body, { 'MS-RequestId': requestId });
    expect(first.status).toBe(202);
    const retry = await post(sim, BATCHES, body, { 'MS-RequestId': requestId.toUpperCase() });
    expect([retry.status, retry.text, retry.headers['location']]).toEqual([202, '', first.headers['location']]);
    expect(retry.headers['ms-requestid']).toBe(requestId.toUpperCase());
    expect(sim.batches).toHaveLength(1);
    // A new request id is a new request: the name is taken.
    expect((await post(sim, BATCHES, body, { 'MS-RequestId': 'b6b0f0de-3c1e-4f7a-9d2b-5e8c7f1a2b3c' })).status).toBe(409);
    expect((await post(sim, BATCHES, body)).status).toBe(409);
  });

  it('replays an upload to an existing batch, per batch: the same id on another batch is another request', async () => {
    const sim = await startTestSimulator();
    for (const batchId of ['one', 'two']) expect((await post(sim, BATCHES, { batchId, devices: [{ serialNumber: batchId }] })).status).toBe(202);
    const add = (name: string) => post(sim, `${BATCHES}/${name}/devices`, [{ serialNumber: 'B2' }], { 'MS-RequestId': requestId });
    const first = await add('one');
    const retry = await add('ONE');
    expect(retry.headers['location']).toBe(first.headers['location']);
    const other = await add('two');
    expect(other.status).toBe(202);
    expect(other.headers['location']).not.toBe(first.headers['location']);
    expect(sim.batches).toHaveLength(4);
  });

  it('only an accepted POST is replayed: a rejected one answers again on its merits', async () => {
    const sim = await startTestSimulator();
    expect((await post(sim, BATCHES, { batchId: '' }, { 'MS-RequestId': requestId })).status).toBe(400);
    expect((await post(sim, BATCHES, { batchId: 'now valid', devices: [{ serialNumber: 'C3' }] }, { 'MS-RequestId': requestId })).status).toBe(202);
  });
});

describe('outcomeForUploadedDevice', () => {
  it('derives failures from ERRnnn markers and missing identifiers, ignoring unknown codes', () => {
    expect(outcomeForUploadedDevice({ serialNumber: 'ABC' })).toBe('success');
    expect(outcomeForUploadedDevice({ serialNumber: 'abc-err806' })).toEqual({ errorCode: '806' });
    expect(outcomeForUploadedDevice({ productKey: 'ERR812-00000' })).toEqual({ errorCode: '812' });
    expect(outcomeForUploadedDevice({ hardwareHash: 'xxERR813xx' })).toEqual({ errorCode: '813' });
    expect(outcomeForUploadedDevice({ serialNumber: 'ERR805' })).toBe('success');
    expect(outcomeForUploadedDevice({ modelName: 'X', oemManufacturerName: 'Y' })).toEqual({ errorCode: '803' });
  });
});
