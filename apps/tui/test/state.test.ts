import { describe, expect, it } from 'vitest';
import { PartnerCenterError, type WatchEvent } from '@batchwatch/client';
import { normalizeDevice } from '@batchwatch/client/internal';
import { FAILED_LINES_PER_FLUSH, initialState, isClean, reduce, SINGLE_LINES_PER_FLUSH, type WatchAction, type WatchState } from '../src/state/index.js';
import { batch, CUSTOMER, device, manyDevices, TRACKING } from './helpers.js';

const at = new Date('2026-01-01T10:00:00Z');
const start = () => initialState({ customerId: CUSTOMER, trackingId: TRACKING, correlationId: 'corr', intervalMs: 5_000, now: at });

function snapshot(status: string, devices = [device('A', 'processing'), device('B', 'processing')]): WatchEvent {
  return { type: 'snapshot', seq: 1, at, snapshot: batch(status, devices) };
}

function deviceStatus(serial: string, from: string, to: string, extra = {}): WatchEvent {
  const next = normalizeDevice(device(serial, to, extra));
  return { type: 'device-status', seq: 2, at, from: from as never, device: next, snapshot: batch('processing') };
}

describe('reduce', () => {
  it('starts from a snapshot: batch, devices in order, counts, a log line', () => {
    const state = reduce(start(), [snapshot('processing', [device('A', 'processing'), device('B', 'finished'), device('C', 'processing')])]);
    expect(state.batch?.status).toBe('processing');
    expect(state.order).toEqual(['A|PK-A', 'B|PK-B', 'C|PK-C']);
    expect(state.counts).toMatchObject({ processing: 2, finished: 1 });
    expect(state.log.map((entry) => entry.kind)).toEqual(['snapshot']);
    expect(state.log[0]).toMatchObject({ kind: 'snapshot', status: 'processing', done: 1, total: 3 });
  });

  it('is pure: the previous state is untouched and unchanged containers are shared', () => {
    const before = reduce(start(), [snapshot('processing')]);
    const frozenOrder = [...before.order];
    const after = reduce(before, [deviceStatus('A', 'processing', 'finished')]);
    expect(before.devices.get('A|PK-A')?.status).toBe('processing');
    expect(before.counts.finished).toBe(0);
    expect(before.order).toEqual(frozenOrder);
    expect(after.devices.get('A|PK-A')?.status).toBe('finished');
    expect(after.counts).toMatchObject({ processing: 1, finished: 1 });
    expect(after.order).toBe(before.order); // no device added: the same array
    expect(reduce(after, [])).toBe(after);
  });

  it('appends new devices and keeps counts incrementally', () => {
    let state = reduce(start(), [snapshot('processing', [])]);
    state = reduce(state, [
      { type: 'device-added', seq: 2, at, device: normalizeDevice(device('X', 'processing')), snapshot: batch('processing') },
      { type: 'device-added', seq: 3, at, device: normalizeDevice(device('Y', 'processing')), snapshot: batch('processing') },
    ]);
    expect(state.order).toEqual(['X|PK-X', 'Y|PK-Y']);
    expect(state.counts.processing).toBe(2);
    expect(state.seq).toBe(3);
  });

  it('tracks failed devices (status or error code) in the order they failed, with the catalogue hint in the log', () => {
    let state = reduce(start(), [snapshot('processing')]);
    state = reduce(state, [deviceStatus('B', 'processing', 'finished_with_errors', { errorCode: '808', errorDescription: 'ZtdDeviceAssignedToOtherTenant' })]);
    state = reduce(state, [deviceStatus('A', 'processing', 'finished', { errorCode: '803' })]);
    expect(state.failed).toEqual(['B|PK-B', 'A|PK-A']);
    const failedLines = state.log.filter((entry) => entry.kind === 'device-failed');
    expect(failedLines[0]).toMatchObject({ device: { serialNumber: 'B' }, error: { code: '808', name: 'ZtdDeviceAssignedToOtherTenant' } });
    expect(failedLines[0]).toHaveProperty('error.hint', expect.stringMatching(/another tenant/));
  });

  it('logs a few device changes one by one and many grouped by status, failures always individually (capped)', () => {
    const few = reduce(reduce(start(), [snapshot('processing')]), [deviceStatus('A', 'processing', 'finished')]);
    expect(few.log.at(-1)).toMatchObject({ kind: 'device', device: { serialNumber: 'A' }, from: 'processing', to: 'finished' });

    const count = 500;
    const base = reduce(start(), [snapshot('processing', manyDevices(count))]);
    const updates: WatchAction[] = manyDevices(count).map((raw, i) =>
      deviceStatus(raw.serialNumber!, 'processing', i < 30 ? 'finished_with_errors' : 'finished', i < 30 ? { errorCode: '802' } : {}),
    );
    const many = reduce(base, updates);
    const added = many.log.slice(base.log.length);
    expect(added.filter((entry) => entry.kind === 'devices')).toEqual([
      expect.objectContaining({ kind: 'devices', count: count - 30, status: 'finished', done: count, total: count }),
    ]);
    expect(added.filter((entry) => entry.kind === 'device-failed')).toHaveLength(FAILED_LINES_PER_FLUSH);
    expect(added.find((entry) => entry.kind === 'more-failed')).toMatchObject({ count: 30 - FAILED_LINES_PER_FLUSH });
    expect(added.filter((entry) => entry.kind === 'device')).toHaveLength(0);
    expect(SINGLE_LINES_PER_FLUSH).toBeLessThan(count);
  });

  it('orders a terminal batch status after the device lines of the same flush', () => {
    const base = reduce(start(), [snapshot('processing')]);
    const done = reduce(base, [
      deviceStatus('A', 'processing', 'finished'),
      { type: 'batch-status', seq: 3, at, from: 'processing', to: 'finished', snapshot: batch('finished', [], { completedTime: '2026-01-01T10:05:00' }) },
    ]);
    expect(done.log.slice(base.log.length).map((entry) => entry.kind)).toEqual(['device', 'batch']);
    expect(done.batch).toMatchObject({ status: 'finished', completedTime: new Date('2026-01-01T10:05:00Z') });
  });

  it('keeps the last known state while retrying, logs the first retry once and the recovery once', () => {
    const base = reduce(start(), [snapshot('processing')]);
    const error = new PartnerCenterError({ kind: 'http', status: 429, description: 'Rate limit is exceeded', retryAfterMs: 3_000 });
    const retrying = reduce(base, [
      { type: 'retrying', at, error, retryInMs: 3_000, snapshot: undefined },
      { type: 'retrying', at, error, retryInMs: 3_000, snapshot: undefined },
    ]);
    expect(retrying.retry).toMatchObject({ kind: 'throttled', status: 429, retryInMs: 3_000 });
    expect(retrying.devices).toBe(base.devices);
    expect(retrying.batch).toEqual(base.batch);
    expect(retrying.log.filter((entry) => entry.kind === 'retrying')).toHaveLength(1);
    const recovered = reduce(retrying, [{ type: 'alive', at }]);
    expect(recovered.retry).toBeUndefined();
    expect(recovered.log.at(-1)).toMatchObject({ kind: 'recovered' });
    expect(recovered.lastUpdate).toEqual(at);
  });

  it('classifies retry causes', () => {
    const kinds = [
      new PartnerCenterError({ kind: 'http', status: 503, description: 'busy' }),
      new PartnerCenterError({ kind: 'network', description: 'ECONNREFUSED' }),
      new PartnerCenterError({ kind: 'timeout', description: 'slow' }),
    ].map((error) => reduce(start(), [{ type: 'retrying', at, error, retryInMs: 1_000, snapshot: undefined }]).retry?.kind);
    expect(kinds).toEqual(['http', 'network', 'timeout']);
  });

  it('records the source and the outcome', () => {
    const state = reduce(start(), [
      { type: 'source', mode: 'sse', at },
      { type: 'end', outcome: { kind: 'interrupted' }, at },
    ]);
    expect(state.mode).toBe('sse');
    expect(state.outcome).toEqual({ kind: 'interrupted' });
  });

  it('calls a batch clean only when it finished without failed devices', () => {
    const finished = (devices: ReturnType<typeof device>[], status = 'finished'): WatchState => reduce(start(), [snapshot(status, devices)]);
    expect(isClean(finished([device('A', 'finished')]))).toBe(true);
    expect(isClean(finished([device('A', 'finished_with_errors', { errorCode: '803' })]))).toBe(false);
    expect(isClean(finished([device('A', 'finished')], 'finished_with_errors'))).toBe(false);
    expect(isClean(finished([device('A', 'finished')], 'processing'))).toBe(false);
  });

  it('806 (already registered to this tenant) is not a failure by default, and is with countAlreadyRegistered', () => {
    const already = device('A', 'finished_with_errors', { errorCode: '806', errorDescription: 'ZtdDeviceAlreadyAssigned' });
    const byDefault = reduce(start(), [snapshot('finished_with_errors', [already, device('B', 'finished')])]);
    expect(byDefault.failed).toEqual([]);
    expect(byDefault.alreadyRegistered).toEqual(['A|PK-A']);
    expect(isClean(byDefault)).toBe(true);
    expect(byDefault.log.filter((entry) => entry.kind === 'device-already')).toHaveLength(1);
    expect(byDefault.log.filter((entry) => entry.kind === 'device-failed')).toHaveLength(0);

    const counted = reduce(initialState({ customerId: CUSTOMER, trackingId: TRACKING, correlationId: 'c', intervalMs: 5_000, countAlreadyRegistered: true }), [
      snapshot('finished_with_errors', [already, device('B', 'finished')]),
    ]);
    expect(counted.failed).toEqual(['A|PK-A']);
    expect(counted.alreadyRegistered).toEqual([]);
    expect(isClean(counted)).toBe(false);
  });

  it('806 by name only counts the same; a device retried from 806 to success leaves the list', () => {
    let state = reduce(start(), [snapshot('processing', [device('A', 'processing')])]);
    state = reduce(state, [deviceStatus('A', 'processing', 'finished_with_errors', { errorDescription: 'ZtdDeviceAlreadyAssigned' })]);
    expect(state.alreadyRegistered).toEqual(['A|PK-A']);
    state = reduce(state, [deviceStatus('A', 'finished_with_errors', 'finished')]);
    expect(state.alreadyRegistered).toEqual([]);
  });

  it('handles 10,000 devices with one copy per flush', () => {
    const base = reduce(start(), [snapshot('processing', manyDevices(10_000))]);
    const updates = manyDevices(10_000)
      .slice(0, 2_000)
      .map((raw) => deviceStatus(raw.serialNumber!, 'processing', 'finished'));
    const next = reduce(base, updates);
    expect(next.counts).toMatchObject({ finished: 2_000, processing: 8_000 });
    expect(next.order).toBe(base.order);
    expect(next.devices.size).toBe(10_000);
  });
});
