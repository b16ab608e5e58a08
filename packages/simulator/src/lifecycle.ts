/**
 * A batch's status as a pure function of its scenario and the elapsed clock time. Nothing is stored per poll,
 * so any poll at any time is reproducible, and a virtual clock can jump straight to any stage.
 *
 * Timeline (P = processingMs, N devices): the batch is `queued` for `queuedMs`, then `processing`. Device i
 * appears (status `processing`) at 0.6·P·i/N and reaches its outcome 0.2·P–0.4·P later (seeded jitter), so all
 * devices are done by P, when the batch turns terminal and gains `completedTime`.
 */
import type { BatchUploadDetails, DeviceUploadDetails, TerminalBatchStatus } from '@batchwatch/openapi';
import { describeAutopilotError } from './autopilot-errors.js';
import { scenarioDevices } from './devices.js';
import { createRandom, hashString, seededGuid } from './ids.js';
import type { ScenarioDefinition, ScenarioDevice } from './types.js';

interface PlannedDevice {
  /** Offsets from the start of processing, in ms. */
  readonly appearAt: number;
  readonly doneAt: number;
  readonly failed: boolean;
  readonly processing: DeviceUploadDetails;
  readonly final: DeviceUploadDetails;
}

/** Everything about a batch's timeline that depends only on its scenario (cached per scenario object). */
interface ScenarioPlan {
  readonly queuedMs: number;
  readonly processingMs: number;
  readonly terminalStatus: TerminalBatchStatus;
  /** Ordered by `appearAt`. */
  readonly devices: readonly PlannedDevice[];
}

export interface BatchPlan extends ScenarioPlan {
  readonly trackingId: string;
  readonly createdAt: number;
}

const APPEAR_SPAN = 0.6;
const MIN_WORK = 0.2;
const WORK_JITTER = 0.2;

/** Partner Center's status timestamps: UTC without offset, seconds precision (`2017-07-25T10:00:00`). */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

function deviceViews(device: ScenarioDevice, deviceId: string): Pick<PlannedDevice, 'processing' | 'final' | 'failed'> {
  const ids = {
    ...(device.serialNumber !== undefined && { serialNumber: device.serialNumber }),
    ...(device.productKey !== undefined && { productKey: device.productKey }),
  };
  const attributes = { objectType: 'DeviceUploadDetails' };
  const processing: DeviceUploadDetails = { ...ids, status: 'processing', attributes };
  const outcome = device.outcome ?? 'success';
  if (outcome === 'success') {
    return { processing, failed: false, final: { deviceId, ...ids, status: 'finished', attributes } };
  }
  const errorDescription = outcome.errorDescription ?? describeAutopilotError(outcome.errorCode) ?? 'Unknown';
  const final: DeviceUploadDetails = { ...ids, status: 'finished_with_errors', errorCode: outcome.errorCode, errorDescription, attributes };
  return { processing, failed: true, final };
}

/** A device's id depends on the device and its place in the scenario, so re-runs reproduce it. */
function deviceIdFor(scenario: ScenarioDefinition, device: ScenarioDevice, index: number): string {
  return seededGuid(createRandom(hashString(`${scenario.name}|${index}|${device.serialNumber}|${device.productKey}`)));
}

function computeScenarioPlan(scenario: ScenarioDefinition): ScenarioPlan {
  const devices = scenarioDevices(scenario.devices);
  const p = scenario.processingMs;
  const timing = createRandom(hashString(`timing:${scenario.name}`));
  const planned = devices.map((device, i): PlannedDevice => {
    const appearAt = Math.floor((APPEAR_SPAN * p * i) / devices.length);
    const doneAt = appearAt + Math.floor(p * (MIN_WORK + WORK_JITTER * timing()));
    return { appearAt, doneAt, ...deviceViews(device, deviceIdFor(scenario, device, i)) };
  });
  const anyFailed = planned.some((d) => d.failed);
  return {
    queuedMs: scenario.queuedMs,
    processingMs: p,
    terminalStatus: anyFailed ? (scenario.terminalStatusWhenErrors ?? 'finished') : 'finished',
    devices: planned,
  };
}

const scenarioPlans = new WeakMap<ScenarioDefinition, ScenarioPlan>();

/** The scenario's timeline relative to submission; computed once per (frozen) scenario object. */
function planScenario(scenario: ScenarioDefinition): ScenarioPlan {
  let plan = scenarioPlans.get(scenario);
  if (plan === undefined) {
    plan = computeScenarioPlan(scenario);
    scenarioPlans.set(scenario, plan);
  }
  return plan;
}

/** A batch's whole timeline: its scenario's plan, placed at `createdAt`. */
export function planBatch(scenario: ScenarioDefinition, trackingId: string, createdAt: number): BatchPlan {
  return { ...planScenario(scenario), trackingId, createdAt };
}

/** How many devices have appeared by `elapsed` ms into processing (binary search: `appearAt` is sorted). */
function visibleCount(devices: readonly PlannedDevice[], elapsed: number): number {
  let lo = 0;
  let hi = devices.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((devices[mid] as PlannedDevice).appearAt <= elapsed) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const batchAttributes = Object.freeze({ objectType: 'BatchUploadDetails' });

/** The `BatchUploadDetails` a poll at clock time `now` sees. */
export function batchStatusAt(plan: BatchPlan, now: number): BatchUploadDetails {
  const startedAt = plan.createdAt + plan.queuedMs;
  const base = { batchTrackingId: plan.trackingId };
  if (now < startedAt) return { ...base, status: 'queued', devicesStatus: [], attributes: batchAttributes };
  const startedTime = formatTimestamp(startedAt);
  const elapsed = now - startedAt;
  if (elapsed >= plan.processingMs) {
    const completedTime = formatTimestamp(startedAt + plan.processingMs);
    const devicesStatus = plan.devices.map((d) => d.final);
    return { ...base, status: plan.terminalStatus, startedTime, completedTime, devicesStatus, attributes: batchAttributes };
  }
  const visible = plan.devices.slice(0, visibleCount(plan.devices, elapsed));
  const devicesStatus = visible.map((d) => (elapsed >= d.doneAt ? d.final : d.processing));
  return { ...base, status: 'processing', startedTime, devicesStatus, attributes: batchAttributes };
}
