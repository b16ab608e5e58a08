/**
 * Environment → a typed, validated configuration. Every variable is declared ONCE in `SETTINGS` (name,
 * default, kind, bounds, description): `loadConfig` reads through it and `--help` prints it, so the two
 * cannot disagree. Every problem becomes one `ConfigError` naming the variable — and never echoing a secret.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { clouds, isGuid } from '@batchwatch/client';
import { sha256, type ApiKey, type CustomerAccess, type JwtConfig } from './auth/types.js';
import { listenHost, parseCorsOrigins, parseTrustedProxies } from './edge.js';
import { rejectUnknownVariables, withSecretFiles } from './environment.js';
import { selectCredential, type CredentialChoice } from './upstream/credentials.js';

export type { ApiKey, CustomerAccess, JwtConfig } from './auth/types.js';
export { sha256 } from './auth/types.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Node cannot schedule a timer further out than this (it fires at once instead, with a warning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ProxyConfig {
  host: string;
  port: number;
  upstream: {
    url: string;
    /** How the proxy gets its Partner Center token (upstream/credentials.ts). */
    credential: CredentialChoice;
    timeoutMs: number;
    attempts: number;
    /** Largest upstream body read; past it the call fails (502) and the rest is not read. */
    maxBytes: number;
    /** Longest wait after an upstream failure (a `Retry-After`, a poller's back-off). */
    maxBackoffMs: number;
  };
  auth: {
    mode: 'required' | 'none';
    apiKeys: ApiKey[];
    /** API key name → its customers. A key without an entry may read no customer. */
    keyAcl: ReadonlyMap<string, CustomerAccess>;
    /** BATCHWATCH_API_KEYS_FILE: `apiKeys` were read from it, and it is re-read when it changes. */
    apiKeysFile?: string;
    jwt?: JwtConfig;
  };
  edge: { trustedProxies: string[]; corsOrigins: string[] };
  /** HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case) as given: egress.ts reads them. */
  egress: Record<string, string>;
  cache: { ttlMs: number; terminalTtlMs: number; staleMs: number; maxEntries: number; maxBytes: number };
  poll: { intervalMs: number; maxIntervalMs: number };
  sse: { heartbeatMs: number; retryMs: number; replayEvents: number; maxBufferBytes: number; maxStreams: number; maxStreamsPerCaller: number };
  rateLimit: { points: number; windowS: number };
  server: {
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxHeaderSize: number;
    maxConnections: number;
    backlog: number;
    acceptSockets: number;
    shutdownDelayMs: number;
    shutdownGraceMs: number;
  };
  metrics: { port: number | undefined; key: ApiKey | undefined };
  /** Set with BATCHWATCH_REDIS_URL: replicas share one Redis (see fleet/). Unset: one process, as always. */
  fleet?: FleetConfig;
  logLevel: string;
}

export interface FleetConfig {
  redisUrl: string;
  prefix: string;
  timeoutMs: number;
  leaseTtlMs: number;
  retentionMs: number;
  /** Fleet-wide upstream calls per window; absent = no budget. */
  budget?: { calls: number; windowMs: number };
}

interface IntSetting {
  kind: 'int';
  default: number;
  min: number;
  max: number;
  description: string;
}
interface TextSetting {
  kind: 'text';
  /** Undefined: not set unless given. */
  default: string | undefined;
  description: string;
}
type Setting = IntSetting | TextSetting;

const int = (fallback: number, min: number, max: number, description: string): IntSetting => ({ kind: 'int', default: fallback, min, max, description });
const text = (fallback: string | undefined, description: string): TextSetting => ({ kind: 'text', default: fallback, description });
const MiB = 1_048_576;

