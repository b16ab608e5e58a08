/**
 * @batchwatch/proxy — an internal Express 5 gateway for Partner Center's device batch status: the same
 * contract, caller authentication, coalescing and caching, and live events. Exported for tests and benches.
 */
export { createProxyApp } from './app.js';
export { MAX_URL_LENGTH, staticHelmetHeaders } from './front-door.js';
export type { ProxyApp, ProxyDeps } from './app.js';
export { startProxy } from './server.js';
export type { RunningProxy } from './server.js';
export { loadConfig, ConfigError, VARIABLES, helpText, isLoopback } from './config.js';
export type { ProxyConfig, ApiKey, CustomerAccess, JwtConfig, VariableSpec } from './config.js';
export { mapError, mapUpstreamError, apiFault, ProxyError, FAULT_SOURCE } from './faults.js';
export type { MappedFault, FaultCode } from './faults.js';
export { createMetrics } from './metrics.js';
export type { ProxyMetrics } from './metrics.js';
export { createLogger, REDACT_PATHS } from './logger.js';
export { SseStream } from './live/stream.js';
export { formatEvent, SSE_HEADERS } from './live/wire.js';
export { loadBundledSpec, DOCS_CSP } from './docs.js';
export { etagMatches, strongEtag } from './upstream/cache.js';
export { parseLastEventId } from './routes/events.js';
