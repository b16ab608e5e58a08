/**
 * Validation of scenario definitions and faults. Scenario files are written by hand, so every problem is
 * reported with its location (`devices.failures.806`) and what was expected, all at once.
 */
import { terminalBatchStatusValues } from '@batchwatch/openapi';
import { describeAutopilotError } from './autopilot-errors.js';
import type { Fault, ScenarioDefinition } from './types.js';

export const MAX_DEVICES = 100_000;

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: invalid scenario\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Json = Record<string, unknown>;

/** Collects problems; `at` is the dotted path of the value being checked. */
class Problems {
  readonly list: string[] = [];
  add(at: string, message: string, ...value: [unknown?]): void {
    const got = value.length > 0 ? ` (got ${show(value[0])})` : '';
    this.list.push(`${at || 'scenario'} ${message}${got}`);
  }
}

function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(at: string, key: string | number): string {
  return typeof key === 'number' ? `${at}[${key}]` : at ? `${at}.${key}` : key;
}

function checkKeys(value: Json, allowed: readonly string[], at: string, p: Problems): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) p.add(join(at, key), `is not a known property; expected one of: ${allowed.join(', ')}`);
  }
}

function isInt(value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

function checkDuration(value: unknown, at: string, p: Problems): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    p.add(at, 'must be a number of milliseconds >= 0', value);
  }
}

function checkOptionalString(value: unknown, at: string, p: Problems): void {
  if (value !== undefined && typeof value !== 'string') p.add(at, 'must be a string', value);
}

/* ---------------------------------------------------------------- faults */

const faultKeys: Record<Fault['kind'], readonly string[]> = {
  throttle: ['kind', 'retryAfterSeconds', 'body'],
  status: ['kind', 'status', 'retryAfterSeconds'],
  reset: ['kind'],
  delay: ['kind', 'ms'],
  malformed: ['kind'],
};
const faultStatuses = [500, 502, 503, 504, 408];

function checkFault(value: unknown, at: string, p: Problems): void {
  if (!isObject(value)) return p.add(at, 'must be an object like {"kind": "throttle", "retryAfterSeconds": 1}', value);
  const kind = value['kind'] as Fault['kind'];
  if (!Object.hasOwn(faultKeys, kind)) {
    return p.add(join(at, 'kind'), `must be one of: ${Object.keys(faultKeys).join(', ')}`, value['kind']);
  }
  checkKeys(value, faultKeys[kind], at, p);
  const retry = value['retryAfterSeconds'];
  if (kind === 'throttle' && !isInt(retry, 0)) p.add(join(at, 'retryAfterSeconds'), 'must be an integer >= 0', retry);
  if (kind === 'status' && retry !== undefined && !isInt(retry, 0)) {
    p.add(join(at, 'retryAfterSeconds'), 'must be an integer >= 0', retry);
  }
  if (kind === 'throttle' && value['body'] !== undefined && value['body'] !== 'gateway' && value['body'] !== 'api-fault') {
    p.add(join(at, 'body'), 'must be "gateway" or "api-fault"', value['body']);
  }
  if (kind === 'status' && !faultStatuses.includes(value['status'] as number)) {
    p.add(join(at, 'status'), `must be one of: ${faultStatuses.join(', ')}`, value['status']);
  }
  if (kind === 'delay') checkDuration(value['ms'], join(at, 'ms'), p);
}

/** Throws a TypeError naming every problem; used by `injectFault`. */
export function assertFault(value: unknown): asserts value is Fault {
  const p = new Problems();
  checkFault(value, 'fault', p);
  if (p.list.length > 0) throw new TypeError(`invalid fault: ${p.list.join('; ')}`);
}

function checkPattern(value: unknown, at: string, p: Problems): void {
  if (!isObject(value)) return p.add(at, 'must be an object like {"every": 3, "fault": {...}}', value);
  checkKeys(value, ['every', 'from', 'times', 'fault'], at, p);
  const every = value['every'];
  if (!isInt(every, 1)) p.add(join(at, 'every'), 'must be an integer >= 1', every);
  if (value['from'] !== undefined && !isInt(value['from'], 1)) p.add(join(at, 'from'), 'must be an integer >= 1', value['from']);
  const times = value['times'];
  if (times !== undefined && !isInt(times, 1, isInt(every, 1) ? every : Number.MAX_SAFE_INTEGER)) {
    p.add(join(at, 'times'), 'must be an integer between 1 and `every`', times);
  }
  checkFault(value['fault'], join(at, 'fault'), p);
}

/* --------------------------------------------------------------- devices */

function checkOutcome(value: unknown, at: string, p: Problems): void {
  if (value === undefined || value === 'success') return;
  if (!isObject(value)) return p.add(at, 'must be "success" or {"errorCode": "808"}', value);
  checkKeys(value, ['errorCode', 'errorDescription'], at, p);
  const code = value['errorCode'];
  if (typeof code !== 'string' || code === '') return p.add(join(at, 'errorCode'), 'must be a non-empty string such as "808"', code);
  checkOptionalString(value['errorDescription'], join(at, 'errorDescription'), p);
  if (value['errorDescription'] === undefined && describeAutopilotError(code) === undefined) {
    p.add(join(at, 'errorDescription'), `is required for errorCode "${code}", which is not a known Autopilot code (801-814)`);
  }
}

