/**
 * Pipes, CI and `--plain`: one timestamped line per transition, no escape codes, nothing redrawn.
 * Lines are localised like the interactive view; scripts that parse output should use `--json`.
 */
import { isFailedDevice, type DeviceDetails } from '@batchwatch/client';
import type { Outcome } from '../exit-codes.js';
import type { Translate } from '../i18n/index.js';
import { deviceError, deviceVerdict, label, retryInfo, type LogEntry, type Progress, type WatchAction, type WatchState } from '../state/index.js';
import { isoSeconds, logText } from './format.js';
import { summaryLines, type ErrorContext } from './summary.js';

export interface PlainOutput {
  start(state: WatchState): void;
  onAction(action: WatchAction, progress: Progress): void;
  end(state: WatchState, outcome: Outcome): void;
}

type Entry = DistributiveOmit<LogEntry, 'id' | 'at'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export function createPlainOutput(write: (text: string) => void, t: Translate, intervalMs: number, context: ErrorContext = {}): PlainOutput {
  let retrying = false;
  let countAlreadyRegistered = false;
  let viaProxy = false;
  /** The transport, announced with the first answer (not before a 401). */
  let unannounced: 'sse' | 'polling' | undefined;
  const line = (at: Date, text: string) => write(`${isoSeconds(at)} ${text}\n`);
  const entry = (at: Date, value: Entry, suffix = '') => line(at, logText(t, { ...value, id: 0, at } as LogEntry) + suffix);
  const answered = (at: Date) => {
    if (unannounced) entry(at, { kind: 'source', mode: unannounced, intervalMs });
    unannounced = undefined;
    if (!retrying) return;
    retrying = false;
    entry(at, { kind: 'recovered' });
  };
  const device = (at: Date, value: DeviceDetails, from: DeviceDetails['status'] | undefined, progress: Progress) => {
    const suffix = ` [${progress.done}/${progress.total}]`;
    const verdict = deviceVerdict(value, countAlreadyRegistered);
    if (verdict === 'failed') entry(at, { kind: 'device-failed', device: label(value), error: deviceError(value) }, suffix);
    else if (verdict === 'already-registered') entry(at, { kind: 'device-already', device: label(value) }, suffix);
    else if (from === undefined) entry(at, { kind: 'device-added', device: label(value), status: value.status }, suffix);
    else entry(at, { kind: 'device', device: label(value), from, to: value.status }, suffix);
  };

  return {
    start(state) {
      countAlreadyRegistered = state.countAlreadyRegistered;
      viaProxy = state.viaProxy;
      line(state.watchStarted, t('log.watching', { batch: state.trackingId, customer: state.customerId, correlation: state.correlationId }));
    },
    onAction(action, progress) {
      switch (action.type) {
        case 'snapshot':
          answered(action.at);
          entry(action.at, { kind: 'snapshot', status: action.snapshot.status, done: progress.done, total: progress.total });
          for (const failed of action.snapshot.devices.filter(isFailedDevice)) device(action.at, failed, undefined, progress);
          return;
        case 'batch-status':
          answered(action.at);
          entry(action.at, { kind: 'batch', from: action.from, to: action.to }, ` [${progress.done}/${progress.total}]`);
          return;
        case 'device-added':
          answered(action.at);
          device(action.at, action.device, undefined, progress);
          return;
        case 'device-status':
          answered(action.at);
          device(action.at, action.device, action.from, progress);
          return;
        case 'retrying':
          retrying = true;
          entry(action.at, { kind: 'retrying', retry: retryInfo(action, viaProxy) });
          return;
        case 'alive':
          answered(action.at);
          return;
        case 'source':
          unannounced = action.mode;
          return;
        case 'end':
          return;
      }
    },
    end(state, outcome) {
      for (const text of summaryLines(t, state, outcome, Date.now(), context)) write(`${text}\n`);
    },
  };
}