/** Every environment variable, in the order `--help` and the README list them. */
const SETTINGS = {
  BATCHWATCH_HOST: text('127.0.0.1', 'Interface to listen on.'),
  BATCHWATCH_PORT: int(8787, 0, 65_535, 'Port to listen on (0 = any free port).'),
  BATCHWATCH_UPSTREAM_URL: text(clouds.global, 'Partner Center base URL (or a simulator); no user:password@.'),
  BATCHWATCH_UPSTREAM_TOKEN: text(undefined, 'Static bearer token for Partner Center. Or use the three AZURE_* variables.'),
  BATCHWATCH_AZURE_CREDENTIAL: text(
    'auto',
    'Entra credential kind: auto (client secret, certificate, workload identity: the first whose variables are set), client-secret, client-certificate, workload-identity or managed-identity.',
  ),
  AZURE_TENANT_ID: text(undefined, 'Entra tenant of the app-only credential.'),
  AZURE_CLIENT_ID: text(undefined, 'Entra application (client) id (for managed identity: a user-assigned one).'),
  AZURE_CLIENT_SECRET: text(undefined, 'Entra client secret.'),
  AZURE_CLIENT_CERTIFICATE_PATH: text(undefined, 'PEM file with the private key and certificate of the Entra application.'),
  AZURE_CLIENT_CERTIFICATE_PASSWORD: text(undefined, 'Password of that PEM file, if it has one.'),
  AZURE_FEDERATED_TOKEN_FILE: text(undefined, 'Workload identity: the projected service-account token (set by the AKS webhook).'),
  BATCHWATCH_UPSTREAM_TIMEOUT_MS: int(10_000, 1, MAX_TIMER_MS, 'Timeout of one upstream attempt; a timeout answers 504.'),
  BATCHWATCH_UPSTREAM_ATTEMPTS: int(3, 1, 10, 'Attempts per upstream call for network errors, timeouts and 5xx (1 = no retries).'),
  BATCHWATCH_UPSTREAM_MAX_BYTES: int(
    32 * MiB,
    1_024,
    1_024 * MiB,
    'Largest upstream body read (a 10,000-device batch is about 3 MB); a larger one answers 502.',
  ),
  BATCHWATCH_MAX_BACKOFF_MS: int(3_600_000, 1_000, MAX_TIMER_MS, 'Longest the proxy waits after an upstream failure, whatever Retry-After says.'),
  BATCHWATCH_AUTH: text('required', '`required`, or `none` (no caller authentication; refused unless BATCHWATCH_HOST is loopback).'),
  BATCHWATCH_API_KEYS: text(undefined, 'Caller API keys: `name=key` pairs, comma-separated (keys of 16+ characters, each key once).'),
  BATCHWATCH_API_KEYS_FILE: text(
    undefined,
    'Caller API keys from a file instead: `name=key` per line or comma, `#` comments; re-read when it changes. A name may have several keys (rotation).',
  ),
  BATCHWATCH_CUSTOMER_ACL: text(undefined, 'Customers per API key: `name=guid|guid,other=*`, each name once. A key without an entry may read no customer.'),
  BATCHWATCH_JWT_ISSUER: text(undefined, 'Accept JWTs from this issuer (with the two next variables).'),
  BATCHWATCH_JWT_AUDIENCE: text(undefined, "The JWT audience: this proxy's identifier."),
  BATCHWATCH_JWKS_URL: text(undefined, 'JWKS of the issuer (https, or http on loopback).'),
  BATCHWATCH_JWT_ALGORITHMS: text('RS256', 'Accepted JWT signature algorithms, comma-separated.'),
  BATCHWATCH_JWT_CUSTOMERS_CLAIM: text('customers', "JWT claim with the caller's customers: an array or a space-separated string of GUIDs, or `*`."),
  BATCHWATCH_JWT_CLOCK_TOLERANCE_S: int(30, 0, 600, 'Clock skew tolerated on exp/nbf.'),
  BATCHWATCH_JWKS_COOLDOWN_MS: int(
    30_000,
    0,
    3_600_000,
    'A rotated signing key (new kid, or new key under a known kid) is picked up at most this long after the previous JWKS fetch.',
  ),
  BATCHWATCH_JWKS_MAX_AGE_MS: int(600_000, 1_000, 86_400_000, 'A fetched JWKS is refreshed at least this often.'),
  BATCHWATCH_CACHE_TTL_MS: int(5_000, 0, MAX_TIMER_MS, 'Cache lifetime of a queued/processing status (0 = no caching; coalescing stays on).'),
  BATCHWATCH_CACHE_TERMINAL_TTL_MS: int(3_600_000, 0, MAX_TIMER_MS, 'Cache lifetime of a finished status.'),
  BATCHWATCH_CACHE_STALE_MS: int(600_000, 0, MAX_TIMER_MS, 'How long past its lifetime a status may still be served (marked stale) when the upstream fails.'),
  BATCHWATCH_CACHE_MAX_ENTRIES: int(10_000, 1, 10_000_000, 'Most batches kept in the cache (the least recently refreshed go first).'),
  BATCHWATCH_CACHE_MAX_BYTES: int(256 * MiB, 1_024, 64 * 1_024 * MiB, 'Most body bytes kept in the cache (the least recently refreshed go first).'),
  BATCHWATCH_POLL_INTERVAL_MS: int(5_000, 10, MAX_TIMER_MS, 'Upstream poll interval of a watched batch (one poller per batch).'),
  BATCHWATCH_POLL_MAX_INTERVAL_MS: int(30_000, 10, MAX_TIMER_MS, 'Quiet batches are polled less often, up to this.'),
  BATCHWATCH_SSE_HEARTBEAT_MS: int(15_000, 10, MAX_TIMER_MS, 'Interval of `: heartbeat` comments on event streams.'),
  BATCHWATCH_SSE_RETRY_MS: int(3_000, 0, MAX_TIMER_MS, 'Reconnect delay suggested to event-stream clients (`retry:`).'),
  BATCHWATCH_SSE_REPLAY_EVENTS: int(1_000, 0, 1_000_000, 'Events kept per batch for `Last-Event-ID` replay.'),
  BATCHWATCH_SSE_MAX_BUFFER_BYTES: int(
    MiB,
    1_024,
    1_024 * MiB,
    'A subscriber with more unsent output than this, taking less than this between heartbeats, at two heartbeats in a row is disconnected.',
  ),
  BATCHWATCH_SSE_MAX_STREAMS: int(10_000, 1, 1_000_000, 'Most open event streams in all; more answer 503 with Retry-After.'),
  BATCHWATCH_SSE_MAX_STREAMS_PER_CALLER: int(1_000, 1, 1_000_000, 'Most open event streams per caller; more answer 429 with Retry-After.'),
  BATCHWATCH_RATE_LIMIT: int(600, 0, Number.MAX_SAFE_INTEGER, 'Requests per caller per window (0 = unlimited).'),
  BATCHWATCH_RATE_LIMIT_WINDOW_S: int(60, 1, 86_400, 'Rate-limit window.'),
  BATCHWATCH_MAX_CONNECTIONS: int(
    10_000,
    16,
    1_000_000,
    'Most open client connections (lowered to fit the open-file limit). At the cap an idle connection is closed to make room; if none is idle the new one gets 503.',
  ),
  BATCHWATCH_LISTEN_BACKLOG: int(2_048, 1, 65_535, 'Pending-connection queue of the listener (the kernel may cap it: net.core.somaxconn).'),
  BATCHWATCH_ACCEPT_SOCKETS: int(
    8,
    1,
    64,
    'Listening sockets sharing the port (SO_REUSEPORT; Node ≥ 22.12 on Linux, elsewhere 1). Node accepts one connection per socket per event-loop turn: under a flood of new connections, one socket leaves clients waiting unanswered in the accept queue.',
  ),
  BATCHWATCH_HEADERS_TIMEOUT_MS: int(15_000, 1, MAX_TIMER_MS, 'Time allowed to receive request headers.'),
  BATCHWATCH_REQUEST_TIMEOUT_MS: int(30_000, 1, MAX_TIMER_MS, 'Time allowed to receive a whole request (does not limit event streams).'),
  BATCHWATCH_KEEP_ALIVE_TIMEOUT_MS: int(65_000, 1, MAX_TIMER_MS, "Idle keep-alive time; keep it above your load balancer's idle timeout."),
  BATCHWATCH_MAX_HEADER_SIZE: int(8_192, 1_024, MiB, 'Largest request line + headers in bytes (larger: 431).'),
  BATCHWATCH_SHUTDOWN_DELAY_MS: int(0, 0, MAX_TIMER_MS, 'On SIGTERM, time between readiness turning 503 and closing the listener.'),
  BATCHWATCH_SHUTDOWN_GRACE_MS: int(10_000, 0, MAX_TIMER_MS, 'Time in-flight requests get to finish after the listener closes.'),
  BATCHWATCH_METRICS_PORT: text(undefined, 'Serve /metrics on this port (same host) instead of the API port.'),
  BATCHWATCH_METRICS_KEY: text(undefined, 'Require `Authorization: Bearer <this>` (16+ characters) for /metrics.'),
  BATCHWATCH_REDIS_URL: text(undefined, 'Redis shared by a fleet of replicas (`redis://` or `rediss://`). Unset: one process, nothing shared.'),
  BATCHWATCH_REDIS_PREFIX: text('batchwatch', 'Prefix of every Redis key and channel (two fleets on one Redis need different prefixes).'),
  BATCHWATCH_REDIS_TIMEOUT_MS: int(250, 10, 60_000, 'Longest wait for one Redis command; slower counts as Redis unavailable.'),
  BATCHWATCH_LEASE_TTL_MS: int(10_000, 100, 3_600_000, "Lifetime of a batch's poller lease; a dead holder is replaced within this plus one poll interval."),
  BATCHWATCH_REDIS_RETENTION_MS: int(3_600_000, 1_000, 30 * 86_400_000, "How long a batch's events and state stay in Redis after its last event."),
  BATCHWATCH_UPSTREAM_BUDGET: int(
    0,
    0,
    1_000_000,
    'Upstream calls per minute for the whole fleet (0 = no budget, else at least 10; needs BATCHWATCH_REDIS_URL).',
  ),
  BATCHWATCH_UPSTREAM_BUDGET_WINDOW_MS: int(60_000, 1_000, 3_600_000, 'The window of BATCHWATCH_UPSTREAM_BUDGET (shorter only for tests and benchmarks).'),
  BATCHWATCH_TRUSTED_PROXIES: text(undefined, 'Load balancers whose X-Forwarded-For/-Proto are believed: IPs, CIDR ranges, loopback, linklocal, uniquelocal.'),
  BATCHWATCH_CORS_ORIGINS: text(undefined, 'Browser origins allowed to call the proxy (CORS), comma-separated; unset: none.'),
  BATCHWATCH_LOG_LEVEL: text('info', 'pino level: fatal, error, warn, info, debug, trace, silent.'),
} as const satisfies Record<string, Setting>;

