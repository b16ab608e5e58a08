/**
 * The snapshot cache shared by the fleet: `snap:{batch}` holds `fetchedAt`, the ETag and the body exactly as
 * Partner Center sent it, so every replica serves the same bytes with the same ETag. It sits behind each
 * replica's own in-memory cache (the store's `SnapshotCache`): a hit there never touches Redis. Also the
 * fleet-wide back-off window after an upstream 429 (`throttle:{batch}`).
 *
 * Every call is bounded by the Redis command timeout and fails soft (undefined / no-op): a cache that cannot
 * answer is a miss, never an error for the caller.
 */
import { normalizeBatch, type BatchUploadDetails } from '@batchwatch/client';
import { isTerminal } from '@batchwatch/client';
import type { Snapshot } from '../upstream/cache.js';
import type { FleetRedis } from './redis.js';

export interface SharedCachePolicy {
  ttlMs: number;
  terminalTtlMs: number;
  staleMs: number;
}

export class SharedSnapshots {
  constructor(
    private readonly redis: FleetRedis,
    private readonly policy: SharedCachePolicy,
  ) {}

  async load(key: string): Promise<Snapshot | undefined> {
    if (!this.redis.connected) return undefined;
    try {
      const stored = await this.redis.command.getBuffer(this.redis.key('snap', key));
      return stored ? decode(stored) : undefined;
    } catch (error) {
      this.redis.failed(error);
      return undefined;
    }
  }

  /** Kept as long as it may be served: its lifetime plus the stale window. */
  async save(key: string, snapshot: Snapshot): Promise<void> {
    if (!this.redis.connected) return;
    const lifetime = (snapshot.terminal ? this.policy.terminalTtlMs : this.policy.ttlMs) + this.policy.staleMs;
    const keepMs = Math.max(1, lifetime - (Date.now() - snapshot.fetchedAt));
    try {
      await this.redis.command.set(this.redis.key('snap', key), encode(snapshot), 'PX', keepMs);
    } catch (error) {
      this.redis.failed(error);
    }
  }

  /** Remaining fleet-wide back-off for this batch, in ms (0 = none, or Redis cannot say). */
  async throttledFor(key: string): Promise<number> {
    if (!this.redis.connected) return 0;
    try {
      return Math.max(0, await this.redis.command.pttl(this.redis.key('throttle', key)));
    } catch (error) {
      this.redis.failed(error);
      return 0;
    }
  }

  async throttle(key: string, ms: number): Promise<void> {
    if (!this.redis.connected || ms <= 0) return;
    try {
      await this.redis.command.set(this.redis.key('throttle', key), '1', 'PX', Math.ceil(ms));
    } catch (error) {
      this.redis.failed(error);
    }
  }
}

/** `fetchedAt\netag\nbody`: one string, no JSON round trip of the body. */
function encode(snapshot: Snapshot): Buffer {
  return Buffer.concat([Buffer.from(`${snapshot.fetchedAt}\n${snapshot.etag}\n`), snapshot.body]);
}

function decode(stored: Buffer): Snapshot | undefined {
  const first = stored.indexOf(10);
  const second = stored.indexOf(10, first + 1);
  if (first < 0 || second < 0) return undefined;
  const fetchedAt = Number(stored.subarray(0, first).toString());
  const etag = stored.subarray(first + 1, second).toString();
  const body = stored.subarray(second + 1);
  try {
    const details = normalizeBatch(JSON.parse(body.toString()) as BatchUploadDetails);
    return { details, body: Buffer.from(body), etag, fetchedAt, terminal: isTerminal(details) };
  } catch {
    return undefined; // not ours, or damaged: a miss
  }
}
