/** Switches for the real-world wire variants a tolerant client must read (reference §2, §5, §9, §11). */
import { describe, expect, it } from 'vitest';
import { batchUploadStatusValues } from '@batchwatch/openapi';
import { DUPLICATED_DEVICE_ERROR, scenarios, SENTINEL_DATE, startSimulator, type WireVariants } from '../src/index.js';
import { DOC_TRACKING, get, json, startTestSimulator } from './support/http.js';

const clean = scenarios.clean; // queued 2 s, processing 10 s
const MID_PROCESSING = clean.queuedMs + clean.processingMs * 0.9;

/** The status of one `scenario` batch at 0 (queued), 90 % into processing, and after the end. */
async function lifecycle(variants: WireVariants, scenario: 'clean' | 'device-errors' = 'clean') {
  const sim = await startTestSimulator({ variants });
  const batch = sim.addBatch(scenario);
  const start = sim.clock.now();
  const at = async (ms: number) => {
    sim.clock.set(start + ms);
    return json(await get(sim, batch.statusPath));
  };
  return { queued: await at(0), processing: await at(MID_PROCESSING), done: await at(60_000) };
}

describe('wire variants', () => {
  it('none by default: the contract exact form', async () => {
    const { queued, processing, done } = await lifecycle({});
    expect(queued).not.toHaveProperty('startedTime');
    expect(processing.status).toBe('processing');
    expect(processing).not.toHaveProperty('completedTime');
    expect(done.status).toBe('finished');
  });

  it('sentinelDates: a time not yet known is 0001-01-01T00:00:00, not absent', async () => {
    const { queued, processing, done } = await lifecycle({ sentinelDates: true });
    expect([queued.startedTime, queued.completedTime]).toEqual([SENTINEL_DATE, SENTINEL_DATE]);
    expect(processing.startedTime).not.toBe(SENTINEL_DATE);
    expect(processing.completedTime).toBe(SENTINEL_DATE);
    expect(done.completedTime).toMatch(/^2026-01-01T00:00:\d\d$/);
    expect(SENTINEL_DATE).toBe('0001-01-01T00:00:00');
  });

  it('integerStatuses: batch and device statuses are the int32 of the SDK enum', async () => {
    const { queued, processing, done } = await lifecycle({ integerStatuses: true }, 'device-errors');
    expect(queued.status).toBe(1);
    expect(processing.status).toBe(2);
    expect(new Set(processing.devicesStatus.map((d: { status: number }) => d.status))).toEqual(new Set([2, 3, 4]));
    expect(done.status).toBe(batchUploadStatusValues.indexOf('finished_with_errors'));
    expect(done.status).toBe(4);
  });

  it('inProgressDevices: devices being processed say in-progress; the batch still says processing', async () => {
    const { processing, done } = await lifecycle({ inProgressDevices: true });
    const statuses = new Set(processing.devicesStatus.map((d: { status: string }) => d.status));
    expect(statuses).toContain('in-progress');
    expect(statuses).not.toContain('processing');
    expect(processing.status).toBe('processing');
    expect(done.devicesStatus.every((d: { status: string }) => d.status === 'finished')).toBe(true);
  });

  it('unknownStatus: an unrecognised status, first without completedTime, then with it', async () => {
    const { queued, processing, done } = await lifecycle({ unknownStatus: 'cancelled' });
    expect(queued.status).toBe('queued');
    expect(processing.status).toBe('cancelled');
    expect(processing).not.toHaveProperty('completedTime');
    expect(done.status).toBe('cancelled');
    expect(done).toHaveProperty('completedTime');
    expect((await lifecycle({ unknownStatus: 5, integerStatuses: true })).done.status).toBe(5);
  });

  it('duplicateDevices: the same serial number and product key twice; the copy ends ZtdDeviceDuplicated', async () => {
    const { processing, done } = await lifecycle({ duplicateDevices: 1 });
    const [original, copy] = processing.devicesStatus;
    expect([copy.serialNumber, copy.productKey]).toEqual([original.serialNumber, original.productKey]);
    const devices = done.devicesStatus;
    expect(devices).toHaveLength(13);
    expect(devices[0]).toMatchObject({ status: 'finished', serialNumber: original.serialNumber });
    expect(devices[1]).toEqual({
      serialNumber: original.serialNumber,
      productKey: original.productKey,
      status: 'finished_with_errors',
      errorDescription: DUPLICATED_DEVICE_ERROR,
      attributes: { objectType: 'DeviceUploadDetails' },
    });
    expect(DUPLICATED_DEVICE_ERROR).toBe('ZtdDeviceDuplicated');
  });

  it('numericFaultCodes: ApiFault codes are numbers; the gateway 429 body is unchanged', async () => {
    const sim = await startTestSimulator({ variants: { numericFaultCodes: true } });
    expect(json(await get(sim, `/v1/customers/${DOC_TRACKING}/batchJobStatus/${DOC_TRACKING}`))).toMatchObject({ code: 1000, description: 'Not found' });
    expect(json(await get(sim, '/v1/customers/x/batchJobStatus/y', { Authorization: '' })).code).toBe(800001);
    sim.injectFault({ kind: 'throttle', retryAfterSeconds: 3 });
    expect(json(await get(sim, `/v1/customers/${DOC_TRACKING}/batchJobStatus/${DOC_TRACKING}`))).toEqual({
      statusCode: 429,
      message: 'Rate limit is exceeded. Try again in 3 seconds.',
    });
  });

  it('rejects unknown switches and wrong values, naming each', async () => {
    await expect(startSimulator({ variants: { integerStatus: true } as WireVariants })).rejects.toThrow(/variants\.integerStatus is not a variant/);
    await expect(startSimulator({ variants: { sentinelDates: 'yes', duplicateDevices: -1 } as never })).rejects.toThrow(
      /sentinelDates must be true or false; variants\.duplicateDevices must be an integer >= 0/,
    );
  });
});
