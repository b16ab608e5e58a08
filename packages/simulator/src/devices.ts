/**
 * Where devices come from: seeded generation for built-in and file scenarios, and the outcome rule for
 * devices that callers POST (so tests can script failures through the real upload endpoints).
 */
import type { Device } from '@batchwatch/openapi';
import { describeAutopilotError } from './autopilot-errors.js';
import { createRandom, pick } from './ids.js';
import type { DeviceGenerator, DeviceOutcome, ScenarioDevice } from './types.js';

const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'; // no I/O: OEMs avoid them in serials
const DIGITS = '0123456789';

function draw(random: () => number, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

/** Serial-number shapes of common OEMs: HP (5CG…), Lenovo (PF…), Dell service tags, Surface (12 digits). */
const serialStyles: ReadonlyArray<(random: () => number) => string> = [
  (r) => `5CG${draw(r, DIGITS, 4)}${draw(r, ALNUM, 3)}`,
  (r) => `PF${draw(r, ALNUM, 6)}`,
  (r) => draw(r, ALNUM, 7),
  (r) => `0${draw(r, DIGITS, 11)}`,
];

/** The documented `12345-67890-09876-54321-13579` shape. */
function productKey(random: () => number): string {
  const group = () => String(Math.floor(random() * 100_000)).padStart(5, '0');
  return `${group()}-${group()}-${group()}-${group()}-${group()}`;
}

function uniqueSerial(random: () => number, seen: Set<string>): string {
  for (;;) {
    const serial = pick(random, serialStyles)(random);
    if (!seen.has(serial)) {
      seen.add(serial);
      return serial;
    }
  }
}

/** Failing positions are a seeded shuffle, so failures are spread through the batch rather than bunched. */
function failurePlan(gen: DeviceGenerator, random: () => number): Map<number, string> {
  const codes = Object.entries(gen.failures ?? {})
    .sort(([a], [b]) => Number(a) - Number(b))
    .flatMap(([code, n]) => Array<string>(n).fill(code));
  const positions = Array.from({ length: gen.count }, (_, i) => i);
  const plan = new Map<number, string>();
  codes.forEach((code, k) => {
    const j = k + Math.floor(random() * (positions.length - k));
    [positions[k], positions[j]] = [positions[j] as number, positions[k] as number];
    plan.set(positions[k] as number, code);
  });
  return plan;
}

function generateDevices(gen: DeviceGenerator): ScenarioDevice[] {
  const random = createRandom(gen.seed ?? 1);
  const failures = failurePlan(gen, random);
  const seen = new Set<string>();
  return Array.from({ length: gen.count }, (_, i) => {
    const code = failures.get(i);
    return {
      serialNumber: uniqueSerial(random, seen),
      productKey: productKey(random),
      outcome: code === undefined ? 'success' : { errorCode: code },
    };
  });
}

function isGenerator(devices: ScenarioDevice[] | DeviceGenerator): devices is DeviceGenerator {
  return !Array.isArray(devices);
}

export function scenarioDevices(devices: ScenarioDevice[] | DeviceGenerator): ScenarioDevice[] {
  return isGenerator(devices) ? generateDevices(devices) : devices;
}

const ERROR_MARKER = /ERR(8\d\d)/i;

/**
 * The outcome of a POSTed device, decided from its data alone (deterministic, no hidden state):
 * - a serialNumber, productKey or hardwareHash containing `ERR` + a known code (e.g. `SN-ERR808-01`) fails
 *   with that code (808 ZtdDeviceAssignedToOtherTenant);
 * - a device with none of serialNumber, productKey and hardwareHash fails with 803
 *   (MissingZtdSerialNumberAndProductKey);
 * - everything else succeeds.
 */
export function outcomeForUploadedDevice(device: Device): DeviceOutcome {
  for (const field of [device.serialNumber, device.productKey, device.hardwareHash]) {
    const code = typeof field === 'string' ? ERROR_MARKER.exec(field)?.[1] : undefined;
    if (code !== undefined && describeAutopilotError(code) !== undefined) return { errorCode: code };
  }
  if (!device.serialNumber && !device.productKey && !device.hardwareHash) return { errorCode: '803' };
  return 'success';
}
