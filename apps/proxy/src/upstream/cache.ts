/**
 * Snapshots of batches, serialised once: the body bytes and a strong ETag are computed when a snapshot
 * changes, so a cache hit is a map lookup and a write.
 */
import { createHash } from 'node:crypto';
import { isTerminal, type BatchDetails } from '@batchwatch/client';
import type { ProxyConfig } from '../config.js';

export interface Snapshot {
  details: BatchDetails;
  /** `details.raw` as JSON: exactly what upstream sent, unknown fields and status values included. */
  body: Buffer;
  etag: string;
  fetchedAt: number;
  terminal: boolean;
}

export type Freshness = 'fresh' | 'stale' | 'expired';

export const batchKey = (customerId: string, trackingId: string): string => `${customerId.toLowerCase()}/${trackingId.toLowerCase()}`;

export function toSnapshot(details: BatchDetails, fetchedAt: number, previous?: Snapshot): Snapshot {
  const body = Buffer.from(JSON.stringify(details.raw));
  // Unchanged bodies keep their ETag without hashing again (pollers see the same body most of the time).
  const etag = previous && previous.body.equals(body) ? previous.etag : strongEtag(body);
  return { details, body, etag, fetchedAt, terminal: isTerminal(details) };
}

export function strongEtag(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/** RFC 9110 weak comparison, as If-None-Match requires: `W/` is ignored, `*` matches anything. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** A bounded map of snapshots (the least recently refreshed go first) with a status-aware lifetime. */
export class SnapshotCache {
  readonly #entries = new Map<string, Snapshot>();

  constructor(private readonly policy: ProxyConfig['cache']) {}

  get(key: string): Snapshot | undefined {
    return this.#entries.get(key);
  }

  set(key: string, snapshot: Snapshot): void {
    this.#entries.delete(key); // re-insert: Map order is refresh order
    this.#entries.set(key, snapshot);
    if (this.#entries.size > this.policy.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** Terminal batches no longer change, so they live long; running ones only as long as a poll interval. */
  freshness(snapshot: Snapshot, now: number): Freshness {
    const age = now - snapshot.fetchedAt;
    const ttl = snapshot.terminal ? this.policy.terminalTtlMs : this.policy.ttlMs;
    if (age < ttl) return 'fresh';
    return age < ttl + this.policy.staleMs ? 'stale' : 'expired';
  }

  get size(): number {
    return this.#entries.size;
  }
}
