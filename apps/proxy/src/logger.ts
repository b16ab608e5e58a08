/**
 * Structured logs. Credentials are removed by path (explicit paths only: wildcards make pino's redaction
 * an order of magnitude slower), and nothing else in the proxy ever puts a token into a log object.
 */
import { PartnerCenterError } from '@batchwatch/client';
import { pino, stdSerializers, type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import { auditWriter, type AuditLog } from './audit.js';
import { batchedLines, field, lineStart, traceJson } from './log-line.js';
import { StdoutLines } from './log-stdout.js';
import { redact } from './redact.js';
import { traceFields } from './tracing.js';
import { describeUpstreamError } from './upstream/store.js';
import { VERSION } from './version.js';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'upstream.token',
  'upstream.headers.authorization',
  'config.upstream.credential.token',
  'config.upstream.credential.clientSecret',
  'config.upstream.credential.certificatePassword',
];

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

export interface Loggers {
  /** The proxy's logger, with credential redaction. */
  log: Logger;
  /** Writes the hot path's access line (see `AccessWriter`). */
  accessLog: AccessWriter;
  /** One line per customer read, whatever the level (audit.ts). */
  audit: AuditLog;
}

/** The fields of an access line, all whitelisted: ids, method, URL without its query, status, caller name. */
export interface AccessFields {
  method: string | undefined;
  url: string | undefined;
  statusCode: number;
  responseTime: number;
  remoteAddress: string | undefined;
  correlationId: string | undefined;
  route: string | undefined;
  caller: string | undefined;
  /** The API key's id, when the caller used one. */
  keyId: string | undefined;
  cache: string | undefined;
  /** An ingress X-Request-Id, when one came. */
  xRequestId: string | undefined;
  reqId: string;
}

/**
 * The hot path's access line, at `info` or `warn`. The line has nothing to redact (no header, no body, no
 * query), so it is serialised by hand (log-line.ts) and handed to the same destination: pino's generic
 * serialisation was the largest single cost of a cache hit.
 */
export type AccessWriter = (level: 'info' | 'warn', fields: AccessFields) => void;

/**
 * Every line, hot path included: ISO-8601 UTC times, levels as words, the service and its version, and the
 * trace and span ids when the line is written inside a traced request.
 */
const LINE_FORMAT = {
  base: { service: 'batchwatch-proxy', version: VERSION },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label: string) => ({ level: label }) },
  mixin: () => traceFields(),
} satisfies PinoOptions;

/** `write` takes finished lines (see `batchedLines`). */
function accessWriter(logger: Logger, write: (line: string) => void): AccessWriter {
  return (level, f) => {
    if (!logger.isLevelEnabled(level)) return;
    write(
      `${lineStart(level)}${traceJson()}${field('method', f.method)}${field('url', f.url)}` +
        `,"statusCode":${f.statusCode},"responseTime":${f.responseTime}${field('remoteAddress', f.remoteAddress)}${field('correlationId', f.correlationId)}` +
        `${field('route', f.route)}${field('caller', f.caller)}${field('keyId', f.keyId)}${field('cache', f.cache)}${field('xRequestId', f.xRequestId)}` +
        `${field('reqId', f.reqId)},"msg":"request completed"}\n`,
    );
  };
}

/** For a logger given from outside (tests, embedding): the same fields through the logger. */
export function loggerAccessWriter(logger: Logger): AccessWriter {
  return (level, fields) => logger[level](fields, 'request completed');
}

let stdout: StdoutLines | undefined;

/**
 * stdout, in blocks of at least 16 kB written synchronously, at least every 250 ms, and on exit (log-stdout.ts).
 * One per process, shared by every proxy app in it.
 */
function stdoutDestination(): DestinationStream {
  if (stdout) return stdout;
  const destination = new StdoutLines();
  stdout = destination;
  process.once('exit', () => destination.flushSync());
  return destination;
}

export function createLoggers(options: LoggerOptions): Loggers {
  const destination = options.destination ?? stdoutDestination();
  const common: PinoOptions = { ...LINE_FORMAT, level: options.level, serializers: { err: serializeError } };
  const log = pino({ ...common, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
  // The access and audit lines of one event-loop turn go out in one write (stdout batches them itself).
  const lines = destination instanceof StdoutLines ? (line: string) => destination.write(line) : batchedLines(destination);
  return { log, accessLog: accessWriter(log, lines), audit: auditWriter(lines) };
}

/**
 * Errors in logs: an upstream failure as its status, code and a bounded, redacted description (never its
 * body, which may be megabytes of whatever the upstream sent); anything else with a redacted message.
 */
function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return redact(String(error), 256);
  const stack = (error.stack ?? '')
    .split('\n', 30)
    .map((line) => redact(line, 512))
    .join('\n');
  if (error instanceof PartnerCenterError) return { type: error.name, ...describeUpstreamError(error), stack };
  const { type, message, code } = stdSerializers.err(error) as { type: string; message: string; code?: unknown };
  return { type, message: redact(message, 512), stack, ...(code === undefined ? {} : { code }) };
}

export function createLogger(options: LoggerOptions): Logger {
  return createLoggers(options).log;
}
