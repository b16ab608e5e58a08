/**
 * The pieces of a hand-serialised log line (the hot path's access line and the audit line): the same JSON
 * pino writes, field for field, without pino's generic serialisation — and the lines of one event-loop turn
 * reach the destination in one write (a write costs far more than a line).
 */
import type { DestinationStream } from 'pino';
import { traceFields, tracingOn } from './tracing.js';
import { VERSION } from './version.js';

/** What pino's `base` (service and version) adds to every line. */
const BASE_JSON = `,"service":"batchwatch-proxy","version":${JSON.stringify(VERSION)}`;

/** `,"name":"value"`, or nothing for undefined. */
export function field(name: string, value: string | undefined): string {
  return value === undefined ? '' : `,"${name}":${JSON.stringify(value)}`;
}

/** `,"trace_id":…,"span_id":…` inside a traced request (pino's `mixin`); nothing when tracing is off. */
export function traceJson(): string {
  if (!tracingOn()) return '';
  const ids = traceFields();
  return ids.trace_id ? `,"trace_id":"${ids.trace_id}","span_id":"${ids.span_id}"` : '';
}

let second = Number.NaN;
let secondPrefix = '';

/**
 * `new Date().toISOString()` (pino's isoTime), with the text up to the seconds made once per second: a line
 * per request made a Date and formatted it every time.
 */
export function isoNow(now = Date.now()): string {
  const ms = now % 1000;
  if (now - ms !== second) {
    second = now - ms;
    secondPrefix = new Date(second).toISOString().slice(0, -4); // `2026-12-02T05:50:15.`
  }
  return `${secondPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

/** `{"level":…,"time":…,"service":…,"version":…` — the start every line has. */
export function lineStart(level: string): string {
  return `{"level":"${level}","time":"${isoNow()}"${BASE_JSON}`;
}

/**
 * Collects finished lines and hands them to `destination` in one write at the end of the event-loop turn.
 * A crash loses at most that turn's lines; a shutdown waits many turns.
 */
export function batchedLines(destination: DestinationStream): (line: string) => void {
  let pending = '';
  const flush = (): void => {
    const text = pending;
    pending = '';
    if (text) destination.write(text);
  };
  return (line) => {
    if (pending === '') setImmediate(flush);
    pending += line;
  };
}
