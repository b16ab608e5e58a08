/** The two device-batch lists: the documented examples validate, the wire names the reference settled on hold. */
import { describe, expect, it } from 'vitest';
import { partnerCenterSpec, validateSchema } from './contract.js';

// The shapes of "Get a list of device batches" and "Get a list of devices" response examples (reference §2.3-2.4).
const documentedBatch = {
  id: 'Test batch',
  createdBy: 'contoso',
  creationDate: '2017-08-09T14:43:26',
  devicesCount: 2,
  devicesLink: { uri: '/customers/47021739-3426-40bf-9601-61b4b6d7c793/deviceBatches/Test batch/devices', method: 'GET', headers: [] },
  status: 'finished',
  attributes: { objectType: 'DeviceBatch' },
};
const documentedDevice = {
  id: '81ce0bc4-3b1c-4a47-8b1b-e5a7f1b2c3d4',
  serialNumber: '1R9-ZNP67',
  productKey: '00329-00000-0003-AA606',
  hardwareHash: 'DummyHash1234',
  policies: [{ key: 'o_o_b_e', value: null }],
  uploadedDate: '2017-08-09T14:43:26.0092288-07:00',
  allowedOperations: ['GET', 'PATCH', 'DELETE'],
  attributes: { objectType: 'Device' },
};

describe('device batch list', () => {
  it('accepts the documented collection, `status` included', () => {
    const collection = { totalCount: 1, items: [documentedBatch], attributes: { objectType: 'Collection' } };
    expect(validateSchema('DeviceBatchCollection', collection)).toEqual([]);
  });

  it("names the count devicesCount (wire evidence), not the resources table's deviceCount", () => {
    const schema = partnerCenterSpec.components.schemas.DeviceBatch;
    expect(Object.keys(schema.properties)).toContain('devicesCount');
    expect(Object.keys(schema.properties)).not.toContain('deviceCount');
    expect(validateSchema('DeviceBatch', { ...documentedBatch, devicesCount: -1 })).not.toEqual([]);
  });
});

describe('device list', () => {
  it('accepts a page with a continuation token and the documented device', () => {
    const page = { totalCount: 1, items: [documentedDevice], continuationToken: 'b64token==', attributes: { objectType: 'Collection' } };
    expect(validateSchema('DeviceCollection', page)).toEqual([]);
  });

  it('holds at most 100 devices per page', () => {
    const page = { items: Array.from({ length: 101 }, () => documentedDevice) };
    expect(validateSchema('DeviceCollection', page)).not.toEqual([]);
  });

  it('takes the next page through the MS-ContinuationToken header', () => {
    const operation = partnerCenterSpec.paths['/v1/customers/{customer-id}/deviceBatches/{devicebatch-id}/devices'].get;
    const refs = operation.parameters.map((p: { $ref: string }) => p.$ref);
    expect(refs).toContain('#/components/parameters/MsContinuationToken');
    expect(partnerCenterSpec.components.parameters.MsContinuationToken).toMatchObject({ name: 'MS-ContinuationToken', in: 'header' });
  });
});
