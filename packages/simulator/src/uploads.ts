/**
 * The two upload endpoints' request bodies. Partner Center binds JSON property names case-insensitively: the
 * .NET SDK and PowerShell send `BatchId` / `Devices` / `SerialNumber`, CIPP sends camelCase (reference §2.6).
 */
import type { Device } from '@batchwatch/openapi';
import { outcomeForUploadedDevice } from './devices.js';
import { scenarios } from './scenarios.js';
import type { ScenarioDefinition } from './types.js';
import { MAX_DEVICES } from './validate.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `obj[name]`, matching the property name without regard to case. */
function field(obj: Json, name: string): unknown {
  const lower = name.toLowerCase();
  const key = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : obj[key];
}

const identifyingFields = ['serialNumber', 'productKey', 'hardwareHash', 'modelName', 'oemManufacturerName', 'id'] as const;

function parseDevice(value: unknown, at: string): Parsed<Device> {
  if (!isObject(value)) return { ok: false, problem: `${at} must be an object` };
  const device: Device = {};
  for (const name of identifyingFields) {
    const v = field(value, name);
    if (v === undefined || v === null) continue; // the .NET SDK sends explicit nulls
    if (typeof v !== 'string') return { ok: false, problem: `${at}.${name} must be a string` };
    device[name] = v;
  }
  return { ok: true, value: device };
}

function parseDevices(value: unknown, at: string): Parsed<Device[]> {
  if (!Array.isArray(value) || value.length === 0) return { ok: false, problem: `${at} must be a non-empty array of devices` };
  if (value.length > MAX_DEVICES) return { ok: false, problem: `${at} holds more than ${MAX_DEVICES} devices` };
  const devices: Device[] = [];
  for (const [i, item] of value.entries()) {
    const parsed = parseDevice(item, `${at}[${i}]`);
    if (!parsed.ok) return parsed;
    devices.push(parsed.value);
  }
  return { ok: true, value: devices };
}

/** `DeviceBatchCreationRequest`: `{ batchId, devices }` in any property casing. */
export function parseCreateRequest(body: unknown): Parsed<{ batchId: string; devices: Device[] }> {
  if (!isObject(body)) return { ok: false, problem: 'the body must be a DeviceBatchCreationRequest object' };
  const batchId = field(body, 'batchId');
  if (typeof batchId !== 'string' || batchId.trim() === '' || batchId.length > 256) {
    return { ok: false, problem: 'batchId must be a non-empty string of at most 256 characters' };
  }
  const devices = parseDevices(field(body, 'devices'), 'devices');
  return devices.ok ? { ok: true, value: { batchId, devices: devices.value } } : devices;
}

/** The existing-batch upload: a bare array of devices (the doc) or `{ devices: [...] }` (the REST reference). */
export function parseDevicesBody(body: unknown): Parsed<Device[]> {
  if (Array.isArray(body)) return parseDevices(body, 'the body');
  if (isObject(body)) return parseDevices(field(body, 'devices'), 'devices');
  return { ok: false, problem: 'the body must be an array of devices or {"devices": [...]}' };
}

/** POSTed batches follow the `clean` timings; each device's outcome comes from its own data. */
export function uploadScenario(batchId: string, devices: readonly Device[]): ScenarioDefinition {
  const { queuedMs, processingMs } = scenarios.clean;
  return {
    name: `upload:${batchId}`,
    description: `Devices uploaded to batch "${batchId}"`,
    queuedMs,
    processingMs,
    devices: devices.map((device) => ({
      ...(device.serialNumber !== undefined && { serialNumber: device.serialNumber }),
      ...(device.productKey !== undefined && { productKey: device.productKey }),
      outcome: outcomeForUploadedDevice(device),
    })),
  };
}
