/**
 * What the proxy takes from the network edge in front of it: which load balancers may name the real client
 * (BATCHWATCH_TRUSTED_PROXIES), an ingress request id, browser origins allowed by CORS
 * (BATCHWATCH_CORS_ORIGINS, off by default), and a listen address written the URL way (`[::1]`).
 */
import { isIP } from 'node:net';
import cors from 'cors';
import type { RequestHandler } from 'express';
import { ConfigError } from './config.js';

/** proxy-addr's names for address ranges, accepted as Express's `trust proxy` setting does. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `10.0.0.0/8, 192.168.1.10, fd00::/8, loopback` → the list Express's `trust proxy` takes; checked here. */
export function parseTrustedProxies(text: string | undefined): string[] {
  const entries = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (RANGE_NAMES.has(entry)) continue;
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address!);
    const bits = family === 4 ? 32 : 128;
    const validPrefix = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !validPrefix || extra !== undefined) {
      throw new ConfigError(`BATCHWATCH_TRUSTED_PROXIES: ${JSON.stringify(entry)} is not an IP address, a CIDR range or one of ${[...RANGE_NAMES].join(', ')}`);
    }
  }
  return entries;
}

const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** An ingress `X-Request-Id` worth keeping (printable, short), or undefined: a bad one is replaced, not refused. */
export function ingressRequestId(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && REQUEST_ID.test(value) ? value : undefined;
}

/** `https://a.example, http://localhost:5173` → exact origins; each must be scheme://host[:port]. */
export function parseCorsOrigins(text: string | undefined): string[] {
  const origins = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin || origin.includes('*')) {
      throw new ConfigError(
        `BATCHWATCH_CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path, no trailing slash, no wildcard)`,
      );
    }
  }
  return origins;
}

/**
 * CORS for the allowed origins only: preflights are answered (204) with the methods and headers a browser
 * client of this API needs; other origins get no CORS headers, so their browsers refuse the answer.
 */
export function corsFor(origins: readonly string[]): RequestHandler {
  return cors({
    origin: [...origins],
    methods: ['GET', 'HEAD'],
    allowedHeaders: ['Authorization', 'Last-Event-ID', 'If-None-Match', 'MS-CorrelationId', 'X-Request-Id', 'traceparent', 'tracestate'],
    exposedHeaders: ['MS-RequestId', 'MS-CorrelationId', 'X-Request-Id', 'ETag', 'Age', 'Retry-After', 'X-Batchwatch-Cache', 'X-Batchwatch-Stale'],
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
}

/**
 * BATCHWATCH_HOST as Node's `listen` needs it: an IP address (IPv6 with or without brackets) or a host name.
 * `[::1]` becomes `::1` instead of failing later with ENOTFOUND.
 */
export function listenHost(text: string): string {
  const bracketed = /^\[(.*)\]$/.exec(text);
  const host = bracketed ? bracketed[1]! : text;
  if (bracketed ? isIP(host) === 6 : isIP(host) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/.test(host))
    return host;
  throw new ConfigError(`BATCHWATCH_HOST must be an IP address (IPv6 with or without [brackets]) or a host name, got ${JSON.stringify(text)}`);
}
