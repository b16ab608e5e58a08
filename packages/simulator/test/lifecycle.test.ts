/** The lifecycle, observed over HTTP with a virtual clock, and the pure function behind it. */
import { describe, expect, it } from 'vitest';
import type { BatchUploadDetails, DeviceUploadDetails } from '@batchwatch/openapi';
import { GUID_PATTERN } from '@batchwatch/openapi';
import { batchStatusAt, DEFAULT_VIRTUAL_START, planBatch, scenarios, type ScenarioName } from '../src/index.js';
import { get, json, startTestSimulator, type TestSimulator } from './support/http.js';

const BATCH_STATUSES = ['queued', 'processing', 'finished', 'finished_with_errors'];
const DEVICE_STATUSES = ['processing', 'finished', 'finished_with_errors'];
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

async function poll(sim: TestSimulator, path: string): Promise<BatchUploadDetails> {
  const reply = await get(sim, path);
  expect(reply.status).toBe(200);
  return json<BatchUploadDetails>(reply);
}

async function seeded(name: ScenarioName): Promise<{ sim: TestSimulator; path: string }> {
  const sim = await startTestSimulator();
  return { sim, path: sim.addBatch(name).statusPath };
}

describe('lifecycle over HTTP (virtual clock)', () => {
  it('queued: no startedTime, no completedTime, no devices', async () => {
    const { sim, path } = await seeded('clean');
    const status = await poll(sim, path);
    expect(status.status).toBe('queued');
    expect(status).not.toHaveProperty('startedTime');
    expect(status).not.toHaveProperty('completedTime');
    expect(status.devicesStatus ?? []).toEqual([]);
    expect(status.attributes).toEqual({ objectType: 'BatchUploadDetails' });
  });

  it('processing: devices appear over time and change status across polls', async () => {
    const { sim, path } = await seeded('device-errors');
    const { queuedMs, processingMs } = scenarios['device-errors'];
    sim.clock.advance(queuedMs);
    const snapshots: BatchUploadDetails[] = [];
    for (let i = 0; i < 8; i++) {
      snapshots.push(await poll(sim, path));
      sim.clock.advance(processingMs / 8);
    }
    for (const snap of snapshots) {
      expect(snap.status).toBe('processing');
      expect(snap.startedTime).toBe('2026-01-01T00:00:02');
      expect(snap).not.toHaveProperty('completedTime');
    }
    const counts = snapshots.map((s) => s.devicesStatus!.length);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(new Set(counts).size).toBeGreaterThanOrEqual(4);
    expect(counts[0]).toBeLessThan(counts.at(-1)!);
    // Some device is seen `processing` first and with its outcome later.
    const first = new Map(snapshots[2]!.devicesStatus!.map((d) => [d.serialNumber, d.status]));
    const later = snapshots.at(-1)!.devicesStatus!;
    expect(later.some((d) => first.get(d.serialNumber) === 'processing' && d.status !== 'processing')).toBe(true);
    const distinct = new Set(snapshots.map((s) => JSON.stringify(s.devicesStatus)));
    expect(distinct.size).toBe(snapshots.length);
  });

  it('terminal: completedTime appears, every device has its outcome', async () => {
    const { sim, path } = await seeded('device-errors');
    const { queuedMs, processingMs } = scenarios['device-errors'];
    sim.clock.advance(queuedMs + processingMs - 1);
    expect((await poll(sim, path)).status).toBe('processing');
    sim.clock.advance(1);
    const status = await poll(sim, path);
    expect(status.status).toBe('finished_with_errors');
    expect(status.startedTime).toBe('2026-01-01T00:00:02');
    expect(status.completedTime).toBe('2026-01-01T00:00:14');
    const devices = status.devicesStatus!;
    expect(devices).toHaveLength(20);
    const failed = devices.filter((d) => d.status === 'finished_with_errors');
    const byCode = Object.fromEntries(['802', '806', '808'].map((c) => [c, failed.filter((d) => d.errorCode === c).length]));
    expect(byCode).toEqual({ '802': 1, '806': 2, '808': 3 });
    expect(failed.find((d) => d.errorCode === '806')!.errorDescription).toBe('ZtdDeviceAlreadyAssigned');
    expect(failed.find((d) => d.errorCode === '808')!.errorDescription).toBe('ZtdDeviceAssignedToOtherTenant');
    expect(failed.find((d) => d.errorCode === '802')!.errorDescription).toBe('InvalidZtdHardwareHash');
    for (const d of failed) expect(d).not.toHaveProperty('deviceId');
    for (const d of devices.filter((x) => x.status === 'finished')) {
      expect(d.deviceId).toMatch(GUID_PATTERN);
      expect(d).not.toHaveProperty('errorCode');
    }
    // Later polls see the same terminal state.
    sim.clock.advance(86_400_000);
    expect(await poll(sim, path)).toEqual(status);
  });

  it('clean ends `finished` with every device registered; demo ends `finished` despite failed devices', async () => {
    const clean = await seeded('clean');
    clean.sim.clock.advance(60_000);
    const done = await poll(clean.sim, clean.path);
    expect(done.status).toBe('finished');
    expect(done.devicesStatus!.every((d) => d.status === 'finished')).toBe(true);
    expect(done.devicesStatus).toHaveLength(12);

    const demo = await seeded('demo');
    demo.sim.clock.advance(39_999);
    expect((await poll(demo.sim, demo.path)).status).toBe('processing');
    demo.sim.clock.advance(10_001);
    const end = await poll(demo.sim, demo.path);
    expect(end.status).toBe('finished'); // as in Microsoft's example: the batch finished, some devices did not
    expect(end.devicesStatus).toHaveLength(36);
    expect(end.devicesStatus!.filter((d) => d.status === 'finished_with_errors')).toHaveLength(6);
  });

  it('a batch added later starts its own lifecycle at the current clock time', async () => {
    const sim = await startTestSimulator();
    const early = sim.addBatch('clean');
    sim.clock.advance(5_000);
    const late = sim.addBatch('clean');
    expect((await poll(sim, early.statusPath)).status).toBe('processing');
    expect((await poll(sim, late.statusPath)).status).toBe('queued');
  });

  it('large: 10,000 devices with the scripted failures', async () => {
    const { sim, path } = await seeded('large');
    sim.clock.advance(scenarios.large.queuedMs + scenarios.large.processingMs);
    const status = await poll(sim, path);
    expect(status.devicesStatus).toHaveLength(10_000);
    const failed = status.devicesStatus!.filter((d) => d.status === 'finished_with_errors');
    expect(failed).toHaveLength(80);
    expect(new Set(status.devicesStatus!.map((d) => d.serialNumber)).size).toBe(10_000);
  });
});

