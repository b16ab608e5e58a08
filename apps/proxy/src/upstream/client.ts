/**
 * The proxy's one way to Partner Center: `@batchwatch/client`, with the proxy's own credentials. The only
 * things added around it: an instrumented `fetch` (metrics per HTTP attempt, a cap on the body as it streams)
 * and a record of the tokens sent, for the redactor.
 */
import { createBatchStatusClient, type BatchStatusClient, type TokenSource } from '@batchwatch/client';
import type { ProxyConfig } from '../config.js';
import type { ProxyMetrics } from '../metrics.js';
import { registerSecret } from '../redact.js';
import { limitBody } from './body-limit.js';

type TokenCredential = Extract<TokenSource, { getToken: unknown }>;

export interface UpstreamDeps {
  /** Overrides the configured credential (tests, or a custom `TokenCredential`). */
  credential?: TokenSource;
  fetch?: typeof fetch;
}

export function createUpstreamClient(config: ProxyConfig['upstream'], metrics: ProxyMetrics, deps: UpstreamDeps = {}): BatchStatusClient {
  const configured = deps.credential ?? config.token ?? (config.azure ? lazyClientSecretCredential(config.azure) : undefined);
  const credential = remembered(configured);
  return createBatchStatusClient({
    baseUrl: config.url,
    ...(typeof credential === 'object' ? { credential } : { token: credential }),
    application: 'batchwatch-proxy',
    timeoutMs: config.timeoutMs,
    // Network errors, timeouts and 5xx are retried a few times, quickly; a Retry-After no longer than such a
    // back-off (a 503 with `Retry-After: 1`) is waited for like one. A longer one is never waited for inside a
    // caller's request: the store backs off and answers from cache (or 429) instead.
    retry: { attempts: config.attempts, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: RETRY_AFTER_IN_CALL_MS },
    fetch: instrumentedFetch(deps.fetch ?? globalThis.fetch, metrics, config.maxBytes),
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

function instrumentedFetch(fetchImpl: typeof fetch, metrics: ProxyMetrics, maxBytes: number): typeof fetch {
  return async (input, init) => {
    const started = performance.now();
    let status = '0';
    try {
      const response = await fetchImpl(input, init);
      status = String(response.status);
      return limitBody(response, maxBytes);
    } finally {
      metrics.upstreamRequests.inc({ status });
      metrics.upstreamDuration.observe({ status }, (performance.now() - started) / 1000);
    }
  };
}

/** `ClientSecretCredential`, imported on first use: @azure/identity costs ~0.4 s to load. */
function lazyClientSecretCredential(azure: NonNullable<ProxyConfig['upstream']['azure']>): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      credential ??= import('@azure/identity').then(
        ({ ClientSecretCredential }) => new ClientSecretCredential(azure.tenantId, azure.clientId, azure.clientSecret),
      );
      return (await credential).getToken(scopes, options);
    },
  };
}
