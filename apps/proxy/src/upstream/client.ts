/**
 * The proxy's one way to Partner Center: `@batchwatch/client`, with the proxy's own credentials. The only
 * things added around it: an instrumented `fetch` (metrics per HTTP attempt, a cap on the body as it streams)
 * and a record of the tokens sent, for the redactor.
 */
import { createBatchStatusClient, type BatchStatusClient, type TokenSource } from '@batchwatch/client';
import type { ProxyConfig } from '../config.js';
import { observedTokenSource } from '../health-metrics.js';
import type { ProxyMetrics } from '../metrics.js';
import { injectTraceHeaders } from '../tracing.js';
import { credentialFor } from './credentials.js';
import { registerSecret } from '../redact.js';
import { limitBody } from './body-limit.js';

export interface UpstreamDeps {
  /** Overrides the configured credential (tests, or a custom `TokenCredential`). */
  credential?: TokenSource;
  fetch?: typeof fetch;
  /** Awaited before each HTTP attempt (the fleet's upstream budget); may wait, rejects only on abort. */
  gate?: (signal?: AbortSignal | null) => Promise<void>;
}

export function createUpstreamClient(config: ProxyConfig['upstream'], metrics: ProxyMetrics, deps: UpstreamDeps = {}): BatchStatusClient {
  const credential = remembered(
    observedTokenSource(deps.credential ?? credentialFor(config.credential), metrics.health, deps.credential ? 'custom' : config.credential.kind),
  );
  return createBatchStatusClient({
    baseUrl: config.url,
    ...(typeof credential === 'object' ? { credential } : { token: credential }),
    application: 'batchwatch-proxy',
    timeoutMs: config.timeoutMs,
    // Network errors, timeouts and 5xx are retried a few times, quickly; a Retry-After no longer than such a
    // back-off (a 503 with `Retry-After: 1`) is waited for like one. A longer one is never waited for inside a
    // caller's request: the store backs off and answers from cache (or 429) instead.
    retry: { attempts: config.attempts, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: RETRY_AFTER_IN_CALL_MS },
    fetch: instrumentedFetch(deps.fetch ?? globalThis.fetch, metrics, config.maxBytes, deps.gate),
  });
}

/** The longest `Retry-After` waited for within one upstream call. */
export const RETRY_AFTER_IN_CALL_MS = 1_000;

/** Every token sent upstream is known to the redactor, so an upstream echoing it never passes it on. */
function remembered(credential: TokenSource | undefined): TokenSource | undefined {
  if (credential === undefined || typeof credential === 'string') {
    registerSecret(credential);
    return credential;
  }
  if (typeof credential === 'function') {
    return async () => {
      const token = await credential();
      registerSecret(token);
      return token;
    };
  }
  return {
    async getToken(scopes, options) {
      const token = await credential.getToken(scopes, options);
      registerSecret(token?.token);
      return token;
    },
  };
}

/** Per attempt: the fleet's upstream budget (when set), `traceparent` of the active span (when tracing is on), metrics, the body cap. */
function instrumentedFetch(fetchImpl: typeof fetch, metrics: ProxyMetrics, maxBytes: number, gate: UpstreamDeps['gate']): typeof fetch {
  return async (input, init) => {
    if (gate) await gate(init?.signal ?? (input instanceof Request ? input.signal : undefined));
    const started = performance.now();
    let status = '0';
    try {
      const headers = new Headers(init?.headers);
      injectTraceHeaders(headers);
      const response = await fetchImpl(input, { ...init, headers });
      status = String(response.status);
      if (response.ok || response.status === 304) metrics.health.upstreamLastSuccess.set(Date.now() / 1000);
      return limitBody(response, maxBytes);
    } finally {
      metrics.upstreamRequests.inc({ status_code: status });
      metrics.upstreamDuration.observe({ status_code: status }, (performance.now() - started) / 1000);
    }
  };
}
