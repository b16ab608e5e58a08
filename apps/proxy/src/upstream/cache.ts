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

/**
 * A map of snapshots bounded in entries AND in body bytes (the least recently refreshed go first), with a
 * status-aware lifetime. A body larger than the whole byte budget is served to its callers but not kept.
 */
export class SnapshotCache {
  readonly #entries = new Map<string, Snapshot>();
  #bytes = 0;

  constructor(private readonly policy: ProxyConfig['cache']) {}

  get(key: string): Snapshot | undefined {
    return this.#entries.get(key);
  }

  set(key: string, snapshot: Snapshot): void {
    this.delete(key); // re-insert: Map order is refresh order
    if (snapshot.body.length > this.policy.maxBytes) return;
    this.#entries.set(key, snapshot);
    this.#bytes += snapshot.body.length;
    while (this.#entries.size > this.policy.maxEntries || this.#bytes > this.policy.maxBytes) {
      this.delete(this.#entries.keys().next().value!);
    }
  }

  delete(key: string): void {
    const old = this.#entries.get(key);
    if (!old) return;
    this.#entries.delete(key);
    this.#bytes -= old.body.length;
  }

  /** Body bytes held. */
  get bytes(): number {
    return this.#bytes;
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
