import type { TerminalBatchStatus } from '@batchwatch/openapi';

/**
 * The simulator's public data types. Scenario definitions are plain JSON values so that they can live in
 * scenario files (JSON or YAML) as well as in code.
 */

/** Something that goes wrong on the wire, applied to a batch-status GET instead of (or before) its answer. */
export type Fault =
  /** 429 with `Retry-After`. Body: the API gateway's `{statusCode, message}` (default) or an ApiFault. */
  | { kind: 'throttle'; retryAfterSeconds: number; body?: 'gateway' | 'api-fault' }
  /** A server-side failure with an ApiFault body, optionally with `Retry-After`. */
  | { kind: 'status'; status: 500 | 502 | 503 | 504 | 408; retryAfterSeconds?: number }
  /** The socket is destroyed without any response. */
  | { kind: 'reset' }
  /** The normal answer, after `ms` of REAL time (so client timeouts can be exercised). */
  | { kind: 'delay'; ms: number }
  /** 200 with `Content-Type: application/json` and a body that is not valid JSON (truncated). */
  | { kind: 'malformed' };

export type FaultKind = Fault['kind'];

/** What happens to one device: registered, or rejected with an Autopilot error code such as `"808"`. */
export type DeviceOutcome =
  | 'success'
  | {
      errorCode: string;
      /** Defaults to the symbolic name for known codes 801–814 (e.g. `ZtdDeviceAssignedToOtherTenant`). */
      errorDescription?: string;
    };

/** One device of an explicit device list. Missing identifiers are simply absent from the status. */
export interface ScenarioDevice {
  serialNumber?: string;
  productKey?: string;
  /** Default `'success'`. */
  outcome?: DeviceOutcome;
}

/** Generates `count` devices with realistic, seeded serial numbers and product keys. */
export interface DeviceGenerator {
  count: number;
  /** How many devices fail with each Autopilot code, e.g. `{ "806": 3, "808": 2 }`. Spread deterministically. */
  failures?: Record<string, number>;
  /** PRNG seed (default 1): the same seed always produces the same devices and the same failing positions. */
  seed?: number;
}

/**
 * A recurring fault on a batch's status requests. The batch's status GETs are numbered 1, 2, 3, …; the fault
 * hits requests `from`, `from + every`, `from + 2·every`, … and the `times - 1` requests after each of them.
 * The first matching pattern wins.
 */
export interface FaultPattern {
  every: number;
  /** First request hit (default: `every`). */
  from?: number;
  /** Consecutive requests hit each time (default 1, at most `every`). */
  times?: number;
  fault: Fault;
}

/** A batch's script: how long it queues, how long it processes, which devices it holds, what goes wrong. */
export interface ScenarioDefinition {
  name: string;
  description?: string;
  /** Time from submission to `processing` (clock ms). */
  queuedMs: number;
  /** Time from `processing` to the terminal status (clock ms). Devices appear and finish within it. */
  processingMs: number;
  devices: ScenarioDevice[] | DeviceGenerator;
  /** Batch status at the end when any device failed. Default `'finished'`, as in Microsoft's documented example. */
  terminalStatusWhenErrors?: TerminalBatchStatus;
  faults?: FaultPattern[];
}

export type ScenarioName = 'clean' | 'device-errors' | 'large' | 'throttled' | 'flaky' | 'slow' | 'malformed' | 'demo';

/** One request the simulator received (headers lower-cased; `status` 0 when the connection was reset). */
export interface RequestRecord {
  method: string;
  /** The request target as received (path and query). */
  path: string;
  headers: Record<string, string>;
  status: number;
  /** Simulator clock time when the request arrived. */
  at: number;
}
