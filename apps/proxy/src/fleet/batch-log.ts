/**
 * A batch's events, fleet-wide: a Redis Stream `events:{batch}` plus a state hash `state:{batch}` (latest
 * seq, latest snapshot body and time, done). Stream ids are `<seq>-0` for state events — so the SSE id, the
 * stream id and `Last-Event-ID` are one number on every replica — and `<seq>-<n>` for the `retrying`
 * notices that follow event `seq` (live only, never replayed).
 *
 * Retention: the stream keeps about `maxLen` entries (`XADD MAXLEN ~`); stream and state expire
 * `retentionMs` after the last append. A resume older than what is kept gets a snapshot instead.
 */
import type { FleetClient, ReadReply } from './scripts.js';

export interface BatchLogKeys {
  lease: string;
  stream: string;
  state: string;
  channel: string;
}

/** One stream entry as read back. */
export interface LogEntry {
  /** Stream id, `<seq>-<n>`. */
  id: string;
  /** The state event's seq (0 for a `retrying` notice). */
  seq: number;
  type: string;
  /** The SSE frame, formatted once by the holder: every replica writes these bytes. */
  frame: string;
}

export interface LogState {
  seq: number;
  done: boolean;
  /** Present when changed since the seq the reader said it knew. */
  body?: string;
  at?: string;
}

export interface AppendRequest {
  token: number;
  /** The batch's seq before this append (the holder's view); anything else means another writer. */
  previousSeq: number;
  /** The seq after it. */
  seq: number;
  entries: Array<{ id: string; type: string; frame: string }>;
  /** The snapshot after this poll, when it changed. */
  body?: string;
  at: string;
  done: boolean;
}

export type AppendResult = 'ok' | 'fenced' | 'conflict';

export class BatchLog {
  constructor(
    private readonly redis: FleetClient,
    readonly keys: BatchLogKeys,
    private readonly maxLen: number,
    private readonly retentionMs: number,
  ) {}

  /** Writes one poll's events atomically, if `token` still holds the lease and nobody appended meanwhile. */
  async append(request: AppendRequest): Promise<AppendResult> {
    const { lease, stream, state, channel } = this.keys;
    const args: Array<string | number> = [
      request.token,
      request.previousSeq,
      request.seq,
      this.maxLen,
      this.retentionMs,
      request.body ?? '',
      request.at,
      request.done ? 1 : 0,
    ];
    for (const entry of request.entries) args.push(entry.id, entry.type, entry.frame);
    const result = await this.redis.fleetAppend(lease, stream, state, channel, ...args);
    return result === 1 ? 'ok' : result === -1 ? 'fenced' : 'conflict';
  }

  /** Entries after `afterId` ('-' = all kept), at most `count`, and the state (with its body if its seq is not `knownSeq`). */
  async read(afterId: string, knownSeq: number, count = 1_000): Promise<{ entries: LogEntry[]; state: LogState }> {
    const [raw, seq, done, body, at]: ReadReply = await this.redis.fleetRead(this.keys.stream, this.keys.state, afterId, String(knownSeq), count);
    const entries = raw.map(([id, fields]) => {
      const value = (name: string) => fields[fields.indexOf(name) + 1] ?? '';
      const type = value('t');
      return { id, seq: type === 'retrying' ? 0 : Number(id.slice(0, id.indexOf('-'))), type, frame: value('f') };
    });
    const state: LogState = { seq: Number(seq), done: done === '1' };
    if (body) state.body = body;
    if (at) state.at = at;
    return { entries, state };
  }

  /** After an outage: the batch's seq becomes at least `seq`, so ids handed out meanwhile are never reused. */
  async raise(seq: number): Promise<void> {
    await this.redis.fleetRaise(this.keys.state, seq, this.retentionMs);
  }
}

/** Stream id of the state event `seq`, and the pattern for a `retrying` notice after it. */
export const stateEventId = (seq: number): string => `${seq}-0`;
export const noticeId = (seq: number): string => `${seq}-*`;
