/** The public API's types, as other packages code against them. */
import { expectTypeOf, test } from 'vitest';
import type { BatchUploadDetails } from '@batchwatch/openapi';
import {
  batchStatusAt,
  createPerPollClock,
  createScaledClock,
  createSimulator,
  createVirtualClock,
  loadScenarioFile,
  scenarios,
  startSimulator,
  type Clock,
  type Fault,
  type RunningSimulator,
  type ScenarioDefinition,
  type ScenarioName,
  type SeededBatch,
  type VirtualClock,
} from '../src/index.js';

test('entry points', () => {
  expectTypeOf(startSimulator).returns.resolves.toEqualTypeOf<RunningSimulator>();
  expectTypeOf(createVirtualClock).returns.toEqualTypeOf<VirtualClock>();
  expectTypeOf(createScaledClock).returns.toEqualTypeOf<Clock>();
  expectTypeOf(loadScenarioFile).returns.toEqualTypeOf<ScenarioDefinition>();
  expectTypeOf(scenarios).toEqualTypeOf<Record<ScenarioName, ScenarioDefinition>>();
  expectTypeOf(batchStatusAt).returns.toEqualTypeOf<BatchUploadDetails>();
});

test('the running simulator', () => {
  expectTypeOf<RunningSimulator['addBatch']>().returns.toEqualTypeOf<SeededBatch>();
  expectTypeOf<RunningSimulator['addBatch']>().parameter(0).toEqualTypeOf<ScenarioName | ScenarioDefinition>();
  expectTypeOf<RunningSimulator['close']>().returns.toEqualTypeOf<Promise<void>>();
  expectTypeOf<RunningSimulator>().toExtend<AsyncDisposable>();
  expectTypeOf<'demo'>().toExtend<ScenarioName>();
  expectTypeOf<'nope'>().not.toExtend<ScenarioName>();
});

test('faults are a closed union', () => {
  expectTypeOf<{ kind: 'throttle'; retryAfterSeconds: 1 }>().toExtend<Fault>();
  expectTypeOf<{ kind: 'throttle' }>().not.toExtend<Fault>();
  expectTypeOf<{ kind: 'status'; status: 418 }>().not.toExtend<Fault>();
  expectTypeOf<{ kind: 'explode' }>().not.toExtend<Fault>();
  expectTypeOf<{ kind: 'delay'; ms: 10 }>().toExtend<Fault>();
});

test('scenario definitions are plain JSON values', () => {
  const definition = {
    name: 'mine',
    queuedMs: 0,
    processingMs: 1000,
    devices: { count: 3, failures: { '806': 1 }, seed: 7 },
    faults: [{ every: 2, fault: { kind: 'reset' } }],
  } satisfies ScenarioDefinition;
  expectTypeOf(definition).toExtend<ScenarioDefinition>();
  // @ts-expect-error an outcome is 'success' or an error code object
  const bad: ScenarioDefinition = { name: 'x', queuedMs: 0, processingMs: 0, devices: [{ outcome: 'fail' }] };
  expectTypeOf(bad).toEqualTypeOf<ScenarioDefinition>();
});

test('in process: a fetch to hand to the code under test, and variants that are checked', () => {
  expectTypeOf(createSimulator).returns.toEqualTypeOf<RunningSimulator>();
  expectTypeOf<RunningSimulator['fetch']>().toEqualTypeOf<typeof fetch>();
  expectTypeOf(createPerPollClock).returns.toMatchTypeOf<VirtualClock>();
  // @ts-expect-error no host or port in process
  createSimulator({ port: 0 });
  // @ts-expect-error a variant that does not exist
  createSimulator({ variants: { integerStatus: true } });
  createSimulator({ variants: { unknownStatus: 5, duplicateDevices: 1 } });
});