type Name = keyof typeof SETTINGS;
type IntName = { [K in Name]: (typeof SETTINGS)[K] extends IntSetting ? K : never }[Name];
type TextName = Exclude<Name, IntName>;

export interface VariableSpec {
  name: string;
  /** As `--help` prints it; `—` when unset by default. */
  default: string;
  description: string;
}

/** The table as documentation rows (for `--help` and the README test). */
export const VARIABLES: readonly VariableSpec[] = Object.entries(SETTINGS).map(([name, setting]: [string, Setting]) => ({
  name,
  default: setting.default === undefined ? '—' : String(setting.default),
  description:
    setting.kind === 'int' && setting.max !== MAX_TIMER_MS && setting.max < Number.MAX_SAFE_INTEGER
      ? `${setting.description} [${setting.min}–${setting.max}]`
      : setting.description,
}));

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const KEY_NAME = /^[A-Za-z0-9._-]{1,64}$/;
/** C0 controls, DEL and C1 controls: never valid in a header value or a key. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

type Env = Record<string, string | undefined>;

/**
 * Secrets that may come from a file instead (`NAME_FILE`, a mounted secret). BATCHWATCH_API_KEYS has its own
 * BATCHWATCH_API_KEYS_FILE, which is also re-read when it changes.
 */
const SECRET_FILE_TWINS = ['BATCHWATCH_UPSTREAM_TOKEN', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD', 'BATCHWATCH_METRICS_KEY'];

const EGRESS_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];

