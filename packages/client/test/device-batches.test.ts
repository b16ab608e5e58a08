/** Uploads, lists and uploadAndWatch, against the simulator over real HTTP. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSimulator, type SimulatorOptions } from '@batchwatch/simulator';
import { createBatchStatusClient, PartnerCenterError, trackingIdFromLocation, type UploadAndWatchEvent } from '../src/index.js';

const CUSTOMER = '47021739-3426-40bf-9601-61b4b6d7c793';
const HASH = 'T0FBQUFBQUFB';
const devices = (count: number, prefix = 'SN') => Array.from({ length: count }, (_, i) => ({ serialNumber: `${prefix}-${i + 1}`, hardwareHash: HASH }));

async function setup(options: SimulatorOptions = {}) {
  const sim = await startSimulator(options);
  onTestFinished(() => sim.close());
  const client = createBatchStatusClient({ baseUrl: sim.url, token: 'simulator-token', retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  return { sim, client };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('createDeviceBatch and addDevices', () => {
  it('return the tracking id from the 202 Location, and the MS-RequestId they were sent with', async () => {
    const { sim, client } = await setup();
    const created = await client.createDeviceBatch(CUSTOMER, 'Test batch', devices(2));
    expect(sim.batches.at(-1)?.trackingId).toBe(created.trackingId);
    expect(created.location).toBe(`/customers/${CUSTOMER}/batchJobStatus/${created.trackingId}`);
    const post = sim.requests.find((r) => r.method === 'POST')!;
    expect(post.headers['ms-requestid']).toBe(created.requestId);

    const added = await client.addDevices(CUSTOMER, 'Test batch', devices(1, 'MORE'));
    expect(added.trackingId).not.toBe(created.trackingId);
    const addition = sim.requests.filter((r) => r.method === 'POST')[1]!;
    expect(addition.path).toBe(`/v1/customers/${CUSTOMER}/deviceBatches/Test%20batch/devices`);
    await expect(client.getBatchStatus(CUSTOMER, added.trackingId)).resolves.toMatchObject({ batchTrackingId: added.trackingId });
  });

  it('replay safely: the same MS-RequestId gets the first answer back, and creates nothing new', async () => {
    const { sim, client } = await setup();
    const first = await client.createDeviceBatch(CUSTOMER, 'replayed', devices(2));
    const again = await client.createDeviceBatch(CUSTOMER, 'replayed', devices(2), { requestId: first.requestId });
    expect(again).toEqual(first);
    expect(sim.batches).toHaveLength(1);
    // A new request id is a new upload: the name is taken now.
    await expect(client.createDeviceBatch(CUSTOMER, 'replayed', devices(2))).rejects.toMatchObject({ status: 409 });
  });

  it('turn refusals into PartnerCenterErrors: a batch name taken (409), an unknown batch (404)', async () => {
    const { client } = await setup();
    await client.createDeviceBatch(CUSTOMER, 'taken', devices(1));
    await expect(client.createDeviceBatch(CUSTOMER, 'TAKEN', devices(1))).rejects.toMatchObject({ name: 'PartnerCenterError', status: 409 });
    await expect(client.addDevices(CUSTOMER, 'nowhere', devices(1))).rejects.toMatchObject({ status: 404 });
  });

  it('check their input before any request', async () => {
    const { sim, client } = await setup();
    await expect(client.createDeviceBatch('not-a-guid', 'x', devices(1))).rejects.toThrow(/customerId must be a GUID/);
    await expect(client.createDeviceBatch(CUSTOMER, '', devices(1))).rejects.toThrow(/batchId must be a name/);
    await expect(client.addDevices(CUSTOMER, 'x', [])).rejects.toThrow(/non-empty array/);
    expect(sim.requests).toEqual([]);
  });

  it('send every attempt of one upload with the same MS-RequestId', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(String(req.headers['ms-requestid']));
      req.resume();
      if (seen.length === 1) res.writeHead(503, { 'Retry-After': '0' }).end();
      else res.writeHead(202, { Location: `/customers/${CUSTOMER}/batchjobstatus/0127ed8e-ff72-4983-a3d8-e8d8bd378932` }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const client = createBatchStatusClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 't', retry: { baseDelayMs: 1 } });
    const outcome = await client.createDeviceBatch(CUSTOMER, 'b', devices(1)).catch((error: unknown) => error);
    expect(new Set(seen).size).toBe(1);
    if (outcome instanceof PartnerCenterError)
      expect(outcome.status).toBe(503); // not retried: fine too
    else expect(outcome).toMatchObject({ trackingId: '0127ed8e-ff72-4983-a3d8-e8d8bd378932', requestId: seen[0] });
  });
});

describe('trackingIdFromLocation', () => {
  it.each([
    ['the documented relative form', `/customers/${CUSTOMER}/batchJobStatus/0127ed8e-ff72-4983-a3d8-e8d8bd378932`, undefined],
    ['any case', `/customers/${CUSTOMER}/batchjobstatus/0127ed8e-ff72-4983-a3d8-e8d8bd378932`, undefined],
    [
      'an absolute URL with /v1',
      `https://api.partnercenter.microsoft.com/v1/customers/${CUSTOMER}/batchJobStatus/0127ed8e-ff72-4983-a3d8-e8d8bd378932`,
      undefined,
    ],
    ['the body when there is no header', null, `"/customers/${CUSTOMER}/batchJobStatus/0127ed8e-ff72-4983-a3d8-e8d8bd378932"`],
  ])('reads %s', (_, location, body) => {
    expect(trackingIdFromLocation(location, body)).toBe('0127ed8e-ff72-4983-a3d8-e8d8bd378932');
  });

  it('finds nothing in anything else', () => {
    expect(trackingIdFromLocation(null)).toBeUndefined();
    expect(trackingIdFromLocation(`/customers/${CUSTOMER}/batchJobStatus/not-a-guid`)).toBeUndefined();
    expect(trackingIdFromLocation(`/customers/${CUSTOMER}/deviceBatches/x`)).toBeUndefined();
  });
});

describe('listDeviceBatches and listDevices', () => {
  it("list the customer's batches with their device counts and creation dates", async () => {
    const { client } = await setup();
    await client.createDeviceBatch(CUSTOMER, 'first', devices(3));
    await client.createDeviceBatch(CUSTOMER, 'second', devices(1, 'B'));
    const batches = await collect(client.listDeviceBatches(CUSTOMER));
    expect(batches.map((b) => [b.id, b.devicesCount, b.createdBy])).toEqual([
      ['first', 3, 'Simulated Partner'],
      ['second', 1, 'Simulated Partner'],
    ]);
    expect(batches[0]!.creationDate).toBeInstanceOf(Date);
  });

  it('iterate 250 devices over three pages, asking for each page only when the loop reaches it', async () => {
    const { sim, client } = await setup();
    await client.createDeviceBatch(CUSTOMER, 'big one', devices(250));
    sim.resetRequests();
    const iterator = client.listDevices(CUSTOMER, 'big one');
    const first = await iterator.next();
    expect(first.value).toMatchObject({ serialNumber: 'SN-1', hardwareHash: HASH });
    expect(sim.requests).toHaveLength(1);

    const rest = await collect({ [Symbol.asyncIterator]: () => iterator });
    const all = [first.value!, ...rest];
    expect(all.map((d) => d.serialNumber)).toEqual(devices(250).map((d) => d.serialNumber));
    expect(all.every((d) => typeof d.id === 'string' && d.uploadedDate instanceof Date)).toBe(true);
    const tokens = sim.requests.map((r) => r.headers['ms-continuationtoken']);
    expect(tokens).toHaveLength(3);
    expect(tokens[0]).toBeUndefined();
    expect(tokens[1]).toEqual(expect.any(String));
    expect(tokens[2]).not.toBe(tokens[1]);
  });

  it('throw a PartnerCenterError for an unknown batch', async () => {
    const { client } = await setup();
    await expect(collect(client.listDevices(CUSTOMER, 'nope'))).rejects.toMatchObject({ status: 404 });
  });
});

describe('uploadAndWatch', () => {
  it('uploads, says so with the receipt, then follows the new batch to its end', async () => {
    const { client } = await setup({ speed: 200 });
    const events: UploadAndWatchEvent[] = [];
    for await (const event of client.uploadAndWatch(CUSTOMER, 'watched', [...devices(2), { serialNumber: 'SN-ERR808-1', hardwareHash: HASH }], {
      watch: { intervalMs: 20, maxIntervalMs: 40 },
    })) {
      events.push(event);
    }
    expect(events[0]).toMatchObject({ type: 'uploaded', receipt: { trackingId: expect.any(String) } });
    const last = events.at(-1)!;
    expect(last.type !== 'uploaded' && last.type !== 'retrying' && last.snapshot.status).toMatch(/^finished/);
    const failed = last.type !== 'uploaded' && last.type !== 'retrying' ? last.snapshot.devices.filter((d) => d.errorCode) : [];
    expect(failed.map((d) => [d.serialNumber, d.errorCode])).toEqual([['SN-ERR808-1', '808']]);
  });

  it('adds to an existing batch with `existing`', async () => {
    const { sim, client } = await setup({ speed: 200 });
    await client.createDeviceBatch(CUSTOMER, 'base', devices(1));
    const iterator = client.uploadAndWatch(CUSTOMER, 'base', devices(1, 'X'), { existing: true, watch: { intervalMs: 20 } });
    const first = await iterator.next();
    await iterator.return(undefined);
    expect(first.value).toMatchObject({ type: 'uploaded' });
    expect(sim.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([
      `/v1/customers/${CUSTOMER}/deviceBatches`,
      `/v1/customers/${CUSTOMER}/deviceBatches/base/devices`,
    ]);
  });
});
