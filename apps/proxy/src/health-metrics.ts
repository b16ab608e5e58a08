/**
 * What a platform dashboard asks first: which version runs, and whether the proxy's dependencies work —
 * its Partner Center token (acquired? until when?), the JWKS of caller tokens (reachable?), and the upstream
 * itself (when did a call last succeed?). Gauges, set where those things happen.
 */
import { Gauge, type Registry } from 'prom-client';
import type { TokenSource } from '@batchwatch/client';

export interface HealthMetrics {
  buildInfo: Gauge<'version' | 'node_version'>;
  tokenAcquired: Gauge<'credential'>;
  tokenExpiry: Gauge<'credential'>;
  jwksReachable: Gauge<'host'>;
  upstreamLastSuccess: Gauge;
}

export function createHealthMetrics(registry: Registry, version: string): HealthMetrics {
  const registers = [registry];
  const buildInfo = new Gauge({
    name: 'batchwatch_build_info',
    help: 'Always 1; the labels say which version runs',
    labelNames: ['version', 'node_version'],
    registers,
  });
  buildInfo.set({ version, node_version: process.versions.node }, 1);
  return {
    buildInfo,
    tokenAcquired: new Gauge({
      name: 'batchwatch_proxy_upstream_token_acquired',
      help: "1 when the last attempt to get the proxy's Partner Center token succeeded, 0 when it failed (absent before the first), by credential kind",
      labelNames: ['credential'],
      registers,
    }),
    tokenExpiry: new Gauge({
      name: 'batchwatch_proxy_upstream_token_expiry_timestamp_seconds',
      help: "When the proxy's current Partner Center token expires (Unix time), by credential kind",
      labelNames: ['credential'],
      registers,
    }),
    jwksReachable: new Gauge({
      name: 'batchwatch_proxy_jwks_reachable',
      help: '1 when the last JWKS fetch for caller tokens succeeded, 0 when it failed (absent before the first, and without JWT authentication), by JWKS host',
      labelNames: ['host'],
      registers,
    }),
    upstreamLastSuccess: new Gauge({
      name: 'batchwatch_proxy_upstream_last_success_timestamp_seconds',
      help: 'When a call to Partner Center last got a 2xx/304 answer (Unix time)',
      registers,
    }),
  };
}

/** The token source, reporting each token it gets (or fails to get) to the gauges. A static token counts as acquired. */
export function observedTokenSource(source: TokenSource, health: HealthMetrics, kind: string): TokenSource {
  const labels = { credential: kind };
  if (typeof source === 'string') {
    health.tokenAcquired.set(labels, 1);
    return source;
  }
  if (typeof source === 'function') {
    return async () => {
      try {
        const token = await source();
        health.tokenAcquired.set(labels, 1);
        return token;
      } catch (error) {
        health.tokenAcquired.set(labels, 0);
        throw error;
      }
    };
  }
  return {
    async getToken(scopes, options) {
      try {
        const token = await source.getToken(scopes, options);
        health.tokenAcquired.set(labels, token ? 1 : 0);
        if (token) health.tokenExpiry.set(labels, token.expiresOnTimestamp / 1000);
        return token;
      } catch (error) {
        health.tokenAcquired.set(labels, 0);
        throw error;
      }
    },
  };
}

/** A `fetch` for JWKS requests that reports whether they work. */
export function observedJwksFetch(fetchImpl: typeof fetch, health: HealthMetrics): typeof fetch {
  return async (input, init) => {
    const labels = { host: new URL(String(input instanceof Request ? input.url : input)).host };
    try {
      const response = await fetchImpl(input, init);
      health.jwksReachable.set(labels, response.ok ? 1 : 0);
      return response;
    } catch (error) {
      health.jwksReachable.set(labels, 0);
      throw error;
    }
  };
}
