/**
 * Faults on batch-status GETs: one-off faults injected by tests (consumed first), and the recurring patterns of
 * a scenario (counted per batch). This module decides WHICH fault applies and writes the non-delay ones.
 */
import type { ServerResponse } from 'node:http';
import { idKey } from './ids.js';
import { faults as faultBodies, sendJson, sendJsonText, statusFault, throttledBody, type ResponseContext } from './responses.js';
import type { Fault, FaultPattern } from './types.js';
import { assertFault } from './validate.js';

export interface InjectOptions {
  /** How many matching requests the fault applies to (default 1). */
  count?: number;
  /** Only requests for this batch tracking id (compared case-insensitively). */
  trackingId?: string;
}

interface Injected {
  readonly fault: Fault;
  remaining: number;
  readonly trackingKey: string | undefined;
}

export class FaultQueue {
  readonly #entries: Injected[] = [];

  inject(fault: Fault, options: InjectOptions = {}): void {
    assertFault(fault);
    const count = options.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be an integer >= 1, got ${count}`);
    const trackingKey = options.trackingId === undefined ? undefined : idKey(options.trackingId);
    this.#entries.push({ fault: structuredClone(fault), remaining: count, trackingKey });
  }

  /** Consumes one use of the oldest fault that applies to a request for `trackingId`. */
  take(trackingId: string): Fault | undefined {
    const key = idKey(trackingId);
    const index = this.#entries.findIndex((e) => e.trackingKey === undefined || e.trackingKey === key);
    const entry = this.#entries[index];
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.#entries.splice(index, 1);
    return entry.fault;
  }

  get pending(): number {
    return this.#entries.reduce((sum, e) => sum + e.remaining, 0);
  }
}

/** The fault of the first pattern that hits the batch's `n`th status request (1-based), if any. */
export function patternFault(patterns: readonly FaultPattern[] | undefined, n: number): Fault | undefined {
  for (const { every, from = every, times = 1, fault } of patterns ?? []) {
    if (n >= from && (n - from) % every < times) return fault;
  }
  return undefined;
}

/**
 * Answers with a fault instead of the status. `statusBody` gives the real body (the malformed fault truncates
 * it: a proper prefix of a JSON object is never valid JSON). `delay` is not handled here.
 */
export function sendFault(res: ServerResponse, ctx: ResponseContext, fault: Exclude<Fault, { kind: 'delay' }>, statusBody: () => string): void {
  switch (fault.kind) {
    case 'throttle': {
      const seconds = fault.retryAfterSeconds;
      const body = fault.body === 'api-fault' ? faultBodies.throttled(seconds) : throttledBody(seconds);
      return sendJson(res, ctx, 429, body, { 'Retry-After': String(seconds) });
    }
    case 'status': {
      const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
      return sendJson(res, ctx, fault.status, statusFault(fault.status), headers);
    }
    case 'malformed': {
      const text = statusBody();
      return sendJsonText(res, ctx, 200, text.slice(0, Math.max(1, Math.floor(text.length / 2))));
    }
    case 'reset':
      ctx.record.status = 0;
      res.socket?.destroy();
      return;
  }
}