describe('batchStatusAt (pure)', () => {
  const plan = planBatch(scenarios.demo, '0127ed8e-ff72-4983-a3d8-e8d8bd378932', DEFAULT_VIRTUAL_START);
  const times = Array.from({ length: 120 }, (_, i) => DEFAULT_VIRTUAL_START - 1_000 + i * 500);
  const states = times.map((t) => batchStatusAt(plan, t));

  it('is deterministic', () => {
    const again = planBatch(scenarios.demo, '0127ed8e-ff72-4983-a3d8-e8d8bd378932', DEFAULT_VIRTUAL_START);
    expect(times.map((t) => batchStatusAt(again, t))).toEqual(states);
  });

  it('only moves forward: devices never disappear nor leave a terminal status', () => {
    for (let i = 1; i < states.length; i++) {
      const before = states[i - 1]!.devicesStatus ?? [];
      const after = states[i]!.devicesStatus ?? [];
      expect(after.length).toBeGreaterThanOrEqual(before.length);
      before.forEach((d: DeviceUploadDetails, k) => {
        expect(after[k]!.serialNumber).toBe(d.serialNumber);
        if (d.status !== 'processing') expect(after[k]).toEqual(d);
      });
      expect(BATCH_STATUSES.indexOf(states[i]!.status)).toBeGreaterThanOrEqual(BATCH_STATUSES.indexOf(states[i - 1]!.status));
    }
  });

  it('emits only the five status values, offset-less timestamps and objectType attributes', () => {
    for (const state of states) {
      expect(BATCH_STATUSES).toContain(state.status);
      if (state.startedTime) expect(state.startedTime).toMatch(TIMESTAMP);
      if (state.completedTime) expect(state.completedTime).toMatch(TIMESTAMP);
      expect(state.attributes?.objectType).toBe('BatchUploadDetails');
      for (const device of state.devicesStatus ?? []) {
        expect(DEVICE_STATUSES).toContain(device.status);
        expect(device.attributes?.objectType).toBe('DeviceUploadDetails');
        expect(device.productKey).toMatch(/^\d{5}(-\d{5}){4}$/);
        if (device.errorCode !== undefined) expect(typeof device.errorCode).toBe('string');
      }
    }
  });

  it('completedTime is omitted until the terminal status', () => {
    for (const state of states) {
      const terminal = state.status === 'finished' || state.status === 'finished_with_errors';
      expect('completedTime' in state).toBe(terminal);
    }
  });
});