/** Reads and validates the configuration; throws one `ConfigError` naming the variable at fault. */
export function loadConfig(given: Env = process.env): ProxyConfig {
  rejectUnknownVariables(given, [...Object.keys(SETTINGS), ...SECRET_FILE_TWINS.map((name) => `${name}_FILE`)]);
  const env = withSecretFiles(given, SECRET_FILE_TWINS);
  const read = reader(env);
  const host = listenHost(read.text('BATCHWATCH_HOST')!);
  const config: ProxyConfig = {
    host,
    port: read.int('BATCHWATCH_PORT'),
    upstream: readUpstream(read, env),
    auth: readAuth(read, host),
    egress: Object.fromEntries(EGRESS_VARIABLES.flatMap((name) => (env[name] ? [[name, env[name]!]] : []))),
    edge: { trustedProxies: parseTrustedProxies(read.text('BATCHWATCH_TRUSTED_PROXIES')), corsOrigins: parseCorsOrigins(read.text('BATCHWATCH_CORS_ORIGINS')) },
    cache: {
      ttlMs: read.int('BATCHWATCH_CACHE_TTL_MS'),
      terminalTtlMs: read.int('BATCHWATCH_CACHE_TERMINAL_TTL_MS'),
      staleMs: read.int('BATCHWATCH_CACHE_STALE_MS'),
      maxEntries: read.int('BATCHWATCH_CACHE_MAX_ENTRIES'),
      maxBytes: read.int('BATCHWATCH_CACHE_MAX_BYTES'),
    },
    poll: { intervalMs: read.int('BATCHWATCH_POLL_INTERVAL_MS'), maxIntervalMs: read.int('BATCHWATCH_POLL_MAX_INTERVAL_MS') },
    sse: {
      heartbeatMs: read.int('BATCHWATCH_SSE_HEARTBEAT_MS'),
      retryMs: read.int('BATCHWATCH_SSE_RETRY_MS'),
      replayEvents: read.int('BATCHWATCH_SSE_REPLAY_EVENTS'),
      maxBufferBytes: read.int('BATCHWATCH_SSE_MAX_BUFFER_BYTES'),
      maxStreams: read.int('BATCHWATCH_SSE_MAX_STREAMS'),
      maxStreamsPerCaller: read.int('BATCHWATCH_SSE_MAX_STREAMS_PER_CALLER'),
    },
    rateLimit: { points: read.int('BATCHWATCH_RATE_LIMIT'), windowS: read.int('BATCHWATCH_RATE_LIMIT_WINDOW_S') },
    server: {
      headersTimeoutMs: read.int('BATCHWATCH_HEADERS_TIMEOUT_MS'),
      requestTimeoutMs: read.int('BATCHWATCH_REQUEST_TIMEOUT_MS'),
      keepAliveTimeoutMs: read.int('BATCHWATCH_KEEP_ALIVE_TIMEOUT_MS'),
      maxHeaderSize: read.int('BATCHWATCH_MAX_HEADER_SIZE'),
      maxConnections: read.int('BATCHWATCH_MAX_CONNECTIONS'),
      backlog: read.int('BATCHWATCH_LISTEN_BACKLOG'),
      acceptSockets: read.int('BATCHWATCH_ACCEPT_SOCKETS'),
      shutdownDelayMs: read.int('BATCHWATCH_SHUTDOWN_DELAY_MS'),
      shutdownGraceMs: read.int('BATCHWATCH_SHUTDOWN_GRACE_MS'),
    },
    metrics: readMetrics(read),
    logLevel: read.text('BATCHWATCH_LOG_LEVEL')!,
  };
  const fleet = readFleet(read);
  if (fleet) config.fleet = fleet;
  if (!LOG_LEVELS.has(config.logLevel)) throw new ConfigError(`BATCHWATCH_LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')}`);
  if (config.server.requestTimeoutMs < config.server.headersTimeoutMs) {
    throw new ConfigError('BATCHWATCH_REQUEST_TIMEOUT_MS must not be shorter than BATCHWATCH_HEADERS_TIMEOUT_MS');
  }
  return config;
}

