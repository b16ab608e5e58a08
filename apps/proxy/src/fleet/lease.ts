/**
 * A lease per batch (the Kubernetes-lease model): whoever holds `lease:{batch}` polls Partner Center for the
 * whole fleet. It lives `ttlMs` unless renewed; an expired lease is taken by the next replica that asks.
 * Each acquisition draws a new token from an ever-increasing counter, and every write of the holder is
 * checked against it in Redis (see `BatchLog.append`): a holder that was paused past its lease — and so
 * replaced — cannot publish any more.
 */
import type { FleetClient } from './scripts.js';

export interface LeaseKeys {
  lease: string;
  fence: string;
}

export type LeaseAnswer = { held: true; token: number } | { held: false; retryInMs: number };

export class Lease {
  /** The token while held, else 0. */
  token = 0;

  constructor(
    private readonly redis: FleetClient,
    private readonly keys: LeaseKeys,
    readonly ttlMs: number,
  ) {}

  get held(): boolean {
    return this.token > 0;
  }

  /** Acquires the lease, or renews it when already held; a renewal that fails means it was lost. */
  async acquireOrRenew(): Promise<LeaseAnswer> {
    const [token, pttl] = await this.redis.fleetLease(this.keys.lease, this.keys.fence, String(this.token), this.ttlMs);
    this.token = token;
    return token > 0 ? { held: true, token } : { held: false, retryInMs: Math.max(0, pttl) };
  }

  /** Gives the lease up if it is still ours (a clean stop: another replica may take over at once). */
  async release(): Promise<void> {
    const token = this.token;
    this.token = 0;
    if (token > 0) await this.redis.fleetRelease(this.keys.lease, String(token));
  }

  /** Forgets the lease without telling Redis (it is lost, or Redis is away). */
  drop(): void {
    this.token = 0;
  }
}