function checkDeviceList(list: unknown[], at: string, p: Problems): void {
  if (list.length === 0 || list.length > MAX_DEVICES) p.add(at, `must hold 1 to ${MAX_DEVICES} devices`, list.length);
  list.forEach((device, i) => {
    const here = join(at, i);
    if (!isObject(device)) return p.add(here, 'must be an object like {"serialNumber": "…", "outcome": "success"}', device);
    checkKeys(device, ['serialNumber', 'productKey', 'outcome'], here, p);
    checkOptionalString(device['serialNumber'], join(here, 'serialNumber'), p);
    checkOptionalString(device['productKey'], join(here, 'productKey'), p);
    checkOutcome(device['outcome'], join(here, 'outcome'), p);
  });
}

function checkGenerator(gen: Json, at: string, p: Problems): void {
  checkKeys(gen, ['count', 'failures', 'seed'], at, p);
  const count = gen['count'];
  if (!isInt(count, 1, MAX_DEVICES)) p.add(join(at, 'count'), `must be an integer from 1 to ${MAX_DEVICES}`, count);
  if (gen['seed'] !== undefined && !isInt(gen['seed'], 0, 0xffffffff)) p.add(join(at, 'seed'), 'must be an integer >= 0', gen['seed']);
  const failures = gen['failures'];
  if (failures === undefined) return;
  if (!isObject(failures)) return p.add(join(at, 'failures'), 'must be an object like {"806": 3, "808": 2}', failures);
  let total = 0;
  for (const [code, n] of Object.entries(failures)) {
    const here = join(join(at, 'failures'), code);
    if (describeAutopilotError(code) === undefined) p.add(here, 'is not a known Autopilot error code (801-803, 806-814)');
    if (!isInt(n, 0)) p.add(here, 'must be an integer >= 0', n);
    else total += n;
  }
  if (isInt(count, 1) && total > count) p.add(join(at, 'failures'), `add up to ${total}, more than count ${count}`);
}

function checkDevices(value: unknown, p: Problems): void {
  if (Array.isArray(value)) return checkDeviceList(value, 'devices', p);
  if (isObject(value)) return checkGenerator(value, 'devices', p);
  p.add('devices', 'must be a list of devices or a generator like {"count": 20, "failures": {"806": 2}}', value);
}

/* -------------------------------------------------------------- scenario */

const scenarioKeys = ['$schema', 'name', 'description', 'queuedMs', 'processingMs', 'devices', 'terminalStatusWhenErrors', 'faults'];

function checkScenario(value: Json, p: Problems): void {
  checkKeys(value, scenarioKeys, '', p);
  if (typeof value['name'] !== 'string' || value['name'].trim() === '') p.add('name', 'must be a non-empty string', value['name']);
  checkOptionalString(value['description'], 'description', p);
  checkDuration(value['queuedMs'], 'queuedMs', p);
  checkDuration(value['processingMs'], 'processingMs', p);
  checkDevices(value['devices'], p);
  const terminal = value['terminalStatusWhenErrors'];
  if (terminal !== undefined && !(terminalBatchStatusValues as readonly unknown[]).includes(terminal)) {
    p.add('terminalStatusWhenErrors', `must be ${terminalBatchStatusValues.map((s) => JSON.stringify(s)).join(' or ')}`, terminal);
  }
  const faults = value['faults'];
  if (faults === undefined) return;
  if (!Array.isArray(faults)) return p.add('faults', 'must be a list of fault patterns', faults);
  faults.forEach((pattern, i) => checkPattern(pattern, join('faults', i), p));
}

/** Hand-written files say `errorCode: 808` (a YAML number); the wire wants a string. */
function normaliseCodes(value: Json): void {
  if (!Array.isArray(value['devices'])) return;
  for (const device of value['devices'] as unknown[]) {
    const outcome = isObject(device) ? device['outcome'] : undefined;
    if (isObject(outcome) && typeof outcome['errorCode'] === 'number') outcome['errorCode'] = String(outcome['errorCode']);
  }
}

/**
 * Checks that `value` is a usable scenario and returns a frozen deep copy with default-free, normalised values.
 * Throws a `ScenarioError` listing every problem.
 */
export function validateScenario(value: unknown, source = 'scenario'): ScenarioDefinition {
  if (!isObject(value)) throw new ScenarioError(source, [`must be an object with name, queuedMs, processingMs and devices (got ${show(value)})`]);
  const copy = structuredClone(value);
  normaliseCodes(copy);
  const p = new Problems();
  checkScenario(copy, p);
  if (p.list.length > 0) throw new ScenarioError(source, p.list);
  delete copy['$schema'];
  return deepFreeze(copy) as unknown as ScenarioDefinition;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
