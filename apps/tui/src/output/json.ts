/**
 * `--json`: NDJSON on stdout — one object per event, shaped like the proxy's `BatchEvent` (`from`/`to` are
 * normalised statuses; `snapshot` and `device` are Partner Center's bodies as received), then one
 * `summary` object. Nothing else goes to stdout; diagnostics go to stderr.
 */
import { isFailedDevice, type WatchEvent } from '@batchwatch/client';
import { deviceError } from '../state/index.js';

export function jsonEvent(event: WatchEvent): Record<string, unknown> {
  const at = event.at.toISOString();
  switch (event.type) {
    case 'snapshot':
      return { type: event.type, seq: event.seq, at, snapshot: event.snapshot.raw };
    case 'batch-status':
      return {
        type: event.type,
        seq: event.seq,
        at,
        from: event.from,
        to: event.to,
        startedTime: event.snapshot.startedTime?.toISOString() ?? null,
        completedTime: event.snapshot.completedTime?.toISOString() ?? null,
      };
    case 'device-added':
    case 'device-status': {
      const result: Record<string, unknown> = { type: event.type, seq: event.seq, at };
      if (event.type === 'device-status') result.from = event.from;
      result.device = event.device.raw;
      result.status = event.device.status;
      if (isFailedDevice(event.device)) result.error = deviceError(event.device);
      return result;
    }
    case 'retrying':
      return {
        type: event.type,
        at,
        status: event.error.status,
        code: event.error.code ?? null,
        description: event.error.description,
        retryInMs: event.retryInMs,
      };
  }
}

/** One NDJSON line, control characters escaped (see `safeJsonLine`). */
export { safeJsonLine as jsonLine } from './safe.js';
