import { describe, expect, it } from 'vitest';
import { batchUploadStatusValues } from '@batchwatch/openapi';
import { normalizeBatch, parsePartnerCenterTime } from '../src/index.js';
import { normalizeDevice, normalizeStatus } from '../src/internal.js';

describe('parsePartnerCenterTime', () => {
  it.each([
    ['2017-07-25T10:00:00', '2017-07-25T10:00:00.000Z'],
    ['2017-07-25T10:00:00Z', '2017-07-25T10:00:00.000Z'],
    ['2017-08-09T14:43:26.0092288-07:00', '2017-08-09T21:43:26.009Z'],
    ['2017-07-25T12:00:00+02:00', '2017-07-25T10:00:00.000Z'],
  ])('reads %s as %s (offset-less means UTC)', (input, expected) => {
    expect(parsePartnerCenterTime(input)?.toISOString()).toBe(expected);
  });

  it.each([['0001-01-01T00:00:00'], [null], [undefined], [''], ['not a date'], [42]])('reads %j as absent', (input) => {
    expect(parsePartnerCenterTime(input)).toBeUndefined();
  });
});

describe('normalizeStatus', () => {
  it.each([
    ['queued', 'queued'],
    ['finished_with_errors', 'finished_with_errors'],
    ['in-progress', 'processing'],
    ['FinishedWithErrors', 'finished_with_errors'],
    ['Processing', 'processing'],
    ['finished-with-errors', 'finished_with_errors'],
    ['cancelled', 'unknown'],
    [undefined, 'unknown'],
  ])('%j → %s', (input, expected) => {
    expect(normalizeStatus(input)).toBe(expected);
  });

  it("reads every status of the contract as itself, and its int32 ordinal as its place in the contract's enum", () => {
    batchUploadStatusValues.forEach((status, ordinal) => {
      expect(normalizeStatus(status)).toBe(status);
      expect(normalizeStatus(ordinal)).toBe(status);
    });
    expect(normalizeStatus(batchUploadStatusValues.length)).toBe('unknown');
  });
});

describe('normalizeBatch', () => {
  it('keeps the raw body and raw status, and reads absent fields as absent', () => {
    const raw = { batchTrackingId: 'b', status: 'brand_new_state', completedTime: '0001-01-01T00:00:00', extra: { kept: true } };
    const batch = normalizeBatch(raw as never);
    expect(batch.status).toBe('unknown');
    expect(batch.rawStatus).toBe('brand_new_state');
    expect(batch.raw).toBe(raw);
    expect(batch.completedTime).toBeUndefined();
    expect(batch.startedTime).toBeUndefined();
    expect(batch.devices).toEqual([]);
  });

  it('normalises devices and gives them a key that survives a deviceId appearing', () => {
    const before = normalizeDevice({ serialNumber: 'SN1', productKey: 'PK', status: 'in-progress' });
    const after = normalizeDevice({ serialNumber: 'SN1', productKey: 'PK', status: 'finished', deviceId: 'd-1' });
    expect(before.status).toBe('processing');
    expect(before.rawStatus).toBe('in-progress');
    expect(after.key).toBe(before.key);
    expect(after.deviceId).toBe('d-1');
  });

  it('reads a numeric errorCode as a string', () => {
    expect(normalizeDevice({ status: 'finished_with_errors', errorCode: 808 as never, serialNumber: 'x' }).errorCode).toBe('808');
  });

  it('falls back to deviceId, then position, for devices without serial and product key', () => {
    expect(normalizeDevice({ status: 'finished', deviceId: 'abc' }, 3).key).toBe('id:abc');
    expect(normalizeDevice({ status: 'finished' }, 3).key).toBe('#3');
  });
});

describe('device keys across polls', () => {
  const raw = (devices: Array<[string, string]>) => ({
    batchTrackingId: 'b',
    status: 'processing',
    devicesStatus: devices.map(([serialNumber, status]) => ({ serialNumber, productKey: 'PK', status })),
  });

  it('tells duplicates apart by order of appearance', () => {
    const batch = normalizeBatch(
      raw([
        ['A', 'processing'],
        ['A', 'processing'],
        ['B', 'processing'],
        ['A', 'finished'],
      ]),
    );
    expect(batch.devices.map((d) => d.key)).toEqual(['A|PK', 'A|PK#2', 'B|PK', 'A|PK#3']);
  });

  it('reuses the keys of an earlier snapshot of the same devices, and computes them afresh when the devices change', () => {
    const first = normalizeBatch(
      raw([
        ['A', 'processing'],
        ['A', 'processing'],
      ]),
    );
    const same = normalizeBatch(
      raw([
        ['A', 'finished'],
        ['A', 'finished_with_errors'],
      ]),
      first,
    );
    expect(same.devices.map((d) => [d.key, d.status])).toEqual([
      ['A|PK', 'finished'],
      ['A|PK#2', 'finished_with_errors'],
    ]);
    expect(same.devices[1]!.key).toBe(first.devices[1]!.key);
    const grown = normalizeBatch(
      raw([
        ['A', 'finished'],
        ['C', 'queued'],
        ['A', 'finished'],
      ]),
      same,
    );
    expect(grown.devices.map((d) => d.key)).toEqual(['A|PK', 'C|PK', 'A|PK#2']);
  });
});
