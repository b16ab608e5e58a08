/**
 * The audit trail: one line per read of customer data (a batch status, an event stream opened), whatever
 * BATCHWATCH_LOG_LEVEL says — `silent` included. Same destination and format as the other logs, marked
 * `"log":"audit"` so a log pipeline can route and keep these lines apart.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export interface AuditRead {
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

/** `base`, `formatters`, `timestamp` and `mixin` as the main logger's, so both kinds of lines look alike. */
export function createAuditLog(destination: DestinationStream, options: Pick<pino.LoggerOptions, 'base' | 'formatters' | 'timestamp' | 'mixin'>): AuditLog {
  const logger: Logger = pino({ ...options, level: 'info' }, destination).child({ log: 'audit' });
  return (read) => logger.info(read, 'customer read');
}