function readUpstream(read: Reader, env: Env): ProxyConfig['upstream'] {
  const parsed = readUrl(read, 'BATCHWATCH_UPSTREAM_URL');
  for (const name of ['BATCHWATCH_UPSTREAM_TOKEN', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PASSWORD'] as const) read.secret(name);
  return {
    url: parsed.href.replace(/\/+$/, ''),
    credential: selectCredential(env),
    timeoutMs: read.int('BATCHWATCH_UPSTREAM_TIMEOUT_MS'),
    attempts: read.int('BATCHWATCH_UPSTREAM_ATTEMPTS'),
    maxBytes: read.int('BATCHWATCH_UPSTREAM_MAX_BYTES'),
    maxBackoffMs: read.int('BATCHWATCH_MAX_BACKOFF_MS'),
  };
}

/** https (http only on loopback), and no credentials in the URL: they would travel and be logged with it. */
function readUrl(read: Reader, name: 'BATCHWATCH_UPSTREAM_URL' | 'BATCHWATCH_JWKS_URL'): URL {
  let parsed: URL;
  try {
    parsed = new URL(read.text(name)!);
  } catch {
    throw new ConfigError(`${name} is not a URL`);
  }
  if (parsed.username || parsed.password) throw new ConfigError(`${name} must not contain user:password@ (give credentials in their own variables)`);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopback(parsed.hostname))) {
    throw new ConfigError(`${name} must be https (http is allowed on loopback only)`);
  }
  return parsed;
}

