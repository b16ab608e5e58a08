/**
 * The fleet's Redis: one command connection and one pub/sub connection (a connection in subscriber mode can run
 * nothing else), both ioredis. Commands never queue while Redis is away and never wait longer than
 * `timeoutMs`: every caller has a single-process fallback, so failing fast is what keeps the proxy serving.
 *
 * `state` is `connected` or `degraded`. Degraded starts when a connection is lost or a command times out
 * (Redis slow counts as Redis away); it ends when both connections are ready and a PING answers within the
 * timeout again (checked every `healthCheckMs`). Listeners hear `degraded` and `rejoined`.
 */
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type FleetState = 'connected' | 'degraded';

export interface FleetRedisOptions {
  url: string;
  /** Every key and channel starts with `${prefix}:`. */
  prefix: string;
  /** Longest wait for any command; past it the command fails and the fleet turns degraded. */
  timeoutMs: number;
  log: Logger;
  /** How often a degraded fleet checks whether Redis is back (default 500 ms). */
  healthCheckMs?: number;
}

export class FleetRedis extends EventEmitter<{ degraded: [reason: string]; rejoined: [] }> {
  readonly command: Redis;
  readonly subscriber: Redis;
  readonly prefix: string;
  readonly timeoutMs: number;
  #state: FleetState = 'degraded';
  #probing = false;
  #closed = false;
  readonly #health: NodeJS.Timeout;
  readonly #log: Logger;

  constructor(options: FleetRedisOptions) {
    super();
    this.prefix = options.prefix;
    this.timeoutMs = options.timeoutMs;
    this.#log = options.log;
    const common = {
      // Reconnect for ever, quickly at first, at most every 2 s.
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(1_000, options.timeoutMs),
      lazyConnect: false,
    };
    this.command = new Redis(options.url, { ...common, commandTimeout: options.timeoutMs, connectionName: 'batchwatch-proxy' });
    // The subscriber's offline queue stays on: ioredis re-subscribes after a reconnect through it.
    this.subscriber = new Redis(options.url, { ...common, enableOfflineQueue: true, connectionName: 'batchwatch-proxy-sub' });
    for (const connection of [this.command, this.subscriber]) {
      connection.on('error', () => {}); // reported through state changes; ioredis logs nothing itself
      connection.on('close', () => this.markDegraded('connection lost'));
      connection.on('ready', () => void this.#probe());
    }
    this.#health = setInterval(() => {
      if (this.#state === 'degraded') void this.#probe();
    }, options.healthCheckMs ?? 500);
    this.#health.unref();
  }

  get state(): FleetState {
    return this.#state;
  }

  get connected(): boolean {
    return this.#state === 'connected';
  }

  /** `${prefix}:${parts…}` */
  key(...parts: string[]): string {
    return `${this.prefix}:${parts.join(':')}`;
  }

  /** Resolves once connected, or after `ms` (whichever is first); says which. */
  async ready(ms: number): Promise<boolean> {
    if (this.connected) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.off('rejoined', onReady);
        resolve(false);
      }, ms);
      const onReady = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.once('rejoined', onReady);
    });
  }

  /** A command failed: a timeout or a lost connection means Redis cannot be relied on right now. */
  failed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (/timed out|Connection is closed|isn't writeable|ECONNREFUSED|ECONNRESET|EPIPE|Stream/i.test(message)) this.markDegraded(message);
  }

  markDegraded(reason: string): void {
    if (this.#state === 'degraded' || this.#closed) return;
    this.#state = 'degraded';
    this.#log.warn({ redis: { reason } }, 'Redis unavailable: serving in single-process mode until it is back');
    this.emit('degraded', reason);
  }

  async #probe(): Promise<void> {
    if (this.#probing || this.#closed || this.#state === 'connected') return;
    if (this.command.status !== 'ready' || this.subscriber.status !== 'ready') return;
    this.#probing = true;
    try {
      await this.command.ping();
      if (this.#closed || this.connected) return;
      this.#state = 'connected';
      this.#log.info('Redis connected: fleet mode');
      this.emit('rejoined');
    } catch {
      // still away or still slow; the next health check tries again
    } finally {
      this.#probing = false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#health);
    this.removeAllListeners();
    await Promise.allSettled([this.command.quit(), this.subscriber.quit()]);
    this.command.disconnect();
    this.subscriber.disconnect();
  }
}
