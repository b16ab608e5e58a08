import { describe, expect, it } from 'vitest';
import { batchUploadStatusValues, deviceUploadStatusValues, GUID_PATTERN, specFiles, terminalBatchStatusValues } from '../src/index.js';
import { partnerCenterSpec, validateResponse, validateSchema } from './contract.js';
import { seedExample } from './http-message.js';

const STATUS_PATH = '/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}';
const seedResponse = seedExample.response;
const operation = partnerCenterSpec.paths[STATUS_PATH].get;
const minimal = { batchTrackingId: '0127ed8e-ff72-4983-a3d8-e8d8bd378932', status: 'queued' };

describe('the documented example', () => {
  it('is embedded verbatim as the 200 example', () => {
    expect(operation.responses['200'].content['application/json'].examples.documented.value).toEqual(seedResponse.body);
  });

  it('validates as a whole response: status, headers and body', () => {
    expect(seedResponse.startLine).toBe('HTTP/1.1 200 OK');
    expect(validateResponse(STATUS_PATH, 'GET', { status: 200, headers: seedResponse.headers, body: seedResponse.body })).toEqual([]);
  });
});

describe('BatchUploadDetails', () => {
  it.each([
    ['offset-less timestamps', { ...minimal, startedTime: '2017-07-25T10:00:00' }],
    ['7-digit fractions with an offset', { ...minimal, startedTime: '2017-08-09T14:43:26.0092288-07:00' }],
    ['a null completedTime', { ...minimal, completedTime: null }],
    ['.NET DateTime.MinValue', { ...minimal, completedTime: '0001-01-01T00:00:00' }],
    ['no devicesStatus', minimal],
    ['an empty devicesStatus', { ...minimal, devicesStatus: [] }],
    ['a device in-progress', { ...minimal, status: 'processing', devicesStatus: [{ status: 'in-progress', serialNumber: 'A1' }] }],
    ['unknown extra fields', { ...minimal, somethingNew: 1 }],
  ])('accepts %s', (_, value) => {
    expect(validateSchema('BatchUploadDetails', value)).toEqual([]);
  });

  it.each([
    ['a non-GUID tracking id', { ...minimal, batchTrackingId: 'abc' }],
    ['a status outside the enum', { ...minimal, status: 'done' }],
    ['a date without time', { ...minimal, startedTime: '2017-07-25' }],
    ['a numeric errorCode', { ...minimal, devicesStatus: [{ status: 'finished_with_errors', errorCode: 808 }] }],
    ['a missing status', { batchTrackingId: minimal.batchTrackingId }],
  ])('rejects %s', (_, value) => {
    expect(validateSchema('BatchUploadDetails', value)).not.toEqual([]);
  });

  it('lists the five batch status values and in-progress for devices', () => {
    expect(batchUploadStatusValues).toEqual(['unknown', 'queued', 'processing', 'finished', 'finished_with_errors']);
    expect(deviceUploadStatusValues).toEqual([...batchUploadStatusValues.slice(0, 3), 'in-progress', ...batchUploadStatusValues.slice(3)]);
  });

  it('lists the values in the SDK enum order, so an integer status is an index into the list', () => {
    // DeviceUploadStatusType: Unknown = 0, Queued = 1, Processing = 2, Finished = 3, FinishedWithErrors = 4.
    const sdkEnum = { Unknown: 0, Queued: 1, Processing: 2, Finished: 3, FinishedWithErrors: 4 };
    const snakeCase = (name: string) => name.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase();
    for (const [name, ordinal] of Object.entries(sdkEnum)) expect(batchUploadStatusValues[ordinal]).toBe(snakeCase(name));
    expect(partnerCenterSpec.components.schemas.BatchUploadStatus.description).toMatch(/integer/);
  });

  it('the terminal statuses are members of the generated enum', () => {
    expect(terminalBatchStatusValues.every((status) => batchUploadStatusValues.includes(status))).toBe(true);
    expect(batchUploadStatusValues.filter((status) => !terminalBatchStatusValues.includes(status as never))).toEqual(['unknown', 'queued', 'processing']);
  });

  it('describes the tolerated wire variants: integer statuses and sentinel dates', () => {
    expect(partnerCenterSpec.info.description).toMatch(/integer/);
    expect(partnerCenterSpec.info.description).toContain('0001-01-01T00:00:00');
    expect(partnerCenterSpec.components.schemas.PartnerCenterDateTime.description).toContain('0001-01-01T00:00:00');
  });
});