function readAuth(read: Reader, host: string): ProxyConfig['auth'] {
  const mode = read.text('BATCHWATCH_AUTH');
  if (mode !== 'required' && mode !== 'none') throw new ConfigError('BATCHWATCH_AUTH must be `required` or `none`');
  if (mode === 'none') {
    if (!isLoopback(host)) {
      throw new ConfigError(
        `BATCHWATCH_AUTH=none is refused on ${host}: without caller authentication the proxy may only listen on a loopback address (127.0.0.1, ::1, localhost)`,
      );
    }
    return { mode, apiKeys: [], keyAcl: new Map() };
  }
  const apiKeysFile = read.text('BATCHWATCH_API_KEYS_FILE');
  if (apiKeysFile && read.raw('BATCHWATCH_API_KEYS')) throw new ConfigError('set either BATCHWATCH_API_KEYS or BATCHWATCH_API_KEYS_FILE, not both');
  const apiKeys = apiKeysFile ? readKeyFile(apiKeysFile) : parseApiKeys(read.raw('BATCHWATCH_API_KEYS'));
  const keyAcl = parseAcl(read.text('BATCHWATCH_CUSTOMER_ACL') ?? '', new Set(apiKeys.map((key) => key.name)));
  const jwt = readJwt(read);
  if (apiKeys.length === 0 && !jwt && !apiKeysFile) {
    throw new ConfigError(
      'no caller authentication configured: set BATCHWATCH_API_KEYS and/or BATCHWATCH_JWT_ISSUER + BATCHWATCH_JWT_AUDIENCE + BATCHWATCH_JWKS_URL (or BATCHWATCH_AUTH=none on a loopback host)',
    );
  }
  return { mode, apiKeys, keyAcl, ...(apiKeysFile ? { apiKeysFile } : {}), ...(jwt ? { jwt } : {}) };
}

/**
 * `name=key,name=key`. A name may have several keys (a rotation: old and new are both valid); every key is
 * different and gets an id (8 hex digits of its SHA-256) for logs. Messages name an entry by its position —
 * never by its text, which may be a key given without `name=` — and by its name only once the entry is known
 * to be well-formed.
 */
