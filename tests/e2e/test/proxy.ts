/** A real batchwatch proxy for end-to-end tests (moved from apps/tui/test/helpers.ts). */
import { loadConfig, startProxy } from '@batchwatch/proxy';

/** The API key the test proxies accept (every customer allowed). */
export const PROXY_KEY = 'tui-key-0123456789abcdef';

/** A real batchwatch proxy in front of `upstreamUrl` (a simulator), polling every `pollMs`, logging nothing. */
export async function startTestProxy(upstreamUrl: string, pollMs: number) {
  return startProxy(
    loadConfig({
      BATCHWATCH_PORT: '0',
      BATCHWATCH_UPSTREAM_URL: upstreamUrl,
      BATCHWATCH_UPSTREAM_TOKEN: 'simulator-token',
      BATCHWATCH_API_KEYS: `tui=${PROXY_KEY}`,
      BATCHWATCH_CUSTOMER_ACL: 'tui=*',
      BATCHWATCH_POLL_INTERVAL_MS: String(pollMs),
      BATCHWATCH_POLL_MAX_INTERVAL_MS: String(pollMs * 2),
      BATCHWATCH_CACHE_TTL_MS: String(Math.round(pollMs / 2)),
      BATCHWATCH_SHUTDOWN_DELAY_MS: '0',
      BATCHWATCH_LOG_LEVEL: 'silent',
    }),
    { audit: () => {} }, // audit lines ignore the log level; the test output has no use for them
  );
}
