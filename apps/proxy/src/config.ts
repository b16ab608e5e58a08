/**
 * Environment → a typed, validated configuration. Every variable the proxy reads is declared in `VARIABLES`
 * (which `--help` prints), and every problem becomes one `ConfigError` with a message an operator can act on.
 */
import { hash } from 'node:crypto';
import { isIP } from 'node:net';
import { clouds, isGuid } from '@batchwatch/client';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ApiKey {
  name: string;
  /** SHA-256 of the key: the key itself is not kept. */
  digest: Buffer;
}

/** The customers a caller may read: every one (`*`), or a set of lower-cased GUIDs. */
export type CustomerAccess = '*' | ReadonlySet<string>;

export interface JwtConfig {
  issuer: string;
  audience: string;
  jwksUrl: URL;
  algorithms: string[];
  customersClaim: string;
  clockToleranceS: number;
}

export interface ProxyConfig {
  host: string;
  port: number;
  upstream: {
    url: string;
    token?: string;
    azure?: { tenantId: string; clientId: string; clientSecret: string };
    timeoutMs: number;
    attempts: number;
  };
  auth: {
    mode: 'required' | 'none';
    apiKeys: ApiKey[];
    /** API key name → its customers. A key without an entry may read no customer. */
    keyAcl: ReadonlyMap<string, CustomerAccess>;
    jwt?: JwtConfig;
  };
  cache: { ttlMs: number; terminalTtlMs: number; staleMs: number; maxEntries: number };
  poll: { intervalMs: number; maxIntervalMs: number };
  sse: { heartbeatMs: number; retryMs: number; replayEvents: number; maxBufferBytes: number };
  rateLimit: { points: number; windowS: number };
  server: {
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxHeaderSize: number;
    shutdownDelayMs: number;
    shutdownGraceMs: number;
  };
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

export interface VariableSpec {
  name: string;
  default: string;
  description: string;
}

/** Every environment variable, in the order `--help` and the README list them. */
export const VARIABLES: readonly VariableSpec[] = [
  { name: 'BATCHWATCH_HOST', default: '127.0.0.1', description: 'Interface to listen on.' },
  { name: 'BATCHWATCH_PORT', default: '8787', description: 'Port to listen on (0 = any free port).' },
  { name: 'BATCHWATCH_UPSTREAM_URL', default: clouds.global, description: 'Partner Center base URL (or a simulator).' },
  { name: 'BATCHWATCH_UPSTREAM_TOKEN', default: '—', description: 'Static bearer token for Partner Center. Or use the three AZURE_* variables.' },
  { name: 'AZURE_TENANT_ID', default: '—', description: 'Entra tenant of the app-only credential (ClientSecretCredential).' },
  { name: 'AZURE_CLIENT_ID', default: '—', description: 'Entra application (client) id.' },
  { name: 'AZURE_CLIENT_SECRET', default: '—', description: 'Entra client secret.' },
  { name: 'BATCHWATCH_UPSTREAM_TIMEOUT_MS', default: '10000', description: 'Timeout of one upstream attempt; a timeout answers 504.' },
  { name: 'BATCHWATCH_UPSTREAM_ATTEMPTS', default: '3', description: 'Attempts per upstream call for network errors, timeouts and 5xx (1 = no retries).' },
  { name: 'BATCHWATCH_AUTH', default: 'required', description: '`required`, or `none` (no caller authentication; refused unless BATCHWATCH_HOST is loopback).' },
  { name: 'BATCHWATCH_API_KEYS', default: '—', description: 'Caller API keys: `name=key` pairs, comma-separated (keys of 16+ characters).' },
  { name: 'BATCHWATCH_CUSTOMER_ACL', default: '—', description: 'Customers per API key: `name=guid|guid,other=*`. A key without an entry may read no customer.' },
  { name: 'BATCHWATCH_JWT_ISSUER', default: '—', description: 'Accept JWTs from this issuer (with the two next variables).' },
  { name: 'BATCHWATCH_JWT_AUDIENCE', default: '—', description: "The JWT audience: this proxy's identifier." },
  { name: 'BATCHWATCH_JWKS_URL', default: '—', description: 'JWKS of the issuer (https, or http on loopback).' },
  { name: 'BATCHWATCH_JWT_ALGORITHMS', default: 'RS256', description: 'Accepted JWT signature algorithms, comma-separated.' },
  { name: 'BATCHWATCH_JWT_CUSTOMERS_CLAIM', default: 'customers', description: 'JWT claim with the caller\'s customers: an array or a space-separated string of GUIDs, or `*`.' },
  { name: 'BATCHWATCH_JWT_CLOCK_TOLERANCE_S', default: '30', description: 'Clock skew tolerated on exp/nbf.' },
  { name: 'BATCHWATCH_CACHE_TTL_MS', default: '5000', description: 'Cache lifetime of a queued/processing status (0 = no caching; coalescing stays on).' },
  { name: 'BATCHWATCH_CACHE_TERMINAL_TTL_MS', default: '3600000', description: 'Cache lifetime of a finished status.' },
  { name: 'BATCHWATCH_CACHE_STALE_MS', default: '600000', description: 'How long past its lifetime a status may still be served (marked stale) when the upstream fails.' },
  { name: 'BATCHWATCH_CACHE_MAX_ENTRIES', default: '10000', description: 'Most batches kept in the cache (the least recently refreshed go first).' },
  { name: 'BATCHWATCH_POLL_INTERVAL_MS', default: '5000', description: 'Upstream poll interval of a watched batch (one poller per batch).' },
  { name: 'BATCHWATCH_POLL_MAX_INTERVAL_MS', default: '30000', description: 'Quiet batches are polled less often, up to this.' },
  { name: 'BATCHWATCH_SSE_HEARTBEAT_MS', default: '15000', description: 'Interval of `: heartbeat` comments on event streams.' },
  { name: 'BATCHWATCH_SSE_RETRY_MS', default: '3000', description: 'Reconnect delay suggested to event-stream clients (`retry:`).' },
  { name: 'BATCHWATCH_SSE_REPLAY_EVENTS', default: '1000', description: 'Events kept per batch for `Last-Event-ID` replay.' },
  { name: 'BATCHWATCH_SSE_MAX_BUFFER_BYTES', default: '1048576', description: 'A subscriber with more unsent output than this at two heartbeats in a row is disconnected.' },
  { name: 'BATCHWATCH_RATE_LIMIT', default: '600', description: 'Requests per caller per window (0 = unlimited).' },
  { name: 'BATCHWATCH_RATE_LIMIT_WINDOW_S', default: '60', description: 'Rate-limit window.' },
  { name: 'BATCHWATCH_HEADERS_TIMEOUT_MS', default: '15000', description: 'Time allowed to receive request headers.' },
  { name: 'BATCHWATCH_REQUEST_TIMEOUT_MS', default: '30000', description: 'Time allowed to receive a whole request (does not limit event streams).' },
  { name: 'BATCHWATCH_KEEP_ALIVE_TIMEOUT_MS', default: '65000', description: 'Idle keep-alive time; keep it above your load balancer\'s idle timeout.' },
  { name: 'BATCHWATCH_MAX_HEADER_SIZE', default: '8192', description: 'Largest request line + headers in bytes (larger: 431).' },
  { name: 'BATCHWATCH_SHUTDOWN_DELAY_MS', default: '0', description: 'On SIGTERM, time between readiness turning 503 and closing the listener.' },
  { name: 'BATCHWATCH_SHUTDOWN_GRACE_MS', default: '10000', description: 'Time in-flight requests get to finish after the listener closes.' },
  { name: 'BATCHWATCH_REDIS_URL', default: '—', description: 'Redis shared by a fleet of replicas (`redis://` or `rediss://`). Unset: one process, nothing shared.' },
  { name: 'BATCHWATCH_REDIS_PREFIX', default: 'batchwatch', description: 'Prefix of every Redis key and channel (two fleets on one Redis need different prefixes).' },
  { name: 'BATCHWATCH_REDIS_TIMEOUT_MS', default: '250', description: 'Longest wait for one Redis command; slower counts as Redis unavailable.' },
  { name: 'BATCHWATCH_LEASE_TTL_MS', default: '10000', description: 'Lifetime of a batch\'s poller lease; a dead holder is replaced within this plus one poll interval.' },
  { name: 'BATCHWATCH_REDIS_RETENTION_MS', default: '3600000', description: 'How long a batch\'s events and state stay in Redis after its last event.' },
  { name: 'BATCHWATCH_UPSTREAM_BUDGET', default: '0', description: 'Upstream calls per minute for the whole fleet (0 = no budget; needs BATCHWATCH_REDIS_URL).' },
  { name: 'BATCHWATCH_UPSTREAM_BUDGET_WINDOW_MS', default: '60000', description: 'The window of BATCHWATCH_UPSTREAM_BUDGET (shorter only for tests and benchmarks).' },
  { name: 'BATCHWATCH_LOG_LEVEL', default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace, silent.' },
];

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const KEY_NAME = /^[A-Za-z0-9._-]{1,64}$/;

type Env = Record<string, string | undefined>;

/** Reads and validates the configuration; throws one `ConfigError` naming the variable at fault. */
export function loadConfig(env: Env = process.env): ProxyConfig {
  const read = reader(env);
  const host = read.text('BATCHWATCH_HOST', '127.0.0.1');
  const config: ProxyConfig = {
    host,
    port: read.int('BATCHWATCH_PORT', 8787, 0, 65_535),
    upstream: readUpstream(env, read),
    auth: readAuth(env, read, host),
    cache: {
      ttlMs: read.int('BATCHWATCH_CACHE_TTL_MS', 5_000, 0),
      terminalTtlMs: read.int('BATCHWATCH_CACHE_TERMINAL_TTL_MS', 3_600_000, 0),
      staleMs: read.int('BATCHWATCH_CACHE_STALE_MS', 600_000, 0),
      maxEntries: read.int('BATCHWATCH_CACHE_MAX_ENTRIES', 10_000, 1),
    },
    poll: {
      intervalMs: read.int('BATCHWATCH_POLL_INTERVAL_MS', 5_000, 10),
      maxIntervalMs: read.int('BATCHWATCH_POLL_MAX_INTERVAL_MS', 30_000, 10),
    },
    sse: {
      heartbeatMs: read.int('BATCHWATCH_SSE_HEARTBEAT_MS', 15_000, 10),
      retryMs: read.int('BATCHWATCH_SSE_RETRY_MS', 3_000, 0),
      replayEvents: read.int('BATCHWATCH_SSE_REPLAY_EVENTS', 1_000, 0),
      maxBufferBytes: read.int('BATCHWATCH_SSE_MAX_BUFFER_BYTES', 1_048_576, 1_024),
    },
    rateLimit: {
      points: read.int('BATCHWATCH_RATE_LIMIT', 600, 0),
      windowS: read.int('BATCHWATCH_RATE_LIMIT_WINDOW_S', 60, 1),
    },
    server: {
      headersTimeoutMs: read.int('BATCHWATCH_HEADERS_TIMEOUT_MS', 15_000, 1),
      requestTimeoutMs: read.int('BATCHWATCH_REQUEST_TIMEOUT_MS', 30_000, 1),
      keepAliveTimeoutMs: read.int('BATCHWATCH_KEEP_ALIVE_TIMEOUT_MS', 65_000, 1),
      maxHeaderSize: read.int('BATCHWATCH_MAX_HEADER_SIZE', 8_192, 1_024, 1_048_576),
      shutdownDelayMs: read.int('BATCHWATCH_SHUTDOWN_DELAY_MS', 0, 0),
      shutdownGraceMs: read.int('BATCHWATCH_SHUTDOWN_GRACE_MS', 10_000, 0),
    },
    logLevel: read.text('BATCHWATCH_LOG_LEVEL', 'info'),
  };
  const fleet = readFleet(env, read);
  if (fleet) config.fleet = fleet;
  if (!LOG_LEVELS.has(config.logLevel)) throw new ConfigError(`BATCHWATCH_LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')}`);
  if (config.server.requestTimeoutMs < config.server.headersTimeoutMs) {
    throw new ConfigError('BATCHWATCH_REQUEST_TIMEOUT_MS must not be shorter than BATCHWATCH_HEADERS_TIMEOUT_MS');
  }
  return config;
}

function readFleet(env: Env, read: Reader): FleetConfig | undefined {
  const url = env.BATCHWATCH_REDIS_URL?.trim();
  const calls = read.int('BATCHWATCH_UPSTREAM_BUDGET', 0, 0, 1_000_000);
  if (!url) {
    if (calls > 0) throw new ConfigError('BATCHWATCH_UPSTREAM_BUDGET is fleet-wide and needs BATCHWATCH_REDIS_URL');
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('BATCHWATCH_REDIS_URL is not a URL (expected redis://host:port or rediss://…)'); // never echoed: it may hold a password
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new ConfigError('BATCHWATCH_REDIS_URL must start with redis:// or rediss://');
  const prefix = read.text('BATCHWATCH_REDIS_PREFIX', 'batchwatch');
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(prefix)) throw new ConfigError('BATCHWATCH_REDIS_PREFIX must be 1-64 letters, digits, dots, dashes or underscores');
  const fleet: FleetConfig = {
    redisUrl: url,
    prefix,
    timeoutMs: read.int('BATCHWATCH_REDIS_TIMEOUT_MS', 250, 10, 60_000),
    leaseTtlMs: read.int('BATCHWATCH_LEASE_TTL_MS', 10_000, 100, 3_600_000),
    retentionMs: read.int('BATCHWATCH_REDIS_RETENTION_MS', 3_600_000, 1_000, 30 * 86_400_000),
  };
  if (calls > 0 && calls < 10) throw new ConfigError('BATCHWATCH_UPSTREAM_BUDGET must be 0 (none) or at least 10 calls per window');
  if (calls > 0) fleet.budget = { calls, windowMs: read.int('BATCHWATCH_UPSTREAM_BUDGET_WINDOW_MS', 60_000, 1_000, 3_600_000) };
  return fleet;
}

function readUpstream(env: Env, read: Reader): ProxyConfig['upstream'] {
  const url = read.text('BATCHWATCH_UPSTREAM_URL', clouds.global);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`BATCHWATCH_UPSTREAM_URL is not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopback(parsed.hostname))) {
    throw new ConfigError('BATCHWATCH_UPSTREAM_URL must be https (http is allowed for a loopback simulator only)');
  }
  const upstream: ProxyConfig['upstream'] = {
    url: parsed.href.replace(/\/+$/, ''),
    timeoutMs: read.int('BATCHWATCH_UPSTREAM_TIMEOUT_MS', 10_000, 1),
    attempts: read.int('BATCHWATCH_UPSTREAM_ATTEMPTS', 3, 1, 10),
  };
  const token = env.BATCHWATCH_UPSTREAM_TOKEN?.trim();
  const azure = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET'].map((name) => env[name]?.trim() || undefined);
  const azureCount = azure.filter(Boolean).length;
  if (token && azureCount > 0) throw new ConfigError('set either BATCHWATCH_UPSTREAM_TOKEN or the AZURE_* credential, not both');
  if (azureCount > 0 && azureCount < 3) {
    throw new ConfigError('the Entra credential needs all of AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET');
  }
  if (token) upstream.token = token;
  else if (azureCount === 3) upstream.azure = { tenantId: azure[0]!, clientId: azure[1]!, clientSecret: azure[2]! };
  else throw new ConfigError('no Partner Center credentials: set BATCHWATCH_UPSTREAM_TOKEN, or AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET');
  return upstream;
}

function readAuth(env: Env, read: Reader, host: string): ProxyConfig['auth'] {
  const mode = read.text('BATCHWATCH_AUTH', 'required');
  if (mode !== 'required' && mode !== 'none') throw new ConfigError('BATCHWATCH_AUTH must be `required` or `none`');
  if (mode === 'none') {
    if (!isLoopback(host)) {
      throw new ConfigError(
        `BATCHWATCH_AUTH=none is refused on ${host}: without caller authentication the proxy may only listen on a loopback address (127.0.0.1, ::1, localhost)`,
      );
    }
    return { mode, apiKeys: [], keyAcl: new Map() };
  }
  const apiKeys = parseApiKeys(env.BATCHWATCH_API_KEYS ?? '');
  const keyAcl = parseAcl(env.BATCHWATCH_CUSTOMER_ACL ?? '', new Set(apiKeys.map((key) => key.name)));
  const jwt = readJwt(env, read);
  if (apiKeys.length === 0 && !jwt) {
    throw new ConfigError(
      'no caller authentication configured: set BATCHWATCH_API_KEYS and/or BATCHWATCH_JWT_ISSUER + BATCHWATCH_JWT_AUDIENCE + BATCHWATCH_JWKS_URL (or BATCHWATCH_AUTH=none on a loopback host)',
    );
  }
  return jwt ? { mode, apiKeys, keyAcl, jwt } : { mode, apiKeys, keyAcl };
}

export function parseApiKeys(text: string): ApiKey[] {
  const keys: ApiKey[] = [];
  for (const pair of splitList(text, ',')) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    const key = pair.slice(at + 1).trim();
    if (at <= 0 || !KEY_NAME.test(name)) throw new ConfigError(`BATCHWATCH_API_KEYS: expected name=key pairs, got an entry named ${JSON.stringify(name || pair.slice(0, 12))}`);
    if (key.length < 16 || /\s/.test(key)) throw new ConfigError(`BATCHWATCH_API_KEYS: the key of "${name}" must be 16+ characters without spaces`);
    if (keys.some((k) => k.name === name)) throw new ConfigError(`BATCHWATCH_API_KEYS: "${name}" appears twice`);
    keys.push({ name, digest: sha256(key) });
  }
  return keys;
}

export function parseAcl(text: string, knownNames: ReadonlySet<string>): Map<string, CustomerAccess> {
  const acl = new Map<string, CustomerAccess>();
  for (const pair of splitList(text, ',')) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    if (at <= 0 || !knownNames.has(name)) throw new ConfigError(`BATCHWATCH_CUSTOMER_ACL: ${JSON.stringify(name || pair)} is not a key name from BATCHWATCH_API_KEYS`);
    const value = pair.slice(at + 1).trim();
    if (value === '*') {
      acl.set(name, '*');
      continue;
    }
    const customers = splitList(value, '|');
    const bad = customers.find((id) => !isGuid(id));
    if (bad !== undefined || customers.length === 0) throw new ConfigError(`BATCHWATCH_CUSTOMER_ACL: the customers of "${name}" must be GUIDs separated by | (or *)`);
    acl.set(name, new Set(customers.map((id) => id.toLowerCase())));
  }
  return acl;
}

function readJwt(env: Env, read: Reader): JwtConfig | undefined {
  const names = ['BATCHWATCH_JWT_ISSUER', 'BATCHWATCH_JWT_AUDIENCE', 'BATCHWATCH_JWKS_URL'] as const;
  const [issuer, audience, jwks] = names.map((name) => env[name]?.trim() || undefined);
  const count = [issuer, audience, jwks].filter(Boolean).length;
  if (count === 0) return undefined;
  if (count < 3) throw new ConfigError(`JWT authentication needs all of ${names.join(', ')}`);
  let jwksUrl: URL;
  try {
    jwksUrl = new URL(jwks!);
  } catch {
    throw new ConfigError(`BATCHWATCH_JWKS_URL is not a URL: ${JSON.stringify(jwks)}`);
  }
  if (jwksUrl.protocol !== 'https:' && !(jwksUrl.protocol === 'http:' && isLoopback(jwksUrl.hostname))) {
    throw new ConfigError('BATCHWATCH_JWKS_URL must be https (http only on loopback)');
  }
  const algorithms = splitList(read.text('BATCHWATCH_JWT_ALGORITHMS', 'RS256'), ',');
  const bad = algorithms.find((alg) => !/^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/.test(alg));
  if (bad !== undefined || algorithms.length === 0) throw new ConfigError(`BATCHWATCH_JWT_ALGORITHMS: ${JSON.stringify(bad ?? '')} is not an accepted asymmetric algorithm`);
  const customersClaim = read.text('BATCHWATCH_JWT_CUSTOMERS_CLAIM', 'customers');
  return {
    issuer: issuer!,
    audience: audience!,
    jwksUrl,
    algorithms,
    customersClaim,
    clockToleranceS: read.int('BATCHWATCH_JWT_CLOCK_TOLERANCE_S', 30, 0, 600),
  };
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare === '::ffff:127.0.0.1';
}

export function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}

function splitList(text: string, separator: string): string[] {
  return text
    .split(separator)
    .map((part) => part.trim())
    .filter(Boolean);
}

type Reader = ReturnType<typeof reader>;

function reader(env: Env) {
  return {
    text(name: string, fallback: string): string {
      const value = env[name]?.trim();
      return value ? value : fallback;
    },
    int(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
      const raw = env[name]?.trim();
      if (!raw) return fallback;
      if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
      const value = Number(raw);
      if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
      return value;
    },
  };
}

/** `--help` text: usage and every variable with its default. */
export function helpText(): string {
  const width = Math.max(...VARIABLES.map((v) => v.name.length));
  const lines = VARIABLES.map((v) => `  ${v.name.padEnd(width)}  ${v.description}${v.default === '—' ? '' : ` (default ${v.default})`}`);
  return [
    'batchwatch-proxy — internal gateway for Partner Center device batch status',
    '',
    'Usage: batchwatch-proxy [--help]',
    '',
    'Configured by environment variables:',
    ...lines,
    '',
    'Exit codes: 0 after a clean shutdown, 1 on a runtime failure, 2 on a configuration error.',
  ].join('\n');
}