export function parseApiKeys(text: string, where = 'BATCHWATCH_API_KEYS'): ApiKey[] {
  if (text.includes(';')) throw new ConfigError(`${where}: separate entries with ",", not ";"`);
  const keys: ApiKey[] = [];
  splitList(text, ',').forEach((pair, index) => {
    const entry = `entry ${index + 1}`;
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    const key = pair.slice(at + 1).trim();
    if (at <= 0 || !KEY_NAME.test(name) || key === '') throw new ConfigError(`${where}: ${entry} is not a name=key pair`);
    if (key.length < 16 || /\s/.test(key) || CONTROL.test(key))
      throw new ConfigError(`${where}: ${entry} needs a key of 16+ characters without spaces or control characters`);
    const digest = sha256(key);
    const same = keys.find((k) => k.digest.equals(digest));
    if (same)
      throw new ConfigError(same.name === name ? `${where}: "${name}" has the same key twice` : `${where}: "${same.name}" and "${name}" have the same key`);
    keys.push({ name, id: digest.toString('hex').slice(0, 8), digest });
  });
  return keys;
}

/** BATCHWATCH_API_KEYS_FILE at start: unreadable or malformed stops the start (later changes do not: auth/key-file.ts). */
function readKeyFile(path: string): ApiKey[] {
  return parseKeyFile(readFileOrFail(path, 'BATCHWATCH_API_KEYS_FILE'), 'BATCHWATCH_API_KEYS_FILE');
}

