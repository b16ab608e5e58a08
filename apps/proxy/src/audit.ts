/**
 * The audit trail: one line per read of customer data (a batch status, an event stream opened), whatever
 * BATCHWATCH_LOG_LEVEL says — `silent` included. Same destination and format as the other logs, marked
 * `"log":"audit"` so a log pipeline can route and keep these lines apart.
 */
import type { Logger } from 'pino';
import { field, lineStart, traceJson } from './log-line.js';

interface AuditRead {
  /** `key:<name>`, `jwt:<sub>` or `anonymous`. */
  caller: string;
  /** The API key's id, when the caller used one. */
  keyId?: string;
  customerId: string;
  trackingId: string;
  /** What the caller got: an HTTP status. */
  status: number;
  requestId: string;
  route: string;
}

export type AuditLog = (read: AuditRead) => void;

/** For a logger given from outside (tests, embedding): through it, and so at its level. */
export function loggerAuditLog(logger: Logger): AuditLog {
  const child = logger.child({ log: 'audit' });
  return (read) => child.info(read, 'customer read');
}

/**
 * The line pino would write for `logger.child({ log: 'audit' }).info(read, 'customer read')` with the main
 * logger's format, serialised by hand (log-line.ts): one per request on the cache-hit path.
 */
export function auditWriter(write: (line: string) => void): AuditLog {
  return (read) =>
    write(
      `${lineStart('info')},"log":"audit"${traceJson()}${field('caller', read.caller)}${field('keyId', read.keyId)}` +
        `${field('customerId', read.customerId)}${field('trackingId', read.trackingId)},"status":${read.status}` +
        `${field('requestId', read.requestId)}${field('route', read.route)},"msg":"customer read"}\n`,
    );
}
