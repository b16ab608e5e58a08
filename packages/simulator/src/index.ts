/**
 * @batchwatch/simulator: a fake Microsoft Partner Center for device batch uploads over real HTTP,
 * scenario-driven, with a controllable clock.
 */
export { createPerPollClock, createScaledClock, createVirtualClock, DEFAULT_VIRTUAL_START, type Clock, type VirtualClock } from './clock.js';
export {
  createSimulator,
  DEFAULT_CUSTOMER_ID,
  DEFAULT_TOKEN,
  startSimulator,
  type InProcessSimulatorOptions,
  type RunningSimulator,
  type SeededBatch,
  type SimulatorOptions,
} from './server.js';
export type { InjectOptions } from './faults.js';
export { loadScenarioFile, scenarioNames, scenarios } from './scenarios.js';
export { ScenarioError, validateScenario } from './validate.js';
export { autopilotErrors } from './autopilot-errors.js';
export { outcomeForUploadedDevice } from './devices.js';
export { IN_PROCESS_URL } from './in-process.js';
export { DUPLICATED_DEVICE_ERROR, SENTINEL_DATE, type WireVariants } from './variants.js';
export { batchStatusAt, planBatch, formatTimestamp, type BatchPlan } from './lifecycle.js';
export type {
  DeviceGenerator,
  DeviceOutcome,
  Fault,
  FaultKind,
  FaultPattern,
  RequestRecord,
  ScenarioDefinition,
  ScenarioDevice,
  ScenarioName,
} from './types.js';
