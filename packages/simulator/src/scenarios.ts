/** The built-in scenarios, and loading scenarios from JSON or YAML files. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type { ScenarioDefinition, ScenarioName } from './types.js';
import { ScenarioError, validateScenario } from './validate.js';

const SECOND = 1000;

const builtIns: Record<ScenarioName, ScenarioDefinition> = {
  clean: {
    name: 'clean',
    description: '12 devices, all registered.',
    queuedMs: 2 * SECOND,
    processingMs: 10 * SECOND,
    devices: { count: 12, seed: 1 },
  },
  'device-errors': {
    name: 'device-errors',
    description: '20 devices; 806, 808 and 802 failures; the batch ends finished_with_errors.',
    queuedMs: 2 * SECOND,
    processingMs: 12 * SECOND,
    devices: { count: 20, failures: { '802': 1, '806': 2, '808': 3 }, seed: 2 },
    terminalStatusWhenErrors: 'finished_with_errors',
  },
  large: {
    name: 'large',
    description: '10,000 devices over 5 minutes, with a sprinkling of failures.',
    queuedMs: 10 * SECOND,
    processingMs: 300 * SECOND,
    devices: { count: 10_000, failures: { '802': 10, '806': 40, '808': 25, '812': 5 }, seed: 3 },
  },
  throttled: {
    name: 'throttled',
    description: 'Like clean, but status polls 1, 4, 7, … get 429 with Retry-After: 1 and the gateway body.',
    queuedMs: 2 * SECOND,
    processingMs: 10 * SECOND,
    devices: { count: 12, seed: 4 },
    faults: [{ every: 3, from: 1, fault: { kind: 'throttle', retryAfterSeconds: 1 } }],
  },
  flaky: {
    name: 'flaky',
    description:
      'Like clean, but in every 10 polls: 1–2 get 503 (Retry-After: 1), 4 is a connection reset, 6 gets 502 and 7 gets 500. ' +
      'Never more than 2 failures in a row.',
    queuedMs: 2 * SECOND,
    processingMs: 10 * SECOND,
    devices: { count: 12, seed: 5 },
    faults: [
      { every: 10, from: 1, times: 2, fault: { kind: 'status', status: 503, retryAfterSeconds: 1 } },
      { every: 10, from: 4, fault: { kind: 'reset' } },
      { every: 10, from: 6, fault: { kind: 'status', status: 502 } },
      { every: 10, from: 7, fault: { kind: 'status', status: 500 } },
    ],
  },
  slow: {
    name: 'slow',
    description: 'Like clean, but every status response takes 1.5 s of real time.',
    queuedMs: 2 * SECOND,
    processingMs: 10 * SECOND,
    devices: { count: 12, seed: 6 },
    faults: [{ every: 1, fault: { kind: 'delay', ms: 1500 } }],
  },
  malformed: {
    name: 'malformed',
    description: 'Every status response is 200 with a truncated, invalid JSON body.',
    queuedMs: 2 * SECOND,
    processingMs: 10 * SECOND,
    devices: { count: 12, seed: 7 },
    faults: [{ every: 1, fault: { kind: 'malformed' } }],
  },
  demo: {
    name: 'demo',
    description: '36 devices, 6 failing (806, 808, 802); queued 5 s, processing 40 s: terminal after 45 s at speed 1.',
    queuedMs: 5 * SECOND,
    processingMs: 40 * SECOND,
    devices: { count: 36, failures: { '802': 1, '806': 3, '808': 2 }, seed: 8 },
  },
};

/** Built-in scenarios by name (validated and frozen). */
export const scenarios: Record<ScenarioName, ScenarioDefinition> = Object.freeze(
  Object.fromEntries(Object.entries(builtIns).map(([name, definition]) => [name, validateScenario(definition, `built-in scenario ${name}`)])) as Record<
    ScenarioName,
    ScenarioDefinition
  >,
);

export const scenarioNames = Object.keys(builtIns) as ScenarioName[];

export function isScenarioName(value: unknown): value is ScenarioName {
  return typeof value === 'string' && Object.hasOwn(builtIns, value);
}

/** A built-in by name, or a definition checked for use. */
export function resolveScenario(scenario: ScenarioName | ScenarioDefinition): ScenarioDefinition {
  if (typeof scenario !== 'string') return validateScenario(scenario);
  if (isScenarioName(scenario)) return scenarios[scenario];
  throw new TypeError(`unknown scenario "${scenario}"; built-in scenarios: ${scenarioNames.join(', ')}`);
}

type YamlParse = (source: string) => unknown;

/** `yaml` is only needed for YAML scenario files, so it is loaded on first use. */
function loadYaml(path: string): YamlParse {
  try {
    return (createRequire(import.meta.url)('yaml') as { parse: YamlParse }).parse;
  } catch {
    throw new ScenarioError(path, ['is YAML, which needs the "yaml" package (npm install yaml); or write the scenario as .json']);
  }
}

function parseScenarioText(text: string, path: string): unknown {
  const ext = extname(path).toLowerCase();
  // Unknown extensions are read as YAML: JSON is valid YAML, so that parses both.
  const parse = ext === '.json' ? JSON.parse : loadYaml(path);
  try {
    return parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ScenarioError(path, [`is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${message}`]);
  }
}

/** Reads a scenario from a JSON (`.json`) or YAML (`.yaml`, `.yml`) file; throws `ScenarioError` with every problem. */
export function loadScenarioFile(path: string): ScenarioDefinition {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ScenarioError(path, [`cannot be read: ${message}`]);
  }
  return validateScenario(parseScenarioText(text, path), path);
}
