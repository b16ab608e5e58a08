/** The view model's types: what a watch looks like to every output (plain, JSON, interactive). */
import type { BatchStatus, DeviceDetails, DeviceStatus, WatchEvent } from '@batchwatch/client';
import type { Outcome } from '../exit-codes.js';

export type SourceMode = 'connecting' | 'sse' | 'polling';

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
  /** Undefined until the first answer. */
  batch?: BatchView;
  devices: ReadonlyMap<string, DeviceDetails>;
  /** Device keys in the order they appeared; append-only, so views can scan it incrementally. */
  order: readonly string[];
  /** Keys of failed devices in the order they failed. */
  failed: readonly string[];
  counts: Readonly<Record<DeviceStatus, number>>;
  seq: number;
  lastUpdate?: Date;
  retry?: RetryInfo;
  /** Transition log (for `<Static>`): append-only; device changes are grouped when a flush holds many. */
  log: readonly LogEntry[];
  outcome?: Outcome;
}

export interface StateInit {
  customerId: string;
  trackingId: string;
  correlationId: string;
  intervalMs: number;
  now?: Date;
}

/** Progress right after one action was applied (for outputs that print one line per event). */
export interface Progress {
  done: number;
  total: number;
  failed: number;
}

