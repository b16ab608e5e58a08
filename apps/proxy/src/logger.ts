/**
 * Structured logs. Credentials are removed by path (explicit paths only: wildcards make pino's redaction
 * an order of magnitude slower), and nothing else in the proxy ever puts a token into a log object.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

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

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'batchwatch-proxy' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
