/** Built-in scenarios, generated devices, and scenario files (JSON and YAML) with clear validation errors. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BatchUploadDetails } from '@batchwatch/openapi';
import { autopilotErrors, loadScenarioFile, planBatch, ScenarioError, scenarioNames, scenarios, validateScenario } from '../src/index.js';
import { get, json, startTestSimulator } from './support/http.js';

const dir = mkdtempSync(join(tmpdir(), 'batchwatch-scenarios-'));
function writeTemp(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('built-in scenarios', () => {
  it('are the eight documented names, each named after its key', () => {
    expect(scenarioNames).toEqual(['clean', 'device-errors', 'large', 'throttled', 'flaky', 'slow', 'malformed', 'demo']);
    for (const name of scenarioNames) expect(scenarios[name].name).toBe(name);
    expect(Object.isFrozen(scenarios.clean)).toBe(true);
  });

  it('demo reaches its terminal status within 40–50 s at speed 1', () => {
    const total = scenarios.demo.queuedMs + scenarios.demo.processingMs;
    expect(total).toBeGreaterThanOrEqual(40_000);
    expect(total).toBeLessThanOrEqual(50_000);
  });

  it('generate realistic, unique, reproducible devices', () => {
    const a = planBatch(scenarios.demo, '0127ed8e-ff72-4983-a3d8-e8d8bd378932', 0).devices.map((d) => d.final);
    const b = planBatch(scenarios.demo, '0127ed8e-ff72-4983-a3d8-e8d8bd378932', 0).devices.map((d) => d.final);
    expect(a).toEqual(b);
    const serials = a.map((d) => d.serialNumber!);
    expect(new Set(serials).size).toBe(36);
    for (const serial of serials) expect(serial).toMatch(/^[0-9A-Z]{7,12}$/);
    for (const d of a) expect(d.productKey).toMatch(/^\d{5}-\d{5}-\d{5}-\d{5}-\d{5}$/);
    const codes = a
      .filter((d) => d.errorCode)
      .map((d) => `${d.errorCode} ${d.errorDescription}`)
      .sort();
    expect(codes).toEqual([
      '802 InvalidZtdHardwareHash',
      '806 ZtdDeviceAlreadyAssigned',
      '806 ZtdDeviceAlreadyAssigned',
      '806 ZtdDeviceAlreadyAssigned',
      '808 ZtdDeviceAssignedToOtherTenant',
      '808 ZtdDeviceAssignedToOtherTenant',
    ]);
  });

  it('the Autopilot error table uses the ...OtherTenant spelling', () => {
    expect(autopilotErrors['808']).toBe('ZtdDeviceAssignedToOtherTenant');
    expect(Object.keys(autopilotErrors)).toHaveLength(12);
  });
});

describe('loadScenarioFile', () => {
  it('loads a JSON scenario with an explicit device list and runs it', async () => {
    const path = writeTemp(
      'two-devices.json',
      JSON.stringify({
        $schema: './scenario.schema.json',
        name: 'two-devices',
        description: 'One good, one already assigned elsewhere',
        queuedMs: 1000,
        processingMs: 4000,
        devices: [
          { serialNumber: 'GOOD-1', productKey: '11111-22222-33333-44444-55555' },
          { serialNumber: 'BAD-1', outcome: { errorCode: '808' } },
          { serialNumber: 'ODD-1', outcome: { errorCode: 'E42', errorDescription: 'SomethingElse' } },
        ],
        terminalStatusWhenErrors: 'finished_with_errors',
        faults: [{ every: 2, fault: { kind: 'throttle', retryAfterSeconds: 3 } }],
      }),
    );
    const scenario = loadScenarioFile(path);
    const sim = await startTestSimulator();
    const { statusPath } = sim.addBatch(scenario);
    sim.clock.advance(5000);
    const first = await get(sim, statusPath);
    const second = await get(sim, statusPath);
    expect(second.status).toBe(429);
    const status = json<BatchUploadDetails>(first);
    expect(status.status).toBe('finished_with_errors');
    expect(status.devicesStatus!.map((d) => [d.serialNumber, d.status, d.errorCode, d.errorDescription])).toEqual([
      ['GOOD-1', 'finished', undefined, undefined],
      ['BAD-1', 'finished_with_errors', '808', 'ZtdDeviceAssignedToOtherTenant'],
      ['ODD-1', 'finished_with_errors', 'E42', 'SomethingElse'],
    ]);
  });

  it('loads YAML, turning numeric error codes into strings', () => {
    const path = writeTemp(
      'generated.yaml',
      [
        'name: yaml-batch',
        'queuedMs: 500',
        'processingMs: 2500',
        'devices:',
        '  count: 50',
        '  seed: 42',
        '  failures:',
        '    806: 4',
        '    812: 1',
        'faults:',
        '  - { every: 5, from: 3, times: 2, fault: { kind: status, status: 503, retryAfterSeconds: 1 } }',
      ].join('\n'),
    );
    const scenario = loadScenarioFile(path);
    const final = planBatch(scenario, '0127ed8e-ff72-4983-a3d8-e8d8bd378932', 0).devices.map((d) => d.final);
    expect(final.filter((d) => d.errorCode === '806')).toHaveLength(4);
    expect(final.filter((d) => d.errorCode === '812')).toHaveLength(1);

    const list = loadScenarioFile(
      writeTemp('list.yml', 'name: l\nqueuedMs: 0\nprocessingMs: 0\ndevices:\n  - serialNumber: A\n    outcome: { errorCode: 802 }\n'),
    );
    expect(list.devices).toEqual([{ serialNumber: 'A', outcome: { errorCode: '802' } }]);
  });

  it('reports every problem with its location', () => {
    const path = writeTemp(
      'broken.json',
      JSON.stringify({
        name: '',
        queuedMs: -1,
        processingMs: '10s',
        devices: { count: 3, failures: { '806': 2, '999': 1, '808': 5 } },
        terminalStatusWhenErrors: 'done',
        faults: [{ every: 0, fault: { kind: 'status', status: 418 } }],
        extra: true,
      }),
    );
    let error: unknown;
    try {
      loadScenarioFile(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const problems = (error as ScenarioError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'extra is not a known property; expected one of: $schema, name, description, queuedMs, processingMs, devices, terminalStatusWhenErrors, faults',
        'name must be a non-empty string (got "")',
        'queuedMs must be a number of milliseconds >= 0 (got -1)',
        'processingMs must be a number of milliseconds >= 0 (got "10s")',
        'devices.failures.999 is not a known Autopilot error code (801-803, 806-814)',
        'devices.failures add up to 8, more than count 3',
        'terminalStatusWhenErrors must be "finished" or "finished_with_errors" (got "done")',
        'faults[0].every must be an integer >= 1 (got 0)',
        'faults[0].fault.status must be one of: 500, 502, 503, 504, 408 (got 418)',
      ]),
    );
    expect((error as Error).message).toContain(path);
  });

  it('reports unreadable and unparsable files', () => {
    expect(() => loadScenarioFile(join(dir, 'missing.json'))).toThrow(/missing\.json: invalid scenario\n {2}- cannot be read/);
    expect(() => loadScenarioFile(writeTemp('bad.json', '{ "name": '))).toThrow(/is not valid JSON/);
    expect(() => loadScenarioFile(writeTemp('bad.yaml', 'name: [unclosed'))).toThrow(/is not valid YAML/);
    expect(() => loadScenarioFile(writeTemp('list.json', '[1, 2]'))).toThrow(/must be an object/);
  });
});

describe('validateScenario', () => {
  it('returns a frozen copy, independent of the input', () => {
    const input = { name: 'x', queuedMs: 0, processingMs: 10, devices: [{ serialNumber: 'A' }] };
    const valid = validateScenario(input);
    input.devices[0]!.serialNumber = 'changed';
    expect(valid.devices).toEqual([{ serialNumber: 'A' }]);
    expect(Object.isFrozen(valid.devices)).toBe(true);
  });

  it('requires descriptions for unknown codes and rejects empty device lists', () => {
    expect(() => validateScenario({ name: 'x', queuedMs: 0, processingMs: 0, devices: [] })).toThrow(/devices must hold 1 to 100000 devices/);
    expect(() => validateScenario({ name: 'x', queuedMs: 0, processingMs: 0, devices: [{ outcome: { errorCode: '123' } }] })).toThrow(
      /devices\[0\]\.outcome\.errorDescription is required/,
    );
    expect(() => validateScenario({ name: 'x', queuedMs: 0, processingMs: 0, devices: [{ outcome: 'fail' }] })).toThrow(/must be "success" or/);
  });
});