describe('errors', () => {
  it.each([
    ['a string code', { code: '1000', description: 'Not found', source: 'PartnerApiServiceControllers' }],
    ['a numeric code', { code: 1000, description: 'Not found' }],
  ])('ApiFault accepts %s', (_, value) => {
    expect(validateSchema('ApiFault', value)).toEqual([]);
  });

  it('429 accepts the gateway body with Retry-After, and requires nothing else', () => {
    const body = { statusCode: 429, message: 'Rate limit is exceeded. Try again in 57 seconds.' };
    expect(validateResponse(STATUS_PATH, 'GET', { status: 429, headers: { 'retry-after': '57' }, body })).toEqual([]);
  });

  it('declares every error status the client handles', () => {
    expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '403', '404', '429', '500', '503']);
  });
});

describe('the package', () => {
  it('resolves the documents when asked, next to the package', () => {
    expect(specFiles.partnerCenter).toMatch(/[\\/]openapi[\\/]partner-center\.yaml$/);
    expect(specFiles.proxy).toMatch(/[\\/]openapi[\\/]proxy\.yaml$/);
  });
});

describe('parameters', () => {
  it('both path parameters are GUIDs with the same pattern the code uses', () => {
    expect(partnerCenterSpec.components.schemas.Guid.pattern).toBe(GUID_PATTERN.source);
    expect(operation.parameters.filter((p: { $ref: string }) => /CustomerId|BatchTrackingId/.test(p.$ref))).toHaveLength(2);
  });

  it('declares the Partner Center request headers', () => {
    const names = Object.values<{ name: string; in: string }>(partnerCenterSpec.components.parameters)
      .filter((p) => p.in === 'header')
      .map((p) => p.name);
    expect(names).toEqual([
      'MS-ContinuationToken',
      'MS-RequestId',
      'MS-CorrelationId',
      'X-Locale',
      'MS-PartnerCenter-Application',
      'MS-Contract-Version',
      'MS-PartnerCenter-Client',
      'User-Agent',
    ]);
  });

  it('every operation takes MS-Contract-Version (v1), MS-PartnerCenter-Client and User-Agent', () => {
    const { MsContractVersion } = partnerCenterSpec.components.parameters;
    expect(MsContractVersion.schema.const).toBe('v1');
    expect(MsContractVersion.description).toMatch(/Required/);
    for (const [path, item] of Object.entries<Record<string, { parameters: Array<{ $ref: string }> }>>(partnerCenterSpec.paths)) {
      for (const operation of Object.values(item)) {
        const refs = operation.parameters.map((p) => p.$ref);
        expect(refs, path).toEqual(
          expect.arrayContaining(['MsContractVersion', 'MsPartnerCenterClient', 'UserAgent'].map((n) => `#/components/parameters/${n}`)),
        );
      }
    }
  });
});

describe('the Location of a 202', () => {
  const CREATE_PATH = '/v1/customers/{customer-id}/deviceBatches';
  const accepted = (location: string) => validateResponse(CREATE_PATH, 'POST', { status: 202, headers: { location }, body: '' });
  const ids = '47021739-3426-40bf-9601-61b4b6d7c793/batchJobStatus/0127ed8e-ff72-4983-a3d8-e8d8bd378932';

  it.each([
    ['as documented', `/customers/${ids}`],
    ['in lower case', `/customers/${ids}`.toLowerCase()],
    ['in upper case', `/customers/${ids}`.toUpperCase()],
  ])('matches %s', (_, location) => {
    expect(accepted(location)).toEqual([]);
  });

  it.each([
    ['with /v1', `/v1/customers/${ids}`],
    ['of another resource', '/customers/47021739-3426-40bf-9601-61b4b6d7c793/deviceBatches/x'],
    ['without a tracking id', '/customers/47021739-3426-40bf-9601-61b4b6d7c793/batchJobStatus/'],
  ])('rejects one %s', (_, location) => {
    expect(accepted(location)).not.toEqual([]);
  });
});
