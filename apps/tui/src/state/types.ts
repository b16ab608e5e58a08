/** The view model's types: what a watch looks like to every output (plain, JSON, interactive). */
import type { BatchStatus, DeviceDetails, DeviceStatus, WatchEvent } from '@batchwatch/client';
import type { Outcome } from '../exit-codes.js';

type SourceMode = 'connecting' | 'sse' | 'polling';

export type WatchAction =
  | WatchEvent
  /** A successful answer arrived (even one without changes): the upstream is healthy again. */
  | { type: 'alive'; at: Date }
  | { type: 'source'; mode: 'sse' | 'polling'; at: Date }
  | { type: 'end'; outcome: Outcome; at: Date };

export interface RetryInfo {
  at: Date;
  retryInMs: number;
  /** 0 when there was no HTTP answer. */
  status: number;
  code?: string;
  kind: 'throttled' | 'http' | 'network' | 'timeout';
  description: string;
  /** No answer, and the base URL is a proxy: it is the proxy that is down. */
  proxy?: boolean;
}

/** Enough to name a device in a log line. */
export interface DeviceLabel {
  serialNumber?: string;
  productKey?: string;
  key: string;
}

export interface DeviceError {
  code?: string;
  name?: string;
  hint?: string;
}

export type LogEntry = { id: number; at: Date } & (
  | { kind: 'snapshot'; status: BatchStatus; done: number; total: number }
  | { kind: 'batch'; from: BatchStatus; to: BatchStatus }
  | { kind: 'device-added'; device: DeviceLabel; status: DeviceStatus }
  | { kind: 'device'; device: DeviceLabel; from: DeviceStatus; to: DeviceStatus }
  | { kind: 'device-failed'; device: DeviceLabel; error: DeviceError }
  | { kind: 'devices'; count: number; status: DeviceStatus; done: number; total: number }
  | { kind: 'more-failed'; count: number }
  /** Error 806, not counted as a failure (the default): nothing to do. */
  | { kind: 'device-already'; device: DeviceLabel }
  | { kind: 'devices-already'; count: number }
  | { kind: 'retrying'; retry: RetryInfo }
  | { kind: 'recovered' }
  | { kind: 'source'; mode: 'sse' | 'polling'; intervalMs: number }
);

export interface BatchView {
  status: BatchStatus;
  startedTime?: Date;
  completedTime?: Date;
}

export interface WatchState {
  customerId: string;
  trackingId: string;
  correlationId: string;
  intervalMs: number;
  /** When the watch began (for "elapsed" before the batch reports a start). */
  watchStarted: Date;
  mode: SourceMode;
  /** The transport was announced in the log (after the first answer). */
  sourceLogged: boolean;
  /** Undefined until the first answer. */
  batch?: BatchView;
  devices: ReadonlyMap<string, DeviceDetails>;
  /** Device keys in the order they appeared; append-only, so views can scan it incrementally. */
  order: readonly string[];
  /** Keys of failed devices in the order they failed (806 only when `countAlreadyRegistered`). */
  failed: readonly string[];
  /** Keys of devices already registered to this tenant (806) when those do not count as failures. */
  alreadyRegistered: readonly string[];
  /** 806 (already registered to this tenant) counts as a failure (`--count-already-registered`). */
  countAlreadyRegistered: boolean;
  viaProxy: boolean;
  counts: Readonly<Record<DeviceStatus, number>>;
  seq: number;
  lastUpdate?: Date;
  retry?: RetryInfo;
  /** Transition log (for `<Static>`): append-only; device changes are grouped when a flush holds many. */
  log: readonly LogEntry[];
  outcome?: Outcome;
  /** The operator left the live view kept after the end (q after the batch finished). */
  left?: boolean;
}

export interface StateInit {
  customerId: string;
  trackingId: string;
  correlationId: string;
  intervalMs: number;
  now?: Date;
  /** Count 806 (already registered to this tenant) as a failure; default false. */
  countAlreadyRegistered?: boolean;
  /** The base URL is a batchwatch proxy (not Partner Center): "the proxy" is what gives no answer. */
  viaProxy?: boolean;
}

/** Progress right after one action was applied (for outputs that print one line per event). */
export interface Progress {
  done: number;
  total: number;
  failed: number;
}
