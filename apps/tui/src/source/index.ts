/**
 * Chooses how to follow a batch: the proxy's SSE stream when the base URL serves one, otherwise the
 * client's polling. Partner Center itself has no events endpoint, so it is polled without probing.
 */
import { createBatchStatusClient, PartnerCenterError, type BatchStatusClient, type TokenSource } from '@batchwatch/client';
import { createTokenProvider, sleep } from '@batchwatch/client/internal';
import { createPollingSource } from './polling.js';
import { reconnectDelay, Sequencer } from './sequencer.js';
import { connectEvents, createSseSource, responseError, type SseConfig } from './sse.js';
import type { SourceHandlers, WatchSource } from './types.js';

export type { SourceHandlers, WatchSource } from './types.js';
export { createPollingSource } from './polling.js';
export { createSseSource } from './sse.js';

export interface SourceConfig {
  baseUrl: string;
  customerId: string;
  trackingId: string;
  correlationId: string;
  locale: string;
  intervalMs: number;
  /** A static token or an Entra credential. */
  auth?: TokenSource;
  /** The scope to ask a credential for (the operator's sign-in: its delegated scope); default the client's. */
  scopes?: string;
  /** `false`: never try SSE (e.g. the base URL is Partner Center). */
  trySse: boolean;
  fetch?: typeof fetch;
}

/** Probe failures worth retrying (proxy down, 5xx) before settling for polling, which retries by itself. */
const PROBE_ATTEMPTS = 3;

export function createWatchSource(config: SourceConfig): WatchSource {
  let handlers: SourceHandlers | undefined;
  let active: WatchSource | undefined;
  const fetchImpl = config.fetch ?? globalThis.fetch;
  // Every successful upstream answer counts as a sign of life, even a poll that changed nothing.
  const observedFetch: typeof fetch = async (input, init) => {
    const response = await fetchImpl(input, init);
    if (response.ok) handlers?.alive(new Date());
    return response;
  };
  const client = createBatchStatusClient({
    baseUrl: config.baseUrl,
    locale: config.locale,
    application: 'batchwatch',
    fetch: observedFetch,
    ...(typeof config.auth === 'object'
      ? { credential: config.auth, ...(config.scopes && { scopes: config.scopes }) }
      : config.auth !== undefined
        ? { token: config.auth }
        : {}),
  });
  const sseConfig: SseConfig = { ...config, getToken: createTokenProvider(config.auth), fetch: fetchImpl };

  return {
    async run(target, signal) {
      handlers = target;
      if (!config.trySse) return (active = polling(client, config)).run(target, signal);
      const probe = await probeEvents(sseConfig, target, signal);
      active = probe ? createSseSource(sseConfig, probe) : polling(client, config);
      return active.run(target, signal);
    },
    refresh() {
      active?.refresh();
    },
  };
}

function polling(client: BatchStatusClient, config: SourceConfig): WatchSource {
  return createPollingSource(client, config);
}

/**
 * Opens the event stream once. Returns the open response when it is one; undefined when the base URL does
 * not serve events (404, 405, HTML, a Partner Center error…) so polling takes over and reports real errors.
 */
async function probeEvents(config: SseConfig, handlers: SourceHandlers, signal: AbortSignal): Promise<Response | undefined> {
  const sequencer = new Sequencer(handlers.event);
  for (let attempt = 1; ; attempt++) {
    let error: PartnerCenterError;
    try {
      const result = await connectEvents(config, signal);
      if (result.kind === 'stream') return result.response;
      error = await responseError(result.response, config.correlationId);
      if (!error.retryable) return undefined;
    } catch (thrown) {
      if (signal.aborted || !(thrown instanceof PartnerCenterError)) throw thrown;
      error = thrown;
    }
    if (attempt >= PROBE_ATTEMPTS) return undefined;
    const retryInMs = Math.max(error.retryAfterMs ?? 0, reconnectDelay(attempt));
    sequencer.retrying(error, retryInMs);
    await sleep(retryInMs, signal);
  }
}
