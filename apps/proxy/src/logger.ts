/**
 * Structured logs. Credentials are removed by path (explicit paths only: wildcards make pino's redaction
 * an order of magnitude slower), and nothing else in the proxy ever puts a token into a log object.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from 'pino';

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

export function createLoggers(options: LoggerOptions): Loggers {
  const destination = options.destination ?? pino.destination({ sync: false });
  const common: PinoOptions = { level: options.level, base: { service: 'batchwatch-proxy' } };
  return {
    log: pino({ ...common, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination),
    accessLog: pino(common, destination),
  };
}

export function createLogger(options: LoggerOptions): Logger {
  return createLoggers(options).log;
}
