/**
 * Structured logs. Credentials are removed by path (explicit paths only: wildcards make pino's redaction
 * an order of magnitude slower), and nothing else in the proxy ever puts a token into a log object.
 */
import { PartnerCenterError } from '@batchwatch/client';
import { pino, stdSerializers, type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import { redact } from './redact.js';
import { describeUpstreamError } from './upstream/store.js';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'upstream.token',
  'upstream.headers.authorization',
  'config.upstream.token',
  'config.upstream.azure.clientSecret',
];

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

export interface Loggers {
  /** The proxy's logger, with credential redaction. */
  log: Logger;
  /**
   * For the hot path's access line only, which is assembled from whitelisted fields (ids, method, URL,
   * status, caller name) and so has nothing to redact; skipping redaction there saves measurable time per
   * request. Same destination, level and base fields as `log`.
   */
  accessLog: Logger;
}

let stdout: DestinationStream | undefined;

/**
 * stdout, written asynchronously in blocks of at least 4 kB (one write per ~10 lines instead of one per line:
 * under load the per-line writes were the main cost of logging), flushed at least every 250 ms and on exit.
 * One per process, shared by every proxy app in it.
 */
function stdoutDestination(): DestinationStream {
  if (stdout) return stdout;
  const destination = pino.destination({ sync: false, minLength: 4_096 });
  stdout = destination;
  setInterval(() => destination.flush(), 250).unref();
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // a write was in progress; what it holds is lost with the process
    }
  });
  return destination;
}

export function createLoggers(options: LoggerOptions): Loggers {
  const destination = options.destination ?? stdoutDestination();
  const common: PinoOptions = { level: options.level, base: { service: 'batchwatch-proxy' }, serializers: { err: serializeError } };
  return {
    log: pino({ ...common, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination),
    accessLog: pino(common, destination),
  };
}

/**
 * Errors in logs: an upstream failure as its status, code and a bounded, redacted description (never its
 * body, which may be megabytes of whatever the upstream sent); anything else with a redacted message.
 */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return redact(String(error), 256);
  const stack = (error.stack ?? '').split('\n', 30).map((line) => redact(line, 512)).join('\n');
  if (error instanceof PartnerCenterError) return { type: error.name, ...describeUpstreamError(error), stack };
  const { type, message, code } = stdSerializers.err(error) as { type: string; message: string; code?: unknown };
  return { type, message: redact(message, 512), stack, ...(code === undefined ? {} : { code }) };
}

export function createLogger(options: LoggerOptions): Logger {
  return createLoggers(options).log;
}