/** A key file's text: entries on lines or separated by commas, `#` starts a comment. */
export function parseKeyFile(text: string, where: string): ApiKey[] {
  const entries = text.split(/\r?\n/).map((line) => line.replace(/(^|\s)#.*$/, '').trim());
  return parseApiKeys(entries.filter(Boolean).join(','), where);
}

function readFileOrFail(path: string, name: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${name}: cannot read ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function parseAcl(text: string, knownNames: ReadonlySet<string>): Map<string, CustomerAccess> {
  const where = 'BATCHWATCH_CUSTOMER_ACL';
  if (text.includes(';')) throw new ConfigError(`${where}: separate entries with "," (and customers with "|"), not ";"`);
  const acl = new Map<string, CustomerAccess>();
  for (const pair of splitList(text, ',')) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    if (at <= 0 || !knownNames.has(name)) throw new ConfigError(`${where}: ${JSON.stringify(name || pair)} is not a key name from BATCHWATCH_API_KEYS`);
    if (acl.has(name)) throw new ConfigError(`${where}: "${name}" has two entries; list all its customers in one (guid|guid, or *)`);
    const value = pair.slice(at + 1).trim();
    if (value === '*') {
      acl.set(name, '*');
      continue;
    }
    const customers = splitList(value, '|');
    const bad = customers.find((id) => !isGuid(id));
    if (bad !== undefined || customers.length === 0) throw new ConfigError(`${where}: the customers of "${name}" must be GUIDs separated by | (or *)`);
    acl.set(name, new Set(customers.map((id) => id.toLowerCase())));
  }
  return acl;
}

function readJwt(read: Reader): JwtConfig | undefined {
  const names = ['BATCHWATCH_JWT_ISSUER', 'BATCHWATCH_JWT_AUDIENCE', 'BATCHWATCH_JWKS_URL'] as const;
  const [issuer, audience, jwks] = names.map((name) => read.text(name));
  const count = [issuer, audience, jwks].filter(Boolean).length;
  if (count === 0) return undefined;
  if (count < 3) throw new ConfigError(`JWT authentication needs all of ${names.join(', ')}`);
  const jwksUrl = readUrl(read, 'BATCHWATCH_JWKS_URL');
  const algorithms = splitList(read.text('BATCHWATCH_JWT_ALGORITHMS')!, ',');
  const bad = algorithms.find((alg) => !/^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/.test(alg));
  if (bad !== undefined || algorithms.length === 0)
    throw new ConfigError(`BATCHWATCH_JWT_ALGORITHMS: ${JSON.stringify(bad ?? '')} is not an accepted asymmetric algorithm`);
  return {
    issuer: issuer!,
    audience: audience!,
    jwksUrl,
    algorithms,
    customersClaim: read.text('BATCHWATCH_JWT_CUSTOMERS_CLAIM')!,
    clockToleranceS: read.int('BATCHWATCH_JWT_CLOCK_TOLERANCE_S'),
    jwksCooldownMs: read.int('BATCHWATCH_JWKS_COOLDOWN_MS'),
    jwksMaxAgeMs: read.int('BATCHWATCH_JWKS_MAX_AGE_MS'),
  };
}

function readFleet(read: Reader): FleetConfig | undefined {
  const url = read.secret('BATCHWATCH_REDIS_URL'); // may hold a password: never quoted back
  const calls = read.int('BATCHWATCH_UPSTREAM_BUDGET');
  if (!url) {
    if (calls > 0) throw new ConfigError('BATCHWATCH_UPSTREAM_BUDGET is fleet-wide and needs BATCHWATCH_REDIS_URL');
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('BATCHWATCH_REDIS_URL is not a URL (expected redis://host:port or rediss://…)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new ConfigError('BATCHWATCH_REDIS_URL must start with redis:// or rediss://');
  const prefix = read.text('BATCHWATCH_REDIS_PREFIX')!;
  if (!KEY_NAME.test(prefix)) throw new ConfigError('BATCHWATCH_REDIS_PREFIX must be 1-64 letters, digits, dots, dashes or underscores');
  const fleet: FleetConfig = {
    redisUrl: url,
    prefix,
    timeoutMs: read.int('BATCHWATCH_REDIS_TIMEOUT_MS'),
    leaseTtlMs: read.int('BATCHWATCH_LEASE_TTL_MS'),
    retentionMs: read.int('BATCHWATCH_REDIS_RETENTION_MS'),
  };
  if (calls > 0 && calls < 10) throw new ConfigError('BATCHWATCH_UPSTREAM_BUDGET must be 0 (none) or at least 10 calls per window');
  if (calls > 0) fleet.budget = { calls, windowMs: read.int('BATCHWATCH_UPSTREAM_BUDGET_WINDOW_MS') };
  return fleet;
}

function readMetrics(read: Reader): ProxyConfig['metrics'] {
  const portText = read.text('BATCHWATCH_METRICS_PORT');
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65_535) throw new ConfigError('BATCHWATCH_METRICS_PORT must be a port number (0–65535)');
  }
  const key = read.secret('BATCHWATCH_METRICS_KEY');
  if (key !== undefined && (key.length < 16 || /\s/.test(key))) throw new ConfigError('BATCHWATCH_METRICS_KEY must be 16+ characters without spaces');
  return { port, key: key === undefined ? undefined : { name: 'metrics', id: 'metrics', digest: sha256(key) } };
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare === '::ffff:127.0.0.1';
}

function splitList(text: string, separator: string): string[] {
  return text
    .split(separator)
    .map((part) => part.trim())
    .filter(Boolean);
}

type Reader = ReturnType<typeof reader>;

function reader(env: Env) {
  const given = (name: Name): string | undefined => env[name]?.trim() || undefined;
  return {
    /** The variable, or its default from SETTINGS. */
    text: (name: TextName): string | undefined => given(name) ?? SETTINGS[name].default,
    /** As given, '' when unset (lists). */
    raw: (name: TextName): string => given(name) ?? '',
    /** A credential: no control characters (they could split a header), and never quoted back. */
    secret(name: TextName): string | undefined {
      const value = given(name);
      if (value !== undefined && CONTROL.test(value)) throw new ConfigError(`${name} contains control characters`);
      return value;
    },
    int(name: IntName): number {
      const { default: fallback, min, max } = SETTINGS[name];
      const raw = given(name);
      if (raw === undefined) return fallback;
      if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got ${JSON.stringify(raw.slice(0, 20))}`);
      const value = Number(raw);
      if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
      return value;
    },
  };
}

/** `--help` text: usage and every variable with its default, from SETTINGS. */
export function helpText(): string {
  const width = Math.max(...VARIABLES.map((v) => v.name.length));
  const lines = VARIABLES.map((v) => `  ${v.name.padEnd(width)}  ${v.description}${v.default === '—' ? '' : ` (default ${v.default})`}`);
  return [
    'batchwatch-proxy — internal gateway for Partner Center device batch status',
    '',
    'Usage: batchwatch-proxy [--help | --version]',
    '',
    'Configured by environment variables:',
    ...lines,
    '',
    'Exit codes: 0 after a clean shutdown, 1 on a runtime failure, 2 on a configuration error.',
  ].join('\n');
}
