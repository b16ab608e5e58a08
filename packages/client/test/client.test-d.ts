import { describe, expectTypeOf, it } from 'vitest';
import {
  createBatchStatusClient,
  isThrottled,
  retryAfter,
  type BatchDetails,
  type BatchStatus,
  type DeviceStatus,
  type PartnerCenterError,
  type WatchBatchStatusEvent,
  type WatchDeviceStatusEvent,
  type WatchEvent,
} from '../src/index.js';

const client = createBatchStatusClient({ token: 't' });
const customerId = '47021739-3426-40bf-9601-61b4b6d7c793';
const trackingId = '0127ed8e-ff72-4983-a3d8-e8d8bd378932';

describe('getBatchStatus', () => {
  it('resolves to normalised details with the raw body kept', () => {
    expectTypeOf(client.getBatchStatus(customerId, trackingId)).resolves.toEqualTypeOf<BatchDetails>();
    expectTypeOf<BatchDetails['status']>().toEqualTypeOf<BatchStatus>();
    expectTypeOf<BatchDetails['completedTime']>().toEqualTypeOf<Date | undefined>();
    expectTypeOf<BatchDetails['raw']['devicesStatus']>().toMatchTypeOf<unknown[] | null | undefined>();
  });

  it('types the raw status as what it really is: any string, or the int32 ordinal', () => {
    expectTypeOf<BatchDetails['raw']['status']>().toEqualTypeOf<string | number>();
    expectTypeOf<BatchDetails['rawStatus']>().toEqualTypeOf<string>();
    expectTypeOf<BatchDetails['devices'][number]['raw']['status']>().toEqualTypeOf<string | number>();
  });

  it('returns a promise, never anything thrown synchronously by its signature', () => {
    expectTypeOf(client.getBatchStatus).returns.toEqualTypeOf<Promise<BatchDetails>>();
  });

  it('needs both ids', () => {
    // @ts-expect-error the tracking id is missing
    void client.getBatchStatus(customerId);
  });

  it('knows the field names', async () => {
    const details = await client.getBatchStatus(customerId, trackingId);
    expectTypeOf(details.batchTrackingId).toBeString();
    // @ts-expect-error Partner Center spells it batchTrackingId
    void details.batchTrackingID;
  });
});

describe('the typed API underneath', () => {
  it('accepts the documented path with both path parameters', () => {
    void client.api.GET('/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}', {
      params: { path: { 'customer-id': customerId, 'batchtracking-id': trackingId } },
    });
  });

  it('rejects a path the contract does not have', () => {
    // @ts-expect-error no such path
    void client.api.GET('/v1/customers/{customer-id}/batchStatus/{batchtracking-id}', {
      params: { path: { 'customer-id': customerId, 'batchtracking-id': trackingId } },
    });
  });

  it('rejects a missing path parameter', () => {
    void client.api.GET('/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}', {
      // @ts-expect-error batchtracking-id is required
      params: { path: { 'customer-id': customerId } },
    });
  });

  it('types the body by the contract', async () => {
    const { data } = await client.api.GET('/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}', {
      params: { path: { 'customer-id': customerId, 'batchtracking-id': trackingId } },
    });
    expectTypeOf(data!.status).toEqualTypeOf<'unknown' | 'queued' | 'processing' | 'finished' | 'finished_with_errors'>();
  });
});

describe('watchBatchStatus', () => {
  it('yields events that narrow by type', async () => {
    for await (const event of client.watchBatchStatus(customerId, trackingId)) {
      expectTypeOf(event).toEqualTypeOf<WatchEvent>();
      if (event.type === 'device-status') {
        // A named interface, so hovers show `WatchDeviceStatusEvent` rather than an intersection.
        expectTypeOf(event).toEqualTypeOf<WatchDeviceStatusEvent>();
        expectTypeOf(event.from).toEqualTypeOf<DeviceStatus>();
        expectTypeOf(event.snapshot).toEqualTypeOf<BatchDetails>();
      }
      if (event.type === 'retrying') {
        expectTypeOf(event.error).toEqualTypeOf<PartnerCenterError>();
        expectTypeOf(event.snapshot).toEqualTypeOf<BatchDetails | undefined>();
      }
      if (event.type === 'batch-status') {
        expectTypeOf(event).toEqualTypeOf<WatchBatchStatusEvent>();
        expectTypeOf(event.to).toEqualTypeOf<BatchStatus>();
      }
    }
  });
});

describe('error helpers', () => {
  it('narrow unknown errors to PartnerCenterError', () => {
    const error: unknown = new Error('x');
    if (isThrottled(error)) expectTypeOf(error).toEqualTypeOf<PartnerCenterError>();
    expectTypeOf(retryAfter(error)).toEqualTypeOf<{ ms: number; date: Date } | undefined>();
  });
});

describe('options', () => {
  it('accepts a deadline, an onRetry hook and a cloud', () => {
    createBatchStatusClient({ cloud: 'china', deadlineMs: 60_000, onRetry: (event) => expectTypeOf(event.error).toEqualTypeOf<PartnerCenterError>() });
    // @ts-expect-error no such cloud
    createBatchStatusClient({ cloud: 'germany' });
  });
});
