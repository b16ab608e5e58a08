/**
 * The proxy's one way to Partner Center: `@batchwatch/client`, with the proxy's own credentials. The only
 * thing added around it is an instrumented `fetch` (metrics per HTTP attempt, retries included).
 */
import { createBatchStatusClient, type BatchStatusClient, type TokenSource } from '@batchwatch/client';
import type { ProxyConfig } from '../config.js';
import type { ProxyMetrics } from '../metrics.js';

type TokenCredential = Extract<TokenSource, { getToken: unknown }>;

export interface UpstreamDeps {
  /** Overrides the configured credential (tests, or a custom `TokenCredential`). */
  credential?: TokenSource;
  fetch?: typeof fetch;
  /** Awaited before each HTTP attempt (the fleet's upstream budget); may wait, rejects only on abort. */
  gate?: (signal?: AbortSignal | null) => Promise<void>;
}

export function createUpstreamClient(config: ProxyConfig['upstream'], metrics: ProxyMetrics, deps: UpstreamDeps = {}): BatchStatusClient {
  const credential = deps.credential ?? config.token ?? (config.azure ? lazyClientSecretCredential(config.azure) : undefined);
  return createBatchStatusClient({
    baseUrl: config.url,
    ...(typeof credential === 'object' ? { credential } : { token: credential }),
    application: 'batchwatch-proxy',
    timeoutMs: config.timeoutMs,
    // A Retry-After is never waited for inside a caller's request: the store backs off and answers from
    // cache (or 429) instead. Network errors, timeouts and 5xx are retried a few times, quickly.
    retry: { attempts: config.attempts, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 0 },
    fetch: instrumentedFetch(deps.fetch ?? globalThis.fetch, metrics, deps.gate),
  });
}

function instrumentedFetch(fetchImpl: typeof fetch, metrics: ProxyMetrics, gate: UpstreamDeps['gate']): typeof fetch {
  return async (input, init) => {
    if (gate) await gate(init?.signal ?? (input instanceof Request ? input.signal : undefined));
    const started = performance.now();
    let status = '0';
    try {
      const response = await fetchImpl(input, init);
      status = String(response.status);
      return response;
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
